/**
 * The SEP-10 server account: the key that signs challenges and that stellar.toml publishes as
 * SIGNING_KEY. SEP10_SIGNING_SECRET in production (mainnet requires it). Without one, the seed is
 * derived from the JWT secret by HMAC with a fixed label, so SEP-1 and SEP-10 agree on it without
 * sharing state, it survives restarts exactly as long as the JWT secret does (persisted under the
 * data directory by jwt-secret.ts), and knowing it reveals nothing about the JWT secret.
 */
import { createHmac } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import type { Config } from '../../config/index.js';

const DERIVATION_LABEL = 'rampart/sep10/signing-key/v1';

export function sep10SigningKeypair(config: Pick<Config, 'sep10SigningSecret'>, jwtSecret: string): Keypair {
  if (config.sep10SigningSecret !== undefined) return Keypair.fromSecret(config.sep10SigningSecret);
  const seed = createHmac('sha256', jwtSecret).update(DERIVATION_LABEL).digest();
  return Keypair.fromRawEd25519Seed(seed);
}
