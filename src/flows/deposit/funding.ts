/**
 * Naira in (GUIDE §2 step 2): whatever said the deposit was paid — a `charge.success` webhook, a
 * transfer into the customer's dedicated account, or the reconciliation poll — the payment is
 * credited only after Paystack's own verify agrees on amount, currency and reference
 * (rails/paystack/confirm.ts), and only once: the row is locked, a funded row is left alone, and
 * the ledger journal is unique per Paystack charge.
 *
 * Then the deposit moves on: to `pending_anchor` with a delivery job; to `on_hold` (funded, with the
 * reason) when the amount differs from the one asked or the customer's limits no longer allow it;
 * and when the deposit had expired, by the late-payment policy — a Paystack refund or a hold.
 */
import type { Transaction } from 'kysely';
import type { Tables } from '../../platform/db/schema.js';
import type { PaystackTransaction } from '../../rails/paystack/models.js';
import { formatAmount } from '../../domain/money.js';
import type { TransactionRow } from '../state-machine.js';
import type { TransferDeps } from '../transfers/deps.js';
import { lockTransaction, moveTransaction } from '../transfers/move.js';
import { checkLimits, customerStanding, depositUsage } from '../transfers/limits.js';
import { deliverJob, refundJob } from './job-types.js';
import { postFunded, postUnmatched } from './ledger.js';
import { depositMetrics } from './metrics.js';

/**
 * `taken`: the deposit was funded meanwhile by another charge (two transfers matched one deposit at
 * once); the caller matches this charge again.
 */
export type SettleOutcome = 'credited' | 'held' | 'already' | 'taken' | 'not_paid' | 'no_deposit';

const naira = (kobo: bigint): string => `₦${formatAmount(kobo, 2)}`;

/** Thrown when Paystack could not say (timeout, 5xx): the caller's job retries later. */
export class PaymentUnknownError extends Error {
  override readonly name = 'PaymentUnknownError';
}

/** Verifies our reference with Paystack and credits the deposit it names. */
export async function settleDepositPayment(
  deps: TransferDeps,
  reference: string,
  actor: string,
): Promise<SettleOutcome> {
  const row = await deps.db
    .selectFrom('transactions')
    .selectAll()
    .where('paystack_reference', '=', reference)
    .executeTakeFirst();
  if (row === undefined) return 'no_deposit';
  if (row.funds_received_at !== null) return 'already';
  if (deps.paystack === undefined) throw new PaymentUnknownError('Paystack is not configured');
  const expectedKobo = row.amount_expected_minor === null ? 0n : BigInt(row.amount_expected_minor);
  const confirmation = await deps.paystack.confirmPayment(reference, {
    amountKobo: expectedKobo,
    currency: 'NGN',
  });
  await deps.db
    .updateTable('transactions')
    .set({ paystack_checked_at: deps.now() })
    .where('id', '=', row.id)
    .execute();
  switch (confirmation.outcome) {
    case 'unknown':
      throw new PaymentUnknownError(`verify ${reference}: ${confirmation.error.kind}`);
    case 'not_paid':
      return 'not_paid';
    case 'mismatch':
      // Another reference's answer says nothing about ours; only amount/currency differences are paid.
      if (confirmation.transaction.reference !== reference || confirmation.transaction.status !== 'success')
        return 'not_paid';
      return creditDeposit(deps, row.id, confirmation.transaction, actor, confirmation.reason);
    case 'paid':
      return creditDeposit(deps, row.id, confirmation.transaction, actor, null);
  }
}

/**
 * Credits a verified Paystack charge to a deposit: the journal, `funds_received_at`, and the next
 * status. `mismatch` says why the charge is not what was asked (then the deposit is held).
 */
export async function creditDeposit(
  deps: TransferDeps,
  transactionId: string,
  charge: PaystackTransaction,
  actor: string,
  mismatch: string | null,
): Promise<SettleOutcome> {
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const row = await lockTransaction(trx, transactionId);
    if (row === undefined) return 'no_deposit' as const;
    if (row.funds_received_at !== null)
      return row.external_transaction_id === charge.reference ? ('already' as const) : ('taken' as const);
    const posted = await postFunded(trx, row.id, charge.reference, charge.amountKobo);
    if (!posted.created) return 'already' as const;
    await trx
      .updateTable('transactions')
      .set({ external_transaction_id: charge.reference, amount_in_minor: charge.amountKobo })
      .where('id', '=', row.id)
      .execute();
    const fresh = { ...row, amount_in_minor: charge.amountKobo.toString() };
    return decideAfterFunding(deps, trx, fresh, actor, mismatch);
  });
  if (outcome === 'credited' || outcome === 'held') depositMetrics(deps).funded.inc({ outcome });
  return outcome;
}

async function decideAfterFunding(
  deps: TransferDeps,
  trx: Transaction<Tables>,
  row: TransactionRow,
  actor: string,
  mismatch: string | null,
): Promise<'credited' | 'held'> {
  const paid = BigInt(row.amount_in_minor ?? '0');
  const hold = async (reason: string, message: string) => {
    depositMetrics(deps).held.inc({ reason });
    deps.logger.warn({ transactionId: row.id, reason }, `deposit held for review: ${message}`);
    await moveTransaction(
      trx,
      row,
      { to: 'on_hold', reason: message, actor, fundsReceived: true, statusMessage: message },
      deps,
    );
    return 'held' as const;
  };
  if (mismatch !== null)
    return hold(
      'amount_mismatch',
      `${naira(paid)} arrived but ${naira(BigInt(row.amount_expected_minor ?? '0'))} was asked (${mismatch}); an operator will review it`,
    );
  const late =
    row.status !== 'pending_user_transfer_start' || (row.expires_at !== null && row.expires_at < deps.now());
  if (late) {
    if (deps.config.depositLatePayment === 'hold')
      return hold(
        'late_payment',
        `the payment arrived after the deposit ${row.status === 'pending_user_transfer_start' ? 'was due' : `was ${row.status}`}; an operator will review it`,
      );
    depositMetrics(deps).held.inc({ reason: 'late_payment_refund' });
    await moveTransaction(
      trx,
      row,
      {
        to: 'pending_external',
        reason: 'paid after the deposit expired: refunding through Paystack',
        actor,
        fundsReceived: true,
        statusMessage: 'Your payment arrived after this deposit expired; it is being refunded.',
        jobs: [refundJob(row.id)],
      },
      deps,
    );
    return 'credited';
  }
  if (row.customer_id !== null) {
    const subject =
      row.auth_memo === null ? (row.auth_account ?? '') : `${row.auth_account}:${row.auth_memo}`;
    const standing = await customerStanding(deps, trx, subject);
    const usage = await depositUsage(trx, row.customer_id, row.id);
    const limit = checkLimits(standing.limits, usage, paid);
    if (!limit.ok) return hold('limits', `the payment is ${limit.reason}; an operator will review it`);
  }
  await moveTransaction(
    trx,
    row,
    {
      to: 'pending_anchor',
      reason: 'naira received and verified with Paystack',
      actor,
      fundsReceived: true,
      // The version after this move: the delivery job is keyed to it.
      jobs: [deliverJob(row.id, row.version + 1)],
    },
    deps,
  );
  return 'credited';
}

/**
 * A transfer into a customer's dedicated account: Paystack's reference is its own, so the deposit is
 * found by customer and amount — the oldest open bank-transfer deposit asking exactly this amount,
 * else the oldest open one (held: amount differs). Naira matching nothing goes to suspense.
 */
export async function settleDedicatedAccountPayment(
  deps: TransferDeps,
  chargeReference: string,
  actor: string,
): Promise<SettleOutcome> {
  if (deps.paystack === undefined) throw new PaymentUnknownError('Paystack is not configured');
  const verified = await deps.paystack.verifyTransaction(chargeReference);
  if (!verified.ok) throw new PaymentUnknownError(`verify ${chargeReference}: ${verified.error.kind}`);
  const charge = verified.value;
  if (charge.reference !== chargeReference || charge.status !== 'success' || charge.currency !== 'NGN')
    return 'not_paid';
  const already = await deps.db
    .selectFrom('ledger_journals')
    .select('id')
    .where('reference', '=', `paystack:charge:${chargeReference}`)
    .executeTakeFirst();
  if (already !== undefined) return 'already';
  const owner =
    charge.customerCode === null
      ? undefined
      : await deps.db
          .selectFrom('paystack_customers')
          .select('customer_id')
          .where('customer_code', '=', charge.customerCode)
          .executeTakeFirst();
  const open =
    owner === undefined
      ? []
      : await deps.db
          .selectFrom('transactions')
          .select(['id', 'amount_expected_minor'])
          .where('customer_id', '=', owner.customer_id)
          .where('kind', '=', 'deposit')
          .where('funding_method', '=', 'bank_transfer')
          .where('status', '=', 'pending_user_transfer_start')
          .where('funds_received_at', 'is', null)
          .orderBy('created_at')
          .limit(20)
          .execute();
  // Exact amounts first, then the rest (held: the amount differs); a deposit another charge took
  // meanwhile is skipped, so two transfers never land on one deposit and none is lost.
  const exactFirst = [
    ...open.filter(
      (t) => t.amount_expected_minor !== null && BigInt(t.amount_expected_minor) === charge.amountKobo,
    ),
    ...open.filter(
      (t) => t.amount_expected_minor === null || BigInt(t.amount_expected_minor) !== charge.amountKobo,
    ),
  ];
  for (const candidate of exactFirst) {
    const exact =
      candidate.amount_expected_minor !== null &&
      BigInt(candidate.amount_expected_minor) === charge.amountKobo;
    const outcome = await creditDeposit(
      deps,
      candidate.id,
      charge,
      actor,
      exact ? null : `a bank transfer of ${naira(charge.amountKobo)}`,
    );
    if (outcome !== 'taken') return outcome;
  }
  await deps.db.transaction().execute((trx) => postUnmatched(trx, chargeReference, charge.amountKobo));
  depositMetrics(deps).held.inc({ reason: 'unmatched_payment' });
  deps.logger.warn(
    { reference: chargeReference, customerCode: charge.customerCode },
    'a dedicated-account payment matched no open deposit: held in suspense for review',
  );
  return 'held';
}
