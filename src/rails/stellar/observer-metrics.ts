/**
 * The observer's Prometheus metrics (deploy/monitoring/rules.yml alerts on
 * `rampart_observer_lag_seconds`). Lag is only exported by the leader: a follower observes nothing,
 * and its stale figure would fire the alert for an observer that is fine. When no process leads at
 * all (say, the lease store is down) no lag is exported anywhere, so `rampart_observer_leader`
 * (1 on the leader, 0 elsewhere) is what tells that nobody observes.
 */
import client from 'prom-client';
import type { Metrics } from '../../platform/metrics.js';
import type { RecordOutcome } from './observer-store.js';

export interface LagReading {
  readonly seconds: number;
  /** Null until Horizon's latest ledger is known. */
  readonly ledgers: number | null;
  /** The ledger every observed account is complete through (0: none confirmed yet). */
  readonly lastLedger: number | null;
}

export interface ObserverMetrics {
  recorded(outcome: RecordOutcome): void;
  leader(isLeader: boolean): void;
}

const OUTCOMES: readonly RecordOutcome[] = ['processed', 'quarantined', 'duplicate', 'ignored'];

/** `readLag` is called at scrape time; null when not leader or not measured yet. */
export function createObserverMetrics(
  metrics: Metrics | undefined,
  readLag: () => LagReading | null,
): ObserverMetrics {
  if (metrics === undefined) return { recorded: () => undefined, leader: () => undefined };
  const registers = [metrics.registry];
  const payments = new client.Counter({
    name: 'rampart_observer_payments_total',
    help: 'Payment records the Stellar observer handled, by outcome (duplicate: a replay, changed nothing; ignored: the account’s own outgoing operations).',
    labelNames: ['outcome'],
    registers,
  });
  for (const outcome of OUTCOMES) payments.inc({ outcome }, 0);
  const quarantined = new client.Counter({
    name: 'rampart_observer_quarantined_total',
    help: 'Payments the Stellar observer stored as quarantined (unreadable, unexpected asset, or the processing kept failing).',
    registers,
  });
  const leader = new client.Gauge({
    name: 'rampart_observer_leader',
    help: 'Whether this process is the Stellar observer leader (1) or not (0).',
    registers,
  });
  leader.set(0);
  const lag = [
    lagGauge(
      'rampart_observer_lag_seconds',
      'How far behind the network the Stellar observer is, in seconds (from the latest ledger’s close time).',
      () => readLag()?.seconds,
    ),
    lagGauge(
      'rampart_observer_lag_ledgers',
      'How many ledgers behind the network the Stellar observer is.',
      () => readLag()?.ledgers,
    ),
    lagGauge(
      'rampart_observer_last_ledger',
      'The ledger up to which every observed account is complete.',
      () => readLag()?.lastLedger,
    ),
  ];
  return {
    recorded(outcome) {
      payments.inc({ outcome });
      if (outcome === 'quarantined') quarantined.inc();
    },
    leader(isLeader) {
      leader.set(isLeader ? 1 : 0);
      // The lag series exist only while this process leads (absent, not 0, elsewhere).
      for (const gauge of lag) {
        const name = gauge.name;
        const registered = metrics.registry.getSingleMetric(name) !== undefined;
        if (isLeader && !registered) metrics.registry.registerMetric(gauge.metric);
        if (!isLeader && registered) metrics.registry.removeSingleMetric(name);
      }
    },
  };
}

/** Not registered until this process leads; an unknown value while leading is NaN. */
function lagGauge(
  name: string,
  help: string,
  read: () => number | null | undefined,
): { name: string; metric: client.Gauge } {
  const metric = new client.Gauge({
    name,
    help,
    registers: [],
    collect() {
      const value = read();
      this.set(value === undefined || value === null ? Number.NaN : value);
    },
  });
  return { name, metric };
}
