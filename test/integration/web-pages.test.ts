/**
 * The hosted pages through HTTP on every database backend: the composed app with the web plugin, a
 * Paystack double over real HTTP and a controllable clock. Deposits are opened as the SEP-24 plugin
 * opens them (openDeposit + issueInteractiveToken); a test browser keeps the cookies.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import type { LightMyRequestResponse } from 'fastify';
import { openDeposit, type DepositRequest } from '../../src/flows/deposit/index.js';
import type { TransactionRow } from '../../src/flows/state-machine.js';
import { transferDeps, type TransferDeps } from '../../src/flows/transfers/deps.js';
import { issueInteractiveToken } from '../../src/flows/transfers/interactive-token.js';
import { customerStanding } from '../../src/flows/transfers/limits.js';
import { HttpError } from '../../src/platform/http/errors.js';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';
import { createSepContext, type SepContext } from '../../src/sep/context.js';
import type { Sep10Identity } from '../../src/sep/sep10/jwt.js';
import { createFirmQuote } from '../../src/sep/sep38/firm-quote.js';
import { buildCatalog } from '../../src/sep/sep38/catalog.js';
import { rateSourceFor } from '../../src/sep/sep38/rates.js';
import { findQuote } from '../../src/sep/sep38/store.js';
import { attachQuote, web } from '../../src/web/index.js';
import { stellarTransactionUrl } from '../../src/web/format.js';
import { webAssetDirOf } from '../../src/web/paths.js';
import { databaseKinds, silentLogger } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/app.js';

const JWT_SECRET = 'web-pages-test-secret-0123456789abcdef0123456789';
const NGN_ISSUER = Keypair.random().publicKey();
const USDC_ISSUER = Keypair.random().publicKey();
const SESSION_TTL_S = 600;
const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const KYC = {
  first_name: 'Adaeze',
  last_name: 'Okonkwo',
  mobile_number: '0803 123 4567',
  birth_date: '1990-05-17',
  id_type: 'bvn',
  id_number: '22123456789',
};
const HOSTILE_SCRIPT = '<script>alert(1)</script>';
const HOSTILE_ATTRIBUTE = '"><img src=x onerror=alert(1)>';

/** A browser for app.inject: it keeps cookies and reads CSRF tokens out of pages. */
class TestBrowser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly test: () => TestApp) {}

  private keep(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (cookie.maxAge === 0 || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.test().app.inject({ method: 'GET', url, cookies: Object.fromEntries(this.cookies) }),
    );
  }

  async post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.test().app.inject({
        method: 'POST',
        url,
        cookies: Object.fromEntries(this.cookies),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      }),
    );
  }

  /** Sends a page's form as a person would: with the CSRF token the page carries. */
  async submit(
    pageUrl: string,
    action: string,
    fields: Record<string, string>,
  ): Promise<LightMyRequestResponse> {
    const page = await this.get(pageUrl);
    return this.post(action, { _csrf: csrfOf(page.body), ...fields });
  }
}

function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (match?.[1] === undefined) throw new Error(`no CSRF token in page: ${html.slice(0, 300)}`);
  return match[1];
}

/** The text of the element with this id (the pages give figures stable ids). */
function textOf(html: string, id: string): string | undefined {
  return new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
}

function identityOf(account: string, memo: string | null = null): Sep10Identity {
  return {
    sub: memo === null ? account : `${account}:${memo}`,
    account,
    memo,
    muxedAccount: null,
    clientDomain: null,
    homeDomain: null,
    jti: randomUUID(),
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
}

describe.each(databaseKinds)('hosted SEP-24 pages on %s', (kind) => {
  let paystack: PaystackDouble;
  let test: TestApp;
  let ctx: SepContext;
  let deps: TransferDeps;
  let nowMs = Date.now();
  const now = (): Date => new Date(nowMs);

  beforeAll(async () => {
    paystack = await createPaystackDouble();
    test = await startTestApp(
      kind,
      {
        STELLAR_NETWORK: 'sandbox',
        ASSET_NGN_ISSUER: NGN_ISSUER,
        ASSET_USDC_ISSUER: USDC_ISSUER,
        SEP38_USDC_NGN_RATE: '1500',
        SEP38_SPREAD_BPS: '0',
        FEES_NGN_DEPOSIT: 'fixed:10000,bps:150,max:200000',
        FEES_USDC_DEPOSIT: 'fixed:10000,bps:150,max:200000',
        SEP38_LIMITS_NGN: 'min:100,max:10000000',
        KYC_TIER1_PER_TRANSACTION_NGN: '50000',
        SEP12_MOBILE_VERIFICATION: 'true',
        PAYSTACK_BASE_URL: paystack.url,
        PAYSTACK_SECRET_KEY: paystack.secretKey,
        PAYSTACK_DEDICATED_ACCOUNT_PROVIDER: 'test-bank',
        WEB_SESSION_TTL_S: String(SESSION_TTL_S),
        RATE_LIMIT_PER_MINUTE: '100000',
      },
      {
        register: async (app, runtime) => {
          ctx = createSepContext(runtime, JWT_SECRET, now);
          await app.register(web, ctx);
        },
      },
    );
    deps = transferDeps(ctx);
  });
  afterAll(async () => {
    await test.close();
    await paystack.close();
  });
  beforeEach(() => {
    nowMs = Date.now();
  });

  const browser = () => new TestBrowser(() => test);

  async function openInteractive(
    request: Partial<DepositRequest> = {},
  ): Promise<{ row: TransactionRow; token: string; identity: Sep10Identity }> {
    const identity = request.identity ?? identityOf(Keypair.random().publicKey());
    const row = await openDeposit(deps, { protocol: 'sep24', assetCode: 'NGNC', ...request, identity });
    const token = await issueInteractiveToken(deps.db, row.id, new Date(nowMs + 300_000));
    return { row, token, identity };
  }

  async function enter(client: TestBrowser, token: string, lang = 'en'): Promise<LightMyRequestResponse> {
    return client.get(
      `/sep24/interactive?token=${encodeURIComponent(token)}&lang=${encodeURIComponent(lang)}`,
    );
  }

  /** Opens a deposit in a fresh browser and completes KYC tier 1 (with the sandbox's SMS code). */
  async function readyForAmount(request: Partial<DepositRequest> = {}) {
    const opened = await openInteractive(request);
    const client = browser();
    await enter(client, opened.token);
    const page = `/sep24/deposit/${opened.row.id}`;
    expect((await client.submit(page, `${page}/kyc`, KYC)).statusCode).toBe(303);
    expect((await client.submit(page, `${page}/verify`, { code: '123456' })).statusCode).toBe(303);
    return { ...opened, client, page };
  }

  async function reload(id: string): Promise<TransactionRow> {
    return deps.db.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  describe('interactive token', () => {
    it('is exchanged once for a session cookie and a redirect to the deposit', async () => {
      const { row, token } = await openInteractive();
      const reply = await enter(browser(), token);
      expect(reply.statusCode).toBe(303);
      expect(reply.headers.location).toBe(`/sep24/deposit/${row.id}`);
      expect(reply.headers['cache-control']).toBe('no-store');
      const cookie = String(reply.headers['set-cookie']);
      expect(cookie).toMatch(/^rampart_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+;/);
      expect(cookie).toContain(`Max-Age=${SESSION_TTL_S}`);
      expect(cookie).toContain('Path=/');
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Lax');
      // PUBLIC_URL is http here: not Secure (a browser would drop it), and never the JWT secret.
      expect(cookie).not.toContain('Secure');
      expect(cookie).not.toContain(JWT_SECRET);

      const again = await enter(browser(), token);
      expect(again.statusCode).toBe(403);
      expect(again.body).toContain('This link has expired');
      expect(again.headers['set-cookie']).toBeUndefined();
    });

    it('refuses an expired, unknown or malformed token with the same page', async () => {
      const { row } = await openInteractive();
      const stale = await issueInteractiveToken(deps.db, row.id, new Date(nowMs - 1000));
      for (const token of [stale, 'A'.repeat(43), 'not a token', '']) {
        const reply = await enter(browser(), token);
        expect(reply.statusCode).toBe(403);
        expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(reply.body).toContain('Start again from your wallet.');
        expect(reply.headers['set-cookie']).toBeUndefined();
      }
    });

    it('ignores an unsupported or hostile language', async () => {
      const { token } = await openInteractive();
      const client = browser();
      await enter(client, token, HOSTILE_SCRIPT);
      const { row } = await openInteractive();
      const page = await client.get(`/sep24/deposit/${row.id}`);
      expect(page.body).toContain('<html lang="en">');
      expect(page.body).not.toContain(HOSTILE_SCRIPT);
    });
  });

  describe('session', () => {
    it('is required for the deposit pages and their forms', async () => {
      const { row, identity } = await openInteractive();
      const reply = await browser().get(`/sep24/deposit/${row.id}`);
      expect(reply.statusCode).toBe(403);
      expect(reply.body).toContain('Your session has ended');
      const posted = await browser().post(`/sep24/deposit/${row.id}/kyc`, KYC);
      expect(posted.statusCode).toBe(403);
      expect(posted.body).toContain('Your session has ended');
      expect((await customerStanding(deps, deps.db, identity.sub)).customer).toBeUndefined();
    });

    it('opens only the transaction it names, and only while it lasts', async () => {
      const first = await openInteractive();
      const second = await openInteractive();
      const client = browser();
      await enter(client, first.token);
      expect((await client.get(`/sep24/deposit/${first.row.id}`)).statusCode).toBe(200);
      expect((await client.get(`/sep24/deposit/${second.row.id}`)).statusCode).toBe(403);
      nowMs += (SESSION_TTL_S + 1) * 1000;
      expect((await client.get(`/sep24/deposit/${first.row.id}`)).statusCode).toBe(403);
    });

    it('refuses a cookie that was tampered with', async () => {
      const { row, token } = await openInteractive();
      const client = browser();
      await enter(client, token);
      const [payload, mac] = (client.cookies.get('rampart_session') ?? '').split('.');
      const other = Buffer.from(
        JSON.stringify({
          ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
          e: 9_999_999_999,
        }),
      ).toString('base64url');
      client.cookies.set('rampart_session', `${other}.${mac}`);
      expect((await client.get(`/sep24/deposit/${row.id}`)).statusCode).toBe(403);
    });
  });

  describe('KYC step', () => {
    it('shows the tier-1 fields with labels, hints and the registered id types', async () => {
      const { row, token } = await openInteractive();
      const client = browser();
      await enter(client, token);
      const page = await client.get(`/sep24/deposit/${row.id}`);
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toBe(CSP);
      expect(page.headers['cache-control']).toBe('no-store');
      for (const name of ['first_name', 'last_name', 'mobile_number', 'birth_date', 'id_type', 'id_number'])
        expect(page.body).toMatch(new RegExp(`<label for="${name}">`));
      expect(page.body).toContain('type="date"');
      expect(page.body).toContain('<option value="bvn">');
      expect(page.body).toContain('<option value="nin">');
      expect(page.body).not.toContain('value="passport"');
      expect(page.body).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    });

    it('writes the customer through SEP-12 rules, verifies the mobile code and reaches tier 1', async () => {
      const { row, token, identity } = await openInteractive();
      const client = browser();
      await enter(client, token);
      const page = `/sep24/deposit/${row.id}`;
      const saved = await client.submit(page, `${page}/kyc`, KYC);
      expect(saved.statusCode).toBe(303);
      expect(saved.headers.location).toBe(page);
      expect((await customerStanding(deps, deps.db, identity.sub)).tier).toBe(0);

      const verify = await client.get(page);
      expect(verify.body).toContain('Confirm your mobile number');
      expect(verify.body).toContain('the code is always 123456');
      const wrong = await client.post(`${page}/verify`, { _csrf: csrfOf(verify.body), code: '000000' });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body).toContain('The provided confirmation code was invalid.');
      expect(wrong.body).toContain('aria-describedby="code-error"');

      expect((await client.submit(page, `${page}/verify`, { code: '123456' })).statusCode).toBe(303);
      const standing = await customerStanding(deps, deps.db, identity.sub);
      expect(standing.tier).toBe(1);
      expect(standing.snapshot.idType).toBe('bvn');
      expect((await client.get(page)).body).toContain('How much naira will you pay?');
    });

    it('shows every problem next to its field, with the values back, and saves nothing', async () => {
      const { row, token, identity } = await openInteractive();
      const client = browser();
      await enter(client, token);
      const page = `/sep24/deposit/${row.id}`;
      const reply = await client.submit(page, `${page}/kyc`, {
        ...KYC,
        first_name: 'Ada9',
        birth_date: '2015-01-01',
        id_type: 'passport',
      });
      expect(reply.statusCode).toBe(400);
      expect(reply.body).toContain('<p class="field-error" id="first_name-error">must be a name of letters');
      expect(reply.body).toContain('aria-describedby="first_name-hint first_name-error"');
      expect(reply.body).toContain('id="birth_date-error">customer must be at least 18 years old');
      expect(reply.body).toContain('id="id_type-error">choose BVN or NIN');
      expect(reply.body).toContain('value="Ada9"');
      expect(reply.body).toContain('role="alert"');
      expect((await customerStanding(deps, deps.db, identity.sub)).customer).toBeUndefined();
    });

    it('escapes hostile values everywhere it prints them', async () => {
      const { row, token } = await openInteractive();
      const client = browser();
      await enter(client, token);
      const page = `/sep24/deposit/${row.id}`;
      const reply = await client.submit(page, `${page}/kyc`, {
        ...KYC,
        first_name: HOSTILE_SCRIPT,
        last_name: HOSTILE_ATTRIBUTE,
      });
      expect(reply.statusCode).toBe(400);
      expect(reply.body).not.toContain(HOSTILE_SCRIPT);
      expect(reply.body).not.toContain('<img');
      expect(reply.body).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
      expect(reply.body).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    });
  });

  describe('KYC outcomes', () => {
    async function afterKyc() {
      const opened = await openInteractive();
      const client = browser();
      await enter(client, opened.token);
      const page = `/sep24/deposit/${opened.row.id}`;
      await client.submit(page, `${page}/kyc`, KYC);
      const customer = await deps.db
        .selectFrom('customers')
        .select('id')
        .where('subject', '=', opened.identity.sub)
        .executeTakeFirstOrThrow();
      return { ...opened, client, page, customerId: customer.id };
    }

    it('says the details are being checked while a field is PROCESSING, and to come back', async () => {
      const { client, page, customerId, row } = await afterKyc();
      await deps.db
        .updateTable('customer_fields')
        .set({ status: 'PROCESSING', verification_mac: null })
        .where('customer_id', '=', customerId)
        .where('name', '=', 'mobile_number')
        .execute();
      const reply = await client.get(page);
      expect(reply.statusCode).toBe(200);
      expect(reply.body).toContain('We&#39;re checking your details');
      expect(reply.body).toContain(`href="/transfers/${row.id}"`);
      expect(reply.body).toContain('<meta http-equiv="refresh" content="30">');
    });

    it('stops a customer an operator rejected', async () => {
      const { client, page, customerId } = await afterKyc();
      await deps.db
        .updateTable('customers')
        .set({ rejected_message: 'operator said no' })
        .where('id', '=', customerId)
        .execute();
      const reply = await client.get(page);
      expect(reply.statusCode).toBe(403);
      expect(reply.body).toContain('We cannot go ahead with this deposit');
      expect(reply.body).not.toContain('operator said no');
    });
  });

  describe('CSRF', () => {
    it('refuses a form without a token or with a wrong one, changing nothing', async () => {
      const { row, token, identity } = await openInteractive();
      const client = browser();
      await enter(client, token);
      const page = `/sep24/deposit/${row.id}`;
      await client.get(page); // the CSRF secret cookie exists: only the token is missing or wrong
      for (const form of [KYC, { ...KYC, _csrf: 'forged-token' }]) {
        const reply = await client.post(`${page}/kyc`, form);
        expect(reply.statusCode).toBe(403);
        expect(reply.body).toContain('This form has expired');
        expect(reply.headers['content-security-policy']).toBe(CSP);
      }
      expect((await customerStanding(deps, deps.db, identity.sub)).customer).toBeUndefined();
    });

    it("refuses another session's token", async () => {
      const mine = await openInteractive();
      const theirs = await openInteractive();
      const client = browser();
      await enter(client, theirs.token);
      const stolen = csrfOf((await client.get(`/sep24/deposit/${theirs.row.id}`)).body);
      await enter(client, mine.token);
      const reply = await client.post(`/sep24/deposit/${mine.row.id}/kyc`, { ...KYC, _csrf: stolen });
      expect(reply.statusCode).toBe(403);
      expect((await customerStanding(deps, deps.db, mine.identity.sub)).customer).toBeUndefined();
    });
  });

  describe('amount step', () => {
    it('refuses amounts outside the pair and tier limits, with the reason, changing nothing', async () => {
      const { row, client, page } = await readyForAmount();
      const cases: [string, string][] = [
        ['50', 'Must be between 100 and 10000000 naira'],
        ['60000', 'Above the limit of ₦50000.00 per transaction'],
        ['five thousand', 'enter an amount in naira, such as 5000 or 5000.50'],
        ['100.001', 'Amount has more than 2 decimal places'],
      ];
      for (const [amount, reason] of cases) {
        const reply = await client.submit(page, `${page}/amount`, { amount });
        expect(reply.statusCode).toBe(400);
        expect(reply.body).toContain(reason);
        expect(reply.body).toContain('aria-invalid="true"');
      }
      const after = await reload(row.id);
      expect(after.status).toBe('incomplete');
      expect(after.amount_expected_minor).toBeNull();
    });

    it('confirms the naira token at par with the exact fee and amount out, then opens checkout', async () => {
      const { row, client, page } = await readyForAmount();
      const amountPage = await client.get(page);
      expect(amountPage.body).toContain(
        'From ₦100.00 to ₦10,000,000.00. Your limit per transaction is ₦50,000.00.',
      );
      const confirm = await client.post(`${page}/amount`, {
        _csrf: csrfOf(amountPage.body),
        amount: '₦10,000',
      });
      expect(confirm.statusCode).toBe(200);
      // fixed:10000 + 150 bps of ₦10,000 = ₦100 + ₦150; 9,750 NGNC at par.
      expect(textOf(confirm.body, 'amount-in')).toBe('₦10,000.00');
      expect(textOf(confirm.body, 'fee')).toBe('₦250.00');
      expect(confirm.body).toMatch(/<dt>Fixed fee<\/dt><dd>₦100.00<\/dd>/);
      expect(confirm.body).toMatch(/<dt>Service fee<\/dt><dd>₦150.00<\/dd>/);
      expect(textOf(confirm.body, 'amount-out')).toBe('9,750.00 NGNC');
      expect(confirm.headers['content-security-policy']).toBe(
        CSP.replace("form-action 'self'", `form-action 'self' ${new URL(paystack.url).origin}`),
      );
      expect((await reload(row.id)).status).toBe('incomplete');

      const paid = await client.post(`${page}/confirm`, { _csrf: csrfOf(confirm.body), amount: '10000.00' });
      expect(paid.statusCode).toBe(303);
      expect(paid.headers.location).toBe(`/transfers/${row.id}/pay`);
      const after = await reload(row.id);
      expect(after.status).toBe('pending_user_transfer_start');
      expect(after.amount_in_minor).toBe('1000000');
      expect(after.amount_fee_minor).toBe('25000');
      expect(after.amount_out_minor).toBe('97500000000');

      const pay = await client.get(`/transfers/${row.id}/pay`);
      expect(pay.statusCode).toBe(303);
      expect(pay.headers.location).toMatch(new RegExp(`^${paystack.url}/checkout/`));
      expect((await reload(row.id)).payment_url).toBe(pay.headers.location);
      // Once paying, the deposit pages hand over to the status page.
      expect((await client.get(page)).headers.location).toBe(`/transfers/${row.id}`);
    });

    it('skips the amount when the wallet gave one', async () => {
      const { row, client, page } = await readyForAmount({ amount: '20000' });
      const confirm = await client.get(page);
      expect(textOf(confirm.body, 'amount-in')).toBe('₦20,000.00');
      expect(textOf(confirm.body, 'fee')).toBe('₦400.00');
      expect(textOf(confirm.body, 'amount-out')).toBe('19,600.00 NGNC');
      expect(confirm.body).not.toContain('name="amount"');
      const paid = await client.post(`${page}/confirm`, { _csrf: csrfOf(confirm.body) });
      expect(paid.headers.location).toBe(`/transfers/${row.id}/pay`);
      expect((await reload(row.id)).amount_in_minor).toBe('2000000');
    });

    it('buys USDC at a firm quote and attaches the quote on confirm', async () => {
      const { row, client, page, identity } = await readyForAmount({ assetCode: 'USDC' });
      const confirm = await client.submit(page, `${page}/amount`, { amount: '15000' });
      expect(confirm.statusCode).toBe(200);
      const quoteId = /name="quote_id" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
      const quote = await findQuote(deps.db, quoteId);
      expect(quote?.account).toBe(identity.sub);
      expect(quote?.usedAt).toBeNull();
      // ₦15,000 less the ₦325 fee, at ₦1,500 per USDC.
      expect(textOf(confirm.body, 'fee')).toBe('₦325.00');
      expect(textOf(confirm.body, 'rate')).toBe('1 USDC = ₦1,500.00');
      expect(textOf(confirm.body, 'amount-out')).toBe('9.7833333 USDC');
      expect(textOf(confirm.body, 'expires')).toMatch(/WAT$/);

      const paid = await client.post(`${page}/confirm`, { _csrf: csrfOf(confirm.body), quote_id: quoteId });
      expect(paid.statusCode).toBe(303);
      const after = await reload(row.id);
      expect(after.quote_id).toBe(quoteId);
      expect(after.status).toBe('pending_user_transfer_start');
      expect(after.amount_out_minor).toBe(quote?.buyAmountMinor.toString());
      expect((await findQuote(deps.db, quoteId))?.usedByTransactionId).toBe(row.id);
    });

    it('refuses to attach a second quote to a deposit that has one', async () => {
      const identity = identityOf(Keypair.random().publicKey());
      const quoteDeps = {
        db: deps.db,
        kv: test.runtime.kv,
        logger: silentLogger,
        catalog: buildCatalog(deps.config),
        rates: rateSourceFor(deps.config, silentLogger),
        config: deps.config,
      };
      const request = {
        sell_asset: 'iso4217:NGN',
        buy_asset: `stellar:USDC:${USDC_ISSUER}`,
        sell_amount: '15000',
        sell_delivery_method: 'card',
        context: 'sep24' as const,
      };
      const first = await createFirmQuote(quoteDeps, { account: identity.sub, request, now: now() });
      const second = await createFirmQuote(quoteDeps, { account: identity.sub, request, now: now() });
      const { row } = await openInteractive({ assetCode: 'USDC', identity, quoteId: first.id });
      const attach = attachQuote(deps, {
        kind: 'deposit',
        transactionId: row.id,
        subject: identity.sub,
        quoteId: second.id,
        assetId: request.buy_asset,
        now: now(),
      });
      await expect(attach).rejects.toThrow(HttpError);
      await expect(attach).rejects.toThrow('already has another quote');
      expect((await findQuote(deps.db, second.id))?.usedAt).toBeNull();
      expect((await reload(row.id)).quote_id).toBe(first.id);
    });
  });

  describe('payment', () => {
    it('shows the bank-transfer account for a bank-transfer deposit', async () => {
      const { row, client, page } = await readyForAmount({ amount: '10000', fundingMethod: 'bank_transfer' });
      await client.submit(page, `${page}/confirm`, {});
      const pay = await browser().get(`/transfers/${row.id}/pay`);
      expect(pay.statusCode).toBe(200);
      expect(pay.body).toContain('Pay by bank transfer');
      expect(textOf(pay.body, 'amount')).toBe('₦10,000.00');
      expect(textOf(pay.body, 'account-number')).toMatch(/^\d{10}$/);
      expect(textOf(pay.body, 'bank-name')).toBe('Test Bank');
      expect(textOf(pay.body, 'deadline')).toMatch(/WAT$/);
    });

    it('shows the error with a retry link when Paystack refuses, then succeeds on retry', async () => {
      const { row, client, page } = await readyForAmount({ amount: '10000' });
      await client.submit(page, `${page}/confirm`, {});
      paystack.control.setFaults({ failNext: { path: '/transaction/initialize', status: 500 } });
      const failed = await browser().get(`/transfers/${row.id}/pay`);
      expect(failed.statusCode).toBe(503);
      expect(failed.body).toContain('We could not open the payment page');
      expect(failed.body).toContain(`href="/transfers/${row.id}/pay"`);
      const retried = await browser().get(`/transfers/${row.id}/pay`);
      expect(retried.statusCode).toBe(303);
      expect(retried.headers.location).toMatch(/\/checkout\//);
    });

    it('sends any other status to the status page', async () => {
      const { row } = await openInteractive();
      const reply = await browser().get(`/transfers/${row.id}/pay`);
      expect(reply.statusCode).toBe(303);
      expect(reply.headers.location).toBe(`/transfers/${row.id}`);
    });
  });

  describe('status page', () => {
    const hash = 'ab'.repeat(32);

    it('tells each status in words, what comes next, and shows no personal data', async () => {
      const { row, client, page, identity } = await readyForAmount({ amount: '10000' });
      await client.submit(page, `${page}/confirm`, {});
      const cases: [string, Record<string, unknown>, string][] = [
        ['pending_user_transfer_start', {}, 'Waiting for your payment'],
        ['pending_anchor', { funds_received_at: new Date() }, 'Processing'],
        ['pending_trust', {}, 'Waiting for your wallet to accept the asset'],
        ['completed', { stellar_transaction_id: hash, completed_at: new Date() }, 'Completed'],
        ['expired', { stellar_transaction_id: null, completed_at: null }, 'Expired'],
        ['error', {}, 'Needs attention'],
      ];
      for (const [status, columns, words] of cases) {
        await deps.db
          .updateTable('transactions')
          .set({ status, ...columns })
          .where('id', '=', row.id)
          .execute();
        const reply = await browser().get(`/transfers/${row.id}?trxref=x&reference=<script>`);
        expect(reply.statusCode).toBe(200);
        expect(reply.headers['content-security-policy']).toBe(CSP);
        expect(textOf(reply.body, 'status')).toBe(words);
        expect(textOf(reply.body, 'amount-in')).toBe('₦10,000.00');
        expect(textOf(reply.body, 'fee')).toBe('₦250.00');
        expect(textOf(reply.body, 'amount-out')).toBe('9,750.00 NGNC');
        const final = status === 'completed' || status === 'expired';
        expect(reply.body.includes('<meta http-equiv="refresh" content="10">')).toBe(!final);
        expect(reply.body.includes('id="pay-link"')).toBe(status === 'pending_user_transfer_start');
        expect(reply.body.includes('id="stellar-link"')).toBe(status === 'completed');
        for (const personal of [KYC.first_name, KYC.last_name, '8031234567', KYC.id_number, identity.account])
          expect(reply.body).not.toContain(personal);
        expect(reply.body).not.toContain('<script>');
      }
    });

    it('links the Stellar transaction where a person can read it, per network', async () => {
      const { row } = await openInteractive();
      await deps.db
        .updateTable('transactions')
        .set({ status: 'completed', stellar_transaction_id: hash })
        .where('id', '=', row.id)
        .execute();
      const reply = await browser().get(`/transfers/${row.id}`);
      expect(reply.body).toContain(`href="http://127.0.0.1:8001/transactions/${hash}"`);
      const config = { ...deps.config, horizonUrl: undefined };
      expect(stellarTransactionUrl({ ...config, stellarNetwork: 'public' }, hash)).toBe(
        `https://stellar.expert/explorer/public/tx/${hash}`,
      );
      expect(stellarTransactionUrl({ ...config, stellarNetwork: 'testnet' }, hash)).toBe(
        `https://stellar.expert/explorer/testnet/tx/${hash}`,
      );
    });

    it('shows the refund', async () => {
      const { row } = await openInteractive();
      const refunds = {
        amount_refunded: '10000.00',
        amount_fee: '0.00',
        payments: [{ id: '4242', id_type: 'external', amount: '10000.00', fee: '0.00' }],
      };
      await deps.db
        .updateTable('transactions')
        .set({
          status: 'refunded',
          amount_in_minor: '1000000',
          refunds: JSON.stringify(refunds),
        })
        .where('id', '=', row.id)
        .execute();
      const reply = await browser().get(`/transfers/${row.id}`);
      expect(textOf(reply.body, 'status')).toBe('Refunded');
      expect(textOf(reply.body, 'refund-amount')).toBe('₦10,000.00');
      expect(reply.body).toContain('Returned through Paystack to the card or account you paid with');
      expect(reply.body).not.toContain('http-equiv="refresh"');
    });

    it('answers an unknown or malformed id with a 404 page', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', '%3Cscript%3E']) {
        const reply = await browser().get(`/transfers/${id}`);
        expect(reply.statusCode).toBe(404);
        expect(reply.body).toContain('Transfer not found');
        expect(reply.body).not.toContain('<script>');
        expect(reply.headers['content-security-policy']).toBe(CSP);
      }
    });
  });

  it('finds its templates from the compiled layout (dist/src/web) as from source', () => {
    const templates = fileURLToPath(new URL('../../src/web/templates/', import.meta.url));
    const compiled = new URL('../../dist/src/web/paths.js', import.meta.url);
    expect(webAssetDirOf(compiled, 'templates')).toBe(templates);
    expect(webAssetDirOf(new URL('../../src/web/paths.ts', import.meta.url), 'templates')).toBe(templates);
    expect(() => webAssetDirOf(new URL('file:///nowhere/a/b/paths.js'), 'templates')).toThrow(/missing/);
  });

  it('serves the stylesheet the pages link, cached for a year', async () => {
    const { row } = await openInteractive();
    const page = await browser().get(`/transfers/${row.id}`);
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page.body)?.[1] ?? '';
    expect(href).toMatch(/^\/web\/rampart\.[0-9a-f]{12}\.css$/);
    const css = await browser().get(href);
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.body).toContain('.field-error');
  });
});

describe('hosted pages behind an https PUBLIC_URL with a path', () => {
  let test: TestApp;
  let deps: TransferDeps;

  beforeAll(async () => {
    test = await startTestApp(
      'pglite',
      {
        PUBLIC_URL: 'https://anchor.example.ng/ramp',
        ASSET_NGN_ISSUER: NGN_ISSUER,
        RATE_LIMIT_PER_MINUTE: '100000',
      },
      {
        register: async (app, runtime) => {
          const ctx = createSepContext(runtime, JWT_SECRET);
          deps = transferDeps(ctx);
          await app.register(web, ctx);
        },
      },
    );
  });
  afterAll(async () => {
    await test.close();
  });

  it('sets Secure __Host- cookies and links under the public path', async () => {
    const identity = identityOf(Keypair.random().publicKey());
    const row = await openDeposit(deps, { protocol: 'sep24', assetCode: 'NGNC', identity });
    const token = await issueInteractiveToken(deps.db, row.id, new Date(Date.now() + 60_000));
    const client = new TestBrowser(() => test);
    const entered = await client.get(`/sep24/interactive?token=${token}`);
    expect(entered.statusCode).toBe(303);
    expect(entered.headers.location).toBe(`/ramp/sep24/deposit/${row.id}`);
    const cookie = String(entered.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-rampart_session=/);
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('Path=/;');

    const page = await client.get(`/sep24/deposit/${row.id}`);
    expect(page.statusCode).toBe(200);
    expect(String(page.headers['set-cookie'])).toMatch(/^__Host-rampart_csrf=.*Secure/);
    expect(page.body).toContain(`action="/ramp/sep24/deposit/${row.id}/kyc"`);
    expect(page.body).toMatch(/href="\/ramp\/web\/rampart\.[0-9a-f]{12}\.css"/);
    expect(page.headers['strict-transport-security']).toBeDefined();
  });
});
