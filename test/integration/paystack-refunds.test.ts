/**
 * Refunds end to end: the Paystack client against the Paystack double over real HTTP, with the
 * double's webhooks delivered to a loopback receiver that keeps the raw bytes. Covers the three
 * create outcomes, settling an unknown one without ever creating a second refund, listing by our
 * reference, and the refund.* webhooks with their dedupe keys.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryKv } from '../../src/platform/kv/index.js';
import { createLogger } from '../../src/platform/logger.js';
import {
  PaystackClient,
  parseWebhookEvent,
  verifyWebhookSignature,
  webhookDedupeKey,
  type PaystackClientOptions,
  type RefundEvent,
  type WebhookEvent,
} from '../../src/rails/paystack/index.js';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';

const SECRET_KEY = 'sk_test_rampartrefundsuite0123456789';
const TIMEOUT_MS = 3_000;
/** Shorter than the double's hang, so the client gives up first. */
const SHORT_TIMEOUT_MS = 300;

interface Delivery {
  readonly raw: Buffer;
  readonly signature: string | string[] | undefined;
}

interface Harness {
  readonly double: PaystackDouble;
  readonly deliveries: Delivery[];
  client(overrides?: Partial<PaystackClientOptions>): PaystackClient;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function receiver(deliveries: Delivery[]): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ raw: Buffer.concat(chunks), signature: request.headers['x-paystack-signature'] });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/paystack`, server };
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  server.closeAllConnections();
  await closed;
}

async function harness(): Promise<Harness> {
  const deliveries: Delivery[] = [];
  const hook = await receiver(deliveries);
  const double = await createPaystackDouble({
    secretKey: SECRET_KEY,
    webhookUrl: hook.url,
    timeScale: 0.0001,
    refundProcessMs: 50,
  });
  const kv = createMemoryKv();
  open.push(
    () => closeServer(hook.server),
    () => double.close(),
    () => kv.close(),
  );
  const logger = createLogger('silent');
  return {
    double,
    deliveries,
    client: (overrides = {}) =>
      new PaystackClient({
        baseUrl: new URL(double.url),
        secretKey: SECRET_KEY,
        timeoutMs: TIMEOUT_MS,
        kv,
        logger,
        ...overrides,
      }),
  };
}

let sequence = 0;

/** A deposit paid by card on the double's checkout, as a late payer would. */
async function paidDeposit(h: Harness, amountKobo: bigint): Promise<string> {
  sequence += 1;
  const reference = `dep-refund-${Date.now()}-${sequence}`;
  const init = await h.client().initializeTransaction({
    amountKobo,
    email: 'late.payer@example.com',
    reference,
    metadata: { depositId: `d${sequence}` },
  });
  expect(init.ok).toBe(true);
  h.double.control.payTransaction(reference);
  return reference;
}

function refundsAt(double: PaystackDouble): { id: number; transaction_reference: string; status: string }[] {
  return (
    double.control.snapshot() as unknown as {
      refunds: { id: number; transaction_reference: string; status: string }[];
    }
  ).refunds;
}

/** Verifies and parses every delivery, failing the test on any that does not. */
function events(deliveries: readonly Delivery[]): WebhookEvent[] {
  return deliveries.map((delivery) => {
    expect(verifyWebhookSignature(delivery.raw, delivery.signature, SECRET_KEY)).toBe(true);
    const parsed = parseWebhookEvent(delivery.raw);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.event;
  });
}

function refundEvents(deliveries: readonly Delivery[]): RefundEvent[] {
  return events(deliveries).filter((e): e is RefundEvent => e.type.startsWith('refund.'));
}

/** Waits until the double delivered `count` refund events (the auto-processing runs on a timer). */
async function refundEventsDelivered(h: Harness, count: number): Promise<RefundEvent[]> {
  const deadline = Date.now() + 5_000;
  while (refundEvents(h.deliveries).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} refund events`);
    await h.double.control.webhooksIdle();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await h.double.control.webhooksIdle();
  return refundEvents(h.deliveries);
}

function webhookBody(event: string, data: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ event, data }));
}

describe('Paystack refunds: create', () => {
  it('a full refund is created pending, processes by itself with signed webhooks, and reverses the deposit', async () => {
    const h = await harness();
    const client = h.client();
    const reference = await paidDeposit(h, 150_000n);

    const outcome = await client.createRefund({
      transactionReference: reference,
      merchantNote: 'Deposit paid after it expired',
      customerNote: 'Your payment arrived after the quote expired',
    });
    expect(outcome).toMatchObject({
      outcome: 'created',
      refund: { transactionReference: reference, amountKobo: 150_000n, currency: 'NGN', status: 'pending' },
    });
    if (outcome.outcome !== 'created') throw new Error('not created');

    const received = await refundEventsDelivered(h, 2);
    const pending = received.find((e) => e.type === 'refund.pending');
    const processed = received.find((e) => e.type === 'refund.processed');
    expect(pending).toMatchObject({
      type: 'refund.pending',
      status: 'pending',
      transactionReference: reference,
      amountKobo: 150_000n,
      currency: 'NGN',
      refundReference: null,
    });
    expect(processed).toMatchObject({
      type: 'refund.processed',
      status: 'processed',
      transactionReference: reference,
      amountKobo: 150_000n,
    });
    expect(processed?.refundReference).toMatch(/^[0-9]{12}$/);

    expect(await client.fetchRefund(outcome.refund.id)).toMatchObject({
      ok: true,
      value: { id: outcome.refund.id, status: 'processed', amountKobo: 150_000n },
    });
    expect(await client.verifyTransaction(reference)).toMatchObject({
      ok: true,
      value: { status: 'reversed' },
    });
  });

  it('refunds exactly once: a second refund of the same deposit is refused, pending or processed', async () => {
    const h = await harness();
    const client = h.client();
    const reference = await paidDeposit(h, 80_000n);
    h.double.control.setFaults({ refundsAuto: false });

    expect(await client.createRefund({ transactionReference: reference })).toMatchObject({
      outcome: 'created',
    });
    const whilePending = await client.createRefund({ transactionReference: reference });
    expect(whilePending).toMatchObject({ outcome: 'refused', refusal: 'rejected', httpStatus: 400 });
    const [refund] = refundsAt(h.double);
    h.double.control.settleRefund(refund?.id ?? 0, 'processed');
    const afterProcessed = await client.createRefund({ transactionReference: reference, amountKobo: 1n });
    expect(afterProcessed).toMatchObject({ outcome: 'refused', refusal: 'rejected', httpStatus: 400 });
    expect(refundsAt(h.double)).toHaveLength(1);
  });

  it('an amount above what is left is refused and creates nothing; partial refunds add up to the whole', async () => {
    const h = await harness();
    const client = h.client();
    const reference = await paidDeposit(h, 100_000n);
    h.double.control.setFaults({ refundsAuto: false });

    expect(
      await client.createRefund({ transactionReference: reference, amountKobo: 100_001n }),
    ).toMatchObject({
      outcome: 'refused',
      refusal: 'rejected',
      httpStatus: 400,
    });
    expect(refundsAt(h.double)).toHaveLength(0);

    expect(await client.createRefund({ transactionReference: reference, amountKobo: 40_000n })).toMatchObject(
      {
        outcome: 'created',
        refund: { amountKobo: 40_000n },
      },
    );
    expect(await client.createRefund({ transactionReference: reference, amountKobo: 60_001n })).toMatchObject(
      {
        outcome: 'refused',
      },
    );
    // No amount: the rest.
    expect(await client.createRefund({ transactionReference: reference })).toMatchObject({
      outcome: 'created',
      refund: { amountKobo: 60_000n },
    });
    const [first, second] = refundsAt(h.double);
    h.double.control.settleRefund(first?.id ?? 0, 'processed');
    // Half refunded is still a successful payment.
    expect(await client.verifyTransaction(reference)).toMatchObject({ value: { status: 'success' } });
    h.double.control.settleRefund(second?.id ?? 0, 'processed');
    expect(await client.verifyTransaction(reference)).toMatchObject({ value: { status: 'reversed' } });
  });

  it('a refund of an unknown transaction is not_found; of an unpaid one, rejected', async () => {
    const h = await harness();
    const client = h.client();
    expect(await client.createRefund({ transactionReference: 'dep-never-made' })).toMatchObject({
      outcome: 'refused',
      refusal: 'not_found',
      httpStatus: 404,
    });
    const unpaid = `dep-unpaid-${Date.now()}`;
    await client.initializeTransaction({
      amountKobo: 10_000n,
      email: 'a@example.com',
      reference: unpaid,
      metadata: {},
    });
    expect(await client.createRefund({ transactionReference: unpaid })).toMatchObject({
      outcome: 'refused',
      refusal: 'rejected',
    });
    expect(refundsAt(h.double)).toHaveLength(0);
  });

  it('a failed refund gives the amount back: the deposit stays paid and can be refunded again', async () => {
    const h = await harness();
    const client = h.client();
    const reference = await paidDeposit(h, 25_000n);
    h.double.control.setFaults({ refundsAuto: false });
    const first = await client.createRefund({ transactionReference: reference });
    if (first.outcome !== 'created') throw new Error('not created');
    h.double.control.settleRefund(first.refund.id, 'failed');
    expect(await client.fetchRefund(first.refund.id)).toMatchObject({ value: { status: 'failed' } });
    expect(await client.verifyTransaction(reference)).toMatchObject({ value: { status: 'success' } });
    expect(await client.createRefund({ transactionReference: reference })).toMatchObject({
      outcome: 'created',
      refund: { amountKobo: 25_000n },
    });
  });

  it('an invalid key refuses the create with auth, and the fetch of an unknown refund is not_found', async () => {
    const h = await harness();
    const reference = await paidDeposit(h, 10_000n);
    const stranger = h.client({ secretKey: 'sk_test_someoneelse0123456789' });
    expect(await stranger.createRefund({ transactionReference: reference })).toMatchObject({
      outcome: 'refused',
      refusal: 'auth',
      httpStatus: 401,
    });
    expect(await h.client().fetchRefund('15999999')).toMatchObject({
      ok: false,
      error: { kind: 'refused', reason: 'not_found' },
    });
    expect(refundsAt(h.double)).toHaveLength(0);
  });
});

describe('Paystack refunds: unknown outcomes', () => {
  it('a create whose answer is lost after it landed is unknown; resolve finds that one refund and never creates', async () => {
    const h = await harness();
    const client = h.client();
    const reference = await paidDeposit(h, 70_000n);
    h.double.control.setFaults({ refundsAuto: false });
    h.double.control.setFaults({ timeoutNext: { path: '/refund', landed: true, hangMs: 10 } });

    const outcome = await client.createRefund({ transactionReference: reference });
    expect(outcome).toMatchObject({ outcome: 'unknown', cause: { cause: 'server_error', httpStatus: 504 } });

    const resolution = await client.resolveRefundOutcome(reference);
    expect(resolution).toMatchObject({
      resolution: 'exists',
      refund: { transactionReference: reference, amountKobo: 70_000n, status: 'pending' },
    });
    expect(refundsAt(h.double)).toHaveLength(1);
    // A blind retry cannot refund twice: nothing is left of the deposit.
    expect(await client.createRefund({ transactionReference: reference })).toMatchObject({
      outcome: 'refused',
    });
    expect(refundsAt(h.double)).toHaveLength(1);
  });

  it('a create that timed out before it landed resolves to absent; the retry creates exactly one', async () => {
    const h = await harness();
    const client = h.client({ timeoutMs: SHORT_TIMEOUT_MS });
    const reference = await paidDeposit(h, 30_000n);
    h.double.control.setFaults({ timeoutNext: { path: '/refund', landed: false, hangMs: 1_000 } });

    expect(await client.createRefund({ transactionReference: reference })).toMatchObject({
      outcome: 'unknown',
      cause: { cause: 'timeout' },
    });
    expect(await client.resolveRefundOutcome(reference)).toEqual({ resolution: 'absent' });
    expect(refundsAt(h.double)).toHaveLength(0);

    expect(await client.createRefund({ transactionReference: reference })).toMatchObject({
      outcome: 'created',
    });
    expect(await client.resolveRefundOutcome(reference)).toMatchObject({ resolution: 'exists' });
    expect(refundsAt(h.double)).toHaveLength(1);
  });

  it('a 5xx on create is unknown, never refused; a 429 is a rate-limit refusal', async () => {
    const h = await harness();
    const client = h.client();
    const reference = await paidDeposit(h, 30_000n);
    h.double.control.setFaults({ failNext: { path: '/refund', status: 500 } });
    expect(await client.createRefund({ transactionReference: reference })).toMatchObject({
      outcome: 'unknown',
      cause: { cause: 'server_error', httpStatus: 500 },
    });
    h.double.control.setFaults({ failNext: { path: '/refund', status: 429 } });
    expect(await client.createRefund({ transactionReference: reference })).toMatchObject({
      outcome: 'refused',
      refusal: 'rate_limited',
    });
    expect(refundsAt(h.double)).toHaveLength(0);
  });

  it('resolve stays unknown when the listing fails or the transaction cannot be found', async () => {
    const h = await harness();
    const client = h.client();
    const reference = await paidDeposit(h, 30_000n);
    h.double.control.setFaults({ failNext: { path: '/refund', status: 503 } });
    expect(await client.resolveRefundOutcome(reference)).toMatchObject({
      resolution: 'unknown',
      error: { kind: 'unknown', cause: 'server_error' },
    });
    expect(await client.resolveRefundOutcome('dep-not-on-paystack')).toMatchObject({
      resolution: 'unknown',
      error: { kind: 'refused', reason: 'not_found' },
    });
  });
});

describe('Paystack refunds: list', () => {
  it('lists a transaction’s refunds by our reference, newest first, and none of another’s', async () => {
    const h = await harness();
    const client = h.client();
    h.double.control.setFaults({ refundsAuto: false });
    const partly = await paidDeposit(h, 50_000n);
    const fully = await paidDeposit(h, 20_000n);
    const untouched = await paidDeposit(h, 20_000n);
    await client.createRefund({ transactionReference: partly, amountKobo: 10_000n });
    await client.createRefund({ transactionReference: fully });
    await client.createRefund({ transactionReference: partly, amountKobo: 15_000n });

    const listed = await client.listRefunds({ transactionReference: partly });
    if (!listed.ok) throw new Error('list failed');
    expect(listed.value.map((r) => r.amountKobo)).toEqual([15_000n, 10_000n]);
    expect(listed.value.every((r) => r.transactionReference === partly)).toBe(true);
    expect(await client.listRefunds({ transactionReference: fully })).toMatchObject({
      ok: true,
      value: [{ transactionReference: fully, amountKobo: 20_000n }],
    });
    expect(await client.listRefunds({ transactionReference: untouched })).toEqual({ ok: true, value: [] });

    const resolution = await client.resolveRefundOutcome(partly);
    expect(resolution).toMatchObject({ resolution: 'exists', refund: { amountKobo: 15_000n } });
    expect(resolution.resolution === 'exists' ? resolution.refunds : []).toHaveLength(2);
    expect(await client.listRefunds({ transactionReference: 'dep-unknown' })).toMatchObject({
      ok: false,
      error: { reason: 'not_found' },
    });
  });
});

describe('Paystack refunds: webhooks', () => {
  it('each refund event arrives signed and parses: pending, processing, processed, failed', async () => {
    const h = await harness();
    const client = h.client();
    h.double.control.setFaults({ refundsAuto: false });
    const processedRef = await paidDeposit(h, 12_345n);
    const failedRef = await paidDeposit(h, 6_789n);
    const processed = await client.createRefund({ transactionReference: processedRef });
    const failed = await client.createRefund({ transactionReference: failedRef });
    if (processed.outcome !== 'created' || failed.outcome !== 'created') throw new Error('not created');
    const settle = async (id: string, action: string): Promise<number> =>
      (
        await fetch(`${h.double.url}/_sandbox/refunds/${id}/${action}`, {
          method: 'POST',
          signal: AbortSignal.timeout(TIMEOUT_MS),
        })
      ).status;
    expect(await settle(processed.refund.id, 'processing')).toBe(200);
    expect(await settle(processed.refund.id, 'process')).toBe(200);
    expect(await settle(failed.refund.id, 'fail')).toBe(200);
    // The processor's answer is final: a failed refund cannot be processed.
    expect(await settle(failed.refund.id, 'process')).toBe(409);

    const received = await refundEventsDelivered(h, 5);
    // Deliveries are concurrent POSTs: their arrival order is not part of the contract.
    expect(received.map((e) => `${e.type} ${e.transactionReference} ${e.amountKobo}`).sort()).toEqual(
      [
        `refund.pending ${processedRef} 12345`,
        `refund.pending ${failedRef} 6789`,
        `refund.processing ${processedRef} 12345`,
        `refund.processed ${processedRef} 12345`,
        `refund.failed ${failedRef} 6789`,
      ].sort(),
    );
    expect(received.every((e) => e.status === e.type.slice('refund.'.length) && e.currency === 'NGN')).toBe(
      true,
    );
    expect(received.find((e) => e.type === 'refund.failed')?.refundReference).toMatch(/^TRF_|^[0-9]{12}$/);
    expect(new Set(received.map(webhookDedupeKey)).size).toBe(5);
  });

  it('a duplicate delivery carries identical bytes and the same dedupe key', async () => {
    const h = await harness();
    const reference = await paidDeposit(h, 40_000n);
    h.double.control.setFaults({ webhooks: 'duplicate' });
    await h.client().createRefund({ transactionReference: reference });

    const received = await refundEventsDelivered(h, 4);
    const refundDeliveries = h.deliveries.filter((d) => d.raw.toString().includes('"event":"refund.'));
    expect(refundDeliveries).toHaveLength(4);
    const byType = new Map<string, string[]>();
    received.forEach((event) =>
      byType.set(event.type, [...(byType.get(event.type) ?? []), webhookDedupeKey(event)]),
    );
    expect([...byType.keys()]).toEqual(['refund.pending', 'refund.processed']);
    for (const keys of byType.values()) expect(new Set(keys).size).toBe(1);
    expect(byType.get('refund.pending')?.[0]).not.toBe(byType.get('refund.processed')?.[0]);
  });

  it('the documented payloads parse, string or integer amounts; a refund id, when sent, names the refund', () => {
    const pending = parseWebhookEvent(
      webhookBody('refund.pending', {
        status: 'pending',
        transaction_reference: 'tvunjbbd_412829_4b18075d_c7had',
        refund_reference: null,
        amount: '10000',
        currency: 'NGN',
        processor: 'instant-transfer',
        customer: { first_name: 'Drew', last_name: 'Berry', email: 'demo@email.com' },
        integration: 412829,
        domain: 'live',
      }),
    );
    expect(pending).toMatchObject({
      ok: true,
      event: { type: 'refund.pending', refundId: null, refundReference: null, amountKobo: 10_000n },
    });
    if (!pending.ok) throw new Error(pending.error);
    expect(webhookDedupeKey(pending.event)).toBe('refund.pending:tvunjbbd_412829_4b18075d_c7had:kobo-10000');

    const failed = parseWebhookEvent(
      webhookBody('refund.failed', {
        status: 'failed',
        transaction_reference: 'T9171231_412325_3be2736c_n6tml',
        refund_reference: 'TRF_9vgfawjnoz58uxy',
        amount: 20000,
        currency: 'NGN',
      }),
    );
    if (!failed.ok) throw new Error(failed.error);
    expect(webhookDedupeKey(failed.event)).toBe(
      'refund.failed:T9171231_412325_3be2736c_n6tml:TRF_9vgfawjnoz58uxy',
    );

    const withId = parseWebhookEvent(
      webhookBody('refund.processed', {
        id: 15581137,
        status: 'processed',
        transaction_reference: 'dep-1',
        refund_reference: '132013318360',
        amount: '5000',
        currency: 'NGN',
      }),
    );
    if (!withId.ok) throw new Error(withId.error);
    expect(withId.event).toMatchObject({ refundId: '15581137', amountKobo: 5_000n });
    expect(webhookDedupeKey(withId.event)).toBe('refund.processed:dep-1:15581137');
  });

  it('a refund event without its transaction, or with a negative or fractional amount, is an error', () => {
    const base = { status: 'processed', transaction_reference: 'dep-1', amount: 5000, currency: 'NGN' };
    const { transaction_reference: _dropped, ...withoutTransaction } = base;
    for (const data of [
      withoutTransaction,
      { ...base, amount: '-5' },
      { ...base, amount: 50.5 },
      { ...base, currency: 'NAIRA' },
    ])
      expect(parseWebhookEvent(webhookBody('refund.processed', data))).toMatchObject({ ok: false });
  });
});

describe('the double’s refund controls', () => {
  it('shows refunds in the state snapshot, refuses unknown ids and actions, and resets to auto-processing', async () => {
    const h = await harness();
    const reference = await paidDeposit(h, 9_000n);
    h.double.control.setFaults({ refundsAuto: false });
    const created = await h.client().createRefund({ transactionReference: reference });
    if (created.outcome !== 'created') throw new Error('not created');

    const state = (await (await fetch(`${h.double.url}/_sandbox/state`)).json()) as {
      refunds: { id: number; status: string; transaction_reference: string }[];
      faults: { refundsAuto: boolean };
    };
    expect(state.faults.refundsAuto).toBe(false);
    await h.double.control.webhooksIdle();
    expect(
      h.double.control
        .webhookDeliveries()
        .filter((d) => d.event === 'refund.pending')
        .map((d) => d.reference),
    ).toEqual([reference]);
    expect(state.refunds).toMatchObject([
      { id: Number(created.refund.id), status: 'pending', transaction_reference: reference },
    ]);

    const post = async (path: string, body?: unknown): Promise<number> =>
      (
        await fetch(`${h.double.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body ?? {}),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        })
      ).status;
    expect(await post('/_sandbox/refunds/999/process')).toBe(404);
    expect(await post(`/_sandbox/refunds/${created.refund.id}/refund-twice`)).toBe(404);
    expect(await post('/_sandbox/faults', { refundsAuto: 'no' })).toBe(400);
    expect(() => h.double.control.settleRefund('nope', 'processed')).toThrow();

    h.double.control.reset();
    expect(h.double.control.snapshot()).toMatchObject({ refunds: [], faults: { refundsAuto: true } });
  });
});
