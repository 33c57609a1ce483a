/**
 * `rampart restore` and `rampart restore --verify`. Before any database is touched, a backup is
 * checked against its manifest (size and SHA-256 of the encrypted file), decrypted into a private
 * temporary file, and authenticated (the GCM tag, then the plaintext's SHA-256): pg_restore never
 * sees a byte that was not proven to be what `rampart backup` wrote.
 */
import { openAsBlob } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { redactUrl } from '../../config/setting.js';
import { backupDirOf } from './backup.js';
import { BackupError, BackupIntegrityError } from './errors.js';
import { decryptTo, readHeader, sha256OfFile, type Header } from './format.js';
import {
  createPrivateFile,
  DIR_MODE,
  ensurePrivateDir,
  filesOfPath,
  latestBackup,
  listBackups,
  lockBackupDir,
  stampOf,
  temporaryPath,
  type BackupFiles,
} from './files.js';
import { compareFacts, type DatabaseFacts } from './inspect.js';
import { BackupKeyring, parseBackupKey } from './key.js';
import { readManifest, type Manifest } from './manifest.js';
import { updateMetricsFile } from './metrics-file.js';
import { inspectTarball, restoreEmbedded } from './pglite.js';
import {
  countPublicRelations,
  createScratchDatabase,
  databaseFailure,
  dropStaleScratchDatabases,
  inspectAt,
  pgRestore,
  pgTools,
  prepareExtensions,
  readArchive,
  toolVersion,
} from './postgres.js';
import type { Progress } from './progress.js';

const RESTORE_LOCK = '.rampart-restore.lock';
export const JOBS_MAX = 16;

export interface RestoreRun {
  readonly config: Config;
  readonly logger: Logger;
  readonly progress: Progress;
  readonly stdout: (line: string) => void;
  readonly now?: () => Date;
}

export interface RestoreRequest {
  /** A path to the `.dump.enc` (or its manifest), or `latest`: the newest complete backup in BACKUP_DIR. */
  readonly source: string;
  /** PostgreSQL target (restore) or server to create the scratch database on (verify). */
  readonly target: URL | undefined;
  /** Where an embedded-database backup is restored (default RAMPART_DATA_DIR). */
  readonly dataDir: string | undefined;
  readonly force: boolean;
  readonly jobs: number;
}

interface OpenedBackup {
  readonly files: BackupFiles;
  readonly manifest: Manifest;
  readonly header: Header;
  /** The decrypted, authenticated content (pg_dump archive or PGlite tarball), mode 0600. */
  readonly plaintext: string;
}

export function keyringOf(config: Config): BackupKeyring {
  return new BackupKeyring(
    config.backupEncryptionKey === undefined ? undefined : parseBackupKey(config.backupEncryptionKey),
    (config.backupDecryptionKeys ?? []).map(parseBackupKey),
  );
}

async function resolveSource(config: Config, source: string): Promise<BackupFiles> {
  return source === 'latest' ? latestBackup(backupDirOf(config)) : filesOfPath(source);
}

/** Every check that needs no database, in order; leaves the authenticated plaintext in `workDir`. */
async function openBackup(run: RestoreRun, files: BackupFiles, workDir: string): Promise<OpenedBackup> {
  const manifest = await readManifest(files.manifest);
  if (manifest.file !== basename(files.dump))
    throw new BackupIntegrityError(
      `manifest ${files.manifest} describes ${manifest.file}, not ${basename(files.dump)}`,
    );
  let sizeBytes: number;
  try {
    sizeBytes = (await stat(files.dump)).size;
  } catch {
    throw new BackupError(`backup file ${files.dump} is missing`);
  }
  if (sizeBytes !== manifest.size_bytes)
    throw new BackupIntegrityError(
      `${manifest.file} is ${sizeBytes} bytes, its manifest says ${manifest.size_bytes}: the file is damaged or truncated`,
    );
  // One descriptor for every read: the file cannot be swapped between checking and decrypting.
  const source = await open(files.dump, 'r');
  try {
    const sha256 = await sha256OfFile(source, sizeBytes);
    if (sha256 !== manifest.sha256)
      throw new BackupIntegrityError(
        `${manifest.file} does not match the SHA-256 in its manifest: the file was modified`,
      );
    const header = await readHeader(source, sizeBytes);
    const expectedContent = manifest.kind === 'postgres' ? 'pg_dump' : 'pglite';
    if (header.content !== expectedContent)
      throw new BackupIntegrityError(
        `${manifest.file} holds ${header.content} content but its manifest says ${manifest.kind}`,
      );
    const plaintext = join(workDir, manifest.kind === 'postgres' ? 'backup.dump' : 'pgdata.tar.gz');
    const destination = await createPrivateFile(plaintext);
    try {
      const decrypted = await decryptTo(source, sizeBytes, keyringOf(run.config), destination, (bytes) => {
        run.progress.bytes('decrypted', bytes);
      });
      run.progress.end();
      if (decrypted.plaintext.sha256 !== manifest.plaintext_sha256)
        throw new BackupIntegrityError(
          `${manifest.file} decrypted to content whose SHA-256 differs from its manifest`,
        );
    } finally {
      run.progress.end();
      await destination.close();
    }
    return { files, manifest, header, plaintext };
  } finally {
    await source.close();
  }
}

/** Runs `work` with the backup opened in a private folder that is removed afterwards, whatever happens. */
async function withOpenedBackup<T>(
  run: RestoreRun,
  source: string,
  work: (opened: OpenedBackup) => Promise<T>,
): Promise<T> {
  const files = await resolveSource(run.config, source);
  const dir = backupDirOf(run.config);
  await ensurePrivateDir(dir);
  const unlock = lockBackupDir(dir, RESTORE_LOCK);
  try {
    // Only one restore runs per folder (the lock), so any restore folder left here is from a run that died.
    for (const path of (await listBackups(dir)).temporary)
      if (basename(path).includes('-restore-')) await rm(path, { recursive: true, force: true });
    const workDir = temporaryPath(dir, 'restore');
    await mkdir(workDir, { mode: DIR_MODE });
    try {
      return await work(await openBackup(run, files, workDir));
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  } finally {
    unlock();
  }
}

async function checkPgRestoreVersion(config: Config, manifest: Manifest): Promise<void> {
  const restoreTool = await toolVersion(pgTools(config.backupPgBinDir).restore);
  const dumpedWith = /\(PostgreSQL\)\s+(\d+)/.exec(manifest.pg_dump_version ?? '')?.[1];
  if (dumpedWith !== undefined && restoreTool.major < Number(dumpedWith))
    throw new BackupError(
      `${restoreTool.text} cannot read an archive written by pg_dump ${dumpedWith}: install postgresql-client-${dumpedWith} and set BACKUP_PG_BIN_DIR`,
    );
}

function describeFacts(facts: DatabaseFacts): string {
  const counts = Object.entries(facts.rowCounts)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
  return `schema version ${facts.schemaVersion.latest ?? 'none'}; rows: ${counts}`;
}

export interface VerifyOutcome {
  readonly manifest: Manifest;
  readonly facts: DatabaseFacts;
  readonly scratch: string;
  readonly durationSeconds: number;
}

/**
 * pg_restore of an opened backup into `url`, after creating the extensions the archive needs (those
 * the role may create); an extension it may not create (pg_stat_statements needs a superuser) is
 * reported and left out — Rampart's tables do not depend on it.
 */
async function restoreArchive(
  run: RestoreRun,
  request: RestoreRequest,
  opened: OpenedBackup,
  target: { url: URL; clean: boolean },
): Promise<string[]> {
  const { config } = run;
  const tools = pgTools(config.backupPgBinDir);
  const contents = await readArchive(tools, opened.plaintext, config.backupTimeoutMs);
  const missing = await prepareExtensions(target.url, contents.extensions, config.databaseConnectTimeoutMs);
  for (const extension of missing)
    run.logger.info(
      { extension: extension.name, reason: extension.reason },
      'extension not created in the target; create it as a superuser if you use it',
    );
  try {
    await pgRestore({
      url: target.url,
      tools,
      archive: opened.plaintext,
      listFile: `${opened.plaintext}.list`,
      contents,
      missingExtensions: missing.map((m) => m.name),
      clean: target.clean,
      jobs: request.jobs,
      timeoutMs: config.backupTimeoutMs,
      onItem: (done, total) => {
        run.progress.items('restoring', done, total);
      },
    });
  } finally {
    run.progress.end();
  }
  return missing.map((m) => m.name);
}

async function verifyPostgres(run: RestoreRun, request: RestoreRequest, opened: OpenedBackup) {
  const { config } = run;
  const server = request.target ?? config.backupDatabaseUrl ?? config.databaseUrl;
  if (server === undefined)
    throw new BackupError('verifying a PostgreSQL backup needs a server: set DATABASE_URL or pass --target');
  await checkPgRestoreVersion(config, opened.manifest);
  const now = (run.now ?? (() => new Date()))();
  const olderThanMs = 2 * config.backupTimeoutMs;
  const stale = await dropStaleScratchDatabases(
    server,
    config.databaseConnectTimeoutMs,
    now,
    olderThanMs,
  ).catch((error: unknown) => {
    throw databaseFailure('cannot prepare verification on the server', server, error);
  });
  if (stale.length > 0)
    run.logger.warn({ dropped: stale }, 'dropped scratch databases left by interrupted verifications');
  const scratch = await createScratchDatabase(server, config.databaseConnectTimeoutMs, now);
  let facts: DatabaseFacts | undefined;
  let failure: unknown;
  try {
    await restoreArchive(run, request, opened, { url: scratch.url, clean: false });
    facts = await inspectAt(scratch.url, config.databaseConnectTimeoutMs);
  } catch (error) {
    failure = error;
  }
  // The scratch database goes whatever happened; a drop that fails is a failure of its own.
  try {
    await scratch.drop();
  } catch (error) {
    const message = `could not drop the scratch database ${scratch.name}: ${error instanceof Error ? error.message : String(error)}`;
    if (facts !== undefined) throw new BackupError(message);
    run.logger.error({ scratch: scratch.name }, message);
  }
  if (facts === undefined) throw failure;
  return { facts, scratch: scratch.name };
}

async function verifyEmbedded(opened: OpenedBackup) {
  return {
    facts: await inspectTarball(await openAsBlob(opened.plaintext)),
    scratch: 'a scratch in-memory embedded database',
  };
}

/** Restores into a scratch database, compares it with the manifest, drops it; records the outcome. */
export async function runVerify(run: RestoreRun, request: RestoreRequest): Promise<VerifyOutcome> {
  const started = performance.now();
  const seconds = (): number => Math.round(performance.now() - started) / 1000;
  const metricsFile = run.config.backupMetricsFile;
  try {
    const outcome = await withOpenedBackup(run, request.source, async (opened) => {
      const checked =
        opened.manifest.kind === 'postgres'
          ? await verifyPostgres(run, request, opened)
          : await verifyEmbedded(opened);
      const problems = compareFacts(
        { rowCounts: opened.manifest.row_counts, schemaVersion: opened.manifest.schema_version },
        checked.facts,
      );
      if (problems.length > 0)
        throw new BackupError(`verification of ${opened.manifest.file} failed: ${problems.join('; ')}`);
      return { manifest: opened.manifest, ...checked, durationSeconds: seconds() };
    });
    run.logger.info(
      {
        event: 'backup_verify',
        status: 'succeeded',
        file: outcome.manifest.file,
        createdAt: outcome.manifest.created_at,
        durationSeconds: outcome.durationSeconds,
        rowCounts: outcome.facts.rowCounts,
        schemaVersion: outcome.facts.schemaVersion.latest,
      },
      'backup verified',
    );
    if (metricsFile !== undefined)
      await updateMetricsFile(metricsFile, {
        rampart_backup_last_verify_success_timestamp_seconds: Math.floor(Date.now() / 1000),
        rampart_backup_last_verify_status: 1,
        rampart_backup_last_verify_duration_seconds: outcome.durationSeconds,
      });
    return outcome;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    run.logger.error(
      { event: 'backup_verify', status: 'failed', durationSeconds: seconds(), error: message },
      'backup verification failed',
    );
    if (metricsFile !== undefined)
      await updateMetricsFile(metricsFile, {
        rampart_backup_last_verify_status: 0,
        rampart_backup_last_verify_duration_seconds: seconds(),
      }).catch((metricError: unknown) => {
        run.logger.error({ err: metricError }, 'backup metrics file could not be written');
      });
    throw error;
  }
}

export interface RestoreOutcome {
  readonly manifest: Manifest;
  readonly facts: DatabaseFacts;
  readonly target: string;
}

async function restorePostgres(run: RestoreRun, request: RestoreRequest, opened: OpenedBackup) {
  const { config } = run;
  const target = request.target ?? config.databaseUrl;
  if (target === undefined)
    throw new BackupError('no target database: pass --target <DATABASE URL> or set DATABASE_URL');
  await checkPgRestoreVersion(config, opened.manifest);
  const relations = await countPublicRelations(target, config.databaseConnectTimeoutMs);
  if (relations > 0 && !request.force)
    throw new BackupError(
      `the target database is not empty (${relations} tables or views in schema public); refusing to restore over it without --force`,
    );
  const missing = await restoreArchive(run, request, opened, { url: target, clean: relations > 0 });
  for (const name of missing)
    run.stdout(`extension ${name} was not created (it needs a superuser): create it if you use it`);
  return {
    facts: await inspectAt(target, config.databaseConnectTimeoutMs),
    target: redactUrl(target.toString()),
  };
}

async function restoreIntoDataDir(run: RestoreRun, request: RestoreRequest, opened: OpenedBackup) {
  if (request.target !== undefined)
    throw new BackupError(
      `${opened.manifest.file} is a backup of the embedded database: it restores into a data directory (--data-dir), not into PostgreSQL`,
    );
  const dataDir = request.dataDir ?? run.config.dataDir;
  const stamp = stampOf((run.now ?? (() => new Date()))());
  const restored = await restoreEmbedded(await openAsBlob(opened.plaintext), dataDir, {
    force: request.force,
    stamp,
  });
  if (restored.replacedTo !== undefined)
    run.stdout(`the previous embedded database was moved to ${restored.replacedTo}`);
  return { facts: restored.facts, target: restored.directory };
}

/** Restores a backup into the target database (or data directory) and reports what it restored. */
export async function runRestore(run: RestoreRun, request: RestoreRequest): Promise<RestoreOutcome> {
  const started = performance.now();
  const outcome = await withOpenedBackup(run, request.source, async (opened) => {
    const restored =
      opened.manifest.kind === 'postgres'
        ? await restorePostgres(run, request, opened)
        : await restoreIntoDataDir(run, request, opened);
    return { manifest: opened.manifest, ...restored };
  });
  const problems = compareFacts(
    { rowCounts: outcome.manifest.row_counts, schemaVersion: outcome.manifest.schema_version },
    outcome.facts,
  );
  run.logger.info(
    {
      event: 'backup_restore',
      status: problems.length === 0 ? 'succeeded' : 'mismatch',
      file: outcome.manifest.file,
      target: outcome.target,
      durationSeconds: Math.round(performance.now() - started) / 1000,
    },
    'backup restored',
  );
  run.stdout(
    `restored ${outcome.manifest.file} (taken ${outcome.manifest.created_at}) into ${outcome.target}`,
  );
  run.stdout(describeFacts(outcome.facts));
  if (problems.length > 0)
    throw new BackupError(`restored, but the result differs from the manifest: ${problems.join('; ')}`);
  return outcome;
}
