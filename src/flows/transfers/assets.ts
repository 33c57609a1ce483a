/**
 * Asset identifiers as transactions store them (SEP-38 style): `iso4217:NGN` for naira in kobo,
 * `stellar:CODE:ISSUER` for a Stellar asset in stroops — and the conversions between the forms the
 * rails use (`CODE:ISSUER`).
 */
import { assert } from '../../domain/assert.js';
import { STELLAR_DECIMALS } from '../../domain/money.js';
import { NGN_DECIMALS, NGN_OFFCHAIN_ID } from '../../sep/assets.js';

export { NGN_OFFCHAIN_ID };

/** Kobo to stroops: 1 kobo = 10^5 stroops (2 and 7 decimal places). */
export const STROOPS_PER_KOBO = 10n ** BigInt(STELLAR_DECIMALS - NGN_DECIMALS);

export function decimalsOfAssetId(id: string): number {
  if (id === NGN_OFFCHAIN_ID) return NGN_DECIMALS;
  assert(id.startsWith('stellar:'), `not an asset id Rampart stores: ${id}`);
  return STELLAR_DECIMALS;
}

/** `stellar:CODE:ISSUER` → `CODE:ISSUER` (the submitter's and observer's form). */
export function railAssetOf(id: string): string {
  assert(id.startsWith('stellar:'), `not a Stellar asset id: ${id}`);
  return id.slice('stellar:'.length);
}
