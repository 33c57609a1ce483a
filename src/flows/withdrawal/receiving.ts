/**
 * Where a withdrawal's asset is sent: Rampart's distribution account, which also pays deposits out,
 * so one account holds the anchored assets. Only its public key is derived here; the seed stays in
 * the signer (rails/stellar/signer.ts) and is never kept, logged or shown.
 */
import type { Config } from '../../config/index.js';
import { KeypairSigner } from '../../rails/stellar/signer.js';

/** The distribution account (G…), or undefined when no distribution secret is configured. */
export function receivingAccountOf(config: Pick<Config, 'stellarDistributionSecret'>): string | undefined {
  const secret = config.stellarDistributionSecret;
  if (secret === undefined) return undefined;
  return KeypairSigner.fromSecret(secret, 'STELLAR_DISTRIBUTION_SECRET').publicKey;
}
