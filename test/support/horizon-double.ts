/**
 * Helpers for tests against the Horizon double: start it, fund and build with the real SDK, and
 * read Horizon's result codes from a rejected submission.
 */
import {
  Asset,
  Horizon,
  Keypair,
  Memo,
  TransactionBuilder,
  type FeeBumpTransaction,
  type Transaction,
  type xdr,
} from '@stellar/stellar-sdk';
import {
  createHorizonDouble,
  type HorizonDouble,
  type HorizonDoubleOptions,
} from '../../src/sandbox/horizon/index.js';

export const FAST_LEDGER_MS = 50;

export interface Sandbox {
  readonly double: HorizonDouble;
  readonly server: Horizon.Server;
}

export async function startSandbox(options: HorizonDoubleOptions = {}): Promise<Sandbox> {
  const double = await createHorizonDouble({ ledgerCloseMs: FAST_LEDGER_MS, ...options });
  return { double, server: new Horizon.Server(double.url, { allowHttp: true }) };
}

/** A new keypair funded by friendbot (10,000 XLM). */
export async function funded(sandbox: Sandbox): Promise<Keypair> {
  const keypair = Keypair.random();
  await sandbox.server.friendbot(keypair.publicKey()).call();
  return keypair;
}

export interface BuildOptions {
  readonly signers?: readonly Keypair[];
  readonly fee?: string;
  readonly memo?: Memo;
  readonly timeoutSec?: number;
}

/** Loads `source`, adds the operations, signs with `signers` (default: the source). */
export async function build(
  sandbox: Sandbox,
  source: Keypair,
  operations: readonly xdr.Operation[],
  options: BuildOptions = {},
): Promise<Transaction> {
  const account = await sandbox.server.loadAccount(source.publicKey());
  const builder = new TransactionBuilder(account, {
    fee: options.fee ?? '100',
    networkPassphrase: sandbox.double.networkPassphrase,
  });
  for (const op of operations) builder.addOperation(op);
  if (options.memo !== undefined) builder.addMemo(options.memo);
  const tx = builder.setTimeout(options.timeoutSec ?? 60).build();
  tx.sign(...(options.signers ?? [source]));
  return tx;
}

export async function submit(
  sandbox: Sandbox,
  source: Keypair,
  operations: readonly xdr.Operation[],
  options: BuildOptions = {},
): Promise<Horizon.HorizonApi.SubmitTransactionResponse> {
  const tx = await build(sandbox, source, operations, options);
  return sandbox.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
}

export interface HorizonFailure {
  readonly status: number | undefined;
  readonly data: {
    readonly type?: string;
    readonly extras?: {
      readonly result_codes?: { transaction: string; inner_transaction?: string; operations?: string[] };
      readonly result_xdr?: string;
      readonly hash?: string;
    };
  };
}

/** The portable access path (rails-notes B8): `error.response.status` and `.data`. */
export function failureOf(error: unknown): HorizonFailure {
  const response = (error as { response?: { status?: number; data?: HorizonFailure['data'] } }).response;
  if (response === undefined) throw error instanceof Error ? error : new Error(String(error));
  return { status: response.status, data: response.data ?? {} };
}

/** Submits and expects a rejection; returns Horizon's failure. */
export async function submitFailing(
  sandbox: Sandbox,
  tx: Transaction | FeeBumpTransaction,
): Promise<HorizonFailure> {
  try {
    await sandbox.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
  } catch (error) {
    return failureOf(error);
  }
  throw new Error('expected the submission to fail');
}

/** Balance of an asset ("native" or an Asset) in a loaded account, as Horizon's string. */
export async function balanceOf(
  sandbox: Sandbox,
  accountId: string,
  asset: Asset,
): Promise<string | undefined> {
  const account = await sandbox.server.loadAccount(accountId);
  for (const line of account.balances) {
    if (asset.isNative() && line.asset_type === 'native') return line.balance;
    if (
      !asset.isNative() &&
      'asset_code' in line &&
      line.asset_code === asset.getCode() &&
      line.asset_issuer === asset.getIssuer()
    )
      return line.balance;
  }
  return undefined;
}

/** Raw fetch against the double (control API and raw Horizon shapes), with an explicit timeout. */
export async function fetchJson(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

export function hashOf(tx: Transaction | FeeBumpTransaction): string {
  return Buffer.from(tx.hash()).toString('hex');
}

export function waitFor<T>(
  produce: (resolve: (value: T) => void) => void,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    produce((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
