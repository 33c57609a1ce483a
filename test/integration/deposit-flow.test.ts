/**
 * Deposits end to end inside one process, against the Horizon and Paystack doubles over real HTTP:
 * open → ask for naira → pay on the Paystack double → webhook → verify → ledger → Stellar payment →
 * `completed`; then each fault the outside world can throw, each asserting exactly one Stellar
 * payment (or none) and a balanced ledger.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { openDeposit, paymentLink, requestDepositPayment } from '../../src/flows/deposit/index.js';
import { runSweep } from '../../src/flows/deposit/sweep.js';
import { runDelivery } from '../../src/flows/deposit/delivery.js';
import { createStellarRail, type StellarRail } from '../../src/flows/transfers/stellar-rail.js';
import { transactionJson } from '../../src/flows/transfers/view.js';
import type { TransactionRow } from '../../src/flows/state-machine.js';
import { ledgerBalances } from '../../src/platform/ledger-store.js';
import { databaseKinds } from '../support/databases.js';
import { startDepositHarness, type DepositHarness } from '../support/deposit-harness.js';

describe.each(databaseKinds)('deposits on %s', (kind) => {
  let h: DepositHarness;

  beforeAll(async () => {
    h = await startDepositHarness(kind, {
      STELLAR_CREATE_ACCOUNT_XLM: '2.5',
      // A dropped envelope is rebuilt once its max time has passed: keep that short here.
      STELLAR_TX_VALIDITY_S: '5',
      STELLAR_SUBMIT_RESOLVE_MS: '8000',
    });
    await h.verify(h.wallet.publicKey());
  }, 60_000);

  afterAll(async () => {
    await h.close();
  });

  const row = async (id: string): Promise<TransactionRow> =>
    h.test.runtime.database.db
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  /** A deposit of `amount` naira waiting for payment, with its checkout initialised. */
  async function awaitingPayment(
    amount = '5000',
    options: { account?: string; subject?: string; claimable?: boolean } = {},
  ): Promise<TransactionRow> {
    const subject = options.subject ?? h.wallet.publicKey();
    const opened = await openDeposit(h.deps, {
      protocol: 'sep24',
      identity: h.identityOf(subject),
      assetCode: 'NGNC',
      amount,
      ...(options.account === undefined ? {} : { account: options.account }),
      claimableBalanceSupported: options.claimable ?? false,
    });
    const asked = await requestDepositPayment(h.deps, opened.id, { actor: 'test' });
    const link = await paymentLink(h.deps, asked);
    expect(link.ok).toBe(true);
    return row(opened.id);
  }

  async function pay(deposit: TransactionRow): Promise<void> {
    h.sandbox.paystack.control.payTransaction(deposit.paystack_reference ?? '');
    await h.drain();
  }

  async function expectBalancedLedger(): Promise<void> {
    expect(await h.imbalance()).toEqual([]);
  }

  it('pays the naira token: fee out of the naira, the rest delivered once, books balanced', async () => {
    const before = (await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset)) ?? 0n;
    const deposit = await awaitingPayment('5000');
    // FEES_NGN_DEPOSIT default: ₦100 + 1.5 % (₦75) = ₦175.
    expect(deposit).toMatchObject({
      status: 'pending_user_transfer_start',
      amount_in_minor: '500000',
      amount_fee_minor: '17500',
      amount_out_minor: String(482_500n * 100_000n),
    });
    await pay(deposit);
    const done = await row(deposit.id);
    expect(done.status).toBe('completed');
    expect(done.stellar_transaction_id).toMatch(/^[0-9a-f]{64}$/);
    expect(done.completed_at).not.toBeNull();
    const after = await h.balanceStroops(h.wallet.publicKey(), h.ngnAsset);
    expect(after).toBe(before + 48_250_000_000n);
    const view = transactionJson(h.deps, done);
    expect(view).toMatchObject({
      status: 'completed',
      amount_in: '5000.00',
      amount_in_asset: 'iso4217:NGN',
      amount_fee: '175.00',
      amount_out: '4825.0000000',
      fee_details: { total: '175.00', asset: 'iso4217:NGN' },
      stellar_transaction_id: done.stellar_transaction_id,
      external_transaction_id: deposit.paystack_reference,
    });
    await expectBalancedLedger();
    const balances = await ledgerBalances(h.test.runtime.database.db);
    const fees = balances.find((b) => b.account === 'income:fees:deposits' && b.currency === 'NGN');
    expect(fees?.balanceMinor).toBeLessThanOrEqual(-17_500n);
  }, 30_000);

  it('a duplicated webhook changes nothing the second time', async () => {
    h.sandbox.paystack.control.setFaults({ webhooks: 'duplicate' });
    try {
      const deposit = await awaitingPayment('1000');
      const before = (await h.paymentsTo(h.wallet.publicKey())).length;
      await pay(deposit);
      expect((await row(deposit.id)).status).toBe('completed');
      expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(before + 1);
      const inbox = await h.test.runtime.database.db
        .selectFrom('paystack_webhooks')
        .select(['deliveries'])
        .where('reference', '=', deposit.paystack_reference)
        .executeTakeFirstOrThrow();
      expect(inbox.deliveries).toBe(2);
      await expectBalancedLedger();
    } finally {
      h.sandbox.paystack.control.setFaults({ webhooks: 'none' });
    }
  }, 30_000);

  it('a webhook that verify does not back changes nothing; the real payment then completes', async () => {
    const deposit = await awaitingPayment('1200');
    // Signed correctly (the secret is known here), but Paystack's verify still says "abandoned".
    const body = JSON.stringify({
      event: 'charge.success',
      data: {
        reference: deposit.paystack_reference,
        status: 'success',
        amount: 120_000,
        currency: 'NGN',
        channel: 'card',
      },
    });
    const secret = h.test.runtime.config.paystackSecretKey ?? '';
    const answer = await fetch(
      `${h.context.config.publicUrl.origin.replace('localhost', '127.0.0.1')}/webhooks/paystack`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-paystack-signature': createHmac('sha512', secret).update(body).digest('hex'),
        },
        body,
      },
    );
    expect(answer.status).toBe(200);
    await h.drain();
    expect((await row(deposit.id)).status).toBe('pending_user_transfer_start');
    expect((await row(deposit.id)).funds_received_at).toBeNull();
    const before = (await h.paymentsTo(h.wallet.publicKey())).length;
    await pay(deposit);
    expect((await row(deposit.id)).status).toBe('completed');
    expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(before + 1);
    await expectBalancedLedger();
  }, 30_000);

  it('a forged signature is refused and changes nothing', async () => {
    const deposit = await awaitingPayment('1300');
    const body = JSON.stringify({
      event: 'charge.success',
      data: { reference: deposit.paystack_reference, status: 'success', amount: 130_000, currency: 'NGN' },
    });
    const inboxBefore = await h.test.runtime.database.db
      .selectFrom('paystack_webhooks')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    for (const signature of [
      '0'.repeat(128),
      createHmac('sha512', 'sk_test_wrong').update(body).digest('hex'),
      undefined,
    ]) {
      const answer = await fetch(
        `http://127.0.0.1:${new URL(h.sandbox.rampartEnv['PUBLIC_URL'] ?? '').port}/webhooks/paystack`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(signature === undefined ? {} : { 'x-paystack-signature': signature }),
          },
          body,
        },
      );
      expect(answer.status).toBe(401);
    }
    const inboxAfter = await h.test.runtime.database.db
      .selectFrom('paystack_webhooks')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(inboxAfter.n).toBe(inboxBefore.n);
    await h.drain();
    expect((await row(deposit.id)).status).toBe('pending_user_transfer_start');
  }, 30_000);

  it('Paystack addresses are not rate limited: a burst of deliveries is never answered 429', async () => {
    const port = new URL(h.sandbox.rampartEnv['PUBLIC_URL'] ?? '').port;
    const limit = h.test.runtime.config.rateLimitPerMinute;
    const statuses = await Promise.all(
      Array.from({ length: limit + 10 }, () =>
        fetch(`http://127.0.0.1:${port}/webhooks/paystack`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-paystack-signature': '0'.repeat(128) },
          body: '{}',
        }).then((r) => r.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([401]));
  }, 30_000);

  it('a lost webhook is found by reconciliation', async () => {
    h.sandbox.paystack.control.setFaults({ webhooks: 'drop' });
    const deposit = await awaitingPayment('1400');
    const before = (await h.paymentsTo(h.wallet.publicKey())).length;
    try {
      await pay(deposit);
      expect((await row(deposit.id)).status).toBe('pending_user_transfer_start');
    } finally {
      h.sandbox.paystack.control.setFaults({ webhooks: 'none' });
    }
    const report = await runSweep(h.deps);
    expect(report.credited).toBeGreaterThanOrEqual(1);
    await h.drain();
    expect((await row(deposit.id)).status).toBe('completed');
    expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(before + 1);
    await expectBalancedLedger();
  }, 30_000);

  it.each(['timeout_landed', 'timeout_dropped'] as const)(
    'a Horizon %s still pays exactly once',
    async (fault) => {
      const deposit = await awaitingPayment('1500');
      const before = (await h.paymentsTo(h.wallet.publicKey())).length;
      h.sandbox.horizon.control.setFaults({ submit: fault, timeoutMs: 200 });
      try {
        h.sandbox.paystack.control.payTransaction(deposit.paystack_reference ?? '');
        await h.drain();
      } finally {
        h.sandbox.horizon.control.setFaults({ submit: 'none' });
      }
      // A dropped envelope is rebuilt only after its max time passed on the network: keep draining.
      for (let i = 0; i < 40 && (await row(deposit.id)).status !== 'completed'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await h.test.runtime.database.db
          .updateTable('jobs')
          .set({ run_at: new Date() })
          .where('state', '=', 'pending')
          .execute();
        await h.drain();
      }
      expect((await row(deposit.id)).status).toBe('completed');
      expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(before + 1);
      await expectBalancedLedger();
    },
    60_000,
  );

  it('a worker killed between the pending_stellar commit and the submission pays once on retry', async () => {
    const deposit = await awaitingPayment('1600');
    const before = (await h.paymentsTo(h.wallet.publicKey())).length;
    const rail = createStellarRail(
      h.test.runtime.config,
      h.test.runtime.database.db,
      h.context.horizon,
      h.test.runtime.logger,
    );
    if (rail === undefined) throw new Error('no rail');
    let killed = false;
    const dying: StellarRail = {
      ...rail,
      submitter: {
        ...rail.submitter,
        submitPayment: async (request) => {
          if (!killed) {
            killed = true;
            throw new Error('worker killed');
          }
          return rail.submitter.submitPayment(request);
        },
      },
    };
    // Funding runs as usual (webhook job), then delivery dies after committing pending_stellar.
    h.sandbox.paystack.control.payTransaction(deposit.paystack_reference ?? '');
    await h.sandbox.paystack.control.webhooksIdle();
    const db = h.test.runtime.database.db;
    for (let i = 0; i < 50 && (await row(deposit.id)).status !== 'pending_anchor'; i += 1) {
      const job = await db
        .selectFrom('jobs')
        .select(['id'])
        .where('type', '=', 'paystack.webhook')
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (job === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      else {
        const { paystackWebhookJob } = await import('../../src/flows/webhooks/paystack.js');
        const inbox = await db
          .selectFrom('jobs')
          .select(['payload'])
          .where('id', '=', job.id)
          .executeTakeFirstOrThrow();
        await paystackWebhookJob(h.deps)(
          { id: job.id, type: 'paystack.webhook', payload: inbox.payload, attempt: 1, maxAttempts: 1 },
          { signal: new AbortController().signal, logger: h.test.runtime.logger },
        );
        await db.updateTable('jobs').set({ state: 'succeeded' }).where('id', '=', job.id).execute();
      }
    }
    expect((await row(deposit.id)).status).toBe('pending_anchor');
    await expect(runDelivery({ ...h.deps, rail: dying }, deposit.id)).rejects.toThrow('worker killed');
    expect((await row(deposit.id)).status).toBe('pending_stellar');
    await runDelivery({ ...h.deps, rail: dying }, deposit.id);
    expect((await row(deposit.id)).status).toBe('completed');
    await h.drain();
    expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(before + 1);
    await expectBalancedLedger();
  }, 30_000);

  it('waits in pending_trust without a trustline, then delivers once the trustline is added', async () => {
    const holder = Keypair.random();
    h.sandbox.horizon.control.createAccount({ accountId: holder.publicKey() });
    await h.verify(holder.publicKey());
    const deposit = await awaitingPayment('1700', { subject: holder.publicKey() });
    await pay(deposit);
    const waiting = await row(deposit.id);
    expect(waiting.status).toBe('pending_trust');
    expect(waiting.status_message).toContain('trustline');
    await runSweep(h.deps);
    expect((await row(deposit.id)).status).toBe('pending_trust');
    h.sandbox.horizon.control.setTrustline({ accountId: holder.publicKey(), asset: h.ngnAsset });
    await runSweep(h.deps);
    await h.drain();
    expect((await row(deposit.id)).status).toBe('completed');
    expect(await h.balanceStroops(holder.publicKey(), h.ngnAsset)).toBe(
      BigInt(waiting.amount_out_minor ?? '0'),
    );
    await expectBalancedLedger();
  }, 30_000);

  it('sends a claimable balance when the wallet supports them and there is no trustline', async () => {
    const holder = Keypair.random();
    h.sandbox.horizon.control.createAccount({ accountId: holder.publicKey() });
    await h.verify(holder.publicKey());
    const deposit = await awaitingPayment('1800', { subject: holder.publicKey(), claimable: true });
    await pay(deposit);
    const done = await row(deposit.id);
    expect(done.status).toBe('completed');
    expect(done.claimable_balance_id).toMatch(/^[0-9a-f]{72}$/);
    expect(transactionJson(h.deps, done).claimable_balance_id).toBe(done.claimable_balance_id);
    await expectBalancedLedger();
  }, 30_000);

  it('creates a missing destination account, then waits for its trustline', async () => {
    const fresh = Keypair.random();
    const deposit = await awaitingPayment('1900', { account: fresh.publicKey() });
    await pay(deposit);
    expect((await row(deposit.id)).status).toBe('pending_trust');
    expect(await h.balanceStroops(fresh.publicKey(), 'native')).toBe(25_000_000n);
    await expectBalancedLedger();
  }, 30_000);

  it('expires an unpaid deposit; naira paid afterwards is refunded through Paystack, never delivered', async () => {
    const deposit = await awaitingPayment('2000');
    const db = h.test.runtime.database.db;
    await db
      .updateTable('transactions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', deposit.id)
      .execute();
    await runSweep(h.deps);
    expect((await row(deposit.id)).status).toBe('expired');
    const before = (await h.paymentsTo(h.wallet.publicKey())).length;
    await pay(deposit);
    for (let i = 0; i < 40 && (await row(deposit.id)).status !== 'refunded'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await db.updateTable('jobs').set({ run_at: new Date() }).where('state', '=', 'pending').execute();
      await h.drain();
    }
    const refunded = await row(deposit.id);
    expect(refunded.status).toBe('refunded');
    expect(transactionJson(h.deps, refunded).refunds).toMatchObject({
      amount_refunded: '2000.00',
      payments: [{ id_type: 'external', amount: '2000.00' }],
    });
    expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(before);
    const events = await db
      .selectFrom('transaction_events')
      .select(['from_status', 'to_status'])
      .where('transaction_id', '=', deposit.id)
      .orderBy('version')
      .execute();
    expect(events.map((e) => e.to_status)).toEqual([
      'incomplete',
      'pending_user_transfer_start',
      'expired',
      'pending_anchor',
      'pending_external',
      'refunded',
    ]);
    await expectBalancedLedger();
  }, 30_000);

  it('holds a payment whose amount differs from the one asked', async () => {
    const deposit = await awaitingPayment('2100');
    h.sandbox.paystack.control.payTransaction(deposit.paystack_reference ?? '', { amountKobo: 200_000n });
    await h.drain();
    const held = await row(deposit.id);
    expect(held.status).toBe('on_hold');
    expect(held.status_message).toContain('₦2000.00 arrived but ₦2100.00 was asked');
    expect(held.funds_received_at).not.toBeNull();
    await expectBalancedLedger();
  }, 30_000);
});
