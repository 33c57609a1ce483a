import { describe, expect, it } from 'vitest';
import { isoWeekOf, selectRetained } from '../../src/ops/backup/retention.js';

const at = (iso: string) => ({ name: iso, createdAt: new Date(iso) });
const names = (entries: readonly { name: string }[]) => entries.map((e) => e.name);

/** One backup a day at 02:00 UTC, newest first, for `days` days ending on `last`. */
function daily(last: string, days: number) {
  const end = new Date(`${last}T02:00:00Z`).getTime();
  return Array.from({ length: days }, (_, i) => at(new Date(end - i * 86_400_000).toISOString()));
}

describe('backup retention', () => {
  it('keeps the newest of each of the last N days and of each of the last M ISO weeks', () => {
    const backups = daily('2025-03-31', 90); // Monday 31 March back to 1 January
    const { keep, expire } = selectRetained(backups, { keepDaily: 14, keepWeekly: 8 });
    const dailies = names(backups.slice(0, 14));
    // Newest of each ISO week: the newest backup of the week holding 31 March is 31 March itself
    // (a Monday), then each earlier Sunday.
    const weeklies = [
      '2025-03-31',
      '2025-03-30',
      '2025-03-23',
      '2025-03-16',
      '2025-03-09',
      '2025-03-02',
      '2025-02-23',
      '2025-02-16',
    ].map((d) => new Date(`${d}T02:00:00Z`).toISOString());
    expect(new Set(names(keep))).toEqual(new Set([...dailies, ...weeklies]));
    expect(keep).toHaveLength(14 + 5); // 31, 30 and 23 March are both dailies and weeklies
    expect(expire).toHaveLength(90 - keep.length);
    expect(names(keep)[0]).toBe(backups[0]!.name);
  });

  it('keeps the newest backup of a day with several, and expires the others of that day', () => {
    const backups = [at('2025-01-02T23:00:00Z'), at('2025-01-02T01:00:00Z'), at('2025-01-01T12:00:00Z')];
    const { keep, expire } = selectRetained(backups, { keepDaily: 2, keepWeekly: 0 });
    expect(names(keep)).toEqual(['2025-01-02T23:00:00Z', '2025-01-01T12:00:00Z']);
    expect(names(expire)).toEqual(['2025-01-02T01:00:00Z']);
  });

  it('counts days that have a backup, so a gap of failed days never expires older good backups', () => {
    const backups = [at('2025-05-20T02:00:00Z'), at('2025-05-01T02:00:00Z'), at('2025-04-30T02:00:00Z')];
    const { keep } = selectRetained(backups, { keepDaily: 3, keepWeekly: 0 });
    expect(keep).toHaveLength(3);
  });

  it('always keeps the newest backup, even with the smallest policy', () => {
    const backups = daily('2025-06-10', 5);
    const { keep, expire } = selectRetained(backups, { keepDaily: 1, keepWeekly: 0 });
    expect(names(keep)).toEqual([backups[0]!.name]);
    expect(expire).toHaveLength(4);
  });

  it('expires nothing from an empty or single listing, and sorts unordered input', () => {
    expect(selectRetained([], { keepDaily: 1, keepWeekly: 0 })).toEqual({ keep: [], expire: [] });
    const one = [at('2025-01-01T00:00:00Z')];
    expect(selectRetained(one, { keepDaily: 1, keepWeekly: 0 }).expire).toEqual([]);
    const shuffled = [at('2025-01-01T00:00:00Z'), at('2025-01-03T00:00:00Z'), at('2025-01-02T00:00:00Z')];
    expect(names(selectRetained(shuffled, { keepDaily: 2, keepWeekly: 0 }).keep)).toEqual([
      '2025-01-03T00:00:00Z',
      '2025-01-02T00:00:00Z',
    ]);
  });

  it('uses ISO weeks across the turn of the year', () => {
    expect(isoWeekOf(new Date('2024-12-30T12:00:00Z'))).toBe('2025-W01'); // Monday of 2025's week 1
    expect(isoWeekOf(new Date('2025-12-28T12:00:00Z'))).toBe('2025-W52'); // a Sunday
    expect(isoWeekOf(new Date('2021-01-03T12:00:00Z'))).toBe('2020-W53');
    expect(isoWeekOf(new Date('2025-01-05T23:59:59Z'))).toBe('2025-W01');
    expect(isoWeekOf(new Date('2025-01-06T00:00:00Z'))).toBe('2025-W02');
  });

  it('keeps weeklies beyond the dailies: 8 weeks of history from 14 dailies and 8 weeklies', () => {
    const backups = daily('2025-03-31', 90);
    const { keep } = selectRetained(backups, { keepDaily: 14, keepWeekly: 8 });
    const oldest = keep.at(-1)!.createdAt;
    expect(oldest.toISOString().slice(0, 10)).toBe('2025-02-16');
  });
});
