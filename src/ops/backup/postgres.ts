/**
 * PostgreSQL side of backups: the client tools and their versions, a dump taken in an exported
 * snapshot (so the manifest's row counts describe exactly the data in the dump, even while Rampart
 * keeps writing), pg_restore, and the scratch databases that verification restores into.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PASSWORD_PARAMS, redactUrl } from '../../config/setting.js';
import type { Tables } from '../../platform/db/schema.js';
import { BackupError } from './errors.js';
import { inspectDatabase, type DatabaseFacts } from './inspect.js';
import { childEnvironment, runCommand, startCommand, type RunningCommand } from './process.js';

const VERSION_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_S = 10;
/** How long pg_dump waits for a table lock (a migration holding one) before giving up. */
const LOCK_WAIT_TIMEOUT_MS = 60_000;
const MISSING_HINT =
  'install the PostgreSQL client (apt-get install postgresql-client) or set BACKUP_PG_BIN_DIR';

export interface PgTools {
  readonly dump: string;
  readonly restore: string;
}

export function pgTools(binDir: string | undefined): PgTools {
  return binDir === undefined
    ? { dump: 'pg_dump', restore: 'pg_restore' }
    : { dump: join(binDir, 'pg_dump'), restore: join(binDir, 'pg_restore') };
}

/** How libpq tools reach a database: the URL without its password, which travels in PGPASSWORD. */
export interface LibpqTarget {
  readonly dbname: string;
  readonly env: Record<string, string>;
  readonly secrets: readonly string[];
  /** For messages: the URL with its password hidden. */
  readonly shown: string;
}

export function libpqTarget(url: URL): LibpqTarget {
  const bare = new URL(url.toString());
  let password = bare.password === '' ? undefined : decodeURIComponent(bare.password);
  bare.password = '';
  for (const name of PASSWORD_PARAMS) {
    const value = bare.searchParams.get(name);
    if (name === 'password' && value !== null) password ??= value;
    bare.searchParams.delete(name);
  }
  const extra: Record<string, string> = {
    PGCONNECT_TIMEOUT: String(CONNECT_TIMEOUT_S),
    PGAPPNAME: 'rampart-backup',
  };
  if (password !== undefined) extra['PGPASSWORD'] = password;
  return {
    dbname: bare.toString(),
    env: childEnvironment(extra),
    secrets: password === undefined ? [] : [password],
    shown: redactUrl(url.toString()),
  };
}

export interface ToolVersion {
  readonly text: string;
  readonly major: number;
}

/** `pg_dump --version` → "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", major 15. */
export function parseToolVersion(output: string): ToolVersion | undefined {
  const text = output.trim().split('\n')[0] ?? '';
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.\d+)?/.exec(text);
  return m?.[1] === undefined ? undefined : { text, major: Number(m[1]) };
}

export async function toolVersion(program: string): Promise<ToolVersion> {
  const output = await runCommand({
    program,
    args: ['--version'],
    env: childEnvironment({}),
    timeoutMs: VERSION_TIMEOUT_MS,
    secrets: [],
    missingHint: MISSING_HINT,
  });
  const version = parseToolVersion(output);
  if (version === undefined)
    throw new BackupError(`cannot read the version of ${program} from "${output.trim()}"`);
  return version;
}

/** A single-connection Kysely for the backup's own queries (not the application's pool). */
export function connect(url: URL, connectTimeoutMs: number): Kysely<Tables> {
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: 1,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'rampart-backup',
  });
  pool.on('error', () => undefined); // an idle connection dying is reported by the next query
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

/** Re-throws a database error as one line that names the database without its password. */
export function databaseFailure(what: string, url: URL, error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BackupError(`${what} (${redactUrl(url.toString())}): ${message}`);
}

export interface SnapshotDump {
  readonly facts: DatabaseFacts;
  readonly serverMajor: number;
  readonly database: string;
  readonly pgDump: ToolVersion;
}

/**
 * Runs `consume` on pg_dump's output while a repeatable-read transaction that exported the dump's
 * snapshot stays open, and returns the facts read in that same snapshot.
 */
export async function dumpInSnapshot(
  options: { url: URL; tools: PgTools; compression: number; timeoutMs: number; connectTimeoutMs: number },
  consume: (dump: RunningCommand) => Promise<void>,
): Promise<SnapshotDump> {
  const pgDump = await toolVersion(options.tools.dump);
  const db = connect(options.url, options.connectTimeoutMs);
  try {
    return await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        await sql`set transaction read only`.execute(trx);
        await sql.raw(`set local statement_timeout = ${String(options.timeoutMs)}`).execute(trx);
        await sql`set local idle_in_transaction_session_timeout = 0`.execute(trx);
        const info = await sql<{ major: string; database: string }>`
          select (current_setting('server_version_num')::int / 10000)::text as major, current_database() as database
        `.execute(trx);
        const serverMajor = Number(info.rows[0]?.major ?? 0);
        if (pgDump.major < serverMajor)
          throw new BackupError(
            `${pgDump.text} cannot dump a PostgreSQL ${serverMajor} server: install postgresql-client-${serverMajor} and set BACKUP_PG_BIN_DIR=/usr/lib/postgresql/${serverMajor}/bin`,
          );
        const snapshot = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx);
        const facts = await inspectDatabase(trx);
        const target = libpqTarget(options.url);
        const dump = startCommand({
          program: options.tools.dump,
          args: [
            '--format=custom',
            `--compress=${String(options.compression)}`,
            `--snapshot=${snapshot.rows[0]?.id ?? ''}`,
            `--lock-wait-timeout=${String(LOCK_WAIT_TIMEOUT_MS)}`,
            '--no-password',
            `--dbname=${target.dbname}`,
          ],
          env: target.env,
          timeoutMs: options.timeoutMs,
          timeoutSetting: 'BACKUP_TIMEOUT_MS',
          secrets: target.secrets,
          missingHint: MISSING_HINT,
        });
        try {
          await consume(dump);
        } finally {
          dump.kill();
        }
        return { facts, serverMajor, database: info.rows[0]?.database ?? '', pgDump };
      });
  } catch (error) {
    throw databaseFailure('backup of the database failed', options.url, error);
  } finally {
    await db.destroy();
  }
}

export async function inspectAt(url: URL, connectTimeoutMs: number): Promise<DatabaseFacts> {
  const db = connect(url, connectTimeoutMs);
  try {
    return await inspectDatabase(db);
  } catch (error) {
    throw databaseFailure('cannot read the restored database', url, error);
  } finally {
    await db.destroy();
  }
}

/** Tables and views in schema public, not counting extensions' own (pg_stat_statements'): any makes a target non-empty. */
export async function countPublicRelations(url: URL, connectTimeoutMs: number): Promise<number> {
  const db = connect(url, connectTimeoutMs);
  try {
    const result = await sql<{ n: string }>`
      select count(*)::text as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
        and not exists (
          select 1 from pg_depend d
          where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
        )
    `.execute(db);
    return Number(result.rows[0]?.n ?? 0);
  } catch (error) {
    throw databaseFailure('cannot inspect the target database', url, error);
  } finally {
    await db.destroy();
  }
}

/** An archive's table of contents, as pg_restore lists it, and the extensions it creates. */
export interface ArchiveContents {
  readonly entries: number;
  readonly extensions: readonly string[];
  /** pg_restore --list output. */
  readonly list: string;
}

const EXTENSION_ENTRY = /^\d+; \d+ \d+ (?:EXTENSION - |COMMENT - EXTENSION )([a-z0-9_]{1,63})\b/;
const MEMBER_ENTRY = /^\d+; \d+ \d+ (?:ACL|COMMENT) \S+ (?:TABLE|VIEW|FUNCTION|SEQUENCE) ([a-z0-9_]{1,63})/;

export function archiveContents(list: string): ArchiveContents {
  const lines = list.split('\n').filter((line) => line.trim() !== '' && !line.startsWith(';'));
  const extensions = new Set<string>();
  for (const line of lines) {
    const m = EXTENSION_ENTRY.exec(line);
    if (m?.[1] !== undefined && line.includes(' EXTENSION - ')) extensions.add(m[1]);
  }
  return { entries: lines.length, extensions: [...extensions], list };
}

/**
 * The entries to restore (`--use-list`). Extensions are left out of the restore itself: creating,
 * commenting on or dropping one needs its owner — a superuser for pg_stat_statements — while all
 * else restores as the database's owner; `prepareExtensions` creates those that role may create
 * (pgcrypto is trusted). Grants and comments on the objects of an extension that could not be
 * created (`missing`) are left out too: their objects do not exist.
 */
export function restoreListOf(list: string, missing: readonly string[]): string {
  const lines = list.split('\n').filter((line) => line.trim() !== '');
  const kept = lines.map((line) => {
    if (line.startsWith(';')) return line;
    if (EXTENSION_ENTRY.test(line)) return `;${line}`;
    const member = MEMBER_ENTRY.exec(line)?.[1];
    if (member !== undefined && missing.some((name) => member.startsWith(name))) return `;${line}`;
    return line;
  });
  return `${kept.join('\n')}\n`;
}

export async function readArchive(
  tools: PgTools,
  archive: string,
  timeoutMs: number,
): Promise<ArchiveContents> {
  const list = await runCommand({
    program: tools.restore,
    args: ['--list', archive],
    env: childEnvironment({}),
    timeoutMs,
    timeoutSetting: 'BACKUP_TIMEOUT_MS',
    secrets: [],
    missingHint: MISSING_HINT,
  });
  return archiveContents(list);
}

/** Creates the archive's extensions that the target lacks; returns those it could not create. */
export async function prepareExtensions(
  url: URL,
  extensions: readonly string[],
  connectTimeoutMs: number,
): Promise<{ name: string; reason: string }[]> {
  const db = connect(url, connectTimeoutMs);
  const missing: { name: string; reason: string }[] = [];
  try {
    for (const name of extensions) {
      try {
        await sql`create extension if not exists ${sql.id(name)}`.execute(db);
      } catch (error) {
        missing.push({ name, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return missing;
  } catch (error) {
    throw databaseFailure('cannot prepare the target database', url, error);
  } finally {
    await db.destroy();
  }
}

export interface RestoreOptions {
  readonly url: URL;
  readonly tools: PgTools;
  readonly archive: string;
  /** Written next to the archive (in the private work folder): the entries to restore. */
  readonly listFile: string;
  readonly contents: ArchiveContents;
  /** Extensions that could not be created in the target (see restoreListOf). */
  readonly missingExtensions: readonly string[];
  /** Drop the archive's objects first (`--clean --if-exists`): only with --force on a non-empty target. */
  readonly clean: boolean;
  readonly jobs: number;
  readonly timeoutMs: number;
  readonly onItem: (done: number, total: number | undefined) => void;
}

/**
 * pg_restore, stopping at the first error. With one job it runs in a single transaction, so a failed
 * restore leaves the target as it was; parallel jobs trade that for speed on large databases.
 */
export async function pgRestore(options: RestoreOptions): Promise<void> {
  const target = libpqTarget(options.url);
  await writeFile(options.listFile, restoreListOf(options.contents.list, options.missingExtensions), {
    mode: 0o600,
  });
  let done = 0;
  const args = [
    '--no-owner',
    '--exit-on-error',
    '--verbose',
    '--no-password',
    `--use-list=${options.listFile}`,
    `--dbname=${target.dbname}`,
  ];
  if (options.clean) args.push('--clean', '--if-exists');
  args.push(options.jobs > 1 ? `--jobs=${String(options.jobs)}` : '--single-transaction');
  args.push(options.archive);
  const restore = startCommand({
    program: options.tools.restore,
    args,
    env: target.env,
    timeoutMs: options.timeoutMs,
    timeoutSetting: 'BACKUP_TIMEOUT_MS',
    secrets: target.secrets,
    missingHint: MISSING_HINT,
    onStderrLine: (line) => {
      if (/^pg_restore: (creating|processing data|executing)/.test(line)) {
        done += 1;
        options.onItem(done, options.contents.entries);
      }
    },
  });
  restore.stdout.resume();
  await restore.done;
}

/** Scratch database names carry their creation time, so a run killed mid-way is cleaned up later. */
const SCRATCH_PREFIX = 'rampart_verify_';

export function scratchName(now: Date): string {
  return `${SCRATCH_PREFIX}${String(Math.floor(now.getTime() / 1000))}_${randomBytes(6).toString('hex')}`;
}

export interface ScratchDatabase {
  readonly name: string;
  readonly url: URL;
  drop(): Promise<void>;
}

async function adminExecute(adminUrl: URL, connectTimeoutMs: number, statement: string): Promise<void> {
  const client = new pg.Client({
    connectionString: adminUrl.toString(),
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'rampart-backup',
  });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function createScratchDatabase(
  adminUrl: URL,
  connectTimeoutMs: number,
  now: Date,
): Promise<ScratchDatabase> {
  const name = scratchName(now);
  try {
    await adminExecute(adminUrl, connectTimeoutMs, `create database ${name}`);
  } catch (error) {
    throw databaseFailure(
      `cannot create the scratch database ${name} (the role needs CREATEDB)`,
      adminUrl,
      error,
    );
  }
  const url = new URL(adminUrl.toString());
  url.pathname = `/${name}`;
  return {
    name,
    url,
    drop: () => adminExecute(adminUrl, connectTimeoutMs, `drop database if exists ${name} with (force)`),
  };
}

/** Drops scratch databases of verifications that died more than `olderThanMs` ago. */
export async function dropStaleScratchDatabases(
  adminUrl: URL,
  connectTimeoutMs: number,
  now: Date,
  olderThanMs: number,
): Promise<string[]> {
  const client = new pg.Client({
    connectionString: adminUrl.toString(),
    connectionTimeoutMillis: connectTimeoutMs,
  });
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>(
      `select datname from pg_database where datname like 'rampart\\_verify\\_%'`,
    );
    const stale = result.rows
      .map((row) => row.datname)
      .filter((name) => {
        const m = /^rampart_verify_(\d{1,12})_[0-9a-f]{12}$/.exec(name);
        return m?.[1] !== undefined && now.getTime() - Number(m[1]) * 1000 > olderThanMs;
      });
    for (const name of stale) await client.query(`drop database if exists ${name} with (force)`);
    return stale;
  } finally {
    await client.end();
  }
}
