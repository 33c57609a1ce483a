import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AssertionError } from '../../src/domain/assert.js';
import {
  FEE_SCHEDULE_BPS_MAX,
  NO_FEE,
  feeOnGross,
  formatFeeSchedule,
  grossForNet,
  netAfterFee,
  parseFeeSchedule,
  type FeeSchedule,
} from '../../src/domain/fees.js';

function schedule(text: string): FeeSchedule {
  const parsed = parseFeeSchedule(text);
  if (!parsed.ok) throw new Error(`expected "${text}" to parse: ${parsed.error}`);
  return parsed.schedule;
}

const anySchedule: fc.Arbitrary<FeeSchedule> = fc
  .record({
    fixedMinor: fc.bigInt({ min: 0n, max: 1_000_000n }),
    bps: fc.integer({ min: 0, max: FEE_SCHEDULE_BPS_MAX }),
    minMinor: fc.bigInt({ min: 0n, max: 1_000_000n }),
    extra: fc.option(fc.bigInt({ min: 0n, max: 10_000_000n }), { nil: null }),
  })
  .map(({ fixedMinor, bps, minMinor, extra }) => ({
    fixedMinor,
    bps,
    minMinor,
    maxMinor: extra === null ? null : minMinor + extra,
  }));
const anyAmount = fc.bigInt({ min: 0n, max: 10n ** 15n });

describe('parseFeeSchedule', () => {
  it('reads the compact settings format in minor units', () => {
    expect(schedule('fixed:10000,bps:150,min:10000,max:200000')).toEqual({
      fixedMinor: 10000n,
      bps: 150,
      minMinor: 10000n,
      maxMinor: 200000n,
    });
  });

  it('treats absent parts as zero and an absent max as no cap, in any order and spacing', () => {
    expect(schedule(' bps : 25 , fixed:5 ')).toEqual({
      fixedMinor: 5n,
      bps: 25,
      minMinor: 0n,
      maxMinor: null,
    });
    expect(schedule('none')).toEqual(NO_FEE);
  });

  it.each([
    ['', 'is not key:whole-number'],
    ['fixed:1.5', 'is not key:whole-number'],
    ['fixed:-1', 'is not key:whole-number'],
    ['fee:1', 'unknown key'],
    ['bps:1,bps:2', 'given twice'],
    ['bps:5001', 'at most 5000'],
    ['min:10,max:9', 'must not be below min'],
    ['max:1000000000000000', 'must be below'],
    ['fixed:1;bps:2', 'is not key:whole-number'],
    [`fixed:1,${'x'.repeat(200)}`, 'at most 120 characters'],
  ])('refuses %j (%s)', (text, message) => {
    const parsed = parseFeeSchedule(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });

  it('round-trips through formatFeeSchedule', () => {
    fc.assert(
      fc.property(anySchedule, (s) => {
        expect(schedule(formatFeeSchedule(s))).toEqual(s);
      }),
    );
  });
});

describe('feeOnGross', () => {
  const paystackLike = schedule('fixed:10000,bps:150,max:200000');

  it('adds the fixed part and the percentage, itemised', () => {
    // ₦15,000: ₦100 + 1.5 % (₦225) = ₦325.
    expect(feeOnGross(paystackLike, 1_500_000n)).toEqual({
      totalMinor: 32_500n,
      components: [
        { kind: 'fixed', amountMinor: 10_000n },
        { kind: 'percentage', amountMinor: 22_500n },
      ],
    });
  });

  it('caps at the maximum and lifts to the minimum, as one line each', () => {
    expect(feeOnGross(paystackLike, 100_000_000n)).toEqual({
      totalMinor: 200_000n,
      components: [{ kind: 'maximum', amountMinor: 200_000n }],
    });
    expect(feeOnGross(schedule('bps:100,min:10000'), 100_000n)).toEqual({
      totalMinor: 10_000n,
      components: [{ kind: 'minimum', amountMinor: 10_000n }],
    });
  });

  it('rounds the percentage up, in the anchor’s favour', () => {
    // 1.5 % of 1 kobo is 0.015 kobo: charged as 1.
    expect(feeOnGross(schedule('bps:150'), 1n).totalMinor).toBe(1n);
    expect(feeOnGross(schedule('bps:150'), 200n).totalMinor).toBe(3n);
    expect(feeOnGross(schedule('bps:150'), 201n).totalMinor).toBe(4n);
  });

  it('never takes more than the amount', () => {
    expect(feeOnGross(schedule('min:10000'), 5_000n)).toEqual({
      totalMinor: 5_000n,
      components: [{ kind: 'amount_cap', amountMinor: 5_000n }],
    });
    expect(feeOnGross(schedule('fixed:100'), 0n).totalMinor).toBe(0n);
  });

  it('is zero with no components for a free schedule', () => {
    expect(feeOnGross(NO_FEE, 123_456n)).toEqual({ totalMinor: 0n, components: [] });
  });

  it('refuses a negative amount or an out-of-range schedule as a programmer error', () => {
    expect(() => feeOnGross(NO_FEE, -1n)).toThrow(AssertionError);
    expect(() => feeOnGross({ ...NO_FEE, bps: 5001 }, 1n)).toThrow(AssertionError);
    expect(() => feeOnGross({ ...NO_FEE, minMinor: 10n, maxMinor: 5n }, 1n)).toThrow(AssertionError);
  });

  it('property: fee ≤ amount and fee + net = amount (conservation)', () => {
    fc.assert(
      fc.property(anySchedule, anyAmount, (s, amount) => {
        const fee = feeOnGross(s, amount).totalMinor;
        expect(fee >= 0n && fee <= amount).toBe(true);
        expect(fee + netAfterFee(s, amount)).toBe(amount);
      }),
    );
  });

  it('property: min ≤ fee ≤ max whenever the amount covers the minimum', () => {
    fc.assert(
      fc.property(anySchedule, anyAmount, (s, amount) => {
        fc.pre(amount >= s.minMinor);
        const fee = feeOnGross(s, amount).totalMinor;
        expect(fee >= s.minMinor).toBe(true);
        if (s.maxMinor !== null) expect(fee <= s.maxMinor).toBe(true);
      }),
    );
  });

  it('property: monotone in the amount', () => {
    fc.assert(
      fc.property(anySchedule, anyAmount, anyAmount, (s, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(feeOnGross(s, low).totalMinor <= feeOnGross(s, high).totalMinor).toBe(true);
      }),
    );
  });

  it('property: components add up to the total; an unclamped fee is never below the exact fee', () => {
    fc.assert(
      fc.property(anySchedule, anyAmount, (s, amount) => {
        const fee = feeOnGross(s, amount);
        expect(fee.components.reduce((sum, c) => sum + c.amountMinor, 0n)).toBe(fee.totalMinor);
        if (fee.components.every((c) => c.kind === 'fixed' || c.kind === 'percentage')) {
          // exact fee = fixed + bps × amount / 10 000; charged fee × 10 000 ≥ exact × 10 000
          expect(fee.totalMinor * 10_000n >= s.fixedMinor * 10_000n + BigInt(s.bps) * amount).toBe(true);
          expect(fee.totalMinor * 10_000n < s.fixedMinor * 10_000n + BigInt(s.bps) * amount + 10_000n).toBe(
            true,
          );
        }
      }),
    );
  });
});

describe('grossForNet', () => {
  it('grosses up so the net lands exactly', () => {
    const s = schedule('fixed:10000,bps:150,max:200000');
    const gross = grossForNet(s, 1_467_500n);
    expect(gross).toBe(1_500_000n);
    expect(netAfterFee(s, gross)).toBe(1_467_500n);
  });

  it('property: the net of the gross is exactly the target, and one unit less falls short', () => {
    fc.assert(
      fc.property(anySchedule, fc.bigInt({ min: 1n, max: 10n ** 15n }), (s, net) => {
        const gross = grossForNet(s, net);
        expect(netAfterFee(s, gross)).toBe(net);
        expect(netAfterFee(s, gross - 1n) < net).toBe(true);
      }),
    );
  });

  it('refuses a non-positive net as a programmer error', () => {
    expect(() => grossForNet(NO_FEE, 0n)).toThrow(AssertionError);
  });
});
