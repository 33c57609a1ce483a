import { createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/ops/backup/backup.js';
import { BackupError } from '../../src/ops/backup/errors.js';
import { HEADER_BYTES, TAG_BYTES } from '../../src/ops/backup/format.js';
import { parseBackupKey } from '../../src/ops/backup/key.js';
import { readManifest } from '../../src/ops/backup/manifest.js';
import { parseMetrics } from '../../src/ops/backup/metrics-file.js';
import { silentProgress } from '../../src/ops/backup/progress.js';
import { runRestore, runVerify, type RestoreRequest } from '../../src/ops/backup/restore.js';
import { openDatabase, type Database } from '../../src/platform/db/database.js';
import { migrateUp } from '../../src/platform/db/migrator.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { packageVersion } from '../../src/platform/version.js';
import { assertBuilt, runRampart } from '../support/cli.js';
import { createScratchPostgres, databaseKinds, silentLogger } from '../support/databases.js';
import { postgresTestUrl } from '../support/services.js';
import { configOf, seed, SEEDED_ROWS, startS3Double, type S3Double } from './backup-support.js';

const EXPECTED_ROWS = SEEDED_ROWS;

type Scratch = Awaited<ReturnType<typeof createScratchPostgres>>;

async function scratchDatabasesLeft(): Promise<string[]> {
  const client = new pg.Client({ connectionString: postgresTestUrl()!.toString() });
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'rampart\\_verify\\_%'",
    );
    return result.rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

/** A stand-in pg_dump/pg_restore: `version` is what --version prints, `dump` the shell run otherwise. */
function fakeTools(dir: string, version: string, dump: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'pg_dump');
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "${version}"; exit 0; fi\n${dump}\n`);
  chmodSync(path, 0o755);
  return dir;
}

describe.runIf(databaseKinds.includes('postgres'))('backup and restore on PostgreSQL', () => {
  let source: Scratch;
  let database: Database;
  const work = mkdtempSync(join(tmpdir(), 'rampart-backup-pg-'));
  const backupDir = join(work, 'backups');
  const metricsFile = join(work, 'rampart_backup.prom');
  const key = randomBytes(32).toString('base64');
  const cleanups: (() => Promise<void>)[] = [];
  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: source.url.toString(),
    BACKUP_DIR: backupDir,
    BACKUP_ENCRYPTION_KEY: key,
    BACKUP_METRICS_FILE: metricsFile,
    ...extra,
  });
  const run = (extra: Record<string, string> = {}, now?: Date) => ({
    config: configOf(env(extra)),
    logger: silentLogger,
    progress: silentProgress,
    stdout: () => undefined,
    ...(now === undefined ? {} : { now: () => now }),
  });
  const request = (overrides: Partial<RestoreRequest> = {}): RestoreRequest => ({
    source: 'latest',
    target: undefined,
    dataDir: undefined,
    force: false,
    jobs: 1,
    ...overrides,
  });
  const scratchTarget = async () => {
    const target = await createScratchPostgres();
    cleanups.push(target.drop);
    return target;
  };

  beforeAll(async () => {
    source = await createScratchPostgres();
    database = await openDatabase({
      url: source.url,
      dataDir: 'memory://',
      poolMax: 2,
      statementTimeoutMs: 15_000,
      connectTimeoutMs: 5000,
      slowQueryMs: 10_000,
      logger: silentLogger,
    });
    await migrateUp(database.db, migrations);
    await seed(database);
  });
  afterAll(async () => {
    await database.close();
    for (const cleanup of cleanups) await cleanup();
    await source.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('writes an encrypted custom-format dump and a manifest, both 0600 in a 0700 folder', async () => {
    const outcome = await runBackup(run());
    const { manifest, files } = outcome;
    expect((await stat(backupDir)).mode & 0o777).toBe(0o700);
    expect((await stat(files.dump)).mode & 0o777).toBe(0o600);
    expect((await stat(files.manifest)).mode & 0o777).toBe(0o600);
    expect(files.dump).toMatch(/rampart-\d{8}T\d{6}Z\.dump\.enc$/);
    expect(files.manifest).toBe(files.dump.replace(/\.dump\.enc$/, '.manifest.json'));
    expect(await readManifest(files.manifest)).toEqual(manifest);

    const bytes = await readFile(files.dump);
    expect(manifest).toMatchObject({
      kind: 'postgres',
      rampart_version: packageVersion(),
      database: source.url.pathname.slice(1),
      row_counts: EXPECTED_ROWS,
      ledger_imbalance: [],
      size_bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      encryption: { cipher: 'aes-256-gcm', file_format_version: 1, key_id: parseBackupKey(key).id },
    });
    expect(manifest.schema_version.latest).toBe(migrations.length);
    expect(manifest.schema_version.migrations.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
    expect(manifest.pg_dump_version).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
    expect(manifest.server_version).toMatch(/^\d+/);
    expect(Date.parse(manifest.created_at)).toBeGreaterThan(Date.now() - 60_000);

    // Decrypted with the documented layout, it is a pg_dump custom archive ("PGDMP") matching the manifest.
    const decipher = createDecipheriv('aes-256-gcm', parseBackupKey(key).bytes, bytes.subarray(20, 32));
    decipher.setAAD(bytes.subarray(0, HEADER_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(HEADER_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    expect(plain.subarray(0, 5).toString('ascii')).toBe('PGDMP');
    expect(manifest.plaintext_size_bytes).toBe(plain.length);
    expect(manifest.plaintext_sha256).toBe(createHash('sha256').update(plain).digest('hex'));
    // Nothing readable leaks: the dump's table names appear only in the manifest.
    expect(bytes.includes(Buffer.from('ledger_postings'))).toBe(false);

    const metrics = parseMetrics(await readFile(metricsFile, 'utf8'));
    expect(metrics.rampart_backup_last_status).toBe(1);
    expect(metrics.rampart_backup_last_size_bytes).toBe(bytes.length);
    expect(metrics.rampart_backup_last_success_timestamp_seconds).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(metrics.rampart_backup_last_duration_seconds).toBeGreaterThanOrEqual(0);
  });

  it('restore --verify round-trips into a scratch database with equal checksums and row counts, then drops it', async () => {
    const outcome = await runVerify(run(), request());
    expect(outcome.scratch).toMatch(/^rampart_verify_\d+_[0-9a-f]{12}$/);
    expect(outcome.facts.rowCounts).toEqual(EXPECTED_ROWS);
    expect(outcome.facts.ledgerImbalance).toEqual([]);
    expect(outcome.facts.schemaVersion).toEqual(outcome.manifest.schema_version);
    expect(await scratchDatabasesLeft()).toEqual([]);
    const metrics = parseMetrics(await readFile(metricsFile, 'utf8'));
    expect(metrics.rampart_backup_last_verify_status).toBe(1);
    expect(metrics.rampart_backup_last_verify_success_timestamp_seconds).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    expect(metrics.rampart_backup_last_status).toBe(1); // the backup's lines are kept
  });

  describe('a damaged or mismatched backup fails verification and leaves no scratch database', () => {
    const copyLatest = async (label: string) => {
      const latest = readdirSync(backupDir)
        .filter((n) => n.endsWith('.dump.enc'))
        .sort()
        .at(-1)!;
      const dir = join(work, label);
      mkdirSync(dir, { recursive: true });
      const dump = join(dir, latest);
      copyFileSync(join(backupDir, latest), dump);
      copyFileSync(
        join(backupDir, latest.replace('.dump.enc', '.manifest.json')),
        dump.replace('.dump.enc', '.manifest.json'),
      );
      return { dump, manifest: dump.replace('.dump.enc', '.manifest.json') };
    };
    const editManifest = async (path: string, edit: (m: Record<string, unknown>) => void) => {
      const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      edit(manifest);
      await writeFile(path, JSON.stringify(manifest));
    };

    it('a modified byte fails the SHA-256 check before any database is created', async () => {
      const copy = await copyLatest('tampered');
      const bytes = await readFile(copy.dump);
      bytes[HEADER_BYTES + 100] = (bytes[HEADER_BYTES + 100] ?? 0) ^ 0xff;
      await writeFile(copy.dump, bytes);
      await expect(runVerify(run(), request({ source: copy.dump }))).rejects.toThrow(
        /does not match the SHA-256/,
      );
      // The same change with the manifest's checksum forged to match: the GCM tag still catches it.
      await editManifest(
        copy.manifest,
        (m) => (m['sha256'] = createHash('sha256').update(bytes).digest('hex')),
      );
      await expect(runVerify(run(), request({ source: copy.dump }))).rejects.toThrow(/failed authentication/);
      expect(await scratchDatabasesLeft()).toEqual([]);
      expect(parseMetrics(await readFile(metricsFile, 'utf8')).rampart_backup_last_verify_status).toBe(0);
    });

    it('a truncated file is refused by its size', async () => {
      const copy = await copyLatest('truncated');
      const bytes = await readFile(copy.dump);
      await writeFile(copy.dump, bytes.subarray(0, bytes.length - 1000));
      await expect(runVerify(run(), request({ source: copy.manifest }))).rejects.toThrow(
        /damaged or truncated/,
      );
    });

    it('row counts that differ from the manifest fail after the restore, and the scratch database is still dropped', async () => {
      const copy = await copyLatest('counts');
      await editManifest(copy.manifest, (m) => {
        (m['row_counts'] as Record<string, number>)['transactions'] = 99;
      });
      await expect(runVerify(run(), request({ source: copy.dump }))).rejects.toThrow(
        /verification of rampart-\S+ failed: transactions has 2 rows, manifest says 99/,
      );
      expect(await scratchDatabasesLeft()).toEqual([]);
    });

    it('a different schema version in the manifest fails', async () => {
      const copy = await copyLatest('schema');
      await editManifest(copy.manifest, (m) => {
        const schema = m['schema_version'] as { latest: number; migrations: unknown[] };
        schema.migrations.pop();
        schema.latest -= 1;
      });
      await expect(runVerify(run(), request({ source: copy.dump }))).rejects.toThrow(
        /schema version \d+ differs/,
      );
      expect(await scratchDatabasesLeft()).toEqual([]);
    });

    it('the wrong key fails with one line naming the key the backup needs', async () => {
      const other = randomBytes(32).toString('hex');
      const error = await runVerify(run({ BACKUP_ENCRYPTION_KEY: other }), request()).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackupError);
      const message = (error as Error).message;
      expect(message).toContain(`key id ${parseBackupKey(key).id}`);
      expect(message).not.toContain('\n');
      expect(message).not.toContain(key);
      // Once the old key is listed among the decryption keys (after a rotation), it verifies again.
      await expect(
        runVerify(run({ BACKUP_ENCRYPTION_KEY: other, BACKUP_DECRYPTION_KEYS: key }), request()),
      ).resolves.toBeDefined();
    });
  });

  it('restores into an empty database, refuses a non-empty one without --force, and replaces it with --force', async () => {
    const target = await scratchTarget();
    const lines: string[] = [];
    const restoring = { ...run(), stdout: (line: string) => lines.push(line) };
    const first = await runRestore(restoring, request({ target: target.url }));
    expect(first.facts.rowCounts).toEqual(EXPECTED_ROWS);
    expect(lines.join('\n')).toMatch(
      /restored rampart-\S+ \(taken .+\) into postgres:\/\/.+\nschema version \d+; rows: transactions 2/,
    );

    await expect(runRestore(restoring, request({ target: target.url }))).rejects.toThrow(
      /target database is not empty \(\d+ tables or views in schema public\); refusing to restore over it without --force/,
    );
    // Data written after the backup is replaced by the backup's, not added to it.
    const client = new pg.Client({ connectionString: target.url.toString() });
    await client.connect();
    await client.query("delete from jobs where type = 'probe'");
    await client.end();
    const forced = await runRestore(restoring, request({ target: target.url, force: true }));
    expect(forced.facts.rowCounts).toEqual(EXPECTED_ROWS);
  });

  it('backs up as a least-privilege role, verifies and restores as a non-superuser owner, as deployed', async () => {
    const role = `rampart_bk_${randomBytes(6).toString('hex')}`;
    const password = `pw/${randomBytes(8).toString('hex')}@x`;
    const database = `${role}_db`;
    const asSuperuser = async (db: string, statements: string[]) => {
      const url = new URL(postgresTestUrl()!.toString());
      url.pathname = `/${db}`;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        for (const statement of statements) await client.query(statement);
      } finally {
        await client.end();
      }
    };
    const as = (db: string) => {
      const url = new URL(postgresTestUrl()!.toString());
      url.pathname = `/${db}`;
      url.username = role;
      url.password = encodeURIComponent(password);
      return url;
    };
    const sourceDb = source.url.pathname.slice(1);
    try {
      await asSuperuser('postgres', [
        `create role ${role} login createdb password '${password}'`,
        `create database ${database} owner ${role}`,
      ]);
      // Like deploy/postgres/grants.sql (wider: every table, pg_stat_statements' views included, so
      // the dump carries grants on an extension's objects).
      await asSuperuser(sourceDb, [
        `grant usage on schema public to ${role}`,
        `grant select, insert, update, delete on all tables in schema public to ${role}`,
        `grant usage, select on all sequences in schema public to ${role}`,
      ]);
      // deploy/postgres/setup.sh creates the extensions as the superuser before Rampart's roles take over.
      await asSuperuser(database, [
        'create extension if not exists pgcrypto',
        'create extension if not exists pg_stat_statements',
      ]);
      const leastDir = join(work, 'least-privilege');
      const backedUp = await runBackup(
        run({ BACKUP_DIR: leastDir, BACKUP_DATABASE_URL: as(sourceDb).toString() }),
      );
      expect(backedUp.manifest.row_counts).toEqual(EXPECTED_ROWS);

      const verified = await runVerify(run({ BACKUP_DIR: leastDir }), request({ target: as(database) }));
      expect(verified.facts.rowCounts).toEqual(EXPECTED_ROWS);
      const lines: string[] = [];
      const restoring = { ...run({ BACKUP_DIR: leastDir }), stdout: (line: string) => lines.push(line) };
      const restored = await runRestore(restoring, request({ target: as(database) }));
      expect(restored.facts.rowCounts).toEqual(EXPECTED_ROWS);
      expect(restored.target).not.toContain(encodeURIComponent(password));
      const again = await runRestore(restoring, request({ target: as(database), force: true }));
      expect(again.facts.rowCounts).toEqual(EXPECTED_ROWS);
      expect(lines.join('\n')).not.toContain('pg_stat_statements'); // it existed: nothing to report
      expect(await scratchDatabasesLeft()).toEqual([]);
    } finally {
      await asSuperuser(sourceDb, [`drop owned by ${role}`]).catch(() => undefined);
      await asSuperuser('postgres', [
        `drop database if exists ${database} with (force)`,
        `drop role if exists ${role}`,
      ]);
    }
  });

  it('restores with parallel jobs too', async () => {
    const target = await scratchTarget();
    const restored = await runRestore(run(), request({ target: target.url, jobs: 2 }));
    expect(restored.facts.rowCounts).toEqual(EXPECTED_ROWS);
  });

  describe('a failing backup publishes nothing and deletes nothing', () => {
    const listing = () => readdirSync(backupDir).sort();

    it('a pg_dump that dies mid-stream leaves no file, says why in one scrubbed line, and records status 0', async () => {
      const before = listing();
      const success = parseMetrics(
        await readFile(metricsFile, 'utf8'),
      ).rampart_backup_last_success_timestamp_seconds;
      const bin = fakeTools(
        join(work, 'dies'),
        'pg_dump (PostgreSQL) 99.0',
        'printf "PGDMP partial output"; echo "pg_dump: error: connection to server lost, password=hunter2 rejected" >&2; exit 1',
      );
      const error = await runBackup(run({ BACKUP_PG_BIN_DIR: bin, BACKUP_KEEP_DAILY: '1' })).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackupError);
      expect((error as Error).message).toBe(
        'pg_dump exited with 1: pg_dump: error: connection to server lost, password=*** rejected',
      );
      expect(listing()).toEqual(before);
      const metrics = parseMetrics(await readFile(metricsFile, 'utf8'));
      expect(metrics.rampart_backup_last_status).toBe(0);
      expect(metrics.rampart_backup_last_success_timestamp_seconds).toBe(success);
    });

    it('a pg_dump older than the server is refused with the fix', async () => {
      const bin = fakeTools(join(work, 'old'), 'pg_dump (PostgreSQL) 9.6.24', 'exit 1');
      await expect(runBackup(run({ BACKUP_PG_BIN_DIR: bin }))).rejects.toThrow(
        /pg_dump \(PostgreSQL\) 9\.6\.24 cannot dump a PostgreSQL \d+ server: install postgresql-client-\d+ and set BACKUP_PG_BIN_DIR/,
      );
    });

    it('an unreachable database fails with one line that hides the password', async () => {
      const before = listing();
      const url = new URL(source.url.toString());
      url.pathname = '/rampart_no_such_database';
      url.password = 'sup3rsecret';
      const error = await runBackup(run({ DATABASE_URL: url.toString() })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackupError);
      expect((error as Error).message).toMatch(/does not exist/);
      expect((error as Error).message).not.toContain('sup3rsecret');
      expect(listing()).toEqual(before);
    });

    it('no key: refused before anything runs', async () => {
      const config = configOf({ ...env(), BACKUP_ENCRYPTION_KEY: '' });
      await expect(runBackup({ config, logger: silentLogger, progress: silentProgress })).rejects.toThrow(
        /BACKUP_ENCRYPTION_KEY is not set/,
      );
    });
  });

  it('applies retention after a successful backup only, and never to the newest', async () => {
    const dir = join(work, 'retention');
    mkdirSync(dir, { recursive: true });
    const planted = ['20250101T020000Z', '20250102T020000Z', '20250103T020000Z', '20250103T140000Z'];
    for (const stamp of planted) {
      writeFileSync(join(dir, `rampart-${stamp}.dump.enc`), 'old');
      writeFileSync(join(dir, `rampart-${stamp}.manifest.json`), '{}');
    }
    writeFileSync(join(dir, 'rampart-20241231T020000Z.dump.enc'), 'orphan without a manifest');
    const names = () =>
      readdirSync(dir)
        .filter((n) => n.startsWith('rampart-'))
        .sort();
    const failing = fakeTools(join(work, 'fails'), 'pg_dump (PostgreSQL) 99.0', 'exit 1');
    await expect(
      runBackup(
        run({ BACKUP_DIR: dir, BACKUP_KEEP_DAILY: '1', BACKUP_KEEP_WEEKLY: '0', BACKUP_PG_BIN_DIR: failing }),
      ),
    ).rejects.toThrow(BackupError);
    expect(names()).toHaveLength(9);

    const outcome = await runBackup(
      run(
        { BACKUP_DIR: dir, BACKUP_KEEP_DAILY: '2', BACKUP_KEEP_WEEKLY: '0' },
        new Date('2025-01-04T02:00:00Z'),
      ),
    );
    expect(outcome.expired).toEqual([
      'rampart-20250103T020000Z.dump.enc',
      'rampart-20250102T020000Z.dump.enc',
      'rampart-20250101T020000Z.dump.enc',
    ]);
    expect(names()).toEqual([
      'rampart-20241231T020000Z.dump.enc', // orphans are reported, not deleted
      'rampart-20250103T140000Z.dump.enc',
      'rampart-20250103T140000Z.manifest.json',
      'rampart-20250104T020000Z.dump.enc',
      'rampart-20250104T020000Z.manifest.json',
    ]);
  });

  it('copies the backup and its manifest off-site when a bucket is set', async () => {
    const s3: S3Double = await startS3Double();
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIDEXAMPLE';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'secret-for-the-double';
    try {
      const outcome = await runBackup(
        run({
          BACKUP_DIR: join(work, 'offsite'),
          BACKUP_S3_BUCKET: 'rampart-backups',
          BACKUP_S3_ENDPOINT: s3.endpoint,
          BACKUP_S3_PREFIX: 'prod/',
        }),
      );
      const dumpName = outcome.manifest.file;
      const manifestName = dumpName.replace('.dump.enc', '.manifest.json');
      expect(outcome.uploaded).toEqual([
        `s3://rampart-backups/prod/${dumpName}`,
        `s3://rampart-backups/prod/${manifestName}`,
      ]);
      expect(
        s3.objects.get(`rampart-backups/prod/${dumpName}`)?.body.equals(await readFile(outcome.files.dump)),
      ).toBe(true);
      expect(s3.objects.get(`rampart-backups/prod/${manifestName}`)?.body.toString()).toBe(
        await readFile(outcome.files.manifest, 'utf8'),
      );
      // An off-site failure fails the backup (alerted), keeps the local files, and deletes nothing.
      s3.failing = true;
      await expect(
        runBackup(
          run(
            {
              BACKUP_DIR: join(work, 'offsite'),
              BACKUP_S3_BUCKET: 'rampart-backups',
              BACKUP_S3_ENDPOINT: s3.endpoint,
              BACKUP_KEEP_DAILY: '1',
            },
            new Date(Date.now() + 86_400_000),
          ),
        ),
      ).rejects.toThrow(/^off-site copy to s3:\/\/rampart-backups\/rampart-\S+\.dump\.enc failed/);
      expect(readdirSync(join(work, 'offsite')).filter((n) => n.endsWith('.dump.enc'))).toHaveLength(2);
    } finally {
      for (const [name, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
      await s3.close();
    }
  });

  describe('the rampart command', () => {
    const cliDir = join(work, 'cli');
    const cliMetrics = join(work, 'cli.prom');
    const cliEnv = (extra: Record<string, string> = {}) => ({
      ...env({ BACKUP_DIR: cliDir, BACKUP_METRICS_FILE: cliMetrics, LOG_LEVEL: 'info' }),
      ...extra,
    });
    beforeAll(() => {
      assertBuilt();
    });

    it('rampart backup then rampart restore --verify latest round-trip, with a log line and metrics each', async () => {
      const backup = await runRampart(['backup'], cliEnv());
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(
        /backup written: \S+rampart-\d{8}T\d{6}Z\.dump\.enc \([\d.]+ KiB, sha256 [0-9a-f]{64}\)/,
      );
      const logLine = backup.stdout.split('\n').find((l) => l.includes('"event":"backup"'));
      expect(JSON.parse(logLine!)).toMatchObject({
        level: 'info',
        status: 'succeeded',
        kind: 'postgres',
        rowCounts: EXPECTED_ROWS,
      });
      expect(backup.stdout).not.toContain(key);

      const verify = await runRampart(['restore', '--verify', 'latest'], cliEnv());
      expect(verify.stderr).toBe('');
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(
        /verified rampart-\S+ \(taken .+\) in rampart_verify_\S+: checksums, row counts, ledger balance and schema version \d+ match/,
      );
      const metrics = parseMetrics(await readFile(cliMetrics, 'utf8'));
      expect(metrics.rampart_backup_last_status).toBe(1);
      expect(metrics.rampart_backup_last_verify_status).toBe(1);
      expect(await scratchDatabasesLeft()).toEqual([]);
    });

    it('a wrong key exits 1 with one line', async () => {
      const result = await runRampart(
        ['restore', '--verify', 'latest'],
        cliEnv({ BACKUP_ENCRYPTION_KEY: randomBytes(32).toString('base64') }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^rampart: backup was encrypted with key id [0-9a-f]{16}, which is not BACKUP_ENCRYPTION_KEY or one of BACKUP_DECRYPTION_KEYS \(have [0-9a-f]{16}\)\n$/,
      );
      expect(parseMetrics(await readFile(cliMetrics, 'utf8')).rampart_backup_last_verify_status).toBe(0);
    });

    it('restore into a non-empty database without --force exits 1 with one line', async () => {
      const result = await runRampart(['restore', 'latest', '--target', source.url.toString()], cliEnv());
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^rampart: the target database is not empty .* without --force\n$/);
    });

    it('refuses wrong usage with exit 2', async () => {
      expect((await runRampart(['restore'], cliEnv())).code).toBe(2);
      expect((await runRampart(['restore', 'latest', '--verify', '--force'], cliEnv())).code).toBe(2);
      expect((await runRampart(['restore', 'latest', '--target', 'mysql://x'], cliEnv())).code).toBe(2);
      expect((await runRampart(['backup', 'extra'], cliEnv())).code).toBe(2);
      const help = await runRampart(['backup', '--help'], cliEnv());
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: rampart backup');
    });
  });
});
