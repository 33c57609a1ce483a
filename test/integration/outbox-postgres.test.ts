/**
 * The outbox under real concurrency, which only a PostgreSQL server has (PGlite is one session, so
 * SKIP LOCKED has nothing to skip there): several workers with their own connection pools racing
 * for the same jobs, and a worker process killed with SIGKILL in the middle of a job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/platform/db/database.js';
import type { Tables } from '../../src/platform/db/schema.js';
import { enqueue } from '../../src/platform/outbox/jobs.js';
import { createWorker, type Worker } from '../../src/platform/outbox/worker.js';
import { createTestDatabase, databaseKinds, silentLogger, type TestDatabase } from '../support/databases.js';
import { jobRow, waitFor, within } from '../support/outbox-support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const childScript = fileURLToPath(new URL('../support/outbox-child.mjs', import.meta.url));
/** What the child imports from dist/, each with its source: a stale build would test old code. */
const compiledModules = [
  'platform/outbox/worker',
  'platform/outbox/backoff',
  'platform/outbox/jobs',
  'platform/db/database',
  'platform/db/pglite-dialect',
];

function assertBuildIsFresh(): void {
  for (const module of compiledModules) {
    const source = `${root}src/${module}.ts`;
    const compiled = `${root}dist/src/${module}.js`;
    const compiledStat = statSync(compiled, { throwIfNoEntry: false });
    if (compiledStat === undefined || compiledStat.mtimeMs < statSync(source).mtimeMs) {
      throw new Error(
        `${compiled} is missing or older than its source: run \`npx tsc -p tsconfig.build.json\` first`,
      );
    }
  }
}

function openPool(url: URL, poolMax: number): Promise<Database> {
  return openDatabase({
    url,
    dataDir: 'memory://',
    poolMax,
    statementTimeoutMs: 15_000,
    connectTimeoutMs: 5_000,
    slowQueryMs: 10_000,
    logger: silentLogger,
  });
}

describe.runIf(databaseKinds.includes('postgres'))('outbox on real PostgreSQL', () => {
  let test: TestDatabase;
  let db: Kysely<Tables>;
  let url: URL;

  beforeAll(async () => {
    test = await createTestDatabase('postgres');
    db = test.database.db;
    if (test.url === undefined) throw new Error('a PostgreSQL test database has a URL');
    url = test.url;
  });
  afterAll(async () => {
    await test.drop();
  });

  it('runs every job exactly once with 4 workers on 4 connection pools racing for them', async () => {
    const jobCount = 200;
    const workerCount = 4;
    await sql`create table outbox_probe_runs (job_id bigint not null, worker text not null)`.execute(db);
    const pools: Database[] = [];
    const workers: Worker[] = [];
    try {
      for (let w = 0; w < workerCount; w += 1) {
        const pool = await openPool(url, 5);
        pools.push(pool);
        workers.push(
          createWorker(
            pool.db,
            {
              'probe.concurrent': async (job) => {
                await sql`insert into outbox_probe_runs (job_id, worker)
                  values (${job.id}, ${`w${w}`})`.execute(pool.db);
                // Hold the slot briefly so every worker gets a share and claims really overlap.
                await sleep(2);
              },
            },
            { concurrency: 4, pollMs: 10, leaseMs: 30_000, logger: silentLogger, workerId: `w${w}` },
          ),
        );
      }
      const ids = new Set<string>();
      for (let i = 0; i < jobCount; i += 1) {
        ids.add((await enqueue(db, { type: 'probe.concurrent', payload: { i } }, 3)).id);
      }
      for (const worker of workers) worker.start();
      await waitFor(
        'all jobs to succeed',
        async () => {
          const done = await db
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll<string>().as('count'))
            .where('type', '=', 'probe.concurrent')
            .where('state', '=', 'succeeded')
            .executeTakeFirstOrThrow();
          return Number(done.count) === jobCount;
        },
        { timeoutMs: 20_000, intervalMs: 25 },
      );
      const stops = await Promise.all(workers.map((worker) => worker.stop(5_000)));
      expect(stops).toEqual(workers.map(() => ({ abandoned: 0 })));

      const runs = await sql<{ job_id: string; worker: string }>`
        select job_id, worker from outbox_probe_runs`.execute(db);
      expect(runs.rows).toHaveLength(jobCount);
      expect(new Set(runs.rows.map((r) => r.job_id))).toEqual(ids);
      // More than one worker did the work, so the claims really raced.
      expect(new Set(runs.rows.map((r) => r.worker)).size).toBeGreaterThan(1);
      const states = await db
        .selectFrom('jobs')
        .select(['state', 'attempts', (eb) => eb.fn.countAll<string>().as('count')])
        .where('type', '=', 'probe.concurrent')
        .groupBy(['state', 'attempts'])
        .execute();
      expect(states).toEqual([{ state: 'succeeded', attempts: 1, count: String(jobCount) }]);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop(5_000)));
      await Promise.all(pools.map((pool) => pool.close()));
    }
  });

  describe('a worker process killed with SIGKILL mid-job', () => {
    const childLeaseMs = 600;
    let child: ChildProcess | undefined;
    let childOutput = '';

    afterAll(() => {
      // Whatever the test did, no child process outlives the file.
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    function childExited(): Promise<void> {
      const running = child;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) {
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        running.once('exit', () => {
          resolve();
        });
      });
    }

    it('leaves the job to be run again after its lease expired, completing exactly once', async () => {
      assertBuildIsFresh();
      await sql`create table outbox_probe_events (
        job_id bigint not null, event text not null, worker text not null,
        at timestamptz not null default clock_timestamp())`.execute(db);
      const { id } = await enqueue(db, { type: 'probe.slow', payload: {} }, 3);

      const spawned = spawn(process.execPath, [childScript], {
        cwd: root,
        env: {
          ...process.env,
          OUTBOX_CHILD_DATABASE_URL: url.toString(),
          OUTBOX_CHILD_LEASE_MS: String(childLeaseMs),
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      child = spawned;
      const keep = (chunk: Buffer) => {
        childOutput = `${childOutput}${chunk.toString()}`.slice(-8_000);
      };
      spawned.stdout?.on('data', keep);
      spawned.stderr?.on('data', keep);

      const started = await waitFor(
        'the child to start the job',
        async () => {
          if (spawned.exitCode !== null) {
            throw new Error(`child exited with ${spawned.exitCode} before starting the job:\n${childOutput}`);
          }
          const events = await sql<{ event: string }>`
            select event from outbox_probe_events where job_id = ${id} and worker = 'child'`.execute(db);
          return events.rows.length > 0 && events.rows;
        },
        { timeoutMs: 15_000, intervalMs: 25 },
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; child output:\n${childOutput}`);
      });
      expect(started).toEqual([{ event: 'started' }]);
      const running = await jobRow(db, id);
      expect(running).toMatchObject({ state: 'running', attempts: 1 });
      expect(running.locked_by).toContain(`:${spawned.pid}:`);

      const exited = childExited();
      expect(spawned.kill('SIGKILL')).toBe(true);
      await within('the child to die', exited, 5_000);
      expect(spawned.signalCode).toBe('SIGKILL');
      // Read only now: until the kill the child's heartbeat kept moving it. As text, to keep microseconds.
      const lease = await sql<{ until: string }>`
        select locked_until::text as until from jobs where id = ${id}`.execute(db);
      const leaseEnd = lease.rows[0]?.until;
      expect(leaseEnd).toBeDefined();

      const completions: string[] = [];
      const survivor = createWorker(
        db,
        {
          'probe.slow': async (job) => {
            await sql`insert into outbox_probe_events (job_id, event, worker)
              values (${job.id}, 'started', 'test')`.execute(db);
            completions.push(`${job.id}#${job.attempt}`);
            await sql`insert into outbox_probe_events (job_id, event, worker)
              values (${job.id}, 'completed', 'test')`.execute(db);
          },
        },
        { concurrency: 1, pollMs: 20, leaseMs: 300, logger: silentLogger },
      );
      await waitFor('the survivor to take the job over', async () => (await survivor.runOnce()) === 1, {
        timeoutMs: 10_000,
        intervalMs: 25,
      });
      expect(completions).toEqual([`${id}#2`]);

      // The survivor started only once the dead child's lease had run out.
      const afterLease = await sql<{ after_lease: boolean }>`
        select e.at > ${leaseEnd}::timestamptz as after_lease
        from outbox_probe_events e where e.job_id = ${id} and e.worker = 'test' and e.event = 'started'`.execute(
        db,
      );
      expect(afterLease.rows).toEqual([{ after_lease: true }]);
      const events = await sql<{ event: string; worker: string }>`
        select event, worker from outbox_probe_events where job_id = ${id} order by at`.execute(db);
      expect(events.rows).toEqual([
        { event: 'started', worker: 'child' },
        { event: 'started', worker: 'test' },
        { event: 'completed', worker: 'test' },
      ]);
      const done = await jobRow(db, id);
      expect(done).toMatchObject({ state: 'succeeded', attempts: 2, locked_by: null });
      expect(done.finished_at).toBeInstanceOf(Date);
      expect(await survivor.runOnce()).toBe(0);
      expect(completions).toHaveLength(1);
    });
  });
});
