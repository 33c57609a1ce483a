/**
 * Every outbox job type this version of Rampart runs, by name. Flows add their handlers here; a
 * worker claims only the types it knows, so a job enqueued by a newer version waits for a worker
 * that can run it instead of failing.
 */
import type { JobHandlers } from '../platform/outbox/worker.js';
import { PROBE_JOB_TYPE, runProbe } from './probe.js';

export function jobHandlers(): JobHandlers {
  return { [PROBE_JOB_TYPE]: runProbe };
}
