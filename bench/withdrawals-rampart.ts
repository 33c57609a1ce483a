/**
 * Rampart's side of `npm run bench:withdrawals`, a child process of bench/withdrawals.ts: the
 * runtime, the app composed as `rampart serve` composes it (buildApp + registerSeps, so the
 * Paystack webhook route is real) listening where the Paystack double posts, and the jobs of a
 * worker process as `rampart serve` starts them (startJobs: outbox worker, schedule, withdrawal
 * observer). The doubles and the wallets live in the parent: they are the outside world, and their
 * work does not share this event loop.
 *
 * This process drives the run: the observer measurement on the payments the parent prepared; then
 * the withdrawals are prepared, the Paystack baseline measured (webhooks off, no worker), the jobs
 * started, a warm-up run, and the measured burst. It reports once (`done` or `failed`) and exits;
 * its lifetime bound ends it in any case.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startJobs } from '../src/cli/server.js';
import { loadConfig } from '../src/config/index.js';
import { transferDeps } from '../src/flows/transfers/deps.js';
import { receivingAccountOf } from '../src/flows/withdrawal/receiving.js';
import type { Database } from '../src/platform/db/database.js';
import { buildApp } from '../src/platform/http/app.js';
import { createLogger } from '../src/platform/logger.js';
import { openRuntime, type Runtime } from '../src/platform/runtime.js';
import { packageVersion } from '../src/platform/version.js';
import type { SepContext } from '../src/sep/context.js';
import { registerSeps } from '../src/sep/index.js';
import {
  checkTransfers,
  measureFlow,
  prepareWithdrawals,
  runTransfers,
  warmFlow,
  type Prepared,
  type World,
} from './withdrawals-flow.js';
import { measureObserver } from './withdrawals-observer.js';
import {
  LIFETIME_ENV,
  PLAN_ENV,
  type Call,
  type CallResult,
  type ChildMessage,
  type DoubleTransfer,
  type Paid,
  type ParentMessage,
  type Plan,
  type RampartReport,
  type TransfersReport,
} from './withdrawals-protocol.js';
import { progress, round, RunInvalidError } from './withdrawals-support.js';

const LIFETIME_MS_MAX = 60 * 60 * 1000;
const CALL_TIMEOUT_MS = 60_000;
const JOBS_STOP_MS = 10_000;

function send(message: ChildMessage): Promise<void> {
  assert(
    process.send !== undefined,
    'bench/withdrawals-rampart.js runs as a forked child of bench/withdrawals.js',
  );
  return new Promise((resolve, reject) => {
    process.send?.(message, (error: Error | null) => {
      if (error === null) resolve();
      else reject(error);
    });
  });
}

let calls = 0;

/** Asks the parent to do `call` in the outside world; resolves with its answer. */
function ask(call: Call): Promise<CallResult> {
  calls += 1;
  const id = calls;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error(`the parent did not answer ${call.kind} within ${CALL_TIMEOUT_MS} ms`));
    }, CALL_TIMEOUT_MS);
    function onMessage(message: ParentMessage): void {
      if (message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (message.type === 'answer') resolve(message.result);
      else reject(new RunInvalidError(`${call.kind} in the outside world failed: ${message.message}`));
    }
    process.on('message', onMessage);
    send({ type: 'call', id, call }).catch(reject);
  });
}

const world: World = {
  async pay(receivingAccount, payments) {
    return (await ask({ kind: 'pay', receivingAccount, payments })) as Paid;
  },
  async webhooks(on) {
    await ask({ kind: 'webhooks', on });
  },
  async transfers() {
    return (await ask({ kind: 'transfers' })) as DoubleTransfer[];
  },
};

function planOf(raw: string | undefined): Plan {
  assert(raw !== undefined && raw !== '', `${PLAN_ENV} must be set by bench/withdrawals.ts`);
  return JSON.parse(raw) as Plan;
}

function lifetimeMsOf(raw: string | undefined): number {
  const lifetimeMs = Number(raw);
  assert(
    Number.isSafeInteger(lifetimeMs) && lifetimeMs > 0 && lifetimeMs <= LIFETIME_MS_MAX,
    `${LIFETIME_ENV} must be set by bench/withdrawals.ts (1..${LIFETIME_MS_MAX} ms)`,
  );
  return lifetimeMs;
}

async function serverVersionOf(database: Database): Promise<string> {
  const result = await sql<{ server_version: string }>`show server_version`.execute(database.db);
  return result.rows[0]?.server_version ?? 'unknown';
}

/** The rail alone: warm-up transfers (not timed), then the measured ones, with the double's webhooks off. */
async function transfersBaseline(
  ctx: SepContext,
  plan: Plan,
  amountKobo: bigint,
  checks: string[],
): Promise<TransfersReport> {
  const paystack = ctx.paystack;
  if (paystack === undefined) throw new Error('the bench environment configures no Paystack key');
  // Nobody waits for these transfers' webhooks; left on, they would queue work for the burst's worker.
  await world.webhooks(false);
  try {
    if (plan.warmup > 0) await runTransfers(paystack, plan, plan.warmup, amountKobo);
    const report = await runTransfers(paystack, plan, plan.withdrawals, amountKobo);
    const ours = (await world.transfers()).filter((t) => t.reference.startsWith('bench-'));
    const done = ours.filter((t) => t.status === 'success' && t.amountKobo === amountKobo.toString());
    if (ours.length !== plan.warmup + plan.withdrawals || done.length !== ours.length)
      throw new RunInvalidError(
        `baseline: ${ours.length} transfers on the double, ${done.length} settled for the amount`,
      );
    checks.push(
      `baseline: all ${ours.length} transfers (warm-up included) are on the double once each, success, for the amount`,
    );
    return report;
  } finally {
    await world.webhooks(true);
  }
}

async function runBench(
  runtime: Runtime,
  ctx: SepContext,
  plan: Plan,
  closers: (() => Promise<unknown>)[],
): Promise<RampartReport> {
  const { config } = runtime;
  const deps = transferDeps(ctx);
  const checks: string[] = [];
  const receiving = receivingAccountOf(config);
  if (receiving === undefined) throw new Error('the bench environment configures no distribution account');
  const ngn = `${config.assetNgnCode}:${config.assetNgnIssuer ?? ''}`;

  const observer = await measureObserver(runtime, ctx.horizon, plan, [ngn], checks);

  const total = plan.warmup + plan.withdrawals;
  progress(
    `withdrawals: preparing ${total} (${total} tier-1 customers, bank resolved on the Paystack double)`,
  );
  const prepareStart = performance.now();
  const prepared: Prepared[] = await prepareWithdrawals(ctx, deps, plan, receiving, total);
  const preparedMs = Math.round(performance.now() - prepareStart);
  const amounts = new Set(prepared.map((w) => w.amountOutKobo));
  const amountKobo = BigInt([...amounts][0] ?? '0');
  if (amounts.size !== 1)
    throw new RunInvalidError(`withdrawals pay out different amounts: ${[...amounts].join(', ')}`);

  progress(`baseline: ${plan.warmup} + ${plan.withdrawals} Paystack transfers straight through the client`);
  const transfers = await transfersBaseline(ctx, plan, amountKobo, checks);

  progress(
    `withdrawals: starting the jobs (worker ${config.workerConcurrency} slots, observer), ${plan.warmup} warm-up`,
  );
  const jobs = startJobs(runtime, ctx);
  jobs.start();
  closers.push(() => jobs.stop(JOBS_STOP_MS));
  const warm = prepared.slice(0, plan.warmup);
  const burst = prepared.slice(plan.warmup);
  await warmFlow(deps, world, plan, warm, receiving);
  progress(`withdrawals: the wallets pay ${burst.length} withdrawals at once`);
  const flow = await measureFlow(deps, world, plan, burst, receiving, checks);
  if (warm.length > 0)
    checks.push(
      checkTransfers(
        await world.transfers(),
        warm.map((w) => ({ reference: w.reference, amountKobo: w.amountOutKobo })),
        'warm-up withdrawals',
      ),
    );
  return {
    rampartVersion: packageVersion(),
    database: {
      kind: runtime.database.kind,
      serverVersion: await serverVersionOf(runtime.database),
      poolMax: runtime.database.poolStats().max,
    },
    kv: runtime.kv.kind,
    observerLeaseTtlMs: config.observerLeaseTtlMs,
    preparation: { withdrawals: total, ms: preparedMs },
    observer,
    transfers,
    flow,
    flowRatio: round(flow.perSecond / transfers.perSecond, 3),
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
    const report = await runBench(runtime, ctx, plan, closers);
    await send({ type: 'done', report });
    await shutdown(0);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await send({ type: 'failed', invalid: error instanceof RunInvalidError, message }).catch(() => undefined);
    await shutdown(1);
  }
}

await main();
