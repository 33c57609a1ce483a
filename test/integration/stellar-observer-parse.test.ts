/**
 * The observer's pure reading of Horizon payment records (no I/O): position from the TOID, what a
 * record is to the observed account, and every defect that quarantines instead of dropping.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Keypair } from '@stellar/stellar-sdk';
import { formatAmount } from '../../src/domain/money.js';
import {
  compareTokens,
  positionOf,
  readRecord,
  truncateReason,
  UnreadableRecordError,
  type ObservableRecord,
} from '../../src/rails/stellar/observer-parse.js';

const account = Keypair.random().publicKey();
const sender = Keypair.random().publicKey();
const issuer = Keypair.random().publicKey();
const usdc = `USDC:${issuer}`;
const assets = new Set(['native', usdc]);
const hash = 'ab'.repeat(32);

function toid(ledger: number, transactionOrder: number, operationOrder: number): string {
  return ((BigInt(ledger) << 32n) | (BigInt(transactionOrder) << 12n) | BigInt(operationOrder)).toString();
}

function record(overrides: Partial<ObservableRecord> = {}): ObservableRecord {
  const id = toid(1234, 2, 3);
  return {
    id,
    pagingToken: id,
    type: 'payment',
    transactionHash: hash,
    transactionSuccessful: true,
    from: sender,
    to: account,
    asset: 'native',
    amount: '12.3456789',
    createdAt: '2026-01-02T03:04:05Z',
    memoType: 'text',
    memo: 'w-1',
    ...overrides,
  };
}

describe('observer record position', () => {
  it('reads ledger and 0-based operation index from the TOID', () => {
    expect(positionOf(record())).toEqual({
      pagingToken: toid(1234, 2, 3),
      ledger: 1234,
      transactionHash: hash,
      operationIndex: 2,
      createdAt: new Date('2026-01-02T03:04:05Z'),
    });
  });

  it.each([
    ['a non-numeric id', { id: 'abc', pagingToken: 'abc' }],
    ['a transaction TOID (operation order 0)', { id: toid(5, 1, 0), pagingToken: toid(5, 1, 0) }],
    ['a hash that is not hex', { transactionHash: 'XY'.repeat(32) }],
    ['a creation time that is not a time', { createdAt: 'yesterday' }],
  ])('refuses %s as unreadable', (_what, overrides) => {
    expect(() => positionOf(record(overrides))).toThrow(UnreadableRecordError);
  });

  it('orders paging tokens numerically, not as text', () => {
    expect(compareTokens('9', '10')).toBe(-1);
    expect(compareTokens(toid(10, 1, 1), toid(9, 999, 99))).toBe(1);
    expect(compareTokens('42', '42')).toBe(0);
  });
});

describe('observer record reading', () => {
  it('hands on an incoming payment with its amount in stroops', () => {
    const read = readRecord(record(), account, assets);
    expect(read).toMatchObject({
      kind: 'payment',
      fields: {
        account,
        from: sender,
        asset: 'native',
        amountStroops: 123_456_789n,
        memoType: 'text',
        memo: 'w-1',
      },
    });
  });

  it('hands on path payments (the amount received) and muxed ids', () => {
    for (const type of ['path_payment_strict_send', 'path_payment_strict_receive']) {
      const read = readRecord(
        record({ type, asset: usdc, amount: '5.0000000', toMuxedId: '18446744073709551615' }),
        account,
        assets,
      );
      expect(read).toMatchObject({
        kind: 'payment',
        fields: { asset: usdc, amountStroops: 50_000_000n, muxedId: '18446744073709551615' },
      });
    }
  });

  it('ignores the account’s own outgoing operations and its own creation', () => {
    expect(readRecord(record({ from: account, to: sender }), account, assets).kind).toBe('ignored');
    expect(
      readRecord(record({ type: 'account_merge', from: account, to: account, asset: null }), account, assets)
        .kind,
    ).toBe('ignored');
    expect(
      readRecord(record({ type: 'create_account', from: account, to: sender }), account, assets).kind,
    ).toBe('ignored');
    expect(
      readRecord(record({ type: 'create_account', from: sender, to: account }), account, assets).kind,
    ).toBe('ignored');
  });

  it.each([
    [
      'an asset the anchor does not accept',
      { asset: `EURC:${issuer}` },
      /asset EURC:.* is not one the anchor accepts/,
    ],
    ['an unreadable asset', { asset: 'nonsense' }, /unreadable asset/],
    ['more than 7 decimals', { amount: '1.00000001' }, /unreadable amount/],
    ['a negative amount', { amount: '-1.0000000' }, /unreadable amount/],
    ['a zero amount', { amount: '0.0000000' }, /unreadable amount/],
    ['a non-numeric amount', { amount: '1e5' }, /unreadable amount/],
    ['no amount', { amount: null }, /unreadable amount/],
    ['a failed transaction', { transactionSuccessful: false }, /failed on chain/],
    ['a missing memo (no joined transaction)', { memoType: null, memo: null }, /memo is missing/],
    ['an unknown memo type', { memoType: 'weird' }, /memo is missing/],
    ['a memo type without its value', { memoType: 'id', memo: null }, /memo value is missing/],
    ['a NUL in the memo', { memo: 'w\u0000' }, /NUL/],
    ['an unreadable muxed id', { toMuxedId: '18446744073709551616' }, /unreadable muxed id/],
    [
      'an unsupported operation type',
      { type: 'invoke_host_function', to: null, asset: null, amount: null },
      /unsupported operation type invoke_host_function/,
    ],
    [
      'a merge into the account',
      { type: 'account_merge', to: sender, asset: null, amount: null },
      /unsupported operation type account_merge/,
    ],
    ['a payment neither to nor from the account', { to: issuer }, /neither to nor from/],
  ])('quarantines %s with the reason', (_what, overrides, reason) => {
    const read = readRecord(record(overrides), account, assets);
    expect(read.kind).toBe('unprocessable');
    if (read.kind !== 'unprocessable') return;
    expect(read.reason).toMatch(reason);
    // What a quarantined row stores always passes the table's checks.
    expect(read.fields.memo ?? '').not.toContain('\u0000');
    expect(read.fields.operationIndex).toBe(2);
    expect(read.fields.ledger).toBe(1234);
  });

  it('keeps reasons within the column limit and never empty', () => {
    expect(truncateReason('x'.repeat(5000))).toHaveLength(2000);
    expect(truncateReason('  ')).toBe('no reason given');
    expect(truncateReason('a\u0000b')).toBe('a\uFFFDb');
  });

  it('reads every amount Horizon can render back to the same stroops', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), (stroops) => {
        const read = readRecord(record({ amount: formatAmount(stroops, 7) }), account, assets);
        expect(read).toMatchObject({ kind: 'payment', fields: { amountStroops: stroops } });
      }),
    );
  });
});
