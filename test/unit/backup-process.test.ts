import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupError } from '../../src/ops/backup/errors.js';
import { childEnvironment, runCommand, scrub, summarise } from '../../src/ops/backup/process.js';
import {
  archiveContents,
  libpqTarget,
  parseToolVersion,
  restoreListOf,
} from '../../src/ops/backup/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-backup-process-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const spec = (program: string, extra: Partial<Parameters<typeof runCommand>[0]> = {}) => ({
  program,
  args: [],
  env: childEnvironment({}),
  timeoutMs: 5000,
  secrets: ['hunter2'],
  missingHint: 'install it',
  ...extra,
});

describe('external commands', () => {
  it('scrubs passwords: given secrets, URL passwords and password= options', () => {
    expect(scrub('auth failed for hunter2 and hunter%32', ['hunter2'])).toBe(
      'auth failed for *** and hunter%32',
    );
    expect(scrub('connect postgres://app:s3cr%40t@db/x failed', [])).toBe(
      'connect postgres://app:***@db/x failed',
    );
    expect(scrub('dsn "host=db password=abc user=x"', [])).toBe('dsn "host=db password=*** user=x"');
    expect(scrub('p@ss/word', ['p@ss/word'])).toBe('***');
    expect(scrub('p%40ss%2Fword', ['p@ss/word'])).toBe('***');
  });

  it('summarises the lines that say error, else the last ones', () => {
    expect(summarise(['pg_dump: dumping', 'pg_dump: error: connection lost', 'pg_dump: bye'])).toBe(
      'pg_dump: error: connection lost',
    );
    expect(summarise(['a', 'b', 'c', 'd'])).toBe('b | c | d');
    expect(summarise([])).toBe('');
  });

  it('ends a failing program as one line with its exit status and scrubbed stderr', async () => {
    const program = script(
      'fails',
      'echo "progress" >&2; echo "fatal: password hunter2 rejected" >&2; exit 3',
    );
    const error = await runCommand(spec(program)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toBe('fails exited with 3: fatal: password *** rejected');
  });

  it('stops a program that runs past its timeout and says which setting allows more', async () => {
    const program = script('sleeps', 'sleep 30');
    const started = Date.now();
    await expect(
      runCommand(spec(program, { timeoutMs: 300, timeoutSetting: 'BACKUP_TIMEOUT_MS' })),
    ).rejects.toThrow('sleeps timed out after 300 ms (BACKUP_TIMEOUT_MS)');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('says how to install a missing program', async () => {
    await expect(runCommand(spec(join(dir, 'no-such-tool')))).rejects.toThrow(
      'no-such-tool not found: install it',
    );
  });

  it('runs with explicit arguments (no shell) and a minimal environment without our secrets', async () => {
    const program = script('env', 'printf "%s|" "$1"; env');
    process.env['BACKUP_ENCRYPTION_KEY'] = 'must-not-leak';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'must-not-leak-either';
    try {
      const out = await runCommand(
        spec(program, { args: ['$(touch /tmp/x); `id`'], env: childEnvironment({ PGPASSWORD: 'p' }) }),
      );
      expect(out.startsWith('$(touch /tmp/x); `id`|')).toBe(true);
      expect(out).toContain('PGPASSWORD=p');
      expect(out).toContain('LC_ALL=C');
      expect(out).not.toContain('must-not-leak');
    } finally {
      delete process.env['BACKUP_ENCRYPTION_KEY'];
      delete process.env['AWS_SECRET_ACCESS_KEY'];
    }
  });

  it('moves a URL password into PGPASSWORD, never onto the command line', () => {
    const target = libpqTarget(
      new URL('postgres://backup:p%40ss@db.internal:5433/rampart?sslmode=require&password=other'),
    );
    expect(target.dbname).toBe('postgres://backup@db.internal:5433/rampart?sslmode=require');
    expect(target.env['PGPASSWORD']).toBe('p@ss');
    expect(target.secrets).toEqual(['p@ss']);
    expect(target.shown).not.toContain('p%40ss');
    const query = libpqTarget(new URL('postgres://backup@db/rampart?password=q'));
    expect(query.dbname).toBe('postgres://backup@db/rampart');
    expect(query.env['PGPASSWORD']).toBe('q');
  });

  it('reads the major version of the PostgreSQL tools', () => {
    expect(parseToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n')).toEqual({
      text: 'pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)',
      major: 15,
    });
    expect(parseToolVersion('pg_restore (PostgreSQL) 17.2')?.major).toBe(17);
    expect(parseToolVersion('pg_dump (PostgreSQL) 9.6.24')?.major).toBe(9);
    expect(parseToolVersion('something else')).toBeUndefined();
  });

  it('restores everything but extensions, which need their owner, and counts the entries for progress', () => {
    const list = [
      ';',
      '; Selected TOC Entries:',
      ';',
      '3; 3079 90935 EXTENSION - pg_stat_statements ',
      '3691; 0 0 COMMENT - EXTENSION pg_stat_statements ',
      '2; 3079 90898 EXTENSION - pgcrypto ',
      '3692; 0 0 COMMENT - EXTENSION pgcrypto ',
      '289; 1255 91053 FUNCTION public ledger_check_journal() postgres',
      '224; 1259 91033 TABLE public ledger_postings postgres',
      '3650; 0 91033 TABLE DATA public ledger_postings postgres',
      '3701; 0 0 ACL public TABLE ledger_postings postgres',
      '3705; 0 0 ACL public TABLE pg_stat_statements postgres',
      '3706; 0 0 ACL public TABLE pg_stat_statements_info postgres',
    ].join('\n');
    const contents = archiveContents(list);
    expect(contents.extensions).toEqual(['pg_stat_statements', 'pgcrypto']);
    expect(contents.entries).toBe(10);
    const active = (missing: string[]) =>
      restoreListOf(list, missing)
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith(';'));
    const tables = [
      '289; 1255 91053 FUNCTION public ledger_check_journal() postgres',
      '224; 1259 91033 TABLE public ledger_postings postgres',
      '3650; 0 91033 TABLE DATA public ledger_postings postgres',
      '3701; 0 0 ACL public TABLE ledger_postings postgres',
    ];
    // Grants on an extension's objects are restored when the extension exists, skipped when it could not be made.
    expect(active([])).toEqual([
      ...tables,
      '3705; 0 0 ACL public TABLE pg_stat_statements postgres',
      '3706; 0 0 ACL public TABLE pg_stat_statements_info postgres',
    ]);
    expect(active(['pg_stat_statements'])).toEqual(tables);
  });
});
