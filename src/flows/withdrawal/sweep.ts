/**
 * The withdrawal half of the sweep (runs with the deposit sweep, every DEPOSIT_RECHECK_S):
 * 1. Expiry: a withdrawal still waiting for its Stellar payment past its deadline is `expired`; one
 *    that received only part (WITHDRAW_UNDERPAYMENT=wait) gets that part refunded instead.
 * 2. Payout reconciliation: payouts in `pending_external` are verified with Paystack, stalest first
 *    — a lost `transfer.*` webhook is found here.
 * 3. Paystack balance: read every pass (exported as `rampart_paystack_balance_kobo`); payouts held
 *    for a low balance resume once it covers them.
 */
import { sql } from 'kysely';
import type { TransferDeps } from '../transfers/deps.js';
import { lockTransaction, moveTransaction } from '../transfers/move.js';
import { enqueue } from '../../platform/outbox/jobs.js';
import { stallMs } from '../transfers/deps.js';
import { payoutJob, stellarRefundJob, type StellarRefund } from './job-types.js';
import { acceptedPayments, refundsOfAccepted } from './match.js';
import { railAssetOf } from '../transfers/assets.js';
import { withdrawalMetrics } from './metrics.js';
import { BALANCE_HOLD_MESSAGE, PayoutPendingError, settlePayoutByReference } from './payout.js';

const ACTOR = 'job:transfers.sweep';

export interface WithdrawalSweepReport {
  readonly expired: number;
  readonly payoutsVerified: number;
  readonly resumed: number;
  readonly restarted: number;
}

export async function runWithdrawalSweep(deps: TransferDeps): Promise<WithdrawalSweepReport> {
  const now = deps.now();
  const batch = deps.config.depositReconcileBatch;
  let expired = 0;
  const due = await deps.db
    .selectFrom('transactions')
    .select('id')
    .where('kind', '=', 'withdrawal')
    .where('status', 'in', ['incomplete', 'pending_user_transfer_start', 'pending_user'])
    .where('expires_at', '<', now)
    .limit(batch)
    .execute();
  for (const { id } of due) {
    await deps.db.transaction().execute(async (trx) => {
      const row = await lockTransaction(trx, id);
      if (
        row === undefined ||
        !['incomplete', 'pending_user_transfer_start', 'pending_user'].includes(row.status)
      )
        return;
      if (row.funds_received_at === null) {
        await moveTransaction(
          trx,
          row,
          {
            to: 'expired',
            reason: 'no payment before the deadline',
            actor: ACTOR,
            statusMessage:
              'This withdrawal expired before your payment arrived. Start a new one from your wallet.',
          },
          deps,
        );
      } else {
        // Each accepted payment goes back to its own sender; a returned one was sent back already.
        const accepted = await acceptedPayments(trx, row.id, railAssetOf(row.amount_in_asset ?? ''));
        if (accepted.length === 0) return;
        const refunds = refundsOfAccepted(row.id, 'deadline', accepted);
        await trx
          .updateTable('transactions')
          .set({ pending_refund: JSON.stringify(refunds) })
          .where('id', '=', row.id)
          .execute();
        await moveTransaction(
          trx,
          row,
          {
            to: 'pending_anchor',
            reason: 'deadline passed with part of the amount: refunding it',
            actor: ACTOR,
            statusMessage: 'The full amount did not arrive in time; what arrived is being sent back.',
            jobs: refunds.map((r) => stellarRefundJob(r)),
          },
          deps,
        );
      }
      expired += 1;
    });
  }
  let payoutsVerified = 0;
  const open = await deps.db
    .selectFrom('transactions')
    .select(['payout_reference'])
    .where('kind', '=', 'withdrawal')
    .where('status', '=', 'pending_external')
    .orderBy(sql`payout_checked_at nulls first`)
    .limit(batch)
    .execute();
  for (const { payout_reference: reference } of open) {
    if (reference === null) continue;
    try {
      await settlePayoutByReference(deps, reference);
      payoutsVerified += 1;
    } catch (error) {
      if (!(error instanceof PayoutPendingError)) throw error;
    }
  }
  const resumed = await resumeHeldPayouts(deps, batch);
  const restarted = await restartStalled(deps, now, batch);
  return { expired, payoutsVerified, resumed, restarted };
}

/** Paystack's NGN balance (also exported for RampartPaystackBalanceLow); undefined when unknown. */
async function paystackBalanceKobo(deps: TransferDeps): Promise<bigint | undefined> {
  if (deps.paystack === undefined) return undefined;
  const balances = await deps.paystack.balance();
  if (!balances.ok) return undefined;
  const kobo = balances.value.find((b) => b.currency === 'NGN')?.balanceKobo ?? 0n;
  withdrawalMetrics(deps).paystackBalance.set(Number(kobo));
  return kobo;
}

/** Paystack's largest NGN transfer fee (₦50, above ₦50,000), the margin a held payout waits for. */
export const PAYSTACK_TRANSFER_FEE_MAX_KOBO = 5_000n;

async function resumeHeldPayouts(deps: TransferDeps, batch: number): Promise<number> {
  const balance = await paystackBalanceKobo(deps);
  const held = await deps.db
    .selectFrom('transactions')
    .select(['id', 'amount_out_minor'])
    .where('kind', '=', 'withdrawal')
    .where('status', '=', 'on_hold')
    .where('status_message', '=', BALANCE_HOLD_MESSAGE)
    .orderBy('updated_at')
    .limit(batch)
    .execute();
  if (held.length === 0 || balance === undefined) return 0;
  let available = balance;
  let resumed = 0;
  for (const candidate of held) {
    // Paystack takes its transfer fee from the balance too: resume only when both are covered, or
    // the transfer is refused again and the payout re-held on every pass.
    const amount = BigInt(candidate.amount_out_minor ?? '0') + PAYSTACK_TRANSFER_FEE_MAX_KOBO;
    if (amount > available) break;
    available -= amount;
    await deps.db.transaction().execute(async (trx) => {
      const row = await lockTransaction(trx, candidate.id);
      if (row?.status !== 'on_hold') return;
      await moveTransaction(
        trx,
        row,
        {
          to: 'pending_anchor',
          reason: 'Paystack balance covers the payout again',
          actor: ACTOR,
          jobs: [payoutJob(row.id, row.version + 1)],
        },
        deps,
      );
      resumed += 1;
    });
  }
  return resumed;
}

/**
 * Funded withdrawals that have sat in `pending_anchor` for a while: their payout or refund job may
 * have used up its attempts while Paystack or Horizon was down. A fresh job (keyed by time slot)
 * resumes the step; the step itself is idempotent — the payout verifies our reference first, the
 * refund reuses its submission key — so a job that was merely slow makes nothing happen twice.
 */
async function restartStalled(deps: TransferDeps, now: Date, batch: number): Promise<number> {
  const stalledBefore = new Date(now.getTime() - stallMs(deps));
  const slot = Math.floor(now.getTime() / stallMs(deps));
  const stalled = await deps.db
    .selectFrom('transactions')
    .select(['id', 'version', 'pending_refund'])
    .where('kind', '=', 'withdrawal')
    .where('status', '=', 'pending_anchor')
    .where('funds_received_at', 'is not', null)
    .where('updated_at', '<', stalledBefore)
    .orderBy('updated_at')
    .limit(batch)
    .execute();
  for (const row of stalled) {
    const owed = (
      typeof row.pending_refund === 'string' ? JSON.parse(row.pending_refund) : row.pending_refund
    ) as StellarRefund[] | null;
    const jobs =
      owed === null
        ? [
            {
              ...payoutJob(row.id, row.version),
              dedupeKey: `withdrawal.payout:${row.id}:${row.version}:${slot}`,
            },
          ]
        : owed.map((r) => stellarRefundJob(r, slot));
    for (const job of jobs) await enqueue(deps.db, job, deps.jobMaxAttempts);
  }
  return stalled.length;
}
