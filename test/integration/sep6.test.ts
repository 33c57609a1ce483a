/**
 * SEP-6 deposits and withdrawals over HTTP on every database backend: /info, KYC through SEP-12
 * before anything is made (403 with the fields still needed), a deposit that answers how to pay —
 * Rampart's payment link, or the customer's dedicated account at the Paystack double — a withdrawal
 * that answers where to send the asset once the bank account is found in the customer's own name,
 * both at a firm SEP-38 quote too, every refused request leaving the database untouched, and the
 * transaction history.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';
import { transferDeps } from '../../src/flows/transfers/deps.js';
import type { PaystackClient } from '../../src/rails/paystack/index.js';
import { createSepContext } from '../../src/sep/context.js';
import { signSep10Jwt } from '../../src/sep/sep10/jwt.js';
import { sep12 } from '../../src/sep/sep12/plugin.js';
import { insertQuote, type NewQuote, type Quote } from '../../src/sep/sep38/store.js';
import { PAYMENT_URL_KEY, sep6 } from '../../src/sep/sep6/index.js';
import { withdrawSep6 } from '../../src/sep/sep6/withdraw.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { databaseKinds } from '../support/databases.js';

const JWT_SECRET = 'sep6-integration-secret-0123456789abcdef0';
const PAYSTACK_KEY = 'sk_test_sep6integration0123456789abcd';
const PUBLIC_URL = 'https://ramp.example.ng';
const NGN_ISSUER = Keypair.random().publicKey();
const USDC_ISSUER = Keypair.random().publicKey();
const USDC_ID = `stellar:USDC:${USDC_ISSUER}`;
const NGNC_ID = `stellar:NGNC:${NGN_ISSUER}`;
const DISTRIBUTION = Keypair.random();
/** On the Paystack double: in the name of ADAEZE CHIOMA OKAFOR, who `identity` is. */
const OWN_BANK = { dest: '0123456789', dest_extra: '058' };
/** On the Paystack double: IBRAHIM MUSA BELLO's. */
const OTHER_BANK = { dest: '0001234567', dest_extra: '044' };
const IDENTITY_FIELDS = ['first_name', 'last_name', 'mobile_number', 'birth_date', 'id_type', 'id_number'];

const identity = {
  first_name: 'Adaeze',
  last_name: 'Okafor',
  mobile_number: '0803 123 4567',
  birth_date: '1990-04-12',
  id_type: 'bvn',
  id_number: '22123456789',
};

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

function tokenFor(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signSep10Jwt(
    { iss: `${PUBLIC_URL}/auth`, sub, iat: now, exp: now + 600, jti: randomBytes(8).toString('hex') },
    JWT_SECRET,
  );
}

const query = (params: Record<string, string>): string => new URLSearchParams(params).toString();

describe.each(databaseKinds)('SEP-6 on %s', (kind) => {
  let test: TestApp;
  let double: PaystackDouble;

  async function call(
    method: 'GET' | 'PUT',
    url: string,
    sub: string | null,
    payload?: unknown,
  ): Promise<Answer> {
    const response = await test.app.inject({
      method,
      url,
      headers: sub === null ? {} : { authorization: `Bearer ${tokenFor(sub)}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return {
      status: response.statusCode,
      json: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>),
    };
  }

  const db = () => test.runtime.database.db;

  /** A firm quote selling USDC for naira (12.5 USDC → ₦19,600 after a ₦400 fee). */
  async function sellQuoteFor(account: string, overrides: Partial<NewQuote> = {}): Promise<Quote> {
    return quoteFor(account, {
      sellAsset: USDC_ID,
      sellAmountMinor: 125_000_000n,
      sellDecimals: 7,
      buyAsset: 'iso4217:NGN',
      buyAmountMinor: 1_960_000n,
      buyDecimals: 2,
      buyDeliveryMethod: 'bank_account',
      ...overrides,
    });
  }

  async function counts(): Promise<{ transactions: number; quotesUsed: number }> {
    const { rows } = await sql<{ transactions: string; quotes_used: string }>`
      select (select count(*) from transactions) as transactions,
             (select count(*) from quotes where used_at is not null) as quotes_used`.execute(db());
    return { transactions: Number(rows[0]?.transactions), quotesUsed: Number(rows[0]?.quotes_used) };
  }

  /** A customer at KYC tier 1: every identity field sent through SEP-12 and accepted. */
  async function verifiedAccount(): Promise<string> {
    const g = Keypair.random().publicKey();
    const put = await call('PUT', '/sep12/customer', g, { type: 'sep6-deposit', ...identity });
    expect(put.status).toBe(202);
    return g;
  }

  async function quoteFor(account: string, overrides: Partial<NewQuote> = {}): Promise<Quote> {
    const now = Date.now();
    return insertQuote(db(), {
      account,
      context: 'sep6',
      sellAsset: 'iso4217:NGN',
      sellAmountMinor: 2_000_000n,
      sellDecimals: 2,
      sellDeliveryMethod: null,
      buyAsset: USDC_ID,
      buyAmountMinor: 125_000_000n,
      buyDecimals: 7,
      buyDeliveryMethod: null,
      countryCode: null,
      price: { numerator: 1600n, denominator: 1n },
      priceText: '1600',
      totalPriceText: '1568',
      marketRate: { numerator: 1592n, denominator: 1n },
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

  const transaction = (id: string) =>
    db().selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    double = await createPaystackDouble({ secretKey: PAYSTACK_KEY });
    test = await startTestApp(
      kind,
      {
        STELLAR_NETWORK: 'sandbox',
        PUBLIC_URL,
        JWT_SECRET,
        ASSET_NGN_ISSUER: NGN_ISSUER,
        ASSET_USDC_ISSUER: USDC_ISSUER,
        PII_ENCRYPTION_KEYS: `it1:${randomBytes(32).toString('base64')}`,
        PAYSTACK_BASE_URL: double.url,
        PAYSTACK_SECRET_KEY: PAYSTACK_KEY,
        PAYSTACK_DEDICATED_ACCOUNT_PROVIDER: 'test-bank',
        FEES_NGN_DEPOSIT: 'fixed:10000,bps:150',
        STELLAR_DISTRIBUTION_SECRET: DISTRIBUTION.secret(),
        RATE_LIMIT_PER_MINUTE: '100000',
      },
      {
        register: async (app, runtime) => {
          const ctx = createSepContext(runtime, JWT_SECRET);
          await app.register(sep12, { ...ctx, prefix: '/sep12' });
          await app.register(sep6, { ...ctx, prefix: '/sep6' });
        },
      },
    );
  });
  afterAll(async () => {
    await test.close();
    await double.close();
  });

  it('GET /info: the naira token on /deposit and /withdraw, USDC on the -exchange endpoints', async () => {
    const answer = await call('GET', '/sep6/info', null);
    expect(answer.status).toBe(200);
    const open = {
      enabled: true,
      authentication_required: true,
      funding_methods: ['card', 'bank_transfer', 'ussd'],
      min_amount: 100,
      max_amount: 10_000_000,
    };
    // Amounts in units of the asset sent; the bank account as SEP-6's deprecated dest / dest_extra.
    const payout = {
      enabled: true,
      authentication_required: true,
      funding_methods: ['bank_account'],
      types: {
        bank_account: {
          fields: {
            dest: { description: expect.stringContaining('10 digits') as string },
            dest_extra: { description: expect.stringContaining('bank code') as string },
          },
        },
      },
    };
    expect(answer.json).toEqual({
      deposit: { NGNC: { ...open, fee_fixed: 100, fee_percent: 1.5 }, USDC: { enabled: false } },
      'deposit-exchange': { NGNC: { enabled: false }, USDC: open },
      withdraw: {
        NGNC: { ...payout, min_amount: 100, max_amount: 10_000_000, fee_fixed: 50 },
        USDC: { enabled: false },
      },
      'withdraw-exchange': {
        NGNC: { enabled: false },
        USDC: { ...payout, min_amount: 1, max_amount: 10_000 },
      },
      fee: { enabled: false, description: expect.any(String) as string },
      transactions: { enabled: true, authentication_required: true },
      transaction: { enabled: true, authentication_required: true },
      features: { account_creation: false, claimable_balances: true },
    });
  });

  it('refuses every authenticated route without a token (403)', async () => {
    for (const url of [
      '/sep6/deposit?asset_code=NGNC&amount=5000',
      '/sep6/deposit-exchange?destination_asset=USDC&source_asset=iso4217:NGN&amount=20000',
      '/sep6/withdraw?asset_code=NGNC',
      '/sep6/withdraw-exchange?source_asset=USDC&destination_asset=iso4217:NGN&amount=12.5',
      `/sep6/transaction?id=${randomUUID()}`,
      '/sep6/transactions?asset_code=NGNC',
    ]) {
      const answer = await call('GET', url, null);
      expect(answer.status, url).toBe(403);
      expect(answer.json['type'], url).toBe('authentication_required');
    }
  });

  describe('KYC before a deposit', () => {
    const depositAs = (sub: string) =>
      call('GET', `/sep6/deposit?${query({ asset_code: 'NGNC', amount: '5000' })}`, sub);

    it('names every SEP-9 field tier 1 needs, for an account SEP-12 has never seen, and makes nothing', async () => {
      const before = await counts();
      const answer = await depositAs(Keypair.random().publicKey());
      expect(answer.status).toBe(403);
      expect(answer.json).toMatchObject({
        type: 'non_interactive_customer_info_needed',
        fields: IDENTITY_FIELDS,
        code: 'customer_info_needed',
      });
      expect(await counts()).toEqual(before);
    });

    it('names only what is still missing, and asks for a BVN or NIN instead of a passport', async () => {
      const partial = Keypair.random().publicKey();
      await call('PUT', '/sep12/customer', partial, { first_name: 'Tunde', last_name: 'Bakare' });
      expect((await depositAs(partial)).json['fields']).toEqual([
        'mobile_number',
        'birth_date',
        'id_type',
        'id_number',
      ]);

      const passport = Keypair.random().publicKey();
      await call('PUT', '/sep12/customer', passport, {
        ...identity,
        id_type: 'passport',
        id_number: 'A12345678',
      });
      const answer = await depositAs(passport);
      expect(answer.status).toBe(403);
      expect(answer.json['fields']).toEqual(['id_type', 'id_number']);
      expect(answer.json['error']).toContain('bvn or nin');
    });

    it('asks for a field again while it awaits its confirmation code', async () => {
      const g = await verifiedAccount();
      await sql`update customer_fields set status = 'VERIFICATION_REQUIRED'
        where name = 'mobile_number' and customer_id = (select id from customers where subject = ${g})`.execute(
        db(),
      );
      const answer = await depositAs(g);
      expect(answer.json).toMatchObject({
        type: 'non_interactive_customer_info_needed',
        fields: ['mobile_number'],
      });
      expect(answer.json['error']).toContain('confirm mobile_number');
    });

    it('answers pending while a field is being checked, and denied once the customer is refused', async () => {
      const g = await verifiedAccount();
      const customer = sql`(select id from customers where subject = ${g})`;
      await sql`update customer_fields set status = 'PROCESSING' where name = 'id_number' and customer_id = ${customer}`.execute(
        db(),
      );
      const before = await counts();
      const pending = await depositAs(g);
      expect(pending.status).toBe(403);
      expect(pending.json).toMatchObject({ type: 'customer_info_status', status: 'pending' });
      await sql`update customers set rejected_message = 'We could not verify your identity.' where subject = ${g}`.execute(
        db(),
      );
      const denied = await depositAs(g);
      expect(denied.status).toBe(403);
      expect(denied.json).toMatchObject({
        type: 'customer_info_status',
        status: 'denied',
        error: 'We could not verify your identity.',
      });
      expect(await counts()).toEqual(before);
    });
  });

  describe('GET /deposit (the naira token, at par)', () => {
    let g: string;
    beforeAll(async () => {
      g = await verifiedAccount();
    });

    it('opens the deposit, fixes its amounts and answers the payment link', async () => {
      const answer = await call(
        'GET',
        `/sep6/deposit?${query({ asset_code: 'NGNC', amount: '5000', funding_method: 'card' })}`,
        g,
      );
      expect(answer.status).toBe(200);
      const id = answer.json['id'] as string;
      const link = `${PUBLIC_URL}/transfers/${id}/pay`;
      expect(answer.json).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
        how: `Pay ₦5000.00 by card at ${link}`,
        instructions: {
          [PAYMENT_URL_KEY]: { value: link, description: expect.stringContaining('₦5000.00') as string },
        },
        min_amount: 100,
        // The tier-1 limit per transaction (₦50,000) is below the asset's.
        max_amount: 50_000,
        fee_fixed: 100,
        fee_percent: 1.5,
        extra_info: {
          message: expect.stringContaining('₦175.00 fee; you receive 4825.0000000 NGNC') as string,
        },
      });
      const row = await transaction(id);
      expect(row).toMatchObject({
        protocol: 'sep6',
        status: 'pending_user_transfer_start',
        funding_method: 'card',
        stellar_account: g,
      });
      expect([row.amount_in_minor, row.amount_fee_minor, row.amount_out_minor].map(String)).toEqual([
        '500000',
        '17500',
        '48250000000',
      ]);

      const got = await call('GET', `/sep6/transaction?id=${id}`, g);
      expect(got.status).toBe(200);
      expect(got.json['transaction']).toMatchObject({
        id,
        kind: 'deposit',
        status: 'pending_user_transfer_start',
        amount_in: '5000.00',
        amount_in_asset: 'iso4217:NGN',
        amount_fee: '175.00',
        amount_out: '4825.0000000',
        amount_out_asset: `stellar:NGNC:${NGN_ISSUER}`,
        fee_details: { total: '175.00', asset: 'iso4217:NGN' },
        user_action_required_by: expect.stringMatching(/Z$/) as string,
        instructions: answer.json['instructions'],
      });
    });

    it('reads the deprecated `type` as the funding method', async () => {
      const answer = await call(
        'GET',
        `/sep6/deposit?${query({ asset_code: 'NGNC', amount: '1000', type: 'ussd' })}`,
        g,
      );
      expect(answer.status).toBe(200);
      expect(answer.json['how']).toContain('by USSD');
      expect((await transaction(answer.json['id'] as string)).funding_method).toBe('ussd');
    });

    it('gives a bank transfer the customer’s own dedicated account, and the same on GET /transaction', async () => {
      const answer = await call(
        'GET',
        `/sep6/deposit?${query({ asset_code: 'NGNC', amount: '2500.50', funding_method: 'bank_transfer' })}`,
        g,
      );
      expect(answer.status).toBe(200);
      const instructions = answer.json['instructions'] as Record<
        string,
        { value: string; description: string }
      >;
      expect(Object.keys(instructions).sort()).toEqual([
        'organization.bank_account_number',
        'organization.bank_name',
      ]);
      const number = instructions['organization.bank_account_number']?.value ?? '';
      expect(number).toMatch(/^\d{10}$/);
      expect(instructions['organization.bank_account_number']?.description).toContain('₦2500.50');
      expect(instructions['organization.bank_name']?.value).toBe('Test Bank');
      expect(answer.json['how']).toContain(`Test Bank account ${number}`);
      const got = await call('GET', `/sep6/transaction?id=${answer.json['id'] as string}`, g);
      expect((got.json['transaction'] as Record<string, unknown>)['instructions']).toEqual(instructions);

      // One account per customer: the next bank transfer pays into the same number.
      const again = await call(
        'GET',
        `/sep6/deposit?${query({ asset_code: 'NGNC', amount: '1000', funding_method: 'bank_transfer' })}`,
        g,
      );
      const next = again.json['instructions'] as Record<string, { value: string }>;
      expect(next['organization.bank_account_number']?.value).toBe(number);
    });

    it('refuses every bad request with 400 and makes nothing', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ asset_code: 'NGNC' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '60000' }, 'above the limit of ₦50000.00 per transaction'],
        [{ asset_code: 'NGNC', amount: '50' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '100' }, 'fee'],
        [{ asset_code: 'NGNC', amount: '5000.001' }, 'amount'],
        [{ asset_code: 'NGNC', amount: '5000', funding_method: 'cash' }, 'funding_method'],
        [{ asset_code: 'NGNC', amount: '5000', type: 'SEPA' }, 'funding_method'],
        [{ asset_code: 'USDC', amount: '5000' }, 'deposit-exchange'],
        [{ asset_code: 'BTC', amount: '5000' }, 'asset_code'],
        [{ asset_code: 'NGNC', amount: '5000', account: 'GBAD' }, 'account'],
        [{ asset_code: 'NGNC', amount: '5000', memo_type: 'id', memo: 'x' }, 'memo'],
        [{ asset_code: 'NGNC', amount: '5000', on_change_callback: 'ftp://x.example' }, 'on_change_callback'],
        [
          { asset_code: 'NGNC', amount: '5000', claimable_balance_supported: 'yes' },
          'claimable_balance_supported',
        ],
      ];
      const before = await counts();
      for (const [params, text] of cases) {
        const answer = await call('GET', `/sep6/deposit?${query(params)}`, g);
        expect(answer.status, JSON.stringify(params)).toBe(400);
        expect(answer.json['error'], JSON.stringify(params)).toContain(text);
      }
      expect(await counts()).toEqual(before);
    });
  });

  describe('GET /deposit-exchange (USDC, at a firm quote)', () => {
    let g: string;
    beforeAll(async () => {
      g = await verifiedAccount();
    });
    const exchange = (params: Record<string, string>, sub = g) =>
      call(
        'GET',
        `/sep6/deposit-exchange?${query({ destination_asset: 'USDC', source_asset: 'iso4217:NGN', amount: '20000', ...params })}`,
        sub,
      );

    it('opens the deposit at the quote’s figures and uses the quote once', async () => {
      const quote = await quoteFor(g, { sellDeliveryMethod: 'card' });
      const answer = await exchange({ quote_id: quote.id });
      expect(answer.status).toBe(200);
      const id = answer.json['id'] as string;
      expect(answer.json).not.toHaveProperty('fee_fixed');
      expect(answer.json['extra_info']).toEqual({
        message: expect.stringContaining('you receive 12.5000000 USDC') as string,
      });
      const row = await transaction(id);
      expect(row).toMatchObject({
        status: 'pending_user_transfer_start',
        quote_id: quote.id,
        funding_method: 'card',
      });
      expect([row.amount_in_minor, row.amount_fee_minor, row.amount_out_minor].map(String)).toEqual([
        '2000000',
        '40000',
        '125000000',
      ]);
      expect(row.expires_at?.getTime()).toBeLessThanOrEqual(quote.expiresAt.getTime());
      const used = await db()
        .selectFrom('quotes')
        .selectAll()
        .where('id', '=', quote.id)
        .executeTakeFirstOrThrow();
      expect(used.used_by_transaction_id).toBe(id);

      const got = await call('GET', `/sep6/transaction?id=${id}`, g);
      expect(got.json['transaction']).toMatchObject({
        kind: 'deposit-exchange',
        quote_id: quote.id,
        amount_in: '20000.00',
        amount_out: '12.5000000',
        amount_out_asset: USDC_ID,
        amount_fee: '400.00',
        fee_details: {
          total: '400.00',
          asset: 'iso4217:NGN',
          details: [{ name: 'Service fee', description: 'Rampart fee', amount: '400.00' }],
        },
      });

      const before = await counts();
      const reused = await exchange({ quote_id: quote.id });
      expect(reused.status).toBe(400);
      expect(reused.json['error']).toContain('already been used');
      expect(await counts()).toEqual(before);
    });

    it('refuses an expired, foreign, mismatched or missing quote with 400, using nothing', async () => {
      const now = Date.now();
      const expired = await quoteFor(g, {
        createdAt: new Date(now - 20 * 60_000),
        expiresAt: new Date(now - 60_000),
      });
      const foreign = await quoteFor(Keypair.random().publicKey());
      const mine = await quoteFor(g, { sellDeliveryMethod: 'card' });
      const cases: [Record<string, string>, string][] = [
        [{ quote_id: expired.id }, 'expired'],
        [{ quote_id: foreign.id }, 'no such quote'],
        [{ quote_id: randomUUID() }, 'no such quote'],
        [{}, 'quote_id'],
        [{ quote_id: mine.id, amount: '19999' }, "quote's sell_amount"],
        [{ quote_id: mine.id, source_asset: 'iso4217:USD' }, 'source_asset'],
        [{ quote_id: mine.id, funding_method: 'bank_transfer' }, 'sell_delivery_method card'],
        [{ quote_id: mine.id, destination_asset: 'NGNC' }, 'GET /deposit'],
      ];
      const before = await counts();
      for (const [params, text] of cases) {
        const answer = await exchange(params);
        expect(answer.status, JSON.stringify(params)).toBe(400);
        expect(answer.json['error'], JSON.stringify(params)).toContain(text);
      }
      expect(await counts()).toEqual(before);
      // The foreign quote's owner still has it, unused.
      const untouched = await db()
        .selectFrom('quotes')
        .select('used_at')
        .where('id', '=', foreign.id)
        .executeTakeFirstOrThrow();
      expect(untouched.used_at).toBeNull();
    });

    it('asks an unverified customer for KYC before looking at the quote’s use', async () => {
      const stranger = Keypair.random().publicKey();
      const quote = await quoteFor(stranger);
      const answer = await exchange({ quote_id: quote.id }, stranger);
      expect(answer.status).toBe(403);
      expect(answer.json['type']).toBe('non_interactive_customer_info_needed');
      const row = await db()
        .selectFrom('quotes')
        .select('used_at')
        .where('id', '=', quote.id)
        .executeTakeFirstOrThrow();
      expect(row.used_at).toBeNull();
    });
  });

  describe('GET /withdraw (the naira token, at par, to a bank account)', () => {
    const withdrawAs = (sub: string, params: Record<string, string> = {}) =>
      call(
        'GET',
        `/sep6/withdraw?${query({ asset_code: 'NGNC', amount: '5000', type: 'bank_account', ...OWN_BANK, ...params })}`,
        sub,
      );

    describe('KYC first', () => {
      it('names every SEP-9 field tier 1 needs, and makes nothing (no bank check either)', async () => {
        const before = await counts();
        const answer = await withdrawAs(Keypair.random().publicKey());
        expect(answer.status).toBe(403);
        expect(answer.json).toMatchObject({
          type: 'non_interactive_customer_info_needed',
          fields: IDENTITY_FIELDS,
          code: 'customer_info_needed',
        });
        expect(await counts()).toEqual(before);
      });

      it('answers pending while a field is checked, and denied once the customer is refused', async () => {
        const g = await verifiedAccount();
        const customer = sql`(select id from customers where subject = ${g})`;
        await sql`update customer_fields set status = 'PROCESSING' where name = 'id_number' and customer_id = ${customer}`.execute(
          db(),
        );
        const before = await counts();
        expect((await withdrawAs(g)).json).toMatchObject({ type: 'customer_info_status', status: 'pending' });
        await sql`update customers set rejected_message = 'We could not verify your identity.' where subject = ${g}`.execute(
          db(),
        );
        const denied = await withdrawAs(g);
        expect(denied.status).toBe(403);
        expect(denied.json).toMatchObject({ type: 'customer_info_status', status: 'denied' });
        expect(await counts()).toEqual(before);
      });

      it('refuses a malformed request with 400 before asking for KYC', async () => {
        const answer = await withdrawAs(Keypair.random().publicKey(), { dest: '12345' });
        expect(answer.status).toBe(400);
        expect(answer.json['error']).toContain('dest');
      });
    });

    describe('for a verified customer', () => {
      let g: string;
      beforeAll(async () => {
        g = await verifiedAccount();
      });

      it('opens the withdrawal, checks the bank account, fixes the amounts and answers where to send', async () => {
        const answer = await withdrawAs(g);
        expect(answer.status).toBe(200);
        const id = answer.json['id'] as string;
        expect(answer.json).toEqual({
          account_id: DISTRIBUTION.publicKey(),
          memo_type: 'id',
          memo: expect.stringMatching(/^\d{1,20}$/) as string,
          id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
          min_amount: 100,
          // The tier-1 limit per transaction (₦50,000) is below the asset's.
          max_amount: 50_000,
          fee_fixed: 50,
          extra_info: {
            message: expect.stringContaining(
              `Send exactly 5000.0000000 NGNC to ${DISTRIBUTION.publicKey()} with memo (id) ${answer.json['memo'] as string}`,
            ) as string,
          },
        });
        const message = (answer.json['extra_info'] as { message: string }).message;
        expect(message).toContain('₦4950.00 is then paid to bank account 058…6789 (₦50.00 fee)');
        expect(JSON.stringify(answer.json)).not.toContain('0123456789');

        const row = await transaction(id);
        expect(row).toMatchObject({
          kind: 'withdrawal',
          protocol: 'sep6',
          status: 'pending_user_transfer_start',
          stellar_account: g,
          withdraw_anchor_account: DISTRIBUTION.publicKey(),
          withdraw_memo: answer.json['memo'],
          bank_code: '058',
          bank_account_last4: '6789',
          quote_id: null,
        });
        expect([row.amount_in_minor, row.amount_fee_minor, row.amount_out_minor].map(String)).toEqual([
          '50000000000',
          '5000',
          '495000',
        ]);
        // The full account number is kept encrypted only.
        expect(row.payout_account_ciphertext).not.toBeNull();
        expect(row.payout_account_ciphertext).not.toContain('0123456789');

        const got = await call('GET', `/sep6/transaction?id=${id}`, g);
        expect(got.status).toBe(200);
        expect(got.json['transaction']).toMatchObject({
          id,
          kind: 'withdrawal',
          status: 'pending_user_transfer_start',
          amount_in: '5000.0000000',
          amount_in_asset: NGNC_ID,
          amount_out: '4950.00',
          amount_out_asset: 'iso4217:NGN',
          amount_fee: '50.00',
          fee_details: { total: '50.00', asset: 'iso4217:NGN' },
          from: g,
          to: '058…6789',
          withdraw_anchor_account: DISTRIBUTION.publicKey(),
          withdraw_memo: answer.json['memo'],
          withdraw_memo_type: 'id',
          user_action_required_by: expect.stringMatching(/Z$/) as string,
        });
        expect(got.json['transaction']).not.toHaveProperty('instructions');
        expect(JSON.stringify(got.json)).not.toContain('0123456789');
      });

      it('issues a memo unique to each withdrawal, reading funding_method as type', async () => {
        const memos = new Set<string>();
        for (const params of [{ funding_method: 'bank_account', type: '' }, {}, { amount: '1000.50' }]) {
          const answer = await withdrawAs(g, params);
          expect(answer.status, JSON.stringify(params)).toBe(200);
          memos.add(answer.json['memo'] as string);
        }
        expect(memos.size).toBe(3);
      });

      it('refuses an account in another name with 400, leaving nothing behind', async () => {
        const before = await counts();
        const answer = await withdrawAs(g, OTHER_BANK);
        expect(answer.status).toBe(400);
        expect(answer.json['error']).toContain('does not match your verified name');
        // Paystack's name for someone else's account is never repeated to the caller.
        expect(answer.json['error']).not.toContain('IBRAHIM');
        expect(await counts()).toEqual(before);
      });

      it('refuses an account the bank does not know with 400, leaving nothing behind', async () => {
        const before = await counts();
        const answer = await withdrawAs(g, { dest: '0987654321' });
        expect(answer.status).toBe(400);
        expect(answer.json['error']).toContain('not found');
        expect(await counts()).toEqual(before);
      });

      it('answers 503 when Paystack cannot check the account, leaving nothing behind', async () => {
        const before = await counts();
        double.control.setFaults({ timeoutNext: { path: '/bank/resolve', landed: false, hangMs: 0 } });
        const answer = await withdrawAs(g);
        double.control.setFaults({});
        expect(answer.status).toBe(503);
        expect(answer.json['code']).toBe('payout_unavailable');
        expect(await counts()).toEqual(before);
      });

      it('refuses every bad request with 400 and makes nothing', async () => {
        const cases: [Record<string, string>, string][] = [
          [{ amount: '' }, 'amount'],
          [{ amount: '60000' }, 'above the limit of ₦50000.00 per transaction'],
          [{ amount: '50' }, 'amount'],
          [{ amount: '5000.001' }, 'whole kobo'],
          [{ amount: 'lots' }, 'amount'],
          [{ type: 'cash' }, 'type'],
          [{ type: '', funding_method: 'SEPA' }, 'funding_method'],
          [{ dest: '' }, 'dest'],
          [{ dest: '012345678' }, 'dest'],
          [{ dest_extra: '' }, 'dest_extra'],
          [{ dest_extra: 'GTB' }, 'dest_extra'],
          [{ asset_code: 'USDC' }, 'withdraw-exchange'],
          [{ asset_code: 'BTC' }, 'asset_code'],
          [{ account: 'GBAD' }, 'account'],
          [{ refund_memo: '42' }, 'refund_memo_type'],
          [{ refund_memo: 'abc', refund_memo_type: 'id' }, 'refund_memo'],
          [{ on_change_callback: 'ftp://x.example' }, 'on_change_callback'],
        ];
        const before = await counts();
        for (const [params, text] of cases) {
          const answer = await withdrawAs(g, params);
          expect(answer.status, JSON.stringify(params)).toBe(400);
          expect(answer.json['error'], JSON.stringify(params)).toContain(text);
        }
        const missing = await call('GET', `/sep6/withdraw?${query({ asset_code: 'NGNC', ...OWN_BANK })}`, g);
        expect(missing.status).toBe(400);
        expect(missing.json['error']).toContain('amount');
        expect(await counts()).toEqual(before);
      });

      it('moves a withdrawal refused after it was opened (a race) to error, never leaving it usable', async () => {
        // The bank is asked once; the customer's KYC is revoked between that check and the store.
        const deps = transferDeps(createSepContext(test.runtime, JWT_SECRET));
        const real = deps.paystack;
        if (real === undefined) throw new Error('no Paystack client');
        let asked = 0;
        const revoking = {
          resolveAccount: async (accountNumber: string, bankCode: string) => {
            asked += 1;
            const answer = await real.resolveAccount(accountNumber, bankCode);
            await db()
              .updateTable('customers')
              .set({ rejected_message: 'revoked' })
              .where('subject', '=', g)
              .execute();
            return answer;
          },
        } as unknown as PaystackClient;
        const identity = {
          sub: g,
          account: g,
          memo: null,
          muxedAccount: null,
          clientDomain: null,
          homeDomain: null,
          jti: randomBytes(8).toString('hex'),
          expiresAt: Math.floor(Date.now() / 1000) + 600,
        };
        const before = await counts();
        await expect(
          withdrawSep6(
            { ...deps, paystack: revoking },
            {
              identity,
              exchange: false,
              asset: 'NGNC',
              amount: '2000',
              dest: OWN_BANK.dest,
              destExtra: OWN_BANK.dest_extra,
            },
          ),
        ).resolves.toMatchObject({ ok: false, body: { type: 'customer_info_status', status: 'denied' } });
        expect(asked).toBe(1);
        const after = await counts();
        expect(after.transactions).toBe(before.transactions + 1);
        const closed = await db()
          .selectFrom('transactions')
          .selectAll()
          .where('auth_account', '=', g)
          .orderBy('created_at', 'desc')
          .executeTakeFirstOrThrow();
        expect(closed).toMatchObject({
          kind: 'withdrawal',
          status: 'error',
          withdraw_memo: null,
          payout_account_ciphertext: null,
        });
        await db()
          .updateTable('customers')
          .set({ rejected_message: null })
          .where('subject', '=', g)
          .execute();
      });
    });
  });

  describe('GET /withdraw-exchange (USDC, at a firm quote)', () => {
    let g: string;
    beforeAll(async () => {
      g = await verifiedAccount();
    });
    const exchange = (params: Record<string, string>, sub = g) =>
      call(
        'GET',
        `/sep6/withdraw-exchange?${query({ source_asset: 'USDC', destination_asset: 'iso4217:NGN', amount: '12.5', funding_method: 'bank_account', ...OWN_BANK, ...params })}`,
        sub,
      );

    it('opens the withdrawal at the quote’s figures, uses the quote once, and shows it as withdrawal-exchange', async () => {
      const quote = await sellQuoteFor(g);
      const answer = await exchange({ quote_id: quote.id });
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        account_id: DISTRIBUTION.publicKey(),
        memo_type: 'id',
        min_amount: 1,
        max_amount: 10_000,
      });
      expect(answer.json).not.toHaveProperty('fee_fixed');
      expect((answer.json['extra_info'] as { message: string }).message).toContain(
        'Send exactly 12.5000000 USDC',
      );
      const id = answer.json['id'] as string;
      const row = await transaction(id);
      expect(row).toMatchObject({ status: 'pending_user_transfer_start', quote_id: quote.id });
      expect([row.amount_in_minor, row.amount_fee_minor, row.amount_out_minor].map(String)).toEqual([
        '125000000',
        '40000',
        '1960000',
      ]);
      const used = await db()
        .selectFrom('quotes')
        .selectAll()
        .where('id', '=', quote.id)
        .executeTakeFirstOrThrow();
      expect(used.used_by_transaction_id).toBe(id);

      const got = await call('GET', `/sep6/transaction?id=${id}`, g);
      expect(got.json['transaction']).toMatchObject({
        kind: 'withdrawal-exchange',
        quote_id: quote.id,
        amount_in: '12.5000000',
        amount_in_asset: USDC_ID,
        amount_out: '19600.00',
        amount_fee: '400.00',
        to: '058…6789',
        withdraw_memo: answer.json['memo'],
      });
      const listed = await call('GET', '/sep6/transactions?asset_code=USDC&kind=withdrawal-exchange', g);
      expect((listed.json['transactions'] as { id: string }[]).map((t) => t.id)).toEqual([id]);
      expect(
        (await call('GET', '/sep6/transactions?asset_code=USDC&kind=withdrawal', g)).json['transactions'],
      ).toEqual([]);

      const before = await counts();
      const reused = await exchange({ quote_id: quote.id });
      expect(reused.status).toBe(400);
      expect(reused.json['error']).toContain('already been used');
      expect(await counts()).toEqual(before);
    });

    it('takes the source asset as its SEP-38 id too', async () => {
      const quote = await sellQuoteFor(g);
      const answer = await exchange({ quote_id: quote.id, source_asset: USDC_ID });
      expect(answer.status).toBe(200);
    });

    it('refuses a bad quote or an account in another name with 400, using nothing', async () => {
      const now = Date.now();
      const expired = await sellQuoteFor(g, {
        createdAt: new Date(now - 20 * 60_000),
        expiresAt: new Date(now - 60_000),
      });
      const foreign = await sellQuoteFor(Keypair.random().publicKey());
      const buying = await quoteFor(g);
      const mine = await sellQuoteFor(g);
      const elsewhere = await sellQuoteFor(g, { buyDeliveryMethod: 'cash' });
      const cases: [Record<string, string>, string][] = [
        [{ quote_id: expired.id }, 'expired'],
        [{ quote_id: foreign.id }, 'no such quote'],
        [{ quote_id: randomUUID() }, 'no such quote'],
        [{ quote_id: buying.id }, 'quote_id'],
        [{ quote_id: elsewhere.id }, 'buy_delivery_method cash'],
        [{}, 'quote_id'],
        [{ quote_id: mine.id, amount: '12' }, "quote's sell_amount"],
        [{ quote_id: mine.id, destination_asset: 'iso4217:USD' }, 'destination_asset'],
        [{ quote_id: mine.id, source_asset: 'NGNC' }, 'GET /withdraw'],
        [{ quote_id: mine.id, source_asset: 'BTC' }, 'source_asset'],
        [{ quote_id: mine.id, ...OTHER_BANK }, 'does not match your verified name'],
      ];
      const before = await counts();
      for (const [params, text] of cases) {
        const answer = await exchange(params);
        expect(answer.status, JSON.stringify(params)).toBe(400);
        expect(answer.json['error'], JSON.stringify(params)).toContain(text);
      }
      expect(await counts()).toEqual(before);
      const unused = await db()
        .selectFrom('quotes')
        .select('used_at')
        .where('id', '=', mine.id)
        .executeTakeFirstOrThrow();
      expect(unused.used_at).toBeNull();
    });

    it('asks an unverified customer for KYC before using the quote', async () => {
      const stranger = Keypair.random().publicKey();
      const quote = await sellQuoteFor(stranger);
      const answer = await exchange({ quote_id: quote.id }, stranger);
      expect(answer.status).toBe(403);
      expect(answer.json['type']).toBe('non_interactive_customer_info_needed');
      const row = await db()
        .selectFrom('quotes')
        .select('used_at')
        .where('id', '=', quote.id)
        .executeTakeFirstOrThrow();
      expect(row.used_at).toBeNull();
    });
  });

  describe('GET /transactions', () => {
    let g: string;
    const ids: string[] = [];
    beforeAll(async () => {
      g = await verifiedAccount();
      for (const amount of ['1000', '2000']) {
        const answer = await call('GET', `/sep6/deposit?${query({ asset_code: 'NGNC', amount })}`, g);
        ids.push(answer.json['id'] as string);
      }
      const quote = await quoteFor(g);
      const usdc = await call(
        'GET',
        `/sep6/deposit-exchange?${query({ destination_asset: 'USDC', source_asset: 'iso4217:NGN', amount: '20000', quote_id: quote.id })}`,
        g,
      );
      ids.push(usdc.json['id'] as string);
    });

    const list = async (params: string, sub = g) => {
      const answer = await call('GET', `/sep6/transactions?${params}`, sub);
      expect(answer.status, params).toBe(200);
      return (answer.json['transactions'] as { id: string; kind: string; instructions?: unknown }[]).map(
        (t) => [t.id, t.kind, t.instructions === undefined ? 'no instructions' : 'instructions'],
      );
    };

    it('lists deposits with their SEP-6 kinds and instructions, newest first', async () => {
      expect(await list('asset_code=NGNC')).toEqual([
        [ids[1], 'deposit', 'instructions'],
        [ids[0], 'deposit', 'instructions'],
      ]);
      expect(await list(`asset_code=NGNC&limit=1&paging_id=${ids[1] ?? ''}&account=${g}`)).toEqual([
        [ids[0], 'deposit', 'instructions'],
      ]);
      expect(await list('asset_code=USDC')).toEqual([[ids[2], 'deposit-exchange', 'instructions']]);
    });

    it('filters by the SEP-6 kinds, one or several', async () => {
      expect(await list('asset_code=USDC&kind=deposit')).toEqual([]);
      expect(await list('asset_code=USDC&kind=deposit-exchange')).toHaveLength(1);
      expect(await list('asset_code=USDC&kind=deposit&kind=deposit-exchange')).toHaveLength(1);
      expect(await list('asset_code=NGNC&kind=deposit,withdrawal')).toHaveLength(2);
      expect(await list('asset_code=NGNC&kind=deposit-exchange')).toEqual([]);
      expect(await list('asset_code=NGNC&kind=withdrawal-exchange')).toEqual([]);
    });

    it('refuses a bad kind (400) and another account (403)', async () => {
      expect((await call('GET', '/sep6/transactions?asset_code=NGNC&kind=refund', g)).status).toBe(400);
      const other = await call(
        'GET',
        `/sep6/transactions?asset_code=NGNC&account=${Keypair.random().publicKey()}`,
        g,
      );
      expect(other.status).toBe(403);
      expect(await list('asset_code=NGNC', Keypair.random().publicKey())).toEqual([]);
    });
  });
});
