import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createScratchPostgres, databaseKinds } from '../support/databases.js';
import { assertBuilt, runRampart, startRampart, waitFor, type Running } from '../support/cli.js';

interface JobRow {
  id: string;
  state: string;
  attempts: number;
  locked_by: string | null;
}

describe.runIf(databaseKinds.includes('postgres'))('rampart on PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof createScratchPostgres>>;
  let client: pg.Client;
  const children: Running[] = [];
  const env = () => ({ DATABASE_URL: scratch.url.toString(), LOG_LEVEL: 'info' });

  beforeAll(async () => {
    assertBuilt();
    scratch = await createScratchPostgres();
    client = new pg.Client({ connectionString: scratch.url.toString() });
    await client.connect();
  });
  afterAll(async () => {
    for (const running of children) running.child.kill('SIGKILL');
    await client.end();
    await scratch.drop();
  });

  it('migrate status reports pending (exit 1), migrate up applies, then status reports current (exit 0)', async () => {
    const before = await runRampart(['migrate', 'status'], env());
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/0001\s+foundation\s+pending/);
    expect(before.stdout).toContain('NOT current');

    const serveEarly = await runRampart(['serve'], { ...env(), PORT: '1' });
    expect(serveEarly.code).toBe(1);
    expect(serveEarly.stderr).toContain('database schema is not current');

    const up = await runRampart(['migrate', 'up'], env());
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('applied 1 foundation');
    const again = await runRampart(['migrate', 'up'], env());
    expect(again.stdout).toContain('nothing to apply');

    const after = await runRampart(['migrate', 'status'], env());
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/0001\s+foundation\s+applied/);
    expect(after.stdout).toContain('schema is current');
  });

  it('runs a job killed mid-way again on another worker after its lease, exactly once to completion', async () => {
    const probe = await runRampart(['jobs', 'probe', '--sleep-ms', '4000'], env());
    expect(probe.code).toBe(0);
    const jobId = /probe job (\d+) enqueued/.exec(probe.stdout)?.[1];
    expect(jobId).toBeDefined();
    const job = async () =>
      (await client.query<JobRow>('select id, state, attempts, locked_by from jobs where id = $1', [jobId]))
        .rows[0];

    const workerEnv = { ...env(), JOB_LEASE_MS: '1500', WORKER_POLL_MS: '100' };
    const first = startRampart(['worker'], workerEnv);
    children.push(first);
    const claimed = await waitFor(
      async () => {
        const row = await job();
        return row?.state === 'running' ? row : undefined;
      },
      30_000,
      'the first worker to claim the probe',
    );
    expect(claimed.attempts).toBe(1);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startRampart(['worker'], workerEnv);
    children.push(second);
    const done = await waitFor(
      async () => {
        const row = await job();
        return row?.state === 'succeeded' ? row : undefined;
      },
      30_000,
      'the second worker to finish the probe',
    );
    expect(done.attempts).toBe(2);
    expect(done.locked_by).toBeNull();
    second.child.kill('SIGTERM');
    const stopped = await second.exited;
    expect(stopped.code).toBe(0);
    // The second worker logged one start and one finish of this probe: it ran to completion once.
    const finishes = stopped.stdout
      .split('\n')
      .filter((line) => line.includes('"probe finished"') && line.includes(`"jobId":"${jobId ?? ''}"`));
    expect(finishes).toHaveLength(1);
    expect(first.output().stdout).not.toContain('"probe finished"');

    const listed = await runRampart(['jobs', 'list', '--state', 'succeeded'], env());
    expect(listed.stdout).toMatch(new RegExp(`^${jobId ?? ''}\\toutbox\\.probe\\tsucceeded\\t2/10`, 'm'));
  });
});
