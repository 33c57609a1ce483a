/**
 * Signers hold the keys that authorise Stellar transactions (GUIDE §4.9). A secret seed enters
 * the process once, from configuration, and stays inside a private field: it never appears in a
 * log line, an error message, `String(signer)`, `JSON.stringify(signer)` or `util.inspect(signer)`.
 * Only the public key is ever shown.
 */
import { inspect } from 'node:util';
import { Keypair, StrKey, type FeeBumpTransaction, type Transaction } from '@stellar/stellar-sdk';

export interface Signer {
  /** The account (G…) this signer signs for. */
  readonly publicKey: string;
  /** Adds this signer's signature to the transaction (in place). */
  sign(tx: Transaction | FeeBumpTransaction): void;
}

/** A configured secret is not a valid seed. The message names the setting, never the value. */
export class SecretSeedError extends Error {
  override readonly name = 'SecretSeedError';
}

export class KeypairSigner implements Signer {
  readonly #keypair: Keypair;
  readonly publicKey: string;

  private constructor(keypair: Keypair) {
    this.#keypair = keypair;
    this.publicKey = keypair.publicKey();
  }

  /**
   * `settingName` (e.g. STELLAR_DISTRIBUTION_SECRET) is what the error names when the seed is not
   * valid: the seed itself, or anything derived from it, is never part of the error.
   */
  static fromSecret(secret: string, settingName: string): KeypairSigner {
    if (!StrKey.isValidEd25519SecretSeed(secret)) {
      throw new SecretSeedError(`${settingName} is not a valid Stellar secret seed (S…, 56 characters)`);
    }
    return new KeypairSigner(Keypair.fromSecret(secret));
  }

  /** Reads the seed from an environment variable; absent or invalid is an operator error. */
  static fromEnvironment(name: string, env: NodeJS.ProcessEnv = process.env): KeypairSigner {
    const secret = env[name];
    if (secret === undefined || secret === '') throw new SecretSeedError(`${name} is not set`);
    return KeypairSigner.fromSecret(secret, name);
  }

  sign(tx: Transaction | FeeBumpTransaction): void {
    tx.sign(this.#keypair);
  }

  toString(): string {
    return `KeypairSigner(${this.publicKey})`;
  }

  toJSON(): { publicKey: string } {
    return { publicKey: this.publicKey };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
