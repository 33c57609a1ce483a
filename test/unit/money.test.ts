import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { AssertionError } from '../../src/domain/assert.js';
import {
  NGN,
  STELLAR_DECIMALS,
  convertAtRate,
  feeFromBps,
  formatAmount,
  mulDivRound,
  parseAmount,
  parseRate,
  splitFee,
  stellarUnit,
  type RoundingMode,
} from '../../src/domain/money.js';

const roundingModes: readonly RoundingMode[] = ['floor', 'ceil', 'half-even', 'half-up', 'down'];
const anyMinor = fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n });
const decimals = fc.integer({ min: 0, max: STELLAR_DECIMALS });
const signed = { allowNegative: true, allowZero: true } as const;

function parsedMinor(text: string, places: number, opts = {}): bigint {
  const result = parseAmount(text, places, opts);
  if (!result.ok) throw new Error(`expected ${text} to parse: ${result.error}`);
  return result.minor;
}

describe('units', () => {
  it('names naira with 2 decimals and Stellar assets with 7', () => {
    expect(NGN).toEqual({ code: 'NGN', decimals: 2 });
    expect(stellarUnit('USDC')).toEqual({ code: 'USDC', decimals: 7 });
  });

  it.each(['', 'TOOLONGCODE12X', 'US DC', 'NGN!'])('refuses %j as a Stellar asset code', (code) => {
    expect(() => stellarUnit(code)).toThrow(AssertionError);
  });
});

describe('parseAmount and formatAmount', () => {
  it('parse(format(minor)) returns the same minor amount', () => {
    fc.assert(
      fc.property(anyMinor, decimals, (minor, places) => {
        expect(parsedMinor(formatAmount(minor, places), places, signed)).toBe(minor);
      }),
    );
  });

  it('format(parse(text)) gives the text back, padded to the asset decimals', () => {
    const integerPart = fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,20}$/));
    const input = decimals.chain((places) =>
      fc.record({
        places: fc.constant(places),
        integerPart,
        fraction: fc.stringMatching(new RegExp(`^[0-9]{0,${places}}$`)),
      }),
    );
    fc.assert(
      fc.property(input, ({ places, integerPart: whole, fraction }) => {
        const text = fraction === '' ? whole : `${whole}.${fraction}`;
        const expected = places === 0 ? whole : `${whole}.${fraction.padEnd(places, '0')}`;
        expect(formatAmount(parsedMinor(text, places, { allowZero: true }), places)).toBe(expected);
      }),
    );
  });

  it.each([
    ['10', 2, 1000n],
    ['10.5', 2, 1050n],
    ['10.50', 2, 1050n],
    ['0.01', 2, 1n],
    ['0.5', 2, 50n],
    ['1000.0000000', 2, 100000n], // zero digits beyond the asset's decimals lose nothing
    ['1.2345678', 7, 12345678n],
    ['922337203685.4775807', 7, 9223372036854775807n],
    ['7', 0, 7n],
  ] as const)('reads %j with %i decimals as %s minor units', (text, places, minor) => {
    expect(parseAmount(text, places)).toEqual({ ok: true, minor });
  });

  it.each([
    ['', 'amount must not be empty'],
    ['1e5', 'amount must be a plain decimal number'],
    ['1E5', 'amount must be a plain decimal number'],
    ['+10', 'amount must be a plain decimal number'],
    ['0x10', 'amount must be a plain decimal number'],
    [' 10', 'amount must be a plain decimal number'],
    ['10 ', 'amount must be a plain decimal number'],
    ['1 000', 'amount must be a plain decimal number'],
    ['1,000.00', 'amount must be a plain decimal number'],
    ['.5', 'amount must be a plain decimal number'],
    ['5.', 'amount must be a plain decimal number'],
    ['05', 'amount must be a plain decimal number'],
    ['--5', 'amount must be a plain decimal number'],
    ['NaN', 'amount must be a plain decimal number'],
    ['Infinity', 'amount must be a plain decimal number'],
    ['١٠', 'amount must be a plain decimal number'], // Arabic-Indic digits
    ['-5', 'amount must not be negative'],
    ['-0.01', 'amount must not be negative'],
    ['10.001', 'amount has more than 2 decimal places'],
    ['10.0000001', 'amount has more than 2 decimal places'],
    ['0', 'amount must be greater than zero'],
    ['0.00', 'amount must be greater than zero'],
    ['1'.repeat(41), 'amount must be at most 40 characters'],
    [`1.${'0'.repeat(39)}`, 'amount must be at most 40 characters'],
  ])('refuses %j for a 2-decimal asset', (text, message) => {
    const result = parseAmount(text, 2);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it('accepts negatives and zero only when asked, and never "-0"', () => {
    expect(parseAmount('-5.25', 2, { allowNegative: true })).toEqual({ ok: true, minor: -525n });
    expect(parseAmount('0', 2, { allowZero: true })).toEqual({ ok: true, minor: 0n });
    expect(parseAmount('-0', 2, signed)).toEqual({ ok: false, error: 'amount must not be negative zero' });
    expect(parseAmount('-0.00', 2, signed).ok).toBe(false);
  });

  it.each([
    [1050n, 2, '10.50'],
    [-5n, 2, '-0.05'],
    [0n, 2, '0.00'],
    [1n, 7, '0.0000001'],
    [-12345678n, 7, '-1.2345678'],
    [42n, 0, '42'],
    [-42n, 0, '-42'],
  ] as const)('formats %s with %i decimals as %j', (minor, places, text) => {
    expect(formatAmount(minor, places)).toBe(text);
  });

  it.each([-1, 19, 2.5, Number.NaN])('treats %s decimals as a programmer error', (places) => {
    expect(() => parseAmount('1', places)).toThrow(AssertionError);
    expect(() => formatAmount(1n, places)).toThrow(AssertionError);
  });
});

describe('parseRate', () => {
  it('reads a decimal price as an exact rational', () => {
    expect(parseRate('1530.25')).toEqual({ ok: true, rate: { numerator: 153025n, denominator: 100n } });
    expect(parseRate('1')).toEqual({ ok: true, rate: { numerator: 1n, denominator: 1n } });
    expect(parseRate('0.000653')).toEqual({ ok: true, rate: { numerator: 653n, denominator: 1000000n } });
  });

  it.each([
    ['0', 'rate must be greater than zero'],
    ['0.000', 'rate must be greater than zero'],
    ['-1.5', 'rate must not be negative'],
    ['1e3', 'rate must be a plain decimal number'],
    ['', 'rate must not be empty'],
    [`0.${'1'.repeat(19)}`, 'rate has more than 18 decimal places'],
  ])('refuses %j', (text, message) => {
    const result = parseRate(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });
});

describe('mulDivRound', () => {
  it.each([
    // a, b, c, floor, ceil, half-even, half-up, down
    [5n, 1n, 2n, 2n, 3n, 2n, 3n, 2n],
    [7n, 1n, 2n, 3n, 4n, 4n, 4n, 3n],
    [-5n, 1n, 2n, -3n, -2n, -2n, -3n, -2n],
    [-7n, 1n, 2n, -4n, -3n, -4n, -4n, -3n],
    [10n, 1n, 3n, 3n, 4n, 3n, 3n, 3n],
    [20n, 1n, 3n, 6n, 7n, 7n, 7n, 6n],
    [-20n, 1n, 3n, -7n, -6n, -7n, -7n, -6n],
    [6n, 1n, 3n, 2n, 2n, 2n, 2n, 2n],
    [0n, 5n, 3n, 0n, 0n, 0n, 0n, 0n],
  ] as const)('rounds %s×%s÷%s in every mode', (a, b, c, floor, ceil, halfEven, halfUp, down) => {
    expect(mulDivRound(a, b, c, 'floor')).toBe(floor);
    expect(mulDivRound(a, b, c, 'ceil')).toBe(ceil);
    expect(mulDivRound(a, b, c, 'half-even')).toBe(halfEven);
    expect(mulDivRound(a, b, c, 'half-up')).toBe(halfUp);
    expect(mulDivRound(a, b, c, 'down')).toBe(down);
  });

  it('refuses a divisor that is zero or negative', () => {
    expect(() => mulDivRound(1n, 1n, 0n, 'floor')).toThrow(AssertionError);
    expect(() => mulDivRound(1n, 1n, -3n, 'floor')).toThrow(AssertionError);
  });
});

describe('convertAtRate', () => {
  const positiveRate = fc.record({
    numerator: fc.bigInt({ min: 1n, max: 10n ** 12n }),
    denominator: fc.bigInt({ min: 1n, max: 10n ** 12n }),
  });

  it('converts stroops to kobo and kobo to stroops exactly where the result is exact', () => {
    const rate = { numerator: 153025n, denominator: 100n }; // 1530.25 NGN per USDC
    expect(convertAtRate(100_000_000n, 7, rate, 2, 'floor')).toBe(1_530_250n); // 10 USDC → ₦15,302.50
    expect(convertAtRate(1050n, 2, { numerator: 1n, denominator: 1n }, 7, 'floor')).toBe(105_000_000n);
  });

  it('rounds a conversion that is not exact in the named direction', () => {
    const rate = { numerator: 1n, denominator: 3n };
    expect(convertAtRate(100n, 2, rate, 2, 'floor')).toBe(33n);
    expect(convertAtRate(100n, 2, rate, 2, 'ceil')).toBe(34n);
    expect(convertAtRate(200n, 2, rate, 2, 'half-even')).toBe(67n);
  });

  it('floor and ceil bracket the exact rational result and differ by at most one minor unit', () => {
    fc.assert(
      fc.property(anyMinor, decimals, positiveRate, decimals, (amountMinor, from, rate, to) => {
        const exactNumerator = amountMinor * 10n ** BigInt(to) * rate.numerator;
        const exactDenominator = rate.denominator * 10n ** BigInt(from);
        const floor = convertAtRate(amountMinor, from, rate, to, 'floor');
        const ceil = convertAtRate(amountMinor, from, rate, to, 'ceil');
        expect(floor * exactDenominator <= exactNumerator).toBe(true);
        expect(exactNumerator < (floor + 1n) * exactDenominator).toBe(true);
        expect(ceil * exactDenominator >= exactNumerator).toBe(true);
        expect(ceil - floor === 0n || ceil - floor === 1n).toBe(true);
        for (const rounding of roundingModes) {
          const rounded = convertAtRate(amountMinor, from, rate, to, rounding);
          expect(rounded >= floor && rounded <= ceil).toBe(true);
        }
        const down = convertAtRate(amountMinor, from, rate, to, 'down');
        expect(down).toBe(amountMinor >= 0n ? floor : ceil);
      }),
    );
  });

  it('half modes land within half a minor unit of the exact result', () => {
    fc.assert(
      fc.property(anyMinor, decimals, positiveRate, decimals, (amountMinor, from, rate, to) => {
        const exactNumerator = amountMinor * 10n ** BigInt(to) * rate.numerator;
        const exactDenominator = rate.denominator * 10n ** BigInt(from);
        for (const rounding of ['half-even', 'half-up'] as const) {
          const error =
            convertAtRate(amountMinor, from, rate, to, rounding) * exactDenominator - exactNumerator;
          const twiceError = error < 0n ? -2n * error : 2n * error;
          expect(twiceError <= exactDenominator).toBe(true);
        }
      }),
    );
  });

  it('treats a zero or negative rate as a programmer error', () => {
    expect(() => convertAtRate(1n, 2, { numerator: 1n, denominator: 0n }, 7, 'floor')).toThrow(
      AssertionError,
    );
    expect(() => convertAtRate(1n, 2, { numerator: 0n, denominator: 1n }, 7, 'floor')).toThrow(
      AssertionError,
    );
    expect(() => convertAtRate(1n, 2, { numerator: 1n, denominator: -1n }, 7, 'floor')).toThrow(
      AssertionError,
    );
  });
});

describe('fees in basis points', () => {
  const amountMinor = fc.bigInt({ min: 0n, max: 10n ** 22n });
  const feeBps = fc.integer({ min: 0, max: 10_000 });

  it('fee plus net is exactly the amount, and the fee lies within it', () => {
    fc.assert(
      fc.property(amountMinor, feeBps, fc.constantFrom(...roundingModes), (amount, bps, rounding) => {
        const { feeMinor, netMinor } = splitFee(amount, bps, rounding);
        expect(feeMinor + netMinor).toBe(amount);
        expect(feeMinor >= 0n && feeMinor <= amount).toBe(true);
        expect(feeMinor).toBe(feeFromBps(amount, bps, rounding));
      }),
    );
  });

  it('floor and ceil fees bracket the exact fee and differ by at most one minor unit', () => {
    fc.assert(
      fc.property(amountMinor, feeBps, (amount, bps) => {
        const floor = feeFromBps(amount, bps, 'floor');
        const ceil = feeFromBps(amount, bps, 'ceil');
        const exactNumerator = amount * BigInt(bps);
        expect(floor * 10_000n <= exactNumerator && exactNumerator <= ceil * 10_000n).toBe(true);
        expect(ceil - floor === 0n || ceil - floor === 1n).toBe(true);
      }),
    );
  });

  it('charges 1.5% of ₦1,000.00 as ₦15.00 and rounds a fraction of a kobo as named', () => {
    expect(feeFromBps(100_000n, 150, 'half-up')).toBe(1_500n);
    expect(feeFromBps(333n, 150, 'floor')).toBe(4n); // 4.995 kobo
    expect(feeFromBps(333n, 150, 'ceil')).toBe(5n);
  });

  it.each([
    [100n, -1],
    [100n, 10_001],
    [100n, 1.5],
    [-1n, 100],
  ])('treats amount %s at %s bps as a programmer error', (amount, bps) => {
    expect(() => feeFromBps(amount, bps, 'floor')).toThrow(AssertionError);
  });
});
