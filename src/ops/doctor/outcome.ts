/**
 * What one check says about one thing: a status, one line of detail and one line of fix.
 *
 *   PASS    verified as met on this deployment
 *   WARN    met with a caveat, or could not be read in time: look, but it does not block
 *   FAIL    verified as not met: `rampart doctor` exits non-zero
 *   MANUAL  a person must confirm it (or the doctor lacks the access: the detail says which)
 */
export const STATUSES = ['PASS', 'WARN', 'FAIL', 'MANUAL'] as const;
export type Status = (typeof STATUSES)[number];

export interface Outcome {
  readonly status: Status;
  /** One line: what was found. */
  readonly detail: string;
  /** One line: what to do about it (empty on PASS). */
  readonly fix: string;
}

/** Details and fixes are one line each, short enough for a table. */
export const LINE_CHARS_MAX = 400;

export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= LINE_CHARS_MAX ? flat : `${flat.slice(0, LINE_CHARS_MAX - 1)}…`;
}

export const pass = (detail: string): Outcome => ({ status: 'PASS', detail: oneLine(detail), fix: '' });
export const warn = (detail: string, fix: string): Outcome => ({
  status: 'WARN',
  detail: oneLine(detail),
  fix: oneLine(fix),
});
export const fail = (detail: string, fix: string): Outcome => ({
  status: 'FAIL',
  detail: oneLine(detail),
  fix: oneLine(fix),
});
export const manual = (detail: string, fix: string): Outcome => ({
  status: 'MANUAL',
  detail: oneLine(detail),
  fix: oneLine(fix),
});

/** A check that needs root to read what it checks says so, instead of failing obscurely. */
export function needsRoot(what: string, confirm: string): Outcome {
  return manual(
    `needs root to read ${what}`,
    `run as root (sudo rampart doctor), or confirm by hand: ${confirm}`,
  );
}

const SEVERITY: Readonly<Record<Status, number>> = { PASS: 0, MANUAL: 1, WARN: 2, FAIL: 3 };

/** The outcome an item shows when several checks back it: the worst one leads, the rest follow. */
export function worst(outcomes: readonly Outcome[]): Outcome {
  const first = outcomes[0];
  if (first === undefined) throw new Error('worst() needs at least one outcome');
  if (outcomes.length === 1) return first;
  const sorted = [...outcomes].sort((a, b) => SEVERITY[b.status] - SEVERITY[a.status]);
  const lead = sorted[0] ?? first;
  const fixes = sorted.filter((o) => o.fix !== '').map((o) => o.fix);
  return {
    status: lead.status,
    detail: oneLine([...new Set(sorted.map((o) => o.detail))].join('; ')),
    fix: oneLine([...new Set(fixes)].join('; ')),
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
