import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabaseMonitor,
  readStatements,
  registerDatabaseMonitoring,
  WAITING_STATUSES,
  type DatabaseMonitorOptions,
} from '../../src/platform/db-monitoring.js';
import type { Database } from '../../src/platform/db/database.js';
import { createMetrics, type Metrics } from '../../src/platform/metrics.js';
import { startTestApp } from '../support/app.js';
import { createTestDatabase, databaseKinds, silentLogger, type TestDatabase } from '../support/databases.js';
import { captureLogs } from '../support/log-capture.js';

const STELLAR_ACCOUNT = 'G' + 'A'.repeat(55);

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of one metric in Prometheus text format, with their labels (minus `service`). */
function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1]!] = pair[2]!;
    delete labels['service'];
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

function monitored(
  database: Database,
  options: Partial<DatabaseMonitorOptions> = {},
  logger = silentLogger,
): Metrics {
  const metrics = createMetrics();
  registerDatabaseMonitoring(
    metrics,
    createDatabaseMonitor(database, logger, { slowQueryMs: 500, ...options }),
  );
  return metrics;
}

async function insertTransaction(database: Database, status: string, ageSeconds: number): Promise<void> {
  await database.db
    .insertInto('transactions')
    .values({
      kind: 'deposit',
      protocol: 'sep24',
      status,
      status_message: null,
      asset_code: 'NGNC',
      asset_issuer: null,
      stellar_account: STELLAR_ACCOUNT,
      stellar_memo: null,
      amount_in_minor: null,
      amount_out_minor: null,
      amount_fee_minor: null,
      funds_received_at: null,
      completed_at: null,
      updated_at: sql<Date>`now() - make_interval(secs => ${ageSeconds})`,
    })
    .execute();
}

describe.each(databaseKinds)('database monitoring on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('exports connections by state, the connection limit, size and cache hit ratio with plausible values', async () => {
    const text = await monitored(t.database).registry.metrics();
    // The monitoring query itself is an active session of this database.
    expect(value(text, 'rampart_db_connections', { state: 'active' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'rampart_db_connections', { state: 'idle_in_transaction' })).toBeGreaterThanOrEqual(0);
    expect(value(text, 'rampart_db_server_connections')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'rampart_db_connections_max')).toBeGreaterThanOrEqual(1);
    // Migrated tables and indexes take more than a megabyte, and less than a gigabyte.
    expect(value(text, 'rampart_db_size_bytes')).toBeGreaterThan(1_000_000);
    expect(value(text, 'rampart_db_size_bytes')).toBeLessThan(1_000_000_000);
    const ratio = value(text, 'rampart_db_cache_hit_ratio');
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(1);
    // Neither backend is a replica or has standbys: no lag series, and the probe still answered.
    expect(samples(text, 'rampart_db_replication_lag_seconds')).toEqual([]);
    for (const probe of ['connections', 'settings', 'size', 'cache', 'replication', 'transactions'])
      expect(value(text, 'rampart_db_monitoring_ok', { probe }), probe).toBe(1);
  });

  it('counts waiting transactions by status and reports how long the oldest has waited', async () => {
    await insertTransaction(t.database, 'pending_anchor', 600);
    await insertTransaction(t.database, 'pending_anchor', 60);
    await insertTransaction(t.database, 'pending_user_transfer_start', 30);
    await insertTransaction(t.database, 'completed', 86_400);
    const text = await monitored(t.database).registry.metrics();
    expect(value(text, 'rampart_transactions', { status: 'pending_anchor' })).toBe(2);
    expect(value(text, 'rampart_transactions', { status: 'pending_user_transfer_start' })).toBe(1);
    expect(value(text, 'rampart_transactions', { status: 'pending_stellar' })).toBe(0);
    const oldest = value(text, 'rampart_transactions_oldest_age_seconds', { status: 'pending_anchor' });
    expect(oldest).toBeGreaterThanOrEqual(600);
    expect(oldest).toBeLessThan(660);
    expect(value(text, 'rampart_transactions_oldest_age_seconds', { status: 'pending_stellar' })).toBe(0);
    // Every waiting status has a series; a final one (completed) has none.
    const statuses = samples(text, 'rampart_transactions').map((s) => s.labels['status']);
    expect(statuses.sort()).toEqual([...WAITING_STATUSES].sort());
    expect(statuses).not.toContain('completed');
    expect(statuses).toContain('error');
    await t.database.db.deleteFrom('transactions').execute();
  });

  it('answers two scrapes in a row from one collection, and reads again once the cache time has passed', async () => {
    let nowMs = 1_000_000;
    const metrics = monitored(t.database, { cacheMs: 5000, now: () => nowMs });
    const first = await metrics.registry.metrics();
    expect(value(first, 'rampart_transactions', { status: 'on_hold' })).toBe(0);
    await insertTransaction(t.database, 'on_hold', 10);
    nowMs += 4000;
    const second = await metrics.registry.metrics();
    expect(value(second, 'rampart_transactions', { status: 'on_hold' })).toBe(0);
    nowMs += 1001;
    const third = await metrics.registry.metrics();
    expect(value(third, 'rampart_transactions', { status: 'on_hold' })).toBe(1);
    await t.database.db.deleteFrom('transactions').execute();
  });

  it('leaves the slow-statement gauges out unless pg_stat_statements is loaded and readable', async () => {
    let loaded = false;
    if (kind === 'postgres') {
      // Installing the extension is not enough: without shared_preload_libraries reading it fails.
      await sql`create extension if not exists pg_stat_statements`.execute(t.database.db);
      const preload = await sql<{
        libs: string;
      }>`select current_setting('shared_preload_libraries') as libs`.execute(t.database.db);
      loaded = (preload.rows[0]?.libs ?? '').includes('pg_stat_statements');
    }
    const text = await monitored(t.database).registry.metrics();
    if (loaded) {
      expect(value(text, 'rampart_db_slow_statements')).toBeGreaterThanOrEqual(0);
      expect(value(text, 'rampart_db_monitoring_ok', { probe: 'statements' })).toBe(1);
    } else {
      expect(samples(text, 'rampart_db_slow_statements')).toEqual([]);
      expect(samples(text, 'rampart_db_statement_mean_seconds_max')).toEqual([]);
      // Not available is not a failure: no probe status to alert on.
      expect(value(text, 'rampart_db_monitoring_ok', { probe: 'statements' })).toBeUndefined();
    }
    // The rest is unaffected by the statements probe's error.
    expect(value(text, 'rampart_db_monitoring_ok', { probe: 'transactions' })).toBe(1);
  });

  it('counts repeated statements slower than SLOW_QUERY_MS from a pg_stat_statements-shaped relation', async () => {
    const db = t.database.db;
    await sql`create schema pgss_fake`.execute(db);
    try {
      await sql`create table pgss_fake.pg_stat_statements (dbid oid, calls bigint, mean_exec_time float8)`.execute(
        db,
      );
      await sql`insert into pgss_fake.pg_stat_statements
        select (select oid from pg_database where datname = current_database()), calls, mean
        from (values (10, 800.0), (10, 100.0), (1, 5000.0)) as v(calls, mean)`.execute(db);
      // Another database's statement never counts.
      await sql`insert into pgss_fake.pg_stat_statements values (0, 100, 9000.0)`.execute(db);
      expect(await readStatements(db, 'pgss_fake', 500)).toEqual({
        slowStatements: 1,
        statementMeanSecondsMax: 0.8,
      });
      expect(await readStatements(db, 'pgss_fake', 50)).toEqual({
        slowStatements: 2,
        statementMeanSecondsMax: 0.8,
      });
    } finally {
      await sql`drop schema pgss_fake cascade`.execute(db);
    }
  });

  it('does not hang or fail a scrape while the database is stuck, and leaves out what it could not read', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // PostgreSQL: a lock blocks the transactions probe until its statement timeout. PGlite: the open
    // transaction holds the single session, so the whole collection waits past the scrape's deadline.
    const holder = t.database.db.transaction().execute(async (trx) => {
      if (kind === 'postgres') await sql`lock table transactions in access exclusive mode`.execute(trx);
      locked();
      await gate;
    });
    await lockTaken;
    try {
      const metrics = monitored(t.database, { statementTimeoutMs: 200, collectTimeoutMs: 1000 });
      const started = performance.now();
      const text = await metrics.registry.metrics();
      expect(performance.now() - started).toBeLessThan(2500);
      expect(samples(text, 'rampart_transactions')).toEqual([]);
      expect(value(text, 'rampart_db_monitoring_ok', { probe: 'transactions' })).toBe(0);
      if (kind === 'postgres') {
        // Only the blocked probe is lost.
        expect(value(text, 'rampart_db_size_bytes')).toBeGreaterThan(0);
        expect(value(text, 'rampart_db_monitoring_ok', { probe: 'size' })).toBe(1);
      } else {
        expect(samples(text, 'rampart_db_size_bytes')).toEqual([]);
      }
    } finally {
      release();
      await holder;
    }
  });

  it('does not throw from a scrape when the database is closed, and logs the failure once', async () => {
    const closed = await createTestDatabase(kind, { migrate: false });
    await closed.drop();
    const { lines, logger } = captureLogs('info');
    const metrics = monitored(closed.database, { cacheMs: 0 }, logger);
    for (let scrape = 0; scrape < 3; scrape += 1) {
      const text = await metrics.registry.metrics();
      expect(samples(text, 'rampart_db_size_bytes')).toEqual([]);
      expect(samples(text, 'rampart_transactions')).toEqual([]);
      expect(value(text, 'rampart_db_monitoring_ok', { probe: 'connections' })).toBe(0);
    }
    const warnings = lines.filter((line) => line['msg'] === 'database monitoring probe failed');
    // One warning per probe when it starts failing, none for the repeated scrapes.
    expect(warnings.length).toBe(7);
    expect(new Set(warnings.map((line) => line['probe'])).size).toBe(7);
  });
});

describe.each(databaseKinds)('database monitoring in the runtime on %s', (kind) => {
  it('is registered when the runtime opens and served on /metrics', async () => {
    const t = await startTestApp(kind);
    try {
      const response = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(value(response.body, 'rampart_db_connections_max')).toBeGreaterThanOrEqual(1);
      expect(value(response.body, 'rampart_db_size_bytes')).toBeGreaterThan(0);
      expect(value(response.body, 'rampart_transactions', { status: 'pending_anchor' })).toBe(0);
      expect(value(response.body, 'rampart_transactions_oldest_age_seconds', { status: 'incomplete' })).toBe(
        0,
      );
    } finally {
      await t.close();
    }
  });
});
