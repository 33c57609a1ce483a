/**
 * Periodic flow jobs (the deposit sweep): every worker process ticks, and each tick enqueues the
 * job with a dedupe key naming its time slot, so however many workers run, each slot's sweep runs
 * once. A stopped process simply stops ticking; the others carry on.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { Tables } from '../platform/db/schema.js';
import type { Logger } from '../platform/logger.js';
import { enqueue } from '../platform/outbox/jobs.js';
import { DEPOSIT_SWEEP_JOB } from './deposit/job-types.js';

export interface Schedule {
  stop(): void;
}

export function startSchedule(db: Kysely<Tables>, config: Config, logger: Logger): Schedule {
  const periodMs = config.depositRecheckSeconds * 1000;
  const tick = (): void => {
    const slot = Math.floor(Date.now() / periodMs);
    enqueue(
      db,
      // A sweep that fails is simply the next slot's job: retrying an old slot helps nobody.
      { type: DEPOSIT_SWEEP_JOB, payload: {}, dedupeKey: `${DEPOSIT_SWEEP_JOB}:${slot}`, maxAttempts: 1 },
      1,
    ).catch((error: unknown) => {
      logger.warn({ error }, 'could not enqueue the deposit sweep; the next tick will try again');
    });
  };
  tick();
  const timer = setInterval(tick, periodMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
