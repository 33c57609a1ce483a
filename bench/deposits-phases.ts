/**
 * The phases of the deposits bench, run inside Rampart's process (bench/deposits-rampart.ts):
 * preparing deposits, the baseline (raw payments through the submitter) and the deposit burst,
 * each followed by the checks that make its figure trustworthy. A failed check throws
 * `RunInvalidError`: the run then writes no result.
 */
import { Keypair } from '@stellar/stellar-sdk';
import { networkOf } from '../src/config/index.js';
import { openDeposit, paymentLink, requestDepositPayment } from '../src/flows/deposit/index.js';
import type { TransferDeps } from '../src/flows/transfers/deps.js';
import { customerStanding } from '../src/flows/transfers/limits.js';
import type { StellarRail } from '../src/flows/transfers/stellar-rail.js';
import { ledgerImbalance } from '../src/platform/ledger-store.js';
import type { SepContext } from '../src/sep/context.js';
import type { Sep10Identity } from '../src/sep/sep10/jwt.js';
import { sep12Deps } from '../src/sep/sep12/plugin.js';
import { putCustomer } from '../src/sep/sep12/service.js';
import type { BaselineReport, Percentiles, Plan, ProcessCpu } from './deposits-protocol.js';

export class RunInvalidError extends Error {
  override readonly name = 'RunInvalidError';
}

/** Every deposit asks for this much naira: under tier 1's per-transaction and per-day limits. */
export const DEPOSIT_AMOUNT_NGN = '1000';
/** Each baseline payment sends 1 NGNC plus its index in stroops, so the sum is exact and checkable. */
const PAYMENT_STROOPS = 10_000_000n;
/** Preparation runs this many deposits at once (it is not timed; this only keeps it short). */
const PREPARE_CONCURRENCY = 8;
const HORIZON_STATE_TIMEOUT_MS = 5_000;

/** Measures this process's CPU time from now until the returned function is called. */
export function cpuMeter(): () => ProcessCpu {
  const startCpu = process.cpuUsage();
  const startMs = performance.now();
  return () => {
    const used = process.cpuUsage(startCpu);
    const wallMs = performance.now() - startMs;
    const userMs = used.user / 1000;
    const systemMs = used.system / 1000;
    return {
      userMs: Math.round(userMs),
      systemMs: Math.round(systemMs),
      cores: Math.round(((userMs + systemMs) / wallMs) * 100) / 100,
    };
  };
}

export interface Prepared {
  readonly id: string;
  readonly reference: string;
}

/** A rank percentile (nearest rank) of unsorted samples, rounded to 0.1 ms. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) throw new RunInvalidError('no samples to summarise');
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return { p50: round(at(0.5)), p95: round(at(0.95)), max: round(at(1)) };
}

/** Runs `task` over `items` with at most `limit` in flight; the first failure rejects. */
export async function forEachBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function identityOf(account: string): Sep10Identity {
  return {
    sub: account,
    account,
    memo: null,
    muxedAccount: null,
    clientDomain: null,
    homeDomain: null,
    jti: 'bench',
    expiresAt: 0,
  };
}

/**
 * One new customer, verified to KYC tier 1 through SEP-12 (every identity field accepted), and
 * one deposit of theirs to the sandbox wallet: opened, its naira asked for, its Paystack checkout
 * initialised on the double. One customer per deposit keeps every limit check realistic.
 */
async function prepareOne(ctx: SepContext, deps: TransferDeps, plan: Plan): Promise<Prepared> {
  const customer = Keypair.random().publicKey();
  await putCustomer(
    sep12Deps(ctx),
    { sub: customer, account: customer, memo: null },
    {
      type: undefined,
      text: {
        first_name: 'Adaeze',
        last_name: 'Okafor',
        mobile_number: '+2348031234567',
        birth_date: '1990-04-12',
        id_type: 'bvn',
        id_number: '22123456789',
      },
      files: {},
    },
  );
  const standing = await customerStanding(deps, deps.db, customer);
  if (standing.tier !== 1) throw new RunInvalidError(`a bench customer is KYC tier ${standing.tier}, not 1`);
  const opened = await openDeposit(deps, {
    protocol: 'sep24',
    identity: identityOf(customer),
    assetCode: deps.config.assetNgnCode,
    amount: DEPOSIT_AMOUNT_NGN,
    account: plan.wallet,
    claimableBalanceSupported: false,
  });
  const asked = await requestDepositPayment(deps, opened.id, { actor: 'bench' });
  const link = await paymentLink(deps, asked);
  if (!link.ok) throw new RunInvalidError(`deposit ${asked.id}: ${link.message}`);
  if (asked.paystack_reference === null) throw new RunInvalidError(`deposit ${asked.id} has no reference`);
  return { id: asked.id, reference: asked.paystack_reference };
}

export function prepareDeposits(
  ctx: SepContext,
  deps: TransferDeps,
  plan: Plan,
  count: number,
): Promise<Prepared[]> {
  return forEachBounded(
    Array.from({ length: count }, (_, i) => i),
    PREPARE_CONCURRENCY,
    () => prepareOne(ctx, deps, plan),
  );
}

export interface WalletSnapshot {
  readonly balanceStroops: bigint;
  /** Payments in the Horizon double's whole history (nothing but this bench pays there). */
  readonly payments: number;
}

function stroopsOf(balance: string): bigint {
  const [whole = '0', fraction = ''] = balance.split('.');
  return BigInt(whole) * 10_000_000n + BigInt(fraction.padEnd(7, '0'));
}

/** The wallet's balance of `asset` and the double's payment count, read over Horizon's own API. */
export async function walletSnapshot(
  ctx: SepContext,
  wallet: string,
  asset: string,
): Promise<WalletSnapshot> {
  const account = await ctx.horizon.loadAccount(wallet);
  if (account.kind !== 'found')
    throw new RunInvalidError(`the Horizon double does not know the wallet ${wallet}`);
  const line = account.balances.find((b) => b.asset === asset);
  if (line === undefined) throw new RunInvalidError(`the wallet has no ${asset} trustline`);
  const stateUrl = new URL('/_sandbox/state', networkOf(ctx.config).horizonUrl);
  const response = await fetch(stateUrl, { signal: AbortSignal.timeout(HORIZON_STATE_TIMEOUT_MS) });
  const state = (await response.json()) as { payments?: unknown };
  if (typeof state.payments !== 'number')
    throw new RunInvalidError('the Horizon double did not report its payments');
  return { balanceStroops: stroopsOf(line.balance), payments: state.payments };
}

/** The wallet received exactly `payments` payments adding up to exactly `stroops`. */
export function checkWallet(
  before: WalletSnapshot,
  after: WalletSnapshot,
  payments: number,
  stroops: bigint,
  what: string,
): string {
  const received = after.balanceStroops - before.balanceStroops;
  if (received !== stroops)
    throw new RunInvalidError(
      `${what}: the wallet received ${received} stroops, expected exactly ${stroops}`,
    );
  const count = after.payments - before.payments;
  if (count !== payments)
    throw new RunInvalidError(
      `${what}: the Horizon double recorded ${count} payments, expected exactly ${payments}`,
    );
  return `${what}: the wallet received exactly ${payments} payments totalling ${stroops} stroops`;
}

export async function checkLedgerBalanced(deps: TransferDeps): Promise<string> {
  const imbalance = await ledgerImbalance(deps.db);
  if (imbalance.length > 0)
    throw new RunInvalidError(
      `the ledger does not balance: ${JSON.stringify(imbalance, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
    );
  return 'the ledger balances in every currency (ledgerImbalance is empty)';
}

/**
 * The baseline: `count` raw payments through the same submitter, channels and database the
 * deposits use, `concurrency` in flight, all queued at once. Returns the report and the hashes.
 */
export async function runPayments(
  rail: StellarRail,
  plan: Plan,
  asset: string,
  keyPrefix: string,
  count: number,
): Promise<{ report: BaselineReport; hashes: Set<string> }> {
  await rail.register();
  const hashes = new Set<string>();
  const latencies: number[] = [];
  const calls: number[] = [];
  let total = 0n;
  const cpu = cpuMeter();
  const startMs = performance.now();
  await forEachBounded(
    Array.from({ length: count }, (_, i) => i),
    plan.concurrency,
    async (i) => {
      const callMs = performance.now();
      const amountStroops = PAYMENT_STROOPS + BigInt(i);
      const submission = await rail.submitter.submitPayment({
        idempotencyKey: `${keyPrefix}:${i}`,
        destination: plan.wallet,
        asset,
        amountStroops,
        memo: { type: 'none' },
      });
      if (submission.state !== 'succeeded')
        throw new RunInvalidError(
          `baseline payment ${i} ended ${submission.state}: ${submission.transactionCode ?? ''} ${submission.operationCodes.join(',')} ${submission.lastError ?? ''}`,
        );
      const doneMs = performance.now();
      latencies.push(doneMs - startMs);
      calls.push(doneMs - callMs);
      hashes.add(submission.hash);
      total += amountStroops;
    },
  );
  const elapsedMs = performance.now() - startMs;
  const rampartCpu = cpu();
  if (hashes.size !== count)
    throw new RunInvalidError(`baseline: ${count} payments but ${hashes.size} distinct hashes`);
  return {
    report: {
      payments: count,
      concurrency: plan.concurrency,
      elapsedMs: Math.round(elapsedMs),
      perSecond: Math.round((count / (elapsedMs / 1000)) * 100) / 100,
      latencyMs: percentiles(latencies),
      callMs: percentiles(calls),
      amountStroopsTotal: total.toString(),
      rampartCpu,
    },
    hashes,
  };
}
