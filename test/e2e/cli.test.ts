import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runRampart, startRampart, waitFor } from '../support/cli.js';

const STACK_FRAME = /\n\s+at /;

beforeAll(() => {
  assertBuilt();
});

describe('rampart command', () => {
  it('prints its version and help', async () => {
    const version = await runRampart(['version'], {});
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^rampart \d+\.\d+\.\d+/);
    const help = await runRampart(['help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('serve [--with-worker]');
  });

  it('exits 2 on an unknown command or option, without a stack trace', async () => {
    const unknown = await runRampart(['launch'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "launch"');
    const option = await runRampart(['serve', '--wiht-worker'], {});
    expect(option.code).toBe(2);
    expect(option.stderr).not.toMatch(STACK_FRAME);
  });

  it('refuses mainnet with a test key and a short secret: exit 78, one line per reason', async () => {
    const result = await runRampart(['serve'], {
      STELLAR_NETWORK: 'mainnet',
      PUBLIC_URL: 'https://anchor.example',
      DATABASE_URL: 'postgres://rampart@db.example/rampart',
      PAYSTACK_SECRET_KEY: 'sk_test_0123456789abcdef0123456789abcdef',
      JWT_SECRET: 'too-short',
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('PAYSTACK_SECRET_KEY is a test key');
    expect(result.stderr).toContain('JWT_SECRET is 9 characters; mainnet needs at least 32');
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr).not.toContain('too-short');
  });

  it('names every bad setting at once', async () => {
    const result = await runRampart(['serve'], { PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/PORT must be a whole number/);
    expect(result.stderr).toMatch(/LOG_LEVEL must be one of/);
  });
});

describe('rampart serve on embedded defaults', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'rampart-e2e-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('comes up ready, logs its configuration redacted, refuses a second process on the same data, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const secret = 'a-jwt-secret-that-must-never-be-logged-0001';
    const env = { PORT: String(port), RAMPART_DATA_DIR: dataDir, JWT_SECRET: secret };
    const server = startRampart(['serve', '--with-worker'], env);
    try {
      const ready = await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/health/ready`, {
            signal: AbortSignal.timeout(2000),
          });
          return response.status === 200 ? ((await response.json()) as { status: string }) : undefined;
        },
        60_000,
        'serve to be ready',
      );
      expect(ready.status).toBe('ok');

      const second = await runRampart(['serve'], { ...env, PORT: String(await freePort()) });
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/embedded database .* is in use by process \d+/);

      const started = Date.now();
      server.child.kill('SIGTERM');
      const finished = await server.exited;
      expect(finished.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(finished.stdout).not.toContain(secret);
      expect(finished.stdout).toContain('"JWT_SECRET":"[redacted]"');
      expect(finished.stdout).toContain('"msg":"stopped"');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('exits 1 with one line when its port is taken, leaving the data directory unlocked', async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const result = await runRampart(['serve'], { PORT: String(port), RAMPART_DATA_DIR: dataDir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^rampart: cannot listen: .*EADDRINUSE/m);
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(existsSync(join(dataDir, 'rampart.lock'))).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
