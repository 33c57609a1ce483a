/**
 * The probe job proves the outbox end to end on a live deployment: `rampart jobs probe` enqueues
 * one, a worker claims and runs it, and its state shows the result. With `sleepMs` it stays running
 * long enough to kill the worker mid-job and watch another one take it over after the lease.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentJobError, type JobHandler } from '../platform/outbox/worker.js';

export const PROBE_JOB_TYPE = 'outbox.probe';
export const PROBE_SLEEP_MS_MAX = 10 * 60_000;

export const runProbe: JobHandler = async (job, { signal, logger }) => {
  const payload = job.payload as { sleepMs?: unknown };
  const sleepMs = payload.sleepMs ?? 0;
  if (
    typeof sleepMs !== 'number' ||
    !Number.isInteger(sleepMs) ||
    sleepMs < 0 ||
    sleepMs > PROBE_SLEEP_MS_MAX
  ) {
    throw new PermanentJobError(`probe sleepMs must be an integer from 0 to ${PROBE_SLEEP_MS_MAX}`);
  }
  logger.info({ sleepMs }, 'probe started');
  if (sleepMs > 0) await sleep(sleepMs, undefined, { signal });
  logger.info('probe finished');
};
