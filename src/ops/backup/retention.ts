/**
 * Which backups to keep: the newest of each of the `keepDaily` most recent days that have a backup,
 * the newest of each of the `keepWeekly` most recent ISO weeks that have one, and always the newest
 * backup of all. Counting days that *have* a backup (rather than calendar days) means a stretch of
 * failed backups never makes older good ones expire. Days and weeks are UTC, like the file names.
 */

export interface RetentionPolicy {
  readonly keepDaily: number;
  readonly keepWeekly: number;
}

export interface Dated {
  readonly createdAt: Date;
}

export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** ISO 8601 week, e.g. `2025-W01` (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekOf(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() === 0 ? 7 : day.getUTCDay();
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The newest entry of each of the `count` most recent periods, walking newest first. */
function newestPerPeriod<T extends Dated>(
  newestFirst: readonly T[],
  count: number,
  period: (date: Date) => string,
): T[] {
  const kept: T[] = [];
  const seen = new Set<string>();
  for (const entry of newestFirst) {
    if (seen.size >= count) break;
    const key = period(entry.createdAt);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(entry);
  }
  return kept;
}

/** Splits complete backups into those to keep and those to delete. Pure: the caller deletes. */
export function selectRetained<T extends Dated>(
  backups: readonly T[],
  policy: RetentionPolicy,
): { keep: T[]; expire: T[] } {
  const newestFirst = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const keep = new Set<T>(newestFirst.slice(0, 1));
  for (const entry of newestPerPeriod(newestFirst, policy.keepDaily, dayOf)) keep.add(entry);
  for (const entry of newestPerPeriod(newestFirst, policy.keepWeekly, isoWeekOf)) keep.add(entry);
  return {
    keep: newestFirst.filter((entry) => keep.has(entry)),
    expire: newestFirst.filter((entry) => !keep.has(entry)),
  };
}
