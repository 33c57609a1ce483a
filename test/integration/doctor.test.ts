/**
 * The doctor against real databases (PGlite always; PostgreSQL with TEST_DATABASE_URL or CI=true):
 * the database checks pass on a migrated database, the role checks tell a least-privileged role
 * from a superuser, and sign-offs are recorded against the report's hash, listed, and never changed.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/ops/doctor/checks/index.js';
import { doctorCommand, type DoctorOptions } from '../../src/ops/doctor/command.js';
import type { CheckContext } from '../../src/ops/doctor/context.js';
import type { Outcome } from '../../src/ops/doctor/outcome.js';
import { reportSha256, type DoctorReport } from '../../src/ops/doctor/run.js';
import { listSignoffs, recordSignoff } from '../../src/ops/doctor/signoffs.js';
import { kyselySqlProbe, type SqlProbe } from '../../src/ops/doctor/sql-probe.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { postgresTestUrl } from '../support/services.js';
import { contextOf, fakeHost, goodHost, goodWorld, ROOT } from '../unit/doctor-fixtures.js';

async function check(context: CheckContext, id: string): Promise<Outcome> {
  const found = CHECKS.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no check ${id}`);
  return found.run(context);
}

/** A context whose host is the production-like fixture and whose database is the real one. */
async function contextWith(probe: SqlProbe): Promise<CheckContext> {
  const context = await contextOf(goodWorld());
  return { ...context, database: { kind: 'open', sql: probe } };
}

const OPTIONS: DoctorOptions = {
  format: 'json',
  only: undefined,
  sign: undefined,
  decision: undefined,
  note: undefined,
  signoffs: false,
  envFile: undefined,
};

describe.each(databaseKinds)('rampart doctor on %s', (kind) => {
  let test: TestDatabase;
  let probe: SqlProbe;

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    probe = kyselySqlProbe(test.database.db, kind, test.url);
  });
  afterAll(async () => {
    await test.drop();
  });

  async function doctor(options: Partial<DoctorOptions>) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await doctorCommand(
      { ...OPTIONS, ...options },
      {
        host: fakeHost(goodHost()),
        shellEnv: {},
        root: ROOT,
        version: '0.1.0-test',
        openDatabase: () =>
          Promise.resolve({
            kind: 'open',
            database: test.database,
            url: test.url,
            close: () => Promise.resolve(),
          }),
        io: { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) },
      },
    );
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  }

  it('passes the database checks on a migrated database', async () => {
    const context = await contextWith(probe);
    for (const id of ['db.reachable', 'db.migrations', 'db.statistics', 'db.indexes']) {
      const outcome = await check(context, id);
      expect(outcome.status, `${id}: ${outcome.detail}`).toBe('PASS');
    }
    expect((await check(context, 'db.migrations')).detail).toMatch(/^all \d+ migrations applied$/);
  });

  it('fails migrations that are pending', async () => {
    const fresh = await createTestDatabase(kind, { migrate: false });
    try {
      const outcome = await check(
        await contextWith(kyselySqlProbe(fresh.database.db, kind, fresh.url)),
        'db.migrations',
      );
      expect(outcome).toMatchObject({ status: 'FAIL', fix: 'rampart migrate up' });
    } finally {
      await fresh.drop();
    }
  });

  it('reads the extensions the migrations enabled', async () => {
    const outcome = await check(await contextWith(probe), 'db.extensions');
    if (kind === 'pglite')
      expect(outcome).toMatchObject({
        status: 'WARN',
        detail: expect.stringMatching(/pgcrypto only/) as unknown,
      });
    else expect(outcome.detail).toMatch(/pgcrypto/);
  });

  it('records a go/no-go sign-off with the report’s hash, lists it, and the Go/No-Go item reads it', async () => {
    const signed = await doctor({
      sign: 'Technical Lead: Ada Lovelace',
      decision: 'go',
      note: 'pending items accepted in the launch meeting',
    });
    expect(signed.code).toBe(0);
    const report = JSON.parse(signed.stdout) as DoctorReport;
    const { sha256, ...rest } = report;
    expect(reportSha256(rest)).toBe(sha256);
    expect(signed.stderr).toMatch(
      new RegExp(`recorded go by Technical: Ada Lovelace at .* for report ${sha256}`),
    );
    expect(signed.stderr).toMatch(/warning: "go" recorded with \d+ items failing/);

    const [row] = (await listSignoffs(test.database.db)).filter((s) => s.reportSha256 === sha256);
    expect(row).toMatchObject({
      role: 'Technical',
      name: 'Ada Lovelace',
      decision: 'go',
      note: 'pending items accepted in the launch meeting',
      host: 'anchor-1',
      rampartVersion: '0.1.0-test',
      counts: {
        PASS: report.summary.PASS,
        WARN: report.summary.WARN,
        FAIL: report.summary.FAIL,
        MANUAL: report.summary.MANUAL,
      },
    });

    const listed = await doctor({ signoffs: true, format: 'table' });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`Technical +Ada Lovelace +go +${sha256}`));
    expect(listed.stdout).toContain('note: pending items accepted in the launch meeting');

    const after = JSON.parse((await doctor({ only: 'prelaunch.go' })).stdout) as DoctorReport;
    expect(after.items.find((i) => i.id === 'prelaunch.go.technical')).toMatchObject({
      status: 'PASS',
      detail: expect.stringMatching(/^go by Ada Lovelace/) as unknown,
    });
    expect(after.items.find((i) => i.id === 'prelaunch.go.security')?.status).toBe('MANUAL');
  });

  it('lets a later no-go supersede a go, and lists sign-offs as JSON', async () => {
    const noGo = await doctor({ sign: 'Security: Grace Hopper', decision: 'no-go' });
    expect(noGo.code).toBe(0);
    const listed = JSON.parse((await doctor({ signoffs: true })).stdout) as {
      role: string;
      decision: string;
      signedAt: string;
    }[];
    expect(listed.map((s) => `${s.role} ${s.decision}`)).toEqual(
      expect.arrayContaining(['Technical go', 'Security no-go']),
    );
    const report = JSON.parse((await doctor({ only: 'prelaunch.go.security' })).stdout) as DoctorReport;
    expect(report.items[0]).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/^no-go by Grace Hopper/) as unknown,
    });
  });

  it('keeps sign-offs append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
    await recordSignoff(test.database.db, {
      signer: { role: 'Product', name: 'Katherine Johnson' },
      decision: 'go',
      reportSha256: 'd'.repeat(64),
      counts: { PASS: 1, WARN: 0, FAIL: 0, MANUAL: 208 },
      note: undefined,
      host: 'test',
      rampartVersion: 'test',
    });
    await expect(sql`update signoffs set decision = 'no-go'`.execute(test.database.db)).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(sql`delete from signoffs`.execute(test.database.db)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(sql`truncate signoffs`.execute(test.database.db)).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    );
    expect((await listSignoffs(test.database.db)).some((s) => s.name === 'Katherine Johnson')).toBe(true);
  });

  it('refuses a sign-off the table would not hold', async () => {
    await expect(
      sql`insert into signoffs (role, name, decision, report_sha256, items_pass, items_warn, items_fail, items_manual, host, rampart_version)
          values ('Janitor', 'x', 'go', ${'e'.repeat(64)}, 0, 0, 0, 0, 'h', 'v')`.execute(test.database.db),
    ).rejects.toThrow();
    await expect(
      sql`insert into signoffs (role, name, decision, report_sha256, items_pass, items_warn, items_fail, items_manual, host, rampart_version)
          values ('Technical', 'x', 'maybe', 'not-a-hash', 0, 0, 0, 0, 'h', 'v')`.execute(test.database.db),
    ).rejects.toThrow();
  });
});

describe.runIf(databaseKinds.includes('postgres'))('rampart doctor on PostgreSQL roles', () => {
  let test: TestDatabase;
  let admin: pg.Client;
  let app: pg.Client;
  const role = `rampart_t_app_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

  /** A probe over one session, so SET ROLE holds for every statement. */
  function clientProbe(client: pg.Client, url: URL): SqlProbe {
    return {
      kind: 'postgres',
      url,
      async query<Row>(text: string): Promise<readonly Row[]> {
        return (await client.query(text)).rows as Row[];
      },
    };
  }

  beforeAll(async () => {
    test = await createTestDatabase('postgres');
    const url = test.url ?? new URL('postgres://unset');
    admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    // The deploy kit's least-privilege setup, in miniature: DML on the tables, nothing on the
    // append-only ones but SELECT and INSERT, no CREATE anywhere.
    await admin.query(`create role ${role} nologin`);
    await admin.query('revoke create on schema public from public');
    await admin.query(`grant usage on schema public to ${role}`);
    await admin.query(`grant select, insert, update, delete on all tables in schema public to ${role}`);
    const audit = await admin.query<{ relname: string }>(
      "select distinct c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid where p.proname = 'rampart_forbid_change'",
    );
    for (const { relname } of audit.rows)
      await admin.query(`revoke update, delete on ${relname} from ${role}`);
    app = new pg.Client({ connectionString: url.toString() });
    await app.connect();
    await app.query(`set role ${role}`);
  });
  afterAll(async () => {
    await app.end();
    await admin.end();
    await test.drop();
    const base = postgresTestUrl();
    if (base === undefined) return;
    const cleanup = new pg.Client({ connectionString: base.toString() });
    await cleanup.connect();
    try {
      await cleanup.query(`drop role if exists ${role}`);
    } finally {
      await cleanup.end();
    }
  });

  it('passes a least-privileged application role', async () => {
    const context = await contextWith(clientProbe(app, test.url ?? new URL('postgres://x')));
    const privileges = await check(context, 'db.privileges');
    expect(privileges.status, privileges.detail).toBe('PASS');
    expect(privileges.detail).toMatch(
      new RegExp(
        `^${role}: DML only, no CREATE, no table owned; \\d+ append-only tables read and insert only$`,
      ),
    );
    expect(await check(context, 'db.dedicated-user')).toMatchObject({
      status: 'PASS',
      detail: `connects as ${role}`,
    });
    expect((await check(context, 'db.reachable')).status).toBe('PASS');
  });

  it('fails the superuser the tests connect as, and every table it owns', async () => {
    const context = await contextWith(clientProbe(admin, test.url ?? new URL('postgres://x')));
    const privileges = await check(context, 'db.privileges');
    expect(privileges.status).toBe('FAIL');
    expect(privileges.detail).toMatch(/has SUPERUSER/);
    expect((await check(context, 'db.superusers')).status).toBe('FAIL');
  });

  it('reads the server’s settings and pg_hba rules as a superuser, and asks for root or a person otherwise', async () => {
    const asAdmin = await contextWith(clientProbe(admin, test.url ?? new URL('postgres://x')));
    const hba = await check(asAdmin, 'db.hba');
    expect(hba.detail).toMatch(/pg_hba_file_rules/);
    const listen = await check(asAdmin, 'db.listen');
    expect(listen.detail).toMatch(/^listen_addresses = '/);
    for (const id of [
      'db.version',
      'db.production',
      'db.pool',
      'db.tuning',
      'db.slow-log',
      'db.autovacuum',
      'db.replication',
    ]) {
      const outcome = await check(asAdmin, id);
      expect(outcome.detail, id).not.toMatch(/could not query/);
    }
    expect((await check(asAdmin, 'db.version')).status).toBe('PASS');
    const asApp = await check(
      await contextWith(clientProbe(app, test.url ?? new URL('postgres://x'))),
      'db.hba',
    );
    // The view and SHOW hba_file are refused to the role; the fixture host has no pg_hba.conf for this server's version.
    expect(['MANUAL', 'PASS', 'WARN', 'FAIL']).toContain(asApp.status);
    expect(asApp.detail).not.toMatch(/could not query/);
  });
});
