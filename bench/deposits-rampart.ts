/**
 * Rampart's side of `npm run bench:deposits`, a child process of bench/deposits.ts: the app
 * composed as `rampart serve` composes it (buildApp + registerSeps, so the Paystack webhook route
 * is real) listening where the Paystack double posts its webhooks, an outbox worker with the
 * flows' handlers, and the database. The doubles live in the parent: they are the outside world,
 * and their work does not share this event loop.
 *
 * This process drives the run: prepare the deposits, measure the baseline (raw payments through
 * the submitter), start the worker, warm up, then ask the parent to pay the burst on the Paystack
 * double and measure until every deposit is `completed`. It reports once (`done` or `failed`) and
 * exits; its lifetime bound ends it in any case.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/index.js';
import { jobHandlers } from '../src/flows/handlers.js';
import { transferDeps, type TransferDeps } from '../src/flows/transfers/deps.js';
import { createStellarRail, type StellarRail } from '../src/flows/transfers/stellar-rail.js';
import type { Database } from '../src/platform/db/database.js';
import { buildApp } from '../src/platform/http/app.js';
import { createLogger } from '../src/platform/logger.js';
import { createWorker, type Worker } from '../src/platform/outbox/worker.js';
import { openRuntime, type Runtime } from '../src/platform/runtime.js';
import { packageVersion } from '../src/platform/version.js';
import type { SepContext } from '../src/sep/context.js';
import { registerSeps } from '../src/sep/index.js';
import {
  awaitCompleted,
  awaitOutboxIdle,
  burstJobs,
  burstTimings,
  checkOnePaymentEach,
} from './deposits-burst.js';
import {
  checkLedgerBalanced,
  checkWallet,
  cpuMeter,
  DEPOSIT_AMOUNT_NGN,
  percentiles,
  prepareDeposits,
  RunInvalidError,
  runPayments,
  walletSnapshot,
  type Prepared,
} from './deposits-phases.js';
import {
  LIFETIME_ENV,
  PLAN_ENV,
  type BaselineReport,
  type ChildMessage,
  type DepositsReport,
  type ParentMessage,
  type Plan,
  type RampartReport,
} from './deposits-protocol.js';

const LIFETIME_MS_MAX = 60 * 60 * 1000;
const PAY_TIMEOUT_MS = 30_000;
const WORKER_LEASE_MS = 60_000;
const WORKER_STOP_MS = 10_000;

function send(message: ChildMessage): Promise<void> {
  assert(process.send !== undefined, 'bench/deposits-rampart.js runs as a forked child of bench/deposits.js');
  return new Promise((resolve, reject) => {
    process.send?.(message, (error: Error | null) => {
      if (error === null) resolve();
      else reject(error);
    });
  });
}

/** Asks the parent to pay `references` on the Paystack double; resolves with when each was paid. */
function pay(references: readonly string[]): Promise<readonly number[]> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error(`the parent did not pay within ${PAY_TIMEOUT_MS} ms`));
    }, PAY_TIMEOUT_MS);
    function onMessage(message: ParentMessage): void {
      if (message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (message.type === 'paid') resolve(message.sentAtMs);
      else reject(new RunInvalidError(`paying on the Paystack double failed: ${message.message}`));
    }
    process.on('message', onMessage);
    send({ type: 'pay', id, references }).catch(reject);
  });
}

function planOf(raw: string | undefined): Plan {
  assert(raw !== undefined && raw !== '', `${PLAN_ENV} must be set by bench/deposits.ts`);
  return JSON.parse(raw) as Plan;
}

function lifetimeMsOf(raw: string | undefined): number {
  const lifetimeMs = Number(raw);
  assert(
    Number.isSafeInteger(lifetimeMs) && lifetimeMs > 0 && lifetimeMs <= LIFETIME_MS_MAX,
    `${LIFETIME_ENV} must be set by bench/deposits.ts (1..${LIFETIME_MS_MAX} ms)`,
  );
  return lifetimeMs;
}

function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function serverVersionOf(database: Database): Promise<string> {
  const result = await sql<{ server_version: string }>`show server_version`.execute(database.db);
  return result.rows[0]?.server_version ?? 'unknown';
}

interface Bench {
  readonly runtime: Runtime;
  readonly ctx: SepContext;
  readonly deps: TransferDeps;
  readonly plan: Plan;
  /** NGNC as CODE:ISSUER. */
  readonly asset: string;
}

/** The measured burst: pay every deposit at once on the double, wait for all to complete, check. */
async function measureDeposits(
  bench: Bench,
  deposits: readonly Prepared[],
  checks: string[],
): Promise<DepositsReport> {
  const { ctx, deps, plan, asset } = bench;
  const before = await walletSnapshot(ctx, plan.wallet, asset);
  const cpu = cpuMeter();
  const sentAtMs = await pay(deposits.map((d) => d.reference));
  const firstSentMs = Math.min(...sentAtMs);
  await awaitCompleted(deps, deposits, plan.burstTimeoutMs);
  const rampartCpu = cpu();
  const timings = await burstTimings(deps, deposits, sentAtMs);
  const jobs = await burstJobs(deps, firstSentMs);
  const each = await checkOnePaymentEach(deps, deposits);
  checks.push(...each.checks);
  const after = await walletSnapshot(ctx, plan.wallet, asset);
  checks.push(checkWallet(before, after, deposits.length, each.amountOutStroops, 'deposits'));
  checks.push(await checkLedgerBalanced(deps));
  const elapsedMs = timings.lastCompletedMs - firstSentMs;
  return {
    deposits: deposits.length,
    amountNgnEach: DEPOSIT_AMOUNT_NGN,
    elapsedMs,
    perSecond: Math.round((deposits.length / (elapsedMs / 1000)) * 100) / 100,
    latencyMs: percentiles(timings.latencies),
    stagesMs: timings.stages,
    milestonesMs: timings.milestones,
    payLoopMs: Math.max(...sentAtMs) - firstSentMs,
    jobs,
    amountOutStroopsTotal: each.amountOutStroops.toString(),
    rampartCpu,
  };
}

/**
 * Warm-up deposits: the same path as the burst, not timed. Whatever else preparation queued runs
 * now too: the burst starts on an idle outbox.
 */
async function warmDeposits(bench: Bench, deposits: readonly Prepared[]): Promise<void> {
  if (deposits.length > 0) {
    await pay(deposits.map((d) => d.reference));
    await awaitCompleted(bench.deps, deposits, bench.plan.burstTimeoutMs);
  }
  await awaitOutboxIdle(bench.deps, bench.plan.burstTimeoutMs);
}

/** Warm-up payments (not timed), then the measured baseline and its check. */
async function baseline(
  bench: Bench,
  rail: StellarRail,
  checks: string[],
): Promise<{ report: BaselineReport; warmupMs: number }> {
  const { ctx, plan, asset } = bench;
  const runId = randomUUID().slice(0, 8);
  const warmupStart = performance.now();
  if (plan.warmup > 0) await runPayments(rail, plan, asset, `bench:${runId}:warmup`, plan.warmup);
  const warmupMs = performance.now() - warmupStart;
  const before = await walletSnapshot(ctx, plan.wallet, asset);
  const { report } = await runPayments(rail, plan, asset, `bench:${runId}:measured`, plan.deposits);
  const after = await walletSnapshot(ctx, plan.wallet, asset);
  checks.push(checkWallet(before, after, plan.deposits, BigInt(report.amountStroopsTotal), 'baseline'));
  return { report, warmupMs };
}

function startWorker(bench: Bench, handlers: ReturnType<typeof jobHandlers>): Worker {
  const worker = createWorker(bench.runtime.database.db, handlers, {
    concurrency: bench.plan.concurrency,
    pollMs: bench.plan.workerPollMs,
    leaseMs: WORKER_LEASE_MS,
    logger: bench.runtime.logger.child({ component: 'worker' }),
    metrics: bench.runtime.metrics,
  });
  worker.start();
  return worker;
}

async function runBench(bench: Bench, closers: (() => Promise<unknown>)[]): Promise<RampartReport> {
  const { runtime, ctx, deps, plan } = bench;
  const checks: string[] = [];
  const prepareStart = performance.now();
  const total = plan.warmup + plan.deposits;
  progress(
    `preparing ${total} deposits (${total} tier-1 customers, checkout initialised on the Paystack double)`,
  );
  const prepared = await prepareDeposits(ctx, deps, plan, total);
  const preparedMs = Math.round(performance.now() - prepareStart);
  const rail = createStellarRail(runtime.config, runtime.database.db, ctx.horizon, runtime.logger);
  if (rail === undefined) throw new Error('the sandbox environment configures no Stellar rail');
  progress(`baseline: ${plan.warmup} + ${plan.deposits} raw payments through the submitter`);
  const measured = await baseline(bench, rail, checks);
  progress(`deposits: starting the worker (${plan.concurrency} slots), ${plan.warmup} warm-up deposits`);
  const worker = startWorker(bench, jobHandlers(ctx));
  closers.push(() => worker.stop(WORKER_STOP_MS));
  const warmupStart = performance.now();
  await warmDeposits(bench, prepared.slice(0, plan.warmup));
  const warmupMs = measured.warmupMs + (performance.now() - warmupStart);
  progress(`deposits: paying ${plan.deposits} deposits at once on the Paystack double`);
  const depositsReport = await measureDeposits(bench, prepared.slice(plan.warmup), checks);
  return {
    rampartVersion: packageVersion(),
    database: {
      kind: runtime.database.kind,
      serverVersion: await serverVersionOf(runtime.database),
      poolMax: runtime.database.poolStats().max,
    },
    kv: runtime.kv.kind,
    stellar: {
      channels: runtime.config.stellarChannelSecrets?.length ?? 0,
      submitPollMs: runtime.config.stellarSubmitPollMs,
      channelPollMs: runtime.config.stellarChannelPollMs,
      txValiditySeconds: runtime.config.stellarTxValiditySeconds,
    },
    preparation: { customers: total, deposits: total, ms: preparedMs },
    warmup: { payments: plan.warmup, deposits: plan.warmup, ms: Math.round(warmupMs) },
    baseline: measured.report,
    deposits: depositsReport,
    checks,
  };
}

async function main(): Promise<void> {
  const lifetimeMs = lifetimeMsOf(process.env[LIFETIME_ENV]);
  const plan = planOf(process.env[PLAN_ENV]);
  const closers: (() => Promise<unknown>)[] = [];
  let closing: Promise<void> | undefined;
  const shutdown = (exitCode: number): Promise<void> => {
    closing ??= (async () => {
      for (const closer of closers.reverse()) await closer().catch(() => undefined);
      process.exit(exitCode);
    })();
    return closing;
  };
  // The hard bound: even a wedged shutdown cannot keep this process alive past its lifetime.
  setTimeout(() => process.exit(3), lifetimeMs).unref();
  process.on('disconnect', () => void shutdown(1));
  try {
    const loaded = loadConfig(process.env);
    if (!loaded.ok) throw new Error(`invalid configuration: ${loaded.problems.join('; ')}`);
    const { config } = loaded;
    const runtime = await openRuntime(config, createLogger(config.logLevel), {
      migrate: true,
      requireCurrentSchema: true,
    });
    closers.push(() => runtime.close());
    const app = await buildApp({ ...runtime, version: packageVersion() });
    const ctx = await registerSeps(app, runtime);
    closers.push(() => app.close());
    await app.listen({ host: config.host, port: config.port });
    const asset = `${config.assetNgnCode}:${config.assetNgnIssuer ?? ''}`;
    const report = await runBench({ runtime, ctx, deps: transferDeps(ctx), plan, asset }, closers);
    await send({ type: 'done', report });
    await shutdown(0);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await send({ type: 'failed', invalid: error instanceof RunInvalidError, message }).catch(() => undefined);
    await shutdown(1);
  }
}

await main();
