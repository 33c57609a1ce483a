/**
 * The sandbox as a wallet developer runs it (`rampart sandbox` from dist/, sandbox.json read back),
 * and the official wallet SDK (@stellar/typescript-wallet-sdk 1.10) pointed at it. GUIDE §5 notes
 * applied here: default import; only strings (public keys, XDR, base64 signatures) cross between the
 * SDK's pinned stellar-sdk and ours; an http Horizon is set on the configuration after construction.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import walletSdkPackage from '@stellar/typescript-wallet-sdk';
import * as walletSdkModule from '@stellar/typescript-wallet-sdk';
import type { AccountKeypair, SigningKeypair, Wallet, WalletSigner } from '@stellar/typescript-wallet-sdk';
import { Horizon, type Keypair } from '@stellar/stellar-sdk';
import { freePort, startRampart, waitFor, type Finished, type Running } from './cli.js';

/**
 * The SDK's enums (SEP-38 `context`) are values, reachable only through the package's named
 * exports: its default export holds `walletSdk` alone (under vitest; plain Node adds the rest).
 */
export const Sep38PriceContext = walletSdkModule.Types.Sep38PriceContext;
const { Wallet: WalletClass, StellarConfiguration, ApplicationConfiguration } = walletSdkPackage.walletSdk;
/** The SDK's own mainnet passphrase value (its Networks enum, not ours). */
export const SDK_MAINNET_PASSPHRASE = StellarConfiguration.MainNet().network;

/** What sandbox.json holds (src/sandbox/sandbox.ts, SandboxManifest), the parts a wallet uses. */
export interface SandboxManifest {
  rampart: string;
  horizon: string;
  paystack: string;
  networkPassphrase: string;
  assets: { code: string; issuer: string }[];
  distributionAccount: string;
  wallet: { public: string; secret: string };
  testBankAccount: { bankCode: string; accountNumber: string; accountName: string };
}

export interface SandboxProcess {
  readonly port: number;
  /** `localhost:<port>`: the anchor's home domain as a wallet types it. */
  readonly homeDomain: string;
  readonly manifest: SandboxManifest;
  readonly running: Running;
  /** SIGTERM, then at most `timeoutMs` for the exit (SIGKILL after that, and the result says so). */
  stop(timeoutMs?: number): Promise<Finished>;
}

/** Starts `rampart sandbox --port <free port>` and waits (bounded) for readiness and sandbox.json. */
export async function startSandboxProcess(
  dataDir: string,
  env: Record<string, string> = {},
  readyTimeoutMs = 45_000,
): Promise<SandboxProcess> {
  const port = await freePort();
  const running = startRampart(['sandbox', '--port', String(port)], {
    RAMPART_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...env,
  });
  let exited: Finished | undefined;
  void running.exited.then((finished) => (exited = finished));
  const stop = async (timeoutMs = 15_000): Promise<Finished> => {
    if (exited !== undefined) return exited;
    running.child.kill('SIGTERM');
    const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
    try {
      return await running.exited;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    await waitFor(
      async () => {
        if (exited !== undefined)
          throw new Error(`rampart sandbox exited early (${exited.code}): ${exited.stderr}`);
        const response = await fetch(`http://127.0.0.1:${port}/health/ready`, {
          signal: AbortSignal.timeout(2000),
        });
        return response.status === 200 ? true : undefined;
      },
      readyTimeoutMs,
      'the sandbox to be ready',
    );
    // sandbox.json is written once the server listens, just before the summary is printed.
    await waitFor(
      async () => (running.output().stdout.includes('Rampart sandbox is up') ? true : undefined),
      10_000,
      'the sandbox summary',
    );
  } catch (error) {
    const finished = await stop(5000);
    throw new Error(`${String(error)}\nstdout: ${finished.stdout}\nstderr: ${finished.stderr}`);
  }
  const manifest = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')) as SandboxManifest;
  return { port, homeDomain: `localhost:${port}`, manifest, running, stop };
}

/**
 * A testnet-passphrase wallet on the sandbox's Horizon double, with its StellarConfiguration (the
 * SDK refuses an http Horizon URL in that constructor, so it starts on testnet and the server is
 * swapped after).
 */
export function sandboxWalletWithConfig(horizonUrl: string): {
  wallet: Wallet;
  stellar: InstanceType<typeof StellarConfiguration>;
} {
  const stellar = StellarConfiguration.TestNet();
  stellar.server = new Horizon.Server(horizonUrl, { allowHttp: true }) as unknown as typeof stellar.server;
  const wallet = new WalletClass({
    stellarConfiguration: stellar,
    applicationConfiguration: new ApplicationConfiguration(),
  });
  return { wallet, stellar };
}

export function sandboxWallet(horizonUrl: string): Wallet {
  return sandboxWalletWithConfig(horizonUrl).wallet;
}

/** Our keypair as the SDK's, through its raw seed (never the object itself). */
export function sdkKeypair(wallet: Wallet, keypair: Keypair): SigningKeypair {
  return wallet.stellar().account().createKeypairFromRandom(Buffer.from(keypair.rawSecretKey()));
}

/**
 * A stand-in for the SDK's AccountKeypair that names an M… (muxed) account: the SDK builds the
 * challenge URL from `accountKp.keypair.publicKey()` and has no muxed-account option of its own.
 * Only usable with a `walletSigner` that signs with the real key (see `signedBy`).
 */
export function muxedAccountKp(muxedAddress: string): AccountKeypair {
  return {
    keypair: { publicKey: () => muxedAddress },
    publicKey: muxedAddress,
  } as unknown as AccountKeypair;
}

type SdkTransaction = Parameters<WalletSigner['signWithClientAccount']>[0]['transaction'];

/** Adds a signature of each key to an SDK transaction: hash out, base64 signature in. */
function addSignatures(transaction: SdkTransaction, keys: readonly Keypair[]): void {
  const hash = Buffer.from(transaction.hash());
  for (const key of keys)
    transaction.addSignature(key.publicKey(), Buffer.from(key.sign(hash)).toString('base64'));
}

/**
 * A WalletSigner (the SDK's extension point for signing) that signs the challenge with every key
 * given — several signers of a multisig account, or the real key behind a muxed address — and,
 * when the challenge carries a client_domain operation, with the client domain's key as well.
 */
export function signedBy(wallet: Wallet, keys: readonly Keypair[], domainKey?: Keypair): WalletSigner {
  return {
    signWithClientAccount: ({ transaction }) => {
      addSignatures(transaction, keys);
      return transaction;
    },
    signWithDomainAccount: async ({ transactionXDR }) => {
      if (domainKey === undefined) throw new Error('this signer has no client domain key');
      const transaction = wallet.stellar().decodeTransaction(transactionXDR) as SdkTransaction;
      addSignatures(transaction, [domainKey]);
      return transaction;
    },
  };
}

/** The claims of a SEP-10 token, read without the SDK (its AuthToken hides `sub`). */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The HTTP status of a failed SDK call: its ServerRequestFailedError, or axios's own error. */
export function failedStatus(error: unknown): number | undefined {
  const e = error as { data?: { status?: number }; response?: { status?: number } };
  return e.data?.status ?? e.response?.status;
}

/** The response body of a failed SDK call (SEP error bodies: `{ error, code }`). */
export function failedBody(error: unknown): unknown {
  const e = error as { data?: { responseData?: unknown }; response?: { data?: unknown } };
  return e.data?.responseData ?? e.response?.data;
}
