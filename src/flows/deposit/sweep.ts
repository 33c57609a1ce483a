/**
 * The deposit sweep (`deposit.sweep`, every DEPOSIT_RECHECK_S): what no webhook will tell us.
 * 1. Reconciliation: unpaid deposits whose checkout was opened are verified with Paystack, stalest
 *    first, a bounded batch per pass — a lost `charge.success` is found here.
 * 2. Expiry: an unpaid deposit past its deadline is verified once more, then `expired`.
 * 3. Late payments: expired deposits within DEPOSIT_RECONCILE_LOOKBACK_S are verified too, so naira
 *    that arrived late with its webhook lost is still refunded or held, never kept silently.
 * 4. Trustlines: deposits in `pending_trust` go back to delivery once the trustline exists, or to
 *    `error` (funds kept, an operator decides) after DEPOSIT_TRUST_WAIT_S.
 * 5. Refunds: deposits being refunded are followed until Paystack reports the refund processed.
 * 6. Stalled deliveries (a job that died while Horizon was down) are restarted.
 */
import { sql } from 'kysely';
import { destinationReadiness } from '../../rails/stellar/destination.js';
import { MuxedAccount, StrKey } from '@stellar/stellar-sdk';
import type { TransferDeps } from '../transfers/deps.js';
import { railAssetOf } from '../transfers/assets.js';
import { lockTransaction, moveTransaction } from '../transfers/move.js';
import { deliverJob } from './job-types.js';
import { PaymentUnknownError, settleDepositPayment } from './funding.js';
import { RefundPendingError, settleRefundByReference } from './refund.js';
import { enqueue } from '../../platform/outbox/jobs.js';
import { stallMs } from '../transfers/deps.js';

const ACTOR = 'job:deposit.sweep';

export interface SweepReport {
  readonly verified: number;
  readonly credited: number;
  readonly expired: number;
  readonly trustResumed: number;
  readonly trustTimedOut: number;
  readonly refundsChecked: number;
  readonly restarted: number;
}

export async function runSweep(deps: TransferDeps): Promise<SweepReport> {
  const now = deps.now();
  const batch = deps.config.depositReconcileBatch;
  const lookback = new Date(now.getTime() - deps.config.depositReconcileLookbackSeconds * 1000);
  // Unpaid deposits Paystack may know about: the checkout was opened, or it is a bank transfer.
  const candidates = await deps.db
    .selectFrom('transactions')
    .select(['id', 'paystack_reference', 'status', 'expires_at', 'version'])
    .where('kind', '=', 'deposit')
    .where('funds_received_at', 'is', null)
    .where('paystack_reference', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'pending_user_transfer_start'),
        eb.and([
          eb('status', '=', 'expired'),
          eb('updated_at', '>=', lookback),
          eb('payment_url', 'is not', null),
        ]),
      ]),
    )
    .where((eb) => eb.or([eb('payment_url', 'is not', null), eb('expires_at', '<', now)]))
    .orderBy(sql`paystack_checked_at nulls first`)
    .limit(batch)
    .execute();
  let verified = 0;
  let credited = 0;
  let expired = 0;
  for (const candidate of candidates) {
    let outcome: string;
    try {
      outcome = await settleDepositPayment(deps, candidate.paystack_reference ?? '', ACTOR);
      verified += 1;
    } catch (error) {
      if (!(error instanceof PaymentUnknownError)) throw error;
      // Paystack did not answer: never expire a deposit we could not check.
      deps.logger.warn(
        { transactionId: candidate.id, error: error.message },
        'reconciliation could not verify a deposit',
      );
      continue;
    }
    if (outcome === 'credited' || outcome === 'held') credited += 1;
  }
  // Expiry: unpaid and past due. A deposit whose checkout was opened is expired only after the
  // verify above said "not paid" (its paystack_checked_at is after its deadline).
  const due = await deps.db
    .selectFrom('transactions')
    .select(['id'])
    .where('kind', '=', 'deposit')
    .where('funds_received_at', 'is', null)
    .where('status', 'in', ['incomplete', 'pending_user_transfer_start'])
    .where('expires_at', '<', now)
    .where((eb) =>
      eb.or([eb('payment_url', 'is', null), eb('paystack_checked_at', '>=', eb.ref('expires_at'))]),
    )
    .limit(batch)
    .execute();
  for (const { id } of due) {
    const moved = await deps.db.transaction().execute(async (trx) => {
      const row = await lockTransaction(trx, id);
      if (
        row === undefined ||
        row.funds_received_at !== null ||
        !['incomplete', 'pending_user_transfer_start'].includes(row.status)
      )
        return false;
      await moveTransaction(
        trx,
        row,
        {
          to: 'expired',
          reason: 'not paid in time',
          actor: ACTOR,
          statusMessage: 'This deposit expired before payment arrived. Start a new one from your wallet.',
        },
        deps,
      );
      return true;
    });
    if (moved) expired += 1;
  }
  const trust = await recheckTrust(deps, now, batch);
  const refundsChecked = await followRefunds(deps, batch);
  const restarted = await restartStalled(deps, now, batch);
  return { verified, credited, expired, ...trust, refundsChecked, restarted };
}

async function recheckTrust(
  deps: TransferDeps,
  now: Date,
  batch: number,
): Promise<{ trustResumed: number; trustTimedOut: number }> {
  const waiting = await deps.db
    .selectFrom('transactions')
    .select(['id', 'stellar_account', 'amount_out_asset', 'expires_at'])
    .where('kind', '=', 'deposit')
    .where('status', '=', 'pending_trust')
    .orderBy('updated_at')
    .limit(batch)
    .execute();
  let trustResumed = 0;
  let trustTimedOut = 0;
  for (const w of waiting) {
    if (w.amount_out_asset === null) continue;
    const account = StrKey.isValidMed25519PublicKey(w.stellar_account)
      ? MuxedAccount.fromAddress(w.stellar_account, '0').baseAccount().accountId()
      : w.stellar_account;
    const readiness = destinationReadiness(
      await deps.horizon.loadAccount(account),
      railAssetOf(w.amount_out_asset),
    );
    const timedOut = w.expires_at !== null && w.expires_at < now;
    if (readiness !== 'ready' && !timedOut) continue;
    await deps.db.transaction().execute(async (trx) => {
      const row = await lockTransaction(trx, w.id);
      if (row?.status !== 'pending_trust') return;
      if (readiness === 'ready') {
        trustResumed += 1;
        await moveTransaction(
          trx,
          row,
          {
            to: 'pending_anchor',
            reason: 'trustline added',
            actor: ACTOR,
            jobs: [deliverJob(row.id, row.version + 1)],
          },
          deps,
        );
      } else {
        trustTimedOut += 1;
        await moveTransaction(
          trx,
          row,
          {
            to: 'error',
            reason: `no trustline after ${deps.config.depositTrustWaitSeconds} s`,
            actor: ACTOR,
            statusMessage:
              'No trustline was added in time. Your payment is safe: contact support to have it delivered or refunded.',
          },
          deps,
        );
      }
    });
  }
  return { trustResumed, trustTimedOut };
}

/** Deposits being refunded through Paystack: their refund is looked up until it is processed. */
async function followRefunds(deps: TransferDeps, batch: number): Promise<number> {
  const refunding = await deps.db
    .selectFrom('transactions')
    .select(['id', 'external_transaction_id'])
    .where('kind', '=', 'deposit')
    .where('status', '=', 'pending_external')
    .orderBy(sql`paystack_checked_at nulls first`)
    .limit(batch)
    .execute();
  for (const row of refunding) {
    if (row.external_transaction_id === null) continue;
    await deps.db
      .updateTable('transactions')
      .set({ paystack_checked_at: deps.now() })
      .where('id', '=', row.id)
      .execute();
    try {
      await settleRefundByReference(deps, row.external_transaction_id);
    } catch (error) {
      if (!(error instanceof RefundPendingError)) throw error;
    }
  }
  return refunding.length;
}

/**
 * Funded deposits that have sat in `pending_anchor` or `pending_stellar` for a while: their delivery
 * job may have used up its attempts while Horizon was down. A fresh job (keyed by time slot)
 * resumes it; delivery is idempotent (the submission key is fixed while `pending_stellar`).
 */
async function restartStalled(deps: TransferDeps, now: Date, batch: number): Promise<number> {
  const stall = stallMs(deps);
  const slot = Math.floor(now.getTime() / stall);
  const stalled = await deps.db
    .selectFrom('transactions')
    .select(['id', 'version'])
    .where('kind', '=', 'deposit')
    .where('status', 'in', ['pending_anchor', 'pending_stellar'])
    .where('funds_received_at', 'is not', null)
    .where('updated_at', '<', new Date(now.getTime() - stall))
    .orderBy('updated_at')
    .limit(batch)
    .execute();
  for (const row of stalled) {
    const job = deliverJob(row.id, row.version);
    await enqueue(deps.db, { ...job, dedupeKey: `${job.dedupeKey ?? ''}:${slot}` }, deps.jobMaxAttempts);
  }
  return stalled.length;
}
