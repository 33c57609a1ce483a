/**
 * Withdrawals end to end inside one process, against the Horizon and Paystack doubles over real
 * HTTP, with the real observer: open → bank account (name matched) → memo → the wallet pays on
 * Stellar → observer matches → Paystack transfer → `transfer.success` → `completed`; and the
 * faults: failed and reversed transfers refunded on Stellar, under-, over- and late payments, an
 * unknown memo, duplicated/lost transfer webhooks, and a transfer whose outcome is unknown. Each
 * asserts exactly one payout per completed withdrawal and a balanced ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWithdrawal, setPayoutAccount } from '../../src/flows/withdrawal/open.js';
import { runWithdrawalSweep } from '../../src/flows/withdrawal/sweep.js';
import { transactionJson } from '../../src/flows/transfers/view.js';
import { databaseKinds } from '../support/databases.js';
import { startWithdrawalHarness, type WithdrawalHarness } from '../support/withdrawal-harness.js';
import { sendPayment } from '../support/stellar-wallet.js';

describe.each(databaseKinds)('withdrawals on %s', (kind) => {
  let h: WithdrawalHarness;

  beforeAll(async () => {
    h = await startWithdrawalHarness(kind, { WITHDRAW_UNDERPAYMENT: 'refund' });
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  const db = () => h.test.runtime.database.db;

  async function expectBalancedLedger(): Promise<void> {
    expect(await h.imbalance()).toEqual([]);
  }

  it('pays out once: memo matched, Paystack transfer, transfer.success → completed', async () => {
    const w = await h.awaitingPayment('5000');
    expect(w).toMatchObject({
      status: 'pending_user_transfer_start',
      withdraw_anchor_account: h.receiving,
      amount_out_minor: '495000',
      amount_fee_minor: '5000',
    });
    expect(w.withdraw_memo).toMatch(/^[0-9]+$/);
    await h.walletPays(w, '5000');
    await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
    h.sandbox.paystack.control.settleTransfer(w.payout_reference ?? '', 'success');
    await h.settle(h.statusIs(w.id, 'completed'), 'completion');
    const mine = h.transfersOf(w.payout_reference);
    expect(mine).toHaveLength(1);
    const done = await h.row(w.id);
    expect(transactionJson(h.deps, done)).toMatchObject({
      kind: 'withdrawal',
      status: 'completed',
      amount_in: '5000.0000000',
      amount_out: '4950.00',
      amount_fee: '50.00',
    });
    await expectBalancedLedger();
  }, 60_000);

  it('a failed transfer sends the asset back on Stellar → refunded', async () => {
    const before = await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset);
    const w = await h.awaitingPayment('1000');
    await h.walletPays(w, '1000');
    await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
    h.sandbox.paystack.control.settleTransfer(w.payout_reference ?? '', 'failed');
    await h.settle(h.statusIs(w.id, 'refunded'), 'the refund');
    expect(await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset)).toBe(before);
    expect(transactionJson(h.deps, await h.row(w.id)).refunds).toMatchObject({
      amount_refunded: '1000.0000000',
      payments: [{ id_type: 'stellar' }],
    });
    await expectBalancedLedger();
  }, 60_000);

  it('a transfer reversed after success is refunded too', async () => {
    const w = await h.awaitingPayment('1100');
    await h.walletPays(w, '1100');
    await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
    h.sandbox.paystack.control.settleTransfer(w.payout_reference ?? '', 'success');
    await h.settle(h.statusIs(w.id, 'completed'), 'completion');
    h.sandbox.paystack.control.settleTransfer(w.payout_reference ?? '', 'reversed');
    await h.settle(h.statusIs(w.id, 'refunded'), 'the refund after reversal');
    await expectBalancedLedger();
  }, 60_000);

  it('duplicated and lost transfer webhooks: one payout, completed by reconciliation', async () => {
    const w = await h.awaitingPayment('1200');
    await h.walletPays(w, '1200');
    await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
    h.sandbox.paystack.control.setFaults({ webhooks: 'drop' });
    try {
      h.sandbox.paystack.control.settleTransfer(w.payout_reference ?? '', 'success');
      await h.drain();
      expect((await h.row(w.id)).status).toBe('pending_external');
    } finally {
      h.sandbox.paystack.control.setFaults({ webhooks: 'none' });
    }
    await runWithdrawalSweep(h.deps);
    expect((await h.row(w.id)).status).toBe('completed');
    expect(h.transfersOf(w.payout_reference)).toHaveLength(1);
    await expectBalancedLedger();
  }, 60_000);

  it('a transfer whose outcome is unknown is verified, never sent twice', async () => {
    const w = await h.awaitingPayment('1300');
    h.sandbox.paystack.control.setFaults({ timeoutNext: { path: '/transfer', landed: true, hangMs: 200 } });
    await h.walletPays(w, '1300');
    await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout after a timeout');
    expect(h.transfersOf(w.payout_reference)).toHaveLength(1);
    h.sandbox.paystack.control.settleTransfer(w.payout_reference ?? '', 'success');
    await h.settle(h.statusIs(w.id, 'completed'), 'completion');
    await expectBalancedLedger();
  }, 60_000);

  it('over-payment: paid out for the amount asked, the excess sent back', async () => {
    const before = await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset);
    const w = await h.awaitingPayment('1400');
    await h.walletPays(w, '1500');
    await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
    await h.settle(
      async () =>
        (await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset)) === (before ?? 0n) - 14_000_000_000n,
      'the excess refund',
    );
    h.sandbox.paystack.control.settleTransfer(w.payout_reference ?? '', 'success');
    await h.settle(h.statusIs(w.id, 'completed'), 'completion');
    await expectBalancedLedger();
  }, 60_000);

  it('under-payment is refunded (WITHDRAW_UNDERPAYMENT=refund), nothing paid out', async () => {
    const w = await h.awaitingPayment('1600');
    await h.walletPays(w, '1000');
    await h.settle(h.statusIs(w.id, 'refunded'), 'the refund');
    expect(h.transfersOf(w.payout_reference)).toHaveLength(0);
    await expectBalancedLedger();
  }, 60_000);

  it('a payment after the deadline is refunded, never paid out', async () => {
    const w = await h.awaitingPayment('1700');
    await db()
      .updateTable('transactions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', w.id)
      .execute();
    await runWithdrawalSweep(h.deps);
    expect((await h.row(w.id)).status).toBe('expired');
    await h.walletPays(w, '1700');
    await h.settle(h.statusIs(w.id, 'refunded'), 'the late refund');
    expect(h.transfersOf(w.payout_reference)).toHaveLength(0);
    await expectBalancedLedger();
  }, 60_000);

  it('an unknown memo is held in suspense with no payout', async () => {
    const before = h.transfers().length;
    await h.walletPays({ withdraw_memo: '123' }, '10');
    await h.settle(async () => {
      const b = await db()
        .selectFrom('ledger_balances')
        .selectAll()
        .where('account', '=', 'liabilities:suspense:unmatched-stellar')
        .executeTakeFirst();
      return b !== undefined;
    }, 'the suspense posting');
    expect(h.transfers().length).toBe(before);
    await expectBalancedLedger();
  }, 60_000);

  it('a payment in the wrong asset is sent back and never counts toward the amount owed', async () => {
    const w = await h.awaitingPayment('1000');
    const usdcBefore = await h.balanceStroops(h.wallet.publicKey(), h.usdcAsset);
    await sendPayment(h.sandbox.horizon.url, h.sandbox.horizon.networkPassphrase, h.wallet, {
      to: h.receiving,
      asset: h.usdcAsset,
      amount: '999',
      memoId: w.withdraw_memo,
    });
    await h.settle(
      async () => (await h.balanceStroops(h.wallet.publicKey(), h.usdcAsset)) === usdcBefore,
      'the USDC to come back',
    );
    expect((await h.row(w.id)).status).toBe('pending_user_transfer_start');
    // 1 NGNC of the 1000 asked is an under-payment, whatever USDC came before: refunded, no payout.
    await h.walletPays(w, '1');
    await h.settle(h.statusIs(w.id, 'refunded'), 'the under-payment refund');
    expect(h.transfersOf(w.payout_reference)).toHaveLength(0);
    await expectBalancedLedger();
  }, 60_000);

  it('refuses a bank account whose name does not match the KYC name', async () => {
    const opened = await openWithdrawal(h.deps, {
      protocol: 'sep24',
      identity: h.identityOf(h.wallet.publicKey()),
      assetCode: 'NGNC',
      amount: '100',
    });
    const bank = await setPayoutAccount(h.deps, opened.id, { bankCode: '044', accountNumber: '0001234567' });
    expect(bank).toMatchObject({ ok: false, status: 400 });
    expect((await h.row(opened.id)).payout_account_ciphertext).toBeNull();
  });
});

describe.each(databaseKinds)('withdrawals waiting for a top-up on %s', (kind) => {
  let h: WithdrawalHarness;

  beforeAll(async () => {
    h = await startWithdrawalHarness(kind, { WITHDRAW_UNDERPAYMENT: 'wait' });
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  const db = () => h.test.runtime.database.db;

  it('waits in pending_user for the rest, then pays out the whole', async () => {
    const w = await h.awaitingPayment('1000');
    await h.walletPays(w, '600');
    await h.settle(h.statusIs(w.id, 'pending_user'), 'pending_user');
    expect((await h.row(w.id)).status_message).toContain('400.0000000');
    await h.walletPays(w, '400');
    await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
    expect(await h.imbalance()).toEqual([]);
  }, 60_000);

  it('a top-up after the deadline and the deadline refund give back exactly what was sent, once', async () => {
    const before = await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset);
    const w = await h.awaitingPayment('1000');
    await h.walletPays(w, '600');
    await h.settle(h.statusIs(w.id, 'pending_user'), 'pending_user');
    await db()
      .updateTable('transactions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', w.id)
      .execute();
    await h.walletPays(w, '400'); // late: sent back whole by the matcher
    await h.settle(
      async () =>
        (await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset)) === (before ?? 0n) - 6_000_000_000n,
      'the late top-up to come back',
    );
    await runWithdrawalSweep(h.deps); // the deadline: the 600 on time goes back
    await h.settle(h.statusIs(w.id, 'refunded'), 'the deadline refund');
    expect(await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset)).toBe(before);
    expect(transactionJson(h.deps, await h.row(w.id)).refunds).toMatchObject({
      amount_refunded: '600.0000000',
    });
    expect(await h.imbalance()).toEqual([]);
  }, 60_000);
});
