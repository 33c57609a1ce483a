/**
 * The outbox worker: claims due jobs with `FOR UPDATE SKIP LOCKED` and a lease, runs their handlers,
 * keeps the lease alive with heartbeats, and records the outcome fenced by (worker, attempt) so a
 * worker that lost its lease can never overwrite the result of the one that took the job over.
 *
 * Delivery is at-least-once: a worker that dies mid-job leaves it `running` until its lease runs
 * out, then another worker runs it again. Handlers make their effects idempotent (GUIDE §4.4).
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Tables } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { DEFAULT_BACKOFF, retryDelayMs, type BackoffPolicy } from './backoff.js';
import { truncateError } from './jobs.js';

export interface ClaimedJob {
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
  /** 1-based number of this attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

export interface JobContext {
  /** Aborted when the lease is lost or the worker is shutting down past its grace period. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

export type JobHandler = (job: ClaimedJob, context: JobContext) => Promise<void>;
export type JobHandlers = Readonly<Record<string, JobHandler>>;

/** Thrown by a handler when retrying cannot help (invalid payload): the job is parked as dead at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

export interface WorkerOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly leaseMs: number;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly backoff?: BackoffPolicy;
  readonly workerId?: string;
  readonly random?: () => number;
}

export interface Worker {
  readonly id: string;
  start(): void;
  /** Claims one batch and waits for it to finish; returns how many jobs ran. For tests and tools. */
  runOnce(): Promise<number>;
  /** Stops claiming, waits up to `timeoutMs` for running jobs, then aborts them. */
  stop(timeoutMs: number): Promise<{ abandoned: number }>;
  readonly running: number;
}

interface ClaimedRow {
  id: string;
  type: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

export function createWorker(db: Kysely<Tables>, handlers: JobHandlers, options: WorkerOptions): Worker {
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const types = Object.keys(handlers);
  const logger = options.logger.child({ worker: id });
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  // Keyed by run (job and attempt), not by job: when this worker's own lease on a job ran out (its
  // heartbeat could not reach the database) it may claim the job again while the old run is still
  // going, and both runs must stay tracked for `running`, concurrency and shutdown.
  const inFlight = new Map<string, { done: Promise<void>; controller: AbortController }>();
  let stopping = false;
  // Read through a function: `stopping` changes while the loop awaits, which narrowing cannot see.
  const isStopping = (): boolean => stopping;
  let loopDone: Promise<void> = Promise.resolve();
  let wake: () => void = () => undefined;

  async function claim(limit: number): Promise<ClaimedJob[]> {
    if (limit <= 0 || types.length === 0) return [];
    const result = await sql<ClaimedRow>`
      update jobs set state = 'running', attempts = attempts + 1, locked_by = ${id},
        locked_until = now() + ${options.leaseMs}::integer * interval '1 millisecond', updated_at = now()
      where id in (
        select id from jobs
        where type = any(${types}::text[])
          and ((state = 'pending' and run_at <= now()) or (state = 'running' and locked_until < now()))
        order by run_at, id
        limit ${limit}
        for update skip locked)
      returning id, type, payload, attempts, max_attempts`.execute(db);
    return result.rows.map((r) => ({
      id: r.id,
      type: r.type,
      payload: r.payload,
      attempt: r.attempts,
      maxAttempts: r.max_attempts,
    }));
  }

  /** Every write after the claim is fenced on (worker, attempt): a stale worker changes nothing. */
  function fenced(job: ClaimedJob) {
    return db
      .updateTable('jobs')
      .where('id', '=', job.id)
      .where('locked_by', '=', id)
      .where('attempts', '=', job.attempt)
      .where('state', '=', 'running');
  }

  async function renewLease(job: ClaimedJob): Promise<boolean> {
    const result = await fenced(job)
      .set({ locked_until: sql<Date>`now() + ${options.leaseMs}::integer * interval '1 millisecond'` })
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async function recordSuccess(job: ClaimedJob): Promise<boolean> {
    const result = await fenced(job)
      .set({
        state: 'succeeded',
        locked_by: null,
        locked_until: null,
        last_error: null,
        finished_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async function recordFailure(job: ClaimedJob, error: unknown, dead: boolean): Promise<boolean> {
    const delayMs = retryDelayMs(job.attempt, backoff, random);
    const result = await fenced(job)
      .set({
        state: dead ? 'dead' : 'pending',
        run_at: sql<Date>`now() + ${delayMs}::integer * interval '1 millisecond'`,
        locked_by: null,
        locked_until: null,
        last_error: truncateError(error),
        finished_at: dead ? sql<Date>`now()` : null,
        updated_at: sql<Date>`now()`,
      })
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async function run(job: ClaimedJob, controller: AbortController): Promise<void> {
    const jobLogger = logger.child({ jobId: job.id, jobType: job.type, attempt: job.attempt });
    const handler = handlers[job.type];
    const stopTimer = options.metrics?.jobDuration.startTimer({ type: job.type });
    options.metrics?.jobAttempts.inc({ type: job.type });
    const heartbeat = setInterval(
      () => {
        renewLease(job)
          .then((held) => {
            if (!held) controller.abort(new Error('job lease lost'));
          })
          .catch((error: unknown) => {
            jobLogger.warn({ err: error }, 'lease renewal failed');
          });
      },
      Math.max(Math.floor(options.leaseMs / 3), 10),
    );
    // An aborted job (lease lost, or abandoned at shutdown) must stop renewing its lease: otherwise
    // a handler that ignores its signal keeps the job leased for as long as this process lives,
    // and no other worker can ever take it over.
    controller.signal.addEventListener(
      'abort',
      () => {
        clearInterval(heartbeat);
      },
      { once: true },
    );
    try {
      if (handler === undefined) throw new PermanentJobError(`no handler for job type ${job.type}`);
      // A job whose lease ran out during its last attempt (the worker died) gets no extra attempt.
      if (job.attempt > job.maxAttempts)
        throw new PermanentJobError('attempts exhausted: the last attempt lost its lease');
      await handler(job, { signal: controller.signal, logger: jobLogger });
      clearInterval(heartbeat);
      const recorded = await recordSuccess(job);
      if (!recorded)
        jobLogger.warn(
          'job finished after losing its lease; the result belongs to the worker that took it over',
        );
      stopTimer?.({ outcome: 'succeeded' });
    } catch (error) {
      clearInterval(heartbeat);
      const dead = error instanceof PermanentJobError || job.attempt >= job.maxAttempts;
      options.metrics?.jobFailures.inc({ type: job.type });
      if (dead) options.metrics?.jobsDead.inc({ type: job.type });
      stopTimer?.({ outcome: dead ? 'dead' : 'failed' });
      const recorded = await recordFailure(job, error, dead).catch((writeError: unknown) => {
        jobLogger.error(
          { err: writeError },
          'could not record job failure; its lease will expire and it will be retried',
        );
        return true;
      });
      if (recorded)
        jobLogger[dead ? 'error' : 'warn'](
          { err: error, dead },
          dead ? 'job dead' : 'job failed, will retry',
        );
    }
  }

  function launch(job: ClaimedJob): Promise<void> {
    const controller = new AbortController();
    const key = `${job.id}#${job.attempt}`;
    const done = run(job, controller).finally(() => {
      inFlight.delete(key);
      wake();
    });
    inFlight.set(key, { done, controller });
    return done;
  }

  async function pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = () => undefined;
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      const free = options.concurrency - inFlight.size;
      let claimed = 0;
      try {
        const jobs = await claim(free);
        claimed = jobs.length;
        for (const job of jobs) void launch(job);
      } catch (error) {
        logger.error({ err: error }, 'claiming jobs failed');
      }
      // A full batch means more may be due: go again as soon as a slot frees; otherwise poll.
      if (isStopping()) break;
      if (claimed === 0 || inFlight.size >= options.concurrency) await pause(options.pollMs);
    }
  }

  return {
    id,
    get running() {
      return inFlight.size;
    },
    start() {
      stopping = false;
      loopDone = loop();
      logger.info({ types, concurrency: options.concurrency }, 'worker started');
    },
    async runOnce() {
      const jobs = await claim(options.concurrency);
      await Promise.all(jobs.map((job) => launch(job)));
      return jobs.length;
    },
    async stop(timeoutMs) {
      stopping = true;
      wake();
      await loopDone;
      const pending = [...inFlight.values()];
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => {
          resolve('timeout');
        }, timeoutMs);
      });
      const outcome = await Promise.race([Promise.all(pending.map((p) => p.done)), timedOut]);
      clearTimeout(timer);
      if (outcome !== 'timeout') return { abandoned: 0 };
      const abandoned = inFlight.size;
      for (const entry of inFlight.values()) entry.controller.abort(new Error('worker shutting down'));
      logger.warn(
        { abandoned },
        'jobs still running at shutdown were aborted; they are retried after their lease',
      );
      return { abandoned };
    },
  };
}
