/**
 * `rampart backup`: dump (PostgreSQL through pg_dump, or the embedded database's tarball), encrypt
 * on the way to disk, publish atomically with a manifest, copy off-site, apply retention, and report
 * the result as a log line and metrics. Retention runs only after everything else succeeded: a
 * failing backup never deletes anything.
 */
import { rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { packageVersion } from '../../platform/version.js';
import { BackupError } from './errors.js';
import { encryptingStage, FORMAT_VERSION, type ContentKind, type EncryptionResult } from './format.js';
import {
  createPrivateFile,
  ensurePrivateDir,
  filesOf,
  listBackups,
  lockBackupDir,
  publish,
  stampOf,
  temporaryPath,
  writeAll,
  type BackupFiles,
} from './files.js';
import type { DatabaseFacts } from './inspect.js';
import { parseBackupKey, type BackupKey } from './key.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, writeManifest, type Manifest } from './manifest.js';
import { updateMetricsFile } from './metrics-file.js';
import { offsiteSettingsOf, loadS3, uploadOffsite, type OffsiteSettings } from './offsite.js';
import { dumpEmbedded } from './pglite.js';
import { dumpInSnapshot, pgTools } from './postgres.js';
import type { Progress } from './progress.js';
import { selectRetained } from './retention.js';

export interface BackupRun {
  readonly config: Config;
  readonly logger: Logger;
  readonly progress: Progress;
  readonly now?: () => Date;
}

export interface BackupOutcome {
  readonly files: BackupFiles;
  readonly manifest: Manifest;
  readonly uploaded: readonly string[];
  readonly expired: readonly string[];
}

/** BACKUP_DIR, or `backups` under the data directory. */
export function backupDirOf(config: Config): string {
  if (config.backupDir !== undefined) return resolve(config.backupDir);
  if (config.dataDir.startsWith('memory://'))
    throw new BackupError('BACKUP_DIR must be set when RAMPART_DATA_DIR is memory://');
  return resolve(config.dataDir, 'backups');
}

export function requireKey(config: Config): BackupKey {
  if (config.backupEncryptionKey === undefined)
    throw new BackupError(
      'BACKUP_ENCRYPTION_KEY is not set: generate one with `openssl rand -base64 32` and keep a copy off this server',
    );
  return parseBackupKey(config.backupEncryptionKey);
}

interface Dumped {
  readonly kind: Manifest['kind'];
  readonly facts: DatabaseFacts;
  readonly database: string | null;
  readonly pgDumpVersion: string | null;
  readonly encryption: EncryptionResult;
}

/** Streams the database through encryption into `temporary`, then publishes it as `final`. */
async function dumpTo(run: BackupRun, key: BackupKey, temporary: string, final: string): Promise<Dumped> {
  const { config } = run;
  const url = config.backupDatabaseUrl ?? config.databaseUrl;
  const content: ContentKind = url === undefined ? 'pglite' : 'pg_dump';
  const encrypt = encryptingStage(key, content, (bytes) => {
    run.progress.bytes('backup: encrypted', bytes);
  });
  const handle = await createPrivateFile(temporary);
  let published = false;
  try {
    let dumped: Omit<Dumped, 'encryption'>;
    if (url === undefined) {
      const facts = await dumpEmbedded(config.dataDir, (chunks) => writeAll(handle, encrypt.stage(chunks)));
      dumped = { kind: 'pglite', facts, database: null, pgDumpVersion: null };
    } else {
      const options = {
        url,
        tools: pgTools(config.backupPgBinDir),
        compression: config.backupCompression,
        timeoutMs: config.backupTimeoutMs,
        connectTimeoutMs: config.databaseConnectTimeoutMs,
      };
      // pg_dump's exit status is what says the dump is whole: a dump that died mid-way still closes
      // its output cleanly, so the file is published only when both sides have succeeded.
      const result = await dumpInSnapshot(options, (dump) =>
        Promise.all([writeAll(handle, encrypt.stage(dump.stdout)), dump.done]).then(() => undefined),
      );
      dumped = {
        kind: 'postgres',
        facts: result.facts,
        database: result.database,
        pgDumpVersion: result.pgDump.text,
      };
    }
    run.progress.end();
    await publish(handle, temporary, final);
    published = true;
    return { ...dumped, encryption: encrypt.result() };
  } finally {
    run.progress.end();
    if (!published) {
      await handle.close().catch(() => undefined);
      await rm(temporary, { force: true });
    }
  }
}

function manifestOf(files: BackupFiles, key: BackupKey, dumped: Dumped, durationMs: number): Manifest {
  return {
    format: MANIFEST_FORMAT,
    format_version: MANIFEST_VERSION,
    kind: dumped.kind,
    file: basename(files.dump),
    created_at: files.createdAt.toISOString(),
    duration_ms: Math.round(durationMs),
    rampart_version: packageVersion(),
    server_version: dumped.facts.serverVersion,
    database: dumped.database,
    pg_dump_version: dumped.pgDumpVersion,
    schema_version: {
      latest: dumped.facts.schemaVersion.latest,
      migrations: dumped.facts.schemaVersion.migrations.map((m) => ({ ...m })),
    },
    encryption: { cipher: 'aes-256-gcm', file_format_version: FORMAT_VERSION, key_id: key.id },
    size_bytes: dumped.encryption.encrypted.bytes,
    sha256: dumped.encryption.encrypted.sha256,
    plaintext_size_bytes: dumped.encryption.plaintext.bytes,
    plaintext_sha256: dumped.encryption.plaintext.sha256,
    row_counts: { ...dumped.facts.rowCounts },
    ledger_imbalance: dumped.facts.ledgerImbalance.map((i) => ({ ...i })),
  };
}

/** Deletes what retention expires (manifest first, so a half-deleted backup is never "complete"). */
async function applyRetention(run: BackupRun, dir: string): Promise<string[]> {
  const listing = await listBackups(dir);
  if (listing.orphans.length > 0)
    run.logger.warn(
      { orphans: listing.orphans },
      'backup files without a manifest are kept; delete them by hand',
    );
  const { expire } = selectRetained(listing.complete, {
    keepDaily: run.config.backupKeepDaily,
    keepWeekly: run.config.backupKeepWeekly,
  });
  for (const files of expire) {
    await rm(files.manifest, { force: true });
    await rm(files.dump, { force: true });
  }
  return expire.map((files) => basename(files.dump));
}

async function removeLeftovers(dir: string): Promise<void> {
  for (const path of (await listBackups(dir)).temporary) {
    if (basename(path).includes('-backup-')) await rm(path, { force: true, recursive: true });
  }
}

async function offsite(settings: OffsiteSettings | undefined, files: BackupFiles, manifest: Manifest) {
  if (settings === undefined) return [];
  return uploadOffsite(settings, [
    { path: files.dump, contentType: 'application/octet-stream', sha256: manifest.sha256 },
    { path: files.manifest, contentType: 'application/json', sha256: undefined },
  ]);
}

async function backupUnderLock(run: BackupRun, dir: string, offsiteSettings: OffsiteSettings | undefined) {
  const started = performance.now();
  const key = requireKey(run.config);
  const files = filesOf(dir, stampOf((run.now ?? (() => new Date()))()));
  await removeLeftovers(dir);
  const dumped = await dumpTo(run, key, temporaryPath(dir, 'backup'), files.dump);
  const manifest = manifestOf(files, key, dumped, performance.now() - started);
  await writeManifest(files.manifest, manifest);
  if (manifest.ledger_imbalance.length > 0) {
    const sums = manifest.ledger_imbalance.map((i) => `${i.currency} ${i.sum_minor}`).join(', ');
    throw new BackupError(
      `backup ${manifest.file} was written, but the ledger does not balance (${sums}): investigate before trusting it`,
    );
  }
  const uploaded = await offsite(offsiteSettings, files, manifest);
  const expired = await applyRetention(run, dir);
  return { files, manifest, uploaded, expired };
}

export async function runBackup(run: BackupRun): Promise<BackupOutcome> {
  const started = performance.now();
  const seconds = (): number => Math.round(performance.now() - started) / 1000;
  const metricsFile = run.config.backupMetricsFile;
  let outcome: BackupOutcome;
  try {
    requireKey(run.config);
    const offsiteSettings = offsiteSettingsOf(run.config);
    if (offsiteSettings !== undefined) await loadS3(); // fail before the dump, not after it
    const dir = backupDirOf(run.config);
    await ensurePrivateDir(dir);
    const unlock = lockBackupDir(dir);
    try {
      outcome = await backupUnderLock(run, dir, offsiteSettings);
    } finally {
      unlock();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    run.logger.error(
      { event: 'backup', status: 'failed', durationSeconds: seconds(), error: message },
      'backup failed',
    );
    if (metricsFile !== undefined)
      await updateMetricsFile(metricsFile, {
        rampart_backup_last_status: 0,
        rampart_backup_last_duration_seconds: seconds(),
      }).catch((metricError: unknown) => {
        run.logger.error({ err: metricError }, 'backup metrics file could not be written');
      });
    throw error;
  }
  const { manifest } = outcome;
  run.logger.info(
    {
      event: 'backup',
      status: 'succeeded',
      file: outcome.files.dump,
      kind: manifest.kind,
      sizeBytes: manifest.size_bytes,
      sha256: manifest.sha256,
      durationSeconds: seconds(),
      rowCounts: manifest.row_counts,
      schemaVersion: manifest.schema_version.latest,
      uploaded: outcome.uploaded,
      expired: outcome.expired,
    },
    'backup succeeded',
  );
  if (metricsFile !== undefined) {
    try {
      await updateMetricsFile(metricsFile, {
        rampart_backup_last_success_timestamp_seconds: Math.floor(Date.now() / 1000),
        rampart_backup_last_status: 1,
        rampart_backup_last_size_bytes: manifest.size_bytes,
        rampart_backup_last_duration_seconds: seconds(),
      });
    } catch (error) {
      throw new BackupError(
        `backup ${manifest.file} succeeded, but the metrics file ${metricsFile} could not be written: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return outcome;
}
