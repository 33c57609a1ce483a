/**
 * Opens what every Rampart process needs — logger, metrics, database, key-value store — and closes
 * it again in the right order. `serve`, `worker` and the tools all start here.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { openDatabase, type Database } from './db/database.js';
import { migrateUp, migrationStatus } from './db/migrator.js';
import { migrations } from './db/migrations/index.js';
import { lockDataDir } from './data-dir-lock.js';
import { createKv, type KvStore } from './kv/index.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createDatabaseMonitor, registerDatabaseMonitoring } from './db-monitoring.js';
import { countJobsByState } from './outbox/jobs.js';
import type { ReadinessCheck } from './http/health.js';
import { OperatorError } from './operator-error.js';

export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly database: Database;
  readonly kv: KvStore;
  readonly readiness: readonly ReadinessCheck[];
  close(): Promise<void>;
}

export class SchemaNotCurrentError extends OperatorError {
  override readonly name = 'SchemaNotCurrentError';
}

export interface RuntimeOptions {
  /** Apply pending migrations before returning (always on for the embedded database). */
  readonly migrate: boolean;
  /** Refuse to start unless the schema is current (serve and worker); tools like `migrate` pass false. */
  readonly requireCurrentSchema: boolean;
}

export async function openRuntime(config: Config, logger: Logger, options: RuntimeOptions): Promise<Runtime> {
  const embeddedOnDisk = config.databaseUrl === undefined && !config.dataDir.startsWith('memory://');
  const unlock = embeddedOnDisk ? lockDataDir(config.dataDir) : () => undefined;
  const closers: (() => Promise<void> | void)[] = [unlock];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const database = await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolMax: config.databasePoolMax,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      slowQueryMs: config.slowQueryMs,
      logger: logger.child({ component: 'database' }),
    });
    closers.push(() => database.close());
    if (options.migrate || database.kind === 'pglite') {
      const { applied } = await migrateUp(database.db, migrations);
      if (applied.length > 0)
        logger.info({ applied: applied.map((m) => `${m.version}-${m.name}`) }, 'migrations applied');
    }
    if (options.requireCurrentSchema) {
      const report = await migrationStatus(database.db, migrations);
      if (!report.current) {
        const pending = report.migrations
          .filter((m) => m.state !== 'applied')
          .map((m) => `${m.version} ${m.state}`);
        // A database ahead of this code (a rollback) needs a newer Rampart, not a migration.
        const ahead = report.migrations.some((m) => m.state === 'unknown');
        const fix = ahead
          ? 'the database was migrated by a newer Rampart: run that version (see docs/rollback.md)'
          : 'run `rampart migrate up`';
        throw new SchemaNotCurrentError(`database schema is not current (${pending.join(', ')}): ${fix}`);
      }
    }
    const kv = await createKv(
      { redisUrl: config.redisUrl?.toString(), keyPrefix: config.redisKeyPrefix },
      { connectTimeoutMs: config.redisTimeoutMs, commandTimeoutMs: config.redisTimeoutMs },
    ).catch((error: unknown) => {
      // The message never carries the URL (it may hold a password).
      throw new OperatorError(
        `cannot use Redis (REDIS_URL): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    closers.push(() => kv.close());
    const metrics = createMetrics();
    registerStorageGauges(metrics, database, logger);
    const monitor = createDatabaseMonitor(database, logger.child({ component: 'db-monitoring' }), {
      slowQueryMs: config.slowQueryMs,
    });
    registerDatabaseMonitoring(metrics, monitor);
    return { config, logger, metrics, database, kv, readiness: readinessChecks(config, database, kv), close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

function readinessChecks(config: Config, database: Database, kv: KvStore): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    {
      name: 'database',
      run: async () => {
        await database.ping();
        return database.kind;
      },
    },
    {
      name: 'migrations',
      run: async () => {
        const report = await migrationStatus(database.db, migrations);
        if (!report.current) throw new Error('schema is not current');
        return `${report.migrations.length} applied`;
      },
    },
  ];
  if (config.redisUrl !== undefined) {
    checks.push({
      name: 'redis',
      run: async () => {
        await kv.ping();
        return undefined;
      },
    });
  }
  return checks;
}

function registerStorageGauges(metrics: Metrics, database: Database, logger: Logger): void {
  metrics.gaugeOnScrape(
    'rampart_db_pool_connections',
    'Database pool connections by state.',
    ['state'],
    () => {
      const stats = database.poolStats();
      return Promise.resolve([
        { labels: { state: 'total' }, value: stats.total },
        { labels: { state: 'idle' }, value: stats.idle },
        { labels: { state: 'waiting' }, value: stats.waiting },
        { labels: { state: 'max' }, value: stats.max },
      ]);
    },
  );
  metrics.gaugeOnScrape('rampart_outbox_jobs', 'Outbox jobs by state.', ['state'], async () => {
    try {
      const counts = await countJobsByState(database.db);
      return Object.entries(counts).map(([state, value]) => ({ labels: { state }, value }));
    } catch (error) {
      // A scrape must not fail because the database is briefly away: readiness reports that.
      logger.warn({ err: error }, 'outbox depth unavailable for metrics');
      return [];
    }
  });
}
