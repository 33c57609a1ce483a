/**
 * The hosted SEP-24 pages in a real browser: Debian's Chromium, driven by playwright-core, against
 * the app on a real port with the Paystack double. A customer opens the interactive URL and, with
 * the keyboard only, either deposits (details, code, amount, confirm → the checkout page) or
 * withdraws (details, code, bank account, its name, amount, confirm → where to send the asset) —
 * with no Content-Security-Policy violation on the way and no sideways scrolling on a 375 px phone.
 *
 * Skipped only when /usr/bin/chromium is missing outside CI (apt-get install -y chromium); under
 * CI=true a missing browser fails the run.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openDeposit } from '../../src/flows/deposit/index.js';
import { transferDeps } from '../../src/flows/transfers/deps.js';
import { issueInteractiveToken } from '../../src/flows/transfers/interactive-token.js';
import { openWithdrawal } from '../../src/flows/withdrawal/open.js';
import { DEFAULT_ACCOUNTS } from '../../src/sandbox/paystack/banks.js';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';
import { createSepContext, type SepContext } from '../../src/sep/context.js';
import { web } from '../../src/web/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { isCi } from '../support/services.js';

const CHROMIUM = '/usr/bin/chromium';
const JWT_SECRET = 'web-chromium-test-secret-0123456789abcdef01234567';
const PHONE_WIDTH_PX = 375;
/** Enough Tab presses to cross any of these pages; reaching none is a focus-order bug. */
const TABS_MAX = 25;
const LOAD_TIMEOUT_MS = 10_000;
/** Guaranty Trust Bank, "ADAEZE CHIOMA OKAFOR": the withdrawing customer's own account. */
const PAYOUT_ACCOUNT = DEFAULT_ACCOUNTS[0]!;

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !isCi)
  console.warn(
    `[web-chromium] skipped: ${CHROMIUM} is missing (apt-get install -y chromium); CI=true never skips`,
  );

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Moves focus with Tab until the element with this id has it, as a keyboard user would. */
async function tabTo(page: Page, id: string): Promise<void> {
  for (let presses = 0; presses < TABS_MAX; presses++) {
    // A string: the test compiles without the DOM's types; Chromium evaluates it in the page.
    if ((await page.evaluate('document.activeElement ? document.activeElement.id : ""')) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} never received focus within ${TABS_MAX} Tab presses`);
}

/**
 * Sends the focused form with Enter and waits for the page it leads to (after any redirects). A
 * navigation the CSP blocks never loads: the console says why.
 */
async function pressEnterAndLoad(page: Page, console: readonly string[]): Promise<void> {
  const loaded = page.waitForEvent('load', { timeout: LOAD_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await loaded.catch((error: unknown) => {
    throw new Error(`no page loaded after Enter (${String(error)}); console: ${console.join(' | ')}`);
  });
}

function identityOf(account: string) {
  return {
    sub: account,
    account,
    memo: null,
    muxedAccount: null,
    clientDomain: null,
    homeDomain: null,
    jti: 'e2e',
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
}

async function scrollsSideways(page: Page): Promise<boolean> {
  const overflow = await page.evaluate(
    'document.documentElement.scrollWidth > document.documentElement.clientWidth',
  );
  return overflow === true;
}

describe.skipIf(!hasChromium && !isCi)('hosted SEP-24 pages in Chromium', () => {
  let browser: Browser | undefined;
  let paystack: PaystackDouble | undefined;
  let test: TestApp | undefined;
  let ctx: SepContext;
  let baseUrl: string;
  const distribution = Keypair.random();

  beforeAll(async () => {
    paystack = await createPaystackDouble();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    test = await startTestApp(
      'pglite',
      {
        STELLAR_NETWORK: 'sandbox',
        PUBLIC_URL: baseUrl,
        ASSET_NGN_ISSUER: Keypair.random().publicKey(),
        FEES_NGN_DEPOSIT: 'fixed:10000,bps:150,max:200000',
        FEES_NGN_WITHDRAWAL: 'fixed:10000,bps:100,max:200000',
        STELLAR_DISTRIBUTION_SECRET: distribution.secret(),
        SEP12_MOBILE_VERIFICATION: 'true',
        PAYSTACK_BASE_URL: paystack.url,
        PAYSTACK_SECRET_KEY: paystack.secretKey,
      },
      {
        register: async (app, runtime) => {
          ctx = createSepContext(runtime, JWT_SECRET);
          await app.register(web, ctx);
        },
      },
    );
    await test.app.listen({ host: '127.0.0.1', port });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await test?.close();
    await paystack?.close();
  });

  it('takes a customer from the interactive URL to the checkout by keyboard, within the CSP, on a phone', async () => {
    const deps = transferDeps(ctx);
    const account = Keypair.random().publicKey();
    const row = await openDeposit(deps, {
      protocol: 'sep24',
      assetCode: 'NGNC',
      identity: identityOf(account),
    });
    const token = await issueInteractiveToken(deps.db, row.id, new Date(Date.now() + 300_000));

    const context = await browser!.newContext({
      viewport: { width: PHONE_WIDTH_PX, height: 740 },
      locale: 'en-US',
      timezoneId: 'Africa/Lagos',
    });
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => console.push(`pageerror: ${error.message}`));

    await page.goto(`${baseUrl}/sep24/interactive?token=${token}&lang=en`);
    expect(new URL(page.url()).pathname).toBe(`/sep24/deposit/${row.id}`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Tell us who you are');
    expect(await scrollsSideways(page)).toBe(false);

    await tabTo(page, 'first_name');
    await page.keyboard.type('Adaeze');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Okonkwo');
    await page.keyboard.press('Tab');
    await page.keyboard.type('08031234567');
    await page.keyboard.press('Tab');
    await page.keyboard.type('05171990'); // en-US date input: month, day, year
    await tabTo(page, 'id_type');
    await page.keyboard.type('BVN');
    await page.keyboard.press('Tab');
    await page.keyboard.type('22123456789');
    await pressEnterAndLoad(page, console);

    expect(page.url()).toBe(`${baseUrl}/sep24/deposit/${row.id}`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Confirm your mobile number');
    await tabTo(page, 'code');
    await page.keyboard.type('123456');
    await pressEnterAndLoad(page, console);

    expect(page.url()).toBe(`${baseUrl}/sep24/deposit/${row.id}`);
    await expect(page.locator('h1').textContent()).resolves.toBe('How much naira will you pay?');
    expect(await scrollsSideways(page)).toBe(false);
    await tabTo(page, 'amount');
    await page.keyboard.type('10000');
    await pressEnterAndLoad(page, console);

    expect(page.url()).toBe(`${baseUrl}/sep24/deposit/${row.id}/amount`);
    await expect(page.locator('#fee').textContent()).resolves.toBe('₦250.00');
    await expect(page.locator('#amount-out').textContent()).resolves.toBe('9,750.00 NGNC');
    expect(await scrollsSideways(page)).toBe(false);
    await tabTo(page, 'confirm-button');
    await pressEnterAndLoad(page, console);

    expect(page.url()).toMatch(new RegExp(`^${paystack!.url}/checkout/`));
    await expect(page.locator('#pay-button').isVisible()).resolves.toBe(true);
    await expect(page.locator('#amount').textContent()).resolves.toBe('₦10,000.00');

    const violations = console.filter((line) => /Content Security Policy|Refused to/i.test(line));
    expect(violations).toEqual([]);
    expect(console.filter((line) => line.startsWith('pageerror'))).toEqual([]);
    await context.close();
  });

  it('takes a customer from the interactive URL to the payment instructions of a withdrawal by keyboard, within the CSP, on a phone', async () => {
    const deps = transferDeps(ctx);
    const account = Keypair.random().publicKey();
    const row = await openWithdrawal(deps, {
      protocol: 'sep24',
      assetCode: 'NGNC',
      identity: identityOf(account),
    });
    const token = await issueInteractiveToken(deps.db, row.id, new Date(Date.now() + 300_000));

    const context = await browser!.newContext({
      viewport: { width: PHONE_WIDTH_PX, height: 740 },
      locale: 'en-US',
      timezoneId: 'Africa/Lagos',
    });
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => console.push(`pageerror: ${error.message}`));
    const withdrawUrl = `${baseUrl}/sep24/withdraw/${row.id}`;

    await page.goto(`${baseUrl}/sep24/interactive?token=${token}&lang=en`);
    expect(page.url()).toBe(withdrawUrl);
    await expect(page.locator('h1').textContent()).resolves.toBe('Tell us who you are');
    await tabTo(page, 'first_name');
    // The bank holds the account as ADAEZE CHIOMA OKAFOR: the name given here must match it.
    await page.keyboard.type('Adaeze');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Okafor');
    await page.keyboard.press('Tab');
    await page.keyboard.type('08031234567');
    await page.keyboard.press('Tab');
    await page.keyboard.type('05171990'); // en-US date input: month, day, year
    await tabTo(page, 'id_type');
    await page.keyboard.type('BVN');
    await page.keyboard.press('Tab');
    await page.keyboard.type('22123456789');
    await pressEnterAndLoad(page, console);

    await expect(page.locator('h1').textContent()).resolves.toBe('Confirm your mobile number');
    await tabTo(page, 'code');
    await page.keyboard.type('123456');
    await pressEnterAndLoad(page, console);

    expect(page.url()).toBe(withdrawUrl);
    await expect(page.locator('h1').textContent()).resolves.toBe('Where should we pay the naira?');
    expect(await scrollsSideways(page)).toBe(false);
    await tabTo(page, 'bank_code');
    await page.keyboard.type('Guaranty'); // a closed <select> picks the option typed
    await expect(page.locator('#bank_code').inputValue()).resolves.toBe(PAYOUT_ACCOUNT.bankCode);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PAYOUT_ACCOUNT.accountNumber);
    await pressEnterAndLoad(page, console);

    await expect(page.locator('h1').textContent()).resolves.toBe('Is this your account?');
    await expect(page.locator('#account-name').textContent()).resolves.toBe(PAYOUT_ACCOUNT.accountName);
    expect(await scrollsSideways(page)).toBe(false);
    await tabTo(page, 'account-continue');
    await pressEnterAndLoad(page, console);

    expect(page.url()).toBe(withdrawUrl);
    await expect(page.locator('h1').textContent()).resolves.toBe('How much NGNC will you send?');
    await tabTo(page, 'amount');
    await page.keyboard.type('10000');
    await pressEnterAndLoad(page, console);

    expect(page.url()).toBe(`${withdrawUrl}/amount`);
    await expect(page.locator('#fee').textContent()).resolves.toBe('₦200.00');
    await expect(page.locator('#amount-out').textContent()).resolves.toBe('₦9,800.00');
    expect(await scrollsSideways(page)).toBe(false);
    await tabTo(page, 'confirm-button');
    await pressEnterAndLoad(page, console);

    expect(page.url()).toBe(`${baseUrl}/transfers/${row.id}/pay`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Send your payment');
    await expect(page.locator('#amount').textContent()).resolves.toBe('10000');
    await expect(page.locator('#receiving-account').textContent()).resolves.toBe(distribution.publicKey());
    const memo = await page.locator('#memo').textContent();
    expect(memo).toMatch(/^\d{1,20}$/);
    expect(memo).toBe(
      (
        await deps.db
          .selectFrom('transactions')
          .select('withdraw_memo')
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow()
      ).withdraw_memo,
    );
    await expect(page.locator('#deadline').textContent()).resolves.toMatch(/WAT$/);
    // Copying without a script: one tap or click selects the whole value.
    await expect(page.evaluate("getComputedStyle(document.getElementById('memo')).userSelect")).resolves.toBe(
      'all',
    );
    expect(await scrollsSideways(page)).toBe(false);
    await tabTo(page, 'status-link');
    await pressEnterAndLoad(page, console);
    await expect(page.locator('#status').textContent()).resolves.toBe('Waiting for your payment');

    const violations = console.filter((line) => /Content Security Policy|Refused to/i.test(line));
    expect(violations).toEqual([]);
    expect(console.filter((line) => line.startsWith('pageerror'))).toEqual([]);
    await context.close();
  });
});
