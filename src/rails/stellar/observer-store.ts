/**
 * The observer's writes. One database transaction per record: move (and so lock) the account's
 * cursor row if the record is ahead of it and the fencing token allows, store the payment (unique by
 * transaction hash and operation index), and run the caller's processing callback. Either all of it commits or
 * none of it does, so the cursor never passes a payment that is not stored and processed (or
 * quarantined), and a replayed record is a no-op.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { assert } from '../../domain/assert.js';
import type { Tables } from '../../platform/db/schema.js';
import {
  compareTokens,
  truncateReason,
  type PaymentFields,
  type ReadRecord,
  type RecordPosition,
} from './observer-parse.js';

/** A payment to an observed account, as the processing callback receives it. */
export interface ObservedPayment {
  /** `stellar_payments.id`. */
  readonly id: string;
  readonly account: string;
  readonly transactionHash: string;
  readonly operationIndex: number;
  readonly pagingToken: string;
  readonly ledger: number;
  readonly createdAt: Date;
  readonly from: string | null;
  readonly operationType: string;
  /** `native` or `CODE:ISSUER`, one of the configured assets. */
  readonly asset: string;
  readonly amountStroops: bigint;
  readonly memoType: 'none' | 'text' | 'id' | 'hash' | 'return';
  readonly memo: string | null;
  /** The id of the M-address it was sent to (decimal uint64), null for a G-address. */
  readonly muxedId: string | null;
}

export type PaymentDecision =
  | { readonly outcome: 'processed'; readonly transactionId?: string }
  | { readonly outcome: 'quarantined'; readonly reason: string };

/** Runs inside the observer's transaction: its writes commit with the payment and the cursor. */
export type PaymentHandler = (trx: Transaction<Tables>, payment: ObservedPayment) => Promise<PaymentDecision>;

export type RecordOutcome = 'processed' | 'quarantined' | 'duplicate' | 'ignored';

/** A newer leader wrote this cursor: this process lost its lease and must stop at once. */
export class FencedOutError extends Error {
  override readonly name = 'FencedOutError';
}

/** The processing callback failed (threw, answered nonsense, or its answer could not be stored). */
export class CallbackFailure extends Error {
  override readonly name = 'CallbackFailure';
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function cursorName(account: string): string {
  return `payments:${account}`;
}

/** Creates the account's cursor row when missing; `initialCursor` ('0': the whole history). */
export async function ensureCursor(db: Kysely<Tables>, name: string, initialCursor: string): Promise<void> {
  await db
    .insertInto('stellar_cursors')
    .values({ name, cursor: initialCursor, ledger: null, fencing_token: '0' })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
}

export async function readCursor(db: Kysely<Tables>, name: string): Promise<string> {
  const row = await db
    .selectFrom('stellar_cursors')
    .select('cursor')
    .where('name', '=', name)
    .executeTakeFirst();
  assert(row !== undefined, `cursor ${name} is created before it is read`);
  return row.cursor;
}

export interface StoreContext {
  readonly db: Kysely<Tables>;
  readonly cursorName: string;
  /** The leader's fencing token. */
  readonly token: string;
  readonly onPayment: PaymentHandler;
}

/** Stores one record and runs the callback, all in one transaction. */
export async function storeRecord(context: StoreContext, read: ReadRecord): Promise<RecordOutcome> {
  return await context.db.transaction().execute(async (trx) => {
    const position = read.kind === 'ignored' ? read.position : read.fields;
    if (!(await claimPosition(trx, context, position))) return 'duplicate';
    let outcome: RecordOutcome;
    if (read.kind === 'ignored') outcome = 'ignored';
    else if (read.kind === 'unprocessable') {
      const id = await insertPayment(trx, read.fields, 'quarantined', read.reason);
      outcome = id === null ? 'duplicate' : 'quarantined';
    } else {
      const id = await insertPayment(trx, read.fields, 'received', null);
      outcome = id === null ? 'duplicate' : await runCallback(trx, context.onPayment, { ...read.fields, id });
    }
    return outcome;
  });
}

/** After the callback kept failing: keep the payment as quarantined so the cursor moves on. */
export async function quarantineRecord(
  context: StoreContext,
  fields: PaymentFields,
  reason: string,
): Promise<RecordOutcome> {
  return await storeRecord(context, { kind: 'unprocessable', fields, reason: truncateReason(reason) });
}

/**
 * Moves the cursor to the record — which also locks the row, serialising every writer of this
 * account until commit — when the record is ahead of it and no newer leader has written. Otherwise
 * nothing is written: a record at or behind the cursor is a replay; a higher fencing token on the
 * row means a newer leader took over, and this one must stop.
 */
async function claimPosition(
  trx: Transaction<Tables>,
  context: StoreContext,
  position: RecordPosition,
): Promise<boolean> {
  const moved = await trx
    .updateTable('stellar_cursors')
    .set({
      cursor: position.pagingToken,
      ledger: position.ledger,
      fencing_token: context.token,
      updated_at: sql<Date>`now()`,
    })
    .where('name', '=', context.cursorName)
    .where('fencing_token', '<=', context.token)
    .where(sql<boolean>`cursor::numeric < ${position.pagingToken}::numeric`)
    .executeTakeFirst();
  if (moved.numUpdatedRows === 1n) return true;
  const row = await trx
    .selectFrom('stellar_cursors')
    .select(['cursor', 'fencing_token'])
    .where('name', '=', context.cursorName)
    .executeTakeFirst();
  assert(row !== undefined, `cursor ${context.cursorName} exists before payments are stored`);
  if (BigInt(row.fencing_token) > BigInt(context.token))
    throw new FencedOutError(`cursor ${context.cursorName} was written by a newer leader`);
  assert(compareTokens(position.pagingToken, row.cursor) <= 0, 'a cursor not moved is at or past the record');
  return false;
}

/** Null when the payment was stored before (a replay): the unique key makes it a no-op. */
async function insertPayment(
  trx: Transaction<Tables>,
  fields: PaymentFields,
  state: 'received' | 'quarantined',
  reason: string | null,
): Promise<string | null> {
  const row = await trx
    .insertInto('stellar_payments')
    .values({
      transaction_hash: fields.transactionHash,
      operation_index: fields.operationIndex,
      paging_token: fields.pagingToken,
      account: fields.account,
      from_account: fields.from,
      operation_type: fields.operationType,
      asset: fields.asset,
      amount_stroops: fields.amountStroops,
      memo_type: fields.memoType,
      memo: fields.memo,
      muxed_id: fields.muxedId,
      ledger: fields.ledger,
      created_at: fields.createdAt,
      state,
      reason,
    })
    .onConflict((conflict) => conflict.columns(['transaction_hash', 'operation_index']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

async function runCallback(
  trx: Transaction<Tables>,
  onPayment: PaymentHandler,
  payment: PaymentFields & { id: string; asset: string; amountStroops: bigint },
): Promise<'processed' | 'quarantined'> {
  assert(payment.memoType !== null, 'a payment handed on has a memo type');
  let decision: PaymentDecision;
  try {
    decision = await onPayment(trx, { ...payment, memoType: payment.memoType });
  } catch (error) {
    throw new CallbackFailure(messageOf(error), { cause: error });
  }
  const problem = decisionProblem(decision);
  if (problem !== null) throw new CallbackFailure(problem);
  try {
    await trx
      .updateTable('stellar_payments')
      .set(
        decision.outcome === 'processed'
          ? { state: 'processed', transaction_id: decision.transactionId ?? null }
          : { state: 'quarantined', reason: truncateReason(decision.reason) },
      )
      .where('id', '=', payment.id)
      .execute();
  } catch (error) {
    // E.g. a transactionId that names no transaction: the callback's answer, not our storage.
    throw new CallbackFailure(`its answer could not be stored: ${messageOf(error)}`, { cause: error });
  }
  return decision.outcome;
}

function decisionProblem(decision: unknown): string | null {
  if (typeof decision !== 'object' || decision === null) return 'it answered no decision';
  const { outcome, transactionId, reason } = decision as Record<string, unknown>;
  if (outcome === 'processed') {
    if (
      transactionId === undefined ||
      (typeof transactionId === 'string' && UUID_PATTERN.test(transactionId))
    )
      return null;
    return 'it answered a transactionId that is not a UUID';
  }
  if (outcome === 'quarantined') {
    return typeof reason === 'string' && reason.trim() !== '' ? null : 'it quarantined without a reason';
  }
  return 'it answered an unknown outcome';
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
