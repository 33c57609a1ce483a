/**
 * `rampart doctor` as a whole, against fixture hosts: output formats, section selection, exit
 * codes, the service environment it assembles, and the option rules of sign-offs.
 */
import { describe, expect, it } from 'vitest';
import { OperatorError } from '../../src/platform/operator-error.js';
import { UsageError } from '../../src/cli/exit-codes.js';
import { doctorCommand, type DatabaseSession, type DoctorOptions } from '../../src/ops/doctor/command.js';
import { reportSha256, type DoctorReport } from '../../src/ops/doctor/run.js';
import { ITEMS } from '../../src/ops/doctor/registry.js';
import { ENV_FILE, envText, fakeHost, goodEnv, goodHost, NOW, ROOT, unitText } from './doctor-fixtures.js';

const OPTIONS: DoctorOptions = {
  format: 'json',
  only: undefined,
  sign: undefined,
  decision: undefined,
  note: undefined,
  signoffs: false,
  envFile: undefined,
};

const NO_DATABASE: DatabaseSession = {
  kind: 'unavailable',
  reason: 'DATABASE_URL is unset and there is no embedded database',
  embedded: true,
};

async function doctor(
  options: Partial<DoctorOptions>,
  host = goodHost(),
  shellEnv: Record<string, string> = {},
) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const opened: string[] = [];
  const code = await doctorCommand(
    { ...OPTIONS, ...options },
    {
      host: fakeHost(host),
      shellEnv,
      root: ROOT,
      version: '0.1.0-test',
      openDatabase: (config) => {
        opened.push(config.databaseUrl?.host ?? 'embedded');
        return Promise.resolve(NO_DATABASE);
      },
      io: { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line) },
    },
  );
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), opened };
}

describe('rampart doctor (fixture hosts)', () => {
  it('prints all 209 items as JSON with a summary and a hash anyone can recompute, and exits 1 on a FAIL', async () => {
    const { code, stdout } = await doctor({});
    const report = JSON.parse(stdout) as DoctorReport;
    expect(code).toBe(1);
    expect(report.items).toHaveLength(209);
    expect(report.items.map((i) => i.id)).toEqual(ITEMS.map((i) => i.id));
    for (const item of report.items) {
      expect(Object.keys(item)).toEqual(
        expect.arrayContaining(['id', 'section', 'title', 'status', 'detail', 'fix']),
      );
      expect(['PASS', 'WARN', 'FAIL', 'MANUAL']).toContain(item.status);
    }
    expect(report.summary.total).toBe(209);
    expect(report.summary.PASS + report.summary.WARN + report.summary.FAIL + report.summary.MANUAL).toBe(209);
    expect(report.generatedAt).toBe(NOW.toISOString());
    const { sha256, ...rest } = report;
    expect(reportSha256(rest)).toBe(sha256);
    // Without a database the report fails on it, and says why, once per database item.
    expect(report.items.find((i) => i.id === 'app.config.database-url')).toMatchObject({ status: 'FAIL' });
  });

  it('reads the configuration the service runs with: its unit’s Environment=, its env file, then the shell', async () => {
    const host = goodHost();
    host.files['/etc/systemd/system/rampart.service'] = unitText('serve').replace(
      '[Service]',
      '[Service]\nEnvironment=LOG_LEVEL=debug ORG_NAME=Unit',
    );
    const fromFile = await doctor({ only: 'app.config.log-level' }, host);
    // The env file (LOG_LEVEL=info) overrides the unit's Environment= (debug).
    expect((JSON.parse(fromFile.stdout) as DoctorReport).items[0]).toMatchObject({
      status: 'PASS',
      detail: 'LOG_LEVEL=info',
    });
    const fromShell = await doctor({ only: 'app.config.log-level' }, host, { LOG_LEVEL: 'trace' });
    expect((JSON.parse(fromShell.stdout) as DoctorReport).items[0]?.detail).toMatch(/LOG_LEVEL=trace/);
    expect(fromFile.opened).toEqual(['127.0.0.1:5432']);
  });

  it('takes the env file from --env-file, and says so when it cannot read it', async () => {
    const host = goodHost();
    host.files['/srv/rampart.env'] = {
      text: envText({ ...goodEnv(), LOG_LEVEL: 'warn' }),
      mode: 0o600,
      uid: 999,
    };
    const chosen = await doctor({ only: 'app.config.log-level', envFile: '/srv/rampart.env' }, host);
    expect((JSON.parse(chosen.stdout) as DoctorReport).items[0]?.detail).toBe('LOG_LEVEL=warn');
    host.files[ENV_FILE] = { denied: true };
    const denied = await doctor({ only: 'app.config.required' }, host);
    expect((JSON.parse(denied.stdout) as DoctorReport).items[0]?.detail).toMatch(/rampart\.env not readable/);
  });

  it('checks one section with --only, by name, short name or id prefix, and refuses an unknown one', async () => {
    const byName = JSON.parse((await doctor({ only: 'Database' })).stdout) as DoctorReport;
    expect(byName.items).toHaveLength(19);
    expect(new Set(byName.items.map((i) => i.section))).toEqual(new Set(['Database']));
    expect(byName.only).toBe('Database');
    const bySlug = JSON.parse((await doctor({ only: 'team' })).stdout) as DoctorReport;
    expect(bySlug.items.every((i) => i.status === 'MANUAL' || i.route === 'doc')).toBe(true);
    const byPrefix = JSON.parse((await doctor({ only: 'db.backup' })).stdout) as DoctorReport;
    expect(byPrefix.items.map((i) => i.id)).toEqual(
      ITEMS.filter((i) => i.id.startsWith('db.backup.')).map((i) => i.id),
    );
    await expect(doctor({ only: 'nope' })).rejects.toThrow(UsageError);
  });

  it('judges the meta items over the whole checklist even when only their section is shown', async () => {
    const { stdout, code } = await doctor({ only: 'prelaunch' });
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.items.find((i) => i.id === 'prelaunch.go.critical-resolved')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/items failing: .*db\./) as unknown,
    });
    expect(code).toBe(1);
  });

  it('exits 0 when nothing fails', async () => {
    const { code, stdout } = await doctor({ only: 'team' });
    expect((JSON.parse(stdout) as DoctorReport).summary.FAIL).toBe(0);
    expect(code).toBe(0);
  });

  it('prints a table grouped by section, with the detail and the fix of every item that does not pass', async () => {
    const { stdout } = await doctor({ format: 'table' });
    expect(stdout).toContain('== Infrastructure (14: ');
    expect(stdout).toMatch(/^PASS {4}infra\.server\.provisioned +Server provisioned/m);
    expect(stdout).toMatch(
      /^FAIL {4}app\.config\.database-url +Database URL correct\n {8}DATABASE_URL is unset.*\n {8}fix: /m,
    );
    expect(stdout).toMatch(/^209 items: \d+ PASS, \d+ WARN, \d+ FAIL, \d+ MANUAL$/m);
    expect(stdout).toMatch(/^report sha256 [0-9a-f]{64} \(anchor-1, /m);
  });

  it('prints Markdown with one row per item and escaped cells', async () => {
    const { stdout } = await doctor({ format: 'markdown' });
    const rows = stdout.split('\n').filter((line) => /^\| \d+ \| `/.test(line));
    expect(rows).toHaveLength(209);
    for (const row of rows) expect(row.match(/(?<!\\)\|/g)).toHaveLength(7);
    expect(stdout).toMatch(/^# Rampart production readiness report$/m);
  });

  it('refuses sign-off options that do not fit, before checking anything', async () => {
    await expect(doctor({ sign: 'Technical: Ada' })).rejects.toThrow(/--decision go or --decision no-go/);
    await expect(doctor({ sign: 'Janitor: Ada', decision: 'go' })).rejects.toThrow(
      /role Technical, Operations, Security, Product/,
    );
    await expect(doctor({ sign: 'Technical:', decision: 'go' })).rejects.toThrow(/a name/);
    await expect(doctor({ sign: 'Technical: Ada', decision: 'maybe' })).rejects.toThrow(UsageError);
    await expect(doctor({ decision: 'go' })).rejects.toThrow(/go with --sign/);
    await expect(doctor({ sign: 'Technical: Ada', decision: 'go', only: 'db' })).rejects.toThrow(
      /whole checklist/,
    );
  });

  it('cannot sign or list sign-offs without a database, and says why', async () => {
    await expect(doctor({ sign: 'Security Lead: Grace', decision: 'no-go' })).rejects.toThrow(OperatorError);
    await expect(doctor({ signoffs: true })).rejects.toThrow(
      /cannot read the sign-offs: DATABASE_URL is unset/,
    );
  });
});
