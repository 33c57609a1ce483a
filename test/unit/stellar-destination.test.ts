import { describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { AssertionError } from '../../src/domain/assert.js';
import { destinationReadiness } from '../../src/rails/stellar/destination.js';
import type { AccountBalance, AccountOutcome } from '../../src/rails/stellar/horizon.js';

const issuer = Keypair.random().publicKey();
const otherIssuer = Keypair.random().publicKey();
const NGNC = `NGNC:${issuer}`;

function found(balances: readonly AccountBalance[]): AccountOutcome {
  return {
    kind: 'found',
    id: Keypair.random().publicKey(),
    sequence: 1n,
    balances,
    signers: [],
    mediumThreshold: 0,
  };
}

describe('destination readiness', () => {
  it('is ready when the account trusts the asset, even with a zero balance', () => {
    const account = found([
      { asset: 'native', balance: '10.0000000' },
      { asset: NGNC, balance: '0.0000000' },
    ]);
    expect(destinationReadiness(account, NGNC)).toBe('ready');
  });

  it('is ready for XLM whenever the account exists', () => {
    expect(destinationReadiness(found([{ asset: 'native', balance: '1.0000000' }]), 'native')).toBe('ready');
    expect(destinationReadiness(found([]), 'native')).toBe('ready');
  });

  it('lacks a trustline when only XLM or the same code from another issuer is held', () => {
    expect(destinationReadiness(found([{ asset: 'native', balance: '1.0000000' }]), NGNC)).toBe(
      'no_trustline',
    );
    const impostor = found([{ asset: `NGNC:${otherIssuer}`, balance: '5.0000000' }]);
    expect(destinationReadiness(impostor, NGNC)).toBe('no_trustline');
  });

  it('matches asset codes exactly (codes are case-sensitive on Stellar)', () => {
    const lower = found([{ asset: `ngnc:${issuer}`, balance: '1.0000000' }]);
    expect(destinationReadiness(lower, NGNC)).toBe('no_trustline');
  });

  it('is missing only when Horizon says the account does not exist', () => {
    expect(destinationReadiness({ kind: 'not_found' }, NGNC)).toBe('missing');
    expect(destinationReadiness({ kind: 'not_found' }, 'native')).toBe('missing');
  });

  it('is unknown when Horizon could not answer, never missing', () => {
    expect(destinationReadiness({ kind: 'unknown', cause: 'HTTP 504' }, NGNC)).toBe('unknown');
  });

  it('refuses a malformed asset instead of reporting a trustline that can never appear', () => {
    for (const asset of [
      '',
      'NGNC',
      `NGNC:${issuer}:extra`,
      `:${issuer}`,
      'NGNC:GNOTANACCOUNT',
      'TOOLONGCODE13:x',
    ])
      expect(() => destinationReadiness(found([]), asset)).toThrow(AssertionError);
    expect(() => destinationReadiness({ kind: 'not_found' }, `${'A'.repeat(13)}:${issuer}`)).toThrow(
      AssertionError,
    );
  });
});
