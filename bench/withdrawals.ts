/**
 * `npm run bench:withdrawals`: two figures of the withdrawal side, each against a baseline
 * measured in the same run on the same doubles and database (GUIDE.md §6: the ratio is the figure):
 *
 * 1. Observed payments per second: a backlog of payments on the Horizon double turned into
 *    `stellar_payments` rows by the real observer (trivial callback), against reading the same
 *    pages and storing each payment with one bare insert.
 * 2. Withdrawals completed per second end to end — wallet pays on Stellar, observer and matcher,
 *    payout job, Paystack transfer, bank settles, `transfer.success`, `completed` — against the
 *    same number of Paystack transfers made straight through the PaystackClient.
 *
 * This process is the outside world: the Horizon and Paystack doubles and the paying wallets.
 * Rampart — app, jobs, database client — runs in a child (bench/withdrawals-rampart.ts), so the
 * doubles' work does not share its event loop. On PostgreSQL the run gets a scratch database,
 * dropped afterwards; otherwise PGlite in a temporary directory. A failed check fails the run
 * loudly and writes no result. Every step is bounded, and a watchdog ends the run if the sum of
 * the bounds is ever exceeded.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { benchDatabaseUrl, createScratchDatabase, freePort, integerSetting } from './support.js';
import { startDoubles, type Doubles } from './withdrawals-doubles.js';
import {
  LIFETIME_ENV,
  OPERATIONS_PER_TRANSACTION_MAX,
  PLAN_ENV,
  type Call,
  type CallResult,
  type ChildMessage,
  type ParentMessage,
  type Plan,
  type RampartReport,
} from './withdrawals-protocol.js';
import { machine, printTable, writeResult, type Setup, type Start } from './withdrawals-report.js';

/** The configuration ceiling: the limiter still counts every webhook but never refuses one. */
const RATE_LIMIT_PER_MINUTE = 1_000_000;
const WORKER_POLL_MS = 20;
const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 120_000; // PGlite's first start takes seconds and ~1 GB peak
const STOP_TIMEOUT_MS = 15_000;
const ADMIN_TIMEOUT_MS = 10_000;
/** Senders preparing the observed payments, each sending its transactions one after another. */
const OBSERVED_SENDERS_MAX = 10;
/** Bounds: a fixed allowance plus this much per item. */
const OBSERVED_PREPARE_MS_BASE = 30_000;
const OBSERVED_PREPARE_MS_PER_PAYMENT = 5;
const OBSERVE_MS_BASE = 30_000;
const OBSERVE_MS_PER_PAYMENT = 10;
const OBSERVE_PASSES = 7;
const PREPARE_MS_BASE = 30_000;
const PREPARE_MS_PER_WITHDRAWAL = 250;
const BURST_MS_BASE = 30_000;
const BURST_MS_PER_ITEM = 300;
/** SCAN rounds when deleting the run's Redis keys (a run writes a handful). */
const REDIS_SCAN_ROUNDS_MAX = 100;

interface Settings {
  readonly observedPayments: number;
  readonly withdrawals: number;
  readonly warmup: number;
  readonly concurrency: number;
  readonly ledgerCloseMs: number;
  readonly transferSettleMs: number;
  readonly databaseUrl: string | undefined;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  return {
    observedPayments: integerSetting(env, 'BENCH_OBSERVED_PAYMENTS', 2000, 100, 10_000),
    withdrawals: integerSetting(env, 'BENCH_WITHDRAWALS', 200, 10, 1000),
    warmup: integerSetting(env, 'BENCH_WARMUP_WITHDRAWALS', 10, 0, 100),
    // WORKER_CONCURRENCY's own ceiling.
    concurrency: integerSetting(env, 'BENCH_CONCURRENCY', 16, 1, 64),
    ledgerCloseMs: integerSetting(env, 'BENCH_LEDGER_CLOSE_MS', 100, 10, 5000),
    transferSettleMs: integerSetting(env, 'BENCH_TRANSFER_SETTLE_MS', 50, 0, 5000),
    databaseUrl: benchDatabaseUrl(env),
  };
}

class RunInvalidError extends Error {
  override readonly name = 'RunInvalidError';
}

async function answer(doubles: Doubles, call: Call): Promise<CallResult> {
  switch (call.kind) {
    case 'pay':
      return doubles.pay(call.receivingAccount, call.payments);
    case 'webhooks':
      doubles.webhooks(call.on);
      return null;
    case 'transfers':
      return doubles.transfers();
  }
}

/** Answers the child's calls until it reports; resolves with its report. */
function runChild(child: ChildProcess, doubles: Doubles): Promise<RampartReport> {
  return new Promise((resolve, reject) => {
    child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'call': {
          answer(doubles, message.call).then(
            (result) => {
              const reply: ParentMessage = { type: 'answer', id: message.id, result };
              child.send(reply);
            },
            (error: unknown) => {
              const text = error instanceof Error ? error.message : String(error);
              const reply: ParentMessage = { type: 'refused', id: message.id, message: text };
              child.send(reply);
            },
          );
          return;
        }
        case 'done':
          resolve(message.report);
          return;
        case 'failed':
          reject(message.invalid ? new RunInvalidError(message.message) : new Error(message.message));
          return;
      }
    });
    child.once('exit', (code, signal) => {
      reject(new Error(`Rampart's process exited (${signal ?? `code ${code}`}) before it reported`));
    });
  });
}

/** Waits for the child to exit by itself (it does once it reported); SIGKILL if it takes too long. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      resolve('late');
    }, STOP_TIMEOUT_MS);
  });
  if ((await Promise.race([exited, late])) === 'late') child.kill('SIGKILL');
  clearTimeout(timer);
}

interface Resources {
  dir?: string;
  /** The run's Redis key prefix, when REDIS_URL is set: its leases' fences and recipient cache. */
  redisPrefix?: string;
  doubles?: Doubles;
  child?: ChildProcess;
  dropDatabase?: () => Promise<void>;
}

/** Deletes the run's keys: lease fences have no TTL and would otherwise stay forever. */
async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: ADMIN_TIMEOUT_MS,
    commandTimeout: ADMIN_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    let cursor = '0';
    for (let round = 0; round < REDIS_SCAN_ROUNDS_MAX; round += 1) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') return;
    }
  } finally {
    redis.disconnect();
  }
}

/** Releases in reverse order of acquisition; each step is attempted whatever the others did. */
async function release(resources: Resources): Promise<void> {
  if (resources.child !== undefined) await stopChild(resources.child);
  await resources.doubles?.close().catch(() => undefined);
  const redisUrl = process.env['REDIS_URL']?.trim() ?? '';
  if (resources.redisPrefix !== undefined && redisUrl !== '')
    await deleteRedisKeys(redisUrl, resources.redisPrefix).catch((error: unknown) => {
      process.stderr.write(`bench: could not delete the run's Redis keys: ${String(error)}\n`);
    });
  await resources.dropDatabase?.().catch((error: unknown) => {
    process.stderr.write(`bench: could not drop the scratch database: ${String(error)}\n`);
  });
  if (resources.dir !== undefined) rmSync(resources.dir, { recursive: true, force: true });
}

interface Bounds {
  readonly observedPrepareMs: number;
  readonly observeMs: number;
  readonly burstMs: number;
  readonly totalMs: number;
}

/**
 * Start, observed payments, seven passes over them (warm-up, read only and read + insert before and
 * after, the observer), preparation, four bursts (two warm-ups, two measured), stop.
 */
function boundsOf(settings: Settings): Bounds {
  const observedPrepareMs =
    OBSERVED_PREPARE_MS_BASE + settings.observedPayments * OBSERVED_PREPARE_MS_PER_PAYMENT;
  const observeMs = OBSERVE_MS_BASE + settings.observedPayments * OBSERVE_MS_PER_PAYMENT;
  const prepareMs = PREPARE_MS_BASE + (settings.withdrawals + settings.warmup) * PREPARE_MS_PER_WITHDRAWAL;
  const burstMs = BURST_MS_BASE + settings.withdrawals * BURST_MS_PER_ITEM;
  const totalMs =
    STARTUP_TIMEOUT_MS +
    observedPrepareMs +
    OBSERVE_PASSES * observeMs +
    prepareMs +
    4 * burstMs +
    2 * STOP_TIMEOUT_MS;
  return { observedPrepareMs, observeMs, burstMs, totalMs };
}

function withinMs<T>(promise: Promise<T>, boundMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} took longer than ${boundMs} ms`));
    }, boundMs);
  });
  return Promise.race([promise, late]).finally(() => {
    clearTimeout(timer);
  });
}

async function run(settings: Settings, resources: Resources, start: Start, bounds: Bounds): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-bench-withdrawals-'));
  resources.dir = dir;
  let databaseUrl = '';
  if (settings.databaseUrl !== undefined) {
    const scratch = await createScratchDatabase(settings.databaseUrl);
    resources.dropDatabase = scratch.drop;
    databaseUrl = scratch.url;
  }
  const rampartPort = await freePort(HOST);
  const largestBurst = Math.max(settings.withdrawals, settings.warmup);
  const doubles = await startDoubles({
    host: HOST,
    rampartPort,
    ledgerCloseMs: settings.ledgerCloseMs,
    transferSettleMs: settings.transferSettleMs,
    wallets: Math.ceil(largestBurst / OPERATIONS_PER_TRANSACTION_MAX),
    observedSenders: Math.min(
      OBSERVED_SENDERS_MAX,
      Math.ceil(settings.observedPayments / OPERATIONS_PER_TRANSACTION_MAX),
    ),
  });
  resources.doubles = doubles;
  process.stderr.write(`bench: preparing ${settings.observedPayments} payments to the observed account\n`);
  const prepareStart = performance.now();
  const observed = await withinMs(
    doubles.prepareObservedPayments(settings.observedPayments),
    bounds.observedPrepareMs,
    'preparing the observed payments',
  );
  const observedPrepareMs = Math.round(performance.now() - prepareStart);
  const plan: Plan = {
    observedPayments: settings.observedPayments,
    observedAccount: doubles.observedAccount,
    observedStroopsTotal: observed.stroopsTotal.toString(),
    withdrawals: settings.withdrawals,
    warmup: settings.warmup,
    concurrency: settings.concurrency,
    workerPollMs: WORKER_POLL_MS,
    bank: doubles.bank,
    observeTimeoutMs: bounds.observeMs,
    burstTimeoutMs: bounds.burstMs,
  };
  // A fresh prefix per run: nothing of an earlier run (a lease, a cached recipient) is found.
  const redisPrefix = `bench-withdrawals-${Date.now().toString(36)}:`;
  resources.redisPrefix = redisPrefix;
  const child = fork(fileURLToPath(new URL('./withdrawals-rampart.js', import.meta.url)), [], {
    env: {
      ...process.env,
      ...doubles.rampartEnv,
      DATABASE_URL: databaseUrl,
      RAMPART_DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      JWT_SECRET: randomBytes(32).toString('hex'),
      WORKER_CONCURRENCY: String(settings.concurrency),
      WORKER_POLL_MS: String(WORKER_POLL_MS),
      REDIS_KEY_PREFIX: redisPrefix,
      [PLAN_ENV]: JSON.stringify(plan),
      [LIFETIME_ENV]: String(bounds.totalMs),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  resources.child = child;
  const report = await runChild(child, doubles);
  const setup: Setup = {
    observedPayments: settings.observedPayments,
    observedTransactions: observed.transactions,
    observedPrepareMs,
    withdrawals: settings.withdrawals,
    warmup: settings.warmup,
    concurrency: settings.concurrency,
    workerPollMs: WORKER_POLL_MS,
    ledgerCloseMs: settings.ledgerCloseMs,
    transferSettleMs: settings.transferSettleMs,
    rateLimitPerMinute: RATE_LIMIT_PER_MINUTE,
  };
  printTable(report, setup);
  const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  process.stdout.write(`wrote ${writeResult(resultsDir, report, setup, start)}\n`);
}

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  const start: Start = { at: new Date(), machine: machine() };
  const load1m = os.loadavg()[0] ?? 0;
  if (load1m > os.availableParallelism() / 2) {
    process.stderr.write(
      `bench: warning: load average ${load1m.toFixed(2)} at start; other work will distort the figures\n`,
    );
  }
  const bounds = boundsOf(settings);
  const resources: Resources = {};
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: exceeded its bound of ${bounds.totalMs} ms; stopping\n`);
    resources.child?.kill('SIGKILL');
    // Still try to drop the scratch database, within a bound of its own.
    setTimeout(() => process.exit(1), ADMIN_TIMEOUT_MS).unref();
    void release(resources).finally(() => process.exit(1));
  }, bounds.totalMs);
  try {
    await run(settings, resources, start, bounds);
  } catch (error) {
    const invalid = error instanceof RunInvalidError ? 'the run is invalid: ' : '';
    process.stderr.write(`bench: ${invalid}${error instanceof Error ? error.message : String(error)}\n`);
    process.stderr.write('bench: no result written\n');
    process.exitCode = 1;
  } finally {
    await release(resources);
    clearTimeout(watchdog);
  }
}

await main();
