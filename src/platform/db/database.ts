/**
 * Opens Rampart's database: PostgreSQL through a `pg` pool when DATABASE_URL is set, embedded
 * PostgreSQL (PGlite) under the data directory when not. Both speak the same SQL and run the same
 * migrations; the rest of the code only sees `Kysely<Tables>`.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Tables } from './schema.js';
import { PGliteDialect } from './pglite-dialect.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
}

export interface Database {
  readonly db: Kysely<Tables>;
  readonly kind: DatabaseKind;
  poolStats(): PoolStats;
  /** Round trip of `select 1`, in ms; throws when the database is unreachable. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; when absent the embedded database is used. */
  readonly url: URL | undefined;
  /** Where PGlite keeps its files; `memory://` keeps them in memory (tests). */
  readonly dataDir: string;
  readonly poolMax: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly slowQueryMs: number;
  readonly logger: Logger;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const log = queryLogger(options.logger, options.slowQueryMs);
  return options.url === undefined ? openPglite(options, log) : openPostgres(options.url, options, log);
}

/** Slow queries are logged with their SQL text and duration — never their parameters. */
function queryLogger(logger: Logger, slowQueryMs: number): (event: LogEvent) => void {
  return (event) => {
    const durationMs = Math.round(event.queryDurationMillis);
    if (event.level === 'error') {
      logger.debug({ durationMs, sql: event.query.sql, err: event.error }, 'query failed');
    } else if (durationMs >= slowQueryMs) {
      logger.warn({ durationMs, sql: event.query.sql }, 'slow query');
    }
  };
}

function openPostgres(url: URL, options: DatabaseOptions, log: (event: LogEvent) => void): Database {
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    application_name: 'rampart',
  });
  // An idle client losing its connection emits here; without a listener it would crash the process.
  pool.on('error', (error) => {
    options.logger.warn({ err: error }, 'idle database connection failed');
  });
  // A client in use whose connection drops between two statements also emits 'error': the query in
  // flight fails (and its transaction rolls back); the process must not die of the event itself.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      options.logger.warn({ err: error }, 'database connection failed while in use');
    });
  });
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }), log });
  return {
    db,
    kind: 'postgres',
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: options.poolMax,
    }),
    ping: () => timedPing(db),
    close: () => db.destroy(),
  };
}

async function openPglite(options: DatabaseOptions, log: (event: LogEvent) => void): Promise<Database> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  const { pgcrypto } = await import('@electric-sql/pglite/contrib/pgcrypto');
  const inMemory = options.dataDir.startsWith('memory://');
  const dataDir = inMemory ? options.dataDir : resolve(options.dataDir, 'pglite');
  if (!inMemory) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keepText = (value: string): string => value;
  const client = await PGlite.create({
    dataDir,
    extensions: { pgcrypto },
    // Match `pg`: BIGINT and NUMERIC arrive as exact strings, never as lossy numbers.
    parsers: { [types.INT8]: keepText, [types.NUMERIC]: keepText },
  });
  await client.exec(`set statement_timeout = ${String(options.statementTimeoutMs)}`);
  const dialect = new PGliteDialect(client, options.statementTimeoutMs);
  const db = new Kysely<Tables>({ dialect, log });
  return {
    db,
    kind: 'pglite',
    // One embedded session: the "pool" is that session, busy or idle, and the queue behind it.
    poolStats: () => {
      const queued = dialect.mutex.queued;
      return { total: 1, idle: queued === 0 ? 1 : 0, waiting: Math.max(0, queued - 1), max: 1 };
    },
    ping: () => timedPing(db),
    close: async () => {
      await db.destroy();
      await client.close();
    },
  };
}

async function timedPing(db: Kysely<Tables>): Promise<number> {
  const started = performance.now();
  await sql`select 1`.execute(db);
  return performance.now() - started;
}
