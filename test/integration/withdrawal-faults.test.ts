/**
 * Withdrawal payouts under Paystack's faults, in one process against the Horizon and Paystack
 * doubles with the real observer: an OTP-enabled account (the transfer waits for an operator's
 * finalisation), a balance too low for the payout (held, resumed by the sweep once topped up),
 * duplicated and reordered `transfer.*` webhooks (every delivery verified, so the order of the
 * words does not matter, only Paystack's current one), and a payout job that died while Paystack
 * was down (restarted by the sweep once stalled). Each asserts exactly one Paystack transfer per
 * withdrawal and a balanced ledger. The last test: a balance that covers the payout but not
 * Paystack's fee leaves it held, untouched, until the fee is covered too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stallMs } from '../../src/flows/transfers/deps.js';
import { transactionJson } from '../../src/flows/transfers/view.js';
import { BALANCE_HOLD_MESSAGE } from '../../src/flows/withdrawal/payout.js';
import { runWithdrawalSweep } from '../../src/flows/withdrawal/sweep.js';
import { FAULTS_MAX } from '../../src/sandbox/paystack/faults.js';
import { databaseKinds } from '../support/databases.js';
import { startWithdrawalHarness, type WithdrawalHarness } from '../support/withdrawal-harness.js';

/** The Paystack double's OTP: `startSandbox` leaves `PaystackDoubleOptions.otp` at its default. */
const DOUBLE_OTP = '123456';
const PAYOUT_JOB = 'withdrawal.payout';

describe.each(databaseKinds)('withdrawal payouts under Paystack faults on %s', (kind) => {
  let h: WithdrawalHarness;

  beforeAll(async () => {
    h = await startWithdrawalHarness(kind);
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  const db = () => h.test.runtime.database.db;
  const paystack = () => h.sandbox.paystack.control;

  /** `rampart_withdrawals_held_total{reason}` as the runtime's registry has it now. */
  async function heldTotal(reason: string): Promise<number> {
    const metrics = await h.test.runtime.metrics.registry.getMetricsAsJSON();
    const held = metrics.find((m) => m.name === 'rampart_withdrawals_held_total');
    return held?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  }

  /** The statuses a withdrawal went through, in order (the audit trail). */
  async function statusTrail(id: string): Promise<string[]> {
    const events = await db()
      .selectFrom('transaction_events')
      .select(['to_status', 'version'])
      .where('transaction_id', '=', id)
      .orderBy('version')
      .execute();
    return events.map((e) => e.to_status);
  }

  async function payoutJobs(id: string) {
    return db()
      .selectFrom('jobs')
      .select(['id', 'state', 'dedupe_key', 'last_error'])
      .where('type', '=', PAYOUT_JOB)
      .where('dedupe_key', 'like', `${PAYOUT_JOB}:${id}:%`)
      .orderBy('created_at')
      .execute();
  }

  async function journalsOf(id: string): Promise<string[]> {
    const journals = await db()
      .selectFrom('ledger_journals')
      .select('kind')
      .where('transaction_id', '=', id)
      .orderBy('created_at')
      .execute();
    return journals.map((j) => j.kind);
  }

  /** Inbox rows for a payout reference, in the order Rampart received them. */
  async function inboxOf(reference: string) {
    return db()
      .selectFrom('paystack_webhooks')
      .select(['id', 'event', 'deliveries', 'processed_at', 'received_at'])
      .where('reference', '=', reference)
      .orderBy('received_at')
      .execute();
  }

  /** The operator's finalisation: Paystack's own endpoint, with the OTP Paystack sent them. */
  async function operatorFinalises(transferCode: string, otp: string): Promise<number> {
    const response = await fetch(`${h.sandbox.paystack.url}/transfer/finalize_transfer`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.sandbox.paystack.secretKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ transfer_code: transferCode, otp }),
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    return response.status;
  }

  /**
   * The bank pays the transfer out, unless the double's own settle timer (a few seconds after
   * queueing, as live) already did: either way the transfer ends `success` exactly once.
   */
  function bankPays(reference: string): void {
    const [transfer] = h.transfersOf(reference);
    if (transfer?.status === 'pending') paystack().settleTransfer(reference, 'success');
    expect(h.transfersOf(reference)).toMatchObject([{ status: 'success' }]);
  }

  it('OTP-enabled account: the payout waits in pending_external for an operator, then completes once', async () => {
    const otpHeld = await heldTotal('otp');
    paystack().setOtpEnabled(true);
    try {
      const w = await h.awaitingPayment('2000');
      const reference = w.payout_reference ?? '';
      await h.walletPays(w, '2000');
      await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
      const [transfer] = h.transfersOf(reference);
      expect(transfer).toMatchObject({ status: 'otp' });
      const waiting = await h.row(w.id);
      expect(waiting).toMatchObject({
        status_message: 'Your naira is on its way to your bank.',
        payout_transfer_code: transfer?.transfer_code,
      });
      const reason = await db()
        .selectFrom('transaction_events')
        .select('reason')
        .where('transaction_id', '=', w.id)
        .where('to_status', '=', 'pending_external')
        .executeTakeFirstOrThrow();
      expect(reason.reason).toMatch(/OTP finalisation by an operator/);
      expect(await heldTotal('otp')).toBe(otpHeld + 1);

      // Reconciliation reads `otp` and waits: nothing is sent again, nothing settles.
      await runWithdrawalSweep(h.deps);
      await h.drain();
      expect((await h.row(w.id)).status).toBe('pending_external');
      expect(h.transfersOf(reference)).toMatchObject([{ status: 'otp' }]);

      // A wrong OTP is refused and changes nothing; the right one queues the transfer.
      expect(await operatorFinalises(transfer?.transfer_code ?? '', '000000')).toBe(400);
      expect(h.transfersOf(reference)).toMatchObject([{ status: 'otp' }]);
      expect(await operatorFinalises(transfer?.transfer_code ?? '', DOUBLE_OTP)).toBe(200);
      bankPays(reference);
      await h.settle(h.statusIs(w.id, 'completed'), 'completion after finalisation');

      expect(h.transfersOf(reference)).toHaveLength(1);
      expect(await heldTotal('otp')).toBe(otpHeld + 1);
      expect(await journalsOf(w.id)).toEqual(['withdrawal.received', 'withdrawal.paid_out']);
      expect(await h.imbalance()).toEqual([]);
    } finally {
      paystack().setOtpEnabled(false);
    }
  }, 90_000);

  it('a Paystack balance below the payout holds it on_hold; the sweep resumes it once topped up → completed', async () => {
    const balanceHeld = await heldTotal('paystack_balance');
    const fundedKobo = (paystack().snapshot() as { balance: number }).balance;
    paystack().setBalance(100_000); // ₦1,000: less than the ₦2,970 payout
    try {
      const w = await h.awaitingPayment('3000');
      const reference = w.payout_reference ?? '';
      await h.walletPays(w, '3000');
      await h.settle(h.statusIs(w.id, 'on_hold'), 'the balance hold');
      expect((await h.row(w.id)).status_message).toBe(BALANCE_HOLD_MESSAGE);
      expect(await heldTotal('paystack_balance')).toBe(balanceHeld + 1);
      expect(h.transfersOf(reference)).toHaveLength(0);

      // Still too low: the sweep reads the balance and leaves the payout held.
      expect((await runWithdrawalSweep(h.deps)).resumed).toBe(0);
      await h.drain();
      expect((await h.row(w.id)).status).toBe('on_hold');

      paystack().setBalance(fundedKobo);
      expect((await runWithdrawalSweep(h.deps)).resumed).toBe(1);
      expect((await h.row(w.id)).status).toBe('pending_anchor');
      await h.settle(h.statusIs(w.id, 'pending_external'), 'the resumed payout');
      bankPays(reference);
      await h.settle(h.statusIs(w.id, 'completed'), 'completion');

      const trail = await statusTrail(w.id);
      expect(trail.slice(trail.indexOf('on_hold'))).toEqual([
        'on_hold',
        'pending_anchor',
        'pending_external',
        'completed',
      ]);
      expect(h.transfersOf(reference)).toHaveLength(1);
      expect(await heldTotal('paystack_balance')).toBe(balanceHeld + 1);
      expect(await journalsOf(w.id)).toEqual(['withdrawal.received', 'withdrawal.paid_out']);
      expect(await h.imbalance()).toEqual([]);
    } finally {
      paystack().setBalance(fundedKobo);
    }
  }, 90_000);

  it('duplicated transfer webhooks: one payout, completed once, the inbox counts 2 deliveries', async () => {
    const w = await h.awaitingPayment('1500');
    const reference = w.payout_reference ?? '';
    paystack().setFaults({ webhooks: 'duplicate' });
    try {
      await h.walletPays(w, '1500');
      await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
      bankPays(reference);
      await h.settle(h.statusIs(w.id, 'completed'), 'completion');
      await h.drain();
    } finally {
      paystack().setFaults({ webhooks: 'none' });
    }
    const sent = paystack()
      .webhookDeliveries()
      .filter((d) => d.reference === reference);
    expect(sent.map((d) => [d.event, d.status])).toEqual([
      ['transfer.success', 'delivered'],
      ['transfer.success', 'delivered'],
    ]);
    const inbox = await inboxOf(reference);
    expect(inbox).toMatchObject([{ event: 'transfer.success', deliveries: 2 }]);
    expect(inbox[0]?.processed_at).not.toBeNull();
    // Every delivery is acted on (verified with Paystack), and the second changes nothing.
    const acted = await db()
      .selectFrom('jobs')
      .select(['dedupe_key', 'state'])
      .where('type', '=', 'paystack.webhook')
      .where('dedupe_key', 'like', `paystack.webhook:${inbox[0]?.id ?? ''}:%`)
      .orderBy('dedupe_key')
      .execute();
    expect(acted.map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
    expect((await h.row(w.id)).status).toBe('completed');
    expect(h.transfersOf(reference)).toHaveLength(1);
    expect(await journalsOf(w.id)).toEqual(['withdrawal.received', 'withdrawal.paid_out']);
    expect(await h.imbalance()).toEqual([]);
  }, 90_000);

  it('reordered webhooks (transfer.reversed delivered before transfer.success): refunded, the asset back, one payout', async () => {
    const before = await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset);
    const w = await h.awaitingPayment('1700');
    const reference = w.payout_reference ?? '';
    paystack().setFaults({ webhooks: 'reorder' });
    try {
      await h.walletPays(w, '1700');
      await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
      bankPays(reference);
      paystack().settleTransfer(reference, 'reversed');
      await h.drain();
      // Both words are held by the double: Rampart has heard nothing yet.
      expect((await h.row(w.id)).status).toBe('pending_external');
      expect(
        paystack()
          .webhookDeliveries()
          .filter((d) => d.reference === reference)
          .map((d) => [d.event, d.status]),
      ).toEqual([
        ['transfer.success', 'held'],
        ['transfer.reversed', 'held'],
      ]);
      await paystack().flushWebhooks();
    } finally {
      paystack().setFaults({ webhooks: 'none' });
    }
    await h.settle(h.statusIs(w.id, 'refunded'), 'the refund');
    expect((await inboxOf(reference)).map((r) => r.event)).toEqual(['transfer.reversed', 'transfer.success']);
    expect(await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset)).toBe(before);
    expect(transactionJson(h.deps, await h.row(w.id)).refunds).toMatchObject({
      amount_refunded: '1700.0000000',
      payments: [{ id_type: 'stellar' }],
    });
    expect(h.transfersOf(reference)).toMatchObject([{ status: 'reversed' }]);
    expect(await payoutJobs(w.id)).toHaveLength(1);
    expect(await statusTrail(w.id)).not.toContain('completed');
    expect(await h.imbalance()).toEqual([]);
  }, 90_000);

  it('reordered webhooks after reconciliation completed the payout: the reversal still refunds it, once', async () => {
    const before = await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset);
    const w = await h.awaitingPayment('1800');
    const reference = w.payout_reference ?? '';
    paystack().setFaults({ webhooks: 'reorder' });
    try {
      await h.walletPays(w, '1800');
      await h.settle(h.statusIs(w.id, 'pending_external'), 'the payout');
      bankPays(reference);
      // The success webhook is held; the sweep's verify finds the success on its own.
      await runWithdrawalSweep(h.deps);
      expect((await h.row(w.id)).status).toBe('completed');
      paystack().settleTransfer(reference, 'reversed');
      await paystack().flushWebhooks();
    } finally {
      paystack().setFaults({ webhooks: 'none' });
    }
    await h.settle(h.statusIs(w.id, 'refunded'), 'the refund after the reversal');
    expect((await inboxOf(reference)).map((r) => r.event)).toEqual(['transfer.reversed', 'transfer.success']);
    expect(await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset)).toBe(before);
    expect(h.transfersOf(reference)).toMatchObject([{ status: 'reversed' }]);
    expect(await payoutJobs(w.id)).toHaveLength(1);
    expect(await journalsOf(w.id)).toEqual([
      'withdrawal.received',
      'withdrawal.paid_out',
      'withdrawal.reversed',
      'withdrawal.refunded',
    ]);
    expect(await h.imbalance()).toEqual([]);
  }, 90_000);

  it('a payout job that died while Paystack was down is restarted by the sweep once stalled → completed once', async () => {
    const w = await h.awaitingPayment('1900');
    const reference = w.payout_reference ?? '';
    // Every attempt the job has verifies the reference first; each answer is a 503.
    const attempts = h.deps.jobMaxAttempts;
    expect(attempts).toBeLessThanOrEqual(FAULTS_MAX);
    for (let i = 0; i < attempts; i += 1)
      paystack().setFaults({ failNext: { path: `/transfer/verify/${reference}`, status: 503 } });
    await h.walletPays(w, '1900');
    await h.settle(
      async () => (await payoutJobs(w.id)).some((j) => j.state === 'dead'),
      'the payout job to use up its attempts',
    );
    const [dead] = await payoutJobs(w.id);
    expect(dead?.last_error).toMatch(/Paystack did not answer/);
    expect((paystack().snapshot() as { faults: { armed: unknown[] } }).faults.armed).toEqual([]);
    expect((await h.row(w.id)).status).toBe('pending_anchor');
    expect(h.transfersOf(reference)).toHaveLength(0);

    // Not stalled yet: the sweep leaves it alone.
    expect((await runWithdrawalSweep(h.deps)).restarted).toBe(0);
    expect(await payoutJobs(w.id)).toHaveLength(1);

    await db()
      .updateTable('transactions')
      .set({ updated_at: new Date(Date.now() - stallMs(h.deps) - 60_000) })
      .where('id', '=', w.id)
      .execute();
    expect((await runWithdrawalSweep(h.deps)).restarted).toBe(1);
    const jobs = await payoutJobs(w.id);
    expect(jobs.map((j) => j.state)).toEqual(['dead', 'pending']);
    expect(jobs[1]?.dedupe_key).toMatch(new RegExp(`^${PAYOUT_JOB}:${w.id}:[0-9]+:[0-9]+$`));

    await h.settle(h.statusIs(w.id, 'pending_external'), 'the restarted payout');
    bankPays(reference);
    await h.settle(h.statusIs(w.id, 'completed'), 'completion');
    expect(h.transfersOf(reference)).toHaveLength(1);
    expect((await payoutJobs(w.id)).map((j) => j.state)).toEqual(['dead', 'succeeded']);
    expect(await journalsOf(w.id)).toEqual(['withdrawal.received', 'withdrawal.paid_out']);
    expect(await h.imbalance()).toEqual([]);
  }, 90_000);

  // Paystack debits the amount plus its transfer fee (₦10–₦50): a balance between the two must not
  // resume the payout, or Paystack refuses it again and it is re-held (and re-alerted) every sweep.
  it("a balance that covers the payout but not Paystack's transfer fee keeps it held, without a refused retry each sweep", async () => {
    const balanceHeld = await heldTotal('paystack_balance');
    const fundedKobo = (paystack().snapshot() as { balance: number }).balance;
    const w = await h.awaitingPayment('3000');
    const reference = w.payout_reference ?? '';
    let holds: number;
    paystack().setBalance(100_000);
    try {
      await h.walletPays(w, '3000');
      await h.settle(h.statusIs(w.id, 'on_hold'), 'the balance hold');
      // ₦2,970 exactly: the payout, without the ₦10 Paystack charges for it.
      paystack().setBalance(Number(w.amount_out_minor));
      for (let pass = 0; pass < 2; pass += 1) {
        await runWithdrawalSweep(h.deps);
        await h.drain();
      }
      expect((await h.row(w.id)).status).toBe('on_hold');
      holds = (await heldTotal('paystack_balance')) - balanceHeld;
    } finally {
      paystack().setBalance(fundedKobo);
    }
    // Funded for real: it completes, whatever happened before — one transfer, balanced.
    expect((await runWithdrawalSweep(h.deps)).resumed).toBe(1);
    await h.settle(h.statusIs(w.id, 'pending_external'), 'the resumed payout');
    bankPays(reference);
    await h.settle(h.statusIs(w.id, 'completed'), 'completion');
    expect(h.transfersOf(reference)).toHaveLength(1);
    expect(await h.imbalance()).toEqual([]);
    // The behaviour under test, asserted last so the withdrawal above is always completed.
    expect((await statusTrail(w.id)).filter((s) => s === 'on_hold')).toHaveLength(1);
    expect(holds).toBe(1);
  }, 90_000);
});
