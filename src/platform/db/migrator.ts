/**
 * Forward-only, versioned migrations. Each runs in its own transaction under an advisory lock (so
 * two processes starting together cannot both apply it) and is recorded with a SHA-256 checksum of
 * its SQL; an applied migration whose SQL changed is refused rather than silently diverging.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Tables } from './schema.js';
import { OperatorError } from '../operator-error.js';
import type { Migration } from './migrations/index.js';

/** Arbitrary constant shared by every Rampart process: the key of the migration advisory lock. */
const MIGRATION_LOCK_KEY = 7_240_311_001n;

export type MigrationState = 'applied' | 'pending' | 'changed' | 'unknown';
export interface MigrationStatus {
  readonly version: number;
  readonly name: string;
  readonly state: MigrationState;
  readonly appliedAt: Date | null;
}
export interface MigrationReport {
  readonly migrations: readonly MigrationStatus[];
  /** True when every known migration is applied unchanged and the database has none we do not know. */
  readonly current: boolean;
}

export class MigrationError extends OperatorError {
  override readonly name = 'MigrationError';
}

const checksums = new WeakMap<Migration, string>();

/** SHA-256 of the migration's SQL, computed once per migration: readiness probes ask often. */
export function checksumOf(migration: Migration): string {
  let checksum = checksums.get(migration);
  if (checksum === undefined) {
    checksum = createHash('sha256').update(migration.sql).digest('hex');
    checksums.set(migration, checksum);
  }
  return checksum;
}

async function ensureTable(db: Kysely<Tables>): Promise<void> {
  await sql`create table if not exists schema_migrations (
    version integer primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`.execute(db);
}

/**
 * Read-only: serve, worker and readiness call it as the application role, which may not create
 * tables (PostgreSQL checks CREATE on the schema even for `create table if not exists`).
 */
export async function migrationStatus(
  db: Kysely<Tables>,
  known: readonly Migration[],
): Promise<MigrationReport> {
  const exists = await sql<{
    name: string | null;
  }>`select to_regclass('schema_migrations')::text as name`.execute(db);
  const applied =
    exists.rows[0]?.name == null
      ? []
      : await db.selectFrom('schema_migrations').selectAll().orderBy('version').execute();
  const byVersion = new Map(applied.map((row) => [row.version, row]));
  const statuses: MigrationStatus[] = known.map((m) => {
    const row = byVersion.get(m.version);
    if (row === undefined) return { version: m.version, name: m.name, state: 'pending', appliedAt: null };
    const state = row.checksum === checksumOf(m) ? 'applied' : 'changed';
    return { version: m.version, name: m.name, state, appliedAt: row.applied_at };
  });
  const knownVersions = new Set(known.map((m) => m.version));
  for (const row of applied) {
    if (!knownVersions.has(row.version)) {
      statuses.push({ version: row.version, name: row.name, state: 'unknown', appliedAt: row.applied_at });
    }
  }
  return { migrations: statuses, current: statuses.every((s) => s.state === 'applied') };
}

export interface MigrateResult {
  readonly applied: readonly Migration[];
}

/** Applies every pending migration in order; refuses to run when history and code disagree. */
export async function migrateUp(db: Kysely<Tables>, known: readonly Migration[]): Promise<MigrateResult> {
  assertOrdered(known);
  await ensureTable(db);
  const report = await migrationStatus(db, known);
  const conflicts = report.migrations.filter((m) => m.state === 'changed' || m.state === 'unknown');
  if (conflicts.length > 0) {
    const lines = conflicts.map((m) =>
      m.state === 'changed'
        ? `migration ${m.version} (${m.name}) was changed after it was applied`
        : `migration ${m.version} (${m.name}) is applied in the database but unknown to this version of Rampart`,
    );
    throw new MigrationError(`refusing to migrate: ${lines.join('; ')}`);
  }
  const applied: Migration[] = [];
  for (const migration of known) {
    const ran = await db.transaction().execute(async (trx) => {
      // A migration may rewrite a large table: the pool's statement timeout is for requests, not DDL.
      await sql`set local statement_timeout = 0`.execute(trx);
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`.execute(trx);
      const done = await trx
        .selectFrom('schema_migrations')
        .select('version')
        .where('version', '=', migration.version)
        .executeTakeFirst();
      if (done !== undefined) return false;
      await sql.raw(migration.sql).execute(trx);
      await trx
        .insertInto('schema_migrations')
        .values({ version: migration.version, name: migration.name, checksum: checksumOf(migration) })
        .execute();
      return true;
    });
    if (ran) applied.push(migration);
  }
  return { applied };
}

function assertOrdered(known: readonly Migration[]): void {
  known.forEach((m, index) => {
    if (m.version !== index + 1)
      throw new MigrationError(
        `migration versions must be 1..n in order; found ${m.version} at ${index + 1}`,
      );
  });
}
