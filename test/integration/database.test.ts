import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/platform/db/database.js';
import { createLogger } from '../../src/platform/logger.js';
import { createScratchPostgres, databaseKinds } from '../support/databases.js';
import { captureLogs } from '../support/log-capture.js';

describe.each(databaseKinds)('database on %s', (kind) => {
  let database: Database | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await database?.close();
    await drop?.();
    database = undefined;
    drop = undefined;
  });

  async function open(options: {
    slowQueryMs?: number;
    statementTimeoutMs?: number;
    logger?: ReturnType<typeof captureLogs>['logger'];
  }) {
    const scratch = kind === 'postgres' ? await createScratchPostgres() : undefined;
    drop = scratch?.drop;
    database = await openDatabase({
      url: scratch?.url,
      dataDir: 'memory://',
      poolMax: 3,
      statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
      connectTimeoutMs: 5000,
      slowQueryMs: options.slowQueryMs ?? 10_000,
      logger: options.logger ?? createLogger('silent'),
    });
    return database;
  }

  it('logs a slow query with its duration and SQL text, never its parameters', async () => {
    const { lines, logger } = captureLogs();
    const db = await open({ slowQueryMs: 20, logger });
    const secret = 'customer-bvn-22222222222';
    await sql`select pg_sleep(0.05), ${secret}::text as value`.execute(db.db);
    const slow = lines.find((line) => line['msg'] === 'slow query');
    expect(slow).toBeDefined();
    expect(Number(slow?.['durationMs'])).toBeGreaterThanOrEqual(20);
    expect(String(slow?.['sql'])).toContain('pg_sleep');
    expect(JSON.stringify(lines)).not.toContain(secret);
  });

  it('returns BIGINT and NUMERIC as exact strings', async () => {
    const db = await open({});
    const result = await sql<{
      big: string;
      exact: string;
    }>`select 9223372036854775807::bigint as big, 12345678901234567890.1234567::numeric(39,7) as exact`.execute(
      db.db,
    );
    expect(result.rows[0]).toEqual({ big: '9223372036854775807', exact: '12345678901234567890.1234567' });
  });

  // PGlite runs in one WebAssembly thread with no timer interrupts: it cannot cancel a statement.
  it.runIf(kind === 'postgres')('stops a statement at the configured timeout', async () => {
    const db = await open({ statementTimeoutMs: 200 });
    await expect(sql`select pg_sleep(2)`.execute(db.db)).rejects.toThrow(/statement timeout/);
    expect(await db.ping()).toBeGreaterThanOrEqual(0);
  });

  it('keeps concurrent transactions isolated: a rollback undoes only its own work', async () => {
    const db = await open({});
    await sql`create table isolation_probe (value text not null)`.execute(db.db);
    const committed = db.db.transaction().execute(async (trx) => {
      await sql`insert into isolation_probe values ('kept')`.execute(trx);
      await new Promise((resolve) => setTimeout(resolve, 30));
    });
    const rolledBack = db.db.transaction().execute(async (trx) => {
      await sql`insert into isolation_probe values ('undone')`.execute(trx);
      throw new Error('roll back');
    });
    const [kept, undone] = await Promise.allSettled([committed, rolledBack]);
    expect(kept.status).toBe('fulfilled');
    expect(undone.status).toBe('rejected');
    const rows = await sql<{ value: string }>`select value from isolation_probe`.execute(db.db);
    expect(rows.rows).toEqual([{ value: 'kept' }]);
  });

  it('reports pool usage within the configured size', async () => {
    const db = await open({});
    const stats = db.poolStats();
    expect(stats.max).toBe(kind === 'pglite' ? 1 : 3);
    expect(stats.total).toBeLessThanOrEqual(stats.max);
  });
});
