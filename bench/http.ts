/**
 * `npm run bench`: Rampart's HTTP path against a bare-Fastify baseline on the same machine, the
 * same database and the same pool size, measured in the same run. The figure that matters is the
 * ratio (GUIDE.md §6): absolute req/s on a shared 2-core machine move by ±35 % between runs.
 *
 * The servers run in a child process (bench/http-servers.ts); this process only generates load
 * with autocannon, one target at a time: warm-up, then the measured run. Any error, timeout or
 * non-2xx answer (a 429 from the limiter, a 503 from readiness) invalidates the run: it fails
 * loudly and writes no result file. Every step is bounded, and a watchdog ends the run if the sum
 * of the bounds is ever exceeded.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { integerSetting } from './support.js';
import { LIFETIME_ENV, type ServersMessage, type ServersReady } from './http-protocol.js';

/**
 * The configuration ceiling of RATE_LIMIT_PER_MINUTE. With it the limiter still counts every request
 * (the real code path) but 50 connections on this machine stay well below it in one minute.
 */
const RATE_LIMIT_PER_MINUTE = 1_000_000;
const STARTUP_TIMEOUT_MS = 120_000; // PGlite's first start takes seconds and ~1 GB peak
const STOP_TIMEOUT_MS = 15_000;
const CHECK_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_S = 10;
const RUN_SLACK_S = 5;

interface Settings {
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly databaseUrl: string | undefined;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const url = env['BENCH_DATABASE_URL']?.trim() ?? env['DATABASE_URL']?.trim() ?? '';
  return {
    durationS: integerSetting(env, 'BENCH_DURATION_S', 10, 1, 300),
    warmupS: integerSetting(env, 'BENCH_WARMUP_S', 3, 0, 60),
    connections: integerSetting(env, 'BENCH_CONNECTIONS', 50, 1, 1000),
    databaseUrl: url === '' ? undefined : url,
  };
}

/** What one target is compared with. `rampart` runs the real app; `baseline` the bare one. */
interface Pair {
  readonly name: string;
  readonly measures: string;
  readonly baselinePath: string;
  readonly rampartPath: string;
}

const PAIRS: readonly Pair[] = [
  {
    name: 'live',
    measures: 'framework + security baseline (helmet, CORS, rate limit, request id, metrics), no I/O',
    baselinePath: '/live',
    rampartPath: '/health/live',
  },
  {
    name: 'db',
    measures: 'database-backed route: Rampart pings the database and checks migration status',
    baselinePath: '/select1',
    rampartPath: '/health/ready',
  },
];

interface Measurement {
  readonly path: string;
  readonly requestsPerSecond: number;
  readonly requestsTotal: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p99: number;
    readonly mean: number;
    readonly max: number;
  };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodes: Record<string, number>;
}

interface PairResult {
  readonly name: string;
  readonly measures: string;
  readonly baseline: Measurement;
  readonly rampart: Measurement;
  /** rampart req/s ÷ baseline req/s. */
  readonly ratio: number;
}

class RunInvalidError extends Error {
  override readonly name = 'RunInvalidError';
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function summarize(result: autocannon.Result): Measurement {
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = stats.count ?? 0;
  }
  return {
    // The path only: the ports are ephemeral and say nothing about the result.
    path: new URL(result.url).pathname,
    requestsPerSecond: round(result.requests.average, 0),
    requestsTotal: result.requests.total,
    latencyMs: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: round(result.latency.mean, 2),
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}

function assertClean(measurement: Measurement, label: string): void {
  const failures = measurement.errors + measurement.timeouts + measurement.non2xx;
  if (failures === 0 && measurement.requestsTotal > 0) return;
  const codes = JSON.stringify(measurement.statusCodes);
  throw new RunInvalidError(
    `${label}: ${measurement.requestsTotal} requests, ${measurement.errors} errors, ` +
      `${measurement.timeouts} timeouts, ${measurement.non2xx} non-2xx (status codes ${codes}). ` +
      'The run is invalid: a 429 means the rate limiter refused (shorten BENCH_DURATION_S), ' +
      'a 503 means readiness failed (is the database healthy?).',
  );
}

async function load(url: string, durationS: number, connections: number): Promise<Measurement> {
  const result = await autocannon({ url, connections, duration: durationS, timeout: REQUEST_TIMEOUT_S });
  return summarize(result);
}

/** Warm-up (JIT, pools, caches), then the measured run; both must be clean. */
async function measure(url: string, label: string, settings: Settings): Promise<Measurement> {
  if (settings.warmupS > 0) {
    assertClean(await load(url, settings.warmupS, settings.connections), `${label} (warm-up)`);
  }
  const measurement = await load(url, settings.durationS, settings.connections);
  assertClean(measurement, label);
  return measurement;
}

/** One request before any load: the target answers 200 with `status: ok`, and Rampart's limiter is on. */
async function checkTarget(url: string, expectedRateLimit: number | undefined): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  const body = (await response.json()) as { status?: unknown };
  if (response.status !== 200 || body.status !== 'ok') {
    throw new RunInvalidError(`${url} answered ${response.status} ${JSON.stringify(body)} before the run`);
  }
  if (expectedRateLimit === undefined) return;
  const limit = response.headers.get('x-ratelimit-limit');
  if (limit !== String(expectedRateLimit)) {
    throw new RunInvalidError(`${url} should carry x-ratelimit-limit ${expectedRateLimit}, got ${limit}`);
  }
}

function startServers(settings: Settings, lifetimeMs: number): ChildProcess {
  const serverPath = fileURLToPath(new URL('./http-servers.js', import.meta.url));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: settings.databaseUrl ?? '',
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
    LOG_LEVEL: 'silent',
    // Rate-limit counters in Redis outlive a run by up to a minute: a fresh prefix per run.
    REDIS_KEY_PREFIX: `bench-${Date.now().toString(36)}:`,
    [LIFETIME_ENV]: String(lifetimeMs),
  };
  return fork(serverPath, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function waitReady(child: ChildProcess): Promise<ServersReady> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`servers not ready within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    child.once('message', (message: ServersMessage) => {
      clearTimeout(timer);
      if (message.type === 'ready') resolve(message);
      else reject(new Error(`servers failed to start: ${message.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`servers exited with code ${code} before they were ready`));
    });
  });
}

/** Disconnecting asks the child to close its servers and pools; SIGKILL if it takes too long. */
async function stopServers(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  if (child.connected) child.disconnect();
  else child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      resolve('late');
    }, STOP_TIMEOUT_MS);
  });
  if ((await Promise.race([exited, late])) === 'late') child.kill('SIGKILL');
  clearTimeout(timer);
}

function machine(): Record<string, unknown> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryTotalGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    // Other work on the machine is the main source of noise: record how busy it was.
    loadAverage1mAtStart: round(os.loadavg()[0] ?? 0, 2),
  };
}

function autocannonVersion(): string {
  const manifest: unknown = createRequire(import.meta.url)('autocannon/package.json');
  assert(typeof manifest === 'object' && manifest !== null && 'version' in manifest);
  return String(manifest.version);
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join('  ');
}

function printTable(ready: ServersReady, settings: Settings, results: readonly PairResult[]): void {
  const header = ['pair', 'server', 'path', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'ratio'];
  const rows: string[][] = [];
  for (const pair of results) {
    for (const side of ['baseline', 'rampart'] as const) {
      const m = pair[side];
      rows.push([
        pair.name,
        side,
        m.path,
        String(m.requestsPerSecond),
        String(m.latencyMs.p50),
        String(m.latencyMs.p99),
        String(m.errors + m.timeouts),
        String(m.non2xx),
        side === 'rampart' ? pair.ratio.toFixed(2) : '',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const lines = [
    `database: ${ready.databaseKind} ${ready.databaseVersion} (pool ${ready.databasePoolMax}), kv: ${ready.kvKind}, ` +
      `${settings.connections} connections, ${settings.warmupS} s warm-up + ${settings.durationS} s per target`,
    pad(header, widths),
    ...rows.map((r) => pad(r, widths)),
    'ratio = rampart req/s ÷ baseline req/s (noise on a shared 2-core machine: ±35 % on absolutes)',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** What the run started on; noted at the start so the load average is the one the run met. */
interface Start {
  readonly at: Date;
  readonly machine: Record<string, unknown>;
}

function writeResult(
  ready: ServersReady,
  settings: Settings,
  results: readonly PairResult[],
  start: Start,
): string {
  const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const day = start.at.toISOString().slice(0, 10);
  const suffix = ready.databaseKind === 'pglite' ? '-embedded' : '';
  const path = `${resultsDir}http-${day}${suffix}.json`;
  const report = {
    benchmark: 'http',
    date: start.at.toISOString(),
    machine: start.machine,
    database: {
      kind: ready.databaseKind,
      serverVersion: ready.databaseVersion,
      poolMax: ready.databasePoolMax,
    },
    kv: ready.kvKind,
    rampart: {
      version: ready.rampartVersion,
      logLevel: ready.logLevel,
      rateLimitPerMinute: ready.rateLimitPerMinute,
      notes: [
        'LOG_LEVEL=silent: the per-request log call runs but writes nothing, so logging cost is not measured',
        'the rate limiter counts every request (the real path) but its limit is never reached',
        ready.kvKind === 'redis'
          ? 'rate-limit counters and /health/ready go to Redis'
          : 'rate-limit counters in memory',
      ],
    },
    load: {
      tool: `autocannon ${autocannonVersion()}`,
      connections: settings.connections,
      warmupS: settings.warmupS,
      durationS: settings.durationS,
      requestTimeoutS: REQUEST_TIMEOUT_S,
      order: 'one target at a time; per pair: baseline, then rampart',
    },
    results,
  };
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

async function run(child: ChildProcess, settings: Settings, start: Start): Promise<void> {
  const ready = await waitReady(child);
  const rampartBase = `http://127.0.0.1:${ready.rampartPort}`;
  const baselineBase = `http://127.0.0.1:${ready.baselinePort}`;
  for (const pair of PAIRS) {
    await checkTarget(`${baselineBase}${pair.baselinePath}`, undefined);
    await checkTarget(`${rampartBase}${pair.rampartPath}`, ready.rateLimitPerMinute);
  }
  const results: PairResult[] = [];
  try {
    for (const pair of PAIRS) {
      process.stderr.write(
        `measuring ${pair.name}: baseline ${pair.baselinePath}, rampart ${pair.rampartPath}\n`,
      );
      const baseline = await measure(
        `${baselineBase}${pair.baselinePath}`,
        `baseline ${pair.baselinePath}`,
        settings,
      );
      const rampart = await measure(
        `${rampartBase}${pair.rampartPath}`,
        `rampart ${pair.rampartPath}`,
        settings,
      );
      const ratio = round(rampart.requestsPerSecond / baseline.requestsPerSecond, 3);
      results.push({ name: pair.name, measures: pair.measures, baseline, rampart, ratio });
    }
  } finally {
    if (results.length > 0) printTable(ready, settings, results);
  }
  process.stdout.write(`wrote ${writeResult(ready, settings, results, start)}\n`);
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
  const perTargetS = settings.warmupS + settings.durationS + 2 * REQUEST_TIMEOUT_S + RUN_SLACK_S;
  const boundMs = STARTUP_TIMEOUT_MS + 2 * PAIRS.length * perTargetS * 1000 + STOP_TIMEOUT_MS;
  const child = startServers(settings, boundMs + STOP_TIMEOUT_MS);
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: exceeded its bound of ${boundMs} ms; stopping\n`);
    child.kill('SIGKILL');
    process.exit(1);
  }, boundMs);
  try {
    await run(child, settings, start);
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await stopServers(child);
    clearTimeout(watchdog);
  }
}

await main();
