/**
 * The hosted SEP-24 withdrawal pages through HTTP on every database backend: the composed app with
 * the web plugin, a Paystack double over real HTTP (its default resolvable accounts) and a
 * controllable clock. Withdrawals are opened as the SEP-24 plugin opens them (openWithdrawal +
 * issueInteractiveToken); a test browser keeps the cookies. The browser helpers repeat those of
 * web-pages.test.ts: a test file cannot import another without running its tests.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import type { LightMyRequestResponse } from 'fastify';
import { openDeposit } from '../../src/flows/deposit/index.js';
import type { TransactionRow } from '../../src/flows/state-machine.js';
import { transferDeps, type TransferDeps } from '../../src/flows/transfers/deps.js';
import { issueInteractiveToken } from '../../src/flows/transfers/interactive-token.js';
import { customerStanding } from '../../src/flows/transfers/limits.js';
import {
  openWithdrawal,
  readPayoutAccount,
  type WithdrawalRequest,
} from '../../src/flows/withdrawal/open.js';
import { receivingAccountOf } from '../../src/flows/withdrawal/receiving.js';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';
import { DEFAULT_ACCOUNTS } from '../../src/sandbox/paystack/banks.js';
import { createSepContext, type SepContext } from '../../src/sep/context.js';
import type { Sep10Identity } from '../../src/sep/sep10/jwt.js';
import { findQuote } from '../../src/sep/sep38/store.js';
import { web } from '../../src/web/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/app.js';

const JWT_SECRET = 'web-withdraw-test-secret-0123456789abcdef012345678';
const NGN_ISSUER = Keypair.random().publicKey();
const USDC_ISSUER = Keypair.random().publicKey();
const DISTRIBUTION = Keypair.random();
const SESSION_TTL_S = 600;
const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** Guaranty Trust Bank 058, 0123456789: "ADAEZE CHIOMA OKAFOR" — the customer's own account. */
const OWN = DEFAULT_ACCOUNTS[0]!;
/** Access Bank 044, 0001234567: "IBRAHIM MUSA BELLO" — someone else's. */
const OTHERS = DEFAULT_ACCOUNTS[1]!;
const KYC = {
  first_name: 'Adaeze',
  last_name: 'Okafor',
  mobile_number: '0803 123 4567',
  birth_date: '1990-05-17',
  id_type: 'bvn',
  id_number: '22123456789',
};
const BANK_CACHE_KEY = 'paystack:test:banks:NGN';

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

function identityOf(account: string): Sep10Identity {
  return {
    sub: account,
    account,
    memo: null,
    muxedAccount: null,
    clientDomain: null,
    homeDomain: null,
    jti: randomUUID(),
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
}

describe.each(databaseKinds)('hosted SEP-24 withdrawal pages on %s', (kind) => {
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
        STELLAR_DISTRIBUTION_SECRET: DISTRIBUTION.secret(),
        SEP38_USDC_NGN_RATE: '1500',
        SEP38_SPREAD_BPS: '0',
        FEES_NGN_WITHDRAWAL: 'fixed:10000,bps:100,max:200000',
        FEES_USDC_WITHDRAWAL: 'fixed:5000',
        SEP38_LIMITS_NGN: 'min:100,max:10000000',
        KYC_TIER1_PER_TRANSACTION_NGN: '50000',
        SEP12_MOBILE_VERIFICATION: 'true',
        PAYSTACK_BASE_URL: paystack.url,
        PAYSTACK_SECRET_KEY: paystack.secretKey,
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
    request: Partial<WithdrawalRequest> = {},
  ): Promise<{ row: TransactionRow; token: string; identity: Sep10Identity }> {
    const identity = request.identity ?? identityOf(Keypair.random().publicKey());
    const row = await openWithdrawal(deps, { protocol: 'sep24', assetCode: 'NGNC', ...request, identity });
    const token = await issueInteractiveToken(deps.db, row.id, new Date(nowMs + 300_000));
    return { row, token, identity };
  }

  async function enter(client: TestBrowser, token: string): Promise<LightMyRequestResponse> {
    return client.get(`/sep24/interactive?token=${encodeURIComponent(token)}&lang=en`);
  }

  /** Opens a withdrawal in a fresh browser and completes KYC tier 1 (with the sandbox's SMS code). */
  async function readyForBank(request: Partial<WithdrawalRequest> = {}, kyc = KYC) {
    const opened = await openInteractive(request);
    const client = browser();
    await enter(client, opened.token);
    const page = `/sep24/withdraw/${opened.row.id}`;
    expect((await client.submit(page, `${page}/kyc`, kyc)).statusCode).toBe(303);
    expect((await client.submit(page, `${page}/verify`, { code: '123456' })).statusCode).toBe(303);
    return { ...opened, client, page };
  }

  /** …and gives the customer's own bank account, whose name matches. */
  async function readyForAmount(request: Partial<WithdrawalRequest> = {}) {
    const ready = await readyForBank(request);
    const named = await ready.client.submit(ready.page, `${ready.page}/bank`, {
      bank_code: OWN.bankCode,
      account_number: OWN.accountNumber,
    });
    expect(named.statusCode).toBe(200);
    return ready;
  }

  /** …and confirms ₦10,000 worth of the naira token: the withdrawal waits for its payment. */
  async function waitingForPayment() {
    const ready = await readyForAmount();
    const confirm = await ready.client.submit(ready.page, `${ready.page}/amount`, { amount: '10000' });
    expect(confirm.statusCode).toBe(200);
    const done = await ready.client.post(`${ready.page}/confirm`, {
      _csrf: csrfOf(confirm.body),
      amount: '10000',
    });
    expect(done.statusCode).toBe(303);
    return ready;
  }

  async function reload(id: string): Promise<TransactionRow> {
    return deps.db.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  describe('interactive token and KYC', () => {
    it('sends a withdrawal to its own pages, which start with the identity step', async () => {
      const { row, token } = await openInteractive();
      const client = browser();
      const entered = await enter(client, token);
      expect(entered.statusCode).toBe(303);
      expect(entered.headers.location).toBe(`/sep24/withdraw/${row.id}`);
      const page = await client.get(`/sep24/withdraw/${row.id}`);
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toBe(CSP);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.body).toContain('Tell us who you are');
      expect(page.body).toContain('Step 1 of 4');
      expect(page.body).toContain(`action="/sep24/withdraw/${row.id}/kyc"`);
      expect(page.body).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    });

    it("reaches tier 1 through the shared KYC step, then asks for the bank from Paystack's list", async () => {
      const { identity, client, page } = await readyForBank();
      expect((await customerStanding(deps, deps.db, identity.sub)).tier).toBe(1);
      const bank = await client.get(page);
      expect(bank.statusCode).toBe(200);
      expect(bank.body).toContain('Where should we pay the naira?');
      expect(bank.body).toContain('Step 2 of 4');
      expect(bank.body).toContain('<select id="bank_code" name="bank_code"');
      expect(bank.body).toContain('<option value="058">Guaranty Trust Bank</option>');
      expect(bank.body).toContain('<option value="044">Access Bank</option>');
      expect(bank.body).toMatch(
        /<input id="account_number" name="account_number" type="text" inputmode="numeric"/,
      );
      expect(bank.body).toContain('<label for="bank_code">');
      expect(bank.body).toContain('<label for="account_number">');
    });

    it('tells a customer an operator rejected that the withdrawal cannot go ahead', async () => {
      const { row, token, identity } = await openInteractive();
      const client = browser();
      await enter(client, token);
      const page = `/sep24/withdraw/${row.id}`;
      await client.submit(page, `${page}/kyc`, KYC);
      await deps.db
        .updateTable('customers')
        .set({ rejected_message: 'operator said no' })
        .where('subject', '=', identity.sub)
        .execute();
      const reply = await client.get(page);
      expect(reply.statusCode).toBe(403);
      expect(reply.body).toContain('We cannot go ahead with this withdrawal');
      expect(reply.body).not.toContain('operator said no');
    });
  });

  describe('bank account', () => {
    it('resolves the account, shows the name the bank holds and stores it encrypted', async () => {
      const { row, client, page } = await readyForBank();
      const named = await client.submit(page, `${page}/bank`, {
        bank_code: OWN.bankCode,
        account_number: `${OWN.accountNumber.slice(0, 3)} ${OWN.accountNumber.slice(3)}`,
      });
      expect(named.statusCode).toBe(200);
      expect(named.headers['content-security-policy']).toBe(CSP);
      expect(named.body).toContain('Is this your account?');
      expect(textOf(named.body, 'account-name')).toBe(OWN.accountName);
      expect(textOf(named.body, 'bank-name')).toBe('Guaranty Trust Bank');
      expect(textOf(named.body, 'account-ending')).toBe('···· 6789');
      expect(named.body).toContain(`id="account-continue" href="/sep24/withdraw/${row.id}"`);
      expect(named.body).toContain(`id="account-other" href="/sep24/withdraw/${row.id}/bank"`);

      const after = await reload(row.id);
      expect(after.bank_code).toBe(OWN.bankCode);
      expect(after.bank_account_last4).toBe('6789');
      expect(after.payout_account_ciphertext).not.toContain(OWN.accountNumber);
      expect(readPayoutAccount(deps, after)).toEqual({
        bankCode: OWN.bankCode,
        accountNumber: OWN.accountNumber,
        accountName: OWN.accountName,
      });
      expect(after.status).toBe('incomplete');

      const amount = await client.get(page);
      expect(amount.body).toContain('How much NGNC will you send?');
      expect(amount.body).toContain('We pay the naira to Guaranty Trust Bank, account ending 6789.');
      const again = await client.get(`${page}/bank`);
      expect(again.statusCode).toBe(200);
      expect(again.body).toContain('<select id="bank_code"');
    });

    it("refuses an account in someone else's name with the flow's message, storing nothing", async () => {
      const { row, client, page } = await readyForBank();
      const refused = await client.submit(page, `${page}/bank`, {
        bank_code: OTHERS.bankCode,
        account_number: OTHERS.accountNumber,
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('role="alert"');
      expect(refused.body).toContain(
        'The name on this account does not match your verified name; use an account in your own name',
      );
      // Who holds the account is never told.
      expect(refused.body).not.toContain(OTHERS.accountName);
      // The form is there to try another account, with what was typed.
      expect(refused.body).toContain('<option value="044" selected>Access Bank</option>');
      expect(refused.body).toContain(`value="${OTHERS.accountNumber}"`);
      const after = await reload(row.id);
      expect(after.payout_account_ciphertext).toBeNull();
      expect(after.bank_code).toBeNull();
      expect(after.bank_account_last4).toBeNull();
      expect((await client.get(page)).body).toContain('Where should we pay the naira?');
    });

    it('refuses a bank not on the list, a malformed number and an unknown account, next to their fields', async () => {
      const { row, client, page } = await readyForBank();
      const malformed = await client.submit(page, `${page}/bank`, {
        bank_code: '999',
        account_number: '12345',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.body).toContain('id="bank_code-error">choose your bank from the list');
      expect(malformed.body).toContain(
        'id="account_number-error">enter the 10 digits of your account number',
      );
      expect(malformed.body).toContain('aria-describedby="account_number-hint account_number-error"');
      expect(malformed.body).toContain('<a href="#bank_code">');

      const unknown = await client.submit(page, `${page}/bank`, {
        bank_code: '058',
        account_number: '9999999999',
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body).toContain('This account number was not found at that bank');
      expect((await reload(row.id)).payout_account_ciphertext).toBeNull();
    });

    it('says when Paystack cannot list the banks, with a way to try again', async () => {
      const { row, client, page } = await readyForBank();
      await test.runtime.kv.delete(BANK_CACHE_KEY);
      paystack.control.setFaults({ failNext: { path: '/bank', status: 500 } });
      const failed = await client.get(page);
      expect(failed.statusCode).toBe(503);
      expect(failed.body).toContain('We cannot show the list of banks');
      expect(failed.body).toContain(`href="/sep24/withdraw/${row.id}/bank"`);
      expect((await client.get(`${page}/bank`)).statusCode).toBe(200);
    });
  });

  describe('amount and confirmation', () => {
    it('refuses amounts outside the asset and tier limits, with the reason, changing nothing', async () => {
      const { row, client, page } = await readyForAmount();
      const amountPage = await client.get(page);
      expect(amountPage.body).toContain(
        'From 100.00 NGNC to 10,000,000.00 NGNC. Your limit per transaction is ₦50,000.00, fee included.',
      );
      const cases: [string, string][] = [
        ['50', 'Must be between 100.0000000 and 10000000.0000000'],
        ['60000', 'Above the limit of ₦50000.00 per transaction'],
        ['ten thousand', 'enter an amount in NGNC, such as 5000 or 5000.50'],
        ['100.001', 'The naira token is paid out in whole kobo (at most 2 decimal places)'],
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
      expect(after.withdraw_memo).toBeNull();
    });

    it('confirms the naira token at par with the fee and naira out, then says where to send it', async () => {
      const { row, client, page } = await readyForAmount();
      const confirm = await client.submit(page, `${page}/amount`, { amount: '10,000' });
      expect(confirm.statusCode).toBe(200);
      expect(confirm.headers['content-security-policy']).toBe(CSP);
      // fixed:10000 + 100 bps of ₦10,000 = ₦100 + ₦100, taken from the naira.
      expect(textOf(confirm.body, 'amount-in')).toBe('10,000.00 NGNC');
      expect(textOf(confirm.body, 'fee')).toBe('₦200.00');
      expect(textOf(confirm.body, 'amount-out')).toBe('₦9,800.00');
      expect(textOf(confirm.body, 'paid-to')).toBe(
        `${OWN.accountName} · Guaranty Trust Bank, account ending 6789`,
      );
      expect(confirm.body).toContain('Step 4 of 4');
      expect((await reload(row.id)).status).toBe('incomplete');

      const done = await client.post(`${page}/confirm`, {
        _csrf: csrfOf(confirm.body),
        amount: '10000.0000000',
      });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe(`/transfers/${row.id}/pay`);
      const after = await reload(row.id);
      expect(after.status).toBe('pending_user_transfer_start');
      expect(after.amount_in_minor).toBe('100000000000');
      expect(after.amount_fee_minor).toBe('20000');
      expect(after.amount_out_minor).toBe('980000');
      expect(after.withdraw_anchor_account).toBe(DISTRIBUTION.publicKey());
      expect(after.withdraw_anchor_account).toBe(receivingAccountOf(deps.config));
      expect(after.withdraw_memo).toMatch(/^\d{1,20}$/);

      const pay = await client.get(`/transfers/${row.id}/pay`);
      expect(pay.statusCode).toBe(200);
      expect(pay.headers['content-security-policy']).toBe(CSP);
      expect(pay.body).toContain('Send your payment');
      expect(textOf(pay.body, 'amount')).toBe('10000');
      expect(textOf(pay.body, 'asset-code')).toBe('NGNC');
      expect(textOf(pay.body, 'asset-issuer')).toBe(NGN_ISSUER);
      expect(textOf(pay.body, 'receiving-account')).toBe(DISTRIBUTION.publicKey());
      expect(textOf(pay.body, 'memo')).toBe(after.withdraw_memo);
      expect(textOf(pay.body, 'memo-type')).toBe('ID (a number)');
      expect(textOf(pay.body, 'deadline')).toMatch(/WAT$/);
      expect(textOf(pay.body, 'amount-out')).toBe('₦9,800.00');
      expect(textOf(pay.body, 'paid-to')).toBe('Guaranty Trust Bank, account ending 6789');
      expect(pay.body).toContain('class="code copy" id="memo"');
      expect(pay.body).toContain('Your wallet will usually send it for you');
      expect(pay.body).toContain(`id="status-link" href="/transfers/${row.id}"`);
      expect(pay.body).not.toContain(OWN.accountName);
      expect(pay.body).not.toContain(OWN.accountNumber);
      expect(pay.body).not.toMatch(/<script|\sstyle=|\son[a-z]+=|<form/i);

      // Confirmed once: the pages hand over to the status page, and a second confirm changes nothing.
      expect((await client.get(page)).headers.location).toBe(`/transfers/${row.id}`);
      const twice = await client.post(`${page}/confirm`, { _csrf: csrfOf(confirm.body), amount: '10000' });
      expect(twice.headers.location).toBe(`/transfers/${row.id}`);
      expect((await reload(row.id)).withdraw_memo).toBe(after.withdraw_memo);
    });

    it('gives every withdrawal its own memo', async () => {
      const first = await waitingForPayment();
      const second = await waitingForPayment();
      const memos = [(await reload(first.row.id)).withdraw_memo, (await reload(second.row.id)).withdraw_memo];
      expect(memos[0]).toMatch(/^\d+$/);
      expect(memos[1]).toMatch(/^\d+$/);
      expect(memos[0]).not.toBe(memos[1]);
      const pages = await Promise.all(
        [first, second].map((w) => browser().get(`/transfers/${w.row.id}/pay`)),
      );
      expect(pages.map((p) => textOf(p.body, 'memo'))).toEqual(memos);
    });

    it('skips the amount when the wallet gave one', async () => {
      const { row, client, page } = await readyForAmount({ amount: '20000' });
      const confirm = await client.get(page);
      expect(textOf(confirm.body, 'amount-in')).toBe('20,000.00 NGNC');
      expect(textOf(confirm.body, 'fee')).toBe('₦300.00');
      expect(textOf(confirm.body, 'amount-out')).toBe('₦19,700.00');
      expect(confirm.body).not.toContain('name="amount"');
      const done = await client.post(`${page}/confirm`, { _csrf: csrfOf(confirm.body) });
      expect(done.headers.location).toBe(`/transfers/${row.id}/pay`);
      expect((await reload(row.id)).amount_in_minor).toBe('200000000000');
    });

    it('never opens a withdrawal for an amount the naira token cannot pay out', async () => {
      // Refused when the wallet opens it, so no page ever has to say so.
      const identity = identityOf(Keypair.random().publicKey());
      await expect(
        openWithdrawal(deps, { protocol: 'sep24', assetCode: 'NGNC', amount: '150.0000001', identity }),
      ).rejects.toThrow('the naira token is paid out in whole kobo');
      const opened = await deps.db
        .selectFrom('transactions')
        .select('id')
        .where('auth_account', '=', identity.account)
        .execute();
      expect(opened).toEqual([]);
    });

    it('sells USDC for naira at a firm quote and attaches the quote on confirm', async () => {
      const { row, client, page, identity } = await readyForAmount({ assetCode: 'USDC' });
      const amountPage = await client.get(page);
      expect(amountPage.body).toContain('How much USDC will you send?');
      const confirm = await client.submit(page, `${page}/amount`, { amount: '10' });
      expect(confirm.statusCode).toBe(200);
      const quoteId = /name="quote_id" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
      const quote = await findQuote(deps.db, quoteId);
      expect(quote?.account).toBe(identity.sub);
      expect(quote?.sellAsset).toBe(`stellar:USDC:${USDC_ISSUER}`);
      expect(quote?.buyAsset).toBe('iso4217:NGN');
      expect(quote?.buyDeliveryMethod).toBe('bank_account');
      expect(quote?.usedAt).toBeNull();
      // 10 USDC at ₦1,500 is ₦15,000, less the ₦50 fee.
      expect(textOf(confirm.body, 'amount-in')).toBe('10.00 USDC');
      expect(textOf(confirm.body, 'rate')).toBe('1 USDC = ₦1,500.00');
      expect(textOf(confirm.body, 'fee')).toBe('₦50.00');
      expect(textOf(confirm.body, 'amount-out')).toBe('₦14,950.00');
      expect(textOf(confirm.body, 'expires')).toMatch(/WAT$/);

      const done = await client.post(`${page}/confirm`, { _csrf: csrfOf(confirm.body), quote_id: quoteId });
      expect(done.statusCode).toBe(303);
      const after = await reload(row.id);
      expect(after.quote_id).toBe(quoteId);
      expect(after.status).toBe('pending_user_transfer_start');
      expect(after.amount_in_minor).toBe('100000000');
      expect(after.amount_out_minor).toBe(quote?.buyAmountMinor.toString());
      expect((await findQuote(deps.db, quoteId))?.usedByTransactionId).toBe(row.id);
      const pay = await client.get(`/transfers/${row.id}/pay`);
      expect(textOf(pay.body, 'amount')).toBe('10');
      expect(textOf(pay.body, 'asset-issuer')).toBe(USDC_ISSUER);
    });

    it('asks for a quote on the amount a wallet opened a market withdrawal with', async () => {
      const { client, page } = await readyForAmount({ assetCode: 'USDC', amount: '10' });
      const amountPage = await client.get(page);
      expect(amountPage.body).toContain('How much USDC will you send?');
      expect(amountPage.body).toContain('value="10"');
    });

    it("refuses a quote that is not this withdrawal's", async () => {
      const { row, client, page } = await readyForAmount({ assetCode: 'USDC' });
      const confirm = await client.submit(page, `${page}/amount`, { amount: '10' });
      const reply = await client.post(`${page}/confirm`, {
        _csrf: csrfOf(confirm.body),
        quote_id: randomUUID(),
      });
      expect(reply.statusCode).toBe(400);
      expect(reply.body).toContain('No such quote');
      const after = await reload(row.id);
      expect(after.status).toBe('incomplete');
      expect(after.quote_id).toBeNull();
    });
  });

  describe('session and CSRF', () => {
    it('refuses every withdrawal form without the session, storing nothing', async () => {
      const { row, identity } = await openInteractive();
      expect((await browser().get(`/sep24/withdraw/${row.id}`)).statusCode).toBe(403);
      expect((await browser().get(`/sep24/withdraw/${row.id}/bank`)).statusCode).toBe(403);
      for (const [form, fields] of [
        ['kyc', KYC],
        ['bank', { bank_code: OWN.bankCode, account_number: OWN.accountNumber }],
        ['amount', { amount: '10000' }],
        ['confirm', { amount: '10000' }],
      ] as const) {
        const reply = await browser().post(`/sep24/withdraw/${row.id}/${form}`, fields);
        expect(reply.statusCode).toBe(403);
        expect(reply.body).toContain('Your session has ended');
      }
      expect((await customerStanding(deps, deps.db, identity.sub)).customer).toBeUndefined();
      expect((await reload(row.id)).payout_account_ciphertext).toBeNull();
    });

    it('refuses the bank, amount and confirm forms without a CSRF token or with a wrong one', async () => {
      const { row, client, page } = await readyForBank();
      const bank = { bank_code: OWN.bankCode, account_number: OWN.accountNumber };
      for (const form of [bank, { ...bank, _csrf: 'forged-token' }]) {
        const reply = await client.post(`${page}/bank`, form);
        expect(reply.statusCode).toBe(403);
        expect(reply.body).toContain('This form has expired');
        expect(reply.headers['content-security-policy']).toBe(CSP);
      }
      expect((await reload(row.id)).payout_account_ciphertext).toBeNull();
      await client.submit(page, `${page}/bank`, bank);
      for (const [form, fields] of [
        ['amount', { amount: '10000' }],
        ['confirm', { amount: '10000' }],
      ] as const) {
        expect((await client.post(`${page}/${form}`, fields)).statusCode).toBe(403);
        expect((await client.post(`${page}/${form}`, { ...fields, _csrf: 'forged' })).statusCode).toBe(403);
      }
      const after = await reload(row.id);
      expect(after.status).toBe('incomplete');
      expect(after.withdraw_memo).toBeNull();
    });

    it("refuses another session's CSRF token", async () => {
      const mine = await readyForBank();
      const theirs = await readyForBank();
      const stolen = csrfOf((await theirs.client.get(theirs.page)).body);
      const reply = await mine.client.post(`${mine.page}/bank`, {
        _csrf: stolen,
        bank_code: OWN.bankCode,
        account_number: OWN.accountNumber,
      });
      expect(reply.statusCode).toBe(403);
      expect((await reload(mine.row.id)).payout_account_ciphertext).toBeNull();
    });

    it("keeps a deposit's session out of the withdrawal pages", async () => {
      const identity = identityOf(Keypair.random().publicKey());
      const deposit = await openDeposit(deps, { protocol: 'sep24', assetCode: 'NGNC', identity });
      const token = await issueInteractiveToken(deps.db, deposit.id, new Date(nowMs + 300_000));
      const client = browser();
      expect((await enter(client, token)).headers.location).toBe(`/sep24/deposit/${deposit.id}`);
      const reply = await client.get(`/sep24/withdraw/${deposit.id}`);
      expect(reply.statusCode).toBe(404);
      expect(reply.body).toContain('Not available here');
    });
  });

  describe('status page', () => {
    it('tells each withdrawal status in words, with the naira out and the bank, and no personal data', async () => {
      const { row, identity } = await waitingForPayment();
      const cases: [string, Record<string, unknown>, string, string][] = [
        ['pending_user_transfer_start', {}, 'Waiting for your payment', 'Send the asset with its memo'],
        [
          'pending_user',
          { funds_received_at: new Date(), status_message: 'Send 5.0000000 NGNC more with the same memo.' },
          'Waiting for the rest of your payment',
          'Send the rest with the same memo',
        ],
        ['pending_anchor', {}, 'Processing', 'preparing the payment to your bank account'],
        ['pending_external', {}, 'Paying into your bank', 'on its way to your bank account'],
        ['completed', { completed_at: new Date() }, 'Completed', 'paid into your bank account'],
        ['expired', { completed_at: null, funds_received_at: null }, 'Expired', 'this withdrawal was closed'],
      ];
      for (const [status, columns, words, next] of cases) {
        await deps.db
          .updateTable('transactions')
          .set({ status, ...columns })
          .where('id', '=', row.id)
          .execute();
        const reply = await browser().get(`/transfers/${row.id}`);
        expect(reply.statusCode).toBe(200);
        expect(reply.headers['content-security-policy']).toBe(CSP);
        expect(reply.body).toContain('<h1>Your withdrawal</h1>');
        expect(textOf(reply.body, 'status')).toBe(words);
        expect(textOf(reply.body, 'next')).toContain(next);
        expect(reply.body).toMatch(/<dt>You send<\/dt><dd id="amount-in">10,000.00 NGNC<\/dd>/);
        expect(textOf(reply.body, 'fee')).toBe('₦200.00');
        expect(textOf(reply.body, 'amount-out')).toBe('₦9,800.00');
        expect(textOf(reply.body, 'paid-to')).toBe('Guaranty Trust Bank, account ending 6789');
        const waiting = status === 'pending_user_transfer_start';
        expect(reply.body.includes('id="pay-link"')).toBe(waiting);
        if (waiting) {
          expect(textOf(reply.body, 'pay-link')).toBe('See how to send the payment');
          expect(textOf(reply.body, 'pay-by')).toMatch(/^Send it before .* WAT\.$/);
        }
        expect(textOf(reply.body, 'message')).toBe(
          status === 'pending_user' ? 'Send 5.0000000 NGNC more with the same memo.' : undefined,
        );
        const final = status === 'completed' || status === 'expired';
        expect(reply.body.includes('http-equiv="refresh"')).toBe(!final);
        for (const personal of [
          KYC.first_name,
          KYC.last_name,
          OWN.accountName,
          OWN.accountNumber,
          '8031234567',
          KYC.id_number,
          identity.account,
        ])
          expect(reply.body).not.toContain(personal);
      }
      // Only a withdrawal waiting for its payment has instructions: otherwise, its status.
      const pay = await browser().get(`/transfers/${row.id}/pay`);
      expect(pay.statusCode).toBe(303);
      expect(pay.headers.location).toBe(`/transfers/${row.id}`);
    });

    it('shows a refund sent back on Stellar', async () => {
      const { row } = await waitingForPayment();
      const hash = 'cd'.repeat(32);
      const refunds = {
        amount_refunded: '10000.0000000',
        amount_fee: '0.0000000',
        payments: [{ id: hash, id_type: 'stellar', amount: '10000.0000000', fee: '0.0000000' }],
      };
      await deps.db
        .updateTable('transactions')
        .set({ status: 'refunded', funds_received_at: new Date(), refunds: JSON.stringify(refunds) })
        .where('id', '=', row.id)
        .execute();
      const reply = await browser().get(`/transfers/${row.id}`);
      expect(textOf(reply.body, 'status')).toBe('Refunded');
      expect(textOf(reply.body, 'next')).toContain('sent back to your wallet');
      expect(textOf(reply.body, 'refund-amount')).toBe('10,000.00 NGNC');
      expect(reply.body).toContain(`href="http://127.0.0.1:8001/transactions/${hash}"`);
      expect(reply.body).toContain('Returned on the Stellar network');
      expect(reply.body).not.toContain('http-equiv="refresh"');
    });

    it('links a customer with the session back to the withdrawal it has not finished', async () => {
      const { row, client } = await readyForBank();
      const mine = await client.get(`/transfers/${row.id}`);
      expect(mine.body).toContain(`href="/sep24/withdraw/${row.id}"`);
      const theirs = await browser().get(`/transfers/${row.id}`);
      expect(theirs.body).not.toContain(`href="/sep24/withdraw/${row.id}"`);
    });
  });
});

describe('hosted withdrawal pages without a distribution account', () => {
  let test: TestApp;
  let deps: TransferDeps;

  beforeAll(async () => {
    test = await startTestApp(
      'pglite',
      { ASSET_NGN_ISSUER: NGN_ISSUER, RATE_LIMIT_PER_MINUTE: '100000' },
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

  it('says withdrawals are unavailable instead of taking details it cannot act on', async () => {
    const identity = identityOf(Keypair.random().publicKey());
    const row = await openWithdrawal(deps, { protocol: 'sep24', assetCode: 'NGNC', identity });
    const token = await issueInteractiveToken(deps.db, row.id, new Date(Date.now() + 60_000));
    const client = new TestBrowser(() => test);
    await client.get(`/sep24/interactive?token=${token}`);
    const page = await client.get(`/sep24/withdraw/${row.id}`);
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('Withdrawals are not available right now');
    expect(page.body).not.toContain('name="_csrf"');
  });
});
