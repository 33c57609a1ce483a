/**
 * Database monitoring for Prometheus: connections, size, cache hit ratio, slow statements,
 * replication lag and transactions waiting in a status — read from PostgreSQL's statistics views
 * when Prometheus scrapes.
 *
 * A scrape must never fail or hang because the database is slow or away (readiness reports that),
 * so every reading is bounded three ways: one collection runs at a time inside one transaction
 * whose statements carry their own short statement timeout; the scrape waits for it only so long;
 * and a result is reused for a few seconds, so two scrapes in a row (serve and worker scraped
 * together, or a dashboard refresh) query the database once. Each probe runs under its own
 * savepoint: a view that is missing, unreadable or slow takes out only its own metrics. A failing
 * probe is logged when it starts failing and when it recovers — not on every scrape.
 *
 * Works on PostgreSQL and PGlite. PGlite has no pg_stat_statements: those gauges are absent there,
 * as on any server without the extension loaded through shared_preload_libraries.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isFinal, TRANSACTION_STATUSES } from '../domain/transaction-status.js';
import type { Database } from './db/database.js';
import type { Tables } from './db/schema.js';
import type { Metrics } from './metrics.js';

/** How long one collection is reused: well under any scrape interval, longer than a burst of scrapes. */
export const DB_MONITORING_CACHE_MS = 5000;
/** statement_timeout for each monitoring statement: they are all cheap, a slow one means trouble. */
const STATEMENT_TIMEOUT_MS = 2000;
/** How long a scrape waits for a collection; below Prometheus's default 10 s scrape timeout. */
const COLLECT_TIMEOUT_MS = 3000;
/** A statement must have run this often to count as slow: a one-off (a migration) is not a trend. */
export const SLOW_STATEMENT_CALLS_MIN = 5;
/** Counting stops here per status, so a pile of abandoned rows cannot make the scrape expensive. */
export const TRANSACTIONS_COUNTED_MAX = 100_000;
/** Standbys reported from pg_stat_replication. */
const REPLICAS_MAX = 32;

/** Statuses a transaction can sit in while Rampart or the customer still owes a step. */
export const WAITING_STATUSES = TRANSACTION_STATUSES.filter((status) => !isFinal(status));

export type ProbeName =
  'connections' | 'settings' | 'size' | 'cache' | 'statements' | 'replication' | 'transactions';

/** `unsupported`: this database cannot answer (no pg_stat_statements); its gauges are left out. */
export type ProbeStatus = 'ok' | 'failed' | 'unsupported';

interface Sample<L extends string> {
  readonly labels: Record<L, string>;
  readonly value: number;
}

export interface Readings {
  connections: readonly Sample<'state'>[];
  serverConnections: number;
  connectionsMax: number;
  sizeBytes: number;
  cacheHitRatio: number;
  slowStatements: number;
  statementMeanSecondsMax: number;
  replicationLagSeconds: readonly Sample<'replica'>[];
  transactions: readonly Sample<'status'>[];
  transactionsOldestAgeSeconds: readonly Sample<'status'>[];
}

export interface DatabaseSnapshot {
  /** current_database(): the `database` label of the database-wide gauges; unknown when unreachable. */
  readonly database?: string;
  readonly readings: Partial<Readings>;
  readonly probes: ReadonlyMap<ProbeName, ProbeStatus>;
}

export interface DatabaseMonitor {
  /** The latest readings; never rejects — what could not be read is simply missing. */
  snapshot(): Promise<DatabaseSnapshot>;
}

export interface DatabaseMonitorOptions {
  /** SLOW_QUERY_MS: statements whose mean run time is above it count as slow. */
  readonly slowQueryMs: number;
  readonly cacheMs?: number;
  readonly statementTimeoutMs?: number;
  readonly collectTimeoutMs?: number;
  /** Clock in ms, for tests of the cache. */
  readonly now?: () => number;
}

type Trx = Kysely<Tables>;

interface Probe {
  readonly name: ProbeName;
  /** Resolves with the readings, or undefined when this database cannot provide them. */
  read(trx: Trx, slowQueryMs: number): Promise<Partial<Readings> | undefined>;
  /** Errors that mean "not available here" rather than "broken". */
  readonly unsupportedWhen?: (error: unknown) => boolean;
}

export function createDatabaseMonitor(
  database: Database,
  logger: Logger,
  options: DatabaseMonitorOptions,
): DatabaseMonitor {
  const cacheMs = options.cacheMs ?? DB_MONITORING_CACHE_MS;
  const statementTimeoutMs = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
  const collectTimeoutMs = options.collectTimeoutMs ?? COLLECT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const reporter = statusReporter(logger);
  let cached: { readonly at: number; readonly snapshot: DatabaseSnapshot } | undefined;
  // Every caller waits for the same deadline (on the monotonic clock), so the gauges of one scrape —
  // and later scrapes while a stuck collection is still running — never add their waits up.
  let inflight: { readonly promise: Promise<DatabaseSnapshot>; readonly deadline: number } | undefined;

  const collectAndCache = async (): Promise<DatabaseSnapshot> => {
    try {
      const snapshot = await collect(database.db, options.slowQueryMs, statementTimeoutMs, reporter);
      cached = { at: now(), snapshot };
      return snapshot;
    } finally {
      inflight = undefined;
    }
  };

  return {
    async snapshot() {
      if (cached !== undefined && now() - cached.at < cacheMs) return cached.snapshot;
      // One collection at a time: a slow database gets one monitoring transaction, not a pile.
      inflight ??= { promise: collectAndCache(), deadline: performance.now() + collectTimeoutMs };
      const waitMs = Math.max(0, inflight.deadline - performance.now());
      const snapshot = await settleWithin(inflight.promise, waitMs);
      if (snapshot !== undefined) {
        reporter.timedOut(false, collectTimeoutMs);
        return snapshot;
      }
      reporter.timedOut(true, collectTimeoutMs);
      return { readings: {}, probes: new Map(PROBES.map((probe) => [probe.name, 'failed'])) };
    },
  };
}

interface Collection {
  database: string | undefined;
  readonly readings: Partial<Readings>;
  readonly probes: Map<ProbeName, ProbeStatus>;
}

async function collect(
  db: Kysely<Tables>,
  slowQueryMs: number,
  statementTimeoutMs: number,
  reporter: StatusReporter,
): Promise<DatabaseSnapshot> {
  const collection: Collection = { database: undefined, readings: {}, probes: new Map() };
  try {
    // Read only on PostgreSQL (the embedded dialect ignores the mode): monitoring never writes.
    await db
      .transaction()
      .setAccessMode('read only')
      .execute((trx) => runProbes(trx, collection, { slowQueryMs, statementTimeoutMs, reporter }));
  } catch (error) {
    // The transaction itself failed (database away, connection lost): what did not run failed.
    for (const probe of PROBES) {
      if (collection.probes.has(probe.name)) continue;
      collection.probes.set(probe.name, 'failed');
      reporter.probe(probe.name, 'failed', error);
    }
  }
  const { database, readings, probes } = collection;
  return database === undefined ? { readings, probes } : { database, readings, probes };
}

/** Runs every probe in `trx`, each under a savepoint so one failure leaves the others running. */
async function runProbes(
  trx: Trx,
  collection: Collection,
  context: { slowQueryMs: number; statementTimeoutMs: number; reporter: StatusReporter },
): Promise<void> {
  const opened = await sql<{ name: string }>`
    select current_database() as name,
      set_config('statement_timeout', ${String(context.statementTimeoutMs)}, true) as timeout`.execute(trx);
  collection.database = opened.rows[0]?.name;
  for (const probe of PROBES) {
    await sql`savepoint rampart_monitoring`.execute(trx);
    let status: ProbeStatus;
    try {
      const read = await probe.read(trx, context.slowQueryMs);
      await sql`release savepoint rampart_monitoring`.execute(trx);
      if (read !== undefined) Object.assign(collection.readings, read);
      status = read === undefined ? 'unsupported' : 'ok';
      context.reporter.probe(probe.name, status);
    } catch (error) {
      status = probe.unsupportedWhen?.(error) === true ? 'unsupported' : 'failed';
      context.reporter.probe(probe.name, status, error);
      // Recorded before the rollback, which throws on a lost connection: collect() then marks the
      // probes that did not run as failed, and keeps this one's own status.
      collection.probes.set(probe.name, status);
      await sql`rollback to savepoint rampart_monitoring`.execute(trx);
    }
    collection.probes.set(probe.name, status);
  }
}

/** Resolves with the promise's value, or undefined once `timeoutMs` has passed. */
async function settleWithin<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      resolve(undefined);
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface StatusReporter {
  probe(name: ProbeName, status: ProbeStatus, error?: unknown): void;
  timedOut(timedOut: boolean, timeoutMs: number): void;
}

/** Logs changes only: a database that is away for an hour gives one warning, not one per scrape. */
function statusReporter(logger: Logger): StatusReporter {
  const last = new Map<ProbeName, ProbeStatus>();
  let lastTimedOut = false;
  return {
    probe(name, status, error) {
      const previous = last.get(name);
      last.set(name, status);
      if (previous === status) return;
      if (status === 'failed') logger.warn({ err: error, probe: name }, 'database monitoring probe failed');
      else if (status === 'unsupported')
        logger.info({ probe: name, reason: reasonOf(error) }, 'database monitoring probe not available here');
      else if (previous !== undefined) logger.info({ probe: name }, 'database monitoring probe recovered');
    },
    timedOut(timedOut, timeoutMs) {
      if (timedOut && !lastTimedOut)
        logger.warn({ timeoutMs }, 'database monitoring did not answer in time; metrics left out');
      lastTimedOut = timedOut;
    },
  };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : 'pg_stat_statements is not installed or not readable';
}

/** SQLSTATE of a database error, from `pg` or PGlite. */
function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** `pg` returns bigint and numeric as strings; float8 as numbers. Anything else is not a reading. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** Connection states as PostgreSQL spells them, made label-friendly: `idle in transaction` → `idle_in_transaction`. */
function stateLabel(state: string): string {
  return state
    .toLowerCase()
    .replace(/[^a-z]+/g, '_')
    .replace(/^_|_$/g, '');
}

/** Always present so dashboards and alerts see a zero rather than a gap. */
const CONNECTION_STATES = ['active', 'idle', 'idle_in_transaction', 'idle_in_transaction_aborted'];

const connections: Probe = {
  name: 'connections',
  async read(trx) {
    // The single PGlite session reports itself as a standalone backend; servers as client backends.
    const byState = await sql<{ state: string; count: unknown }>`
      select coalesce(state, 'unknown') as state, count(*) as count
      from pg_stat_activity
      where datname = current_database() and backend_type in ('client backend', 'standalone backend')
      group by 1`.execute(trx);
    // numbackends is visible to every role (pg_stat_activity hides other roles' sessions); it also
    // counts autovacuum workers, a few at most — close enough to judge the distance to max_connections.
    const server = await sql<{ count: unknown }>`
      select coalesce(sum(numbackends), 0) as count from pg_stat_database`.execute(trx);
    const counts = new Map<string, number>(CONNECTION_STATES.map((state) => [state, 0]));
    for (const row of byState.rows) {
      const label = stateLabel(row.state);
      counts.set(label, (counts.get(label) ?? 0) + (toNumber(row.count) ?? 0));
    }
    const serverConnections = toNumber(server.rows[0]?.count);
    return {
      connections: [...counts].map(([state, value]) => ({ labels: { state }, value })),
      ...(serverConnections === undefined ? {} : { serverConnections }),
    };
  },
};

const settings: Probe = {
  name: 'settings',
  async read(trx) {
    const result = await sql<{ max: unknown }>`
      select current_setting('max_connections')::integer as max`.execute(trx);
    const connectionsMax = toNumber(result.rows[0]?.max);
    return connectionsMax === undefined ? {} : { connectionsMax };
  },
};

const size: Probe = {
  name: 'size',
  async read(trx) {
    const result = await sql<{ bytes: unknown }>`
      select pg_database_size(current_database()) as bytes`.execute(trx);
    const sizeBytes = toNumber(result.rows[0]?.bytes);
    return sizeBytes === undefined ? {} : { sizeBytes };
  },
};

const cache: Probe = {
  name: 'cache',
  async read(trx) {
    const result = await sql<{ hit: unknown; read: unknown }>`
      select blks_hit as hit, blks_read as read
      from pg_stat_database where datname = current_database()`.execute(trx);
    const hit = toNumber(result.rows[0]?.hit) ?? 0;
    const read = toNumber(result.rows[0]?.read) ?? 0;
    // Since the statistics were last reset; with no block read at all there is no ratio to give.
    return hit + read === 0 ? {} : { cacheHitRatio: hit / (hit + read) };
  },
};

const statements: Probe = {
  name: 'statements',
  async read(trx, slowQueryMs) {
    const found = await sql<{ schema: string; readable: boolean }>`
      select n.nspname as schema,
        has_table_privilege(format('%I.pg_stat_statements', n.nspname), 'select') as readable
      from pg_extension e join pg_namespace n on n.oid = e.extnamespace
      where e.extname = 'pg_stat_statements'`.execute(trx);
    const extension = found.rows[0];
    if (extension === undefined || !extension.readable) return undefined;
    return readStatements(trx, extension.schema, slowQueryMs);
  },
  // "pg_stat_statements must be loaded via shared_preload_libraries": installed but not running.
  unsupportedWhen: (error) => sqlState(error) === '55000',
};

/**
 * Statements of this database whose mean run time exceeds `slowQueryMs`, from a relation shaped like
 * pg_stat_statements in `schema`. Exported for its test: the real view needs a server restart.
 */
export async function readStatements(
  db: Kysely<Tables>,
  schema: string,
  slowQueryMs: number,
): Promise<Pick<Readings, 'slowStatements' | 'statementMeanSecondsMax'>> {
  const result = await sql<{ slow: unknown; mean_ms_max: unknown }>`
    select count(*) filter (where mean_exec_time > ${slowQueryMs}) as slow,
      coalesce(max(mean_exec_time), 0) as mean_ms_max
    from ${sql.id(schema, 'pg_stat_statements')}
    where dbid = (select oid from pg_database where datname = current_database())
      and calls >= ${SLOW_STATEMENT_CALLS_MIN}`.execute(db);
  const row = result.rows[0];
  return {
    slowStatements: toNumber(row?.slow) ?? 0,
    statementMeanSecondsMax: (toNumber(row?.mean_ms_max) ?? 0) / 1000,
  };
}

const replication: Probe = {
  name: 'replication',
  async read(trx) {
    // On a replica: how far replay is behind. Caught up (all received WAL replayed) is zero, not
    // the time since the primary last wrote, which would grow on an idle primary.
    const local = await sql<{ in_recovery: boolean; lag_seconds: unknown }>`
      select pg_is_in_recovery() as in_recovery,
        case when pg_last_wal_receive_lsn() is not null
              and pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
          else extract(epoch from now() - pg_last_xact_replay_timestamp()) end as lag_seconds`.execute(trx);
    const self = local.rows[0];
    if (self?.in_recovery === true) {
      const lag = toNumber(self.lag_seconds);
      return {
        replicationLagSeconds: lag === undefined ? [] : [{ labels: { replica: 'local' }, value: lag }],
      };
    }
    // On a primary: each standby's replay lag. A role without pg_monitor sees the rows but not their
    // state; such rows are left out rather than reported as zero lag.
    const standbys = await sql<{
      name: string | null;
      address: string | null;
      state: string | null;
      lag: unknown;
    }>`
      select application_name as name, client_addr::text as address, state,
        extract(epoch from replay_lag) as lag
      from pg_stat_replication order by pid limit ${REPLICAS_MAX}`.execute(trx);
    const lags = new Map<string, number>();
    for (const row of standbys.rows) {
      if (row.state === null) continue;
      // replay_lag is null once a streaming standby has been idle and fully caught up.
      const lag = toNumber(row.lag) ?? (row.state === 'streaming' ? 0 : undefined);
      if (lag === undefined) continue;
      const replica = row.name !== null && row.name !== '' ? row.name : (row.address ?? 'unknown');
      lags.set(replica, Math.max(lag, lags.get(replica) ?? 0));
    }
    return { replicationLagSeconds: [...lags].map(([replica, value]) => ({ labels: { replica }, value })) };
  },
};

const transactions: Probe = {
  name: 'transactions',
  async read(trx) {
    // Per status: both subqueries walk the (status, updated_at) index, and the count is capped.
    const statuses = sql.join(WAITING_STATUSES.map((status) => sql`(${status}::text)`));
    const result = await sql<{ status: string; count: unknown; oldest_age_seconds: unknown }>`
      select s.status,
        (select count(*) from (select 1 from transactions t where t.status = s.status
           limit ${TRANSACTIONS_COUNTED_MAX}) as capped) as count,
        (select extract(epoch from now() - min(t.updated_at)) from transactions t
           where t.status = s.status) as oldest_age_seconds
      from (values ${statuses}) as s(status)`.execute(trx);
    return {
      transactions: result.rows.map((row) => ({
        labels: { status: row.status },
        value: toNumber(row.count) ?? 0,
      })),
      // Zero when no transaction waits in the status, so one threshold per status reads simply.
      transactionsOldestAgeSeconds: result.rows.map((row) => ({
        labels: { status: row.status },
        value: Math.max(0, toNumber(row.oldest_age_seconds) ?? 0),
      })),
    };
  },
};

const PROBES: readonly Probe[] = [connections, settings, size, cache, statements, replication, transactions];

/**
 * Exports the monitor's readings as gauges collected on scrape. Database-wide readings carry a
 * `database` label: besides naming the database, it lets a reading that could not be taken be
 * absent — a label-less gauge would show 0, and a 0 connection limit reads as "at the limit".
 */
export function registerDatabaseMonitoring(metrics: Metrics, monitor: DatabaseMonitor): void {
  const readings = async (): Promise<Partial<Readings>> => (await monitor.snapshot()).readings;
  const perDatabase = (
    name: string,
    help: string,
    pick: (readings: Partial<Readings>) => number | undefined,
  ): void => {
    metrics.gaugeOnScrape(name, help, ['database'], async () => {
      const snapshot = await monitor.snapshot();
      const value = pick(snapshot.readings);
      if (snapshot.database === undefined || value === undefined) return [];
      return [{ labels: { database: snapshot.database }, value }];
    });
  };
  metrics.gaugeOnScrape(
    'rampart_db_connections',
    'Connections to this database by state (pg_stat_activity).',
    ['database', 'state'],
    async () => {
      const snapshot = await monitor.snapshot();
      const database = snapshot.database;
      if (database === undefined) return [];
      return (snapshot.readings.connections ?? []).map((sample) => ({
        labels: { database, state: sample.labels.state },
        value: sample.value,
      }));
    },
  );
  perDatabase(
    'rampart_db_server_connections',
    'Backends connected to the whole PostgreSQL server, every database (pg_stat_database.numbackends).',
    (r) => r.serverConnections,
  );
  perDatabase('rampart_db_connections_max', 'PostgreSQL max_connections.', (r) => r.connectionsMax);
  perDatabase(
    'rampart_db_size_bytes',
    'Size of this database on disk (pg_database_size).',
    (r) => r.sizeBytes,
  );
  perDatabase(
    'rampart_db_cache_hit_ratio',
    'Share of block reads served from shared buffers since statistics were reset (pg_stat_database).',
    (r) => r.cacheHitRatio,
  );
  perDatabase(
    'rampart_db_slow_statements',
    `Statements (run at least ${SLOW_STATEMENT_CALLS_MIN} times) whose mean time exceeds SLOW_QUERY_MS (pg_stat_statements; absent without it).`,
    (r) => r.slowStatements,
  );
  perDatabase(
    'rampart_db_statement_mean_seconds_max',
    'Highest mean run time among statements of this database (pg_stat_statements; absent without it).',
    (r) => r.statementMeanSecondsMax,
  );
  metrics.gaugeOnScrape(
    'rampart_db_replication_lag_seconds',
    'Replay lag per standby (on a primary), or of this database (replica="local") when it is a replica.',
    ['replica'],
    async () => (await readings()).replicationLagSeconds ?? [],
  );
  metrics.gaugeOnScrape(
    'rampart_transactions',
    `Transactions waiting in each non-final status (counting stops at ${TRANSACTIONS_COUNTED_MAX}).`,
    ['status'],
    async () => (await readings()).transactions ?? [],
  );
  metrics.gaugeOnScrape(
    'rampart_transactions_oldest_age_seconds',
    'Time since the oldest transaction in each non-final status last changed (0 when none waits).',
    ['status'],
    async () => (await readings()).transactionsOldestAgeSeconds ?? [],
  );
  metrics.gaugeOnScrape(
    'rampart_db_monitoring_ok',
    'Whether each database monitoring probe answered at the last collection (1) or failed (0); absent when not available here.',
    ['probe'],
    async () => {
      const { probes } = await monitor.snapshot();
      return [...probes]
        .filter(([, status]) => status !== 'unsupported')
        .map(([probe, status]) => ({ labels: { probe }, value: status === 'ok' ? 1 : 0 }));
    },
  );
}
