import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrateUp, migrationStatus, MigrationError } from '../../src/platform/db/migrator.js';
import { migrations, type Migration } from '../../src/platform/db/migrations/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

describe.each(databaseKinds)('migrations on %s', (kind) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it('applies every migration once, records checksums and reports current', async () => {
    test = await createTestDatabase(kind, { migrate: false });
    const before = await migrationStatus(test.database.db, migrations);
    expect(before.current).toBe(false);
    expect(before.migrations.every((m) => m.state === 'pending')).toBe(true);

    const first = await migrateUp(test.database.db, migrations);
    expect(first.applied.map((m) => m.version)).toEqual(migrations.map((m) => m.version));
    const second = await migrateUp(test.database.db, migrations);
    expect(second.applied).toEqual([]);

    const after = await migrationStatus(test.database.db, migrations);
    expect(after.current).toBe(true);
    const extension = await sql<{
      extname: string;
    }>`select extname from pg_extension where extname = 'pgcrypto'`.execute(test.database.db);
    expect(extension.rows).toHaveLength(1);
  });

  it('reports status without writing: the application role may not create tables', async () => {
    test = await createTestDatabase(kind, { migrate: false });
    const report = await migrationStatus(test.database.db, migrations);
    expect(report.migrations.every((m) => m.state === 'pending')).toBe(true);
    const table = await sql<{
      name: string | null;
    }>`select to_regclass('schema_migrations')::text as name`.execute(test.database.db);
    expect(table.rows[0]?.name).toBeNull();
  });

  it('refuses to run when an applied migration was changed', async () => {
    test = await createTestDatabase(kind);
    const edited: Migration[] = migrations.map((m, i) =>
      i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m,
    );
    const report = await migrationStatus(test.database.db, edited);
    expect(report.current).toBe(false);
    expect(report.migrations[0]?.state).toBe('changed');
    await expect(migrateUp(test.database.db, edited)).rejects.toThrow(MigrationError);
    await expect(migrateUp(test.database.db, edited)).rejects.toThrow(/was changed after it was applied/);
  });

  it('refuses to run when the database has a migration this code does not know', async () => {
    test = await createTestDatabase(kind);
    await test.database.db
      .insertInto('schema_migrations')
      .values({ version: 999, name: 'future', checksum: 'x' })
      .execute();
    const report = await migrationStatus(test.database.db, migrations);
    expect(report.current).toBe(false);
    await expect(migrateUp(test.database.db, migrations)).rejects.toThrow(/unknown to this version/);
  });

  it('rolls back a failing migration entirely', async () => {
    test = await createTestDatabase(kind);
    const broken: Migration = {
      version: migrations.length + 1,
      name: 'broken',
      sql: 'create table half_done (id int); select 1/0;',
    };
    await expect(migrateUp(test.database.db, [...migrations, broken])).rejects.toThrow();
    const table = await sql<{
      n: string;
    }>`select count(*) as n from information_schema.tables where table_name = 'half_done'`.execute(
      test.database.db,
    );
    expect(table.rows[0]?.n).toBe('0');
    const report = await migrationStatus(test.database.db, [...migrations, broken]);
    expect(report.migrations.at(-1)?.state).toBe('pending');
  });
});
