/**
 * `withdrawal.stellar_refund`: sends an observed payment (or part of it) back to its sender on
 * Stellar, through the same submitter as deliveries — one submission per refund key, whatever
 * times out or crashes. The memo is the withdrawal's `refund_memo` when the wallet gave one.
 * When the refund settles a withdrawal, that withdrawal ends `refunded` with SEP-24's `refunds`.
 */
import { formatAmount, STELLAR_DECIMALS } from '../../domain/money.js';
import { PermanentJobError } from '../../platform/outbox/worker.js';
import type { PaymentMemo } from '../../rails/stellar/submitter.js';
import type { TransferDeps } from '../transfers/deps.js';
import { lockTransaction, moveTransaction } from '../transfers/move.js';
import type { StellarRail } from '../transfers/stellar-rail.js';
import type { RefundsJson } from '../transfers/view.js';
import type { StellarRefund } from './job-types.js';
import { postStellarRefund } from './ledger.js';

const ACTOR = 'job:withdrawal.stellar_refund';

export class RefundNotLandedError extends Error {
  override readonly name = 'RefundNotLandedError';
}

export function readStellarRefund(payload: unknown): StellarRefund {
  const p = payload as Partial<Record<keyof StellarRefund, unknown>> | null;
  if (
    p === null ||
    typeof p.key !== 'string' ||
    typeof p.paymentId !== 'string' ||
    typeof p.amountStroops !== 'string' ||
    !/^[1-9][0-9]{0,19}$/.test(p.amountStroops) ||
    (p.settles !== null && typeof p.settles !== 'string') ||
    (p.settleTotalStroops != null && typeof p.settleTotalStroops !== 'string')
  )
    throw new PermanentJobError('withdrawal.stellar_refund payload is malformed');
  return {
    key: p.key,
    paymentId: p.paymentId,
    amountStroops: p.amountStroops,
    settles: p.settles ?? null,
    settleTotalStroops: p.settleTotalStroops ?? null,
  };
}

export async function runStellarRefund(
  deps: TransferDeps,
  rail: StellarRail | undefined,
  refund: StellarRefund,
): Promise<void> {
  if (rail === undefined)
    throw new Error('Stellar refunds need STELLAR_DISTRIBUTION_SECRET and STELLAR_CHANNEL_SECRETS');
  await rail.register();
  const payment = await deps.db
    .selectFrom('stellar_payments')
    .selectAll()
    .where('id', '=', refund.paymentId)
    .executeTakeFirst();
  if (payment?.from_account == null || payment.asset === null)
    throw new PermanentJobError(`payment ${refund.paymentId} has no sender or asset`);
  const owner =
    payment.transaction_id === null
      ? undefined
      : await deps.db
          .selectFrom('transactions')
          .selectAll()
          .where('id', '=', payment.transaction_id)
          .executeTakeFirst();
  const memo: PaymentMemo =
    owner?.refund_memo != null && owner.refund_memo_type !== null
      ? { type: owner.refund_memo_type, value: owner.refund_memo }
      : { type: 'none' };
  const amount = BigInt(refund.amountStroops);
  const submission = await rail.submitter.submitPayment({
    idempotencyKey: `refund:${refund.key}`,
    destination: payment.from_account,
    asset: payment.asset,
    amountStroops: amount,
    memo,
  });
  if (submission.state === 'failed') {
    deps.logger.error(
      { paymentId: payment.id, codes: submission.operationCodes },
      'Stellar refund failed: an operator must return it',
    );
    if (refund.settles !== null) {
      const settles = refund.settles;
      await deps.db.transaction().execute(async (trx) => {
        const row = await lockTransaction(trx, settles);
        if (row?.status !== 'pending_anchor') return;
        await moveTransaction(
          trx,
          row,
          {
            to: 'on_hold',
            reason: `refund failed: ${submission.operationCodes.join(',')}`,
            actor: ACTOR,
            statusMessage: 'Sending your asset back failed; support has been alerted.',
          },
          deps,
        );
      });
    }
    return;
  }
  if (submission.state !== 'succeeded')
    throw new RefundNotLandedError(`refund ${submission.hash} not confirmed yet`);
  await deps.db.transaction().execute(async (trx) => {
    const posted = await postStellarRefund(trx, {
      key: refund.key,
      asset: payment.asset ?? '',
      amountStroops: amount,
      fromSuspense: payment.transaction_id === null,
      transactionId: payment.transaction_id,
    });
    if (!posted.created || refund.settles === null) return;
    const row = await lockTransaction(trx, refund.settles);
    if (row?.status !== 'pending_anchor') return;
    // One refund per accepted payment: the withdrawal is refunded once they add up.
    const stored = (
      typeof row.refunds === 'string' ? JSON.parse(row.refunds) : row.refunds
    ) as RefundsJson | null;
    const zero = formatAmount(0n, STELLAR_DECIMALS);
    const payments = [
      ...(stored?.payments ?? []),
      {
        id: submission.hash,
        id_type: 'stellar' as const,
        amount: formatAmount(amount, STELLAR_DECIMALS),
        fee: zero,
      },
    ];
    const refundedStroops = payments.reduce((sum, p) => sum + BigInt(p.amount.replace('.', '')), 0n);
    const settled = refundedStroops >= BigInt(refund.settleTotalStroops ?? refund.amountStroops);
    const refunds: RefundsJson = {
      amount_refunded: formatAmount(refundedStroops, STELLAR_DECIMALS),
      amount_fee: zero,
      payments,
    };
    await trx
      .updateTable('transactions')
      .set({ refunds: JSON.stringify(refunds), ...(settled ? { pending_refund: null } : {}) })
      .where('id', '=', row.id)
      .execute();
    if (!settled) return;
    await moveTransaction(
      trx,
      row,
      {
        to: 'refunded',
        reason: `refunded on Stellar (${submission.hash})`,
        actor: ACTOR,
        statusMessage: 'Your asset has been sent back.',
      },
      deps,
    );
  });
}
