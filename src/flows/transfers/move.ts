/**
 * Moving a transaction on from the flows: one call that takes the legal route to a target status.
 * A funded transaction that cannot go straight to where the flow wants it (a late payment on an
 * `expired` deposit, say) goes through `pending_anchor` first — the table's recovery edge — so every
 * step is still one checked `transition()` with its audit event.
 */
import type { Transaction } from 'kysely';
import type { Tables } from '../../platform/db/schema.js';
import { checkTransition } from '../../domain/transition-table.js';
import type { TransactionStatus } from '../../domain/transaction-status.js';
import {
  transition,
  type StateMachineOptions,
  type TransactionRow,
  type TransitionRequest,
} from '../state-machine.js';

export interface Move {
  readonly to: TransactionStatus;
  readonly reason: string;
  readonly actor: string;
  readonly fundsReceived?: boolean;
  readonly statusMessage?: string;
  readonly jobs?: TransitionRequest['jobs'];
  readonly data?: TransitionRequest['data'];
}

export async function moveTransaction(
  trx: Transaction<Tables>,
  row: TransactionRow,
  move: Move,
  machine: StateMachineOptions,
): Promise<TransactionRow> {
  const funded = row.funds_received_at !== null || move.fundsReceived === true;
  let current = row;
  const direct = checkTransition({
    kind: row.kind,
    from: row.status as TransactionStatus,
    to: move.to,
    funded,
  });
  // Never routed out of `completed`: only the payout-reversal handler reopens one, explicitly.
  if (!direct.ok && move.to !== 'pending_anchor' && row.status !== 'completed') {
    current = await step(
      trx,
      current,
      {
        to: 'pending_anchor',
        reason: `on the way to ${move.to}: ${move.reason}`,
        actor: move.actor,
        ...(move.fundsReceived === true ? { fundsReceived: true } : {}),
      },
      machine,
    );
    return step(trx, current, { ...move, fundsReceived: false }, machine);
  }
  return step(trx, current, move, machine);
}

async function step(
  trx: Transaction<Tables>,
  row: TransactionRow,
  move: Move,
  machine: StateMachineOptions,
): Promise<TransactionRow> {
  const moved = await transition(
    trx,
    {
      transactionId: row.id,
      expectedVersion: row.version,
      to: move.to,
      reason: move.reason,
      actor: move.actor,
      ...(move.fundsReceived === true ? { fundsReceived: true } : {}),
      ...(move.statusMessage === undefined ? {} : { statusMessage: move.statusMessage }),
      ...(move.jobs === undefined ? {} : { jobs: move.jobs }),
      ...(move.data === undefined ? {} : { data: move.data }),
    },
    {
      jobMaxAttempts: machine.jobMaxAttempts,
      ...(machine.logger === undefined ? {} : { logger: machine.logger }),
    },
  );
  // Callers hold the row locked (FOR UPDATE): a refusal here is a bug in the flow, not a race.
  if (!moved.ok)
    throw new Error(`transaction ${row.id}: ${row.status} → ${move.to} refused: ${moved.message}`);
  return moved.transaction;
}

/** The row, locked for this database transaction. */
export async function lockTransaction(
  trx: Transaction<Tables>,
  id: string,
): Promise<TransactionRow | undefined> {
  return trx.selectFrom('transactions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}
