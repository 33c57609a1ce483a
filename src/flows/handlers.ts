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
import { depositJobHandlers } from './deposit/jobs.js';
import { withdrawalJobHandlers } from './withdrawal/jobs.js';
import { TRANSFER_CALLBACK_JOB } from './state-machine.js';
import { transferCallbackJob } from './transfers/callback.js';
import { transferDeps } from './transfers/deps.js';
import { createStellarRail } from './transfers/stellar-rail.js';
import { PAYSTACK_WEBHOOK_JOB, paystackWebhookJob } from './webhooks/paystack.js';

export function jobHandlers(context: SepContext): JobHandlers {
  const { config, runtime } = context;
  const transfers = transferDeps(context);
  const signingKey = sep10SigningKeypair(config, context.jwtSecret);
  const rail = createStellarRail(config, runtime.database.db, context.horizon, runtime.logger);
  return {
    [PROBE_JOB_TYPE]: runProbe,
    ...depositJobHandlers(transfers, rail),
    ...withdrawalJobHandlers(transfers, rail),
    [PAYSTACK_WEBHOOK_JOB]: paystackWebhookJob(transfers),
    [TRANSFER_CALLBACK_JOB]: transferCallbackJob(transfers, signingKey),
    ...customerJobHandlers({
      ...sep12Deps(context),
      // Callbacks are signed with the key stellar.toml publishes as SIGNING_KEY.
      signingKey,
      callbackTimeoutMs: config.sep12CallbackTimeoutMs,
    }),
  };
}
