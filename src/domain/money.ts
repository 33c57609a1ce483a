/**
 * Exact money (GUIDE.md §4.1): amounts are bigint counts of an asset's minor unit (kobo, stroops),
 * never a JS number. Text is parsed and rendered exactly at the edges; every conversion names its
 * rounding.
 */
import { assert, unreachable } from './assert.js';

export interface AssetUnit {
  readonly code: string;
  readonly decimals: number;
}

/** Naira: 2 decimals (kobo), as Paystack counts it. */
export const NGN: AssetUnit = Object.freeze({ code: 'NGN', decimals: 2 });

/** Every Stellar asset has 7 decimals (stroops), fixed by the protocol. */
export const STELLAR_DECIMALS = 7;

/** Stellar asset codes are 1–12 ASCII letters or digits (alphanum4 / alphanum12). */
const stellarCodePattern = /^[A-Za-z0-9]{1,12}$/;

export function stellarUnit(code: string): AssetUnit {
  assert(stellarCodePattern.test(code), `not a Stellar asset code: ${code}`);
  return Object.freeze({ code, decimals: STELLAR_DECIMALS });
}

/** Beyond 18 decimals no real asset exists; a larger value is a wiring bug. */
export const DECIMALS_MAX = 18;

/** Longest amount text we read: bounds work and rejects garbage early (10^39 is far above any amount). */
export const AMOUNT_TEXT_LENGTH_MAX = 40;

/**
 * floor/ceil go toward -∞/+∞; down goes toward zero; half-up breaks ties away from zero (the usual
 * commercial rule); half-even breaks ties to the even neighbour (banker's rounding).
 */
export type RoundingMode = 'floor' | 'ceil' | 'half-even' | 'half-up' | 'down';

export type ParseResult = { ok: true; minor: bigint } | { ok: false; error: string };

export interface ParseOptions {
  readonly allowNegative?: boolean;
  readonly allowZero?: boolean;
}

/** An exact rational: `numerator / denominator` target units per one source unit. */
export interface Rate {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

export type RateParseResult = { ok: true; rate: Rate } | { ok: false; error: string };

function assertDecimals(decimals: number): void {
  assert(Number.isInteger(decimals), 'decimals must be an integer');
  assert(decimals >= 0 && decimals <= DECIMALS_MAX, `decimals must be within 0..${DECIMALS_MAX}`);
}

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

/**
 * Plain decimal only: optional '-', an integer part without leading zeros, and optionally a dot
 * followed by at least one digit. So "0.5" is accepted, ".5", "5.", "05", "1e5", "+1", "0x1", " 1"
 * and "1,000" are not: each is ambiguous somewhere (JS, JSON, locales), and wallets never need them.
 */
const plainDecimalPattern = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

interface DecimalText {
  readonly negative: boolean;
  readonly integerDigits: string;
  readonly fractionDigits: string;
}

function splitDecimal(text: string, what: string): DecimalText | string {
  if (text.length === 0) return `${what} must not be empty`;
  if (text.length > AMOUNT_TEXT_LENGTH_MAX)
    return `${what} must be at most ${AMOUNT_TEXT_LENGTH_MAX} characters`;
  const match = plainDecimalPattern.exec(text);
  if (match === null) return `${what} must be a plain decimal number like "10.50"`;
  return { negative: match[1] === '-', integerDigits: match[2] ?? '0', fractionDigits: match[3] ?? '' };
}

/**
 * Parses a decimal string into minor units of an asset with `decimals` places. Fraction digits
 * beyond `decimals` are accepted only when they are zeros ("1000.0000000" for a 2-decimal asset,
 * as wallets used to 7-decimal Stellar amounts send), because that loses nothing; anything that
 * would need rounding is refused. By default the amount must be positive.
 */
export function parseAmount(text: string, decimals: number, opts: ParseOptions = {}): ParseResult {
  assertDecimals(decimals);
  const parts = splitDecimal(text, 'amount');
  if (typeof parts === 'string') return { ok: false, error: parts };
  if (parts.negative && opts.allowNegative !== true)
    return { ok: false, error: 'amount must not be negative' };

  const kept = parts.fractionDigits.slice(0, decimals);
  const dropped = parts.fractionDigits.slice(decimals);
  if (/[1-9]/.test(dropped)) return { ok: false, error: `amount has more than ${decimals} decimal places` };

  const magnitude = BigInt(parts.integerDigits + kept.padEnd(decimals, '0'));
  if (magnitude === 0n) {
    // "-0" is not a number anyone means; refuse it rather than silently drop the sign.
    if (parts.negative) return { ok: false, error: 'amount must not be negative zero' };
    if (opts.allowZero !== true) return { ok: false, error: 'amount must be greater than zero' };
  }
  return { ok: true, minor: parts.negative ? -magnitude : magnitude };
}

/** Exact decimal text with exactly `decimals` fraction digits: (1050n, 2) → "10.50", (-5n, 2) → "-0.05". */
export function formatAmount(minor: bigint, decimals: number): string {
  assertDecimals(decimals);
  const sign = minor < 0n ? '-' : '';
  const digits = (minor < 0n ? -minor : minor).toString();
  if (decimals === 0) return sign + digits;
  const padded = digits.padStart(decimals + 1, '0');
  return `${sign}${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`;
}

/** Rates carry at most this many fraction digits: more precision than any price source quotes. */
export const RATE_DECIMALS_MAX = 18;

/** Parses a positive decimal price ("1530.25" target per source) into an exact rational. */
export function parseRate(text: string): RateParseResult {
  const parts = splitDecimal(text, 'rate');
  if (typeof parts === 'string') return { ok: false, error: parts };
  if (parts.negative) return { ok: false, error: 'rate must not be negative' };
  if (parts.fractionDigits.length > RATE_DECIMALS_MAX) {
    return { ok: false, error: `rate has more than ${RATE_DECIMALS_MAX} decimal places` };
  }
  const numerator = BigInt(parts.integerDigits + parts.fractionDigits);
  if (numerator === 0n) return { ok: false, error: 'rate must be greater than zero' };
  return { ok: true, rate: { numerator, denominator: pow10(parts.fractionDigits.length) } };
}

/** a × b ÷ c, rounded as named. The product is exact (bigint), so only the division rounds. */
export function mulDivRound(a: bigint, b: bigint, c: bigint, rounding: RoundingMode): bigint {
  assert(c > 0n, 'divisor must be positive');
  const product = a * b;
  const quotient = product / c; // bigint division truncates toward zero
  const remainder = product % c; // same sign as product
  if (remainder === 0n) return quotient;
  const awayFromZero = product > 0n ? quotient + 1n : quotient - 1n;
  const twiceRemainder = remainder > 0n ? 2n * remainder : -2n * remainder;
  switch (rounding) {
    case 'down':
      return quotient;
    case 'floor':
      return product > 0n ? quotient : awayFromZero;
    case 'ceil':
      return product > 0n ? awayFromZero : quotient;
    case 'half-up':
      return twiceRemainder >= c ? awayFromZero : quotient;
    case 'half-even':
      if (twiceRemainder > c) return awayFromZero;
      if (twiceRemainder < c) return quotient;
      return quotient % 2n === 0n ? quotient : awayFromZero;
    default:
      return unreachable(rounding, 'unknown rounding mode');
  }
}

/**
 * Converts minor units of the source asset to minor units of the target asset at `rate` (target
 * per source, in whole units): target = amount / 10^from × rate × 10^to, rounded once at the end.
 */
export function convertAtRate(
  amountMinor: bigint,
  fromDecimals: number,
  rate: Rate,
  toDecimals: number,
  rounding: RoundingMode,
): bigint {
  assertDecimals(fromDecimals);
  assertDecimals(toDecimals);
  assert(rate.denominator > 0n, 'rate denominator must be positive');
  assert(rate.numerator > 0n, 'rate must be positive');
  return mulDivRound(
    amountMinor * pow10(toDecimals),
    rate.numerator,
    rate.denominator * pow10(fromDecimals),
    rounding,
  );
}

/** 10 000 basis points = 100 %; a fee above the whole amount is a configuration bug. */
export const FEE_BPS_MAX = 10_000;

/** Fee of `feeBps` basis points on a non-negative amount, in the same minor unit. */
export function feeFromBps(amountMinor: bigint, feeBps: number, rounding: RoundingMode): bigint {
  assert(Number.isSafeInteger(feeBps), 'feeBps must be an integer');
  assert(feeBps >= 0 && feeBps <= FEE_BPS_MAX, `feeBps must be within 0..${FEE_BPS_MAX}`);
  assert(amountMinor >= 0n, 'a fee is charged on a non-negative amount');
  return mulDivRound(amountMinor, BigInt(feeBps), BigInt(FEE_BPS_MAX), rounding);
}

export interface FeeSplit {
  readonly feeMinor: bigint;
  readonly netMinor: bigint;
}

/** Splits an amount into fee and net; fee + net = amount always (nothing created or lost). */
export function splitFee(amountMinor: bigint, feeBps: number, rounding: RoundingMode): FeeSplit {
  const feeMinor = feeFromBps(amountMinor, feeBps, rounding);
  const netMinor = amountMinor - feeMinor;
  assert(feeMinor >= 0n && netMinor >= 0n, 'fee must lie within the amount');
  return { feeMinor, netMinor };
}
