/** Outbox job types of the withdrawal flow (handlers in ./jobs.ts). */
import type { JobRequest } from '../../platform/outbox/jobs.js';

export const WITHDRAWAL_PAYOUT_JOB = 'withdrawal.payout';
export const STELLAR_REFUND_JOB = 'withdrawal.stellar_refund';

export function payoutJob(transactionId: string, version: number, runAt?: Date): JobRequest {
  return {
    type: WITHDRAWAL_PAYOUT_JOB,
    payload: { transactionId },
    dedupeKey: `${WITHDRAWAL_PAYOUT_JOB}:${transactionId}:${version}`,
    ...(runAt === undefined ? {} : { runAt }),
  };
}

/**
 * Sends `amountStroops` of an observed payment's asset back to its sender. `key` names the refund
 * once and for all (the payment id, or the transaction and the reason), so a retried job reuses
 * the same Stellar submission. `settles` is the withdrawal that ends `refunded` once its refunds
 * add up to `settleTotalStroops` (one refund per payment it accepted).
 */
export interface StellarRefund {
  readonly key: string;
  readonly paymentId: string;
  readonly amountStroops: string;
  readonly settles: string | null;
  readonly settleTotalStroops: string | null;
}

/** `slot` makes a fresh job for a refund whose earlier job died; the refund itself stays one. */
export function stellarRefundJob(refund: StellarRefund, slot?: number): JobRequest {
  return {
    type: STELLAR_REFUND_JOB,
    payload: { ...refund },
    dedupeKey: `${STELLAR_REFUND_JOB}:${refund.key}${slot === undefined ? '' : `:${slot}`}`,
  };
}
