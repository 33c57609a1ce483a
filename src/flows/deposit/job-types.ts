/** Outbox job types of the deposit flow (handlers in ./jobs.ts). */
export const DEPOSIT_DELIVER_JOB = 'deposit.deliver';
export const DEPOSIT_REFUND_JOB = 'deposit.refund';
/** Deposits' and withdrawals' periodic pass (deposit/sweep.ts, withdrawal/sweep.ts). */
export const DEPOSIT_SWEEP_JOB = 'transfers.sweep';

import type { JobRequest } from '../../platform/outbox/jobs.js';

/** One delivery job per version of the row that asked for it: a retry of that step reuses it. */
export function deliverJob(transactionId: string, version: number, runAt?: Date): JobRequest {
  return {
    type: DEPOSIT_DELIVER_JOB,
    payload: { transactionId },
    dedupeKey: `${DEPOSIT_DELIVER_JOB}:${transactionId}:${version}`,
    ...(runAt === undefined ? {} : { runAt }),
  };
}

export function refundJob(transactionId: string): JobRequest {
  return {
    type: DEPOSIT_REFUND_JOB,
    payload: { transactionId },
    dedupeKey: `${DEPOSIT_REFUND_JOB}:${transactionId}`,
  };
}
