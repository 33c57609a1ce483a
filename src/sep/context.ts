/**
 * What the SEP plugins are given (by decoration of options, not by importing singletons): the
 * configuration, the runtime's storage, the rails' clients and the SEP-10 guard.
 */
import type { preHandlerAsyncHookHandler } from 'fastify';
import type { Config } from '../config/index.js';
import { networkOf } from '../config/index.js';
import type { Runtime } from '../platform/runtime.js';
import { createHorizonClient, type HorizonPort } from '../rails/stellar/horizon.js';
import { PaystackClient } from '../rails/paystack/index.js';
import { sep10Guard } from './auth.js';

export interface SepContext {
  readonly config: Config;
  readonly runtime: Runtime;
  readonly horizon: HorizonPort;
  /** Absent when no Paystack key is configured (development without Paystack). */
  readonly paystack: PaystackClient | undefined;
  readonly jwtSecret: string;
  readonly requireSep10: preHandlerAsyncHookHandler;
  readonly now: () => Date;
}

export function createSepContext(
  runtime: Runtime,
  jwtSecret: string,
  now: () => Date = () => new Date(),
): SepContext {
  const { config } = runtime;
  const network = networkOf(config);
  const horizon = createHorizonClient({
    url: network.horizonUrl,
    network: config.stellarNetwork,
    readTimeoutMs: config.stellarHorizonTimeoutMs,
    submitTimeoutMs: config.stellarSubmitTimeoutMs,
  });
  const paystack =
    config.paystackSecretKey === undefined
      ? undefined
      : new PaystackClient({
          baseUrl: config.paystackBaseUrl,
          secretKey: config.paystackSecretKey,
          timeoutMs: config.paystackTimeoutMs,
          kv: runtime.kv,
          logger: runtime.logger.child({ component: 'paystack' }),
          bankListTtlMs: config.paystackBankListTtlMs,
          recipientTtlMs: config.paystackRecipientTtlMs,
        });
  return {
    config,
    runtime,
    horizon,
    paystack,
    jwtSecret,
    requireSep10: sep10Guard(jwtSecret, () => Math.floor(now().getTime() / 1000)),
    now,
  };
}
