/**
 * The Paystack client over real HTTP against the Paystack double (src/sandbox/paystack), behind a
 * fault-injecting proxy that counts what reaches the double. No real host is contacted.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryKv } from '../../src/platform/kv/index.js';
import type { KvStore } from '../../src/platform/kv/kv-store.js';
import { createLogger } from '../../src/platform/logger.js';
import { PaystackClient, type PaystackClientOptions } from '../../src/rails/paystack/index.js';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';
import { startFaultProxy, type FaultProxy } from '../support/paystack-client-fake.js';

const SECRET_KEY = 'sk_test_rampartclientsuite0123456789';
const TIMEOUT_MS = 3_000;
/** Short enough to keep the hang tests quick, long enough for loopback under load. */
const SHORT_TIMEOUT_MS = 400;

interface Harness {
  double: PaystackDouble;
  proxy: FaultProxy;
  kv: KvStore;
  logLines: string[];
  client(overrides?: Partial<PaystackClientOptions>): PaystackClient;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function harness(): Promise<Harness> {
  const double = await createPaystackDouble({ secretKey: SECRET_KEY });
  const proxy = await startFaultProxy(new URL(double.url));
  const kv = createMemoryKv();
  open.push(
    () => double.close(),
    () => proxy.close(),
    () => kv.close(),
  );
  const logLines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger('debug', stream);
  return {
    double,
    proxy,
    kv,
    logLines,
    client: (overrides = {}) =>
      new PaystackClient({
        baseUrl: proxy.url,
        secretKey: SECRET_KEY,
        timeoutMs: TIMEOUT_MS,
        kv,
        logger,
        ...overrides,
      }),
  };
}

/** Every transfer the double holds, from its control snapshot. */
function transfersAt(double: PaystackDouble): { reference: string }[] {
  return (double.control.snapshot() as unknown as { transfers: { reference: string }[] }).transfers;
}

let sequence = 0;
/** Transfer references: 16–50 of [a-z0-9_-]. */
function transferReference(): string {
  sequence += 1;
  return `rmp_payout_${Date.now()}_${sequence}`;
}

async function recipientFor(client: PaystackClient): Promise<string> {
  const recipient = await client.createRecipient({
    name: 'TEST ACCOUNT 0123456789',
    accountNumber: '0123456789',
    bankCode: '001',
  });
  if (!recipient.ok) throw new Error('recipient setup failed');
  return recipient.value.recipientCode;
}

describe('Paystack client: collections', () => {
  it('initialize → pay → verify → confirmPayment is paid for the exact amount', async () => {
    const h = await harness();
    const client = h.client();
    const reference = `dep-${Date.now()}`;
    const init = await client.initializeTransaction({
      amountKobo: 150_000n,
      email: 'ada@example.com',
      reference,
      metadata: { depositId: 'd1' },
    });
    expect(init).toMatchObject({ ok: true, value: { reference } });

    const before = await client.confirmPayment(reference, { amountKobo: 150_000n, currency: 'NGN' });
    expect(before).toMatchObject({ outcome: 'not_paid', status: 'abandoned' });

    const pay = await fetch(new URL(`/_sandbox/transactions/${reference}/pay`, new URL(h.double.url)), {
      method: 'POST',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    expect(pay.status).toBe(200);

    const verified = await client.verifyTransaction(reference);
    expect(verified).toMatchObject({
      ok: true,
      value: { reference, status: 'success', amountKobo: 150_000n, currency: 'NGN' },
    });
    const confirmed = await client.confirmPayment(reference, { amountKobo: 150_000n, currency: 'NGN' });
    expect(confirmed.outcome).toBe('paid');
    const wrongAmount = await client.confirmPayment(reference, { amountKobo: 150_001n, currency: 'NGN' });
    expect(wrongAmount.outcome).toBe('mismatch');
  });

  it('a paid amount different from the one initialized is a mismatch, never paid', async () => {
    const h = await harness();
    const client = h.client();
    const reference = `dep-short-${Date.now()}`;
    await client.initializeTransaction({
      amountKobo: 500_000n,
      email: 'ada@example.com',
      reference,
      metadata: {},
    });
    await fetch(new URL(`/_sandbox/transactions/${reference}/pay`, new URL(h.double.url)), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'success', amount: 100_000 }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const confirmed = await client.confirmPayment(reference, { amountKobo: 500_000n, currency: 'NGN' });
    expect(confirmed).toMatchObject({ outcome: 'mismatch' });
  });

  it('a reused transaction reference is refused as a duplicate', async () => {
    const h = await harness();
    const client = h.client();
    const input = {
      amountKobo: 10_000n,
      email: 'ada@example.com',
      reference: `dup-${Date.now()}`,
      metadata: {},
    };
    expect((await client.initializeTransaction(input)).ok).toBe(true);
    const again = await client.initializeTransaction(input);
    expect(again).toMatchObject({
      ok: false,
      error: { kind: 'refused', reason: 'duplicate_reference', httpStatus: 400 },
    });
  });

  it('verifying an unknown reference is not_found, and confirmPayment stays unknown', async () => {
    const h = await harness();
    const client = h.client();
    const verified = await client.verifyTransaction('never-initialized');
    expect(verified).toMatchObject({ ok: false, error: { kind: 'refused', reason: 'not_found' } });
    const confirmed = await client.confirmPayment('never-initialized', { amountKobo: 1n, currency: 'NGN' });
    expect(confirmed.outcome).toBe('unknown');
  });

  it('lists and fetches transactions', async () => {
    const h = await harness();
    const client = h.client();
    const reference = `list-${Date.now()}`;
    await client.initializeTransaction({
      amountKobo: 20_000n,
      email: 'ada@example.com',
      reference,
      metadata: {},
    });
    const page = await client.listTransactions({ page: 1, perPage: 50 });
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    const listed = page.value.transactions.find((t) => t.reference === reference);
    expect(listed?.amountKobo).toBe(20_000n);
    const fetched = await client.fetchTransaction(listed!.id);
    expect(fetched).toMatchObject({ ok: true, value: { reference } });
  });

  it('creates a customer and assigns and fetches a dedicated virtual account', async () => {
    const h = await harness();
    const client = h.client();
    const customer = await client.createCustomer({
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
    expect(customer.ok).toBe(true);
    if (!customer.ok) return;
    expect(customer.value.customerCode).toMatch(/^CUS_/);
    const account = await client.assignDedicatedAccount({
      customerCode: customer.value.customerCode,
      preferredBank: 'test-bank',
    });
    expect(account).toMatchObject({
      ok: true,
      value: { accountNumber: expect.stringMatching(/^[0-9]{10}$/) as string, active: true, currency: 'NGN' },
    });
    if (!account.ok) return;
    const fetched = await client.fetchDedicatedAccount(account.value.id);
    expect(fetched).toMatchObject({ ok: true, value: { accountNumber: account.value.accountNumber } });
  });
});

describe('Paystack client: payout preparation', () => {
  it('caches the bank list: the second call does not reach Paystack', async () => {
    const h = await harness();
    const client = h.client();
    const first = await client.listBanks();
    const second = await client.listBanks();
    expect(first.ok && first.value.some((b) => b.code === '058')).toBe(true);
    expect(second).toEqual(first);
    expect(h.proxy.count('GET /bank')).toBe(1);
  });

  it('refetches the bank list after its TTL', async () => {
    const h = await harness();
    const client = h.client({ bankListTtlMs: 50 });
    await client.listBanks();
    await new Promise((resolve) => setTimeout(resolve, 80));
    await client.listBanks();
    expect(h.proxy.count('GET /bank')).toBe(2);
  });

  it('a failing cache degrades to calling Paystack', async () => {
    const h = await harness();
    const broken: KvStore = {
      ...h.kv,
      get: () => Promise.reject(new Error('kv down')),
      set: () => Promise.reject(new Error('kv down')),
    };
    const client = h.client({ kv: broken });
    expect((await client.listBanks()).ok).toBe(true);
    expect((await client.listBanks()).ok).toBe(true);
    expect(h.proxy.count('GET /bank')).toBe(2);
  });

  it('resolves a known account to its name', async () => {
    const h = await harness();
    const resolution = await h.client().resolveAccount('0123456789', '001');
    expect(resolution).toEqual({
      outcome: 'resolved',
      accountName: 'TEST ACCOUNT 0123456789',
      accountNumber: '0123456789',
    });
  });

  it('an account Paystack cannot resolve (422) is not_resolvable', async () => {
    const h = await harness();
    const resolution = await h.client().resolveAccount('9999999999', '058');
    expect(resolution).toMatchObject({ outcome: 'not_resolvable', httpStatus: 422 });
  });

  it('a malformed account number is answered locally without a call', async () => {
    const h = await harness();
    const resolution = await h.client().resolveAccount('12345', '001');
    expect(resolution).toMatchObject({ outcome: 'not_resolvable', httpStatus: null });
    expect(h.proxy.received).toEqual([]);
  });

  it('resolve during a Paystack outage is unknown, not "not resolvable"', async () => {
    const h = await harness();
    h.proxy.armNext('GET /bank/resolve', {
      kind: 'answer',
      status: 503,
      body: '{"status":false,"message":"down"}',
    });
    const resolution = await h.client().resolveAccount('0123456789', '001');
    expect(resolution).toMatchObject({
      outcome: 'unknown',
      error: { kind: 'unknown', cause: 'server_error' },
    });
  });

  it('caches the recipient per (bank code, account number)', async () => {
    const h = await harness();
    const client = h.client();
    const input = { name: 'TEST ACCOUNT 0123456789', accountNumber: '0123456789', bankCode: '001' };
    const first = await client.createRecipient(input);
    const second = await client.createRecipient(input);
    expect(first).toMatchObject({ ok: true, value: { cached: false } });
    expect(second).toMatchObject({ ok: true, value: { cached: true } });
    if (first.ok && second.ok) expect(second.value.recipientCode).toBe(first.value.recipientCode);
    expect(h.proxy.count('POST /transferrecipient')).toBe(1);
    const other = await client.createRecipient({ ...input, accountNumber: '0123456780' });
    expect(other).toMatchObject({ ok: true, value: { cached: false } });
    expect(h.proxy.count('POST /transferrecipient')).toBe(2);
  });

  it('reads the balance in kobo', async () => {
    const h = await harness();
    const result = await h.client().balance();
    expect(result).toMatchObject({
      ok: true,
      value: [{ currency: 'NGN', balanceKobo: expect.any(BigInt) as bigint }],
    });
  });
});

describe('Paystack client: transfers', () => {
  it('a transfer Paystack accepts succeeds, and verify finds it', async () => {
    const h = await harness();
    const client = h.client();
    const recipientCode = await recipientFor(client);
    const reference = transferReference();
    const outcome = await client.initiateTransfer({
      amountKobo: 250_000n,
      recipientCode,
      reference,
      reason: 'Rampart withdrawal',
    });
    expect(outcome).toMatchObject({
      outcome: 'succeeded',
      transfer: { reference, amountKobo: 250_000n, status: 'pending' },
    });
    const verified = await client.verifyTransfer(reference);
    expect(verified).toMatchObject({ ok: true, value: { reference, recipientCode, status: 'pending' } });
  });

  it('a reused transfer reference is refused: failed, flagged duplicate_reference', async () => {
    const h = await harness();
    const client = h.client();
    const recipientCode = await recipientFor(client);
    const input = { amountKobo: 10_000n, recipientCode, reference: transferReference(), reason: 'payout' };
    expect((await client.initiateTransfer(input)).outcome).toBe('succeeded');
    const again = await client.initiateTransfer(input);
    expect(again).toMatchObject({ outcome: 'failed', httpStatus: 400, refusal: 'duplicate_reference' });
    expect(transfersAt(h.double)).toHaveLength(1);
  });

  it('an invalid recipient is a definitive failure', async () => {
    const h = await harness();
    const outcome = await h.client().initiateTransfer({
      amountKobo: 10_000n,
      recipientCode: 'RCP_nobody',
      reference: transferReference(),
      reason: 'payout',
    });
    expect(outcome).toMatchObject({
      outcome: 'failed',
      refusal: 'rejected',
      code: 'invalid_transfer_recipient',
    });
  });

  it('a timed-out transfer that landed is unknown, then resolves to exactly one transfer', async () => {
    const h = await harness();
    const recipientCode = await recipientFor(h.client());
    const client = h.client({ timeoutMs: SHORT_TIMEOUT_MS });
    const input = { amountKobo: 75_000n, recipientCode, reference: transferReference(), reason: 'payout' };
    h.proxy.armNext('POST /transfer', { kind: 'hang', landed: true });

    const outcome = await client.initiateTransfer(input);
    expect(outcome).toMatchObject({ outcome: 'unknown', cause: { cause: 'timeout' } });

    const resolution = await client.resolveTransferOutcome(input.reference);
    expect(resolution).toMatchObject({
      resolution: 'landed',
      transfer: { reference: input.reference, amountKobo: 75_000n },
    });
    // Resolving never sent money: one POST reached Paystack, and it holds one transfer for the reference.
    expect(h.proxy.count('POST /transfer', 'forwarded')).toBe(1);
    expect(transfersAt(h.double).filter((t) => t.reference === input.reference)).toHaveLength(1);
    // Even a retry with the same reference cannot pay twice.
    expect(await client.initiateTransfer(input)).toMatchObject({
      outcome: 'failed',
      refusal: 'duplicate_reference',
    });
    expect(transfersAt(h.double)).toHaveLength(1);
  });

  it('a timed-out transfer that never landed resolves to none; a same-reference retry makes exactly one', async () => {
    const h = await harness();
    const recipientCode = await recipientFor(h.client());
    const client = h.client({ timeoutMs: SHORT_TIMEOUT_MS });
    const input = { amountKobo: 75_000n, recipientCode, reference: transferReference(), reason: 'payout' };
    h.proxy.armNext('POST /transfer', { kind: 'hang', landed: false });

    expect(await client.initiateTransfer(input)).toMatchObject({
      outcome: 'unknown',
      cause: { cause: 'timeout' },
    });
    expect(await client.resolveTransferOutcome(input.reference)).toEqual({ resolution: 'not_landed' });
    expect(h.proxy.count('POST /transfer', 'forwarded')).toBe(0);
    expect(transfersAt(h.double)).toHaveLength(0);

    expect(await client.initiateTransfer(input)).toMatchObject({ outcome: 'succeeded' });
    expect(transfersAt(h.double)).toHaveLength(1);
  });

  it("the double's gateway 504 after the transfer landed is unknown, and verify finds the one transfer", async () => {
    const h = await harness();
    const client = h.client();
    const recipientCode = await recipientFor(client);
    const input = { amountKobo: 30_000n, recipientCode, reference: transferReference(), reason: 'payout' };
    h.double.control.setFaults({ timeoutNext: { path: '/transfer', landed: true, hangMs: 10 } });
    expect(await client.initiateTransfer(input)).toMatchObject({
      outcome: 'unknown',
      cause: { cause: 'server_error', httpStatus: 504 },
    });
    expect(await client.resolveTransferOutcome(input.reference)).toMatchObject({ resolution: 'landed' });
    expect(transfersAt(h.double)).toHaveLength(1);
  });

  it('a 5xx on a transfer is unknown, never failed', async () => {
    const h = await harness();
    const client = h.client();
    const recipientCode = await recipientFor(client);
    h.proxy.armNext('POST /transfer', {
      kind: 'answer',
      status: 500,
      body: '{"status":false,"message":"An error occurred"}',
    });
    const outcome = await client.initiateTransfer({
      amountKobo: 10_000n,
      recipientCode,
      reference: transferReference(),
      reason: 'payout',
    });
    expect(outcome).toMatchObject({ outcome: 'unknown', cause: { cause: 'server_error', httpStatus: 500 } });
  });

  it('a malformed JSON answer to a transfer is unknown', async () => {
    const h = await harness();
    const client = h.client();
    const recipientCode = await recipientFor(client);
    h.proxy.armNext('POST /transfer', {
      kind: 'answer',
      status: 200,
      body: '{"status":true,"message":"Transfer has been queued","data":{',
    });
    const outcome = await client.initiateTransfer({
      amountKobo: 10_000n,
      recipientCode,
      reference: transferReference(),
      reason: 'payout',
    });
    expect(outcome).toMatchObject({ outcome: 'unknown', cause: { cause: 'invalid_response' } });
  });

  it('a 2xx whose data does not match the schema is unknown (amount as a string)', async () => {
    const h = await harness();
    const client = h.client();
    const recipientCode = await recipientFor(client);
    const reference = transferReference();
    const data = { reference, transfer_code: 'TRF_x', status: 'pending', amount: '10000', currency: 'NGN' };
    h.proxy.armNext('POST /transfer', {
      kind: 'answer',
      status: 200,
      body: JSON.stringify({ status: true, message: 'ok', data }),
    });
    const outcome = await client.initiateTransfer({
      amountKobo: 10_000n,
      recipientCode,
      reference,
      reason: 'payout',
    });
    expect(outcome).toMatchObject({ outcome: 'unknown', cause: { cause: 'invalid_response' } });
  });

  it('an HTML 4xx from something in front of Paystack is unknown, not a refusal', async () => {
    const h = await harness();
    const client = h.client();
    const recipientCode = await recipientFor(client);
    h.proxy.armNext('POST /transfer', {
      kind: 'answer',
      status: 403,
      body: '<html>Forbidden</html>',
      contentType: 'text/html',
    });
    const outcome = await client.initiateTransfer({
      amountKobo: 10_000n,
      recipientCode,
      reference: transferReference(),
      reason: 'payout',
    });
    expect(outcome).toMatchObject({
      outcome: 'unknown',
      cause: { cause: 'invalid_response', httpStatus: 403 },
    });
  });

  it('an invalid key fails money POSTs with 401 and is an auth error for reads', async () => {
    const h = await harness();
    const client = h.client({ secretKey: 'sk_test_wrong' });
    const initiate = await client.initiateTransfer({
      amountKobo: 10_000n,
      recipientCode: 'RCP_abc',
      reference: transferReference(),
      reason: 'payout',
    });
    expect(initiate).toMatchObject({ outcome: 'failed', httpStatus: 401, refusal: 'auth' });
    const finalize = await client.finalizeTransfer('TRF_abc', '123456');
    expect(finalize).toMatchObject({ outcome: 'failed', httpStatus: 401, refusal: 'auth' });
    const verify = await client.verifyTransfer(transferReference());
    expect(verify).toMatchObject({ ok: false, error: { kind: 'refused', reason: 'auth', httpStatus: 401 } });
    expect(await client.listBanks()).toMatchObject({ ok: false, error: { reason: 'auth' } });
    expect(await client.balance()).toMatchObject({ ok: false, error: { reason: 'auth' } });
  });

  it('a transfer held for OTP is finalized only with the right OTP', async () => {
    const h = await harness();
    h.double.control.setOtpEnabled(true);
    const client = h.client();
    const recipientCode = await recipientFor(client);
    const outcome = await client.initiateTransfer({
      amountKobo: 10_000n,
      recipientCode,
      reference: transferReference(),
      reason: 'payout',
    });
    expect(outcome).toMatchObject({ outcome: 'succeeded', transfer: { status: 'otp' } });
    if (outcome.outcome !== 'succeeded') return;
    expect(await client.finalizeTransfer(outcome.transfer.transferCode, '000000')).toMatchObject({
      outcome: 'failed',
      httpStatus: 400,
    });
    expect(await client.finalizeTransfer(outcome.transfer.transferCode, '123456')).toMatchObject({
      outcome: 'succeeded',
      transfer: { status: 'pending' },
    });
  });

  it('a 429 is a rate-limit refusal carrying Retry-After', async () => {
    const h = await harness();
    const client = h.client();
    h.proxy.armNext('GET /balance', {
      kind: 'answer',
      status: 429,
      body: '{"status":false,"message":"Too many requests"}',
    });
    const result = await client.balance();
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'refused', reason: 'rate_limited', httpStatus: 429 },
    });
  });

  it('a read that times out is unknown(timeout)', async () => {
    const h = await harness();
    h.proxy.armNext('GET /balance', { kind: 'hang', landed: false });
    const result = await h.client({ timeoutMs: SHORT_TIMEOUT_MS }).balance();
    expect(result).toMatchObject({ ok: false, error: { kind: 'unknown', cause: 'timeout' } });
  });

  it('an unreachable Paystack is unknown(network)', async () => {
    const h = await harness();
    const dead = new URL(h.proxy.url.href);
    await h.proxy.close();
    const result = await h.client({ baseUrl: dead }).balance();
    expect(result).toMatchObject({ ok: false, error: { kind: 'unknown', cause: 'network' } });
  });

  it('never writes the secret key or account numbers to the logs', async () => {
    const h = await harness();
    const client = h.client();
    await client.resolveAccount('0123456789', '001');
    await recipientFor(client);
    await client.initiateTransfer({
      amountKobo: 10_000n,
      recipientCode: 'RCP_nobody',
      reference: transferReference(),
      reason: 'payout',
    });
    await h.client({ secretKey: 'sk_test_wrong_key_value' }).balance();
    const logs = h.logLines.join('');
    expect(logs).toContain('paystack');
    expect(logs).not.toContain(SECRET_KEY);
    expect(logs).not.toContain('sk_test_wrong_key_value');
    expect(logs).not.toContain('0123456789');
  });
});
