import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bumpFeeStroops, buildFeeStroops, verdictOf } from '../../src/rails/stellar/submitter.js';
import { TRANSACTION_CODES } from '../../src/rails/stellar/horizon.js';

describe('submission verdicts', () => {
  it('treats only included failures and invalid envelopes as final', () => {
    expect(verdictOf('tx_failed', null)).toBe('included_failed');
    expect(verdictOf('tx_fee_bump_inner_failed', 'tx_failed')).toBe('included_failed');
    expect(verdictOf('tx_fee_bump_inner_failed', 'tx_bad_seq')).toBe('bad_seq');
    expect(verdictOf('tx_bad_seq', null)).toBe('bad_seq');
    expect(verdictOf('tx_too_late', null)).toBe('too_late');
    expect(verdictOf('tx_insufficient_fee', null)).toBe('insufficient_fee');
    expect(verdictOf('tx_bad_auth', null)).toBe('rejected');
    expect(verdictOf('tx_internal_error', null)).toBe('retry');
    expect(verdictOf('tx_unrecognized', null)).toBe('retry');
  });

  it('classifies every code Horizon sends', () => {
    for (const code of TRANSACTION_CODES) expect(verdictOf(code, null)).toBeTypeOf('string');
  });
});

describe('fees', () => {
  it('builds with recent p90, at least the base fee, never above the cap', () => {
    expect(buildFeeStroops(100n, 100n, 5000n)).toBe(100n);
    expect(buildFeeStroops(2500n, 100n, 5000n)).toBe(2500n);
    expect(buildFeeStroops(90_000n, 100n, 5000n)).toBe(5000n);
    expect(buildFeeStroops(50n, 50n, 5000n)).toBe(100n);
    expect(buildFeeStroops(null, null, 5000n)).toBe(5000n);
  });

  it('a fee bump always outbids the current fee and never exceeds the cap', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 100n, max: 100_000n }),
        fc.option(fc.bigInt({ min: 100n, max: 1_000_000n }), { nil: null }),
        fc.bigInt({ min: 100n, max: 100_000n }),
        (current, p99, cap) => {
          const bid = bumpFeeStroops(current, p99, cap);
          if (bid === null) expect(current >= cap).toBe(true);
          else {
            expect(bid > current).toBe(true);
            expect(bid <= cap).toBe(true);
          }
        },
      ),
    );
  });
});
