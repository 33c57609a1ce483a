/**
 * The fee engine: a fixed part plus a percentage (basis points), kept within a minimum and a
 * maximum, per asset and direction. Pure and exact: amounts are bigint minor units of the asset the
 * fee is charged in (kobo for naira), and the only rounding — the percentage part — rounds up,
 * in the anchor's favour, as every fee does.
 *
 * A schedule is written compactly in settings, e.g. `fixed:10000,bps:150,min:10000,max:200000`
 * (kobo; ₦100 + 1.5 %, at least ₦100, at most ₦2,000). Every key is optional; absent means zero,
 * except `max`, whose absence means no cap.
 */
import { assert } from './assert.js';
import { feeFromBps } from './money.js';

export interface FeeSchedule {
  readonly fixedMinor: bigint;
  readonly bps: number;
  readonly minMinor: bigint;
  /** `null`: no cap. */
  readonly maxMinor: bigint | null;
}

export type FeeComponentName = 'fixed' | 'percentage' | 'minimum' | 'maximum' | 'amount_cap';

export interface FeeComponent {
  readonly kind: FeeComponentName;
  readonly amountMinor: bigint;
}

/** What a fee is made of; the components always add up to the total. */
export interface FeeBreakdown {
  readonly totalMinor: bigint;
  readonly components: readonly FeeComponent[];
}

export type FeeScheduleParse = { ok: true; schedule: FeeSchedule } | { ok: false; error: string };

/** A fee above half the amount is a configuration mistake, not a price. */
export const FEE_SCHEDULE_BPS_MAX = 5000;
/** Fixed, minimum and maximum fees are below 10^15 minor units (₦10 trillion): larger is a typo. */
export const FEE_SCHEDULE_MINOR_MAX = 10n ** 15n;
/** Longest schedule text read: four keys with their values fit easily. */
const SCHEDULE_TEXT_LENGTH_MAX = 120;

export const NO_FEE: FeeSchedule = Object.freeze({ fixedMinor: 0n, bps: 0, minMinor: 0n, maxMinor: null });

type ScheduleKey = 'fixed' | 'bps' | 'min' | 'max';
const SCHEDULE_KEYS: readonly ScheduleKey[] = ['fixed', 'bps', 'min', 'max'];

function isScheduleKey(key: string): key is ScheduleKey {
  return (SCHEDULE_KEYS as readonly string[]).includes(key);
}

/** Reads `key:value` pairs; returns the values by key or an error naming the offending part. */
function readPairs(text: string): Map<ScheduleKey, bigint> | string {
  const values = new Map<ScheduleKey, bigint>();
  for (const part of text.split(',')) {
    const match = /^\s*([a-z]+)\s*:\s*(\d{1,16})\s*$/.exec(part);
    if (match === null) return `"${part.trim()}" is not key:whole-number (keys: ${SCHEDULE_KEYS.join(', ')})`;
    const key = match[1] ?? '';
    if (!isScheduleKey(key)) return `unknown key "${key}" (keys: ${SCHEDULE_KEYS.join(', ')})`;
    if (values.has(key)) return `key "${key}" is given twice`;
    values.set(key, BigInt(match[2] ?? '0'));
  }
  return values;
}

export function parseFeeSchedule(text: string): FeeScheduleParse {
  if (text.length > SCHEDULE_TEXT_LENGTH_MAX)
    return { ok: false, error: `must be at most ${SCHEDULE_TEXT_LENGTH_MAX} characters` };
  if (text.trim() === 'none') return { ok: true, schedule: NO_FEE };
  const values = readPairs(text);
  if (typeof values === 'string') return { ok: false, error: values };
  const bps = values.get('bps') ?? 0n;
  if (bps > BigInt(FEE_SCHEDULE_BPS_MAX))
    return { ok: false, error: `bps must be at most ${FEE_SCHEDULE_BPS_MAX} (50 %), got ${bps}` };
  for (const key of ['fixed', 'min', 'max'] as const) {
    const value = values.get(key);
    if (value !== undefined && value >= FEE_SCHEDULE_MINOR_MAX)
      return { ok: false, error: `${key} must be below ${FEE_SCHEDULE_MINOR_MAX}, got ${value}` };
  }
  const minMinor = values.get('min') ?? 0n;
  const maxMinor = values.get('max') ?? null;
  if (maxMinor !== null && maxMinor < minMinor)
    return { ok: false, error: `max (${maxMinor}) must not be below min (${minMinor})` };
  const fixedMinor = values.get('fixed') ?? 0n;
  return { ok: true, schedule: { fixedMinor, bps: Number(bps), minMinor, maxMinor } };
}

/** The schedule as settings write it (round-trips through parseFeeSchedule). */
export function formatFeeSchedule(schedule: FeeSchedule): string {
  const parts = [`fixed:${schedule.fixedMinor}`, `bps:${schedule.bps}`, `min:${schedule.minMinor}`];
  if (schedule.maxMinor !== null) parts.push(`max:${schedule.maxMinor}`);
  return parts.join(',');
}

function assertSchedule(schedule: FeeSchedule): void {
  assert(schedule.fixedMinor >= 0n && schedule.minMinor >= 0n, 'fee schedule parts are non-negative');
  assert(
    Number.isSafeInteger(schedule.bps) && schedule.bps >= 0 && schedule.bps <= FEE_SCHEDULE_BPS_MAX,
    `fee bps must be within 0..${FEE_SCHEDULE_BPS_MAX}`,
  );
  assert(schedule.maxMinor === null || schedule.maxMinor >= schedule.minMinor, 'fee max below min');
}

/**
 * The fee charged out of a gross amount (the fee is part of it: net = gross − fee). Never more
 * than the amount itself, so nothing is charged that was not paid; within [min, max] whenever the
 * amount allows. The percentage rounds up (ceil): sub-unit remainders go to the anchor.
 */
export function feeOnGross(schedule: FeeSchedule, grossMinor: bigint): FeeBreakdown {
  assertSchedule(schedule);
  assert(grossMinor >= 0n, 'a fee is charged on a non-negative amount');
  const percentageMinor = feeFromBps(grossMinor, schedule.bps, 'ceil');
  const rawMinor = schedule.fixedMinor + percentageMinor;
  let breakdown: FeeBreakdown;
  if (rawMinor < schedule.minMinor) {
    breakdown = {
      totalMinor: schedule.minMinor,
      components: [{ kind: 'minimum', amountMinor: schedule.minMinor }],
    };
  } else if (schedule.maxMinor !== null && rawMinor > schedule.maxMinor) {
    breakdown = {
      totalMinor: schedule.maxMinor,
      components: [{ kind: 'maximum', amountMinor: schedule.maxMinor }],
    };
  } else {
    const components: FeeComponent[] = [];
    if (schedule.fixedMinor > 0n) components.push({ kind: 'fixed', amountMinor: schedule.fixedMinor });
    if (percentageMinor > 0n) components.push({ kind: 'percentage', amountMinor: percentageMinor });
    breakdown = { totalMinor: rawMinor, components };
  }
  if (breakdown.totalMinor > grossMinor) {
    // A fee may take the whole amount but never more: callers refuse such amounts by limits.
    breakdown = { totalMinor: grossMinor, components: [{ kind: 'amount_cap', amountMinor: grossMinor }] };
  }
  const sum = breakdown.components.reduce((total, c) => total + c.amountMinor, 0n);
  assert(sum === breakdown.totalMinor, 'fee components must add up to the total');
  return breakdown;
}

/** Net left after the fee; `netAfterFee(g) + feeOnGross(g).total = g`. */
export function netAfterFee(schedule: FeeSchedule, grossMinor: bigint): bigint {
  return grossMinor - feeOnGross(schedule, grossMinor).totalMinor;
}

/** Binary search steps: 2^200 is far above any amount, so the loop always ends. */
const SEARCH_STEPS_MAX = 200;

/**
 * The smallest gross amount whose net after the fee is at least `netMinor` — what a customer must
 * pay (or the anchor must gross up) to land exactly `netMinor`. Because the percentage has at most
 * 50 % and rounds up, the net grows by 0 or 1 per unit of gross, so the net of the answer is
 * exactly `netMinor`.
 */
export function grossForNet(schedule: FeeSchedule, netMinor: bigint): bigint {
  assertSchedule(schedule);
  assert(netMinor > 0n, 'a gross-up needs a positive net amount');
  let low = netMinor; // net(low - 1) < netMinor is true for low = netMinor, since net ≤ gross
  // With bps ≤ 50 %, gross = 2 × (net + fixed + min + 1) always nets at least `netMinor`.
  let high = 2n * (netMinor + schedule.fixedMinor + schedule.minMinor + 1n);
  assert(netAfterFee(schedule, high) >= netMinor, 'gross-up upper bound must suffice');
  for (let step = 0; step < SEARCH_STEPS_MAX && low < high; step += 1) {
    const middle = (low + high) / 2n;
    if (netAfterFee(schedule, middle) >= netMinor) high = middle;
    else low = middle + 1n;
  }
  assert(low === high, 'gross-up search must converge');
  assert(netAfterFee(schedule, low) === netMinor, 'gross-up must land the net exactly');
  return low;
}
