/**
 * The item registry is the checklist: 209 items, its words, its order; every route leads somewhere
 * real; and docs/production-readiness.md is the registry rendered (current, formatted as Prettier does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { CHECKS, META_CHECKS } from '../../src/ops/doctor/checks/index.js';
import { READINESS_DOC_PATH, renderReadinessDoc } from '../../src/ops/doctor/readiness-doc.js';
import { ITEM_COUNT, ITEMS, SECTIONS, checkIdsOf } from '../../src/ops/doctor/registry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** CI clones the repository beside a copy of shared/, as the workspace has it. */
const CHECKLIST = fileURLToPath(
  new URL('../../../shared/reference/production-readiness-checklist.md', import.meta.url),
);

interface ChecklistItem {
  section: string;
  subsection: string;
  title: string;
}

function parseChecklist(text: string): ChecklistItem[] {
  const items: ChecklistItem[] = [];
  let section = '';
  let subsection = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    else if (line.startsWith('### ')) subsection = line.slice(4).trim();
    else if (line.startsWith('- [ ] ')) items.push({ section, subsection, title: line.slice(6).trim() });
  }
  return items;
}

/** The documents other parts of the operations kit write, which doc and manual routes may name. */
const KNOWN_DOCS = new Set([
  'docs/deployment.md',
  'docs/architecture.md',
  'docs/api.md',
  'docs/database-schema.md',
  'docs/runbook.md',
  'docs/monitoring.md',
  'docs/backup-restore.md',
  'docs/incident-response.md',
  'docs/maintenance.md',
  'docs/rollback.md',
  'docs/disaster-recovery.md',
  'docs/data-retention-privacy.md',
  'docs/troubleshooting.md',
  'docs/configuration.md',
  'docs/seps.md',
  'docs/signoff.md',
  'bench/README.md',
]);

describe('the item registry', () => {
  it(`holds exactly ${ITEM_COUNT} items, numbered in order`, () => {
    expect(ITEMS).toHaveLength(ITEM_COUNT);
    expect(ITEMS.map((i) => i.n)).toEqual(Array.from({ length: ITEM_COUNT }, (_, i) => i + 1));
  });

  it.skipIf(!existsSync(CHECKLIST))(
    'has the checklist’s sections, subsections and words, in its order',
    () => {
      const checklist = parseChecklist(readFileSync(CHECKLIST, 'utf8'));
      expect(checklist).toHaveLength(ITEM_COUNT);
      expect(ITEMS.map((i) => ({ section: i.section, subsection: i.subsection, title: i.title }))).toEqual(
        checklist,
      );
    },
  );

  it('gives every item a unique id of the form section.subsection.item, led by its section’s short name', () => {
    const ids = ITEMS.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const item of ITEMS) {
      expect(item.id).toMatch(/^[a-z]+\.[a-z0-9]+\.[a-z0-9-]+$/);
      const section = SECTIONS.find((s) => s.title === item.section);
      expect(item.id.startsWith(`${section?.slug ?? '?'}.`), item.id).toBe(true);
    }
  });

  it('names only checks that exist, and every check serves at least one item', () => {
    const known = new Set([...CHECKS, ...META_CHECKS].map((c) => c.id));
    const used = new Set(ITEMS.flatMap(checkIdsOf));
    for (const id of used) expect(known.has(id), id).toBe(true);
    for (const id of known) expect(used.has(id), `${id} serves no item`).toBe(true);
    expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length);
  });

  it('points code routes at a module and a test that exist', () => {
    for (const item of ITEMS) {
      if (item.route.kind !== 'code') continue;
      expect(existsSync(`${ROOT}${item.route.module}`), `${item.id}: ${item.route.module}`).toBe(true);
      expect(existsSync(`${ROOT}${item.route.test}`), `${item.id}: ${item.route.test}`).toBe(true);
    }
  });

  it('points doc routes and manual templates at the operations documents', () => {
    for (const item of ITEMS) {
      const path =
        item.route.kind === 'doc'
          ? item.route.doc
          : item.route.kind === 'manual'
            ? item.route.template
            : undefined;
      if (path !== undefined) expect(KNOWN_DOCS.has(path), `${item.id}: ${path}`).toBe(true);
    }
  });

  it('uses all four routes, with every Go/No-Go approval checked against the recorded sign-offs', () => {
    const kinds = new Set(ITEMS.map((i) => i.route.kind));
    expect([...kinds].sort()).toEqual(['check', 'code', 'doc', 'manual']);
    const approvals = ITEMS.filter(
      (i) => i.subsection === 'Go/No-Go Decision' && i.title.endsWith('approval'),
    );
    expect(approvals.flatMap(checkIdsOf).sort()).toEqual([
      'signoff.operations',
      'signoff.product',
      'signoff.security',
      'signoff.technical',
    ]);
  });
});

describe(READINESS_DOC_PATH, () => {
  const rendered = renderReadinessDoc();

  it('is current: regenerate with `npm run build && npm run docs:readiness`', async () => {
    const path = `${ROOT}${READINESS_DOC_PATH}`;
    const options = (await resolveConfig(path)) ?? {};
    const formatted = await format(rendered, { ...options, parser: 'markdown', filepath: path });
    expect(readFileSync(path, 'utf8')).toBe(formatted);
  });

  it('lists every item once, in order, under its section, with its route', () => {
    const rows = rendered.split('\n').filter((line) => /^\| \d+ \|/.test(line));
    expect(rows).toHaveLength(ITEM_COUNT);
    rows.forEach((row, index) => {
      const item = ITEMS[index];
      expect(row.startsWith(`| ${index + 1} | \`${item?.id ?? ''}\` |`), row).toBe(true);
      expect(row).toContain(`**${item?.route.kind ?? ''}**`);
    });
    for (const section of SECTIONS) expect(rendered).toContain(`\n## ${section.title}\n`);
  });

  it('counts the routes, and they add up to the checklist', () => {
    const counts = ['check', 'code', 'doc', 'manual'].map((kind) => {
      const match = new RegExp(`^\\| ${kind} \\| (\\d+) \\|`, 'm').exec(rendered);
      return Number(match?.[1] ?? 'NaN');
    });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(ITEM_COUNT);
  });

  it('describes every check in its catalogue', () => {
    for (const check of [...CHECKS, ...META_CHECKS]) expect(rendered).toContain(`| \`${check.id}\` | `);
  });

  it('renders the same text every time', () => {
    expect(renderReadinessDoc()).toBe(rendered);
  });
});
