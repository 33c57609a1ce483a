/**
 * Helpers for the outbox tests: bounded waiting, hand-released promises, and reading a job row.
 * Every wait has a deadline so a broken worker fails a test instead of hanging the suite.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../../src/platform/db/schema.js';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than `undefined` or `false` and returns that,
 * or throws once `timeoutMs` has passed. At least one probe always runs.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const intervalMs = options.intervalMs ?? 20;
  const deadline = performance.now() + options.timeoutMs;
  const probesMax = Math.ceil(options.timeoutMs / intervalMs) + 1;
  for (let probes = 0; probes < probesMax; probes += 1) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() >= deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects when `promise` has not settled within `timeoutMs`, naming what was awaited. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  const timeout = sleep(timeoutMs, undefined, { signal: controller.signal }).then(() => {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    controller.abort();
    timeout.catch(() => undefined);
  }
}

export async function jobRow(db: Kysely<Tables>, id: string) {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Milliseconds between a job's `run_at` and `updated_at`: the backoff a failure scheduled. */
export async function scheduledDelayMs(db: Kysely<Tables>, id: string): Promise<number> {
  const result = await sql<{ delay_ms: number }>`
    select round(extract(epoch from (run_at - updated_at)) * 1000)::integer as delay_ms
    from jobs where id = ${id}`.execute(db);
  const row = result.rows[0];
  if (row === undefined) throw new Error(`no job ${id}`);
  return row.delay_ms;
}

/** True once the database clock has passed `at` (the clock leases are measured against). */
export async function databaseClockPassed(db: Kysely<Tables>, at: Date): Promise<boolean> {
  const result = await sql<{ passed: boolean }>`select now() > ${at}::timestamptz as passed`.execute(db);
  return result.rows[0]?.passed === true;
}
