/**
 * Reading a claimable balance id from a transaction result, with results built the way the Horizon
 * double (and the network) encodes them.
 */
import { describe, expect, it } from 'vitest';
import {
  Account,
  Asset,
  Claimant,
  Keypair,
  Networks,
  Operation,
  TransactionBuilder,
} from '@stellar/stellar-sdk';
import { balanceIdOfResult } from '../../src/rails/stellar/submitter.js';
import { opFailure, opKindBySdkType, opSuccess, resultXdr, TX } from '../../src/sandbox/horizon/results.js';

const createKind = opKindBySdkType('createClaimableBalance')!;
const paymentKind = opKindBySdkType('payment')!;

/** A real claimable-balance transaction and the id the network gives its balance. */
function claimableBalanceTransaction(): { id: string; hashHex: string } {
  const source = new Account(Keypair.random().publicKey(), '41');
  const tx = new TransactionBuilder(source, { fee: '100', networkPassphrase: Networks.TESTNET })
    .addOperation(
      Operation.createClaimableBalance({
        asset: new Asset('NGNC', Keypair.random().publicKey()),
        amount: '25.0000000',
        claimants: [new Claimant(Keypair.random().publicKey(), Claimant.predicateUnconditional())],
        source: Keypair.random().publicKey(),
      }),
    )
    .setTimeout(30)
    .build();
  return { id: tx.getClaimableBalanceId(0), hashHex: Buffer.from(tx.hash()).toString('hex') };
}

describe('claimable balance id from the result XDR', () => {
  it('reads the id of a successful transaction, as Horizon prints it', () => {
    const { id } = claimableBalanceTransaction();
    const xdr = resultXdr({
      feeChargedStroops: 100n,
      code: TX.success,
      ops: [opSuccess(createKind, { kind: 'balanceId', balanceIdHex: id })],
    });
    expect(id).toMatch(/^00000000[0-9a-f]{64}$/);
    expect(balanceIdOfResult(xdr)).toBe(id);
  });

  it('reads the id through a fee bump whose inner transaction succeeded', () => {
    const { id, hashHex } = claimableBalanceTransaction();
    const xdr = resultXdr({
      feeChargedStroops: 400n,
      code: TX.feeBumpInnerSuccess,
      inner: {
        hashHex,
        result: { code: TX.success, ops: [opSuccess(createKind, { kind: 'balanceId', balanceIdHex: id })] },
      },
    });
    expect(balanceIdOfResult(xdr)).toBe(id);
  });

  it('finds no id in a failed transaction, a failed operation or another operation type', () => {
    const failed = resultXdr({
      feeChargedStroops: 100n,
      code: TX.failed,
      ops: [opFailure(createKind, 'op_underfunded')],
    });
    expect(balanceIdOfResult(failed)).toBeNull();
    const payment = resultXdr({ feeChargedStroops: 100n, code: TX.success, ops: [opSuccess(paymentKind)] });
    expect(balanceIdOfResult(payment)).toBeNull();
    expect(balanceIdOfResult(resultXdr({ feeChargedStroops: 100n, code: TX.badSeq }))).toBeNull();
  });

  it('finds no id in bytes that are not a transaction result', () => {
    expect(balanceIdOfResult('')).toBeNull();
    expect(balanceIdOfResult('not base64 at all')).toBeNull();
    expect(balanceIdOfResult(Buffer.from('garbage bytes here').toString('base64'))).toBeNull();
  });
});
