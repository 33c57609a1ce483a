import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AssertionError } from '../../src/domain/assert.js';
import { NO_FEE, parseFeeSchedule, type FeeSchedule } from '../../src/domain/fees.js';
import { parseRate, type Rate } from '../../src/domain/money.js';
import {
  anchorRate,
  checkLimits,
  computeQuote,
  formatRate,
  invertRate,
  reduceRate,
  type QuoteDirection,
  type QuoteFigures,
  type QuoteTerms,
} from '../../src/domain/quotes.js';

function rate(text: string): Rate {
  const parsed = parseRate(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.rate;
}
function schedule(text: string): FeeSchedule {
  const parsed = parseFeeSchedule(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}
function figuresOf(terms: QuoteTerms, side: 'sell' | 'buy', amountMinor: bigint): QuoteFigures {
  const outcome = computeQuote(terms, { side, amountMinor });
  if (!outcome.ok) throw new Error(`expected a quote, got ${outcome.reason}`);
  return outcome.figures;
}

const usdc = (direction: QuoteDirection, fee: FeeSchedule = NO_FEE, spreadBps = 50): QuoteTerms => ({
  direction,
  marketRate: rate('1500'),
  spreadBps,
  fiatDecimals: 2,
  stellarDecimals: 7,
  fee,
});

/** a/b compared with c/d without division. */
const lessOrEqual = (a: Rate, b: Rate): boolean => a.numerator * b.denominator <= b.numerator * a.denominator;

describe('anchorRate', () => {
  it('adds the spread when the anchor sells the asset and takes it off when it buys back', () => {
    expect(anchorRate('deposit', rate('1530.25'), 50)).toEqual(reduceRate(rate('1537.90125')));
    expect(anchorRate('withdrawal', rate('1530.25'), 50)).toEqual(reduceRate(rate('1522.59875')));
    expect(anchorRate('deposit', rate('1'), 0)).toEqual({ numerator: 1n, denominator: 1n });
  });

  it('refuses a spread outside 0..2000 bps as a programmer error', () => {
    expect(() => anchorRate('deposit', rate('1'), 2001)).toThrow(AssertionError);
    expect(() => anchorRate('deposit', rate('1'), -1)).toThrow(AssertionError);
  });
});

describe('computeQuote', () => {
  it('deposit by sell amount: fee from the naira, the rest converted at mid + spread, rounded down', () => {
    const f = figuresOf(usdc('deposit', schedule('fixed:10000,bps:150,max:200000')), 'sell', 1_500_000n);
    expect(f.fee.totalMinor).toBe(32_500n); // ₦100 + 1.5 % of ₦15,000
    // (15000 − 325) / 1507.5 = 9.73466003… → 9.7346600 USDC
    expect(f.buyMinor).toBe(97_346_600n);
    expect(f.price).toEqual(reduceRate(rate('1507.5')));
    expect(f.totalPrice).toEqual(
      reduceRate({ numerator: 1_500_000n * 10n ** 7n, denominator: 97_346_600n * 100n }),
    );
  });

  it('withdrawal by sell amount: converted at mid − spread rounded down, fee from the naira paid out', () => {
    const f = figuresOf(usdc('withdrawal', schedule('fixed:5000')), 'sell', 100_000_000n);
    // 10 USDC × 1492.5 = ₦14,925 − ₦50 fee
    expect(f.buyMinor).toBe(1_487_500n);
    expect(f.fee.totalMinor).toBe(5_000n);
    expect(f.price).toEqual(invertRate(rate('1492.5')));
  });

  it('the naira token trades at par: 1 NGN = 1 token, only the fee differs', () => {
    const par: QuoteTerms = {
      ...usdc('deposit', schedule('fixed:10000,bps:150')),
      marketRate: rate('1'),
      spreadBps: 0,
    };
    const f = figuresOf(par, 'sell', 100_000n);
    expect(f.fee.totalMinor).toBe(11_500n);
    expect(f.buyMinor).toBe(88_500n * 100_000n);
    expect(f.price).toEqual({ numerator: 1n, denominator: 1n });
  });

  it('buy-side deposit: pays the least naira that delivers at least the asked amount', () => {
    const terms = usdc('deposit', schedule('fixed:10000,bps:150,max:200000'));
    const f = figuresOf(terms, 'buy', 100_000_000n); // 10 USDC
    expect(f.buyMinor >= 100_000_000n).toBe(true);
    const oneLess = computeQuote(terms, { side: 'sell', amountMinor: f.sellMinor - 1n });
    expect(oneLess.ok && oneLess.figures.buyMinor >= 100_000_000n).toBe(false);
  });

  it('refuses an amount the fee swallows', () => {
    expect(
      computeQuote(usdc('deposit', schedule('fixed:10000')), { side: 'sell', amountMinor: 10_000n }),
    ).toEqual({
      ok: false,
      reason: 'amount_too_small',
    });
    expect(computeQuote(usdc('withdrawal'), { side: 'sell', amountMinor: 1n })).toEqual({
      ok: false,
      reason: 'amount_too_small',
    });
  });

  it('refuses a non-positive amount as a programmer error', () => {
    expect(() => computeQuote(usdc('deposit'), { side: 'sell', amountMinor: 0n })).toThrow(AssertionError);
  });
});

const anyTerms: fc.Arbitrary<QuoteTerms> = fc.record({
  direction: fc.constantFrom<QuoteDirection>('deposit', 'withdrawal'),
  marketRate: fc
    .record({
      numerator: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      denominator: fc.constantFrom(1n, 100n, 10_000n, 10n ** 8n),
    })
    .map(reduceRate),
  spreadBps: fc.integer({ min: 0, max: 2000 }),
  fiatDecimals: fc.constant(2),
  stellarDecimals: fc.constant(7),
  fee: fc
    .record({
      fixedMinor: fc.bigInt({ min: 0n, max: 100_000n }),
      bps: fc.integer({ min: 0, max: 500 }),
      minMinor: fc.bigInt({ min: 0n, max: 100_000n }),
      maxMinor: fc.option(fc.bigInt({ min: 100_000n, max: 10_000_000n }), { nil: null }),
    })
    .map((s) => s as FeeSchedule),
});
const anyAmount = fc.bigInt({ min: 1n, max: 10n ** 14n });

describe('computeQuote properties', () => {
  it('SEP-38 price formula holds, rounded only in the anchor’s favour', () => {
    fc.assert(
      fc.property(
        anyTerms,
        anyAmount,
        fc.constantFrom<'sell' | 'buy'>('sell', 'buy'),
        (terms, amount, side) => {
          const outcome = computeQuote(terms, { side, amountMinor: amount });
          fc.pre(outcome.ok);
          const f = outcome.figures;
          const rate = anchorRate(terms.direction, terms.marketRate, terms.spreadBps);
          if (terms.direction === 'deposit') {
            // sell − fee = price × buy, with buy rounded down to a stroop:
            // price × buy ≤ net < price × (buy + 1 stroop)   (in kobo: × 10^2 / 10^7)
            const netKobo = f.sellMinor - f.fee.totalMinor;
            const valueOf = (stroops: bigint): Rate => ({
              numerator: stroops * rate.numerator,
              denominator: rate.denominator * 100_000n,
            });
            expect(lessOrEqual(valueOf(f.buyMinor), { numerator: netKobo, denominator: 1n })).toBe(true);
            expect(lessOrEqual({ numerator: netKobo, denominator: 1n }, valueOf(f.buyMinor + 1n))).toBe(true);
            expect(f.price).toEqual(rate);
          } else {
            // sell = price × (buy + fee), with the naira gross rounded down to a kobo.
            const grossKobo = f.buyMinor + f.fee.totalMinor;
            const worth: Rate = {
              numerator: f.sellMinor * rate.numerator,
              denominator: rate.denominator * 100_000n,
            };
            expect(lessOrEqual({ numerator: grossKobo, denominator: 1n }, worth)).toBe(true);
            expect(lessOrEqual(worth, { numerator: grossKobo + 1n, denominator: 1n })).toBe(true);
            expect(f.price).toEqual(invertRate(rate));
          }
        },
      ),
    );
  });

  it('the anchor never gives away more than it takes, valued at the mid-market rate', () => {
    fc.assert(
      fc.property(
        anyTerms,
        anyAmount,
        fc.constantFrom<'sell' | 'buy'>('sell', 'buy'),
        (terms, amount, side) => {
          const outcome = computeQuote(terms, { side, amountMinor: amount });
          fc.pre(outcome.ok);
          const { sellMinor, buyMinor } = outcome.figures;
          const m = terms.marketRate;
          if (terms.direction === 'deposit') {
            // naira in (kobo) ≥ asset out (stroops) at mid
            expect(sellMinor * m.denominator * 100_000n >= buyMinor * m.numerator).toBe(true);
          } else {
            expect(sellMinor * m.numerator >= buyMinor * m.denominator * 100_000n).toBe(true);
          }
        },
      ),
    );
  });

  it('a buy-side quote delivers at least what was asked, and equals the sell-side quote of its sell amount', () => {
    fc.assert(
      fc.property(anyTerms, anyAmount, (terms, amount) => {
        const byBuy = computeQuote(terms, { side: 'buy', amountMinor: amount });
        fc.pre(byBuy.ok);
        expect(byBuy.figures.buyMinor >= amount).toBe(true);
        expect(computeQuote(terms, { side: 'sell', amountMinor: byBuy.figures.sellMinor })).toEqual(byBuy);
      }),
    );
  });

  it('a wider spread never gives the customer more', () => {
    fc.assert(
      fc.property(anyTerms, anyAmount, fc.integer({ min: 0, max: 2000 }), (terms, amount, other) => {
        const [narrow, wide] = terms.spreadBps <= other ? [terms.spreadBps, other] : [other, terms.spreadBps];
        const a = computeQuote({ ...terms, spreadBps: narrow }, { side: 'sell', amountMinor: amount });
        const b = computeQuote({ ...terms, spreadBps: wide }, { side: 'sell', amountMinor: amount });
        if (a.ok && b.ok) expect(b.figures.buyMinor <= a.figures.buyMinor).toBe(true);
        if (!a.ok) expect(b.ok).toBe(false);
      }),
    );
  });
});

describe('formatRate', () => {
  it('renders exactly, without trailing zeros, rounding as named', () => {
    expect(formatRate(rate('1530.25'), 10, 'ceil')).toBe('1530.25');
    expect(formatRate({ numerator: 1n, denominator: 1n }, 10, 'ceil')).toBe('1');
    expect(formatRate({ numerator: 1n, denominator: 3n }, 10, 'ceil')).toBe('0.3333333334');
    expect(formatRate({ numerator: 1n, denominator: 3n }, 10, 'floor')).toBe('0.3333333333');
    expect(formatRate({ numerator: 100n, denominator: 1n }, 10, 'ceil')).toBe('100');
  });
});

describe('checkLimits', () => {
  it('names the side of the limit an amount falls on', () => {
    const limits = { minMinor: 10n, maxMinor: 20n };
    expect(checkLimits(9n, limits)).toBe('below_min');
    expect(checkLimits(10n, limits)).toBe('within');
    expect(checkLimits(20n, limits)).toBe('within');
    expect(checkLimits(21n, limits)).toBe('above_max');
  });
});
