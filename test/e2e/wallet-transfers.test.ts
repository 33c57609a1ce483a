/**
 * Deposits and withdrawals as a wallet developer meets them: `rampart sandbox` runs as a process,
 * the official wallet SDK is the wallet, Debian's Chromium (playwright-core) is the customer on the
 * hosted pages and on the Paystack double's checkout, and the Horizon double is the network.
 *
 * - SEP-24 deposit of the naira token: pages → checkout → the token arrives → `completed`, exact
 *   amounts and fee.
 * - SEP-6 deposit by bank transfer into the customer's dedicated virtual account.
 * - SEP-6 deposit-exchange of USDC at a firm SEP-38 quote.
 * - SEP-6 withdrawal: the wallet pays the memo on Stellar, the observer matches it, the Paystack
 *   double's bank settles the transfer → `completed`; and a transfer the bank fails → the NGNC comes
 *   back → `refunded`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Horizon, Keypair } from '@stellar/stellar-sdk';
import type { Anchor, Types, Wallet } from '@stellar/typescript-wallet-sdk';
import { chromium, type Browser, type Page } from 'playwright-core';
import { assertBuilt } from '../support/cli.js';
import { isCi } from '../support/services.js';
import {
  Sep38PriceContext,
  sandboxWallet,
  sdkKeypair,
  startSandboxProcess,
  type SandboxProcess,
} from '../support/wallet.js';
import { sendPayment } from '../support/stellar-wallet.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !isCi)
  console.warn(`[wallet-transfers] skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

interface PaystackState {
  transactions: { reference: string; metadata?: { rampart_transaction_id?: string } }[];
}

describe.skipIf(!hasChromium && !isCi)(
  'deposits with the official wallet SDK against `rampart sandbox`',
  () => {
    let dataDir: string;
    let sandbox: SandboxProcess;
    let wallet: Wallet;
    let anchor: Anchor;
    let walletKeypair: Keypair;
    let browser: Browser;
    let authToken: Types.AuthToken;
    let ngnc: string;
    let usdcIssuer: string;

    beforeAll(async () => {
      assertBuilt();
      dataDir = mkdtempSync(join(tmpdir(), 'rampart-wallet-transfers-'));
      sandbox = await startSandboxProcess(dataDir, {
        SEP10_WEB_AUTH_DOMAIN: 'localhost',
        DEPOSIT_RECHECK_S: '2',
      });
      wallet = sandboxWallet(sandbox.manifest.horizon);
      anchor = wallet.anchor({ homeDomain: sandbox.homeDomain, allowHttp: true });
      walletKeypair = Keypair.fromSecret(sandbox.manifest.wallet.secret);
      const issuerOf = (code: string) => sandbox.manifest.assets.find((a) => a.code === code)?.issuer ?? '';
      ngnc = `NGNC:${issuerOf('NGNC')}`;
      usdcIssuer = issuerOf('USDC');
      authToken = await (await anchor.sep10()).authenticate({ accountKp: sdkKeypair(wallet, walletKeypair) });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
    }, 90_000);

    afterAll(async () => {
      // When beforeAll failed part-way some of these were never made: settle, don't throw.
      await Promise.allSettled([(async () => browser.close())(), (async () => sandbox.stop())()]);
      rmSync(dataDir, { recursive: true, force: true });
    }, 30_000);

    /** The SDK types statuses as its own enum; compare them as the strings the anchor sent. */
    const statusOf = (t: { readonly status?: unknown }): unknown => t.status;

    async function balanceOf(asset: string): Promise<bigint> {
      const account = await new Horizon.Server(sandbox.manifest.horizon, { allowHttp: true }).loadAccount(
        walletKeypair.publicKey(),
      );
      const [code, issuer] = asset.split(':');
      const line = account.balances.find(
        (b) => 'asset_code' in b && b.asset_code === code && b.asset_issuer === issuer,
      );
      const [whole = '0', fraction = ''] = (line?.balance ?? '0').split('.');
      return BigInt(whole) * 10_000_000n + BigInt(fraction.padEnd(7, '0'));
    }

    async function until<T>(
      read: () => Promise<T>,
      done: (value: T) => boolean,
      what: string,
      timeoutMs = 45_000,
    ): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await read();
        if (done(value)) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }

    /** Runs `action` (a click or Enter on a form) and waits for the page it leads to, after redirects. */
    async function andLoad(page: Page, action: () => Promise<void>): Promise<void> {
      const loaded = page.waitForEvent('load', { timeout: 15_000 });
      await action();
      await loaded;
    }

    /** KYC through SEP-12 as a SEP-6 wallet sends it (the SEP-24 pages collect the same fields). */
    async function ensureKyc(): Promise<void> {
      const sep12 = await anchor.sep12(authToken);
      await sep12.add({
        type: 'sep6-deposit',
        sep9Info: {
          first_name: 'Adaeze',
          last_name: 'Okafor',
          mobile_number: '08031234567',
          birth_date: '1990-04-12',
          id_type: 'bvn',
          id_number: '22123456789',
        },
      });
    }

    /** Pays a deposit on the Paystack double as the customer would (its reference found by our id). */
    async function payOnDouble(transactionId: string): Promise<void> {
      const state = (await (
        await fetch(`${sandbox.manifest.paystack}/_sandbox/state`)
      ).json()) as PaystackState;
      const charge = state.transactions.find((t) => t.metadata?.rampart_transaction_id === transactionId);
      if (charge === undefined) throw new Error(`no Paystack transaction for ${transactionId}`);
      const paid = await fetch(`${sandbox.manifest.paystack}/_sandbox/transactions/${charge.reference}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(paid.status).toBe(200);
    }

    it('SEP-24: the hosted pages, Paystack checkout, and the naira token arrives', async () => {
      const before = await balanceOf(ngnc);
      const sep24 = anchor.sep24();
      const started = await sep24.deposit({ assetCode: 'NGNC', authToken });
      expect(started.type).toBe('interactive_customer_info_needed');

      const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
      });
      await page.goto(started.url ?? '');
      await page.fill('#first_name', 'Adaeze');
      await page.fill('#last_name', 'Okafor');
      await page.fill('#mobile_number', '08031234567');
      await page.fill('#birth_date', '1990-04-12');
      await page.selectOption('#id_type', 'bvn');
      await page.fill('#id_number', '22123456789');
      await andLoad(page, () => page.press('#id_number', 'Enter'));
      await page.fill('#amount', '5000');
      await andLoad(page, () => page.press('#amount', 'Enter'));
      await expect(page.locator('#fee').textContent()).resolves.toBe('₦175.00');
      await andLoad(page, () => page.click('#confirm-button'));
      expect(page.url()).toMatch(new RegExp(`^${sandbox.manifest.paystack}/checkout/`));
      await andLoad(page, () => page.click('#pay-button'));
      // Paystack sends the customer back to more_info_url: the status page.
      expect(new URL(page.url()).pathname).toBe(`/transfers/${started.id}`);
      expect(problems).toEqual([]);
      await page.close();

      const done = await until(
        () => sep24.getTransactionBy({ authToken, id: started.id ?? '' }),
        (t) => statusOf(t) === 'completed',
        'the SEP-24 deposit to complete',
      );
      expect(done).toMatchObject({
        kind: 'deposit',
        status: 'completed',
        amount_in: '5000.00',
        amount_in_asset: 'iso4217:NGN',
        amount_fee: '175.00',
        amount_out: '4825.0000000',
        amount_out_asset: `stellar:${ngnc}`,
      });
      expect(done.stellar_transaction_id).toMatch(/^[0-9a-f]{64}$/);
      expect(await balanceOf(ngnc)).toBe(before + 48_250_000_000n);
    }, 90_000);

    it('SEP-6: a bank transfer into the customer’s dedicated account', async () => {
      await ensureKyc();
      const before = await balanceOf(ngnc);
      const sep6 = anchor.sep6();
      const answer = (await sep6.deposit({
        authToken,
        params: {
          asset_code: 'NGNC',
          account: walletKeypair.publicKey(),
          type: 'bank_transfer',
          amount: '2000',
        },
      })) as Types.Sep6DepositSuccess;
      const accountNumber = answer.instructions?.['organization.bank_account_number']?.value;
      expect(accountNumber).toMatch(/^[0-9]{10}$/);
      const sent = await fetch(
        `${sandbox.manifest.paystack}/_sandbox/dedicated_accounts/${accountNumber}/transfer`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ amount: 200_000 }),
        },
      );
      expect(sent.status).toBe(200);
      const done = await until(
        () => sep6.getTransactionBy({ authToken, id: answer.id ?? '' }),
        (t) => statusOf(t) === 'completed',
        'the SEP-6 bank-transfer deposit to complete',
      );
      // ₦100 + 1.5 % of ₦2,000 = ₦130.
      expect(done).toMatchObject({ amount_in: '2000.00', amount_fee: '130.00', amount_out: '1870.0000000' });
      expect(await balanceOf(ngnc)).toBe(before + 18_700_000_000n);
    }, 90_000);

    it('SEP-6 deposit-exchange: USDC at a firm quote, delivered at exactly the quoted amount', async () => {
      await ensureKyc();
      const usdc = `USDC:${usdcIssuer}`;
      const before = await balanceOf(usdc);
      const quote = await anchor.sep38(authToken).requestQuote({
        sell_asset: 'iso4217:NGN',
        buy_asset: `stellar:${usdc}`,
        sell_amount: '15302.50',
        sell_delivery_method: 'card',
        context: Sep38PriceContext.SEP6,
      } as Types.Sep38PostQuoteParams);
      const sep6 = anchor.sep6();
      const answer = (await sep6.depositExchange({
        authToken,
        params: {
          destination_asset: 'USDC',
          source_asset: 'iso4217:NGN',
          amount: '15302.50',
          quote_id: quote.id,
          account: walletKeypair.publicKey(),
          type: 'card',
        },
      })) as Types.Sep6DepositSuccess;
      // The customer follows the payment link: Rampart opens the Paystack checkout for this deposit.
      const link = answer.instructions?.['organization.payment_url']?.value ?? '';
      const opened = await fetch(link, { redirect: 'manual' });
      expect(opened.status).toBe(303);
      expect(opened.headers.get('location')).toMatch(new RegExp(`^${sandbox.manifest.paystack}/checkout/`));
      await payOnDouble(answer.id ?? '');
      const done = await until(
        () => sep6.getTransactionBy({ authToken, id: answer.id ?? '' }),
        (t) => statusOf(t) === 'completed',
        'the USDC deposit to complete',
      );
      expect(done).toMatchObject({
        amount_in: '15302.50',
        amount_out: quote.buy_amount,
        amount_fee: quote.fee.total,
        quote_id: quote.id,
      });
      const [whole = '0', fraction = ''] = quote.buy_amount.split('.');
      expect(await balanceOf(usdc)).toBe(
        before + BigInt(whole) * 10_000_000n + BigInt(fraction.padEnd(7, '0')),
      );
    }, 90_000);

    /** Opens a SEP-6 withdrawal of `amount` NGNC to the double's resolvable account and pays it. */
    async function withdrawAndPay(amount: string): Promise<string> {
      await ensureKyc();
      const answer = (await anchor.sep6().withdraw({
        authToken,
        params: { asset_code: 'NGNC', type: 'bank_account', dest: '0123456789', dest_extra: '058', amount },
      })) as Types.Sep6WithdrawSuccess;
      expect(answer.account_id).toBe(sandbox.manifest.distributionAccount);
      expect(answer.memo_type).toBe('id');
      await sendPayment(sandbox.manifest.horizon, sandbox.manifest.networkPassphrase, walletKeypair, {
        to: answer.account_id ?? '',
        asset: ngnc,
        amount,
        memoId: answer.memo ?? null,
      });
      return answer.id ?? '';
    }

    it('SEP-6 withdrawal: paid on Stellar, observed, paid out by Paystack transfer', async () => {
      const before = await balanceOf(ngnc);
      const id = await withdrawAndPay('3000');
      const done = await until(
        () => anchor.sep6().getTransactionBy({ authToken, id }),
        (t) => statusOf(t) === 'completed',
        'the withdrawal to complete',
      );
      // FEES_NGN_WITHDRAWAL default: ₦50.
      expect(done).toMatchObject({
        kind: 'withdrawal',
        amount_in: '3000.0000000',
        amount_fee: '50.00',
        amount_out: '2950.00',
      });
      expect(await balanceOf(ngnc)).toBe(before - 30_000_000_000n);
    }, 90_000);

    it('SEP-6 withdrawal whose bank transfer fails: the NGNC comes back → refunded', async () => {
      const before = await balanceOf(ngnc);
      const id = await withdrawAndPay('1000');
      await until(
        () => anchor.sep6().getTransactionBy({ authToken, id }),
        (t) => statusOf(t) === 'pending_external',
        'the payout to start',
      );
      // The double's bank settles after 3 s: fail it first, as a bank would.
      const failed = await fetch(
        `${sandbox.manifest.paystack}/_sandbox/transfers/rmpo-${id.replace(/-/g, '')}/fail`,
        { method: 'POST' },
      );
      expect(failed.status).toBe(200);
      const refunded = await until(
        () => anchor.sep6().getTransactionBy({ authToken, id }),
        (t) => statusOf(t) === 'refunded',
        'the refund',
      );
      expect(refunded.refunds?.amount_refunded).toBe('1000.0000000');
      expect(await balanceOf(ngnc)).toBe(before);
    }, 90_000);

    it('SEP-24 withdrawal: the hosted pages, a Stellar payment with the memo, a Paystack payout', async () => {
      await ensureKyc();
      const before = await balanceOf(ngnc);
      const sep24 = anchor.sep24();
      const started = await sep24.withdraw({ assetCode: 'NGNC', authToken });
      const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
      });
      await page.goto(started.url ?? '');
      await page.selectOption('#bank_code', '058');
      await page.fill('#account_number', '0123456789');
      await andLoad(page, () => page.press('#account_number', 'Enter'));
      await expect(page.locator('#account-name').textContent()).resolves.toBe('ADAEZE CHIOMA OKAFOR');
      await andLoad(page, () => page.click('#account-continue'));
      await page.fill('#amount', '2500');
      await andLoad(page, () => page.press('#amount', 'Enter'));
      await andLoad(page, () => page.click('#confirm-button'));
      const receiving = (await page.locator('#receiving-account').textContent()) ?? '';
      const memo = (await page.locator('#memo').textContent()) ?? '';
      expect(receiving).toBe(sandbox.manifest.distributionAccount);
      expect(memo).toMatch(/^[0-9]+$/);
      expect(problems).toEqual([]);
      await page.close();

      const waiting = await sep24.getTransactionBy({ authToken, id: started.id ?? '' });
      expect(waiting).toMatchObject({
        status: 'pending_user_transfer_start',
        withdraw_anchor_account: receiving,
        withdraw_memo: memo,
      });
      await sendPayment(sandbox.manifest.horizon, sandbox.manifest.networkPassphrase, walletKeypair, {
        to: receiving,
        asset: ngnc,
        amount: '2500',
        memoId: memo,
      });
      const done = await until(
        () => sep24.getTransactionBy({ authToken, id: started.id ?? '' }),
        (t) => statusOf(t) === 'completed',
        'the SEP-24 withdrawal to complete',
      );
      expect(done).toMatchObject({
        kind: 'withdrawal',
        amount_in: '2500.0000000',
        amount_fee: '50.00',
        amount_out: '2450.00',
      });
      expect(await balanceOf(ngnc)).toBe(before - 25_000_000_000n);
    }, 90_000);
  },
);
