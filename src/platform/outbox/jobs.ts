/**
 * Writing and managing outbox jobs. `enqueue()` takes the caller's transaction so a job exists if
 * and only if the decision that caused it was committed.
 */
import { sql, type Kysely } from 'kysely';
import type { JobState, Tables } from '../db/schema.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface JobRequest {
  readonly type: string;
  readonly payload: Readonly<Record<string, JsonValue>>;
  /** Enqueueing twice with the same key creates one job: effects stay idempotent across retries. */
  readonly dedupeKey?: string;
  readonly runAt?: Date;
  readonly maxAttempts?: number;
}

export interface EnqueueResult {
  readonly id: string;
  /** False when a job with the same dedupe key already existed. */
  readonly created: boolean;
}

const PAYLOAD_BYTES_MAX = 64 * 1024;
const ERROR_CHARS_MAX = 4000;

export async function enqueue(
  db: Kysely<Tables>,
  job: JobRequest,
  defaultMaxAttempts: number,
): Promise<EnqueueResult> {
  const payload = JSON.stringify(job.payload);
  if (Buffer.byteLength(payload) > PAYLOAD_BYTES_MAX) {
    throw new RangeError(`job payload of ${job.type} exceeds ${PAYLOAD_BYTES_MAX} bytes`);
  }
  const inserted = await db
    .insertInto('jobs')
    .values({
      type: job.type,
      payload,
      dedupe_key: job.dedupeKey ?? null,
      max_attempts: job.maxAttempts ?? defaultMaxAttempts,
      run_at: job.runAt ?? sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
      locked_by: null,
      locked_until: null,
      last_error: null,
      finished_at: null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted !== undefined) return { id: inserted.id, created: true };
  const existing = await db
    .selectFrom('jobs')
    .select('id')
    .where('dedupe_key', '=', job.dedupeKey ?? '')
    .executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

export interface JobRow {
  readonly id: string;
  readonly type: string;
  readonly state: JobState;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAt: Date;
  readonly lastError: string | null;
  readonly createdAt: Date;
}

const LIST_LIMIT_MAX = 500;

export async function listJobs(
  db: Kysely<Tables>,
  filter: { state?: JobState; limit: number },
): Promise<JobRow[]> {
  let query = db
    .selectFrom('jobs')
    .select(['id', 'type', 'state', 'attempts', 'max_attempts', 'run_at', 'last_error', 'created_at'])
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(filter.limit, 1), LIST_LIMIT_MAX));
  if (filter.state !== undefined) query = query.where('state', '=', filter.state);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    lastError: r.last_error,
    createdAt: r.created_at,
  }));
}

/** Sends a dead job back to the queue with a fresh attempt budget. Only dead jobs can be replayed. */
export async function replayDeadJob(db: Kysely<Tables>, id: string): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({
      state: 'pending',
      attempts: 0,
      run_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
      finished_at: null,
    })
    .where('id', '=', id)
    .where('state', '=', 'dead')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function countJobsByState(db: Kysely<Tables>): Promise<Record<JobState, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['state', (eb) => eb.fn.countAll<string>().as('count')])
    .groupBy('state')
    .execute();
  const counts: Record<JobState, number> = { pending: 0, running: 0, succeeded: 0, dead: 0 };
  for (const row of rows) counts[row.state] = Number(row.count);
  return counts;
}

export function truncateError(error: unknown): string {
  const raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // PostgreSQL text cannot hold NUL (an error quoting a binary body can): writing it would fail the
  // failure record itself, leaving the job running, without its error, until its lease ran out.
  const text = raw.replaceAll('\u0000', '\uFFFD');
  return text.length > ERROR_CHARS_MAX ? `${text.slice(0, ERROR_CHARS_MAX - 1)}…` : text;
}
