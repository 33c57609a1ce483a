/**
 * The Stellar submitter the flows pay with, built once per process from configuration: the
 * distribution account signs every payment operation, channel accounts carry the sequence numbers.
 * Undefined when the distribution secret or the channel secrets are not configured: deliveries then
 * wait (their jobs fail and retry) and the operator sees why in the job's last error.
 */
import type { Config } from '../../config/index.js';
import { networkOf } from '../../config/index.js';
import type { Logger } from '../../platform/logger.js';
import type { Kysely } from 'kysely';
import type { Tables } from '../../platform/db/schema.js';
import type { HorizonPort } from '../../rails/stellar/horizon.js';
import { KeypairSigner } from '../../rails/stellar/signer.js';
import { createChannelPool } from '../../rails/stellar/channels.js';
import { createSubmitter, type Submitter } from '../../rails/stellar/submitter.js';

export interface StellarRail {
  readonly submitter: Submitter;
  readonly distributionAccount: string;
  /** Inserts the channel rows (idempotent); call before the first payment. */
  register(): Promise<void>;
}

export function createStellarRail(
  config: Config,
  db: Kysely<Tables>,
  horizon: HorizonPort,
  logger: Logger,
): StellarRail | undefined {
  const secret = config.stellarDistributionSecret;
  const channels = config.stellarChannelSecrets ?? [];
  if (secret === undefined || channels.length === 0) return undefined;
  const distribution = KeypairSigner.fromSecret(secret, 'STELLAR_DISTRIBUTION_SECRET');
  const pool = createChannelPool(db, {
    signers: channels.map((s) => KeypairSigner.fromSecret(s, 'STELLAR_CHANNEL_SECRETS')),
    waitMsMax: config.stellarChannelWaitMs,
    pollMs: config.stellarChannelPollMs,
  });
  const submitter = createSubmitter({
    db,
    horizon,
    channels: pool,
    distribution,
    networkPassphrase: networkOf(config).passphrase,
    txValiditySeconds: config.stellarTxValiditySeconds,
    feeMaxStroops: BigInt(config.stellarFeeMaxStroops),
    pollMs: config.stellarSubmitPollMs,
    resolveMsMax: config.stellarSubmitResolveMs,
    attemptsMax: config.stellarSubmitAttemptsMax,
    feeBumpsMax: config.stellarFeeBumpsMax,
    leaseMarginSeconds: config.stellarChannelLeaseMarginSeconds,
    logger: logger.child({ component: 'stellar-submitter' }),
  });
  let registered: Promise<void> | undefined;
  return {
    submitter,
    distributionAccount: distribution.publicKey,
    register() {
      registered ??= pool.register().catch((error: unknown) => {
        registered = undefined;
        throw error;
      });
      return registered;
    },
  };
}
