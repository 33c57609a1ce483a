/**
 * The one writer of a transaction's status (GUIDE §4.2). `transition()` checks the move against the
 * table, bumps the version with a compare-and-set (optimistic locking), appends the audit event and
 * enqueues the follow-up jobs — all inside the caller's database transaction, so either everything
 * happens or nothing does.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { checkTransition } from '../domain/transition-table.js';
import {
  isTransactionStatus,
  type TransactionKind,
  type TransactionStatus,
} from '../domain/transaction-status.js';
import { assert } from '../domain/assert.js';
import type { Tables, TransactionsTable } from '../platform/db/schema.js';
import { enqueue, type JobRequest, type JsonValue } from '../platform/outbox/jobs.js';
import type { Selectable } from 'kysely';
import type { Logger } from '../platform/logger.js';

export type TransactionRow = Selectable<TransactionsTable>;

export interface TransitionRequest {
  readonly transactionId: string;
  readonly to: TransactionStatus;
  /** The version the caller read; a concurrent writer makes this stale and the call fails. */
  readonly expectedVersion: number;
  /** Why, for the audit trail and the operator. */
  readonly reason: string;
  /** Who: a job type, `webhook:paystack`, `operator:<id>`, … */
  readonly actor: string;
  /** This step records the user's funds as received (deposit paid, withdrawal payment observed). */
  readonly fundsReceived?: boolean;
  /** Shown to the wallet as `message` (SEP-24); cleared when omitted. */
  readonly statusMessage?: string;
  readonly data?: Readonly<Record<string, JsonValue>>;
  /** Follow-up effects, enqueued in the same database transaction. */
  readonly jobs?: readonly JobRequest[];
}

export type TransitionResult =
  | { ok: true; transaction: TransactionRow }
  | { ok: false; error: 'not_found' | 'stale' | 'illegal'; message: string; current?: TransactionRow };

export interface StateMachineOptions {
  readonly jobMaxAttempts: number;
  /** Where the one log line per status change goes. */
  readonly logger?: Logger;
}

/** The job that POSTs a transaction's new state to its `on_change_callback` (flows/transfers/callback.ts). */
export const TRANSFER_CALLBACK_JOB = 'transfer.callback';
/** A wallet that stays unreachable this many times with backoff is given up on (the job is dead). */
const TRANSFER_CALLBACK_ATTEMPTS_MAX = 10;

const FINISHING: ReadonlySet<TransactionStatus> = new Set(['completed', 'refunded']);

export async function transition(
  trx: Transaction<Tables>,
  request: TransitionRequest,
  options: StateMachineOptions,
): Promise<TransitionResult> {
  assert(request.reason.length > 0, 'a transition needs a reason for the audit trail');
  const current = await trx
    .selectFrom('transactions')
    .selectAll()
    .where('id', '=', request.transactionId)
    .executeTakeFirst();
  if (current === undefined)
    return { ok: false, error: 'not_found', message: `transaction ${request.transactionId} not found` };
  if (current.version !== request.expectedVersion) {
    return {
      ok: false,
      error: 'stale',
      message: `transaction changed (version ${current.version}, expected ${request.expectedVersion})`,
      current,
    };
  }
  assert(isTransactionStatus(current.status), `stored status is not a status: ${current.status}`);
  const funded = current.funds_received_at !== null || request.fundsReceived === true;
  const check = checkTransition({
    kind: current.kind satisfies TransactionKind,
    from: current.status,
    to: request.to,
    funded,
  });
  if (!check.ok) return { ok: false, error: 'illegal', message: check.reason, current };

  const updated = await trx
    .updateTable('transactions')
    .set({
      status: request.to,
      status_message: request.statusMessage ?? null,
      version: current.version + 1,
      updated_at: sql<Date>`now()`,
      ...(request.fundsReceived === true && current.funds_received_at === null
        ? { funds_received_at: sql<Date>`now()` }
        : {}),
      ...(FINISHING.has(request.to) ? { completed_at: sql<Date>`now()` } : {}),
    })
    .where('id', '=', current.id)
    .where('version', '=', current.version)
    .returningAll()
    .executeTakeFirst();
  // The row was read in this transaction; another committed writer between read and write loses us the race.
  if (updated === undefined)
    return { ok: false, error: 'stale', message: 'transaction changed concurrently' };

  await trx
    .insertInto('transaction_events')
    .values({
      transaction_id: current.id,
      from_status: current.status,
      to_status: request.to,
      version: updated.version,
      reason: request.reason,
      actor: request.actor,
      data: JSON.stringify(request.data ?? {}),
    })
    .execute();
  for (const job of request.jobs ?? []) await enqueue(trx, job, options.jobMaxAttempts);
  // SEP-24/SEP-6 `on_change_callback`: every status change is announced, through the outbox.
  if (updated.on_change_callback !== null)
    await enqueue(
      trx,
      {
        type: TRANSFER_CALLBACK_JOB,
        payload: { transactionId: updated.id, version: updated.version },
        dedupeKey: `${TRANSFER_CALLBACK_JOB}:${updated.id}:${updated.version}`,
        maxAttempts: TRANSFER_CALLBACK_ATTEMPTS_MAX,
      },
      options.jobMaxAttempts,
    );
  options.logger?.info(
    {
      transactionId: updated.id,
      kind: updated.kind,
      from: current.status,
      to: request.to,
      actor: request.actor,
    },
    `transaction ${updated.id}: ${current.status} → ${request.to}`,
  );
  return { ok: true, transaction: updated };
}

export interface NewTransaction {
  readonly kind: TransactionKind;
  readonly protocol: 'sep6' | 'sep24';
  readonly assetCode: string;
  readonly assetIssuer: string | null;
  readonly stellarAccount: string;
  readonly stellarMemo: string | null;
  readonly actor: string;
}

/** Creates a transaction in `incomplete`, with its first audit event. */
export async function createTransaction(
  trx: Transaction<Tables>,
  input: NewTransaction,
): Promise<TransactionRow> {
  const row = await trx
    .insertInto('transactions')
    .values({
      kind: input.kind,
      protocol: input.protocol,
      status: 'incomplete',
      status_message: null,
      asset_code: input.assetCode,
      asset_issuer: input.assetIssuer,
      stellar_account: input.stellarAccount,
      stellar_memo: input.stellarMemo,
      updated_at: sql<Date>`now()`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('transaction_events')
    .values({
      transaction_id: row.id,
      from_status: 'none',
      to_status: 'incomplete',
      version: row.version,
      reason: 'created',
      actor: input.actor,
      data: '{}',
    })
    .execute();
  return row;
}

export const STALE_RETRIES_MAX = 5;

/**
 * Re-reads and retries when another writer got there first: `decide` sees the fresh row each time
 * and returns the request to make (or null to make none, e.g. the move already happened).
 */
export async function transitionWithRetry(
  db: Kysely<Tables>,
  transactionId: string,
  decide: (current: TransactionRow) => Omit<TransitionRequest, 'transactionId' | 'expectedVersion'> | null,
  options: StateMachineOptions,
): Promise<TransitionResult | { ok: true; transaction: TransactionRow; unchanged: true }> {
  let last: TransitionResult | undefined;
  for (let attempt = 0; attempt < STALE_RETRIES_MAX; attempt += 1) {
    last = await db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('transactions')
        .selectAll()
        .where('id', '=', transactionId)
        .executeTakeFirst();
      if (current === undefined)
        return { ok: false, error: 'not_found', message: `transaction ${transactionId} not found` } as const;
      const request = decide(current);
      if (request === null) return { ok: true, transaction: current, unchanged: true } as const;
      return transition(trx, { ...request, transactionId, expectedVersion: current.version }, options);
    });
    if (last.ok || last.error !== 'stale') return last;
  }
  assert(last !== undefined, 'at least one attempt ran');
  return last;
}
