/**
 * The outbox on every backend: enqueue and its limits, the worker's claim, retry and dead-letter
 * paths, crash recovery through leases, fencing of stale workers, heartbeats, shutdown and metrics.
 * Each test uses its own job types, so jobs left behind by one test are never claimed by another.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Tables } from '../../src/platform/db/schema.js';
import { createMetrics, type Metrics } from '../../src/platform/metrics.js';
import { countJobsByState, enqueue, listJobs, replayDeadJob } from '../../src/platform/outbox/jobs.js';
import {
  createWorker,
  PermanentJobError,
  type ClaimedJob,
  type JobHandlers,
  type Worker,
  type WorkerOptions,
} from '../../src/platform/outbox/worker.js';
import { createTestDatabase, databaseKinds, silentLogger, type TestDatabase } from '../support/databases.js';
import { deferred, jobRow, scheduledDelayMs, waitFor, within } from '../support/outbox-support.js';

const PAYLOAD_BYTES_MAX = 64 * 1024;
/** Tiny backoff with a fixed draw: attempt n waits exactly 0.75 × min(50, 10 × 2^(n-1)) ms. */
const backoff = { baseMs: 10, capMs: 50 };
const random = () => 0.5;
const waitMs = 5_000;

/** Reads one labelled sample of a counter or histogram from the registry's text exposition. */
async function sample(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const family = name.replace(/_(count|sum|bucket)$/, '');
  const text = await metrics.registry.getSingleMetricAsString(family);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe.each(databaseKinds)('outbox on %s', (kind) => {
  let test: TestDatabase;
  let db: Kysely<Tables>;
  const started: Worker[] = [];

  beforeAll(async () => {
    test = await createTestDatabase(kind);
    db = test.database.db;
  });
  afterEach(async () => {
    // No worker outlives its test: a forgotten loop or heartbeat would touch the next test's jobs.
    await Promise.all(started.splice(0).map((worker) => worker.stop(2_000)));
  });
  afterAll(async () => {
    await test.drop();
  });

  function newWorker(handlers: JobHandlers, overrides: Partial<WorkerOptions> = {}): Worker {
    const worker = createWorker(db, handlers, {
      concurrency: 4,
      pollMs: 20,
      leaseMs: 30_000,
      logger: silentLogger,
      backoff,
      random,
      ...overrides,
    });
    started.push(worker);
    return worker;
  }

  describe('enqueue', () => {
    it('creates one job per dedupe key; the second enqueue returns the first job with created:false', async () => {
      const first = await enqueue(db, { type: 't.dedupe', payload: { n: 1 }, dedupeKey: 'dedupe:1' }, 5);
      const second = await enqueue(db, { type: 't.dedupe', payload: { n: 2 }, dedupeKey: 'dedupe:1' }, 5);
      expect(first.created).toBe(true);
      expect(second).toEqual({ id: first.id, created: false });
      const rows = await db.selectFrom('jobs').selectAll().where('dedupe_key', '=', 'dedupe:1').execute();
      expect(rows).toHaveLength(1);
      // The first decision wins: a duplicate never rewrites the job's payload.
      expect(rows[0]).toMatchObject({ payload: { n: 1 }, state: 'pending', attempts: 0, max_attempts: 5 });

      const other = await enqueue(db, { type: 't.dedupe', payload: { n: 3 }, dedupeKey: 'dedupe:2' }, 5);
      expect(other.created).toBe(true);
      expect(other.id).not.toBe(first.id);
      const withoutKey = [
        await enqueue(db, { type: 't.dedupe', payload: {} }, 5),
        await enqueue(db, { type: 't.dedupe', payload: {} }, 5),
      ];
      expect(withoutKey.every((r) => r.created)).toBe(true);
      expect(withoutKey[0]?.id).not.toBe(withoutKey[1]?.id);
    });

    it('writes the job only if the enqueuing transaction commits', async () => {
      await expect(
        db.transaction().execute(async (trx) => {
          await enqueue(trx, { type: 't.rollback', payload: {}, dedupeKey: 'rollback:1' }, 3);
          throw new Error('decision rolled back');
        }),
      ).rejects.toThrow('decision rolled back');
      expect(await db.selectFrom('jobs').select('id').where('type', '=', 't.rollback').execute()).toEqual([]);
      // The rolled-back key is free: the retried decision creates its job.
      const retried = await enqueue(db, { type: 't.rollback', payload: {}, dedupeKey: 'rollback:1' }, 3);
      expect(retried.created).toBe(true);
    });

    it('refuses a payload over 64 KiB, counted in bytes, and writes nothing', async () => {
      const overhead = JSON.stringify({ b: '' }).length;
      const exact = await enqueue(
        db,
        { type: 't.payload', payload: { b: 'x'.repeat(PAYLOAD_BYTES_MAX - overhead) } },
        3,
      );
      expect(exact.created).toBe(true);
      await expect(
        enqueue(db, { type: 't.payload', payload: { b: 'x'.repeat(PAYLOAD_BYTES_MAX - overhead + 1) } }, 3),
      ).rejects.toThrow(RangeError);
      // 40,000 characters but 80,000 bytes of UTF-8: the limit is on bytes.
      await expect(enqueue(db, { type: 't.payload', payload: { b: 'é'.repeat(40_000) } }, 3)).rejects.toThrow(
        /exceeds 65536 bytes/,
      );
      const rows = await db.selectFrom('jobs').select('id').where('type', '=', 't.payload').execute();
      expect(rows.map((r) => r.id)).toEqual([exact.id]);
    });
  });

  describe('running jobs', () => {
    it('runs a due job once, marks it succeeded with finished_at, and returns how many ran', async () => {
      const seen: ClaimedJob[] = [];
      const worker = newWorker({
        't.ok': (job) => {
          seen.push(job);
          return Promise.resolve();
        },
      });
      const { id } = await enqueue(db, { type: 't.ok', payload: { hello: 'world' } }, 3);
      expect(await worker.runOnce()).toBe(1);
      expect(seen).toEqual([{ id, type: 't.ok', payload: { hello: 'world' }, attempt: 1, maxAttempts: 3 }]);
      const row = await jobRow(db, id);
      expect(row).toMatchObject({
        state: 'succeeded',
        attempts: 1,
        locked_by: null,
        locked_until: null,
        last_error: null,
      });
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(await worker.runOnce()).toBe(0);
      expect(seen).toHaveLength(1);
    });

    it('claims at most `concurrency` jobs per batch and never a job whose run_at is in the future', async () => {
      let runs = 0;
      const worker = newWorker(
        {
          't.batch': () => {
            runs += 1;
            return Promise.resolve();
          },
        },
        { concurrency: 4 },
      );
      for (let i = 0; i < 6; i += 1) await enqueue(db, { type: 't.batch', payload: { i } }, 3);
      const later = await enqueue(
        db,
        { type: 't.batch', payload: { later: true }, runAt: new Date(Date.now() + 3_600_000) },
        3,
      );
      expect(await worker.runOnce()).toBe(4);
      expect(await worker.runOnce()).toBe(2);
      expect(await worker.runOnce()).toBe(0);
      expect(runs).toBe(6);
      expect(await jobRow(db, later.id)).toMatchObject({ state: 'pending', attempts: 0 });
    });

    it('retries a failing handler with backoff, records each error, and parks it dead after maxAttempts', async () => {
      const attempts: number[] = [];
      const worker = newWorker({
        't.fail': (job) => {
          attempts.push(job.attempt);
          return Promise.reject(new Error(`boom ${job.attempt}`));
        },
      });
      const { id } = await enqueue(db, { type: 't.fail', payload: {} }, 3);

      expect(await worker.runOnce()).toBe(1);
      let row = await jobRow(db, id);
      expect(row).toMatchObject({
        state: 'pending',
        attempts: 1,
        last_error: 'Error: boom 1',
        locked_by: null,
        locked_until: null,
        finished_at: null,
      });
      // Backoff after attempt 1: step 10 ms, drawn at 0.5 of its upper half = 7.5 → 8 ms.
      expect(await scheduledDelayMs(db, id)).toBe(8);

      await waitFor('the second attempt', async () => (await worker.runOnce()) === 1, { timeoutMs: waitMs });
      row = await jobRow(db, id);
      expect(row).toMatchObject({ state: 'pending', attempts: 2, last_error: 'Error: boom 2' });
      // The step doubles: 20 ms → 15 ms.
      expect(await scheduledDelayMs(db, id)).toBe(15);

      await waitFor('the last attempt', async () => (await worker.runOnce()) === 1, { timeoutMs: waitMs });
      row = await jobRow(db, id);
      expect(row).toMatchObject({ state: 'dead', attempts: 3, last_error: 'Error: boom 3', locked_by: null });
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(attempts).toEqual([1, 2, 3]);
      // Dead is final: no worker picks it up again.
      await sleep(30);
      expect(await worker.runOnce()).toBe(0);
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('stores an oversized error message truncated to 4000 characters and still schedules the retry', async () => {
      const worker = newWorker({ 't.long-error': () => Promise.reject(new Error('e'.repeat(10_000))) });
      const { id } = await enqueue(db, { type: 't.long-error', payload: {} }, 3);
      expect(await worker.runOnce()).toBe(1);
      const row = await jobRow(db, id);
      expect(row.state).toBe('pending');
      expect(row.last_error).toHaveLength(4000);
      expect(row.last_error?.startsWith('Error: eee')).toBe(true);
      expect(row.last_error?.endsWith('…')).toBe(true);
    });

    it('records an error whose message holds a NUL character, which PostgreSQL text cannot store', async () => {
      // E.g. an HTTP error quoting a binary response body.
      const worker = newWorker({ 't.nul-error': () => Promise.reject(new Error('bad\u0000byte')) });
      const { id } = await enqueue(db, { type: 't.nul-error', payload: {} }, 3);
      expect(await worker.runOnce()).toBe(1);
      expect(await jobRow(db, id)).toMatchObject({
        state: 'pending',
        attempts: 1,
        locked_by: null,
        last_error: 'Error: bad\ufffdbyte',
      });
    });

    it('parks a job dead at once on PermanentJobError; replay sends it back with a fresh budget', async () => {
      let fixed = false;
      const attempts: number[] = [];
      const worker = newWorker({
        't.permanent': (job) => {
          attempts.push(job.attempt);
          return fixed ? Promise.resolve() : Promise.reject(new PermanentJobError('invalid payload'));
        },
      });
      const { id } = await enqueue(db, { type: 't.permanent', payload: {} }, 5);
      expect(await worker.runOnce()).toBe(1);
      const dead = await jobRow(db, id);
      expect(dead).toMatchObject({
        state: 'dead',
        attempts: 1,
        last_error: 'PermanentJobError: invalid payload',
      });
      expect(dead.finished_at).toBeInstanceOf(Date);
      expect((await listJobs(db, { state: 'dead', limit: 500 })).map((j) => j.id)).toContain(id);
      expect((await countJobsByState(db)).dead).toBeGreaterThanOrEqual(1);

      fixed = true;
      expect(await replayDeadJob(db, id)).toBe(true);
      expect(await jobRow(db, id)).toMatchObject({ state: 'pending', attempts: 0, finished_at: null });
      expect((await listJobs(db, { state: 'dead', limit: 500 })).map((j) => j.id)).not.toContain(id);
      expect(await worker.runOnce()).toBe(1);
      expect(await jobRow(db, id)).toMatchObject({ state: 'succeeded', attempts: 1, last_error: null });
      expect(attempts).toEqual([1, 1]);
    });

    it('replays only dead jobs: succeeded, pending and unknown jobs are left alone', async () => {
      const worker = newWorker({ 't.replay-ok': () => Promise.resolve() });
      const done = await enqueue(db, { type: 't.replay-ok', payload: {} }, 3);
      expect(await worker.runOnce()).toBe(1);
      const before = await jobRow(db, done.id);
      expect(await replayDeadJob(db, done.id)).toBe(false);
      expect(await jobRow(db, done.id)).toEqual(before);

      const waiting = await enqueue(db, { type: 't.replay-idle', payload: {} }, 3);
      expect(await replayDeadJob(db, waiting.id)).toBe(false);
      expect(await jobRow(db, waiting.id)).toMatchObject({ state: 'pending', attempts: 0 });
      expect(await replayDeadJob(db, '999999999')).toBe(false);
    });

    it('does not claim a job whose type has no handler in this worker', async () => {
      const calls: string[] = [];
      const worker = newWorker({
        't.handled': (job) => {
          calls.push(job.type);
          return Promise.resolve();
        },
      });
      const orphan = await enqueue(db, { type: 't.orphan', payload: {} }, 3);
      expect(await worker.runOnce()).toBe(0);
      expect(await newWorker({}).runOnce()).toBe(0);
      expect(calls).toEqual([]);
      expect(await jobRow(db, orphan.id)).toMatchObject({
        state: 'pending',
        attempts: 0,
        locked_by: null,
        locked_until: null,
      });
    });
  });

  describe('leases and crash recovery', () => {
    it("takes over a dead worker's job only after its lease expired, runs it once, and fences out the late write", async () => {
      const attempts: number[] = [];
      const worker = newWorker({
        't.crash': (job) => {
          attempts.push(job.attempt);
          return Promise.resolve();
        },
      });
      const { id } = await enqueue(db, { type: 't.crash', payload: {} }, 3);
      // The dead worker's claim, as its claim query would have left the row.
      await sql`update jobs set state = 'running', attempts = 1, locked_by = 'dead-worker',
        locked_until = now() + interval '300 milliseconds', updated_at = now()
        where id = ${id}`.execute(db);

      expect(await worker.runOnce()).toBe(0);
      const leaseHeld = await sql<{ held: boolean }>`
        select locked_until > now() as held from jobs where id = ${id}`.execute(db);
      expect(leaseHeld.rows[0]?.held).toBe(true);
      expect(attempts).toEqual([]);

      await waitFor(
        'the lease to expire and the job to be taken over',
        async () => (await worker.runOnce()) === 1,
        {
          timeoutMs: waitMs,
        },
      );
      expect(attempts).toEqual([2]);
      const done = await jobRow(db, id);
      expect(done).toMatchObject({ state: 'succeeded', attempts: 2, locked_by: null });

      // The dead worker wakes up and records its outcome, fenced on (its id, its attempt).
      const late = await db
        .updateTable('jobs')
        .set({ state: 'pending', last_error: 'late failure from the dead worker', finished_at: null })
        .where('id', '=', id)
        .where('locked_by', '=', 'dead-worker')
        .where('attempts', '=', 1)
        .where('state', '=', 'running')
        .executeTakeFirst();
      expect(late.numUpdatedRows).toBe(0n);
      expect(await jobRow(db, id)).toEqual(done);
      expect(await worker.runOnce()).toBe(0);
      expect(attempts).toEqual([2]);
    });

    it.each(['succeeds', 'fails'] as const)(
      'a worker that lost its job to another cannot overwrite the result when it later %s',
      async (outcome) => {
        const type = `t.stale-${outcome}`;
        const release = deferred();
        const staleStarted = deferred();
        // A long lease: the stale worker's heartbeat stays quiet while the test takes the job away.
        const stale = newWorker(
          {
            [type]: async () => {
              staleStarted.resolve();
              await release.promise;
              if (outcome === 'fails') throw new Error('stale failure');
            },
          },
          { workerId: 'stale-worker', leaseMs: 60_000 },
        );
        const attempts: number[] = [];
        const successor = newWorker({
          [type]: (job) => {
            attempts.push(job.attempt);
            return Promise.resolve();
          },
        });
        const { id } = await enqueue(db, { type, payload: {} }, 3);
        const staleRun = stale.runOnce();
        await within('the stale worker to start', staleStarted.promise, waitMs);
        expect(await jobRow(db, id)).toMatchObject({
          state: 'running',
          locked_by: 'stale-worker',
          attempts: 1,
        });

        // Its lease runs out (a long GC pause, a network partition) and the successor takes over.
        await sql`update jobs set locked_until = now() - interval '1 second' where id = ${id}`.execute(db);
        expect(await successor.runOnce()).toBe(1);
        expect(attempts).toEqual([2]);
        const done = await jobRow(db, id);
        expect(done).toMatchObject({ state: 'succeeded', attempts: 2, last_error: null });

        release.resolve();
        expect(await within('the stale worker to finish', staleRun, waitMs)).toBe(1);
        expect(await jobRow(db, id)).toEqual(done);
      },
    );

    it('fences by attempt: a worker that took its own expired job again cannot record the older attempt', async () => {
      const releases = new Map([
        [1, deferred()],
        [2, deferred()],
      ]);
      const startedAttempts: number[] = [];
      const worker = newWorker(
        {
          't.reclaimed': async (job) => {
            startedAttempts.push(job.attempt);
            const release = releases.get(job.attempt);
            if (release === undefined) throw new Error(`unexpected attempt ${job.attempt}`);
            await release.promise;
            if (job.attempt === 1) throw new Error('outcome of the superseded attempt');
          },
        },
        { workerId: 'same-worker', leaseMs: 60_000 },
      );
      const { id } = await enqueue(db, { type: 't.reclaimed', payload: {} }, 3);
      const firstRun = worker.runOnce();
      await waitFor('attempt 1 to start', () => startedAttempts.length === 1, { timeoutMs: waitMs });
      // Its heartbeat could not reach the database for a whole lease; the same worker claims it again.
      await sql`update jobs set locked_until = now() - interval '1 second' where id = ${id}`.execute(db);
      const secondRun = worker.runOnce();
      await waitFor('attempt 2 to start', () => startedAttempts.length === 2, { timeoutMs: waitMs });
      expect(startedAttempts).toEqual([1, 2]);
      expect(worker.running).toBe(2);
      const claimed = await jobRow(db, id);
      expect(claimed).toMatchObject({ state: 'running', locked_by: 'same-worker', attempts: 2 });

      releases.get(1)?.resolve();
      expect(await within('attempt 1 to end', firstRun, waitMs)).toBe(1);
      expect(await jobRow(db, id)).toEqual(claimed);
      // Attempt 2 is still tracked: shutdown would wait for it, and it counts against concurrency.
      expect(worker.running).toBe(1);

      releases.get(2)?.resolve();
      expect(await within('attempt 2 to end', secondRun, waitMs)).toBe(1);
      expect(worker.running).toBe(0);
      expect(await jobRow(db, id)).toMatchObject({ state: 'succeeded', attempts: 2, last_error: null });
    });

    it('fences by worker: a zombie from before a replay cannot overwrite the replayed run', async () => {
      const zombieStarted = deferred();
      const zombieRelease = deferred();
      const zombie = newWorker(
        {
          't.zombie': async () => {
            zombieStarted.resolve();
            await zombieRelease.promise;
            throw new Error('zombie failure');
          },
        },
        { workerId: 'zombie', leaseMs: 60_000 },
      );
      const reaper = newWorker(
        { 't.zombie': () => Promise.reject(new Error('the reaper must not run an exhausted job')) },
        { workerId: 'reaper' },
      );
      const freshStarted = deferred();
      const freshRelease = deferred();
      const fresh = newWorker(
        {
          't.zombie': async () => {
            freshStarted.resolve();
            await freshRelease.promise;
          },
        },
        { workerId: 'fresh', leaseMs: 60_000 },
      );
      const { id } = await enqueue(db, { type: 't.zombie', payload: {} }, 1);
      const zombieRun = zombie.runOnce();
      await within('the zombie to start', zombieStarted.promise, waitMs);
      await sql`update jobs set locked_until = now() - interval '1 second' where id = ${id}`.execute(db);
      // Its single attempt lost its lease: the next claim parks it dead, and an operator replays it.
      expect(await reaper.runOnce()).toBe(1);
      expect(await jobRow(db, id)).toMatchObject({ state: 'dead', attempts: 2 });
      expect(await replayDeadJob(db, id)).toBe(true);
      const freshRun = fresh.runOnce();
      await within('the replayed run to start', freshStarted.promise, waitMs);
      // Same attempt number as the zombie's: only the worker id tells them apart.
      const claimed = await jobRow(db, id);
      expect(claimed).toMatchObject({ state: 'running', locked_by: 'fresh', attempts: 1 });

      zombieRelease.resolve();
      expect(await within('the zombie to end', zombieRun, waitMs)).toBe(1);
      expect(await jobRow(db, id)).toEqual(claimed);
      freshRelease.resolve();
      expect(await within('the replayed run to end', freshRun, waitMs)).toBe(1);
      expect(await jobRow(db, id)).toMatchObject({ state: 'succeeded', attempts: 1 });
    });

    it('aborts the handler signal when the heartbeat finds the lease taken over', async () => {
      const aborted = deferred<unknown>();
      const worker = newWorker(
        {
          't.lease-lost': async (_job, { signal }) => {
            await new Promise<void>((resolve) => {
              signal.addEventListener('abort', () => {
                resolve();
              });
            });
            aborted.resolve(signal.reason);
            throw new Error('gave up after losing the lease');
          },
        },
        { leaseMs: 300 },
      );
      const { id } = await enqueue(db, { type: 't.lease-lost', payload: {} }, 3);
      const run = worker.runOnce();
      await waitFor('the job to be claimed', async () => (await jobRow(db, id)).state === 'running', {
        timeoutMs: waitMs,
      });
      await sql`update jobs set locked_by = 'usurper', attempts = attempts + 1,
        locked_until = now() + interval '1 minute' where id = ${id}`.execute(db);

      const reason = await within('the handler to be aborted', aborted.promise, waitMs);
      expect(reason).toBeInstanceOf(Error);
      expect((reason as Error).message).toBe('job lease lost');
      expect(await within('the run to end', run, waitMs)).toBe(1);
      // The loser's failure is fenced out: the usurper's claim is untouched.
      expect(await jobRow(db, id)).toMatchObject({
        state: 'running',
        locked_by: 'usurper',
        attempts: 2,
        last_error: null,
      });
    });

    it('parks dead, without running it, a job whose lease expired during its final attempt', async () => {
      const calls: number[] = [];
      const worker = newWorker({
        't.exhausted': (job) => {
          calls.push(job.attempt);
          return Promise.resolve();
        },
      });
      const { id } = await enqueue(db, { type: 't.exhausted', payload: {} }, 2);
      await sql`update jobs set state = 'running', attempts = 2, locked_by = 'dead-worker',
        locked_until = now() - interval '1 second' where id = ${id}`.execute(db);

      expect(await worker.runOnce()).toBe(1);
      expect(calls).toEqual([]);
      const row = await jobRow(db, id);
      expect(row).toMatchObject({ state: 'dead', locked_by: null, locked_until: null });
      expect(row.last_error).toMatch(/attempts exhausted/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(await worker.runOnce()).toBe(0);
      expect(calls).toEqual([]);
    });

    it('keeps the lease alive with heartbeats: a job running 3× its lease is not run by a second worker', async () => {
      const leaseMs = 300;
      const attempts: string[] = [];
      const progress = { finished: false };
      const slow = async (job: ClaimedJob) => {
        attempts.push(`${job.id}#${job.attempt}`);
        await sleep(3 * leaseMs);
        progress.finished = true;
      };
      const first = newWorker({ 't.heartbeat': slow }, { leaseMs, workerId: 'first' });
      const second = newWorker({ 't.heartbeat': slow }, { leaseMs, workerId: 'second' });
      const { id } = await enqueue(db, { type: 't.heartbeat', payload: {} }, 3);

      const run = first.runOnce();
      const claimed = await waitFor(
        'the first worker to claim the job',
        async () => {
          const row = await jobRow(db, id);
          return row.locked_until !== null && row;
        },
        { timeoutMs: waitMs },
      );
      let secondClaims = 0;
      let polls = 0;
      while (!progress.finished && polls < 200) {
        secondClaims += await second.runOnce();
        polls += 1;
        await sleep(25);
      }
      expect(await within('the slow job', run, waitMs)).toBe(1);
      expect(polls).toBeGreaterThan(10);
      expect(secondClaims).toBe(0);
      expect(attempts).toEqual([`${id}#1`]);
      const row = await jobRow(db, id);
      expect(row).toMatchObject({ state: 'succeeded', attempts: 1 });
      // Proof the lease moved: the job finished well after its first lease would have run out.
      expect(row.finished_at!.getTime() - claimed.locked_until!.getTime()).toBeGreaterThan(leaseMs);
    });
  });

  describe('shutdown', () => {
    it('stop() waits for a running job to finish, then claims nothing more', async () => {
      const handlerStarted = deferred();
      let finished = false;
      const worker = newWorker({
        't.graceful': async () => {
          handlerStarted.resolve();
          await sleep(200);
          finished = true;
        },
      });
      const { id } = await enqueue(db, { type: 't.graceful', payload: {} }, 3);
      worker.start();
      await within('the job to start', handlerStarted.promise, waitMs);

      expect(await worker.stop(5_000)).toEqual({ abandoned: 0 });
      expect(finished).toBe(true);
      expect(worker.running).toBe(0);
      expect(await jobRow(db, id)).toMatchObject({ state: 'succeeded', attempts: 1 });

      const after = await enqueue(db, { type: 't.graceful', payload: {} }, 3);
      await sleep(100); // five poll intervals of a loop that must have stopped
      expect(await jobRow(db, after.id)).toMatchObject({ state: 'pending', attempts: 0 });
    });

    it('stop() aborts a handler that outlives the timeout, reports it abandoned, and lets its lease lapse', async () => {
      const leaseMs = 300;
      const release = deferred();
      const handlerStarted = deferred<AbortSignal>();
      const worker = newWorker(
        {
          't.stubborn': async (_job, { signal }) => {
            handlerStarted.resolve(signal);
            await release.promise; // ignores its signal
          },
        },
        { leaseMs, workerId: 'stubborn' },
      );
      const attempts: number[] = [];
      const successor = newWorker(
        {
          't.stubborn': (job) => {
            attempts.push(job.attempt);
            return Promise.resolve();
          },
        },
        { leaseMs },
      );
      const { id } = await enqueue(db, { type: 't.stubborn', payload: {} }, 3);
      try {
        worker.start();
        const signal = await within('the job to start', handlerStarted.promise, waitMs);
        const stoppedAt = performance.now();
        expect(await worker.stop(50)).toEqual({ abandoned: 1 });
        expect(performance.now() - stoppedAt).toBeLessThan(1_000);
        expect(signal.aborted).toBe(true);
        expect((signal.reason as Error).message).toBe('worker shutting down');

        // The abandoned job is no longer kept alive: another worker takes it over after the lease.
        await waitFor(
          'another worker to take the abandoned job',
          async () => (await successor.runOnce()) === 1,
          {
            timeoutMs: waitMs,
            intervalMs: 50,
          },
        );
        expect(attempts).toEqual([2]);
      } finally {
        release.resolve();
      }
      await waitFor('the abandoned handler to end', () => worker.running === 0, { timeoutMs: waitMs });
      expect(await jobRow(db, id)).toMatchObject({ state: 'succeeded', attempts: 2 });
    });
  });

  it('counts attempts, failures, dead jobs and durations per job type', async () => {
    const metrics: Metrics = createMetrics();
    let failuresLeft = 1;
    const worker = newWorker(
      {
        't.metrics': () => {
          if (failuresLeft === 0) return Promise.resolve();
          failuresLeft -= 1;
          return Promise.reject(new Error('transient'));
        },
        't.metrics-dead': () => Promise.reject(new PermanentJobError('never')),
      },
      { metrics },
    );
    const retried = await enqueue(db, { type: 't.metrics', payload: {} }, 3);
    await enqueue(db, { type: 't.metrics-dead', payload: {} }, 3);
    expect(await sample(metrics, 'rampart_job_attempts_total', { type: 't.metrics' })).toBe(0);

    expect(await worker.runOnce()).toBe(2);
    await waitFor('the retry', async () => (await worker.runOnce()) === 1, { timeoutMs: waitMs });
    expect(await jobRow(db, retried.id)).toMatchObject({ state: 'succeeded', attempts: 2 });

    const ok = { type: 't.metrics' };
    const dead = { type: 't.metrics-dead' };
    expect(await sample(metrics, 'rampart_job_attempts_total', ok)).toBe(2);
    expect(await sample(metrics, 'rampart_job_failures_total', ok)).toBe(1);
    expect(await sample(metrics, 'rampart_jobs_dead_total', ok)).toBe(0);
    expect(await sample(metrics, 'rampart_job_attempts_total', dead)).toBe(1);
    expect(await sample(metrics, 'rampart_job_failures_total', dead)).toBe(1);
    expect(await sample(metrics, 'rampart_jobs_dead_total', dead)).toBe(1);
    const duration = 'rampart_job_duration_seconds_count';
    expect(await sample(metrics, duration, { ...ok, outcome: 'failed' })).toBe(1);
    expect(await sample(metrics, duration, { ...ok, outcome: 'succeeded' })).toBe(1);
    expect(await sample(metrics, duration, { ...dead, outcome: 'dead' })).toBe(1);
  });
});
