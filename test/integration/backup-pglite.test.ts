import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/ops/backup/backup.js';
import { HEADER_BYTES } from '../../src/ops/backup/format.js';
import { silentProgress } from '../../src/ops/backup/progress.js';
import { runRestore, runVerify, type RestoreRequest } from '../../src/ops/backup/restore.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { migrateUp, migrationStatus } from '../../src/platform/db/migrator.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import { ledgerImbalance } from '../../src/platform/ledger-store.js';
import { silentLogger } from '../support/databases.js';
import { configOf, seed, SEEDED_ROWS } from './backup-support.js';

const openEmbedded = (dataDir: string) =>
  openDatabase({
    url: undefined,
    dataDir,
    poolMax: 1,
    statementTimeoutMs: 15_000,
    connectTimeoutMs: 5000,
    slowQueryMs: 10_000,
    logger: silentLogger,
  });

describe('backup and restore of the embedded database (PGlite)', () => {
  const work = mkdtempSync(join(tmpdir(), 'rampart-backup-pglite-'));
  const dataDir = join(work, 'data');
  const backupDir = join(work, 'backups');
  const key = randomBytes(32).toString('hex');
  const run = (extra: Record<string, string> = {}) => ({
    config: configOf({
      RAMPART_DATA_DIR: dataDir,
      BACKUP_DIR: backupDir,
      BACKUP_ENCRYPTION_KEY: key,
      ...extra,
    }),
    logger: silentLogger,
    progress: silentProgress,
    stdout: () => undefined,
  });
  const request = (overrides: Partial<RestoreRequest> = {}): RestoreRequest => ({
    source: 'latest',
    target: undefined,
    dataDir: undefined,
    force: false,
    jobs: 1,
    ...overrides,
  });

  beforeAll(async () => {
    const database = await openEmbedded(dataDir);
    try {
      await migrateUp(database.db, migrations);
      await seed(database);
    } finally {
      await database.close();
    }
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('backs up the data directory encrypted, with a manifest of kind pglite', async () => {
    const { manifest, files } = await runBackup(run());
    expect((await stat(files.dump)).mode & 0o777).toBe(0o600);
    expect((await stat(files.manifest)).mode & 0o777).toBe(0o600);
    expect(manifest).toMatchObject({
      kind: 'pglite',
      database: null,
      pg_dump_version: null,
      row_counts: SEEDED_ROWS,
      ledger_imbalance: [],
      size_bytes: (await stat(files.dump)).size,
    });
    expect(manifest.schema_version.latest).toBe(migrations.length);
    expect((await readFile(files.dump))[10]).toBe(2); // content: PGlite tarball
  });

  it('verifies in an in-memory database: checksums, row counts, ledger and schema version', async () => {
    const outcome = await runVerify(run(), request());
    expect(outcome.facts.rowCounts).toEqual(SEEDED_ROWS);
    expect(outcome.facts.schemaVersion).toEqual(outcome.manifest.schema_version);
  });

  it('restores into a new data directory that Rampart then opens as its database', async () => {
    const target = join(work, 'restored');
    const restored = await runRestore(run(), request({ dataDir: target }));
    expect(restored.facts.rowCounts).toEqual(SEEDED_ROWS);
    const database = await openEmbedded(target);
    try {
      expect((await migrationStatus(database.db, migrations)).current).toBe(true);
      expect(await ledgerImbalance(database.db)).toEqual([]);
      const rows = await database.db
        .selectFrom('transactions')
        .select('stellar_memo')
        .orderBy('stellar_memo')
        .execute();
      expect(rows.map((r) => r.stellar_memo)).toEqual(['42', null]);
    } finally {
      await database.close();
    }
  });

  it('refuses to replace an existing embedded database without --force, and moves it aside with --force', async () => {
    await expect(runRestore(run(), request())).rejects.toThrow(
      /already exists; refusing to replace it without --force/,
    );
    const restored = await runRestore(run(), request({ force: true }));
    expect(restored.facts.rowCounts).toEqual(SEEDED_ROWS);
    const aside = readdirSync(dataDir).filter((name) => name.startsWith('pglite.replaced-'));
    expect(aside).toHaveLength(1);
    expect(existsSync(join(dataDir, aside[0]!, 'PG_VERSION'))).toBe(true);
  });

  it('refuses, in one line, to back up while another process holds the data directory', async () => {
    writeFileSync(join(dataDir, 'rampart.lock'), String(process.ppid));
    try {
      const before = readdirSync(backupDir).sort();
      await expect(runBackup(run())).rejects.toThrow(
        /^the embedded database is in use \(.*\); stop Rampart to back it up, or use PostgreSQL \(DATABASE_URL\) for online backups$/,
      );
      expect(readdirSync(backupDir).sort()).toEqual(before);
    } finally {
      rmSync(join(dataDir, 'rampart.lock'), { force: true });
    }
  });

  it('fails verification of a modified file', async () => {
    const name = readdirSync(backupDir)
      .filter((n) => n.endsWith('.dump.enc'))
      .sort()
      .at(-1)!;
    const dir = join(work, 'tampered');
    mkdirSync(dir);
    copyFileSync(join(backupDir, name), join(dir, name));
    copyFileSync(
      join(backupDir, name.replace('.dump.enc', '.manifest.json')),
      join(dir, name.replace('.dump.enc', '.manifest.json')),
    );
    const bytes = await readFile(join(dir, name));
    bytes[HEADER_BYTES + 7] = (bytes[HEADER_BYTES + 7] ?? 0) ^ 0x10;
    await writeFile(join(dir, name), bytes);
    await expect(runVerify(run(), request({ source: join(dir, name) }))).rejects.toThrow(/SHA-256/);
  });

  it('refuses an in-memory database: there is nothing to back up', async () => {
    await expect(runBackup(run({ RAMPART_DATA_DIR: 'memory://' }))).rejects.toThrow(/memory/);
  });
});
