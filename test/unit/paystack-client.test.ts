/**
 * The client's edges that need no server: input assertions, refusal classification, and response
 * handling driven through an injected fetch.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryKv } from '../../src/platform/kv/index.js';
import { createLogger } from '../../src/platform/logger.js';
import {
  PaystackClient,
  RESPONSE_BYTES_MAX,
  type PaystackClientOptions,
} from '../../src/rails/paystack/index.js';
import { refusalReason, retryAfterMs } from '../../src/rails/paystack/errors.js';
import { requestUrl } from '../../src/rails/paystack/http.js';
import { koboToWire } from '../../src/rails/paystack/inputs.js';
import { recipientCacheKey } from '../../src/rails/paystack/payouts.js';

const SECRET = 'sk_test_unit_0123456789';

interface Captured {
  url: string;
  init: RequestInit;
}

function client(
  answer: (url: string) => Response | Promise<Response>,
  overrides: Partial<PaystackClientOptions> = {},
) {
  const calls: Captured[] = [];
  const fake: typeof fetch = async (input, init) => {
    const url = input instanceof URL ? input.href : typeof input === 'string' ? input : input.url;
    calls.push({ url, init: init ?? {} });
    return answer(url);
  };
  const paystack = new PaystackClient({
    baseUrl: new URL('https://api.paystack.test'),
    secretKey: SECRET,
    timeoutMs: 1_000,
    kv: createMemoryKv(),
    logger: createLogger('silent'),
    fetch: fake,
    ...overrides,
  });
  return { paystack, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const transfer = {
  reference: 'rmp_payout_000000000001',
  transfer_code: 'TRF_abc',
  status: 'pending',
  amount: 10_000,
  currency: 'NGN',
};
const initiate = {
  amountKobo: 10_000n,
  recipientCode: 'RCP_abc',
  reference: transfer.reference,
  reason: 'payout',
};

describe('PaystackClient requests', () => {
  it('sends the bearer key, JSON, an abort signal, no redirects, and integer kobo', async () => {
    const { paystack, calls } = client(() =>
      json(200, { status: true, message: 'Transfer has been queued', data: transfer }),
    );
    await paystack.initiateTransfer(initiate);
    const call = calls[0]!;
    expect(call.url).toBe('https://api.paystack.test/transfer');
    const headers = call.init.headers as Record<string, string>;
    expect(headers['authorization']).toBe(`Bearer ${SECRET}`);
    expect(headers['content-type']).toBe('application/json');
    expect(call.init.signal).toBeInstanceOf(AbortSignal);
    expect(call.init.redirect).toBe('error');
    expect(JSON.parse(call.init.body as string)).toEqual({
      source: 'balance',
      amount: 10_000,
      currency: 'NGN',
      recipient: 'RCP_abc',
      reference: transfer.reference,
      reason: 'payout',
    });
  });

  it('keeps a base URL path prefix', () => {
    expect(
      requestUrl(new URL('http://127.0.0.1:4010/paystack/'), {
        method: 'GET',
        path: '/bank',
        query: { a: 'b c' },
      }).href,
    ).toBe('http://127.0.0.1:4010/paystack/bank?a=b+c');
  });

  it('encodes references into verify paths', async () => {
    const { paystack, calls } = client(() =>
      json(400, { status: false, message: 'Transaction reference not found' }),
    );
    await paystack.verifyTransaction('a.b=c-d');
    expect(calls[0]!.url).toBe('https://api.paystack.test/transaction/verify/a.b%3Dc-d');
  });
});

describe('PaystackClient answers', () => {
  it('a 2xx for another transfer is unknown, never succeeded', async () => {
    const { paystack } = client(() =>
      json(200, {
        status: true,
        message: 'ok',
        data: { ...transfer, reference: 'rmp_payout_other_0000001' },
      }),
    );
    expect(await paystack.initiateTransfer(initiate)).toMatchObject({
      outcome: 'unknown',
      cause: { cause: 'invalid_response' },
    });
  });

  it('a 2xx echoing a different amount is unknown', async () => {
    const { paystack } = client(() =>
      json(200, { status: true, message: 'ok', data: { ...transfer, amount: 10_001 } }),
    );
    expect((await paystack.initiateTransfer(initiate)).outcome).toBe('unknown');
  });

  it('an amount beyond 2^53 in a response is refused, not rounded', async () => {
    const body = JSON.stringify({ status: true, message: 'ok', data: transfer }).replace(
      '10000',
      '9007199254740993',
    );
    const { paystack } = client(() => new Response(body, { status: 200 }));
    expect(await paystack.initiateTransfer(initiate)).toMatchObject({
      outcome: 'unknown',
      cause: { cause: 'invalid_response' },
    });
  });

  it('a 2xx with status:false is unknown', async () => {
    const { paystack } = client(() => json(200, { status: false, message: 'odd' }));
    expect((await paystack.initiateTransfer(initiate)).outcome).toBe('unknown');
  });

  it('a body over the size limit is unknown', async () => {
    const { paystack } = client(() => new Response('x'.repeat(RESPONSE_BYTES_MAX + 1), { status: 200 }));
    expect(await paystack.balance()).toMatchObject({ ok: false, error: { cause: 'invalid_response' } });
  });

  it('invalid UTF-8 is unknown(invalid_response), not a network error', async () => {
    const { paystack } = client(() => new Response(new Uint8Array([0x7b, 0xff, 0x7d]), { status: 200 }));
    expect(await paystack.balance()).toMatchObject({ ok: false, error: { cause: 'invalid_response' } });
  });

  it('a fetch that throws is unknown(network); an abort by timeout is unknown(timeout)', async () => {
    const down = client(() => Promise.reject(new TypeError('fetch failed')));
    expect(await down.paystack.initiateTransfer(initiate)).toMatchObject({
      outcome: 'unknown',
      cause: { cause: 'network' },
    });
    const slow = client(() => Promise.reject(new DOMException('The operation timed out.', 'TimeoutError')));
    expect(await slow.paystack.initiateTransfer(initiate)).toMatchObject({
      outcome: 'unknown',
      cause: { cause: 'timeout' },
    });
  });

  it('a bank list that pages forever is cut off at the page limit', async () => {
    const { paystack, calls } = client(() =>
      json(200, {
        status: true,
        message: 'Banks retrieved',
        data: [{ name: 'A', code: '044' }],
        meta: { next: 'cursor' },
      }),
    );
    expect(await paystack.listBanks()).toMatchObject({ ok: false, error: { cause: 'invalid_response' } });
    expect(calls).toHaveLength(10);
  });

  it('follows the bank list cursor until next is null or "null"', async () => {
    let page = 0;
    const { paystack, calls } = client(() => {
      page += 1;
      return json(200, {
        status: true,
        message: 'Banks retrieved',
        data: [{ name: `B${page}`, code: `10${page}` }],
        meta: { next: page === 1 ? 'c2' : 'null' },
      });
    });
    const banks = await paystack.listBanks();
    expect(banks.ok && banks.value.map((b) => b.code)).toEqual(['101', '102']);
    expect(calls[1]!.url).toContain('next=c2');
  });
});

describe('PaystackClient assertions (programmer errors)', () => {
  const { paystack } = client(() => json(500, {}));

  it('refuses a non-positive or unsafe amount before any call', async () => {
    await expect(paystack.initiateTransfer({ ...initiate, amountKobo: 0n })).rejects.toThrow(/positive/);
    await expect(paystack.initiateTransfer({ ...initiate, amountKobo: 2n ** 53n })).rejects.toThrow(
      /safe integer/,
    );
    expect(koboToWire(9_007_199_254_740_991n)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses malformed transfer references (Paystack: 16-50 of [a-z0-9_-])', async () => {
    await expect(paystack.initiateTransfer({ ...initiate, reference: 'short' })).rejects.toThrow(
      /transfer reference/,
    );
    await expect(
      paystack.initiateTransfer({ ...initiate, reference: 'UPPER_CASE_REFERENCE_1' }),
    ).rejects.toThrow();
    await expect(paystack.verifyTransfer('../../balance/ledger')).rejects.toThrow();
  });

  it('refuses a public key, an empty key and a timeout out of range', () => {
    const base = {
      baseUrl: new URL('https://x.test'),
      timeoutMs: 1_000,
      kv: createMemoryKv(),
      logger: createLogger('silent'),
    };
    expect(() => new PaystackClient({ ...base, secretKey: 'pk_test_abc' })).toThrow(/public key/);
    expect(() => new PaystackClient({ ...base, secretKey: '' })).toThrow(/empty/);
    expect(() => new PaystackClient({ ...base, secretKey: SECRET, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => new PaystackClient({ ...base, secretKey: SECRET, timeoutMs: 600_000 })).toThrow(/timeoutMs/);
  });
});

describe('refusal classification', () => {
  it.each([
    [401, 'Invalid key', null, 'auth'],
    [429, 'Too many requests', null, 'rate_limited'],
    [400, 'Test mode daily limit of 3 live bank resolves exceeded.', null, 'rate_limited'],
    [400, 'Duplicate Transaction Reference', 'duplicate_reference', 'duplicate_reference'],
    [400, 'This reference has already been used on a prior transfer', null, 'duplicate_reference'],
    [400, 'Transfer reference already used', null, 'duplicate_reference'],
    [400, 'Transaction reference not found', null, 'not_found'],
    [404, 'Transfer not found', null, 'not_found'],
    [400, 'Your balance is not enough to fulfil this request', null, 'rejected'],
    [422, 'Could not resolve account name. Check parameters or try again.', null, 'rejected'],
  ] as const)('%i %j → %s', (status, message, code, reason) => {
    expect(refusalReason(status, message, code)).toBe(reason);
  });

  it('reads Retry-After seconds, bounded, and ignores dates and garbage', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs('999999')).toBe(5 * 60 * 1000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });

  it('a 429 carries its Retry-After', async () => {
    const { paystack } = client(() =>
      json(429, { status: false, message: 'Too many requests' }, { 'retry-after': '2' }),
    );
    expect(await paystack.balance()).toMatchObject({
      ok: false,
      error: { reason: 'rate_limited', retryAfterMs: 2_000 },
    });
  });
});

describe('recipient cache key', () => {
  it('hashes the account number out of the key and separates test from live', () => {
    const key = recipientCacheKey('test', '058', '0123456789');
    expect(key).not.toContain('0123456789');
    expect(key).toMatch(/^paystack:test:recipient:[0-9a-f]{40}$/);
    expect(recipientCacheKey('live', '058', '0123456789')).not.toBe(key);
    expect(recipientCacheKey('test', '044', '0123456789')).not.toBe(key);
  });
});
