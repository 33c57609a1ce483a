/**
 * Webhook helpers against real deliveries: the Paystack double POSTs signed events to a loopback
 * receiver, which keeps the raw bytes exactly as a Fastify route with a raw-body parser would.
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
  type WebhookEvent,
} from '../../src/rails/paystack/index.js';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';

const SECRET_KEY = 'sk_test_rampartwebhooksuite0123456789';
const TIMEOUT_MS = 3_000;

interface Delivery {
  raw: Buffer;
  signature: string | string[] | undefined;
}

interface Harness {
  double: PaystackDouble;
  client: PaystackClient;
  deliveries: Delivery[];
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
  // The double keeps delivery connections alive; end them so close() does not wait for idle.
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
  });
  const kv = createMemoryKv();
  open.push(
    () => closeServer(hook.server),
    () => double.close(),
    () => kv.close(),
  );
  const client = new PaystackClient({
    baseUrl: new URL(double.url),
    secretKey: SECRET_KEY,
    timeoutMs: TIMEOUT_MS,
    kv,
    logger: createLogger('silent'),
  });
  return { double, client, deliveries };
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

let sequence = 0;
function transferReference(): string {
  sequence += 1;
  return `rmp_hook_${Date.now()}_${sequence}`;
}

describe('Paystack webhooks from the double', () => {
  it('a paid checkout delivers a signed charge.success that matches verify', async () => {
    const h = await harness();
    const reference = `dep-hook-${Date.now()}`;
    await h.client.initializeTransaction({
      amountKobo: 250_000n,
      email: 'ada@example.com',
      reference,
      metadata: {},
    });
    h.double.control.payTransaction(reference);
    await h.double.control.webhooksIdle();

    const [event] = events(h.deliveries);
    expect(event).toMatchObject({ type: 'charge.success', reference, amountKobo: 250_000n, currency: 'NGN' });
    expect(webhookDedupeKey(event!)).toBe(`charge.success:${reference}:success`);
    // The webhook is a hint; the credit decision is verify's.
    expect(
      (await h.client.confirmPayment(reference, { amountKobo: 250_000n, currency: 'NGN' })).outcome,
    ).toBe('paid');
  });

  it('a signature checked with the other mode’s key fails', async () => {
    const h = await harness();
    const reference = `dep-hook-key-${Date.now()}`;
    await h.client.initializeTransaction({
      amountKobo: 10_000n,
      email: 'ada@example.com',
      reference,
      metadata: {},
    });
    h.double.control.payTransaction(reference);
    await h.double.control.webhooksIdle();
    const delivery = h.deliveries[0]!;
    expect(
      verifyWebhookSignature(delivery.raw, delivery.signature, 'sk_live_rampartwebhooksuite0123456789'),
    ).toBe(false);
  });

  it('transfer.success then transfer.reversed parse, with distinct dedupe keys', async () => {
    const h = await harness();
    const recipient = await h.client.createRecipient({
      name: 'TEST ACCOUNT 0123456789',
      accountNumber: '0123456789',
      bankCode: '001',
    });
    if (!recipient.ok) throw new Error('recipient');
    const reference = transferReference();
    const outcome = await h.client.initiateTransfer({
      amountKobo: 40_000n,
      recipientCode: recipient.value.recipientCode,
      reference,
      reason: 'payout',
    });
    expect(outcome.outcome).toBe('succeeded');
    h.double.control.settleTransfer(reference, 'success');
    await h.double.control.webhooksIdle();
    h.double.control.settleTransfer(reference, 'reversed');
    await h.double.control.webhooksIdle();

    const parsed = events(h.deliveries);
    expect(parsed.map((e) => e.type)).toEqual(['transfer.success', 'transfer.reversed']);
    expect(parsed[0]).toMatchObject({
      reference,
      amountKobo: 40_000n,
      recipientCode: recipient.value.recipientCode,
    });
    expect(webhookDedupeKey(parsed[0]!)).not.toBe(webhookDedupeKey(parsed[1]!));
  });

  it('a deposit into a dedicated account arrives as charge.success on dedicated_nuban for that customer', async () => {
    const h = await harness();
    const customer = await h.client.createCustomer({
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Okafor',
    });
    if (!customer.ok) throw new Error('customer');
    const account = await h.client.assignDedicatedAccount({
      customerCode: customer.value.customerCode,
      preferredBank: 'test-bank',
    });
    if (!account.ok) throw new Error('account');
    h.double.control.transferToDedicatedAccount(account.value.accountNumber, { amountKobo: 500_000 });
    await h.double.control.webhooksIdle();

    const charge = events(h.deliveries).find((e) => e.type === 'charge.success');
    expect(charge).toMatchObject({
      channel: 'dedicated_nuban',
      customerCode: customer.value.customerCode,
      amountKobo: 500_000n,
    });
  });

  it('duplicate deliveries carry identical bytes and the same dedupe key', async () => {
    const h = await harness();
    h.double.control.setFaults({ webhooks: 'duplicate' });
    const reference = `dep-hook-dup-${Date.now()}`;
    await h.client.initializeTransaction({
      amountKobo: 10_000n,
      email: 'ada@example.com',
      reference,
      metadata: {},
    });
    h.double.control.payTransaction(reference);
    await h.double.control.webhooksIdle();

    expect(h.deliveries).toHaveLength(2);
    const keys = events(h.deliveries).map(webhookDedupeKey);
    expect(new Set(keys).size).toBe(1);
  });
});
