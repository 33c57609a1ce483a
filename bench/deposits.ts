/**
 * `npm run bench:deposits`: deposits completed per second end to end — from the Paystack webhook
 * arriving at Rampart to the payment confirmed on the Horizon double — against a baseline measured
 * in the same run on the same doubles, channels and database: the same number of raw payments
 * straight through the Stellar submitter ("the rail alone"). The figure that matters is the ratio
 * (GUIDE.md §6).
 *
 * This process is the outside world: it hosts the Horizon and Paystack doubles (startSandbox) and
 * pays on the Paystack double when Rampart's process asks. Rampart — app, worker, database client —
 * runs in a child (bench/deposits-rampart.ts), so the doubles' work does not share its event loop.
 * On PostgreSQL the run gets a scratch database, dropped afterwards; otherwise PGlite in a
 * temporary directory. A failed check fails the run loudly and writes no result. Every step is
 * bounded, and a watchdog ends the run if the sum of the bounds is ever exceeded.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabaseUrl, createScratchDatabase, freePort, integerSetting } from './support.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import {
  LIFETIME_ENV,
  PLAN_ENV,
  type ChildMessage,
  type ParentMessage,
  type Plan,
  type RampartReport,
} from './deposits-protocol.js';
import {
  latestHttpQuote,
  machine,
  printTable,
  writeResult,
  type Setup,
  type Start,
} from './deposits-report.js';

/** The configuration ceiling: the limiter still counts every webhook but never refuses one. */
const RATE_LIMIT_PER_MINUTE = 1_000_000;
const CHANNELS = 8;
const WORKER_POLL_MS = 20;
const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 120_000; // PGlite's first start takes seconds and ~1 GB peak
const STOP_TIMEOUT_MS = 15_000;
const ADMIN_TIMEOUT_MS = 10_000;
/** Preparation bound: a fixed allowance plus this much per deposit (a customer, an open, a checkout). */
const PREPARE_MS_BASE = 30_000;
const PREPARE_MS_PER_DEPOSIT = 250;
/** A burst's bound: a fixed allowance plus this much per deposit or payment. */
const BURST_MS_BASE = 30_000;
const BURST_MS_PER_ITEM = 300;

interface Settings {
  readonly deposits: number;
  readonly warmup: number;
  readonly concurrency: number;
  readonly ledgerCloseMs: number;
  readonly databaseUrl: string | undefined;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  return {
    deposits: integerSetting(env, 'BENCH_DEPOSITS', 200, 10, 2000),
    warmup: integerSetting(env, 'BENCH_WARMUP_DEPOSITS', 16, 0, 200),
    // WORKER_CONCURRENCY's own ceiling.
    concurrency: integerSetting(env, 'BENCH_CONCURRENCY', 16, 1, 64),
    ledgerCloseMs: integerSetting(env, 'BENCH_LEDGER_CLOSE_MS', 100, 10, 5000),
    databaseUrl: benchDatabaseUrl(env),
  };
}

/** Pays each reference on the double (each sends its charge.success webhook) and says when. */
function payAll(sandbox: Sandbox, references: readonly string[]): number[] {
  const sentAtMs: number[] = [];
  for (const reference of references) {
    sentAtMs.push(Date.now());
    sandbox.paystack.control.payTransaction(reference);
  }
  return sentAtMs;
}

class RunInvalidError extends Error {
  override readonly name = 'RunInvalidError';
}

/** Serves the child's pay requests until it reports; resolves with its report. */
function runChild(child: ChildProcess, sandbox: Sandbox): Promise<RampartReport> {
  return new Promise((resolve, reject) => {
    child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'pay': {
          let reply: ParentMessage;
          try {
            reply = { type: 'paid', id: message.id, sentAtMs: payAll(sandbox, message.references) };
          } catch (error) {
            reply = {
              type: 'payFailed',
              id: message.id,
              message: error instanceof Error ? error.message : String(error),
            };
          }
          child.send(reply);
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
  sandbox?: Sandbox;
  child?: ChildProcess;
  dropDatabase?: () => Promise<void>;
}

/** Releases in reverse order of acquisition; each step is attempted whatever the others did. */
async function release(resources: Resources): Promise<void> {
  if (resources.child !== undefined) await stopChild(resources.child);
  await resources.sandbox?.close().catch(() => undefined);
  await resources.dropDatabase?.().catch((error: unknown) => {
    process.stderr.write(`bench: could not drop the scratch database: ${String(error)}\n`);
  });
  if (resources.dir !== undefined) rmSync(resources.dir, { recursive: true, force: true });
}

function planOf(settings: Settings, wallet: string): Plan {
  return {
    deposits: settings.deposits,
    warmup: settings.warmup,
    concurrency: settings.concurrency,
    workerPollMs: WORKER_POLL_MS,
    wallet,
    burstTimeoutMs: BURST_MS_BASE + settings.deposits * BURST_MS_PER_ITEM,
  };
}

/** The whole run's bound: start, preparation, four bursts (two warm-ups, two measured), stop. */
function boundMsOf(settings: Settings, plan: Plan): number {
  const prepareMs = PREPARE_MS_BASE + (settings.deposits + settings.warmup) * PREPARE_MS_PER_DEPOSIT;
  return STARTUP_TIMEOUT_MS + prepareMs + 4 * plan.burstTimeoutMs + 2 * STOP_TIMEOUT_MS;
}

async function run(settings: Settings, resources: Resources, start: Start, boundMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-bench-deposits-'));
  resources.dir = dir;
  let databaseUrl = '';
  if (settings.databaseUrl !== undefined) {
    const scratch = await createScratchDatabase(settings.databaseUrl);
    resources.dropDatabase = scratch.drop;
    databaseUrl = scratch.url;
  }
  const rampartPort = await freePort(HOST);
  const sandbox = await startSandbox({
    host: HOST,
    rampartPort,
    manifestPath: join(dir, 'sandbox.json'),
    ngnCode: 'NGNC',
    usdcCode: 'USDC',
    channelCount: CHANNELS,
    usdcRateNgn: '1530.25',
    ledgerCloseMs: settings.ledgerCloseMs,
  });
  resources.sandbox = sandbox;
  const plan = planOf(settings, sandbox.manifest('').wallet.public);
  const child = fork(fileURLToPath(new URL('./deposits-rampart.js', import.meta.url)), [], {
    env: {
      ...process.env,
      ...sandbox.rampartEnv,
      DATABASE_URL: databaseUrl,
      RAMPART_DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      JWT_SECRET: randomBytes(32).toString('hex'),
      REDIS_KEY_PREFIX: `bench-deposits-${Date.now().toString(36)}:`,
      [PLAN_ENV]: JSON.stringify(plan),
      [LIFETIME_ENV]: String(boundMs),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  resources.child = child;
  const report = await runChild(child, sandbox);
  const setup: Setup = {
    deposits: settings.deposits,
    warmup: settings.warmup,
    concurrency: settings.concurrency,
    workerPollMs: WORKER_POLL_MS,
    channels: CHANNELS,
    ledgerCloseMs: settings.ledgerCloseMs,
    rateLimitPerMinute: RATE_LIMIT_PER_MINUTE,
  };
  const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  const quote = latestHttpQuote(resultsDir, report.database.kind);
  printTable(report, setup, quote);
  process.stdout.write(`wrote ${writeResult(resultsDir, report, setup, start, quote)}\n`);
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
  const boundMs = boundMsOf(settings, planOf(settings, ''));
  const resources: Resources = {};
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: exceeded its bound of ${boundMs} ms; stopping\n`);
    resources.child?.kill('SIGKILL');
    // Still try to drop the scratch database, within a bound of its own.
    setTimeout(() => process.exit(1), ADMIN_TIMEOUT_MS).unref();
    void release(resources).finally(() => process.exit(1));
  }, boundMs);
  try {
    await run(settings, resources, start, boundMs);
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
