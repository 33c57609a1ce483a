/**
 * Every outbox job type this version of Rampart runs, by name. Flows add their handlers here; a
 * worker claims only the types it knows, so a job enqueued by a newer version waits for a worker
 * that can run it instead of failing.
 */
import type { JobHandlers } from '../platform/outbox/worker.js';
import type { SepContext } from '../sep/context.js';
import { sep12Deps } from '../sep/sep12/plugin.js';
import { sep10SigningKeypair } from '../sep/sep10/signing-key.js';
import { customerJobHandlers } from './customer-callback.js';
import { PROBE_JOB_TYPE, runProbe } from './probe.js';

export function jobHandlers(context: SepContext): JobHandlers {
  const { config } = context;
  return {
    [PROBE_JOB_TYPE]: runProbe,
    ...customerJobHandlers({
      ...sep12Deps(context),
      // Callbacks are signed with the key stellar.toml publishes as SIGNING_KEY.
      signingKey: sep10SigningKeypair(config, context.jwtSecret),
      callbackTimeoutMs: config.sep12CallbackTimeoutMs,
    }),
  };
}
