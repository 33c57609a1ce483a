/**
 * The doctor's window on the database: read-only statements, by text. Tests give a fake that
 * answers each statement from a fixture; the real one runs them through Kysely on PostgreSQL or
 * PGlite. The doctor never writes here (sign-offs go through signoffs.ts) and never migrates.
 */
import { sql, type Kysely } from 'kysely';
import type { DatabaseKind } from '../../platform/db/database.js';
import type { Tables } from '../../platform/db/schema.js';

export interface SqlProbe {
  readonly kind: DatabaseKind;
  /** The PostgreSQL URL (undefined for the embedded database). */
  readonly url: URL | undefined;
  /** Runs one statement; rejects with the database's error (which carries its SQLSTATE `code`). */
  query<Row>(text: string): Promise<readonly Row[]>;
}

export function kyselySqlProbe(db: Kysely<Tables>, kind: DatabaseKind, url: URL | undefined): SqlProbe {
  return {
    kind,
    url,
    async query<Row>(text: string): Promise<readonly Row[]> {
      const result = await sql.raw<Row>(text).execute(db);
      return result.rows;
    },
  };
}

/** SQLSTATE of an error from pg or PGlite, when it has one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** 42501 insufficient_privilege. */
export const INSUFFICIENT_PRIVILEGE = '42501';
/** 42P01 undefined_table. */
export const UNDEFINED_TABLE = '42P01';
