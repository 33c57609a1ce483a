/**
 * The facts a backup records and a verification compares: row counts of the tables that hold money
 * and its history, the ledger's balance, and the applied migrations (the schema version).
 */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../../platform/db/schema.js';
import { ledgerImbalance } from '../../platform/ledger-store.js';

/** The money tables, in the order they are reported. */
export const MONEY_TABLES = [
  'transactions',
  'transaction_events',
  'ledger_journals',
  'ledger_postings',
  'jobs',
  'customers',
  'quotes',
  'stellar_submissions',
] as const satisfies readonly (keyof Tables)[];

export interface SchemaVersion {
  /** The highest applied migration, null when none is. */
  readonly latest: number | null;
  readonly migrations: readonly { version: number; name: string; checksum: string }[];
}

export interface DatabaseFacts {
  readonly serverVersion: string;
  /** Tables of an older schema that lack one of MONEY_TABLES simply do not list it. */
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly ledgerImbalance: readonly { currency: string; sum_minor: string }[];
  readonly schemaVersion: SchemaVersion;
}

async function tableExists(db: Kysely<Tables>, table: string): Promise<boolean> {
  const result = await sql<{
    present: boolean;
  }>`select to_regclass(${`public.${table}`}) is not null as present`.execute(db);
  return result.rows[0]?.present === true;
}

export async function schemaVersionOf(db: Kysely<Tables>): Promise<SchemaVersion> {
  if (!(await tableExists(db, 'schema_migrations'))) return { latest: null, migrations: [] };
  const rows = await db
    .selectFrom('schema_migrations')
    .select(['version', 'name', 'checksum'])
    .orderBy('version')
    .execute();
  return { latest: rows.at(-1)?.version ?? null, migrations: rows };
}

/** Reads every fact in the caller's snapshot (run it inside one transaction for a consistent view). */
export async function inspectDatabase(db: Kysely<Tables>): Promise<DatabaseFacts> {
  const version = await sql<{ server_version: string }>`show server_version`.execute(db);
  const rowCounts: Record<string, number> = {};
  for (const table of MONEY_TABLES) {
    if (!(await tableExists(db, table))) continue;
    const counted = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(db);
    rowCounts[table] = Number(counted.rows[0]?.n ?? 0);
  }
  const imbalance = (await tableExists(db, 'ledger_postings')) ? await ledgerImbalance(db) : [];
  return {
    serverVersion: version.rows[0]?.server_version ?? 'unknown',
    rowCounts,
    ledgerImbalance: imbalance.map((r) => ({ currency: r.currency, sum_minor: r.sumMinor.toString() })),
    schemaVersion: await schemaVersionOf(db),
  };
}

/** What differs between the facts a manifest recorded and those of a restored database. */
export function compareFacts(
  expected: { rowCounts: Readonly<Record<string, number>>; schemaVersion: SchemaVersion },
  actual: DatabaseFacts,
): string[] {
  const problems: string[] = [];
  const tables = new Set([...Object.keys(expected.rowCounts), ...Object.keys(actual.rowCounts)]);
  for (const table of [...tables].sort()) {
    const want = expected.rowCounts[table];
    const got = actual.rowCounts[table];
    if (want !== got)
      problems.push(`${table} has ${got ?? 'no table'} rows, manifest says ${want ?? 'no table'}`);
  }
  if (actual.ledgerImbalance.length > 0) {
    const sums = actual.ledgerImbalance.map((i) => `${i.currency} ${i.sum_minor}`).join(', ');
    problems.push(`ledger does not balance (${sums})`);
  }
  const describe = (v: SchemaVersion): string =>
    v.migrations.map((m) => `${m.version}:${m.name}:${m.checksum}`).join(',');
  if (describe(expected.schemaVersion) !== describe(actual.schemaVersion))
    problems.push(
      `schema version ${actual.schemaVersion.latest ?? 'none'} differs from the manifest's ${expected.schemaVersion.latest ?? 'none'}`,
    );
  return problems;
}
