/**
 * Stellar's signature check (stellar-core `SignatureChecker`): each decorated signature can count
 * once toward an account's weight; a check passes when the matched signers' weights reach the
 * threshold (and at least one signer matched, so a threshold of 0 still needs a signature).
 * Signatures nobody used make the transaction `tx_bad_auth_extra`.
 *
 * Only ed25519 signers are verified; other signer kinds (hash-x, pre-auth) are stored but never
 * match a signature in the double.
 */
import { Keypair, StrKey, xdr } from '@stellar/stellar-sdk';
import type { AccountEntry } from './state.js';

/** Stellar caps accumulated weight at 255. */
const WEIGHT_MAX = 255;

interface Signer {
  readonly key: string;
  readonly weight: number;
}

function signersOf(account: AccountEntry): Signer[] {
  const signers: Signer[] = [];
  if (account.masterWeight > 0) signers.push({ key: account.id, weight: account.masterWeight });
  for (const [key, weight] of account.signers) if (weight > 0) signers.push({ key, weight });
  return signers;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

export class SignatureChecker {
  private readonly used: boolean[];

  constructor(
    private readonly hash: Uint8Array,
    private readonly signatures: readonly xdr.DecoratedSignature[],
  ) {
    this.used = signatures.map(() => false);
  }

  /** Whether `account`'s signers carried at least `threshold` weight; marks matched signatures used. */
  check(account: AccountEntry, threshold: number): boolean {
    let total = 0;
    let matched = false;
    for (const signer of signersOf(account)) {
      if (!StrKey.isValidEd25519PublicKey(signer.key)) continue;
      const keypair = Keypair.fromPublicKey(signer.key);
      const hint = keypair.signatureHint();
      for (let i = 0; i < this.signatures.length; i += 1) {
        const signature = this.signatures[i];
        if (signature === undefined) continue;
        if (!sameBytes(signature.hint.value, hint)) continue;
        if (!keypair.verify(this.hash, signature.signature.value)) continue;
        this.used[i] = true;
        matched = true;
        total = Math.min(WEIGHT_MAX, total + signer.weight);
        break;
      }
      if (matched && total >= threshold) return true;
    }
    return matched && total >= threshold;
  }

  allUsed(): boolean {
    return this.used.every(Boolean);
  }
}
