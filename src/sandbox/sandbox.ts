/**
 * `rampart sandbox`: Rampart on embedded defaults wired to the Horizon and Paystack doubles, with the
 * anchor's accounts created and funded, and everything a wallet developer needs written to
 * `<data dir>/sandbox.json`. Keys are kept across runs (the doubles are re-seeded with them), so a
 * developer's wallet configuration survives a restart.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import { createHorizonDouble, type HorizonDouble } from './horizon/index.js';
import { createPaystackDouble, type PaystackDouble } from './paystack/index.js';
import { DEFAULT_ACCOUNTS } from './paystack/banks.js';
import { nextFreePort } from './ports.js';

export interface SandboxKeys {
  readonly ngnIssuer: string;
  readonly usdcIssuer: string;
  readonly distribution: string;
  readonly channels: readonly string[];
  readonly wallet: string;
}

export interface SandboxOptions {
  readonly host: string;
  readonly rampartPort: number;
  readonly manifestPath: string;
  readonly ngnCode: string;
  readonly usdcCode: string;
  readonly channelCount: number;
  /** Naira per USDC on the Horizon double's path payments. */
  readonly usdcRateNgn: string;
  /** The Horizon double's ledger close interval; absent keeps the double's own default (1000 ms). */
  readonly ledgerCloseMs?: number;
}

export interface Sandbox {
  readonly horizon: HorizonDouble;
  readonly paystack: PaystackDouble;
  readonly keys: SandboxKeys;
  /** Environment that points Rampart at the doubles and the seeded accounts. */
  readonly rampartEnv: Readonly<Record<string, string>>;
  manifest(rampartUrl: string): SandboxManifest;
  close(): Promise<void>;
}

export interface SandboxManifest {
  readonly rampart: string;
  readonly horizon: string;
  readonly paystack: string;
  readonly networkPassphrase: string;
  readonly paystackSecretKey: string;
  readonly assets: readonly { code: string; issuer: string }[];
  readonly distributionAccount: string;
  readonly channelAccounts: readonly string[];
  readonly wallet: { public: string; secret: string };
  readonly testBankAccount: { bankCode: string; accountNumber: string; accountName: string };
  readonly sandboxControl: { horizon: string; paystack: string };
  /** Secrets of the anchor's own accounts, so a restart keeps every key (sandbox only). */
  readonly anchorSecrets: {
    ngnIssuer: string;
    usdcIssuer: string;
    distribution: string;
    channels: readonly string[];
  };
}

/** Wallet holdings the sandbox promises in sandbox.json. */
export const WALLET_NGN_BALANCE = '1000000.0000000';
export const WALLET_USDC_BALANCE = '10000.0000000';
const DISTRIBUTION_NGN_BALANCE = '1000000000.0000000';
const DISTRIBUTION_USDC_BALANCE = '10000000.0000000';
const SEED = /^S[A-Z2-7]{55}$/;
/** How long the Paystack double's bank takes to settle a payout. */
export const SANDBOX_TRANSFER_SETTLE_MS = 3000;

export function manifestPathFor(dataDir: string): string {
  return dataDir.startsWith('memory://') ? resolve('sandbox.json') : resolve(dataDir, 'sandbox.json');
}

/** Keys from an earlier run's sandbox.json when it is there and well formed; new ones otherwise. */
export function loadOrCreateKeys(manifestPath: string, channelCount: number): SandboxKeys {
  const earlier = readEarlierKeys(manifestPath);
  const fresh = (): string => Keypair.random().secret();
  const channels = [...(earlier?.channels ?? [])].slice(0, channelCount);
  while (channels.length < channelCount) channels.push(fresh());
  return {
    ngnIssuer: earlier?.ngnIssuer ?? fresh(),
    usdcIssuer: earlier?.usdcIssuer ?? fresh(),
    distribution: earlier?.distribution ?? fresh(),
    channels,
    wallet: earlier?.wallet ?? fresh(),
  };
}

function readEarlierKeys(manifestPath: string): SandboxKeys | undefined {
  if (!existsSync(manifestPath)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<SandboxManifest>;
    const secrets = parsed.anchorSecrets;
    const wallet = parsed.wallet?.secret;
    const all = [
      secrets?.ngnIssuer,
      secrets?.usdcIssuer,
      secrets?.distribution,
      wallet,
      ...(secrets?.channels ?? []),
    ];
    if (
      secrets === undefined ||
      wallet === undefined ||
      !all.every((s) => typeof s === 'string' && SEED.test(s))
    )
      return undefined;
    return {
      ngnIssuer: secrets.ngnIssuer,
      usdcIssuer: secrets.usdcIssuer,
      distribution: secrets.distribution,
      channels: secrets.channels,
      wallet,
    };
  } catch {
    return undefined;
  }
}

const publicOf = (secret: string): string => Keypair.fromSecret(secret).publicKey();

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const keys = loadOrCreateKeys(options.manifestPath, options.channelCount);
  const horizonPort = await nextFreePort(options.rampartPort, options.host);
  const paystackPort = await nextFreePort(horizonPort, options.host, new Set([options.rampartPort]));
  const horizon = await createHorizonDouble({
    port: horizonPort,
    rates: { [`${options.usdcCode}/${options.ngnCode}`]: options.usdcRateNgn },
    ...(options.ledgerCloseMs === undefined ? {} : { ledgerCloseMs: options.ledgerCloseMs }),
  });
  const paystack = await createPaystackDouble({
    port: paystackPort,
    webhookUrl: `http://${options.host}:${options.rampartPort}/webhooks/paystack`,
    // The bank answers a payout a few seconds later, as live; `/_sandbox/transfers/:ref/fail` first plays a failure.
    autoSettleTransfersMs: SANDBOX_TRANSFER_SETTLE_MS,
  }).catch(async (error: unknown) => {
    await horizon.close();
    throw error;
  });
  const ngn = `${options.ngnCode}:${publicOf(keys.ngnIssuer)}`;
  const usdc = `${options.usdcCode}:${publicOf(keys.usdcIssuer)}`;
  const control = horizon.control;
  for (const secret of [keys.ngnIssuer, keys.usdcIssuer, keys.distribution, ...keys.channels, keys.wallet]) {
    control.createAccount({ accountId: publicOf(secret) });
  }
  const distribution = publicOf(keys.distribution);
  const wallet = publicOf(keys.wallet);
  control.setTrustline({ accountId: distribution, asset: ngn, balance: DISTRIBUTION_NGN_BALANCE });
  control.setTrustline({ accountId: distribution, asset: usdc, balance: DISTRIBUTION_USDC_BALANCE });
  control.setTrustline({ accountId: wallet, asset: ngn, balance: WALLET_NGN_BALANCE });
  control.setTrustline({ accountId: wallet, asset: usdc, balance: WALLET_USDC_BALANCE });

  const rampartEnv: Record<string, string> = {
    STELLAR_NETWORK: 'sandbox',
    HORIZON_URL: horizon.url,
    PAYSTACK_BASE_URL: paystack.url,
    PAYSTACK_SECRET_KEY: paystack.secretKey,
    // The double delivers webhooks from loopback, not from Paystack's published addresses.
    PAYSTACK_WEBHOOK_IP_ALLOW_LIST: '127.0.0.1,::1',
    // SEP-6 bank transfers pay into a dedicated virtual account at the double's test bank.
    PAYSTACK_DEDICATED_ACCOUNT_PROVIDER: 'test-bank',
    STELLAR_DISTRIBUTION_SECRET: keys.distribution,
    STELLAR_CHANNEL_SECRETS: keys.channels.join(','),
    ASSET_NGN_CODE: options.ngnCode,
    ASSET_NGN_ISSUER: publicOf(keys.ngnIssuer),
    ASSET_USDC_CODE: options.usdcCode,
    ASSET_USDC_ISSUER: publicOf(keys.usdcIssuer),
    // SEP-38 prices USDC at the same rate the Horizon double's path payments use.
    SEP38_USDC_NGN_RATE: options.usdcRateNgn,
    HOST: options.host,
    PORT: String(options.rampartPort),
    PUBLIC_URL: `http://localhost:${options.rampartPort}`,
  };
  return {
    horizon,
    paystack,
    keys,
    rampartEnv,
    manifest: (rampartUrl) => buildManifest(rampartUrl, horizon, paystack, keys, options),
    async close() {
      await paystack.close();
      await horizon.close();
    },
  };
}

function buildManifest(
  rampartUrl: string,
  horizon: HorizonDouble,
  paystack: PaystackDouble,
  keys: SandboxKeys,
  options: SandboxOptions,
): SandboxManifest {
  const bank = DEFAULT_ACCOUNTS[0];
  if (bank === undefined) throw new Error('the Paystack double has no resolvable test account');
  return {
    rampart: rampartUrl,
    horizon: horizon.url,
    paystack: paystack.url,
    networkPassphrase: horizon.networkPassphrase,
    paystackSecretKey: paystack.secretKey,
    assets: [
      { code: options.ngnCode, issuer: publicOf(keys.ngnIssuer) },
      { code: options.usdcCode, issuer: publicOf(keys.usdcIssuer) },
    ],
    distributionAccount: publicOf(keys.distribution),
    channelAccounts: keys.channels.map(publicOf),
    wallet: { public: publicOf(keys.wallet), secret: keys.wallet },
    testBankAccount: {
      bankCode: bank.bankCode,
      accountNumber: bank.accountNumber,
      accountName: bank.accountName,
    },
    sandboxControl: { horizon: `${horizon.url}/_sandbox/`, paystack: `${paystack.url}/_sandbox/` },
    anchorSecrets: {
      ngnIssuer: keys.ngnIssuer,
      usdcIssuer: keys.usdcIssuer,
      distribution: keys.distribution,
      channels: keys.channels,
    },
  };
}

export function writeManifest(path: string, manifest: SandboxManifest): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // It holds test secrets only, but keep it private like any key file.
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
}

/** A JWT secret for the sandbox run when none is configured: random, never printed. */
export function sandboxJwtSecret(): string {
  return randomBytes(32).toString('hex');
}
