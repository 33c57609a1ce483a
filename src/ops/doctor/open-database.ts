/**
 * Opens the database for the doctor: PostgreSQL at DATABASE_URL with one connection and short
 * timeouts, or the embedded database when it exists and no running Rampart holds it. Never creates
 * a database, never migrates: a doctor that changed what it examines would hide problems.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import { openDatabase, type Database } from '../../platform/db/database.js';
import { lockDataDir } from '../../platform/data-dir-lock.js';
import { createLogger } from '../../platform/logger.js';
import type { DatabaseSession } from './command.js';
import { errorText } from './outcome.js';

/** Statements of the doctor are all small reads. */
const STATEMENT_TIMEOUT_MS_MAX = 10_000;

async function pinged(
  database: Database,
  close: () => Promise<void>,
  url: URL | undefined,
): Promise<DatabaseSession> {
  try {
    await database.ping();
    return { kind: 'open', database, url, close };
  } catch (error) {
    await close().catch(() => undefined);
    return {
      kind: 'unavailable',
      reason: `the database does not answer: ${errorText(error)}`,
      embedded: url === undefined,
    };
  }
}

export async function openDoctorDatabase(config: Config): Promise<DatabaseSession> {
  const options = {
    dataDir: config.dataDir,
    poolMax: 1,
    statementTimeoutMs: Math.min(config.doctorCheckTimeoutMs, STATEMENT_TIMEOUT_MS_MAX),
    connectTimeoutMs: Math.min(config.databaseConnectTimeoutMs, config.doctorCheckTimeoutMs),
    slowQueryMs: 600_000,
    logger: createLogger('silent'),
  };
  const url = config.databaseUrl;
  if (url !== undefined) {
    const database = await openDatabase({ ...options, url });
    return pinged(database, () => database.close(), url);
  }
  if (config.dataDir.startsWith('memory://')) {
    return {
      kind: 'unavailable',
      reason: 'DATABASE_URL is unset and the embedded database is in memory only',
      embedded: true,
    };
  }
  const dir = resolve(config.dataDir, 'pglite');
  if (!existsSync(dir)) {
    return {
      kind: 'unavailable',
      reason: `DATABASE_URL is unset and there is no embedded database in ${dir}`,
      embedded: true,
    };
  }
  let unlock: () => void;
  try {
    unlock = lockDataDir(config.dataDir);
  } catch (error) {
    return { kind: 'unavailable', reason: `DATABASE_URL is unset and ${errorText(error)}`, embedded: true };
  }
  try {
    const database = await openDatabase({ ...options, url: undefined });
    return await pinged(
      database,
      async () => {
        await database.close();
        unlock();
      },
      undefined,
    );
  } catch (error) {
    unlock();
    return {
      kind: 'unavailable',
      reason: `the embedded database in ${dir} does not open: ${errorText(error)}`,
      embedded: true,
    };
  }
}
