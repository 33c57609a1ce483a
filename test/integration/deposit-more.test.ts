/**
 * More deposit journeys against the Horizon and Paystack doubles, in-process (see
 * deposit-flow.test.ts for the main path): the wallet's `on_change_callback` (one signed POST per
 * status change, retried while the wallet answers 500), waiting for liquidity on the distribution
 * account, late payments under DEPOSIT_LATE_PAYMENT=hold, the tier-1 daily limit checked again when
 * the naira arrives, and the sweep restarting a delivery whose job died. Each asserts exactly one
 * Stellar payment (or none) and a balanced ledger.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { openDeposit, paymentLink, requestDepositPayment } from '../../src/flows/deposit/index.js';
import { runSweep } from '../../src/flows/deposit/sweep.js';
import { DEPOSIT_DELIVER_JOB } from '../../src/flows/deposit/job-types.js';
import { jobHandlers } from '../../src/flows/handlers.js';
import { TRANSFER_CALLBACK_JOB, type TransactionRow } from '../../src/flows/state-machine.js';
import { stallMs } from '../../src/flows/transfers/deps.js';
import { sep10SigningKeypair } from '../../src/sep/sep10/signing-key.js';
import type { JobHandlers } from '../../src/platform/outbox/worker.js';
import { databaseKinds } from '../support/databases.js';
import { startDepositHarness, type DepositHarness } from '../support/deposit-harness.js';

const CUSTOMER_DEPOSITS = 'liabilities:customers:deposits';
const STROOPS_PER_UNIT = 10_000_000n;
/** The machine running the suite may be loaded: poll for a long while before giving up. */
const POLL_ROUNDS_MAX = 80;
const POLL_PAUSE_MS = 250;

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Stroops as the Horizon double reads a balance (`123.4567890`). */
function stroopsText(stroops: bigint): string {
  return `${stroops / STROOPS_PER_UNIT}.${(stroops % STROOPS_PER_UNIT).toString().padStart(7, '0')}`;
}

async function rowOf(h: DepositHarness, id: string): Promise<TransactionRow> {
  return h.test.runtime.database.db
    .selectFrom('transactions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** A deposit of `amount` naira for `subject`, waiting for payment, with its checkout initialised. */
async function awaitingPayment(
  h: DepositHarness,
  amount: string,
  options: { subject?: string; onChangeCallback?: string } = {},
): Promise<TransactionRow> {
  const subject = options.subject ?? h.wallet.publicKey();
  const opened = await openDeposit(h.deps, {
    protocol: 'sep24',
    identity: h.identityOf(subject),
    assetCode: 'NGNC',
    amount,
    claimableBalanceSupported: false,
    ...(options.onChangeCallback === undefined ? {} : { onChangeCallback: options.onChangeCallback }),
  });
  const asked = await requestDepositPayment(h.deps, opened.id, { actor: 'test' });
  const link = await paymentLink(h.deps, asked);
  expect(link.ok).toBe(true);
  return rowOf(h, opened.id);
}

/** Backoff and re-check delays are seconds long: make every waiting job due now. */
async function makeJobsDue(h: DepositHarness): Promise<void> {
  await h.test.runtime.database.db
    .updateTable('jobs')
    .set({ run_at: new Date() })
    .where('state', '=', 'pending')
    .execute();
}

/** Drains, then keeps making jobs due and draining until `done` holds (or the rounds run out). */
async function driveUntil(
  h: DepositHarness,
  done: () => Promise<boolean>,
  handlers?: JobHandlers,
): Promise<void> {
  await h.drain(handlers);
  for (let round = 0; round < POLL_ROUNDS_MAX && !(await done()); round += 1) {
    await sleep(POLL_PAUSE_MS);
    await makeJobsDue(h);
    await h.drain(handlers);
  }
}

async function statusesOf(h: DepositHarness, id: string): Promise<string[]> {
  const events = await h.test.runtime.database.db
    .selectFrom('transaction_events')
    .select(['to_status'])
    .where('transaction_id', '=', id)
    .orderBy('version')
    .execute();
  return events.map((e) => e.to_status);
}

/** The value of a counter or gauge series with exactly these labels (beyond the default ones). */
async function metricValue(
  h: DepositHarness,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<number> {
  const metric = h.test.runtime.metrics.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  const series = values.find((v) =>
    Object.entries(labels).every(([key, value]) => (v.labels as Record<string, unknown>)[key] === value),
  );
  return series?.value ?? 0;
}

/** Postings of this deposit's journals on `account`, summed (credits are negative). */
async function postedOn(h: DepositHarness, transactionId: string, account: string): Promise<bigint> {
  const rows = await h.test.runtime.database.db
    .selectFrom('ledger_postings')
    .innerJoin('ledger_journals', 'ledger_journals.id', 'ledger_postings.journal_id')
    .select(['ledger_postings.amount_minor'])
    .where('ledger_journals.transaction_id', '=', transactionId)
    .where('ledger_postings.account', '=', account)
    .execute();
  return rows.reduce((sum, r) => sum + BigInt(r.amount_minor), 0n);
}

/** A Stellar account on the Horizon double with an NGNC trustline, and a tier-1 SEP-12 record. */
async function freshCustomer(h: DepositHarness): Promise<Keypair> {
  const holder = Keypair.random();
  h.sandbox.horizon.control.createAccount({ accountId: holder.publicKey() });
  h.sandbox.horizon.control.setTrustline({ accountId: holder.publicKey(), asset: h.ngnAsset });
  await h.verify(holder.publicKey());
  return holder;
}

interface ReceivedCallback {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly answered: number;
}

interface WalletServer {
  readonly url: string;
  readonly received: ReceivedCallback[];
  close(): Promise<void>;
}

/** A wallet's callback endpoint on loopback: answers 500 to the first `failFirst` POSTs, then 200. */
async function startWalletServer(failFirst = 0): Promise<WalletServer> {
  const received: ReceivedCallback[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answered = received.length < failFirst ? 500 : 200;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rampart/callback`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
        server.closeAllConnections();
      }),
  };
}

/** SEP-24 "VERIFY signature": `Signature: t=<unix>, s=<base64>` over `t.host.body` with SIGNING_KEY. */
function signatureVerifies(
  signingKey: string,
  header: string | undefined,
  host: string,
  body: string,
): boolean {
  const match = /^t=(\d+), s=([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (match === null) return false;
  const [, timestamp = '', signature = ''] = match;
  return Keypair.fromPublicKey(signingKey).verify(
    Buffer.from(`${timestamp}.${host}.${body}`, 'utf8'),
    Buffer.from(signature, 'base64'),
  );
}

function timestampOf(header: string | undefined): number {
  return Number(/^t=(\d+),/.exec(header ?? '')?.[1] ?? 'NaN');
}

/** stellar.toml's SIGNING_KEY, as a wallet reads it. */
async function publishedSigningKey(h: DepositHarness): Promise<string> {
  const answer = await h.test.app.inject({ method: 'GET', url: '/.well-known/stellar.toml' });
  expect(answer.statusCode).toBe(200);
  const key = /^SIGNING_KEY\s*=\s*"(G[A-Z2-7]{55})"/m.exec(answer.body)?.[1];
  if (key === undefined) throw new Error('stellar.toml has no SIGNING_KEY');
  return key;
}

describe.each(databaseKinds)('more deposits on %s', (kind) => {
  describe('with the default policies', () => {
    let h: DepositHarness;
    /** Every handler but delivery: funding runs, the deliver job waits (or is killed by the test). */
    let withoutDelivery: JobHandlers;

    beforeAll(async () => {
      h = await startDepositHarness(kind, { TRANSFER_CALLBACK_TIMEOUT_MS: '5000' });
      await h.verify(h.wallet.publicKey());
      const { [DEPOSIT_DELIVER_JOB]: _deliver, ...rest } = jobHandlers(h.context);
      withoutDelivery = rest;
    }, 60_000);

    afterAll(async () => {
      await h.close();
    });

    async function expectBalancedLedger(): Promise<void> {
      expect(await h.imbalance()).toEqual([]);
    }

    it('POSTs one signed callback per status change to on_change_callback, each verifiable with SIGNING_KEY', async () => {
      const wallet = await startWalletServer();
      try {
        const signingKey = await publishedSigningKey(h);
        // The key stellar.toml publishes is the one the code derives for SEP-10.
        expect(sep10SigningKeypair(h.context.config, h.context.jwtSecret).publicKey()).toBe(signingKey);
        const before = (await h.paymentsTo(h.wallet.publicKey())).length;
        const deposit = await awaitingPayment(h, '2500', { onChangeCallback: wallet.url });
        expect(deposit.on_change_callback).toBe(wallet.url);

        // Step by step, so each callback runs while the row is in the status it announces.
        await driveUntil(h, () => Promise.resolve(wallet.received.length > 0));
        expect(wallet.received).toHaveLength(1);
        h.sandbox.paystack.control.payTransaction(deposit.paystack_reference ?? '');
        await driveUntil(
          h,
          async () => (await rowOf(h, deposit.id)).status === 'pending_anchor' && wallet.received.length > 1,
          withoutDelivery,
        );
        expect((await rowOf(h, deposit.id)).status).toBe('pending_anchor');
        expect(wallet.received).toHaveLength(2);
        await driveUntil(h, async () => (await rowOf(h, deposit.id)).status === 'completed');
        await h.drain();
        expect((await rowOf(h, deposit.id)).status).toBe('completed');

        // One POST per status change after creation (`incomplete` is where the row starts).
        const changes = (await statusesOf(h, deposit.id)).slice(1);
        expect(changes).toEqual([
          'pending_user_transfer_start',
          'pending_anchor',
          'pending_stellar',
          'completed',
        ]);
        expect(wallet.received).toHaveLength(changes.length);
        const host = new URL(wallet.url).host;
        const nowSeconds = Date.now() / 1000;
        const seen: string[] = [];
        for (const callback of wallet.received) {
          expect(callback.headers['content-type']).toBe('application/json');
          const parsed = JSON.parse(callback.body) as { transaction: { id: string; status: string } };
          expect(parsed.transaction).toMatchObject({ id: deposit.id, kind: 'deposit' });
          seen.push(parsed.transaction.status);
          const header = callback.headers['signature'];
          expect(typeof header).toBe('string');
          const signature = typeof header === 'string' ? header : undefined;
          expect(signatureVerifies(signingKey, signature, host, callback.body)).toBe(true);
          // Fresh, as a wallet checks (1–2 minutes at most).
          expect(Math.abs(nowSeconds - timestampOf(signature))).toBeLessThan(120);
          // The negative space: another key, another host or another body does not verify.
          expect(signatureVerifies(Keypair.random().publicKey(), signature, host, callback.body)).toBe(false);
          expect(signatureVerifies(signingKey, signature, 'wallet.example', callback.body)).toBe(false);
          expect(signatureVerifies(signingKey, signature, host, `${callback.body} `)).toBe(false);
        }
        // Each callback carries the row as it is when sent: the first two ran while the row waited
        // in their status; the delivery's two may both read `completed` (the submission is awaited).
        expect(seen[0]).toBe('pending_user_transfer_start');
        expect(seen[1]).toBe('pending_anchor');
        expect(['pending_stellar', 'completed']).toContain(seen[2]);
        expect(seen[3]).toBe('completed');
        const last = JSON.parse(wallet.received.at(-1)?.body ?? '{}') as {
          transaction?: { stellar_transaction_id?: string };
        };
        expect(last.transaction?.stellar_transaction_id).toBe(
          (await rowOf(h, deposit.id)).stellar_transaction_id,
        );

        expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(before + 1);
        await expectBalancedLedger();
      } finally {
        await wallet.close();
      }
    }, 60_000);

    it('retries a callback the wallet answers with 500 until the wallet takes it', async () => {
      const wallet = await startWalletServer(2);
      try {
        const signingKey = await publishedSigningKey(h);
        const deposit = await awaitingPayment(h, '2600', { onChangeCallback: wallet.url });
        await h.drain();
        // The first attempt failed and the job waits for its backoff: nothing is given up.
        expect(wallet.received.map((r) => r.answered)).toEqual([500]);
        const db = h.test.runtime.database.db;
        const waiting = await db
          .selectFrom('jobs')
          .select(['state', 'attempts', 'last_error'])
          .where('type', '=', TRANSFER_CALLBACK_JOB)
          .where('dedupe_key', 'like', `${TRANSFER_CALLBACK_JOB}:${deposit.id}:%`)
          .executeTakeFirstOrThrow();
        expect(waiting).toMatchObject({ state: 'pending', attempts: 1 });
        expect(waiting.last_error).toContain('500');

        await driveUntil(h, () => Promise.resolve(wallet.received.some((r) => r.answered === 200)));
        expect(wallet.received.map((r) => r.answered)).toEqual([500, 500, 200]);
        const done = await db
          .selectFrom('jobs')
          .select(['state', 'attempts', 'last_error'])
          .where('type', '=', TRANSFER_CALLBACK_JOB)
          .where('dedupe_key', 'like', `${TRANSFER_CALLBACK_JOB}:${deposit.id}:%`)
          .executeTakeFirstOrThrow();
        expect(done).toEqual({ state: 'succeeded', attempts: 3, last_error: null });
        const delivered = wallet.received.at(-1);
        expect(delivered).toBeDefined();
        const header = delivered?.headers['signature'];
        expect(
          signatureVerifies(
            signingKey,
            typeof header === 'string' ? header : undefined,
            new URL(wallet.url).host,
            delivered?.body ?? '',
          ),
        ).toBe(true);
        expect(JSON.parse(delivered?.body ?? '{}')).toMatchObject({
          transaction: { id: deposit.id, status: 'pending_user_transfer_start' },
        });
        // Each retry is signed afresh: a new timestamp (or the same second), never an older one.
        const stamps = wallet.received.map((r) =>
          timestampOf(typeof r.headers['signature'] === 'string' ? r.headers['signature'] : undefined),
        );
        expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
        await expectBalancedLedger();
      } finally {
        await wallet.close();
      }
    }, 60_000);

    it('waits in pending_anchor while the distribution account is short, then delivers once topped up', async () => {
      const distribution = h.sandbox.manifest('').distributionAccount;
      const original = await h.balanceStroops(distribution, h.ngnAsset);
      if (original === null) throw new Error('the distribution account has no NGNC trustline');
      const payments = (await h.paymentsTo(h.wallet.publicKey())).length;
      const deposit = await awaitingPayment(h, '3000');
      const amountOut = BigInt(deposit.amount_out_minor ?? '0');
      expect(amountOut).toBeGreaterThan(100n * STROOPS_PER_UNIT);
      h.sandbox.horizon.control.setTrustline({
        accountId: distribution,
        asset: h.ngnAsset,
        balance: '100.0000000',
      });
      try {
        h.sandbox.paystack.control.payTransaction(deposit.paystack_reference ?? '');
        await driveUntil(
          h,
          async () => (await rowOf(h, deposit.id)).status_message?.includes('top up') === true,
        );
        const waiting = await rowOf(h, deposit.id);
        expect(waiting.status).toBe('pending_anchor');
        expect(waiting.funds_received_at).not.toBeNull();
        expect(waiting.status_message).toContain('Waiting for the anchor to top up');
        expect(await metricValue(h, 'rampart_distribution_balance', { asset: 'NGNC' })).toBe(100);
        expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(payments);
        const events = (await statusesOf(h, deposit.id)).length;

        // The re-check (after DEPOSIT_RECHECK_S) finds it still short: one more look later, no new event.
        await makeJobsDue(h);
        await h.drain();
        expect((await rowOf(h, deposit.id)).status).toBe('pending_anchor');
        expect(await statusesOf(h, deposit.id)).toHaveLength(events);
        const rechecks = await h.test.runtime.database.db
          .selectFrom('jobs')
          .select(['id'])
          .where('type', '=', DEPOSIT_DELIVER_JOB)
          .where('state', '=', 'pending')
          .where('dedupe_key', 'like', `${DEPOSIT_DELIVER_JOB}:${deposit.id}:%`)
          .execute();
        expect(rechecks).toHaveLength(1);
        expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(payments);

        h.sandbox.horizon.control.setTrustline({
          accountId: distribution,
          asset: h.ngnAsset,
          balance: stroopsText(original),
        });
        await driveUntil(h, async () => (await rowOf(h, deposit.id)).status === 'completed');
        const done = await rowOf(h, deposit.id);
        expect(done.status).toBe('completed');
        expect(done.status_message).toBeNull();
        expect(await statusesOf(h, deposit.id)).toEqual([
          'incomplete',
          'pending_user_transfer_start',
          'pending_anchor',
          'pending_anchor',
          'pending_stellar',
          'completed',
        ]);
        expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(payments + 1);
        expect(await h.balanceStroops(distribution, h.ngnAsset)).toBe(original - amountOut);
        expect(await metricValue(h, 'rampart_distribution_balance', { asset: 'NGNC' })).toBe(
          Number(stroopsText(original)),
        );
        await expectBalancedLedger();
      } finally {
        const now = (await h.balanceStroops(distribution, h.ngnAsset)) ?? 0n;
        if (now < original - amountOut)
          h.sandbox.horizon.control.setTrustline({
            accountId: distribution,
            asset: h.ngnAsset,
            balance: stroopsText(original),
          });
      }
    }, 60_000);

    it('the sweep restarts a funded deposit whose delivery job died, and it is paid once', async () => {
      const db = h.test.runtime.database.db;
      const payments = (await h.paymentsTo(h.wallet.publicKey())).length;
      const deposit = await awaitingPayment(h, '3100');
      h.sandbox.paystack.control.payTransaction(deposit.paystack_reference ?? '');
      await driveUntil(
        h,
        async () => (await rowOf(h, deposit.id)).status === 'pending_anchor',
        withoutDelivery,
      );
      expect((await rowOf(h, deposit.id)).status).toBe('pending_anchor');
      // The delivery job dies before it runs (its attempts used up while Horizon was down, say).
      const killed = await db
        .updateTable('jobs')
        .set({ state: 'dead', finished_at: new Date(), last_error: 'test: Horizon was down' })
        .where('type', '=', DEPOSIT_DELIVER_JOB)
        .where('state', '=', 'pending')
        .where('dedupe_key', 'like', `${DEPOSIT_DELIVER_JOB}:${deposit.id}:%`)
        .executeTakeFirst();
      expect(killed.numUpdatedRows).toBe(1n);
      await h.drain();
      expect((await rowOf(h, deposit.id)).status).toBe('pending_anchor');

      const deliverJobs = () =>
        db
          .selectFrom('jobs')
          .select(['state'])
          .where('type', '=', DEPOSIT_DELIVER_JOB)
          .where('dedupe_key', 'like', `${DEPOSIT_DELIVER_JOB}:${deposit.id}:%`)
          .execute();
      // Not stalled yet: the sweep leaves a recent row alone.
      await runSweep(h.deps);
      expect((await deliverJobs()).map((j) => j.state)).toEqual(['dead']);

      await db
        .updateTable('transactions')
        .set({ updated_at: new Date(Date.now() - stallMs(h.deps) - 60_000) })
        .where('id', '=', deposit.id)
        .execute();
      const report = await runSweep(h.deps);
      expect(report.restarted).toBeGreaterThanOrEqual(1);
      // A second pass in the same slot adds nothing: one fresh job, not one per pass.
      await runSweep(h.deps);
      expect((await deliverJobs()).map((j) => j.state).sort()).toEqual(['dead', 'pending']);

      await driveUntil(h, async () => (await rowOf(h, deposit.id)).status === 'completed');
      expect((await rowOf(h, deposit.id)).status).toBe('completed');
      expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(payments + 1);
      // Completed: later sweeps leave it alone.
      await runSweep(h.deps);
      await h.drain();
      expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(payments + 1);
      await expectBalancedLedger();
    }, 60_000);
  });

  describe('with DEPOSIT_LATE_PAYMENT=hold and a ₦5000 tier-1 daily limit', () => {
    let h: DepositHarness;

    beforeAll(async () => {
      h = await startDepositHarness(kind, { DEPOSIT_LATE_PAYMENT: 'hold', KYC_TIER1_PER_DAY_NGN: '5000' });
      await h.verify(h.wallet.publicKey());
    }, 60_000);

    afterAll(async () => {
      await h.close();
    });

    it('holds naira paid after the deposit expired: funds recorded, nothing sent, nothing refunded', async () => {
      expect(h.deps.config.depositLatePayment).toBe('hold');
      const db = h.test.runtime.database.db;
      const deposit = await awaitingPayment(h, '2000');
      await db
        .updateTable('transactions')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', deposit.id)
        .execute();
      await runSweep(h.deps);
      expect((await rowOf(h, deposit.id)).status).toBe('expired');
      const payments = (await h.paymentsTo(h.wallet.publicKey())).length;
      const heldBefore = await metricValue(h, 'rampart_deposits_held_total', { reason: 'late_payment' });

      h.sandbox.paystack.control.payTransaction(deposit.paystack_reference ?? '');
      await driveUntil(h, async () => (await rowOf(h, deposit.id)).status === 'on_hold');
      // Nothing else is due, and nothing more happens on later passes.
      await runSweep(h.deps);
      await makeJobsDue(h);
      await h.drain();

      const held = await rowOf(h, deposit.id);
      expect(held.status).toBe('on_hold');
      expect(held.status_message).toBe(
        'the payment arrived after the deposit was expired; an operator will review it',
      );
      expect(held.funds_received_at).not.toBeNull();
      expect(held.external_transaction_id).toBe(deposit.paystack_reference);
      expect(await statusesOf(h, deposit.id)).toEqual([
        'incomplete',
        'pending_user_transfer_start',
        'expired',
        'pending_anchor',
        'on_hold',
      ]);
      expect(await postedOn(h, deposit.id, CUSTOMER_DEPOSITS)).toBe(-200_000n);
      expect(await metricValue(h, 'rampart_deposits_held_total', { reason: 'late_payment' })).toBe(
        heldBefore + 1,
      );
      expect((await h.paymentsTo(h.wallet.publicKey())).length).toBe(payments);
      const snapshot = h.sandbox.paystack.control.snapshot() as {
        refunds: { transaction_reference: string }[];
      };
      expect(snapshot.refunds.filter((r) => r.transaction_reference === deposit.paystack_reference)).toEqual(
        [],
      );
      const refundJobs = await db
        .selectFrom('jobs')
        .select(['id'])
        .where('type', '=', 'deposit.refund')
        .where('dedupe_key', 'like', `%${deposit.id}%`)
        .execute();
      expect(refundJobs).toEqual([]);
      expect(await h.imbalance()).toEqual([]);
    }, 60_000);

    it('holds the deposit that takes a customer past the tier-1 daily limit; the first one completes', async () => {
      const holder = await freshCustomer(h);
      const heldBefore = await metricValue(h, 'rampart_deposits_held_total', { reason: 'limits' });
      // Each is within the limits when asked for: nothing of the day is funded yet.
      const first = await awaitingPayment(h, '3000', { subject: holder.publicKey() });
      const second = await awaitingPayment(h, '3000', { subject: holder.publicKey() });

      h.sandbox.paystack.control.payTransaction(first.paystack_reference ?? '');
      await driveUntil(h, async () => (await rowOf(h, first.id)).status === 'completed');
      expect((await rowOf(h, first.id)).status).toBe('completed');
      expect(await h.balanceStroops(holder.publicKey(), h.ngnAsset)).toBe(
        BigInt(first.amount_out_minor ?? '0'),
      );

      h.sandbox.paystack.control.payTransaction(second.paystack_reference ?? '');
      await driveUntil(h, async () => (await rowOf(h, second.id)).status === 'on_hold');
      await makeJobsDue(h);
      await h.drain();
      const held = await rowOf(h, second.id);
      expect(held.status).toBe('on_hold');
      expect(held.status_message).toBe(
        'the payment is above the daily limit of ₦5000.00 (₦3000.00 used today); an operator will review it',
      );
      expect(held.funds_received_at).not.toBeNull();
      expect(await postedOn(h, second.id, CUSTOMER_DEPOSITS)).toBe(-300_000n);
      expect(await metricValue(h, 'rampart_deposits_held_total', { reason: 'limits' })).toBe(heldBefore + 1);
      // One payment to the customer: the first deposit's.
      const received = (await h.paymentsTo(holder.publicKey())).filter((p) => p.type === 'payment');
      expect(received).toHaveLength(1);
      expect(await h.balanceStroops(holder.publicKey(), h.ngnAsset)).toBe(
        BigInt(first.amount_out_minor ?? '0'),
      );
      expect(await h.imbalance()).toEqual([]);
    }, 60_000);
  });
});
