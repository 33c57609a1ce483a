/**
 * What bench/withdrawals.ts prints and writes: the table, and the JSON result next to the others
 * in bench/results/ (`withdrawals-<date>.json`, `-embedded` on PGlite).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { BracketedSide, ObserveSide, Percentiles, RampartReport } from './withdrawals-protocol.js';

export interface Setup {
  readonly observedPayments: number;
  readonly observedTransactions: number;
  readonly observedPrepareMs: number;
  readonly withdrawals: number;
  readonly warmup: number;
  readonly concurrency: number;
  readonly workerPollMs: number;
  readonly ledgerCloseMs: number;
  readonly transferSettleMs: number;
  readonly rateLimitPerMinute: number;
}

/** What the run started on; noted at the start so the load average is the one the run met. */
export interface Start {
  readonly at: Date;
  readonly machine: Record<string, unknown>;
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

function ms(p: Percentiles): string {
  return `${Math.round(p.p50)} / ${Math.round(p.p95)}`;
}

function passes(side: BracketedSide): string {
  return `(passes ${side.passesPerSecond.map((p) => p.toFixed(0)).join(' and ')})`;
}

function observeRow(name: string, side: ObserveSide, ratio: string): string {
  return `${name.padEnd(30)} ${side.perSecond.toFixed(0).padStart(8)}  ${side.msPerPayment.toFixed(3).padStart(9)}  ${side.rampartCpu.cores.toFixed(2).padStart(5)}  ${String(side.eventLoopStallMsMax).padStart(8)}  ${ratio}`;
}

export function printTable(report: RampartReport, setup: Setup): void {
  const o = report.observer;
  const t = report.transfers;
  const f = report.flow;
  const m = f.milestonesMs;
  const s = f.stagesMs;
  const lines = [
    `database: ${report.database.kind} ${report.database.serverVersion} (pool ${report.database.poolMax}), kv: ${report.kv}; ` +
      `Horizon double ledger close ${setup.ledgerCloseMs} ms; Paystack double settles transfers after ${setup.transferSettleMs} ms; ` +
      `worker ${setup.concurrency} slots, poll ${setup.workerPollMs} ms`,
    '',
    `1. observer: ${o.payments} payments already on Horizon (${setup.observedTransactions} transactions), pages of ${o.pageLimit}`,
    'side                           payments/s  ms/payment  cores  stall ms  ratio',
    observeRow('baseline: read only', o.readOnly, passes(o.readOnly)),
    observeRow('baseline: read + bare insert', o.readInsert, passes(o.readInsert)),
    observeRow(
      'observer (trivial callback)',
      o.observer,
      `${o.ratio.toFixed(2)} (÷ read only ${o.ratioToReadOnly.toFixed(2)})`,
    ),
    `   observer: leader after ${o.observer.leaderAfterMs} ms; counts ${JSON.stringify(o.observer.counts)}`,
    '',
    `2. withdrawals: ${f.withdrawals} of ${f.amountEach} NGNC paid at once in ${f.walletTransactions} wallet transactions (after ${setup.warmup} warm-up); ` +
      `baseline: ${t.transfers} Paystack transfers, ${t.concurrency} in flight`,
    'side                                           per s   p50 / p95 ms   cores  stall ms  ratio',
    `baseline: transfers via PaystackClient     ${t.perSecond.toFixed(2).padStart(9)}   ${ms(t.latencyMs).padStart(12)}   ${t.rampartCpu.cores.toFixed(2).padStart(5)}  ${String(t.eventLoopStallMsMax).padStart(8)}`,
    `withdrawals: paid on Stellar → completed   ${f.perSecond.toFixed(2).padStart(9)}   ${ms(f.latencyMs).padStart(12)}   ${f.rampartCpu.cores.toFixed(2).padStart(5)}  ${String(f.eventLoopStallMsMax).padStart(8)}  ${report.flowRatio.toFixed(2)}`,
    `   baseline: recipient + initiate ${ms(t.initiateMs)} ms (p50 / p95), ${t.verifyCalls} verify calls while the bank settled`,
    `   withdrawal stages (p50 / p95 ms): observed ${ms(s.observedMs)}, payout initiated ${ms(s.payoutMs)}, settled ${ms(s.settledMs)}`,
    `   milestones (ms after the first wallet transaction): all confirmed ${m.allConfirmedMs}, all observed ${m.allObservedMs}, ` +
      `first payout ${m.firstPayoutMs}, all payouts ${m.allPayoutsMs}, all completed ${m.allCompletedMs}`,
    `   jobs of the burst: ${Object.entries(f.jobs)
      .map(([type, j]) => `${type} ${j.run} (${j.retried} retried)`)
      .join(', ')}`,
    'ratios: observer ÷ read + bare insert, withdrawals/s ÷ baseline transfers/s; each baseline measured in this run',
    "cores: Rampart's process CPU over the phase; stall ms: the longest its event loop ran no timer (HTTP, worker polls, lease renewals wait that long)",
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function writeResult(resultsDir: string, report: RampartReport, setup: Setup, start: Start): string {
  mkdirSync(resultsDir, { recursive: true });
  const day = start.at.toISOString().slice(0, 10);
  const suffix = report.database.kind === 'pglite' ? '-embedded' : '';
  const path = join(resultsDir, `withdrawals-${day}${suffix}.json`);
  const result = {
    benchmark: 'withdrawals',
    date: start.at.toISOString(),
    machine: start.machine,
    database: report.database,
    kv: report.kv,
    rampart: {
      version: report.rampartVersion,
      logLevel: 'silent',
      rateLimitPerMinute: setup.rateLimitPerMinute,
      observerLeaseTtlMs: report.observerLeaseTtlMs,
      notes: [
        'LOG_LEVEL=silent: log calls run but write nothing, so logging cost is not measured',
        'the Horizon and Paystack doubles and the paying wallets run in the bench process; Rampart (app, jobs, database client) in a child',
        'the jobs are those of `rampart serve` with a worker (startJobs: outbox worker, schedule, withdrawal observer), sharing one process and one database pool with the app',
        'each wallet transaction pays up to 100 withdrawals, each operation to the muxed address (receiving account + the withdrawal memo as id)',
        'every payout goes to the same bank account, so the Paystack recipient is cached in the kv store after the first one, in the baseline and in the flow alike',
      ],
    },
    setup: {
      observedPayments: setup.observedPayments,
      observedTransactions: setup.observedTransactions,
      withdrawals: setup.withdrawals,
      warmup: setup.warmup,
      withdrawalAmount: report.flow.amountEach,
      ledgerCloseMs: setup.ledgerCloseMs,
      transferSettleMs: setup.transferSettleMs,
      workerConcurrency: setup.concurrency,
      workerPollMs: setup.workerPollMs,
      baselineConcurrency: report.transfers.concurrency,
      order:
        'observed payments prepared (not timed); observer warm-up pass, read only, read + insert, observer, read + insert, read only; ' +
        'withdrawals prepared (not timed); transfer warm-up, transfers; jobs start, withdrawal warm-up, withdrawals',
    },
    preparation: {
      observedPayments: { payments: setup.observedPayments, ms: setup.observedPrepareMs },
      withdrawals: report.preparation,
    },
    results: {
      observer: report.observer,
      withdrawals: {
        baseline: {
          measures:
            'Paystack transfers straight through PaystackClient: recipient, initiate, verify until success — the rail alone',
          ...report.transfers,
        },
        flow: {
          measures:
            'withdrawals end to end: wallet transaction sent → observed and matched → payout job → transfer.success → completed',
          ...report.flow,
        },
        ratio: report.flowRatio,
      },
    },
    checks: report.checks,
  };
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
