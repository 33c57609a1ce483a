/**
 * Matching what the observer saw (GUIDE §4.5; issue: matching policies). Runs inside the
 * observer's database transaction, so the payment row, the cursor, the ledger and the status
 * change commit together or not at all.
 *
 * By memo (an id memo, or the id of the muxed address it was sent to), then asset, then amount:
 * - exact → `pending_anchor` and a payout;
 * - under → `pending_user` saying what is missing (WITHDRAW_UNDERPAYMENT=wait; a second payment with
 *   the same memo tops it up) or refunded at once (=refund);
 * - over → paid out for the expected amount, the excess refunded;
 * - after the deadline, or for a withdrawal that is no longer waiting → refunded, never swallowed;
 * - no memo, an unknown memo, or the wrong asset → held in suspense (or refunded for a known
 *   withdrawal in the wrong asset), with an alert.
 */
import type { Transaction } from 'kysely';
import type { Tables } from '../../platform/db/schema.js';
import type { ObservedPayment, PaymentDecision } from '../../rails/stellar/observer.js';
import { formatAmount, STELLAR_DECIMALS } from '../../domain/money.js';
import type { TransactionRow } from '../state-machine.js';
import type { TransferDeps } from '../transfers/deps.js';
import { railAssetOf } from '../transfers/assets.js';
import { moveTransaction } from '../transfers/move.js';
import { enqueue } from '../../platform/outbox/jobs.js';
import { payoutJob, stellarRefundJob, type StellarRefund } from './job-types.js';
import { postReceived } from './ledger.js';
import { withdrawalMetrics } from './metrics.js';

const ACTOR = 'observer:stellar';
const WAITING: ReadonlySet<string> = new Set(['pending_user_transfer_start', 'pending_user']);

function memoOf(payment: ObservedPayment): string | null {
  if (payment.muxedId !== null) return payment.muxedId;
  if (payment.memoType === 'id' && payment.memo !== null) return payment.memo;
  // Wallets that can only write text memos often send the digits as text.
  if (payment.memoType === 'text' && payment.memo !== null && /^[0-9]{1,20}$/.test(payment.memo))
    return payment.memo;
  return null;
}

/**
 * The payments a withdrawal accepted (in its asset, not sent back), this one excluded: what it has
 * received so far. A payment returned whole never counts.
 */
export async function acceptedPayments(
  trx: Transaction<Tables>,
  transactionId: string,
  asset: string,
  excludePaymentId?: string,
): Promise<{ id: string; amountStroops: bigint }[]> {
  const rows = await trx
    .selectFrom('stellar_payments')
    .select(['id', 'amount_stroops'])
    .where('transaction_id', '=', transactionId)
    .where('returned', '=', false)
    .where('asset', '=', asset)
    .where('state', '=', 'processed')
    .$if(excludePaymentId !== undefined, (q) => q.where('id', '!=', excludePaymentId ?? ''))
    .orderBy('paging_token')
    .execute();
  return rows.map((r) => ({ id: r.id, amountStroops: BigInt(r.amount_stroops ?? '0') }));
}

/**
 * Sends every accepted payment back to its own sender and records what is owed on the row (the
 * sweep re-sends a stalled refund from it); the withdrawal ends `refunded` when they add up.
 */
export function refundsOfAccepted(
  transactionId: string,
  reason: string,
  payments: readonly { id: string; amountStroops: bigint }[],
): StellarRefund[] {
  const total = payments.reduce((sum, p) => sum + p.amountStroops, 0n).toString();
  return payments.map((p) => ({
    key: `${transactionId}:${reason}:${p.id}`,
    paymentId: p.id,
    amountStroops: p.amountStroops.toString(),
    settles: transactionId,
    settleTotalStroops: total,
  }));
}

export function withdrawalPaymentHandler(deps: TransferDeps) {
  return async (trx: Transaction<Tables>, payment: ObservedPayment): Promise<PaymentDecision> => {
    const memo = memoOf(payment);
    const row =
      memo === null
        ? undefined
        : await trx
            .selectFrom('transactions')
            .selectAll()
            .where('kind', '=', 'withdrawal')
            .where('withdraw_memo', '=', memo)
            .where('withdraw_anchor_account', '=', payment.account)
            .orderBy('created_at', 'desc')
            .forUpdate()
            .executeTakeFirst();
    if (row === undefined)
      return suspense(deps, trx, payment, memo === null ? 'no memo' : `unknown memo ${memo}`);
    const expectedAsset = row.amount_in_asset === null ? null : railAssetOf(row.amount_in_asset);
    await postReceived(trx, payment, row.id);
    if (payment.asset !== expectedAsset) {
      await refundWhole(
        deps,
        trx,
        payment,
        row,
        `sent ${payment.asset}, expected ${expectedAsset ?? '?'}`,
        false,
      );
      return { outcome: 'processed', transactionId: row.id };
    }
    const late = row.expires_at !== null && payment.createdAt > row.expires_at;
    // Paid in time but seen after the sweep expired it (observer lag): still on time.
    const expiredOnTime = row.status === 'expired' && row.funds_received_at === null && !late;
    if ((!WAITING.has(row.status) && !expiredOnTime) || late) {
      // Expired, already paid, or past its deadline: this payment goes back whole.
      const settles = row.funds_received_at === null && (row.status === 'expired' || WAITING.has(row.status));
      await refundWhole(
        deps,
        trx,
        payment,
        row,
        late ? 'arrived after the deadline' : `withdrawal is ${row.status}`,
        settles,
      );
      return { outcome: 'processed', transactionId: row.id };
    }
    const expected = BigInt(row.amount_expected_minor ?? '0');
    const earlier = await acceptedPayments(trx, row.id, payment.asset, payment.id);
    const total = earlier.reduce((sum, p) => sum + p.amountStroops, 0n) + payment.amountStroops;
    await trx
      .updateTable('stellar_payments')
      .set({ transaction_id: row.id })
      .where('id', '=', payment.id)
      .execute();
    await trx
      .updateTable('transactions')
      .set({ stellar_payment_id: payment.id, stellar_transaction_id: payment.transactionHash })
      .where('id', '=', row.id)
      .execute();
    const asset = payment.asset.split(':')[0] ?? payment.asset;
    if (total < expected) {
      const missing = formatAmount(expected - total, STELLAR_DECIMALS);
      if (deps.config.withdrawUnderpayment === 'refund') {
        const underpaidRefunds = refundsOfAccepted(row.id, 'underpaid', [
          ...earlier,
          { id: payment.id, amountStroops: payment.amountStroops },
        ]);
        await trx
          .updateTable('transactions')
          .set({ pending_refund: JSON.stringify(underpaidRefunds) })
          .where('id', '=', row.id)
          .execute();
        withdrawalMetrics(deps).matched.inc({ outcome: 'under_refunded' });
        await moveTransaction(
          trx,
          row,
          {
            to: 'pending_anchor',
            reason: `received ${formatAmount(total, STELLAR_DECIMALS)} ${asset}, ${missing} short: refunding`,
            actor: ACTOR,
            fundsReceived: true,
            statusMessage: `Less than the amount asked arrived (${missing} ${asset} short); it is being sent back.`,
            jobs: underpaidRefunds.map((r) => stellarRefundJob(r)),
          },
          deps,
        );
      } else {
        withdrawalMetrics(deps).matched.inc({ outcome: 'under_waiting' });
        await moveTransaction(
          trx,
          row,
          {
            to: 'pending_user',
            reason: `received ${formatAmount(total, STELLAR_DECIMALS)} ${asset}, ${missing} short`,
            actor: ACTOR,
            fundsReceived: true,
            statusMessage: `Send ${missing} ${asset} more with the same memo before the deadline, or it will all be sent back.`,
          },
          deps,
        );
      }
      return { outcome: 'processed', transactionId: row.id };
    }
    const jobs = [payoutJob(row.id, row.version + 1)];
    if (total > expected) {
      withdrawalMetrics(deps).matched.inc({ outcome: 'over' });
      jobs.push(
        stellarRefundJob({
          key: `${row.id}:excess`,
          paymentId: payment.id,
          amountStroops: (total - expected).toString(),
          settles: null,
          settleTotalStroops: null,
        }),
      );
    } else {
      withdrawalMetrics(deps).matched.inc({ outcome: 'exact' });
    }
    await moveTransaction(
      trx,
      row,
      {
        to: 'pending_anchor',
        reason: `received ${formatAmount(total, STELLAR_DECIMALS)} ${asset} on Stellar`,
        actor: ACTOR,
        fundsReceived: true,
        ...(total > expected
          ? {
              statusMessage: `More than asked arrived: the extra ${formatAmount(total - expected, STELLAR_DECIMALS)} ${asset} is being sent back.`,
            }
          : {}),
        jobs,
      },
      deps,
    );
    return { outcome: 'processed', transactionId: row.id };
  };
}

async function suspense(
  deps: TransferDeps,
  trx: Transaction<Tables>,
  payment: ObservedPayment,
  why: string,
): Promise<PaymentDecision> {
  await postReceived(trx, payment, null);
  withdrawalMetrics(deps).held.inc({ reason: 'unmatched_payment' });
  deps.logger.warn(
    {
      paymentId: payment.id,
      hash: payment.transactionHash,
      asset: payment.asset,
      amount: payment.amountStroops.toString(),
      why,
    },
    'a Stellar payment matched no withdrawal: held in suspense for review',
  );
  return { outcome: 'processed' };
}

/**
 * Sends the whole payment back. When `settles`, the withdrawal itself ends `refunded` (it never got
 * its money: expired, or late); otherwise the withdrawal carries on untouched and only this payment
 * is returned (a second payment for one already funded, or the wrong asset).
 */
async function refundWhole(
  deps: TransferDeps,
  trx: Transaction<Tables>,
  payment: ObservedPayment,
  row: TransactionRow,
  why: string,
  settles: boolean,
): Promise<void> {
  withdrawalMetrics(deps).matched.inc({ outcome: 'refunded' });
  deps.logger.warn({ transactionId: row.id, paymentId: payment.id, why }, 'withdrawal payment refunded');
  const refund: StellarRefund = {
    key: payment.id,
    paymentId: payment.id,
    amountStroops: payment.amountStroops.toString(),
    settles: settles ? row.id : null,
    settleTotalStroops: settles ? payment.amountStroops.toString() : null,
  };
  const job = stellarRefundJob(refund);
  // Linked for the audit trail; `returned` unless it is the withdrawal's own (settling) money.
  await trx
    .updateTable('stellar_payments')
    .set({ transaction_id: row.id, returned: !settles })
    .where('id', '=', payment.id)
    .execute();
  if (!settles) {
    await enqueue(trx, job, deps.jobMaxAttempts);
    return;
  }
  await trx
    .updateTable('transactions')
    .set({
      stellar_payment_id: payment.id,
      stellar_transaction_id: payment.transactionHash,
      pending_refund: JSON.stringify([refund]),
    })
    .where('id', '=', row.id)
    .execute();
  await moveTransaction(
    trx,
    row,
    {
      to: 'pending_anchor',
      reason: `payment ${why}: refunding`,
      actor: ACTOR,
      fundsReceived: true,
      statusMessage: `Your payment ${why}; it is being sent back.`,
      jobs: [job],
    },
    deps,
  );
}
