/**
 * Where a deposit opened in SEP-24's interactive flow stands, in the order the pages ask: identity
 * (KYC tier 1), then the amount (and, for a market asset, a firm quote), then the confirmation.
 * Derived each time from the database, never from what the browser says, so a reload, a second tab
 * or a step done through SEP-12 by the wallet all land on the right page.
 */
import { assert } from '../domain/assert.js';
import type { KycSnapshot } from '../domain/kyc/index.js';
import { depositAsset, pairOf } from '../flows/deposit/index.js';
import type { TransactionRow } from '../flows/state-machine.js';
import type { TransferDeps } from '../flows/transfers/deps.js';
import { customerStanding, type CustomerStanding } from '../flows/transfers/limits.js';
import type { AnchoredAsset } from '../sep/assets.js';
import type { QuotePair } from '../sep/sep38/catalog.js';
import { findQuote, type Quote } from '../sep/sep38/store.js';
import { kycNeed, type KycNeed } from './kyc.js';

export type DepositStep =
  | {
      readonly kind: 'kyc';
      readonly need: Exclude<KycNeed, { kind: 'done' }>;
      readonly snapshot: KycSnapshot;
      readonly standing: CustomerStanding;
    }
  | {
      readonly kind: 'amount';
      readonly asset: AnchoredAsset;
      readonly pair: QuotePair;
      readonly standing: CustomerStanding;
      /** The amount the wallet opened a market deposit with: the customer confirms it for a quote. */
      readonly prefillKobo: bigint | null;
    }
  | {
      readonly kind: 'confirm-par';
      readonly asset: AnchoredAsset;
      readonly pair: QuotePair;
      readonly amountKobo: bigint;
    }
  | { readonly kind: 'confirm-quote'; readonly asset: AnchoredAsset; readonly quote: Quote }
  | { readonly kind: 'quote-expired' };

export async function depositStep(
  deps: TransferDeps,
  row: TransactionRow,
  subject: string,
  now: Date,
): Promise<DepositStep> {
  const standing = await customerStanding(deps, deps.db, subject);
  const need = kycNeed(standing.tier, standing.snapshot);
  if (need.kind !== 'done') return { kind: 'kyc', need, snapshot: standing.snapshot, standing };
  const asset = depositAsset(deps, row.asset_code, row.asset_issuer ?? undefined);
  const pair = pairOf(deps, asset);
  if (row.quote_id !== null) {
    const quote = await findQuote(deps.db, row.quote_id);
    assert(quote !== undefined, `quote ${row.quote_id} of deposit ${row.id} exists (foreign key)`);
    if (quote.expiresAt.getTime() <= now.getTime()) return { kind: 'quote-expired' };
    return { kind: 'confirm-quote', asset, quote };
  }
  const expected = row.amount_expected_minor === null ? null : BigInt(row.amount_expected_minor);
  if (pair.pricing.kind === 'par' && expected !== null)
    return { kind: 'confirm-par', asset, pair, amountKobo: expected };
  return { kind: 'amount', asset, pair, standing, prefillKobo: expected };
}
