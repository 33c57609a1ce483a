/** The deposit flow's outbox job handlers, by type. */
import { PermanentJobError, type JobHandler, type JobHandlers } from '../../platform/outbox/worker.js';
import type { TransferDeps } from '../transfers/deps.js';
import type { StellarRail } from '../transfers/stellar-rail.js';
import { runDelivery } from './delivery.js';
import { DEPOSIT_DELIVER_JOB, DEPOSIT_REFUND_JOB, DEPOSIT_SWEEP_JOB } from './job-types.js';
import { runRefund } from './refund.js';
import { runSweep } from './sweep.js';
import { runWithdrawalSweep } from '../withdrawal/sweep.js';

function transactionIdOf(payload: unknown, type: string): string {
  const id = (payload as { transactionId?: unknown } | null)?.transactionId;
  if (typeof id !== 'string') throw new PermanentJobError(`${type} payload needs transactionId`);
  return id;
}

export function depositJobHandlers(deps: TransferDeps, rail: StellarRail | undefined): JobHandlers {
  const deliver: JobHandler = (job) =>
    runDelivery({ ...deps, rail }, transactionIdOf(job.payload, DEPOSIT_DELIVER_JOB));
  const refund: JobHandler = (job) => runRefund(deps, transactionIdOf(job.payload, DEPOSIT_REFUND_JOB));
  // The two halves run apart: one failing must not stop the other's expiry and reconciliation.
  const sweep: JobHandler = async (_job, { logger }) => {
    const results = await Promise.allSettled([runSweep(deps), runWithdrawalSweep(deps)]);
    const failures: unknown[] = [];
    for (const [i, result] of results.entries()) {
      const name = i === 0 ? 'deposit sweep' : 'withdrawal sweep';
      if (result.status === 'rejected') {
        logger.error({ err: result.reason }, `${name} failed`);
        failures.push(result.reason);
      } else if (Object.values(result.value).some((n) => n > 0)) logger.info(result.value, name);
    }
    if (failures.length > 0) throw new Error(`${failures.length} sweep(s) failed; see the log`);
  };

  return { [DEPOSIT_DELIVER_JOB]: deliver, [DEPOSIT_REFUND_JOB]: refund, [DEPOSIT_SWEEP_JOB]: sweep };
}
