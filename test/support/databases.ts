/**
 * Test databases on every available backend: in-memory PGlite always; on PostgreSQL a fresh database
 * per call (created from the test URL and dropped afterwards), so test files never share state.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { openDatabase, type Database, type DatabaseKind } from '../../src/platform/db/database.js';
import { migrateUp } from '../../src/platform/db/migrator.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { postgresTestUrl } from './services.js';

export interface TestDatabase {
  readonly database: Database;
  /** The URL of the scratch PostgreSQL database (undefined on PGlite). */
  readonly url: URL | undefined;
  drop(): Promise<void>;
}

export const silentLogger = pino({ level: 'silent' });

export const databaseKinds: readonly DatabaseKind[] =
  postgresTestUrl() === undefined ? ['pglite'] : ['pglite', 'postgres'];

async function adminQuery(text: string): Promise<void> {
  const url = postgresTestUrl();
  if (url === undefined) throw new Error('no PostgreSQL test URL');
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh, empty PostgreSQL database; `drop()` removes it (even with connections still open). */
export async function createScratchPostgres(): Promise<{ url: URL; drop: () => Promise<void> }> {
  const base = postgresTestUrl();
  if (base === undefined)
    throw new Error('PostgreSQL backend requested without TEST_DATABASE_URL or CI=true');
  const name = `rampart_t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return { url, drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

export async function createTestDatabase(
  kind: DatabaseKind,
  options: { migrate?: boolean; poolMax?: number } = {},
): Promise<TestDatabase> {
  const scratch = kind === 'postgres' ? await createScratchPostgres() : undefined;
  const database = await openDatabase({
    url: scratch?.url,
    dataDir: 'memory://',
    poolMax: options.poolMax ?? 5,
    statementTimeoutMs: 15_000,
    connectTimeoutMs: 5000,
    slowQueryMs: 10_000,
    logger: silentLogger,
  });
  if (options.migrate ?? true) await migrateUp(database.db, migrations);
  return {
    database,
    url: scratch?.url,
    async drop() {
      await database.close();
      await scratch?.drop();
    },
  };
}
