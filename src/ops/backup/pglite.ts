/**
 * Backups of the embedded database (PGlite, used when DATABASE_URL is unset). PGlite runs inside one
 * process, so a backup must own the data directory: it works while Rampart is stopped and refuses,
 * clearly, while `rampart serve` holds it — online backups are what PostgreSQL is for. The backup
 * is PGlite's own `dumpDataDir()` tarball, taken after a CHECKPOINT with no other session able to
 * write; a restore loads it into a fresh data directory with `loadDataDir`.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { DataDirLockedError, lockDataDir } from '../../platform/data-dir-lock.js';
import { PGliteDialect } from '../../platform/db/pglite-dialect.js';
import type { Tables } from '../../platform/db/schema.js';
import { BackupError } from './errors.js';
import { inspectDatabase, type DatabaseFacts } from './inspect.js';

const STATEMENT_TIMEOUT_MS = 10 * 60_000;
/** The tarball is built in memory by PGlite; an embedded database beyond this belongs on PostgreSQL. */
export const EMBEDDED_BYTES_MAX = 4 * 1024 ** 3;

interface Embedded {
  readonly client: PGlite;
  readonly db: Kysely<Tables>;
  close(): Promise<void>;
}

async function openEmbedded(options: { dataDir?: string; load?: Blob }): Promise<Embedded> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  const { pgcrypto } = await import('@electric-sql/pglite/contrib/pgcrypto');
  const keepText = (value: string): string => value;
  const client = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.load === undefined ? {} : { loadDataDir: options.load }),
    extensions: { pgcrypto },
    parsers: { [types.INT8]: keepText, [types.NUMERIC]: keepText },
  });
  const db = new Kysely<Tables>({ dialect: new PGliteDialect(client, STATEMENT_TIMEOUT_MS) });
  return {
    client,
    db,
    close: async () => {
      await db.destroy();
      await client.close();
    },
  };
}

export function embeddedDirOf(dataDir: string): string {
  if (dataDir.startsWith('memory://'))
    throw new BackupError(
      'the embedded database is in memory (RAMPART_DATA_DIR=memory://): there is nothing to back up',
    );
  return resolve(dataDir, 'pglite');
}

function lockEmbedded(dataDir: string, purpose: 'back it up' | 'restore into it'): () => void {
  try {
    return lockDataDir(dataDir);
  } catch (error) {
    if (error instanceof DataDirLockedError)
      throw new BackupError(
        `the embedded database is in use (${error.message}); stop Rampart to ${purpose}, or use PostgreSQL (DATABASE_URL) for online backups`,
      );
    throw error;
  }
}

async function* chunksOf(blob: Blob): AsyncGenerator<Buffer> {
  for await (const chunk of blob.stream() as AsyncIterable<Uint8Array>)
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Hands the data directory's tarball to `consume` and returns the facts read just before it. */
export async function dumpEmbedded(
  dataDir: string,
  consume: (chunks: AsyncIterable<Buffer>) => Promise<void>,
): Promise<DatabaseFacts> {
  const directory = embeddedDirOf(dataDir);
  if (!existsSync(join(directory, 'PG_VERSION')))
    throw new BackupError(`there is no embedded database in ${directory} to back up`);
  const unlock = lockEmbedded(dataDir, 'back it up');
  try {
    const embedded = await openEmbedded({ dataDir: directory });
    try {
      const facts = await inspectDatabase(embedded.db);
      await sql`checkpoint`.execute(embedded.db);
      const tarball = await embedded.client.dumpDataDir('gzip');
      if (tarball.size > EMBEDDED_BYTES_MAX)
        throw new BackupError(
          `the embedded database exceeds ${EMBEDDED_BYTES_MAX} bytes: move to PostgreSQL`,
        );
      await consume(chunksOf(tarball));
      return facts;
    } finally {
      await embedded.close();
    }
  } finally {
    unlock();
  }
}

/** Loads a tarball into memory and reads its facts (verification). */
export async function inspectTarball(tarball: Blob): Promise<DatabaseFacts> {
  const embedded = await openEmbedded({ load: tarball });
  try {
    return await inspectDatabase(embedded.db);
  } finally {
    await embedded.close();
  }
}

export interface EmbeddedRestore {
  readonly directory: string;
  /** Where the database that was there before went (only with force). */
  readonly replacedTo: string | undefined;
  readonly facts: DatabaseFacts;
}

/**
 * Restores a tarball into `dataDir`. An existing database is kept unless `force`, and even then it
 * is moved aside rather than deleted: a restore must never be the thing that loses data.
 */
export async function restoreEmbedded(
  tarball: Blob,
  dataDir: string,
  options: { force: boolean; stamp: string },
): Promise<EmbeddedRestore> {
  const directory = embeddedDirOf(dataDir);
  const unlock = lockEmbedded(dataDir, 'restore into it');
  try {
    let replacedTo: string | undefined;
    if (existsSync(join(directory, 'PG_VERSION'))) {
      if (!options.force)
        throw new BackupError(
          `the embedded database in ${directory} already exists; refusing to replace it without --force`,
        );
      replacedTo = `${directory}.replaced-${options.stamp}`;
      await rename(directory, replacedTo);
    } else if (existsSync(directory)) {
      throw new BackupError(`${directory} exists but holds no database; move it away first`);
    }
    const embedded = await openEmbedded({ dataDir: directory, load: tarball });
    try {
      await sql`checkpoint`.execute(embedded.db);
      return { directory, replacedTo, facts: await inspectDatabase(embedded.db) };
    } finally {
      await embedded.close();
    }
  } finally {
    unlock();
  }
}
