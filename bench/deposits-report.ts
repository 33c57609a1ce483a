/**
 * What bench/deposits.ts prints and writes: the table, the JSON result next to the HTTP one in
 * bench/results/, and the foundation HTTP baseline quoted from the latest HTTP result file.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Percentiles, RampartReport } from './deposits-protocol.js';

export interface Setup {
  readonly deposits: number;
  readonly warmup: number;
  readonly concurrency: number;
  readonly workerPollMs: number;
  readonly channels: number;
  readonly ledgerCloseMs: number;
  readonly rateLimitPerMinute: number;
}

/** What the run started on; noted at the start so the load average is the one the run met. */
export interface Start {
  readonly at: Date;
  readonly machine: Record<string, unknown>;
}

export interface HttpQuote {
  readonly file: string;
  readonly date: string;
  readonly databaseKind: string;
  readonly pairs: readonly {
    readonly name: string;
    readonly baselineRequestsPerSecond: number;
    readonly rampartRequestsPerSecond: number;
    readonly ratio: number;
  }[];
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function machine(): Record<string, unknown> {
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

interface HttpResultFile {
  date?: unknown;
  database?: { kind?: unknown };
  results?: {
    name?: unknown;
    ratio?: unknown;
    baseline?: { requestsPerSecond?: unknown };
    rampart?: { requestsPerSecond?: unknown };
  }[];
}

function quoteOf(file: string, parsed: HttpResultFile): HttpQuote | undefined {
  if (typeof parsed.date !== 'string' || !Array.isArray(parsed.results)) return undefined;
  return {
    file,
    date: parsed.date,
    databaseKind: typeof parsed.database?.kind === 'string' ? parsed.database.kind : 'unknown',
    pairs: parsed.results.map((r) => ({
      name: String(r.name),
      baselineRequestsPerSecond: Number(r.baseline?.requestsPerSecond),
      rampartRequestsPerSecond: Number(r.rampart?.requestsPerSecond),
      ratio: Number(r.ratio),
    })),
  };
}

/**
 * The latest HTTP result (by its own date) on the same database kind, else the latest of any kind;
 * undefined when there is none. Only quoted: it was measured in another run.
 */
export function latestHttpQuote(resultsDir: string, databaseKind: string): HttpQuote | undefined {
  let files: string[];
  try {
    files = readdirSync(resultsDir).filter((f) => /^http-.*\.json$/.test(f));
  } catch {
    return undefined;
  }
  const quotes: HttpQuote[] = [];
  for (const file of files) {
    try {
      const quote = quoteOf(file, JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as HttpResultFile);
      if (quote !== undefined) quotes.push(quote);
    } catch {
      // An unreadable result file is not this bench's concern: it is simply not quoted.
    }
  }
  quotes.sort((a, b) => b.date.localeCompare(a.date));
  return quotes.find((q) => q.databaseKind === databaseKind) ?? quotes[0];
}

function ms(p: Percentiles): string {
  return `${Math.round(p.p50)} / ${Math.round(p.p95)}`;
}

/** Deposits per second once the first Stellar payment started: how much of the rail the flow used. */
export function deliveryWindowPerSecond(report: RampartReport): number {
  const m = report.deposits.milestonesMs;
  return round(report.deposits.deposits / ((m.allCompletedMs - m.firstSendingMs) / 1000), 2);
}

export function ratioOf(report: RampartReport): number {
  return round(report.deposits.perSecond / report.baseline.perSecond, 3);
}

export function printTable(report: RampartReport, setup: Setup, quote: HttpQuote | undefined): void {
  const b = report.baseline;
  const d = report.deposits;
  const s = d.stagesMs;
  const lines = [
    `database: ${report.database.kind} ${report.database.serverVersion} (pool ${report.database.poolMax}), kv: ${report.kv}; ` +
      `${setup.channels} channel accounts, Horizon double ledger close ${setup.ledgerCloseMs} ms; ` +
      `worker ${setup.concurrency} slots, poll ${setup.workerPollMs} ms`,
    `${d.deposits} deposits of ₦${d.amountNgnEach} paid at once (after ${setup.warmup} warm-up); baseline: ${b.payments} raw payments, ${b.concurrency} in flight`,
    '',
    'side      measured                                  per s   p50 / p95 ms   ratio',
    `baseline  raw payments via the submitter         ${b.perSecond.toFixed(2).padStart(8)}   ${ms(b.latencyMs).padStart(12)}`,
    `rampart   deposits, webhook sent → completed     ${d.perSecond.toFixed(2).padStart(8)}   ${ms(d.latencyMs).padStart(12)}   ${ratioOf(report).toFixed(2)}`,
    '',
    `one baseline submitPayment call (p50 / p95 ms): ${ms(b.callMs)}`,
    `deposit stages (p50 / p95 ms): webhook stored ${ms(s.webhookStoredMs)}, credited ${ms(s.creditedMs)}, ` +
      `delivery started ${ms(s.sendingMs)}, on Stellar ${ms(s.onStellarMs)}`,
    `deposit milestones (ms after the first webhook): all stored ${d.milestonesMs.allStoredMs}, ` +
      `all credited ${d.milestonesMs.allCreditedMs}, first Stellar payment started ${d.milestonesMs.firstSendingMs}, ` +
      `all completed ${d.milestonesMs.allCompletedMs} (${deliveryWindowPerSecond(report).toFixed(2)}/s from the first payment on)`,
    `deposit jobs: ${d.jobs.run} run, ${d.jobs.retried} retried; ` +
      `Rampart's process CPU (cores busy): baseline ${b.rampartCpu.cores.toFixed(2)}, deposits ${d.rampartCpu.cores.toFixed(2)}`,
    'ratio = deposits/s ÷ baseline payments/s, both measured in this run; latency counts from the burst start',
  ];
  if (quote === undefined) lines.push('HTTP baseline: no bench/results/http-*.json to quote');
  else {
    const pairs = quote.pairs.map(
      (p) =>
        `${p.name} ${p.baselineRequestsPerSecond} → ${p.rampartRequestsPerSecond} req/s (ratio ${p.ratio.toFixed(2)})`,
    );
    lines.push(
      `HTTP baseline, quoted from bench/results/${quote.file} (${quote.databaseKind}, measured by bench/http.ts at ${quote.date}, not in this run): ${pairs.join('; ')}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function writeResult(
  resultsDir: string,
  report: RampartReport,
  setup: Setup,
  start: Start,
  quote: HttpQuote | undefined,
): string {
  mkdirSync(resultsDir, { recursive: true });
  const day = start.at.toISOString().slice(0, 10);
  const suffix = report.database.kind === 'pglite' ? '-embedded' : '';
  const path = join(resultsDir, `deposits-${day}${suffix}.json`);
  const result = {
    benchmark: 'deposits',
    date: start.at.toISOString(),
    machine: start.machine,
    database: report.database,
    kv: report.kv,
    rampart: {
      version: report.rampartVersion,
      logLevel: 'silent',
      rateLimitPerMinute: setup.rateLimitPerMinute,
      notes: [
        'LOG_LEVEL=silent: log calls run but write nothing, so logging cost is not measured',
        'the Horizon and Paystack doubles run in the bench process; Rampart (app, worker, database client) in a child',
        'app and worker share one process and one database pool, like `rampart serve` with its worker',
        'the rate limiter counts every webhook (the real path) but its limit is never reached',
      ],
    },
    setup: {
      deposits: setup.deposits,
      warmup: setup.warmup,
      depositAmountNgn: report.deposits.amountNgnEach,
      channels: setup.channels,
      ledgerCloseMs: setup.ledgerCloseMs,
      workerConcurrency: setup.concurrency,
      workerPollMs: setup.workerPollMs,
      baselineConcurrency: report.baseline.concurrency,
      stellar: report.stellar,
      order: 'prepare (not timed); baseline warm-up, baseline; worker start, deposit warm-up, deposits',
    },
    preparation: report.preparation,
    warmup: report.warmup,
    results: {
      baseline: {
        measures: 'raw payments through the Stellar submitter: the rail alone',
        ...report.baseline,
      },
      deposits: {
        measures:
          'deposits end to end: Paystack webhook sent → Stellar payment confirmed and deposit completed',
        ...report.deposits,
        deliveryWindowPerSecond: deliveryWindowPerSecond(report),
      },
      ratio: ratioOf(report),
    },
    checks: report.checks,
    httpBaselineQuoted: quote ?? null,
  };
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
