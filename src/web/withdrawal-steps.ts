/**
 * Where a withdrawal opened in SEP-24's interactive flow stands, in the order the pages ask:
 * identity (KYC tier 1), the bank account the naira goes to, then the amount of the asset (and, for
 * a market asset, a firm quote), then the confirmation. Derived each time from the database, never
 * from what the browser says, so a reload, a second tab or a step done through SEP-12 by the wallet
 * all land on the right page.
 */
import { assert } from '../domain/assert.js';
import type { KycSnapshot } from '../domain/kyc/index.js';
import { pairOf } from '../flows/deposit/index.js';
import type { TransactionRow } from '../flows/state-machine.js';
import type { TransferDeps } from '../flows/transfers/deps.js';
import { customerStanding, type CustomerStanding } from '../flows/transfers/limits.js';
import { readPayoutAccount, withdrawalAsset, type PayoutAccount } from '../flows/withdrawal/open.js';
import type { AnchoredAsset } from '../sep/assets.js';
import type { QuotePair } from '../sep/sep38/catalog.js';
import { findQuote, type Quote } from '../sep/sep38/store.js';
import { kycNeed, type KycNeed } from './kyc.js';

export type WithdrawalStep =
  | {
      readonly kind: 'kyc';
      readonly need: Exclude<KycNeed, { kind: 'done' }>;
      readonly snapshot: KycSnapshot;
      readonly standing: CustomerStanding;
    }
  | { readonly kind: 'bank' }
  | {
      readonly kind: 'amount';
      readonly asset: AnchoredAsset;
      readonly pair: QuotePair;
      readonly standing: CustomerStanding;
      readonly account: PayoutAccount;
      /** The amount the wallet opened the withdrawal with, when the customer still confirms it here. */
      readonly prefillStroops: bigint | null;
    }
  | {
      readonly kind: 'confirm-par';
      readonly asset: AnchoredAsset;
      readonly pair: QuotePair;
      readonly standing: CustomerStanding;
      readonly account: PayoutAccount;
      readonly amountStroops: bigint;
    }
  | {
      readonly kind: 'confirm-quote';
      readonly asset: AnchoredAsset;
      readonly account: PayoutAccount;
      readonly quote: Quote;
    }
  | { readonly kind: 'quote-expired' };

export async function withdrawalStep(
  deps: TransferDeps,
  row: TransactionRow,
  subject: string,
  now: Date,
): Promise<WithdrawalStep> {
  const standing = await customerStanding(deps, deps.db, subject);
  const need = kycNeed(standing.tier, standing.snapshot);
  if (need.kind !== 'done') return { kind: 'kyc', need, snapshot: standing.snapshot, standing };
  // Stored only once its name matched the customer's (setPayoutAccount): the bank step is done.
  const account = readPayoutAccount(deps, row);
  if (account === undefined) return { kind: 'bank' };
  const asset = withdrawalAsset(deps, row.asset_code, row.asset_issuer ?? undefined);
  const pair = pairOf(deps, asset);
  if (row.quote_id !== null) {
    const quote = await findQuote(deps.db, row.quote_id);
    assert(quote !== undefined, `quote ${row.quote_id} of withdrawal ${row.id} exists (foreign key)`);
    if (quote.expiresAt.getTime() <= now.getTime()) return { kind: 'quote-expired' };
    return { kind: 'confirm-quote', asset, account, quote };
  }
  const expected = row.amount_expected_minor === null ? null : BigInt(row.amount_expected_minor);
  if (pair.pricing.kind === 'par' && expected !== null)
    return { kind: 'confirm-par', asset, pair, standing, account, amountStroops: expected };
  return { kind: 'amount', asset, pair, standing, account, prefillStroops: expected };
}
