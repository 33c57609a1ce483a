/**
 * The payout (issue: Payout): `withdrawal.payout` takes a funded withdrawal from `pending_anchor`
 * to `pending_external` with a Paystack transfer under OUR reference, made once with the row.
 *
 * Paystack transfers have no idempotency key but the reference, so every attempt starts by asking
 * Paystack about that reference: a transfer that exists is followed, never made again; an unknown
 * outcome (timeout, 5xx) is settled the same way on the next attempt. OTP-enabled accounts leave
 * the transfer waiting for an operator's finalisation (visible and alerted); an insufficient
 * balance puts the withdrawal `on_hold` with an alert, and the sweep resumes it once funded.
 *
 * Settlement: `transfer.success` (verified) → `completed`; `transfer.failed` / `transfer.reversed`
 * (even after success) → the asset goes back on Stellar → `refunded`.
 */
import type { PaystackTransfer } from '../../rails/paystack/models.js';
import type { TransactionRow } from '../state-machine.js';
import type { TransferDeps } from '../transfers/deps.js';
import { lockTransaction, moveTransaction } from '../transfers/move.js';
import { stellarRefundJob, type StellarRefund } from './job-types.js';
import { postPaidOut, postPayoutReversed } from './ledger.js';
import { withdrawalMetrics } from './metrics.js';
import { readPayoutAccount } from './open.js';

const ACTOR = 'job:withdrawal.payout';
/** What a held payout tells the customer; the sweep resumes payouts held with it once funded. */
export const BALANCE_HOLD_MESSAGE = 'Your withdrawal is delayed; it will be paid out as soon as possible.';
const BALANCE_NOT_ENOUGH = /balance is not enough|insufficient (balance|funds)/i;

/** Not settled yet: the job tries again later (Paystack did not answer, or the bank is still at it). */
export class PayoutPendingError extends Error {
  override readonly name = 'PayoutPendingError';
}

async function load(deps: TransferDeps, id: string): Promise<TransactionRow | undefined> {
  return deps.db.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function runPayout(deps: TransferDeps, transactionId: string): Promise<void> {
  const row = await load(deps, transactionId);
  if (row?.kind !== 'withdrawal' || row.status !== 'pending_anchor' || row.funds_received_at === null) return;
  // A withdrawal being refunded pays nothing out.
  if (row.pending_refund !== null) return;
  if (deps.paystack === undefined || row.payout_reference === null)
    throw new Error('Paystack payouts are not configured');
  const paystack = deps.paystack;
  const reference = row.payout_reference;
  const existing = await paystack.resolveTransferOutcome(reference);
  if (existing.resolution === 'unknown')
    throw new PayoutPendingError(`verify ${reference}: Paystack did not answer`);
  if (existing.resolution === 'landed') {
    await followTransfer(deps, row, existing.transfer);
    return;
  }
  const account = readPayoutAccount(deps, row);
  if (account === undefined) throw new Error(`withdrawal ${row.id} has no payout account`);
  const recipient = await paystack.createRecipient({
    name: account.accountName,
    accountNumber: account.accountNumber,
    bankCode: account.bankCode,
  });
  if (!recipient.ok) {
    if (recipient.error.kind === 'unknown')
      throw new PayoutPendingError('creating the transfer recipient: no answer');
    await hold(
      deps,
      row,
      'recipient_refused',
      `Paystack refused the bank account: ${recipient.error.message}`,
    );
    return;
  }
  const initiated = await paystack.initiateTransfer({
    amountKobo: BigInt(row.amount_out_minor ?? '0'),
    recipientCode: recipient.value.recipientCode,
    reference,
    reason: `Rampart withdrawal ${row.id.slice(0, 8)}`,
  });
  if (initiated.outcome === 'unknown')
    throw new PayoutPendingError('transfer outcome unknown: verify settles it on the next attempt');
  if (initiated.outcome === 'failed') {
    if (initiated.refusal === 'duplicate_reference')
      throw new PayoutPendingError('the transfer exists already: following it');
    if (BALANCE_NOT_ENOUGH.test(initiated.reason)) {
      await hold(
        deps,
        row,
        'paystack_balance',
        'Paystack balance too low for this payout; it will be paid once the balance is topped up',
      );
      return;
    }
    await refundAfterPayoutFailure(deps, row.id, `Paystack refused the transfer: ${initiated.reason}`, false);
    return;
  }
  await followTransfer(deps, row, initiated.transfer);
}

/** Moves the withdrawal to where Paystack's word about its transfer puts it. */
async function followTransfer(
  deps: TransferDeps,
  row: TransactionRow,
  transfer: PaystackTransfer,
): Promise<void> {
  if (row.status === 'pending_anchor') {
    const otp = transfer.status === 'otp';
    if (otp) withdrawalMetrics(deps).held.inc({ reason: 'otp' });
    await deps.db.transaction().execute(async (trx) => {
      const locked = await lockTransaction(trx, row.id);
      if (locked?.status !== 'pending_anchor') return;
      await trx
        .updateTable('transactions')
        .set({ payout_transfer_code: transfer.transferCode, external_transaction_id: transfer.transferCode })
        .where('id', '=', row.id)
        .execute();
      await moveTransaction(
        trx,
        locked,
        {
          to: 'pending_external',
          reason: otp
            ? 'Paystack transfer waiting for OTP finalisation by an operator'
            : `Paystack transfer ${transfer.transferCode} is ${transfer.status}`,
          actor: ACTOR,
          statusMessage: 'Your naira is on its way to your bank.',
        },
        deps,
      );
    });
    if (otp)
      deps.logger.warn(
        { transactionId: row.id, transferCode: transfer.transferCode },
        'payout waits for OTP finalisation (rampart operator action)',
      );
  }
  await settlePayout(deps, row.id, transfer);
}

/** Applies a verified transfer's status to its withdrawal (from the job, a webhook or the sweep). */
export async function settlePayout(
  deps: TransferDeps,
  transactionId: string,
  transfer: PaystackTransfer,
): Promise<void> {
  if (transfer.status === 'success') {
    await deps.db.transaction().execute(async (trx) => {
      const row = await lockTransaction(trx, transactionId);
      if (row?.status !== 'pending_external') return;
      await postPaidOut(trx, paidOutOf(row));
      await moveTransaction(
        trx,
        row,
        {
          to: 'completed',
          reason: `Paystack transfer ${transfer.transferCode} succeeded`,
          actor: ACTOR,
          statusMessage: 'Paid to your bank account.',
        },
        deps,
      );
    });
    withdrawalMetrics(deps).paidOut.inc({ outcome: 'completed' });
    return;
  }
  if (
    transfer.status === 'failed' ||
    transfer.status === 'reversed' ||
    transfer.status === 'abandoned' ||
    transfer.status === 'rejected' ||
    transfer.status === 'blocked'
  ) {
    withdrawalMetrics(deps).paidOut.inc({ outcome: transfer.status === 'reversed' ? 'reversed' : 'failed' });
    await refundAfterPayoutFailure(
      deps,
      transactionId,
      `Paystack transfer ${transfer.transferCode} ${transfer.status}`,
      transfer.status === 'reversed',
    );
    return;
  }
  // pending, otp, received, queued: the bank has not answered yet.
}

function paidOutOf(row: TransactionRow) {
  return {
    transactionId: row.id,
    asset: row.amount_in_asset ?? '',
    amountInStroops: BigInt(row.amount_in_minor ?? '0'),
    amountOutKobo: BigInt(row.amount_out_minor ?? '0'),
    feeKobo: BigInt(row.amount_fee_minor ?? '0'),
  };
}

/**
 * The naira did not reach the customer (refused, failed, or reversed — even after `completed`):
 * the asset they sent goes back on Stellar, and the withdrawal ends `refunded` when it lands.
 */
async function refundAfterPayoutFailure(
  deps: TransferDeps,
  transactionId: string,
  why: string,
  reversed: boolean,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const row = await lockTransaction(trx, transactionId);
    if (row === undefined || !['pending_anchor', 'pending_external', 'completed'].includes(row.status))
      return;
    if (row.status === 'completed') await postPayoutReversed(trx, paidOutOf(row));
    if (row.stellar_payment_id === null)
      throw new Error(`withdrawal ${row.id} has no observed payment to refund`);
    // What the customer is owed back: the amount paid out for (an excess went back already).
    const refund: StellarRefund = {
      key: `${row.id}:payout-failed`,
      paymentId: row.stellar_payment_id,
      amountStroops: row.amount_in_minor ?? '0',
      settles: row.id,
      settleTotalStroops: row.amount_in_minor ?? '0',
    };
    await trx
      .updateTable('transactions')
      .set({ pending_refund: JSON.stringify([refund]) })
      .where('id', '=', row.id)
      .execute();
    await moveTransaction(
      trx,
      row,
      {
        to: 'pending_anchor',
        reason: `${why}: refunding on Stellar`,
        actor: ACTOR,
        statusMessage: reversed
          ? 'Your bank returned the payment; your asset is being sent back.'
          : 'The bank transfer failed; your asset is being sent back.',
        jobs: [stellarRefundJob(refund)],
      },
      deps,
    );
  });
  deps.logger.warn({ transactionId, why }, 'payout failed: refunding the withdrawal on Stellar');
}

async function hold(deps: TransferDeps, row: TransactionRow, reason: string, message: string): Promise<void> {
  withdrawalMetrics(deps).held.inc({ reason });
  deps.logger.warn({ transactionId: row.id, reason }, `payout held: ${message}`);
  await deps.db.transaction().execute(async (trx) => {
    const locked = await lockTransaction(trx, row.id);
    if (locked?.status !== 'pending_anchor') return;
    await moveTransaction(
      trx,
      locked,
      {
        to: 'on_hold',
        reason: message,
        actor: ACTOR,
        statusMessage:
          reason === 'paystack_balance'
            ? BALANCE_HOLD_MESSAGE
            : 'Your withdrawal needs a check by support before it is paid out.',
      },
      deps,
    );
  });
}

/** Verifies a payout with Paystack and applies it (webhooks and the sweep; never initiates). */
export async function settlePayoutByReference(deps: TransferDeps, reference: string): Promise<string> {
  const row = await deps.db
    .selectFrom('transactions')
    .select(['id', 'status'])
    .where('payout_reference', '=', reference)
    .executeTakeFirst();
  if (row === undefined) return 'no withdrawal has this reference';
  if (deps.paystack === undefined) throw new PayoutPendingError('Paystack is not configured');
  const verified = await deps.paystack.verifyTransfer(reference);
  if (!verified.ok) throw new PayoutPendingError(`verify ${reference}: ${verified.error.kind}`);
  await deps.db
    .updateTable('transactions')
    .set({ payout_checked_at: deps.now() })
    .where('id', '=', row.id)
    .execute();
  await settlePayout(deps, row.id, verified.value);
  return `withdrawal ${row.id}: transfer ${verified.value.status}`;
}
