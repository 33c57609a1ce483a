/**
 * Can a destination receive an asset now? The deposit flow asks before it picks a delivery: a
 * `payment` when ready, a `claimable_balance` (or a wait) without a trustline, a `create_account`
 * when the account does not exist, and nothing at all while Horizon cannot say.
 */
import { StrKey } from '@stellar/stellar-sdk';
import { assert, unreachable } from '../../domain/assert.js';
import type { AccountOutcome } from './horizon.js';

export type DestinationReadiness = 'ready' | 'no_trustline' | 'missing' | 'unknown';

const ASSET_CODE_PATTERN = /^[A-Za-z0-9]{1,12}$/;

/**
 * `asset` is `native` or `CODE:ISSUER`. `ready` means the account holds a trustline to the asset
 * (every account holds XLM); whether the issuer authorised it or the limit leaves room is not in
 * the port's account view, so such a payment can still fail — definitively, as an included failure.
 */
export function destinationReadiness(outcome: AccountOutcome, asset: string): DestinationReadiness {
  assertAsset(asset);
  switch (outcome.kind) {
    case 'found':
      if (asset === 'native') return 'ready';
      return outcome.balances.some((b) => b.asset === asset) ? 'ready' : 'no_trustline';
    case 'not_found':
      return 'missing';
    case 'unknown':
      // A timeout says nothing about the account: never guess "missing" and create it twice.
      return 'unknown';
    default:
      return unreachable(outcome, 'unhandled account outcome');
  }
}

/** A malformed asset is a caller's bug: it would otherwise read as "no trustline" forever. */
function assertAsset(asset: string): void {
  if (asset === 'native') return;
  const [code, issuer, extra] = asset.split(':');
  assert(code !== undefined && ASSET_CODE_PATTERN.test(code), 'asset code is 1–12 letters or digits');
  assert(
    issuer !== undefined && StrKey.isValidEd25519PublicKey(issuer) && extra === undefined,
    'asset is native or CODE:ISSUER',
  );
}
