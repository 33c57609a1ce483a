/** The withdrawal flow's outbox job handlers, by type. */
import { PermanentJobError, type JobHandler, type JobHandlers } from '../../platform/outbox/worker.js';
import type { TransferDeps } from '../transfers/deps.js';
import type { StellarRail } from '../transfers/stellar-rail.js';
import { STELLAR_REFUND_JOB, WITHDRAWAL_PAYOUT_JOB } from './job-types.js';
import { runPayout } from './payout.js';
import { readStellarRefund, runStellarRefund } from './stellar-refund.js';

export function withdrawalJobHandlers(deps: TransferDeps, rail: StellarRail | undefined): JobHandlers {
  const payout: JobHandler = (job) => {
    const id = (job.payload as { transactionId?: unknown } | null)?.transactionId;
    if (typeof id !== 'string')
      throw new PermanentJobError(`${WITHDRAWAL_PAYOUT_JOB} payload needs transactionId`);
    return runPayout(deps, id);
  };
  const refund: JobHandler = (job) => runStellarRefund(deps, rail, readStellarRefund(job.payload));
  return { [WITHDRAWAL_PAYOUT_JOB]: payout, [STELLAR_REFUND_JOB]: refund };
}
