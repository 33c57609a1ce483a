/**
 * Runs the doctor: every check an item needs, once, a few at a time, each within its time budget;
 * then the items of the registry get their status from their route, the meta items from all the
 * others; then the report is summarised and hashed.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { checkById, metaCheckById, type Judged } from './checks/index.js';
import type { CheckContext } from './context.js';
import {
  errorText,
  fail,
  manual,
  pass,
  STATUSES,
  warn,
  worst,
  type Outcome,
  type Status,
} from './outcome.js';
import { ITEMS, SECTIONS, checkIdsOf, type Item, type RouteKind } from './registry.js';

/** Checks running at once: enough to overlap network waits, few enough for a 2-core server. */
const CONCURRENCY = 6;

export interface ItemResult extends Outcome {
  readonly n: number;
  readonly id: string;
  readonly section: string;
  readonly subsection: string;
  readonly title: string;
  readonly route: RouteKind;
  /** The checks behind a `check` item. */
  readonly checks: readonly string[];
}

export type Summary = Readonly<Record<Status, number>> & { readonly total: number };

export interface DoctorReport {
  readonly tool: 'rampart doctor';
  readonly version: string;
  readonly generatedAt: string;
  readonly host: string;
  /** The section `--only` selected, or null for the whole checklist. */
  readonly only: string | null;
  readonly summary: Summary;
  readonly items: readonly ItemResult[];
  /** SHA-256 of this report's JSON without this field (see reportSha256). */
  readonly sha256: string;
}

export class UnknownSectionError extends Error {
  override readonly name = 'UnknownSectionError';
}

/** `--only` takes a section's title ("Database"), its short name (`db`) or an id prefix (`db.backup`). */
export function selectItems(only: string | undefined): readonly Item[] {
  if (only === undefined) return ITEMS;
  const wanted = only.trim().toLowerCase();
  const section = SECTIONS.find((s) => s.title.toLowerCase() === wanted || s.slug === wanted);
  const selected =
    section === undefined
      ? ITEMS.filter((item) => item.id === wanted || item.id.startsWith(`${wanted}.`))
      : ITEMS.filter((item) => item.section === section.title);
  if (selected.length === 0) {
    throw new UnknownSectionError(
      `--only: no section "${only}"; use one of ${SECTIONS.map((s) => `${s.slug} (${s.title})`).join(', ')}, or an id prefix such as db.backup`,
    );
  }
  return selected;
}

async function withTimeout(run: () => Promise<Outcome>, timeoutMs: number, id: string): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      resolve(
        warn(
          `${id} did not finish within ${timeoutMs} ms`,
          'rerun; raise DOCTOR_CHECK_TIMEOUT_MS if the host is slow',
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      run().catch((error: unknown) =>
        warn(`${id} could not run: ${errorText(error)}`, 'rerun; report it if it persists'),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the given checks once each, at most CONCURRENCY at a time. */
async function runChecks(context: CheckContext, ids: readonly string[]): Promise<Map<string, Outcome>> {
  const results = new Map<string, Outcome>();
  const queue = [...ids];
  const timeoutMs = context.config.doctorCheckTimeoutMs;
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const check = checkById(id);
      if (check === undefined) throw new Error(`registry names an unknown check ${id}`);
      results.set(id, await withTimeout(() => check.run(context), timeoutMs, id));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  return results;
}

async function routeOutcome(
  context: CheckContext,
  item: Item,
  checks: ReadonlyMap<string, Outcome>,
): Promise<Outcome> {
  const route = item.route;
  switch (route.kind) {
    case 'check': {
      const outcomes = route.checks.map((id) => checks.get(id)).filter((o) => o !== undefined);
      return worst(outcomes);
    }
    case 'code':
      return pass(`${route.how} — ${route.module}, proven by ${route.test}`);
    case 'doc': {
      const info = await context.once(`stat:${route.doc}`, () =>
        context.host.stat(join(context.root, route.doc)),
      );
      return info.kind === 'ok' && info.sizeBytes > 0
        ? pass(`${route.doc}: ${route.what}`)
        : fail(
            `${route.doc} is missing from this installation`,
            'deploy from a complete release checkout (docs/ ships with it)',
          );
    }
    case 'manual':
      return manual(
        `confirm: ${route.confirm}`,
        route.template === undefined
          ? 'confirm it, then note it in a sign-off (docs/signoff.md)'
          : `record it in ${route.template}, then note it in a sign-off (docs/signoff.md)`,
      );
  }
}

function isMeta(item: Item): boolean {
  return checkIdsOf(item).some((id) => metaCheckById(id) !== undefined);
}

function result(item: Item, outcome: Outcome): ItemResult {
  return {
    n: item.n,
    id: item.id,
    section: item.section,
    subsection: item.subsection,
    title: item.title,
    route: item.route.kind,
    checks: checkIdsOf(item),
    status: outcome.status,
    detail: outcome.detail,
    fix: outcome.fix,
  };
}

export interface RunOptions {
  readonly only: string | undefined;
  readonly version: string;
}

export async function runDoctor(context: CheckContext, options: RunOptions): Promise<DoctorReport> {
  const selected = selectItems(options.only);
  // A meta item judges the whole checklist, so selecting one means running everything.
  const evaluated = selected.some(isMeta) ? ITEMS : selected;
  const plain = evaluated.filter((item) => !isMeta(item));
  const checkIds = [...new Set(plain.flatMap(checkIdsOf))];
  const outcomes = await runChecks(context, checkIds);
  const judged = new Map<string, ItemResult>();
  for (const item of plain) judged.set(item.id, result(item, await routeOutcome(context, item, outcomes)));
  const others: Judged[] = [...judged.values()];
  for (const item of evaluated.filter(isMeta)) {
    const metas = checkIdsOf(item).map(
      (id) => metaCheckById(id)?.evaluate(others) ?? fail(`unknown meta check ${id}`, 'report it'),
    );
    judged.set(item.id, result(item, worst(metas)));
  }
  const items = selected.map((item) => judged.get(item.id)).filter((r) => r !== undefined);
  return sealReport({
    tool: 'rampart doctor',
    version: options.version,
    generatedAt: context.host.now().toISOString(),
    host: context.host.system().hostname,
    only: options.only ?? null,
    summary: summarise(items),
    items,
  });
}

export function summarise(items: readonly { status: Status }[]): Summary {
  const counts = Object.fromEntries(
    STATUSES.map((s) => [s, items.filter((i) => i.status === s).length]),
  ) as Record<Status, number>;
  return { total: items.length, ...counts };
}

/**
 * The report's hash: SHA-256 of `JSON.stringify` of the report without `sha256` (keys in the order
 * `rampart doctor --json` prints them). Anyone holding the JSON can recompute it.
 */
export function reportSha256(report: Omit<DoctorReport, 'sha256'>): string {
  return createHash('sha256').update(JSON.stringify(report)).digest('hex');
}

function sealReport(report: Omit<DoctorReport, 'sha256'>): DoctorReport {
  return { ...report, sha256: reportSha256(report) };
}
