/**
 * Refunding a deposit's naira through Paystack (a late payment under DEPOSIT_LATE_PAYMENT=refund).
 * Paystack's refund API takes no idempotency key, so the rule is the transfers' rule: look for an
 * existing refund of the charge first, create one only when Paystack says there is none, and settle
 * an unknown outcome by looking again — never by creating a second refund. The deposit stays
 * `pending_external` until Paystack reports the refund processed, then it is `refunded`.
 */
import type { PaystackRefund } from '../../rails/paystack/models.js';
import { formatAmount } from '../../domain/money.js';
import type { TransferDeps } from '../transfers/deps.js';
import { lockTransaction, moveTransaction } from '../transfers/move.js';
import type { RefundsJson } from '../transfers/view.js';
import { postRefunded } from './ledger.js';
import { refundJob } from './job-types.js';
import { enqueue } from '../../platform/outbox/jobs.js';

const ACTOR = 'job:deposit.refund';

/** Not settled yet (pending at Paystack, or Paystack did not answer): the job tries again later. */
export class RefundPendingError extends Error {
  override readonly name = 'RefundPendingError';
}

export async function runRefund(deps: TransferDeps, transactionId: string): Promise<void> {
  const row = await deps.db
    .selectFrom('transactions')
    .selectAll()
    .where('id', '=', transactionId)
    .executeTakeFirst();
  if (row?.status !== 'pending_external' || row.kind !== 'deposit') return;
  const reference = row.external_transaction_id;
  if (reference === null || deps.paystack === undefined)
    throw new Error(`deposit ${row.id} has no Paystack charge to refund`);
  const existing = await deps.paystack.resolveRefundOutcome(reference);
  if (existing.resolution === 'unknown')
    throw new RefundPendingError('Paystack did not answer the refund lookup');
  let refund: PaystackRefund;
  if (existing.resolution === 'exists') {
    refund = existing.refund;
  } else {
    const created = await deps.paystack.createRefund({
      transactionReference: reference,
      merchantNote: `Rampart deposit ${row.id}: paid after it expired`,
      customerNote: 'Your payment arrived after the deposit expired, so it has been refunded.',
    });
    if (created.outcome === 'unknown')
      throw new RefundPendingError('refund outcome unknown; will look it up');
    if (created.outcome === 'refused') {
      await hold(deps, row.id, `Paystack refused the refund: ${created.reason}`);
      return;
    }
    refund = created.refund;
  }
  // A refund Paystack is still processing (often for hours) is followed by the sweep and the
  // `refund.*` webhooks, not by this job's retries.
  if (refund.status === 'processed' || refund.status === 'failed') await settleRefund(deps, row.id, refund);
}

/** Applies what Paystack says about a refund (from the job or a `refund.*` webhook, re-fetched). */
export async function settleRefund(
  deps: TransferDeps,
  transactionId: string,
  refund: PaystackRefund,
): Promise<void> {
  if (refund.status === 'failed') {
    await hold(deps, transactionId, `the Paystack refund ${refund.id} failed`);
    return;
  }
  if (refund.status !== 'processed') throw new RefundPendingError(`refund ${refund.id} is ${refund.status}`);
  await deps.db.transaction().execute(async (trx) => {
    const row = await lockTransaction(trx, transactionId);
    if (row?.status !== 'pending_external') return;
    await postRefunded(trx, row.id, refund.id, refund.amountKobo);
    const amount = formatAmount(refund.amountKobo, 2);
    const refunds: RefundsJson = {
      amount_refunded: amount,
      amount_fee: '0.00',
      payments: [{ id: refund.id, id_type: 'external', amount, fee: '0.00' }],
    };
    await trx
      .updateTable('transactions')
      .set({ refunds: JSON.stringify(refunds), amount_fee_minor: 0n, amount_out_minor: null })
      .where('id', '=', row.id)
      .execute();
    await moveTransaction(
      trx,
      row,
      {
        to: 'refunded',
        reason: `refunded through Paystack (refund ${refund.id})`,
        actor: ACTOR,
        statusMessage: 'Your payment has been refunded.',
      },
      deps,
    );
  });
}

/**
 * Finds the deposit a refund webhook (or the sweep) is about and settles it with Paystack's current
 * word; a deposit whose refund was never created (its job died) gets a fresh refund job.
 */
export async function settleRefundByReference(deps: TransferDeps, chargeReference: string): Promise<void> {
  const row = await deps.db
    .selectFrom('transactions')
    .select(['id', 'status'])
    .where('external_transaction_id', '=', chargeReference)
    .where('kind', '=', 'deposit')
    .executeTakeFirst();
  if (row?.status !== 'pending_external' || deps.paystack === undefined) return;
  const found = await deps.paystack.resolveRefundOutcome(chargeReference);
  if (found.resolution === 'unknown')
    throw new RefundPendingError('Paystack did not answer the refund lookup');
  if (found.resolution === 'absent') {
    const slot = Math.floor(deps.now().getTime() / 60_000);
    await enqueue(
      deps.db,
      { ...refundJob(row.id), dedupeKey: `${refundJob(row.id).dedupeKey ?? ''}:${slot}` },
      deps.jobMaxAttempts,
    );
    return;
  }
  await settleRefund(deps, row.id, found.refund);
}

async function hold(deps: TransferDeps, transactionId: string, reason: string): Promise<void> {
  deps.logger.warn({ transactionId, reason }, 'deposit refund needs an operator');
  await deps.db.transaction().execute(async (trx) => {
    const row = await lockTransaction(trx, transactionId);
    if (row?.status !== 'pending_external') return;
    await moveTransaction(
      trx,
      row,
      { to: 'on_hold', reason, actor: ACTOR, statusMessage: 'Your refund is being reviewed by support.' },
      deps,
    );
  });
}
