/**
 * Quote math for SEP-38: from a market rate, a spread, a fee schedule and one amount (sell or buy)
 * to both amounts, the fee and the prices. Pure and exact — rates are rationals, amounts bigint minor
 * units — and every rounding goes the anchor's way: what the customer pays rounds up, what the
 * customer receives rounds down, so no quote ever pays out more than it takes in.
 *
 * Every pair has the off-chain fiat (naira) on one side and a Stellar asset on the other:
 * - deposit: the customer sells fiat and buys the Stellar asset; the fee is in fiat, taken from the
 *   sell amount (SEP-38: `sell_amount − fee = price × buy_amount`);
 * - withdrawal: the customer sells the Stellar asset and buys fiat; the fee is in fiat, taken from
 *   the buy amount (SEP-38: `sell_amount = price × (buy_amount + fee)`).
 * SEP-38's `price` is always sell units per one buy unit.
 */
import { assert } from './assert.js';
import { feeOnGross, grossForNet, type FeeBreakdown, type FeeSchedule } from './fees.js';
import { convertAtRate, formatAmount, mulDivRound, type Rate, type RoundingMode } from './money.js';

export type QuoteDirection = 'deposit' | 'withdrawal';

export interface QuoteTerms {
  readonly direction: QuoteDirection;
  /** Mid-market fiat per one unit of the Stellar asset (NGN per USDC; 1/1 for the naira token). */
  readonly marketRate: Rate;
  readonly spreadBps: number;
  readonly fiatDecimals: number;
  readonly stellarDecimals: number;
  /** Charged in fiat minor units. */
  readonly fee: FeeSchedule;
}

export interface GivenAmount {
  readonly side: 'sell' | 'buy';
  readonly amountMinor: bigint;
}

export interface QuoteFigures {
  readonly sellMinor: bigint;
  readonly buyMinor: bigint;
  /** In fiat minor units. */
  readonly fee: FeeBreakdown;
  /** Anchor's price, without fees: sell units per one buy unit (whole units). */
  readonly price: Rate;
  /** sell_amount / buy_amount, fees included (whole units). */
  readonly totalPrice: Rate;
}

export type QuoteOutcome =
  | { readonly ok: true; readonly figures: QuoteFigures }
  | { readonly ok: false; readonly reason: 'amount_too_small' };

/** Above 20 % a spread is a configuration mistake, not a margin. */
export const SPREAD_BPS_MAX = 2000;
const BPS_ONE = 10_000n;

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  // Euclid's algorithm: bounded by the number of digits (each two steps at least halve y).
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function reduceRate(rate: Rate): Rate {
  assert(rate.numerator > 0n && rate.denominator > 0n, 'a rate is a positive rational');
  const divisor = gcd(rate.numerator, rate.denominator);
  return { numerator: rate.numerator / divisor, denominator: rate.denominator / divisor };
}

export function invertRate(rate: Rate): Rate {
  return reduceRate({ numerator: rate.denominator, denominator: rate.numerator });
}

/**
 * The anchor's fiat-per-asset rate after its spread: selling the Stellar asset (deposit) it asks
 * mid × (1 + spread); buying it back (withdrawal) it bids mid × (1 − spread). Exact.
 */
export function anchorRate(direction: QuoteDirection, marketRate: Rate, spreadBps: number): Rate {
  assert(Number.isSafeInteger(spreadBps), 'spreadBps must be an integer');
  assert(spreadBps >= 0 && spreadBps <= SPREAD_BPS_MAX, `spreadBps must be within 0..${SPREAD_BPS_MAX}`);
  const factor = direction === 'deposit' ? BPS_ONE + BigInt(spreadBps) : BPS_ONE - BigInt(spreadBps);
  return reduceRate({
    numerator: marketRate.numerator * factor,
    denominator: marketRate.denominator * BPS_ONE,
  });
}

/** Whole-unit ratio of two minor amounts: (a / 10^da) / (b / 10^db). */
function ratioOf(aMinor: bigint, aDecimals: number, bMinor: bigint, bDecimals: number): Rate {
  return reduceRate({
    numerator: aMinor * 10n ** BigInt(bDecimals),
    denominator: bMinor * 10n ** BigInt(aDecimals),
  });
}

function depositFromSell(terms: QuoteTerms, rate: Rate, sellMinor: bigint): QuoteOutcome {
  const fee = feeOnGross(terms.fee, sellMinor);
  const netMinor = sellMinor - fee.totalMinor;
  if (netMinor <= 0n) return { ok: false, reason: 'amount_too_small' };
  // What the customer receives rounds down (floor): the anchor never delivers more than was paid for.
  const buyMinor = convertAtRate(
    netMinor,
    terms.fiatDecimals,
    invertRate(rate),
    terms.stellarDecimals,
    'floor',
  );
  if (buyMinor <= 0n) return { ok: false, reason: 'amount_too_small' };
  return { ok: true, figures: figures(terms, sellMinor, buyMinor, fee, rate) };
}

function withdrawalFromSell(terms: QuoteTerms, rate: Rate, sellMinor: bigint): QuoteOutcome {
  // The fiat the asset is worth rounds down (floor), in the anchor's favour.
  const grossMinor = convertAtRate(sellMinor, terms.stellarDecimals, rate, terms.fiatDecimals, 'floor');
  if (grossMinor <= 0n) return { ok: false, reason: 'amount_too_small' };
  const fee = feeOnGross(terms.fee, grossMinor);
  const buyMinor = grossMinor - fee.totalMinor;
  if (buyMinor <= 0n) return { ok: false, reason: 'amount_too_small' };
  return { ok: true, figures: figures(terms, sellMinor, buyMinor, fee, invertRate(rate)) };
}

function figures(
  terms: QuoteTerms,
  sellMinor: bigint,
  buyMinor: bigint,
  fee: FeeBreakdown,
  price: Rate,
): QuoteFigures {
  const deposit = terms.direction === 'deposit';
  const sellDecimals = deposit ? terms.fiatDecimals : terms.stellarDecimals;
  const buyDecimals = deposit ? terms.stellarDecimals : terms.fiatDecimals;
  return {
    sellMinor,
    buyMinor,
    fee,
    price,
    totalPrice: ratioOf(sellMinor, sellDecimals, buyMinor, buyDecimals),
  };
}

/**
 * Both amounts from one. Given the buy amount, the sell amount is the least that delivers it
 * (rounded up), and the figures are then those of that sell amount — so a quote is the same
 * whichever side was given, and its buy amount is at least the one asked for.
 */
export function computeQuote(terms: QuoteTerms, given: GivenAmount): QuoteOutcome {
  assert(given.amountMinor > 0n, 'a quote is for a positive amount');
  const rate = anchorRate(terms.direction, terms.marketRate, terms.spreadBps);
  const fromSell = terms.direction === 'deposit' ? depositFromSell : withdrawalFromSell;
  if (given.side === 'sell') return fromSell(terms, rate, given.amountMinor);

  let sellMinor: bigint;
  if (terms.direction === 'deposit') {
    // Fiat needed to buy the asset rounds up (ceil), then the fee is grossed up on top.
    const netMinor = convertAtRate(
      given.amountMinor,
      terms.stellarDecimals,
      rate,
      terms.fiatDecimals,
      'ceil',
    );
    sellMinor = grossForNet(terms.fee, netMinor);
  } else {
    // The fiat gross that nets the asked amount after the fee; the asset it takes rounds up (ceil).
    const grossMinor = grossForNet(terms.fee, given.amountMinor);
    sellMinor = convertAtRate(
      grossMinor,
      terms.fiatDecimals,
      invertRate(rate),
      terms.stellarDecimals,
      'ceil',
    );
  }
  const outcome = fromSell(terms, rate, sellMinor);
  if (outcome.ok)
    assert(outcome.figures.buyMinor >= given.amountMinor, 'a buy-side quote delivers what was asked');
  return outcome;
}

/** Fraction digits shown for prices; the stored rational stays exact. */
export const PRICE_DECIMALS = 10;

/**
 * Decimal text of a rate with at most `fractionDigits` digits, trailing zeros removed: 1530.25 → "1530.25",
 * 1/1 → "1". The caller names the rounding (prices shown to a customer round up: never understated).
 */
export function formatRate(rate: Rate, fractionDigits: number, rounding: RoundingMode): string {
  const scaled = mulDivRound(rate.numerator, 10n ** BigInt(fractionDigits), rate.denominator, rounding);
  const text = formatAmount(scaled, fractionDigits);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

export interface AmountLimits {
  readonly minMinor: bigint;
  readonly maxMinor: bigint;
}

export type LimitCheck = 'within' | 'below_min' | 'above_max';

export function checkLimits(amountMinor: bigint, limits: AmountLimits): LimitCheck {
  if (amountMinor < limits.minMinor) return 'below_min';
  if (amountMinor > limits.maxMinor) return 'above_max';
  return 'within';
}
