/**
 * docs/production-readiness.md, rendered from the item registry and the check catalogue: every one
 * of the 209 items with how Rampart meets it. Pure and deterministic, so CI can compare the
 * checked-in file byte for byte with a fresh rendering (scripts/gen-readiness-doc.ts --check).
 */
import { CHECKS, META_CHECKS } from './checks/index.js';
import { ITEMS, SECTIONS, checkIdsOf, type Item, type Route, type RouteKind } from './registry.js';

export const READINESS_DOC_PATH = 'docs/production-readiness.md';

const ROUTE_KINDS: readonly RouteKind[] = ['check', 'code', 'doc', 'manual'];

const ROUTE_MEANING: Readonly<Record<RouteKind, string>> = {
  check:
    '`rampart doctor` checks it on the deployment and the host (PASS, WARN, FAIL, or MANUAL when it lacks the access)',
  code: 'the software does it; the named test proves it (doctor reports PASS)',
  doc: 'a document or procedure in docs/ (doctor reports PASS when the file ships, FAIL when it is missing)',
  manual: 'a person confirms it and records it (doctor reports MANUAL with what to confirm)',
};

function verifiesOf(id: string): string {
  const found = CHECKS.find((c) => c.id === id) ?? META_CHECKS.find((c) => c.id === id);
  if (found === undefined) throw new Error(`registry names an unknown check ${id}`);
  return found.verifies;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** A repository path as a link from docs/. */
function link(path: string): string {
  const target = path.startsWith('docs/') ? path.slice('docs/'.length) : `../${path}`;
  return `[\`${path}\`](${target})`;
}

function how(route: Route): string {
  switch (route.kind) {
    case 'check':
      return `**check** ${route.checks.map((id) => `\`${id}\`: ${verifiesOf(id)}`).join('; ')}`;
    case 'code':
      return `**code** ${route.how}: ${link(route.module)}, proven by ${link(route.test)}`;
    case 'doc':
      return `**doc** ${link(route.doc)}: ${route.what}`;
    case 'manual':
      return `**manual** confirm that ${route.confirm}${route.template === undefined ? '' : `; record it in ${link(route.template)}`}`;
  }
}

function tally(items: readonly Item[]): string {
  return ROUTE_KINDS.map((kind) => `${items.filter((i) => i.route.kind === kind).length} ${kind}`).join(', ');
}

function intro(): string[] {
  const lines = [
    '# Production readiness',
    '',
    '<!-- Generated from src/ops/doctor/registry.ts by scripts/gen-readiness-doc.ts. Do not edit by hand:',
    '     run `npm run build && npm run docs:readiness`. CI fails when this file is out of date. -->',
    '',
    `Every one of the ${ITEMS.length} items of the production-readiness checklist, in its order and`,
    'with its words, and how Rampart meets it. The checklist was written for the Rust system Rampart',
    'replaces: "Rust toolchain" reads as Node.js 24, `cargo build --release` as the compiled `dist/`,',
    '`cargo audit` as `npm audit`, "strip enabled" as production dependencies only.',
    '',
    '| Route | Items | Meaning |',
    '|---|---|---|',
  ];
  for (const kind of ROUTE_KINDS) {
    lines.push(`| ${kind} | ${ITEMS.filter((i) => i.route.kind === kind).length} | ${ROUTE_MEANING[kind]} |`);
  }
  lines.push(
    `| **all** | **${ITEMS.length}** | |`,
    '',
    '## Using it',
    '',
    '- `sudo rampart doctor` on the server prints every item as PASS, WARN, FAIL or MANUAL with a one-line',
    '  detail and, unless it passes, a one-line fix; it exits 1 when any item FAILs. Without root, the',
    '  checks that need it (sshd, the firewall, pg_hba.conf, the env file) say so instead of guessing.',
    "- `--json` (an object with `summary`, `items` and the report's `sha256`) and `--markdown` keep a",
    '  record; `--only <section>` checks one section (`infra`, `db`, `app`, `sec`, `mon`, `perf`, `rel`,',
    '  `docs`, `test`, `comp`, `ops`, `team`, `prelaunch`, `postlaunch`, or an id prefix such as `db.backup`).',
    '- The doctor reads the configuration the service runs with: the `Environment=` lines of',
    '  `rampart.service`, its env file (`DOCTOR_ENV_FILE`, default `/etc/rampart/rampart.env`), then the',
    '  shell. Its own settings (`DOCTOR_*`) are in [configuration.md](configuration.md).',
    '- Item ids are `<section>.<subsection>.<item>` and never change meaning; checks have ids of their',
    '  own (`host.firewall`), listed at the end.',
    '- The Go/No-Go approvals are recorded with',
    '  `rampart doctor --sign "<role>: <name>" --decision go|no-go [--note …]` (roles Technical, Operations,',
    '  Security, Product), kept in the append-only `signoffs` table with the SHA-256 of the report the',
    '  signer saw, and listed with `rampart doctor --signoffs`; see [signoff.md](signoff.md).',
  );
  return lines;
}

function sectionLines(title: string): string[] {
  const items = ITEMS.filter((i) => i.section === title);
  const lines = ['', `## ${title}`, '', `${items.length} items: ${tally(items)}.`];
  const subsections = [...new Set(items.map((i) => i.subsection))];
  for (const subsection of subsections) {
    lines.push('', `### ${subsection}`, '', '| # | Id | Item | How Rampart meets it |', '|---|---|---|---|');
    for (const item of items.filter((i) => i.subsection === subsection)) {
      lines.push(`| ${item.n} | \`${item.id}\` | ${cell(item.title)} | ${cell(how(item.route))} |`);
    }
  }
  return lines;
}

function catalogue(): string[] {
  const lines = ['', '## The checks', '', '| Check | Verifies | Items |', '|---|---|---|'];
  for (const check of [...CHECKS, ...META_CHECKS]) {
    const users = ITEMS.filter((i) => checkIdsOf(i).includes(check.id)).map((i) => `\`${i.id}\``);
    lines.push(`| \`${check.id}\` | ${cell(check.verifies)} | ${users.join(', ')} |`);
  }
  return lines;
}

export function renderReadinessDoc(): string {
  const lines = [...intro()];
  for (const section of SECTIONS) lines.push(...sectionLines(section.title));
  lines.push(...catalogue());
  return `${lines.join('\n')}\n`;
}
