/**
 * SEP-38 through HTTP on every database backend: the composed app, a price feed double over real
 * HTTP, a controllable clock, and SEP-10 tokens minted with the app's secret.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { createSepContext } from '../../src/sep/context.js';
import { signSep10Jwt } from '../../src/sep/sep10/jwt.js';
import { consumeQuote, sep38 } from '../../src/sep/sep38/index.js';
import { startPriceFeedDouble, type PriceFeedDouble } from '../../src/sandbox/rates/feed-double.js';
import { databaseKinds } from '../support/databases.js';
import { redisTestUrl } from '../support/services.js';
import { startTestApp, type TestApp } from '../support/app.js';

const JWT_SECRET = 'sep38-test-secret-0123456789abcdef0123456789';
const NGN_ISSUER = Keypair.random().publicKey();
const USDC_ISSUER = Keypair.random().publicKey();
const NGNC = `stellar:NGNC:${NGN_ISSUER}`;
const USDC = `stellar:USDC:${USDC_ISSUER}`;
const NGN = 'iso4217:NGN';
const START = new Date('2025-05-01T12:00:00.000Z');
const redisUrl = redisTestUrl();
// Asymmetric matchers are typed `any`; name them once, typed as what they stand for.
const anyText = expect.any(String) as string;

interface ErrorReply {
  error: string;
  code: string;
}

describe.each(databaseKinds)('SEP-38 on %s', (kind) => {
  let feed: PriceFeedDouble;
  let test: TestApp;
  let nowMs = START.getTime();
  const now = (): Date => new Date(nowMs);

  const token = (sub: string): string =>
    signSep10Jwt(
      {
        iss: 'http://localhost:8000/auth',
        sub,
        iat: Math.floor(nowMs / 1000) - 10,
        exp: Math.floor(nowMs / 1000) + 3600,
        jti: randomUUID(),
      },
      JWT_SECRET,
    );
  const alice = Keypair.random().publicKey();
  const bob = Keypair.random().publicKey();

  const get = (url: string, sub?: string) =>
    test.app.inject({
      method: 'GET',
      url,
      ...(sub === undefined ? {} : { headers: { authorization: `Bearer ${token(sub)}` } }),
    });
  const postQuote = (body: Record<string, unknown>, sub: string | null = alice) =>
    test.app.inject({
      method: 'POST',
      url: '/sep38/quote',
      payload: body,
      ...(sub === null ? {} : { headers: { authorization: `Bearer ${token(sub)}` } }),
    });
  const query = (params: Record<string, string>): string => new URLSearchParams(params).toString();

  beforeAll(async () => {
    feed = await startPriceFeedDouble();
    test = await startTestApp(
      kind,
      {
        // Real PostgreSQL runs with real Redis (the quote cache), PGlite with the memory store.
        ...(kind === 'postgres' && redisUrl !== undefined
          ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `t-sep38-${randomUUID().slice(0, 8)}:` }
          : {}),
        JWT_SECRET,
        ASSET_NGN_ISSUER: NGN_ISSUER,
        ASSET_USDC_ISSUER: USDC_ISSUER,
        SEP38_RATE_SOURCE: 'feed',
        SEP38_RATE_FEED_URL: feed.url.toString(),
        SEP38_RATE_FEED_CACHE_MS: '0',
        SEP38_RATE_MAX_AGE_S: '60',
        SEP38_SPREAD_BPS: '50',
        SEP38_QUOTE_TTL_S: '300',
        SEP38_QUOTE_TTL_MAX_S: '3600',
        FEES_USDC_DEPOSIT: 'fixed:10000,bps:150,max:200000',
        FEES_USDC_WITHDRAWAL: 'fixed:5000',
        FEES_NGN_DEPOSIT: 'fixed:10000,bps:150,max:200000',
        FEES_NGN_WITHDRAWAL: 'fixed:5000',
      },
      {
        register: async (app, runtime) => {
          await app.register(sep38, { prefix: '/sep38', ...createSepContext(runtime, JWT_SECRET, now) });
        },
      },
    );
  });
  afterAll(async () => {
    await test.close();
    await feed.close();
  });
  beforeEach(() => {
    nowMs = START.getTime();
    feed.quote('1500', new Date(nowMs - 5000));
  });

  it('caches quotes in the store this backend pairs with', () => {
    expect(test.runtime.kv.kind).toBe(kind === 'postgres' && redisUrl !== undefined ? 'redis' : 'memory');
  });

  describe('GET /info', () => {
    it('lists naira with its country and Paystack delivery methods, and both Stellar assets', async () => {
      const reply = await get('/sep38/info');
      expect(reply.statusCode).toBe(200);
      const body = reply.json<{ assets: Record<string, unknown>[] }>();
      expect(body.assets.map((a) => a['asset'])).toEqual([NGN, NGNC, USDC]);
      expect(body.assets[0]).toEqual({
        asset: NGN,
        country_codes: ['NG'],
        sell_delivery_methods: [
          { name: 'card', description: anyText },
          { name: 'bank_transfer', description: anyText },
          { name: 'ussd', description: anyText },
        ],
        buy_delivery_methods: [{ name: 'bank_account', description: anyText }],
      });
      expect(body.assets[1]).toEqual({ asset: NGNC });
    });
  });

  describe('GET /prices', () => {
    it('prices every Stellar asset for a naira sell amount, fees included', async () => {
      const reply = await get(`/sep38/prices?${query({ sell_asset: NGN, sell_amount: '15000' })}`);
      expect(reply.statusCode).toBe(200);
      // USDC: 15000 / 9.7346600 (see GET /price) rounded up; NGNC: 15000 / 14675 at par.
      expect(reply.json()).toEqual({
        buy_assets: [
          { asset: NGNC, price: '1.0221465077', decimals: 7 },
          { asset: USDC, price: '1540.8858655567', decimals: 7 },
        ],
      });
    });

    it('prices naira for a USDC buy amount', async () => {
      const reply = await get(`/sep38/prices?${query({ buy_asset: NGN, buy_amount: '14875' })}`);
      expect(reply.statusCode).toBe(200);
      const body = reply.json<{ sell_assets: { asset: string; decimals: number }[] }>();
      expect(body.sell_assets.map((a) => [a.asset, a.decimals])).toEqual([
        [NGNC, 7],
        [USDC, 7],
      ]);
    });

    it('drops the market pair while the feed price is stale, keeping the par pair', async () => {
      feed.quote('1500', new Date(nowMs - 61_000));
      const reply = await get(`/sep38/prices?${query({ sell_asset: NGN, sell_amount: '15000' })}`);
      expect(reply.statusCode).toBe(200);
      expect(reply.json<{ buy_assets: { asset: string }[] }>().buy_assets.map((a) => a.asset)).toEqual([
        NGNC,
      ]);
    });

    it.each([
      [{ sell_amount: '100' }, 'exactly one of sell_asset and buy_asset'],
      [{ sell_asset: NGN, buy_asset: USDC, sell_amount: '100' }, 'exactly one of sell_asset and buy_asset'],
      [{ sell_asset: NGN }, 'sell_asset needs sell_amount'],
      [{ sell_asset: NGN, buy_amount: '100' }, 'sell_asset needs sell_amount'],
      [{ sell_asset: 'iso4217:USD', sell_amount: '100' }, 'is not supported'],
      [{ sell_asset: NGN, sell_amount: '100.001' }, 'sell_amount: amount has more than 2 decimal places'],
      [{ sell_asset: NGN, sell_amount: '50' }, 'sell_amount: below the minimum of 100.00'],
    ])('refuses %j', async (params, message) => {
      const reply = await get(`/sep38/prices?${query(params)}`);
      expect(reply.statusCode).toBe(400);
      expect(reply.json<ErrorReply>()).toMatchObject({ code: 'invalid_request' });
      expect(reply.json<ErrorReply>().error).toContain(message);
    });
  });

  describe('GET /price', () => {
    it('deposit naira → USDC: fee in naira, mid + spread, amounts at each asset’s precision', async () => {
      const reply = await get(
        `/sep38/price?${query({ sell_asset: NGN, buy_asset: USDC, sell_amount: '15000', context: 'sep24', sell_delivery_method: 'card', country_code: 'NG' })}`,
      );
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toEqual({
        total_price: '1540.8858655567',
        price: '1507.5',
        sell_amount: '15000.00',
        buy_amount: '9.7346600',
        fee: {
          total: '325.00',
          asset: NGN,
          details: [
            { name: 'Fixed fee', description: anyText, amount: '100.00' },
            { name: 'Service fee', description: '1.5% of the naira amount.', amount: '225.00' },
          ],
        },
      });
    });

    it('withdrawal USDC → naira: mid − spread, fee taken from the naira paid out', async () => {
      const reply = await get(
        `/sep38/price?${query({ sell_asset: USDC, buy_asset: NGN, sell_amount: '10', context: 'sep6', buy_delivery_method: 'bank_account' })}`,
      );
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toEqual({
        total_price: '0.0006722689076',
        price: '0.0006700167505',
        sell_amount: '10.0000000',
        buy_amount: '14875.00',
        fee: {
          total: '50.00',
          asset: NGN,
          details: [{ name: 'Fixed fee', description: anyText, amount: '50.00' }],
        },
      });
    });

    it('by buy amount: the least sell amount that delivers at least what was asked', async () => {
      const reply = await get(
        `/sep38/price?${query({ sell_asset: USDC, buy_asset: NGN, buy_amount: '14875', context: 'sep6' })}`,
      );
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toMatchObject({ sell_amount: '10.0000000', buy_amount: '14875.00' });
    });

    it('the naira token at par', async () => {
      const reply = await get(
        `/sep38/price?${query({ sell_asset: NGN, buy_asset: NGNC, sell_amount: '1000', context: 'sep24' })}`,
      );
      expect(reply.json()).toMatchObject({ price: '1', sell_amount: '1000.00', buy_amount: '885.0000000' });
    });

    it('answers 503 rather than quote a stale price', async () => {
      feed.quote('1500', new Date(nowMs - 61_000));
      const reply = await get(
        `/sep38/price?${query({ sell_asset: NGN, buy_asset: USDC, sell_amount: '15000', context: 'sep24' })}`,
      );
      expect(reply.statusCode).toBe(503);
      expect(reply.json<ErrorReply>()).toEqual({
        error: expect.stringContaining('no current price') as string,
        code: 'price_unavailable',
      });
    });

    it('answers 503 when the feed is down or malformed', async () => {
      feed.answer({ status: 500, body: { error: 'down' } });
      const down = await get(
        `/sep38/price?${query({ sell_asset: NGN, buy_asset: USDC, sell_amount: '15000', context: 'sep24' })}`,
      );
      expect(down.statusCode).toBe(503);
      feed.answer({ status: 200, body: { price: 1500, timestamp: now().toISOString() } });
      const malformed = await get(
        `/sep38/price?${query({ sell_asset: NGN, buy_asset: USDC, sell_amount: '15000', context: 'sep24' })}`,
      );
      expect(malformed.statusCode).toBe(503);
    });

    it.each([
      [
        { sell_asset: NGN, buy_asset: USDC, sell_amount: '100', buy_amount: '1', context: 'sep6' },
        'exactly one of sell_amount and buy_amount',
      ],
      [{ sell_asset: NGN, buy_asset: USDC, context: 'sep6' }, 'exactly one of sell_amount and buy_amount'],
      [{ sell_asset: NGN, buy_asset: USDC, sell_amount: '15000' }, 'context'],
      [{ sell_asset: NGN, buy_asset: USDC, sell_amount: '15000', context: 'sep99' }, 'context'],
      [{ sell_asset: NGN, buy_asset: NGN, sell_amount: '15000', context: 'sep6' }, 'no pair'],
      [{ sell_asset: NGNC, buy_asset: USDC, sell_amount: '15', context: 'sep6' }, 'no pair'],
      [
        { sell_asset: USDC, buy_asset: NGN, sell_amount: '1.00000001', context: 'sep6' },
        'sell_amount: amount has more than 7 decimal places',
      ],
      [
        { sell_asset: NGN, buy_asset: USDC, buy_amount: '0.00000001', context: 'sep6' },
        'buy_amount: amount has more than 7 decimal places',
      ],
      [
        { sell_asset: NGN, buy_asset: USDC, sell_amount: '1e5', context: 'sep6' },
        'sell_amount: amount must be a plain decimal',
      ],
      [
        { sell_asset: NGN, buy_asset: USDC, sell_amount: '-100', context: 'sep6' },
        'sell_amount: amount must not be negative',
      ],
      [
        { sell_asset: USDC, buy_asset: NGN, sell_amount: '20000', context: 'sep6' },
        'sell_amount: above the maximum of 10000.0000000',
      ],
      [
        { sell_asset: NGN, buy_asset: USDC, sell_amount: '1000', context: 'sep6' },
        'buy_amount: the resulting 0.5870646 is below the minimum of 1.0000000',
      ],
      [
        {
          sell_asset: NGN,
          buy_asset: USDC,
          sell_amount: '15000',
          context: 'sep6',
          sell_delivery_method: 'cash',
        },
        'sell_delivery_method: "cash" is not offered',
      ],
      [
        {
          sell_asset: NGN,
          buy_asset: USDC,
          sell_amount: '15000',
          context: 'sep6',
          buy_delivery_method: 'bank_account',
        },
        'buy_delivery_method: only applies to the off-chain asset',
      ],
      [
        { sell_asset: NGN, buy_asset: USDC, sell_amount: '15000', context: 'sep6', country_code: 'GH' },
        'country_code',
      ],
    ])('refuses %j', async (params, message) => {
      const reply = await get(`/sep38/price?${query(params)}`);
      expect(reply.statusCode).toBe(400);
      expect(reply.json<ErrorReply>().code).toBe('invalid_request');
      expect(reply.json<ErrorReply>().error).toContain(message);
    });
  });

  describe('POST /quote and GET /quote/:id', () => {
    const deposit = {
      sell_asset: NGN,
      buy_asset: USDC,
      sell_amount: '15000',
      context: 'sep24',
      sell_delivery_method: 'bank_transfer',
    };

    it('refuses without a token, or with a bad one (403)', async () => {
      const none = await postQuote(deposit, null);
      expect(none.statusCode).toBe(403);
      expect(none.json<ErrorReply>().code).toBe('authentication_required');
      const bad = await test.app.inject({
        method: 'POST',
        url: '/sep38/quote',
        payload: deposit,
        headers: { authorization: `Bearer ${token(alice)}x` },
      });
      expect(bad.statusCode).toBe(403);
      const read = await get(`/sep38/quote/${randomUUID()}`);
      expect(read.statusCode).toBe(403);
    });

    it('creates a firm quote (201), stored exactly, readable by its account from cache and database', async () => {
      const created = await postQuote(deposit);
      expect(created.statusCode).toBe(201);
      const body = created.json<Record<string, unknown>>();
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
        expires_at: new Date(nowMs + 300_000).toISOString(),
        total_price: '1540.8858655567',
        price: '1507.5',
        sell_asset: NGN,
        sell_amount: '15000.00',
        sell_delivery_method: 'bank_transfer',
        buy_asset: USDC,
        buy_amount: '9.7346600',
        fee: expect.objectContaining({ total: '325.00', asset: NGN }) as object,
      });
      const id = String(body['id']);

      const cached = await get(`/sep38/quote/${id}`, alice);
      expect(cached.statusCode).toBe(200);
      expect(cached.json()).toEqual(body);
      await test.runtime.kv.delete(`sep38:quote:${id}`);
      const fromDatabase = await get(`/sep38/quote/${id}`, alice);
      expect(fromDatabase.json()).toEqual(body);

      const row = await test.runtime.database.db
        .selectFrom('quotes')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        account: alice,
        context: 'sep24',
        sell_amount_minor: '1500000',
        buy_amount_minor: '97346600',
        price_numerator: '3015',
        price_denominator: '2',
        fee_total_minor: '32500',
        spread_bps: 50,
        used_at: null,
      });
    });

    it('keeps a quote from every other account: 404, never 403, from cache or database', async () => {
      const id = (await postQuote(deposit)).json<{ id: string }>().id;
      const fromCache = await get(`/sep38/quote/${id}`, bob);
      expect(fromCache.statusCode).toBe(404);
      expect(fromCache.json<ErrorReply>().code).toBe('quote_not_found');
      await test.runtime.kv.delete(`sep38:quote:${id}`);
      expect((await get(`/sep38/quote/${id}`, bob)).statusCode).toBe(404);
      // The same account with a memo is another customer.
      expect((await get(`/sep38/quote/${id}`, `${alice}:42`)).statusCode).toBe(404);
      expect((await get(`/sep38/quote/${id}`, alice)).statusCode).toBe(200);
    });

    it('answers 404 for an unknown or malformed id', async () => {
      expect((await get(`/sep38/quote/${randomUUID()}`, alice)).statusCode).toBe(404);
      expect((await get('/sep38/quote/not-a-uuid', alice)).statusCode).toBe(404);
    });

    it('honours expire_after within bounds', async () => {
      const later = new Date(nowMs + 1_200_000).toISOString();
      const honoured = await postQuote({ ...deposit, expire_after: later });
      expect(honoured.json<{ expires_at: string }>().expires_at).toBe(later);
      const early = await postQuote({ ...deposit, expire_after: new Date(nowMs + 10_000).toISOString() });
      expect(early.json<{ expires_at: string }>().expires_at).toBe(new Date(nowMs + 300_000).toISOString());
      const tooLate = await postQuote({
        ...deposit,
        expire_after: new Date(nowMs + 3_601_000).toISOString(),
      });
      expect(tooLate.statusCode).toBe(400);
      expect(tooLate.json<ErrorReply>().error).toContain('expire_after');
      const garbage = await postQuote({ ...deposit, expire_after: 'tomorrow' });
      expect(garbage.statusCode).toBe(400);
    });

    it('requires the delivery method when several are offered, not when one is', async () => {
      const { sell_delivery_method: _omitted, ...withoutMethod } = deposit;
      const refused = await postQuote(withoutMethod);
      expect(refused.statusCode).toBe(400);
      expect(refused.json<ErrorReply>().error).toContain('sell_delivery_method: required');
      const withdrawal = await postQuote({
        sell_asset: USDC,
        buy_asset: NGN,
        sell_amount: '10',
        context: 'sep6',
      });
      expect(withdrawal.statusCode).toBe(201);
      expect(withdrawal.json()).toMatchObject({ buy_amount: '14875.00' });
    });

    it('answers 503 for a firm quote on a stale price, and stores nothing', async () => {
      feed.quote('1500', new Date(nowMs - 61_000));
      const before = await test.runtime.database.db
        .selectFrom('quotes')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      const reply = await postQuote(deposit);
      expect(reply.statusCode).toBe(503);
      const after = await test.runtime.database.db
        .selectFrom('quotes')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expect(String(after.n)).toBe(String(before.n));
    });

    it('refuses an invalid body with a 400 naming the field', async () => {
      const reply = await postQuote({ ...deposit, sell_amount: '15000.005' });
      expect(reply.statusCode).toBe(400);
      expect(reply.json<ErrorReply>().error).toContain('sell_amount');
      const missing = await postQuote({ buy_asset: USDC, sell_amount: '15000', context: 'sep24' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json<ErrorReply>().error).toContain('sell_asset');
    });
  });

  describe('consumeQuote', () => {
    const withdrawal = { sell_asset: USDC, buy_asset: NGN, sell_amount: '10', context: 'sep6' };
    const create = async (sub = alice): Promise<string> => {
      const reply = await postQuote(withdrawal, sub);
      expect(reply.statusCode).toBe(201);
      return reply.json<{ id: string }>().id;
    };

    it('uses a quote once: the second use is refused as used', async () => {
      const id = await create();
      const db = test.runtime.database.db;
      const transactionId = randomUUID();
      const first = await db
        .transaction()
        .execute((trx) => consumeQuote(trx, { quoteId: id, account: alice, now: now(), transactionId }));
      expect(first).toMatchObject({
        ok: true,
        quote: { id, account: alice, buyAmountMinor: 1_487_500n, usedByTransactionId: transactionId },
      });
      const second = await db
        .transaction()
        .execute((trx) => consumeQuote(trx, { quoteId: id, account: alice, now: now() }));
      expect(second).toEqual({ ok: false, refusal: 'used' });
    });

    it('refuses an expired quote, and leaves it unused', async () => {
      const id = await create();
      const db = test.runtime.database.db;
      const atExpiry = new Date(nowMs + 300_000);
      expect(await consumeQuote(db, { quoteId: id, account: alice, now: atExpiry })).toEqual({
        ok: false,
        refusal: 'expired',
      });
      const row = await db
        .selectFrom('quotes')
        .select('used_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.used_at).toBeNull();
      // …and still readable past its expiry, as SEP-38 requires.
      nowMs += 400_000;
      await test.runtime.kv.delete(`sep38:quote:${id}`);
      expect((await get(`/sep38/quote/${id}`, alice)).statusCode).toBe(200);
    });

    it('refuses another account and unknown ids', async () => {
      const id = await create();
      const db = test.runtime.database.db;
      expect(await consumeQuote(db, { quoteId: id, account: bob, now: now() })).toEqual({
        ok: false,
        refusal: 'wrong_account',
      });
      expect(await consumeQuote(db, { quoteId: randomUUID(), account: alice, now: now() })).toEqual({
        ok: false,
        refusal: 'not_found',
      });
      expect(await consumeQuote(db, { quoteId: 'nope', account: alice, now: now() })).toEqual({
        ok: false,
        refusal: 'not_found',
      });
    });

    it('lets exactly one of two concurrent uses win', async () => {
      const id = await create();
      const db = test.runtime.database.db;
      const results = await Promise.all(
        [1, 2].map(() =>
          db.transaction().execute((trx) => consumeQuote(trx, { quoteId: id, account: alice, now: now() })),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, refusal: 'used' }]);
    });

    it('a rolled-back use leaves the quote usable', async () => {
      const id = await create();
      const db = test.runtime.database.db;
      await expect(
        db.transaction().execute(async (trx) => {
          expect((await consumeQuote(trx, { quoteId: id, account: alice, now: now() })).ok).toBe(true);
          throw new Error('the flow failed after using the quote');
        }),
      ).rejects.toThrow('the flow failed');
      expect((await consumeQuote(db, { quoteId: id, account: alice, now: now() })).ok).toBe(true);
    });
  });

  it('publishes every SEP-38 route in /openapi.json', async () => {
    const spec = (await get('/openapi.json')).json<{ paths: Record<string, unknown> }>();
    for (const path of ['/sep38/info', '/sep38/prices', '/sep38/price', '/sep38/quote', '/sep38/quote/{id}'])
      expect(Object.keys(spec.paths)).toContain(path);
  });
});
