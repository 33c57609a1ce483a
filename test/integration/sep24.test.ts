/**
 * SEP-24 deposits and withdrawals over HTTP on every database backend: /info, the interactive
 * deposit and withdrawal in each body encoding the SEP allows, every refused input leaving the
 * database untouched, and the transaction history an account may read (its own only).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Account, Keypair, MuxedAccount } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { redeemInteractiveToken } from '../../src/flows/transfers/interactive-token.js';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';
import { buildCatalog } from '../../src/sep/sep38/catalog.js';
import { insertQuote, type NewQuote, type Quote } from '../../src/sep/sep38/store.js';
import { createSepContext } from '../../src/sep/context.js';
import { signSep10Jwt } from '../../src/sep/sep10/jwt.js';
import { infoBody, sep24 } from '../../src/sep/sep24/index.js';
import { depositOffers, withdrawOffers } from '../../src/sep/transfers/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { databaseKinds } from '../support/databases.js';

const JWT_SECRET = 'sep24-integration-secret-0123456789abcdef';
const PUBLIC_URL = 'https://ramp.example.ng';
const NGN_ISSUER = Keypair.random().publicKey();
const USDC_ISSUER = Keypair.random().publicKey();
const NGNC_ID = `stellar:NGNC:${NGN_ISSUER}`;
const USDC_ID = `stellar:USDC:${USDC_ISSUER}`;
const PAYSTACK_KEY = 'sk_test_sep24integration0123456789abc';
const ENV = {
  STELLAR_NETWORK: 'sandbox',
  PUBLIC_URL,
  JWT_SECRET,
  ASSET_NGN_ISSUER: NGN_ISSUER,
  ASSET_USDC_ISSUER: USDC_ISSUER,
  PII_ENCRYPTION_KEYS: `it1:${randomBytes(32).toString('base64')}`,
  // ₦100 + 1.5 %, no minimum or cap: the schedule SEP's fee_fixed / fee_percent can express.
  FEES_NGN_DEPOSIT: 'fixed:10000,bps:150',
  // Withdrawals need both rails: Paystack (here the double) and the account that receives the asset.
  PAYSTACK_SECRET_KEY: PAYSTACK_KEY,
  STELLAR_DISTRIBUTION_SECRET: Keypair.random().secret(),
  RATE_LIMIT_PER_MINUTE: '100000',
};

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

interface Transaction {
  id: string;
  kind: string;
  status: string;
  [field: string]: unknown;
}

function tokenFor(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signSep10Jwt(
    { iss: `${PUBLIC_URL}/auth`, sub, iat: now, exp: now + 600, jti: randomBytes(8).toString('hex') },
    JWT_SECRET,
  );
}

function multipart(fields: Record<string, string>, files: Record<string, Buffer> = {}) {
  const boundary = `----rampart${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  for (const [name, data] of Object.entries(files)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(databaseKinds)('SEP-24 on %s', (kind) => {
  let test: TestApp;
  let double: PaystackDouble;

  async function call(
    method: 'GET' | 'POST',
    url: string,
    sub: string | null,
    payload?: unknown,
    contentType = 'application/json',
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (sub !== null) headers['authorization'] = `Bearer ${tokenFor(sub)}`;
    let body: string | Buffer | undefined;
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      body = Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : JSON.stringify(payload);
    }
    const response = await test.app.inject({
      method,
      url,
      headers,
      ...(body === undefined ? {} : { payload: body }),
    });
    return {
      status: response.statusCode,
      json: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>),
    };
  }

  const deposit = (sub: string, body: Record<string, unknown>) =>
    call('POST', '/sep24/transactions/deposit/interactive', sub, body);
  const withdraw = (sub: string, body: Record<string, unknown>) =>
    call('POST', '/sep24/transactions/withdraw/interactive', sub, body);

  /** A firm quote selling `sellAmountMinor` stroops of USDC for naira, as SEP-38 would have made it. */
  async function usdcQuote(account: string, overrides: Partial<NewQuote> = {}): Promise<Quote> {
    const now = Date.now();
    return insertQuote(test.runtime.database.db, {
      account,
      context: 'sep24',
      sellAsset: USDC_ID,
      sellAmountMinor: 125_000_000n,
      sellDecimals: 7,
      sellDeliveryMethod: null,
      buyAsset: 'iso4217:NGN',
      buyAmountMinor: 1_960_000n,
      buyDecimals: 2,
      buyDeliveryMethod: 'bank_account',
      countryCode: null,
      price: { numerator: 1n, denominator: 1600n },
      priceText: '0.000625',
      totalPriceText: '0.00063776',
      marketRate: { numerator: 1n, denominator: 1592n },
      spreadBps: 50,
      rateSource: 'test',
      rateObservedAt: new Date(now - 1000),
      feeAsset: 'iso4217:NGN',
      feeTotalMinor: 40_000n,
      feeDecimals: 2,
      feeDetails: [{ name: 'Service fee', description: 'Rampart fee', amountMinor: 40_000n }],
      expiresAt: new Date(now + 10 * 60_000),
      createdAt: new Date(now),
      ...overrides,
    });
  }

  async function counts(): Promise<{ transactions: number; tokens: number; quotesUsed: number }> {
    const { rows } = await sql<{ transactions: string; tokens: string; quotes_used: string }>`
      select (select count(*) from transactions) as transactions,
             (select count(*) from interactive_tokens) as tokens,
             (select count(*) from quotes where used_at is not null) as quotes_used`.execute(
      test.runtime.database.db,
    );
    const counted = rows[0];
    return {
      transactions: Number(counted?.transactions),
      tokens: Number(counted?.tokens),
      quotesUsed: Number(counted?.quotes_used),
    };
  }

  const row = (id: string) =>
    test.runtime.database.db
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    double = await createPaystackDouble({ secretKey: PAYSTACK_KEY });
    test = await startTestApp(
      kind,
      { ...ENV, PAYSTACK_BASE_URL: double.url },
      {
        register: async (app, runtime) => {
          await app.register(sep24, { ...createSepContext(runtime, JWT_SECRET), prefix: '/sep24' });
        },
      },
    );
  });
  afterAll(async () => {
    await test.close();
    await double.close();
  });

  describe('GET /info', () => {
    it('lists every anchored asset for deposit with naira limits, and for withdrawal in units of the asset', async () => {
      const answer = await call('GET', '/sep24/info?lang=en', null);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        deposit: {
          NGNC: { enabled: true, min_amount: 100, max_amount: 10_000_000, fee_fixed: 100, fee_percent: 1.5 },
          // Bought at a SEP-38 quote: its fee is the quote's, so none is announced.
          USDC: { enabled: true, min_amount: 100, max_amount: 10_000_000 },
        },
        withdraw: {
          // FEES_NGN_WITHDRAWAL's default, ₦50 fixed: naira, which is the token one to one.
          NGNC: { enabled: true, min_amount: 100, max_amount: 10_000_000, fee_fixed: 50 },
          // Sold at a quote the hosted pages make: its fee is the quote's.
          USDC: { enabled: true, min_amount: 1, max_amount: 10_000 },
        },
        fee: { enabled: false },
        features: { account_creation: false, claimable_balances: true },
      });
    });

    it('announces account creation only when a starting balance is set, and no fee a cap makes complex', () => {
      const loaded = loadConfig({
        RAMPART_DATA_DIR: 'memory://',
        ...ENV,
        STELLAR_CREATE_ACCOUNT_XLM: '2.5',
        FEES_NGN_DEPOSIT: 'fixed:10000,bps:150,max:200000',
      });
      if (!loaded.ok) throw new Error(loaded.problems.join('; '));
      const { config } = loaded;
      const catalog = buildCatalog(config);
      const body = infoBody(
        depositOffers({ config, catalog }),
        withdrawOffers({ config, catalog, paystack: undefined }),
        { config },
      );
      expect(body.features).toEqual({ account_creation: true, claimable_balances: true });
      expect(body.deposit['NGNC']).toEqual({ enabled: true, min_amount: 100, max_amount: 10_000_000 });
      // Without Paystack no bank account can be checked or paid: no asset is offered for withdrawal.
      expect(body.withdraw).toEqual({ NGNC: { enabled: false }, USDC: { enabled: false } });
    });

    it('offers no withdrawal without the account that receives the asset', () => {
      const { STELLAR_DISTRIBUTION_SECRET: _omitted, ...withoutSecret } = ENV;
      const loaded = loadConfig({ RAMPART_DATA_DIR: 'memory://', ...withoutSecret });
      if (!loaded.ok) throw new Error(loaded.problems.join('; '));
      const { config } = loaded;
      const catalog = buildCatalog(config);
      const paystack = createSepContext(test.runtime, JWT_SECRET).paystack;
      expect(paystack).toBeDefined();
      expect(withdrawOffers({ config, catalog, paystack })).toEqual([]);
    });
  });

  describe('POST /transactions/deposit/interactive', () => {
    it('opens an incomplete deposit from JSON and answers a single-use interactive URL', async () => {
      const g = Keypair.random().publicKey();
      const answer = await deposit(g, {
        asset_code: 'NGNC',
        asset_issuer: NGN_ISSUER,
        amount: '5000.50',
        claimable_balance_supported: true,
        lang: 'en-NG',
        first_name: 'Adaeze', // SEP-9: accepted, not kept
      });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        type: 'interactive_customer_info_needed',
        url: expect.stringMatching(
          /^https:\/\/ramp\.example\.ng\/sep24\/interactive\?token=[A-Za-z0-9_-]{43}&lang=en$/,
        ) as string,
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      });
      const id = answer.json['id'] as string;
      expect(answer.json['url']).not.toContain('Adaeze');
      const stored = await row(id);
      expect(stored).toMatchObject({
        kind: 'deposit',
        protocol: 'sep24',
        status: 'incomplete',
        asset_code: 'NGNC',
        stellar_account: g,
        auth_account: g,
        amount_in_asset: 'iso4217:NGN',
        amount_out_asset: `stellar:NGNC:${NGN_ISSUER}`,
        claimable_balance_supported: true,
        lang: 'en',
      });
      expect(String(stored.amount_expected_minor)).toBe('500050');
      const token = new URL(answer.json['url'] as string).searchParams.get('token') ?? '';
      expect(await redeemInteractiveToken(test.runtime.database.db, token, new Date())).toBe(id);
      expect(await redeemInteractiveToken(test.runtime.database.db, token, new Date())).toBeUndefined();
    });

    it('takes a JSON number amount as the decimal it names', async () => {
      const answer = await deposit(Keypair.random().publicKey(), { asset_code: 'NGNC', amount: 2500.25 });
      expect(answer.status).toBe(200);
      expect(String((await row(answer.json['id'] as string)).amount_expected_minor)).toBe('250025');
    });

    it('accepts application/x-www-form-urlencoded, with SEP-9 fields ignored', async () => {
      const g = Keypair.random().publicKey();
      const form = new URLSearchParams({
        asset_code: 'NGNC',
        amount: '1000',
        claimable_balance_supported: 'false',
        memo_type: 'id',
        memo: '42',
        email_address: 'ada@example.com',
        asset_issuer: '', // an empty form field is "not given"
      }).toString();
      const answer = await call(
        'POST',
        '/sep24/transactions/deposit/interactive',
        g,
        form,
        'application/x-www-form-urlencoded',
      );
      expect(answer.status).toBe(200);
      const stored = await row(answer.json['id'] as string);
      expect(stored).toMatchObject({
        stellar_memo: '42',
        stellar_memo_type: 'id',
        claimable_balance_supported: false,
      });
    });

    it('accepts multipart/form-data, ignoring SEP-9 files', async () => {
      const g = Keypair.random().publicKey();
      const other = Keypair.random().publicKey();
      const { body, contentType } = multipart(
        { asset_code: 'USDC', account: other, last_name: 'Okafor' },
        { photo_id_front: Buffer.from([0xff, 0xd8, 0xff, 0x00]) },
      );
      const answer = await call('POST', '/sep24/transactions/deposit/interactive', g, body, contentType);
      expect(answer.status).toBe(200);
      const stored = await row(answer.json['id'] as string);
      // No amount yet: the hosted pages ask for it. The asset goes to `account`, the owner is the token's.
      expect(stored).toMatchObject({ asset_code: 'USDC', stellar_account: other, auth_account: g });
      expect(stored.amount_expected_minor).toBeNull();
    });

    it('sends a shared account’s deposits to its memo by default, even when it names its account', async () => {
      const g = Keypair.random().publicKey();
      for (const body of [{ asset_code: 'NGNC' }, { asset_code: 'NGNC', account: g }]) {
        const answer = await deposit(`${g}:77`, body);
        expect(answer.status).toBe(200);
        expect(await row(answer.json['id'] as string)).toMatchObject({
          stellar_account: g,
          stellar_memo: '77',
          stellar_memo_type: 'id',
          auth_memo: '77',
        });
      }
      // A memo of its own choosing replaces it; another account gets none by default.
      const own = await deposit(`${g}:77`, { asset_code: 'NGNC', memo: 'invoice-9' });
      expect(await row(own.json['id'] as string)).toMatchObject({
        stellar_memo: 'invoice-9',
        stellar_memo_type: 'text',
      });
      const other = Keypair.random().publicKey();
      const elsewhere = await deposit(`${g}:77`, { asset_code: 'NGNC', account: other });
      expect(await row(elsewhere.json['id'] as string)).toMatchObject({
        stellar_account: other,
        stellar_memo: null,
      });
    });

    it('refuses every bad input with 400 naming the field, and writes nothing', async () => {
      const g = Keypair.random().publicKey();
      const muxed = new MuxedAccount(new Account(g, '0'), '5').accountId();
      const cases: [Record<string, unknown>, string][] = [
        [{}, 'asset_code'],
        [{ asset_code: 'BTC' }, 'asset_code'],
        [{ asset_code: 'NGNC', asset_issuer: USDC_ISSUER }, 'asset_code'],
        [{ asset_code: 'X'.repeat(13) }, 'asset_code'],
        [{ asset_code: 'NGNC', amount: 'abc' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '50' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '100.001' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '-500' }, 'amount'],
        [{ asset_code: 'NGNC', amount: 1e21 }, 'amount'],
        [{ asset_code: 'NGNC', amount: '20000000' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '100' }, 'too small to cover the fee'],
        [{ asset_code: 'NGNC', account: 'GBAD' }, 'account'],
        [{ asset_code: 'NGNC', memo_type: 'invoice', memo: 'x' }, 'memo_type'],
        [{ asset_code: 'NGNC', memo: 'x'.repeat(29) }, 'memo'],
        [{ asset_code: 'NGNC', memo_type: 'id', memo: 'abc' }, 'memo'],
        [{ asset_code: 'NGNC', memo_type: 'hash', memo: 'not-base64' }, 'memo'],
        [{ asset_code: 'NGNC', account: muxed, memo: '9', memo_type: 'id' }, 'memo'],
        [{ asset_code: 'NGNC', source_asset: 'iso4217:USD' }, 'source_asset'],
        [{ asset_code: 'USDC', quote_id: randomUUID() }, 'quote_id'],
        [{ asset_code: 'USDC', quote_id: 'nope' }, 'quote_id'],
        [{ asset_code: 'NGNC', on_change_callback: 'ftp://wallet.example/cb' }, 'on_change_callback'],
        [{ asset_code: 'NGNC', claimable_balance_supported: 'maybe' }, 'claimable_balance_supported'],
        [{ asset_code: 'NGNC', memo: 42 }, 'memo'],
        [
          {
            asset_code: 'NGNC',
            ...Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`extra_${i}`, 'x'])),
          },
          'body',
        ],
      ];
      const before = await counts();
      for (const [body, field] of cases) {
        const answer = await deposit(g, body);
        expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(answer.json['error'], field).toContain(field);
        expect(answer.json['code']).toBe('invalid_request');
      }
      const form = await call(
        'POST',
        '/sep24/transactions/deposit/interactive',
        g,
        'asset_code=NGNC&asset_code=USDC',
        'application/x-www-form-urlencoded',
      );
      expect(form.status).toBe(400);
      expect(form.json['error']).toContain('asset_code');
      expect(await counts()).toEqual(before);
    });

    it('refuses a request without a SEP-10 token (403) and writes nothing', async () => {
      const before = await counts();
      const answer = await call('POST', '/sep24/transactions/deposit/interactive', null, {
        asset_code: 'NGNC',
      });
      expect(answer.status).toBe(403);
      expect(answer.json['type']).toBe('authentication_required');
      const forged = await test.app.inject({
        method: 'POST',
        url: '/sep24/transactions/deposit/interactive',
        headers: { authorization: 'Bearer not.a.token' },
        payload: { asset_code: 'NGNC' },
      });
      expect(forged.statusCode).toBe(403);
      expect(await counts()).toEqual(before);
    });
  });

  describe('POST /transactions/withdraw/interactive', () => {
    it('opens an incomplete withdrawal from JSON and answers a single-use interactive URL', async () => {
      const g = Keypair.random().publicKey();
      const answer = await withdraw(g, {
        asset_code: 'NGNC',
        asset_issuer: NGN_ISSUER,
        amount: '5000',
        destination_asset: 'iso4217:NGN',
        refund_memo: '77',
        refund_memo_type: 'id',
        lang: 'en-NG',
        bank_account_number: '0123456789', // SEP-9: accepted, not kept
      });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        type: 'interactive_customer_info_needed',
        url: expect.stringMatching(
          /^https:\/\/ramp\.example\.ng\/sep24\/interactive\?token=[A-Za-z0-9_-]{43}&lang=en$/,
        ) as string,
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      });
      const id = answer.json['id'] as string;
      expect(answer.json['url']).not.toContain('0123456789');
      const stored = await row(id);
      expect(stored).toMatchObject({
        kind: 'withdrawal',
        protocol: 'sep24',
        status: 'incomplete',
        asset_code: 'NGNC',
        stellar_account: g,
        auth_account: g,
        amount_in_asset: NGNC_ID,
        amount_out_asset: 'iso4217:NGN',
        refund_memo: '77',
        refund_memo_type: 'id',
        quote_id: null,
        withdraw_memo: null,
        payout_account_ciphertext: null,
        lang: 'en',
      });
      expect(String(stored.amount_expected_minor)).toBe('50000000000');
      const token = new URL(answer.json['url'] as string).searchParams.get('token') ?? '';
      expect(await redeemInteractiveToken(test.runtime.database.db, token, new Date())).toBe(id);
      expect(await redeemInteractiveToken(test.runtime.database.db, token, new Date())).toBeUndefined();
    });

    it('takes a JSON number amount as the decimal it names', async () => {
      const answer = await withdraw(Keypair.random().publicKey(), { asset_code: 'NGNC', amount: 2500.25 });
      expect(answer.status).toBe(200);
      expect(String((await row(answer.json['id'] as string)).amount_expected_minor)).toBe('25002500000');
    });

    it('accepts application/x-www-form-urlencoded, keeping a hash refund memo as Stellar carries it', async () => {
      const hash = randomBytes(32);
      const form = new URLSearchParams({
        asset_code: 'NGNC',
        amount: '1000.50',
        refund_memo: hash.toString('base64'),
        refund_memo_type: 'hash',
        memo: 'ignored', // deprecated: the SEP-10 subject tells a shared account's users apart
        email_address: 'ada@example.com',
        asset_issuer: '',
      }).toString();
      const answer = await call(
        'POST',
        '/sep24/transactions/withdraw/interactive',
        Keypair.random().publicKey(),
        form,
        'application/x-www-form-urlencoded',
      );
      expect(answer.status).toBe(200);
      const stored = await row(answer.json['id'] as string);
      expect(stored).toMatchObject({ refund_memo: hash.toString('hex'), refund_memo_type: 'hash' });
      expect(String(stored.amount_expected_minor)).toBe('10005000000');
    });

    it('accepts multipart/form-data, ignoring SEP-9 files; a quoted asset needs no amount yet', async () => {
      const g = Keypair.random().publicKey();
      const other = Keypair.random().publicKey();
      const { body, contentType } = multipart(
        { asset_code: 'USDC', account: other, last_name: 'Okafor' },
        { photo_id_front: Buffer.from([0xff, 0xd8, 0xff, 0x00]) },
      );
      const answer = await call('POST', '/sep24/transactions/withdraw/interactive', g, body, contentType);
      expect(answer.status).toBe(200);
      // The asset comes from `account`; the owner is the token's. The pages ask the amount and quote.
      expect(await row(answer.json['id'] as string)).toMatchObject({
        kind: 'withdrawal',
        asset_code: 'USDC',
        stellar_account: other,
        auth_account: g,
        amount_expected_minor: null,
        quote_id: null,
      });
    });

    it('opens at a firm quote, using it once', async () => {
      const g = Keypair.random().publicKey();
      const quote = await usdcQuote(g);
      const answer = await withdraw(g, { asset_code: 'USDC', quote_id: quote.id, amount: '12.5' });
      expect(answer.status).toBe(200);
      const id = answer.json['id'] as string;
      const stored = await row(id);
      expect(stored).toMatchObject({ quote_id: quote.id, amount_in_asset: USDC_ID });
      expect(String(stored.amount_expected_minor)).toBe('125000000');
      const before = await counts();
      const reused = await withdraw(g, { asset_code: 'USDC', quote_id: quote.id });
      expect(reused.status).toBe(400);
      expect(reused.json['error']).toContain('already been used');
      expect(await counts()).toEqual(before);
    });

    it('refuses every bad input with 400 naming the field, and writes nothing', async () => {
      const g = Keypair.random().publicKey();
      const foreign = await usdcQuote(Keypair.random().publicKey());
      const mine = await usdcQuote(g);
      const expired = await usdcQuote(g, {
        createdAt: new Date(Date.now() - 20 * 60_000),
        expiresAt: new Date(Date.now() - 60_000),
      });
      const ngnQuote = await usdcQuote(g, { sellAsset: 'iso4217:NGN', buyAsset: USDC_ID });
      const cases: [Record<string, unknown>, string][] = [
        [{}, 'asset_code'],
        [{ asset_code: 'BTC' }, 'asset_code'],
        [{ asset_code: 'NGNC', asset_issuer: USDC_ISSUER }, 'asset_code'],
        [{ asset_code: 'X'.repeat(13) }, 'asset_code'],
        [{ asset_code: 'NGNC', amount: 'abc' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '50' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '20000000' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '-500' }, 'amount'],
        [{ asset_code: 'NGNC', amount: 1e21 }, 'amount'],
        [{ asset_code: 'NGNC', amount: '100.001' }, 'whole kobo'],
        [{ asset_code: 'NGNC', amount: '100.00000001' }, 'amount'],
        [{ asset_code: 'USDC', amount: '0.5' }, 'amount'],
        [{ asset_code: 'NGNC', account: 'GBAD' }, 'account'],
        [{ asset_code: 'NGNC', refund_memo: '42' }, 'refund_memo_type'],
        [{ asset_code: 'NGNC', refund_memo_type: 'id' }, 'refund_memo'],
        [{ asset_code: 'NGNC', refund_memo: 'abc', refund_memo_type: 'id' }, 'refund_memo'],
        [{ asset_code: 'NGNC', refund_memo: 'x'.repeat(29), refund_memo_type: 'text' }, 'refund_memo'],
        [{ asset_code: 'NGNC', refund_memo: 'not-base64', refund_memo_type: 'hash' }, 'refund_memo'],
        [{ asset_code: 'NGNC', refund_memo: '1', refund_memo_type: 'invoice' }, 'refund_memo_type'],
        [{ asset_code: 'NGNC', destination_asset: 'iso4217:USD' }, 'destination_asset'],
        [{ asset_code: 'USDC', quote_id: randomUUID() }, 'no such quote'],
        [{ asset_code: 'USDC', quote_id: 'nope' }, 'no such quote'],
        [{ asset_code: 'USDC', quote_id: foreign.id }, 'no such quote'],
        [{ asset_code: 'USDC', quote_id: expired.id }, 'expired'],
        [{ asset_code: 'USDC', quote_id: ngnQuote.id }, 'quote_id'],
        [{ asset_code: 'USDC', quote_id: mine.id, amount: '12' }, "quote's sell_amount"],
        [{ asset_code: 'NGNC', quote_id: mine.id }, 'quote_id'],
        [{ asset_code: 'NGNC', on_change_callback: 'ftp://wallet.example/cb' }, 'on_change_callback'],
        [{ asset_code: 'NGNC', refund_memo: 42, refund_memo_type: 'id' }, 'refund_memo'],
        [
          {
            asset_code: 'NGNC',
            ...Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`extra_${i}`, 'x'])),
          },
          'body',
        ],
      ];
      const before = await counts();
      for (const [body, field] of cases) {
        const answer = await withdraw(g, body);
        expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(answer.json['error'], JSON.stringify(body).slice(0, 80)).toContain(field);
        expect(answer.json['code']).toBe('invalid_request');
      }
      const form = await call(
        'POST',
        '/sep24/transactions/withdraw/interactive',
        g,
        'asset_code=NGNC&asset_code=USDC',
        'application/x-www-form-urlencoded',
      );
      expect(form.status).toBe(400);
      expect(form.json['error']).toContain('asset_code');
      expect(await counts()).toEqual(before);
    });

    it('refuses a request without a SEP-10 token (403) and writes nothing', async () => {
      const before = await counts();
      const answer = await call('POST', '/sep24/transactions/withdraw/interactive', null, {
        asset_code: 'NGNC',
      });
      expect(answer.status).toBe(403);
      expect(answer.json['type']).toBe('authentication_required');
      expect(await counts()).toEqual(before);
    });

    it('shows an open withdrawal with its sending account, and no memo before one is issued', async () => {
      const g = Keypair.random().publicKey();
      const opened = await withdraw(g, { asset_code: 'NGNC', amount: '1000' });
      const id = opened.json['id'] as string;
      const answer = await call('GET', `/sep24/transaction?id=${id}`, g);
      expect(answer.status).toBe(200);
      const shown = answer.json['transaction'] as Transaction;
      expect(shown).toMatchObject({ id, kind: 'withdrawal', status: 'incomplete', from: g, refunded: false });
      for (const absent of [
        'to',
        'withdraw_anchor_account',
        'withdraw_memo',
        'withdraw_memo_type',
        'deposit_memo',
      ])
        expect(shown, absent).not.toHaveProperty(absent);
      const listed = await call('GET', '/sep24/transactions?asset_code=NGNC&kind=withdrawal', g);
      expect((listed.json['transactions'] as Transaction[]).map((t) => t.id)).toEqual([id]);
      expect(
        (await call('GET', '/sep24/transactions?asset_code=NGNC&kind=deposit', g)).json['transactions'],
      ).toEqual([]);
    });
  });

  describe('GET /transaction and /transactions', () => {
    const owner = Keypair.random().publicKey();
    const stranger = Keypair.random().publicKey();
    const ids: string[] = [];
    const stellarHash = randomBytes(32).toString('hex');

    beforeAll(async () => {
      for (const amount of ['1000', '2000', '3000', '4000']) {
        const answer = await deposit(owner, { asset_code: 'NGNC', amount });
        ids.push(answer.json['id'] as string);
      }
      const usdc = await deposit(owner, { asset_code: 'USDC' });
      ids.push(usdc.json['id'] as string);
      await test.runtime.database.db
        .updateTable('transactions')
        .set({ stellar_transaction_id: stellarHash, external_transaction_id: 'rmp-external-1' })
        .where('id', '=', ids[1] ?? '')
        .execute();
      // The stranger has its own deposit, which the owner must never see.
      await deposit(stranger, { asset_code: 'NGNC', amount: '1000' });
    });

    it('finds the owner’s transaction by each of its ids, rendered as SEP-24 shows it', async () => {
      const id = ids[1] ?? '';
      for (const query of [
        `id=${id}`,
        `stellar_transaction_id=${stellarHash.toUpperCase()}`,
        'external_transaction_id=rmp-external-1',
      ]) {
        const answer = await call('GET', `/sep24/transaction?${query}`, owner);
        expect(answer.status, query).toBe(200);
        expect(answer.json['transaction'], query).toMatchObject({
          id,
          kind: 'deposit',
          status: 'incomplete',
          more_info_url: `${PUBLIC_URL}/transfers/${id}`,
          to: owner,
          refunded: false,
          stellar_transaction_id: stellarHash,
          external_transaction_id: 'rmp-external-1',
          started_at: expect.stringMatching(/Z$/) as string,
        });
      }
    });

    it('shows a hash memo as the base64 the wallet sent (it is stored as hex)', async () => {
      const memo = randomBytes(32).toString('base64');
      const g = Keypair.random().publicKey();
      const opened = await deposit(g, { asset_code: 'NGNC', memo, memo_type: 'hash' });
      expect(opened.status).toBe(200);
      const id = opened.json['id'] as string;
      expect((await row(id)).stellar_memo).toBe(Buffer.from(memo, 'base64').toString('hex'));
      const answer = await call('GET', `/sep24/transaction?id=${id}`, g);
      expect(answer.json['transaction']).toMatchObject({ deposit_memo: memo, deposit_memo_type: 'hash' });
    });

    it('answers 404 for another account’s transaction, an unknown one and a malformed id', async () => {
      for (const [query, sub] of [
        [`id=${ids[0] ?? ''}`, stranger],
        [`stellar_transaction_id=${stellarHash}`, stranger],
        ['external_transaction_id=rmp-external-1', `${owner}:1`],
        [`id=${randomUUID()}`, owner],
        ['id=not-a-uuid', owner],
      ] as const) {
        const answer = await call('GET', `/sep24/transaction?${query}`, sub);
        expect(answer.status, query).toBe(404);
        expect(answer.json).toEqual({ error: 'transaction not found', code: 'not_found' });
      }
    });

    it('needs exactly one id and a token', async () => {
      expect((await call('GET', '/sep24/transaction', owner)).status).toBe(400);
      expect(
        (await call('GET', `/sep24/transaction?id=${ids[0] ?? ''}&external_transaction_id=x`, owner)).status,
      ).toBe(400);
      expect((await call('GET', `/sep24/transaction?id=${ids[0] ?? ''}`, null)).status).toBe(403);
      expect((await call('GET', '/sep24/transactions?asset_code=NGNC', null)).status).toBe(403);
    });

    it('lists the owner’s transactions in one asset, newest first, page by page', async () => {
      const first = await call('GET', '/sep24/transactions?asset_code=NGNC&limit=3', owner);
      expect(first.status).toBe(200);
      const page1 = first.json['transactions'] as Transaction[];
      expect(page1.map((t) => t.id)).toEqual([ids[3], ids[2], ids[1]]);
      const next = await call(
        'GET',
        `/sep24/transactions?asset_code=NGNC&limit=3&paging_id=${page1[2]?.id ?? ''}`,
        owner,
      );
      expect((next.json['transactions'] as Transaction[]).map((t) => t.id)).toEqual([ids[0]]);
      const all = await call('GET', '/sep24/transactions?asset_code=NGNC', owner);
      expect((all.json['transactions'] as Transaction[]).map((t) => t.id)).toEqual([
        ids[3],
        ids[2],
        ids[1],
        ids[0],
      ]);
      const usdc = await call('GET', '/sep24/transactions?asset_code=USDC&kind=deposit', owner);
      expect((usdc.json['transactions'] as Transaction[]).map((t) => t.id)).toEqual([ids[4]]);
    });

    it('filters by kind and age, and keeps other accounts out', async () => {
      const empty = async (query: string, sub = owner) => {
        const answer = await call('GET', `/sep24/transactions?${query}`, sub);
        expect(answer.status, query).toBe(200);
        return answer.json['transactions'] as Transaction[];
      };
      expect(await empty('asset_code=NGNC&kind=withdrawal')).toEqual([]);
      expect(
        await empty(`asset_code=NGNC&no_older_than=${new Date(Date.now() + 60_000).toISOString()}`),
      ).toEqual([]);
      expect(await empty('asset_code=NGNC&no_older_than=2020-01-01')).toHaveLength(4);
      expect(await empty('asset_code=NGNC&limit=1000')).toHaveLength(4);
      expect((await empty('asset_code=NGNC', stranger)).map((t) => t.id)).not.toContain(ids[0]);
      expect(await empty(`asset_code=NGNC&paging_id=${randomUUID()}`)).toEqual([]);
      expect(await empty('asset_code=NGNC', `${owner}:5`)).toEqual([]);
    });

    it('refuses bad filters with 400', async () => {
      for (const query of [
        '',
        'asset_code=BTC',
        'asset_code=NGNC&kind=deposit-exchange',
        'asset_code=NGNC&kind=deposit&kind=withdrawal',
        'asset_code=NGNC&limit=0',
        'asset_code=NGNC&limit=ten',
        'asset_code=NGNC&no_older_than=yesterday',
        'asset_code=NGNC&no_older_than=2024-02-30T00:00:00Z',
      ]) {
        const answer = await call('GET', `/sep24/transactions?${query}`, owner);
        expect(answer.status, query).toBe(400);
        expect(answer.json['code'], query).toBe('invalid_request');
      }
    });
  });
});
