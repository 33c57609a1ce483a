/**
 * `rampart doctor` as an operator runs it: the compiled command as a process. On a development
 * machine most items FAIL or are MANUAL — that is the honest answer — so these tests assert the
 * shape of the report and the exit codes, never this machine's state. Every path the doctor would
 * read from the deploy kit's defaults is pointed into a temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/ops/doctor/run.js';
import { reportSha256 } from '../../src/ops/doctor/run.js';
import { assertBuilt, freePort, runRampart } from '../support/cli.js';
import { createScratchPostgres, databaseKinds } from '../support/databases.js';

const RUN_TIMEOUT_MS = 90_000;

describe('rampart doctor (the process)', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'rampart-doctor-'));
    env = {
      RAMPART_DATA_DIR: join(dir, 'data'),
      DOCTOR_ENV_FILE: join(dir, 'rampart.env'),
      DOCTOR_SYSTEMD_DIR: join(dir, 'systemd'),
      DOCTOR_NGINX_SITE: join(dir, 'nginx-site'),
      DOCTOR_NPM_AUDIT: 'false',
      DOCTOR_CHECK_TIMEOUT_MS: '8000',
      // Nothing listens here: the health items fail fast instead of finding another test's server.
      PUBLIC_URL: `http://127.0.0.1:${await freePort()}`,
    };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'prints 209 items as JSON and exits 1 on a development setup',
    async () => {
      const result = await runRampart(['doctor', '--json'], env, RUN_TIMEOUT_MS);
      expect(result.code, result.stderr).toBe(1);
      const report = JSON.parse(result.stdout) as DoctorReport;
      expect(report.items).toHaveLength(209);
      for (const item of report.items) {
        expect(typeof item.id).toBe('string');
        expect(typeof item.section).toBe('string');
        expect(typeof item.title).toBe('string');
        expect(['PASS', 'WARN', 'FAIL', 'MANUAL']).toContain(item.status);
      }
      expect(report.summary.total).toBe(209);
      expect(report.summary.FAIL).toBeGreaterThan(0);
      const { sha256, ...rest } = report;
      expect(reportSha256(rest)).toBe(sha256);
      // The embedded database is not production, whatever else this machine has.
      expect(report.items.find((i) => i.id === 'infra.deps.postgresql')?.status).toBe('FAIL');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'prints Markdown with a row per item, and one section with --only',
    async () => {
      const markdown = await runRampart(['doctor', '--markdown'], env, RUN_TIMEOUT_MS);
      expect(markdown.code).toBe(1);
      expect(markdown.stdout.split('\n').filter((line) => /^\| \d+ \| `/.test(line))).toHaveLength(209);
      const only = await runRampart(['doctor', '--only', 'docs', '--json'], env, RUN_TIMEOUT_MS);
      const report = JSON.parse(only.stdout) as DoctorReport;
      expect(report.items).toHaveLength(12);
      expect(new Set(report.items.map((i) => i.section))).toEqual(new Set(['Documentation']));
    },
    RUN_TIMEOUT_MS,
  );

  it('exits 2 with one line on wrong usage', async () => {
    for (const args of [
      ['doctor', '--only', 'nope'],
      ['doctor', '--sign', 'Technical: Ada'],
      ['doctor', '--json', '--markdown'],
      ['doctor', 'extra'],
    ]) {
      const result = await runRampart(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stdout).toBe('');
    }
    const help = await runRampart(['doctor', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--sign "ROLE: NAME"');
  });

  it(
    'refuses to sign without a database, with one line and exit 1',
    async () => {
      const result = await runRampart(
        ['doctor', '--sign', 'Technical: Ada', '--decision', 'go'],
        env,
        RUN_TIMEOUT_MS,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^rampart: cannot record the sign-off: DATABASE_URL is unset/m);
    },
    RUN_TIMEOUT_MS,
  );

  describe.runIf(databaseKinds.includes('postgres'))('on PostgreSQL', () => {
    let scratch: Awaited<ReturnType<typeof createScratchPostgres>>;
    beforeAll(async () => {
      scratch = await createScratchPostgres();
    });
    afterAll(async () => {
      await scratch.drop();
    });

    it(
      'checks the database, records a sign-off against the report and lists it',
      async () => {
        const db = { ...env, DATABASE_URL: scratch.url.toString() };
        const before = JSON.parse(
          (await runRampart(['doctor', '--only', 'db.setup', '--json'], db, RUN_TIMEOUT_MS)).stdout,
        ) as DoctorReport;
        expect(before.items.find((i) => i.id === 'db.setup.migrations')).toMatchObject({
          status: 'FAIL',
          fix: 'rampart migrate up',
        });
        expect((await runRampart(['migrate', 'up'], db)).code).toBe(0);
        const signed = await runRampart(
          [
            'doctor',
            '--json',
            '--sign',
            'Operations: Bob',
            '--decision',
            'no-go',
            '--note',
            'firewall first',
          ],
          db,
          RUN_TIMEOUT_MS,
        );
        expect(signed.code, signed.stderr).toBe(0);
        const report = JSON.parse(signed.stdout) as DoctorReport;
        expect(report.items.find((i) => i.id === 'db.setup.migrations')?.status).toBe('PASS');
        expect(report.items.find((i) => i.id === 'infra.deps.postgresql')?.status).toBe('PASS');
        const listed = await runRampart(['doctor', '--signoffs', '--json'], db, RUN_TIMEOUT_MS);
        expect(listed.code).toBe(0);
        expect(JSON.parse(listed.stdout)).toEqual([
          expect.objectContaining({
            role: 'Operations',
            name: 'Bob',
            decision: 'no-go',
            reportSha256: report.sha256,
            note: 'firewall first',
          }),
        ]);
      },
      3 * RUN_TIMEOUT_MS,
    );
  });
});
