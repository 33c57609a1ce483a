/**
 * A wallet developer's first hour, end to end: `rampart sandbox` runs as a process from dist/, and
 * the official wallet SDK (@stellar/typescript-wallet-sdk 1.10) is the wallet — it reads
 * stellar.toml (SEP-1), logs in every way SEP-10 allows (plain, memo, muxed, multisig,
 * client_domain), sends KYC (SEP-12) and asks for prices and a firm quote (SEP-38). Only the
 * negative SEP-10 cases that the SDK cannot produce on purpose (a replayed or foreign-network
 * challenge) use fetch and our own stellar-sdk.
 *
 * The sandbox runs with SEP10_WEB_AUTH_DOMAIN=localhost (the SDK compares web_auth_domain with the
 * host without the port, GUIDE §5) and SEP12_MOBILE_VERIFICATION=true, whose code on the sandbox
 * network is always 123456 — which also makes the mobile number's normalisation observable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Account,
  Horizon,
  Keypair,
  MuxedAccount,
  Networks,
  Operation,
  TransactionBuilder,
} from '@stellar/stellar-sdk';
import type { Anchor, Types, Wallet } from '@stellar/typescript-wallet-sdk';
import { assertBuilt } from '../support/cli.js';
import {
  failedBody,
  failedStatus,
  jwtClaims,
  muxedAccountKp,
  SDK_MAINNET_PASSPHRASE,
  Sep38PriceContext,
  sandboxWallet,
  sandboxWalletWithConfig,
  sdkKeypair,
  signedBy,
  startSandboxProcess,
  type SandboxManifest,
  type SandboxProcess,
} from '../support/wallet.js';

/** The sandbox's verification code for every field (src/sep/sep12/service.ts). */
const SANDBOX_VERIFICATION_CODE = '123456';
/** Defaults the SEP-38 figures are recomputed from: sandbox rate, SEP38_SPREAD_BPS, FEES_USDC_DEPOSIT. */
const USDC_NGN_MID = { numerator: 153_025n, denominator: 100n };
const SPREAD_BPS = 50n;
const USDC_DEPOSIT_FEE = { fixedKobo: 10_000n, bps: 150n, maxKobo: 200_000n };
const SEP6 = Sep38PriceContext.SEP6;

/** A decimal string as an integer count of 10^-decimals units; refuses more places than that. */
function units(text: string, decimals: number): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null || (match[2] ?? '').length > decimals)
    throw new Error(`not a ${decimals}-place amount: ${text}`);
  return BigInt(`${match[1]}${(match[2] ?? '').padEnd(decimals, '0')}`);
}

/** An integer count of 10^-decimals units as text, trailing zeros kept (as amounts are shown). */
function text(minor: bigint, decimals: number): string {
  const digits = minor.toString().padStart(decimals + 1, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

describe('the official wallet SDK against `rampart sandbox`', () => {
  let dataDir: string;
  let sandbox: SandboxProcess | undefined;
  let homeDomain: string;
  let manifest: SandboxManifest;
  let wallet: Wallet;
  let anchor: Anchor;
  let walletKeypair: Keypair;
  let ngnc: string;
  let usdc: string;

  beforeAll(async () => {
    assertBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'rampart-wallet-sandbox-'));
    sandbox = await startSandboxProcess(dataDir, {
      SEP10_WEB_AUTH_DOMAIN: 'localhost',
      SEP12_MOBILE_VERIFICATION: 'true',
    });
    manifest = sandbox.manifest;
    homeDomain = sandbox.homeDomain;
    wallet = sandboxWallet(manifest.horizon);
    anchor = wallet.anchor({ homeDomain, allowHttp: true });
    walletKeypair = Keypair.fromSecret(manifest.wallet.secret);
    const issuerOf = (code: string) => manifest.assets.find((a) => a.code === code)?.issuer ?? '';
    ngnc = `stellar:NGNC:${issuerOf('NGNC')}`;
    usdc = `stellar:USDC:${issuerOf('USDC')}`;
  }, 60_000);

  afterAll(async () => {
    const finished = await sandbox?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (finished === undefined) return;
    // SIGTERM is a clean stop: exit code 0, not a signal death.
    expect({ code: finished.code, signal: finished.signal }).toEqual({ code: 0, signal: null });
  }, 20_000);

  /** A token for `keypair` through the SDK alone (plain G… login). */
  async function login(keypair: Keypair): Promise<Types.AuthToken> {
    const auth = await anchor.sep10();
    return auth.authenticate({ accountKp: sdkKeypair(wallet, keypair) });
  }

  /** Runs `call`, expecting it to fail; returns the HTTP status and body the anchor answered. */
  async function refusal(
    call: () => Promise<unknown>,
  ): Promise<{ status: number | undefined; body: unknown }> {
    try {
      await call();
    } catch (error) {
      return { status: failedStatus(error), body: failedBody(error) };
    }
    throw new Error('expected the call to be refused');
  }

  describe('SEP-1', () => {
    it('reads stellar.toml: signing key, endpoints and both currencies with the issuers of sandbox.json', async () => {
      const info = await anchor.sep1();
      const rampart = `http://${homeDomain}`;
      expect(info.signingKey).toMatch(/^G[A-Z2-7]{55}$/);
      expect(info.networkPassphrase).toBe(Networks.TESTNET);
      expect(info.networkPassphrase).toBe(manifest.networkPassphrase);
      expect(info.webAuthEndpoint).toBe(`${rampart}/auth`);
      expect(info.kycServer).toBe(`${rampart}/sep12`);
      expect(info.anchorQuoteServer).toBe(`${rampart}/sep38`);
      expect(info.documentation.orgName).toBe('Rampart development anchor');
      expect(info.currencies.map((c) => ({ code: c.code, issuer: c.issuer, status: c.status }))).toEqual(
        manifest.assets.map((a) => ({ code: a.code, issuer: a.issuer, status: 'test' })),
      );
      await expect(anchor.getInfo(true)).resolves.toEqual(info);
    });
  });

  describe('SEP-10', () => {
    it('logs in the sandbox wallet: the token names the account, this anchor and a bounded lifetime', async () => {
      const token = await login(walletKeypair);
      const claims = jwtClaims(token.token);
      expect(claims['sub']).toBe(manifest.wallet.public);
      expect(claims['iss']).toBe(`http://${homeDomain}/auth`);
      expect(claims['home_domain']).toBe(homeDomain);
      expect(token.account).toBe(manifest.wallet.public);
      expect(token.memo).toBeNull();
      const lifetime = Number(claims['exp']) - Number(claims['iat']);
      expect(lifetime).toBe(3600);
    });

    it('logs in a memo-scoped user of the wallet: sub is G…:memo', async () => {
      const auth = await anchor.sep10();
      const token = await auth.authenticate({
        accountKp: sdkKeypair(wallet, walletKeypair),
        memoId: '8472',
      });
      expect(jwtClaims(token.token)['sub']).toBe(`${manifest.wallet.public}:8472`);
      expect(token.memo).toBe('8472');
    });

    it('logs in a muxed M… account: sub is the M… address, signed by its base account key', async () => {
      const base = Keypair.random();
      const muxed = new MuxedAccount(new Account(base.publicKey(), '0'), '9001').accountId();
      const auth = await anchor.sep10();
      // The SDK has no muxed option: it sends `accountKp.keypair.publicKey()`, which here is the M…
      // address, and the base key signs through a WalletSigner.
      const token = await auth.authenticate({
        accountKp: muxedAccountKp(muxed),
        walletSigner: signedBy(wallet, [base]),
      });
      expect(muxed).toMatch(/^M/);
      expect(jwtClaims(token.token)['sub']).toBe(muxed);
      expect(token.account).toBe(muxed);
    });

    it('logs in a 2-of-3 multisig account with two signers and refuses one signer alone', async () => {
      const master = Keypair.random();
      const second = Keypair.random();
      const third = Keypair.random();
      const funded = await fetch(`${manifest.horizon}/friendbot?addr=${master.publicKey()}`, {
        signal: AbortSignal.timeout(5000),
      });
      expect(funded.status).toBe(200);
      const horizon = new Horizon.Server(manifest.horizon, { allowHttp: true });
      const account = await horizon.loadAccount(master.publicKey());
      const setOptions = new TransactionBuilder(account, { fee: '100', networkPassphrase: Networks.TESTNET })
        .addOperation(Operation.setOptions({ signer: { ed25519PublicKey: second.publicKey(), weight: 1 } }))
        .addOperation(Operation.setOptions({ signer: { ed25519PublicKey: third.publicKey(), weight: 1 } }))
        .addOperation(
          Operation.setOptions({ masterWeight: 1, lowThreshold: 1, medThreshold: 2, highThreshold: 2 }),
        )
        .setTimeout(60)
        .build();
      setOptions.sign(master);
      await horizon.submitTransaction(setOptions);
      const loaded = await horizon.loadAccount(master.publicKey());
      expect(loaded.thresholds.med_threshold).toBe(2);
      expect(loaded.signers).toHaveLength(3);

      const auth = await anchor.sep10();
      const accountKp = sdkKeypair(wallet, master);
      // Any two of the three: here the two added signers, without the master key.
      const token = await auth.authenticate({ accountKp, walletSigner: signedBy(wallet, [second, third]) });
      expect(jwtClaims(token.token)['sub']).toBe(master.publicKey());

      const alone = await refusal(() => auth.authenticate({ accountKp }));
      expect(alone.status).toBe(400);
      expect(alone.body).toMatchObject({ code: 'insufficient_signer_weight' });
      const stranger = await refusal(() =>
        auth.authenticate({ accountKp, walletSigner: signedBy(wallet, [second, Keypair.random()]) }),
      );
      expect(stranger.status).toBe(400);
      expect(stranger.body).toMatchObject({ code: 'unknown_signature' });
    });

    describe('with a client domain', () => {
      let tomlServer: Server;
      let clientDomain: string;
      const domainKey = Keypair.random();

      beforeAll(async () => {
        // The wallet's own stellar.toml, over plain http on loopback (allowed on the sandbox network only).
        tomlServer = createServer((request, response) => {
          if (request.url === '/.well-known/stellar.toml') {
            response.writeHead(200, { 'content-type': 'text/plain' });
            response.end(`SIGNING_KEY = "${domainKey.publicKey()}"\n`);
          } else {
            response.writeHead(404).end();
          }
        });
        await new Promise<void>((resolve) => tomlServer.listen(0, '127.0.0.1', resolve));
        const address = tomlServer.address();
        if (address === null || typeof address === 'string') throw new Error('no address');
        clientDomain = `127.0.0.1:${address.port}`;
      });
      afterAll(async () => {
        await new Promise((resolve) => tomlServer.close(resolve));
      });

      it('verifies the client_domain signature and names the domain in the token', async () => {
        const auth = await anchor.sep10();
        const user = Keypair.random();
        const token = await auth.authenticate({
          accountKp: sdkKeypair(wallet, user),
          clientDomain,
          walletSigner: signedBy(wallet, [user], domainKey),
        });
        expect(jwtClaims(token.token)).toMatchObject({ sub: user.publicKey(), client_domain: clientDomain });
        expect(token.clientDomain).toBe(clientDomain);

        // Signed by some other key than the toml's SIGNING_KEY: refused.
        const forged = await refusal(() =>
          auth.authenticate({
            accountKp: sdkKeypair(wallet, user),
            clientDomain,
            walletSigner: signedBy(wallet, [user], Keypair.random()),
          }),
        );
        expect(forged.status).toBe(400);
        expect(forged.body).toMatchObject({ code: 'unknown_signature' });
      });
    });

    it('refuses a challenge exchanged twice (challenge_replayed) and one signed for another network', async () => {
      const user = Keypair.random();
      const challenge = async () => {
        const response = await fetch(
          `http://${homeDomain}/auth?account=${user.publicKey()}&home_domain=${homeDomain}`,
          { signal: AbortSignal.timeout(5000) },
        );
        expect(response.status).toBe(200);
        return ((await response.json()) as { transaction: string }).transaction;
      };
      const exchange = (transaction: string) =>
        fetch(`http://${homeDomain}/auth`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ transaction }),
          signal: AbortSignal.timeout(5000),
        });

      const signed = TransactionBuilder.fromXdr(await challenge(), Networks.TESTNET);
      signed.sign(user);
      const first = await exchange(signed.toXdr());
      expect(first.status).toBe(200);
      const second = await exchange(signed.toXdr());
      expect(second.status).toBe(400);
      expect(await second.json()).toMatchObject({ code: 'challenge_replayed' });

      // The client signs the same challenge under the public network's passphrase.
      const foreign = TransactionBuilder.fromXdr(await challenge(), Networks.PUBLIC);
      foreign.sign(user);
      const wrong = await exchange(foreign.toXdr());
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ code: 'wrong_network' });
    });

    it('lets the SDK refuse a challenge for another network than the wallet is configured for', async () => {
      const { wallet: misconfigured, stellar } = sandboxWalletWithConfig(manifest.horizon);
      const auth = await misconfigured.anchor({ homeDomain, allowHttp: true }).sep10();
      // The SDK allows http only on testnet, so the wallet is switched to mainnet after the anchor is made.
      stellar.network = SDK_MAINNET_PASSPHRASE;
      await expect(
        auth.authenticate({ accountKp: sdkKeypair(misconfigured, Keypair.random()) }),
      ).rejects.toThrow(/Network passphrase mismatch/);
    });
  });

  describe('SEP-12', () => {
    const adult = '1990-04-12';
    let names: { first_name: string; last_name: string };

    beforeAll(() => {
      // The Paystack double resolves the test account to this name: KYC names taken from it match.
      const words = manifest.testBankAccount.accountName.split(' ');
      names = { first_name: words[0] ?? '', last_name: words.at(-1) ?? '' };
    });

    it('takes the identity, verifies the mobile, checks the bank account, hides it from others and erases it', async () => {
      const token = await login(walletKeypair);
      const sep12 = await anchor.sep12(token);

      const { id } = await sep12.add({
        type: 'sep6-deposit',
        sep9Info: {
          ...names,
          mobile_number: '08031234567',
          birth_date: adult,
          id_type: 'bvn',
          id_number: '22123456789',
          email_address: 'Adaeze.Okafor@Example.com',
        },
      });
      expect(id).toMatch(/^[0-9a-f-]{36}$/);

      const pending = await sep12.getCustomer({ id, type: 'sep6-deposit' });
      expect(pending.status).toBe('NEEDS_INFO');
      expect(pending.message).toContain('mobile_number');
      const provided = pending.provided_fields ?? {};
      expect(Object.keys(provided).sort()).toEqual(
        [
          'birth_date',
          'email_address',
          'first_name',
          'id_number',
          'id_type',
          'last_name',
          'mobile_number',
        ].sort(),
      );
      expect(provided['mobile_number']).toMatchObject({ type: 'string', status: 'VERIFICATION_REQUIRED' });
      expect(provided['first_name']).toMatchObject({ type: 'string', status: 'ACCEPTED' });
      expect(provided['birth_date']).toMatchObject({ type: 'date', status: 'ACCEPTED' });
      expect(provided['email_address']).toMatchObject({ status: 'ACCEPTED', optional: true });
      // What is still asked for: only optional fields (address, documents, bank) for a deposit.
      const asked = pending.fields ?? {};
      expect(Object.keys(asked)).toContain('address');
      expect(Object.values(asked).every((field) => field.optional === true)).toBe(true);
      expect(asked['first_name']).toBeUndefined();

      // A wrong code is refused; the sandbox's code confirms the number.
      const wrong = await refusal(() =>
        sep12.update({ id, sep9Info: { mobile_number_verification: '000000' } }),
      );
      expect(wrong.status).toBe(400);
      await sep12.update({ id, sep9Info: { mobile_number_verification: SANDBOX_VERIFICATION_CODE } });
      const accepted = await sep12.getCustomer({ id, type: 'sep6-deposit' });
      expect(accepted).toMatchObject({ id, status: 'ACCEPTED' });
      expect(new Set(Object.values(accepted.provided_fields ?? {}).map((f) => f.status))).toEqual(
        new Set(['ACCEPTED']),
      );

      // 08031234567 was stored as +2348031234567: the same number in E.164 is no change (still
      // verified), while another number must be verified again.
      await sep12.update({ id, sep9Info: { mobile_number: '+234 803 123 4567' } });
      expect((await sep12.getCustomer({ id, type: 'sep6-deposit' })).status).toBe('ACCEPTED');
      await sep12.update({ id, sep9Info: { mobile_number: '0803 123 4568' } });
      const changed = await sep12.getCustomer({ id, type: 'sep6-deposit' });
      expect(changed.provided_fields?.['mobile_number']?.status).toBe('VERIFICATION_REQUIRED');
      await sep12.update({ id, sep9Info: { mobile_number_verification: SANDBOX_VERIFICATION_CODE } });

      // A withdrawal needs a bank account in the customer's name: the double's resolved name matches.
      const withdrawFirst = await sep12.getCustomer({ id, type: 'sep6-withdraw' });
      expect(withdrawFirst.status).toBe('NEEDS_INFO');
      expect(withdrawFirst.fields?.['bank_account_number']).toMatchObject({ type: 'string' });
      expect(withdrawFirst.fields?.['bank_account_number']?.optional).toBeUndefined();
      await sep12.add({
        type: 'sep6-withdraw',
        sep9Info: {
          bank_account_number: manifest.testBankAccount.accountNumber,
          bank_number: manifest.testBankAccount.bankCode,
        },
      });
      const withdraw = await sep12.getCustomer({ id, type: 'sep6-withdraw' });
      expect(withdraw).toMatchObject({ id, status: 'ACCEPTED' });
      expect(withdraw.provided_fields?.['bank_account_number']).toMatchObject({ status: 'ACCEPTED' });
      expect(withdraw.provided_fields?.['bank_number']).toMatchObject({ status: 'ACCEPTED' });
      expect(withdraw.fields?.['bank_account_number']).toBeUndefined();

      // Another wallet's token: the id is unknown to it, and it cannot erase this customer.
      const other = await anchor.sep12(await login(Keypair.random()));
      expect((await refusal(() => other.getCustomer({ id }))).status).toBe(404);
      expect((await refusal(() => other.delete(manifest.wallet.public))).status).toBe(404);
      expect((await sep12.getCustomer({ id })).id).toBe(id);

      // Erasure: the customer is gone; a fresh GET asks for everything again and has no id.
      await sep12.delete();
      await expect(sep12.getCustomer({ type: 'sep6-deposit' })).rejects.toThrow(/Customer not found/);
      expect((await refusal(() => sep12.getCustomer({ id }))).status).toBe(404);
      const after = await fetch(`${(await anchor.sep1()).kycServer}/customer?type=sep6-deposit`, {
        headers: { authorization: `Bearer ${token.token}` },
        signal: AbortSignal.timeout(5000),
      });
      const afterBody = (await after.json()) as Types.GetCustomerResponse;
      expect(after.status).toBe(200);
      expect(afterBody.id).toBeUndefined();
      expect(afterBody.status).toBe('NEEDS_INFO');
      expect(afterBody.provided_fields).toBeUndefined();
      expect(Object.keys(afterBody.fields ?? {})).toContain('first_name');
    });

    it('rejects bank details whose account holder is someone else, naming the field and why', async () => {
      const sep12 = await anchor.sep12(await login(Keypair.random()));
      const { id } = await sep12.add({
        type: 'sep6-withdraw',
        sep9Info: {
          first_name: 'Chinedu',
          last_name: 'Eze',
          mobile_number: '08091234567',
          birth_date: adult,
          id_type: 'nin',
          id_number: '12345678901',
          bank_account_number: manifest.testBankAccount.accountNumber,
          bank_number: manifest.testBankAccount.bankCode,
        },
      });
      const customer = await sep12.getCustomer({ id, type: 'sep6-withdraw' });
      expect(customer.status).toBe('NEEDS_INFO');
      expect(customer.provided_fields?.['bank_account_number']).toMatchObject({ status: 'REJECTED' });
      expect(customer.provided_fields?.['bank_account_number']?.error).toMatch(/does not match your name/);
    });

    it('after too many wrong codes, sending the number again (as the error says) issues a new code', async () => {
      const sep12 = await anchor.sep12(await login(Keypair.random()));
      const { id } = await sep12.add({ type: 'sep6-deposit', sep9Info: { mobile_number: '08021234567' } });
      const verify = (code: string) => sep12.update({ id, sep9Info: { mobile_number_verification: code } });
      for (let attempt = 0; attempt < 5; attempt++)
        expect((await refusal(() => verify('000000'))).status).toBe(400);
      const locked = await refusal(() => verify(SANDBOX_VERIFICATION_CODE));
      expect(locked.status).toBe(400);
      expect((locked.body as { error: string }).error).toMatch(/too many attempts; send mobile_number again/);

      await sep12.update({ id, sep9Info: { mobile_number: '08021234567' } });
      await verify(SANDBOX_VERIFICATION_CODE);
      const customer = await sep12.getCustomer({ id, type: 'sep6-deposit' });
      expect(customer.provided_fields?.['mobile_number']?.status).toBe('ACCEPTED');
    });

    it('refuses invalid values field by field: a landline, a minor, a BVN of the wrong shape', async () => {
      const sep12 = await anchor.sep12(await login(Keypair.random()));
      const minor = `${new Date().getUTCFullYear() - 10}-01-01`;
      for (const [sep9Info, field] of [
        [{ mobile_number: '012345678' }, 'mobile_number'],
        [{ birth_date: minor }, 'birth_date'],
        [{ id_type: 'bvn', id_number: '12345678901' }, 'id_number'],
      ] as const) {
        const refused = await refusal(() => sep12.add({ type: 'sep6-deposit', sep9Info }));
        expect(refused.status).toBe(400);
        expect((refused.body as { error: string }).error).toMatch(new RegExp(`^${field}: `));
      }
    });
  });

  describe('SEP-38', () => {
    it('lists NGN and both Stellar assets, with the naira delivery methods and country', async () => {
      const info = await anchor.sep38().info();
      expect(info.assets.map((a) => a.asset)).toEqual(['iso4217:NGN', ngnc, usdc]);
      const naira = info.assets[0];
      expect(naira?.country_codes).toEqual(['NG']);
      expect(naira?.sell_delivery_methods?.map((m) => m.name)).toEqual(['card', 'bank_transfer', 'ussd']);
      expect(naira?.buy_delivery_methods?.map((m) => m.name)).toEqual(['bank_account']);
    });

    it('prices naira against both assets, USDC at the mid rate plus spread and the deposit fee', async () => {
      const sep38 = anchor.sep38();
      const prices = await sep38.prices({ sellAsset: 'iso4217:NGN', sellAmount: '15302.50' });
      expect(prices.buy_assets.map((a) => [a.asset, a.decimals])).toEqual([
        [ngnc, 7],
        [usdc, 7],
      ]);

      // Recomputed from the defaults: fee = ₦100 + 1.5 % (rounded up to the kobo), capped at ₦2,000;
      // USDC sold at mid × (1 + 0.5 %); what the customer gets rounds down to the stroop.
      const sellKobo = units('15302.50', 2);
      const percentKobo = ceilDiv(sellKobo * USDC_DEPOSIT_FEE.bps, 10_000n);
      const feeKobo = USDC_DEPOSIT_FEE.fixedKobo + percentKobo;
      expect(feeKobo).toBeLessThan(USDC_DEPOSIT_FEE.maxKobo);
      const rate = {
        numerator: USDC_NGN_MID.numerator * (10_000n + SPREAD_BPS),
        denominator: USDC_NGN_MID.denominator * 10_000n,
      };
      // stroops = (net kobo / 100) / rate × 10^7
      const buyStroops = ((sellKobo - feeKobo) * rate.denominator * 10n ** 7n) / (100n * rate.numerator);

      const price = await sep38.price({
        sellAsset: 'iso4217:NGN',
        buyAsset: usdc,
        sellAmount: '15302.50',
        context: SEP6,
      });
      expect(price).toMatchObject({
        sell_amount: '15302.50',
        buy_amount: text(buyStroops, 7),
        price: '1537.90125', // 1530.25 × 1.005, exact
        fee: { total: text(feeKobo, 2), asset: 'iso4217:NGN' },
      });
      expect(price.fee.details?.map((d) => d.amount)).toEqual([
        text(USDC_DEPOSIT_FEE.fixedKobo, 2),
        text(percentKobo, 2),
      ]);
      // SEP-38: sell_amount − fee = price × buy_amount, to within one stroop of USDC (rounded down).
      const priceUnits = units(price.price, 5); // 1537.90125 in 10^-5 NGN
      const gap = (sellKobo - feeKobo) * 10n ** 10n - priceUnits * units(price.buy_amount, 7);
      expect(gap >= 0n && gap < priceUnits).toBe(true);
      // The all-in price, as /prices shows it, is sell_amount ÷ buy_amount.
      expect(prices.buy_assets.find((a) => a.asset === usdc)?.price).toBe(price.total_price);
      const total = units(price.total_price, 10);
      expect(total * buyStroops >= sellKobo * 10n ** 15n).toBe(true);
      expect((total - 1n) * buyStroops < sellKobo * 10n ** 15n).toBe(true);

      // ₦1,530.25 (one USDC at mid) buys less than the 1 USDC minimum once spread and fee are taken.
      const small = await refusal(() =>
        sep38.price({ sellAsset: 'iso4217:NGN', buyAsset: usdc, sellAmount: '1530.25', context: SEP6 }),
      );
      expect(small.status).toBe(400);
      expect((small.body as { error: string }).error).toMatch(/below the minimum of 1\.0000000/);
      const smallPrices = await sep38.prices({ sellAsset: 'iso4217:NGN', sellAmount: '1530.25' });
      expect(smallPrices.buy_assets.map((a) => a.asset)).toEqual([ngnc]);
    });

    it('prices a USDC withdrawal so that sell_amount = price × (buy_amount + fee)', async () => {
      const price = await anchor.sep38().price({
        sellAsset: usdc,
        buyAsset: 'iso4217:NGN',
        sellAmount: '10',
        buyDeliveryMethod: 'bank_account',
        context: SEP6,
      });
      expect(price.sell_amount).toBe('10.0000000');
      expect(price.fee.asset).toBe('iso4217:NGN');
      const decimals = price.price.split('.')[1]?.length ?? 0;
      expect(decimals).toBeGreaterThanOrEqual(5);
      const priceUnits = units(price.price, decimals);
      const grossKobo = units(price.buy_amount, 2) + units(price.fee.total, 2);
      // Both sides in 10^-(decimals + 2) USDC. Allowed gap: the naira rounded down to the kobo (one
      // kobo at the price) plus the price's own last digit over the gross.
      const product = priceUnits * grossKobo;
      const sell = units(price.sell_amount, 7) * 10n ** BigInt(decimals + 2 - 7);
      const gap = product > sell ? product - sell : sell - product;
      expect(gap <= priceUnits + grossKobo).toBe(true);
    });

    it('gives a firm quote to its account only: same figures back, 404 for another account', async () => {
      const token = await login(walletKeypair);
      const sep38 = anchor.sep38(token);
      const before = Date.now();
      // The SDK's type wants both amounts; SEP-38 wants exactly one.
      const request = {
        sell_asset: 'iso4217:NGN',
        buy_asset: usdc,
        sell_amount: '15302.50',
        sell_delivery_method: 'bank_transfer',
        context: SEP6,
      } as Types.Sep38PostQuoteParams;
      const quote = await sep38.requestQuote(request);
      const after = Date.now();
      const indicative = await sep38.price({
        sellAsset: 'iso4217:NGN',
        buyAsset: usdc,
        sellAmount: '15302.50',
        context: SEP6,
      });
      expect(quote).toMatchObject({
        sell_asset: 'iso4217:NGN',
        sell_amount: '15302.50',
        sell_delivery_method: 'bank_transfer',
        buy_asset: usdc,
        buy_amount: indicative.buy_amount,
        price: indicative.price,
        total_price: indicative.total_price,
        fee: indicative.fee,
      });
      expect(quote.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      // SEP38_QUOTE_TTL_S defaults to 300 s.
      const expiresAt = Date.parse(quote.expires_at);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 300_000);
      expect(expiresAt).toBeLessThanOrEqual(after + 300_000);

      await expect(sep38.getQuote(quote.id)).resolves.toEqual(quote);
      const stranger = anchor.sep38(await login(Keypair.random()));
      expect((await refusal(() => stranger.getQuote(quote.id))).status).toBe(404);
      // Without a token there is no firm quote at all.
      expect((await refusal(() => anchor.sep38().requestQuote(request))).status).toBe(403);
      // Several delivery methods are offered for naira: a firm quote must name one.
      const { sell_delivery_method: _omitted, ...unnamed } = request;
      const noMethod = await refusal(() => sep38.requestQuote(unnamed));
      expect(noMethod.status).toBe(400);
    });
  });
});
