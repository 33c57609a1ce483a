/**
 * What SEP-24's and SEP-6's `GET /info` say about deposits and withdrawals, computed once from
 * configuration: per anchored asset, whether it is traded at par (the naira token) or at a firm
 * SEP-38 quote (USDC), the limits and, when the fee schedule fits SEP's `fee_fixed + fee_percent`
 * model, the fee.
 *
 * A deposit's amounts are naira the customer pays in (the fee comes out of it); a withdrawal's are
 * the asset the customer sends. Both SEPs type them as JSON numbers, so they are rendered from exact
 * minor units.
 */
import type { Config } from '../../config/index.js';
import { assert } from '../../domain/assert.js';
import type { FeeSchedule } from '../../domain/fees.js';
import { formatAmount, STELLAR_DECIMALS } from '../../domain/money.js';
import type { FundingMethod } from '../../flows/deposit/index.js';
import type { TransferDeps } from '../../flows/transfers/deps.js';
import { receivingAccountOf } from '../../flows/withdrawal/receiving.js';
import { anchoredAssets, NGN_DECIMALS, type AnchoredAsset } from '../assets.js';
import { findPair, type Catalog, type QuotePair } from '../sep38/catalog.js';

export interface DepositOffer {
  readonly asset: AnchoredAsset;
  readonly pair: QuotePair;
  /** True when the asset is bought at a firm SEP-38 quote (`quote_id` needed), false at par. */
  readonly quoted: boolean;
  readonly minAmount: number;
  readonly maxAmount: number;
  readonly fee: SimpleFee;
}

/** `fee_fixed` (naira) and `fee_percent`, or nothing when the schedule is not that simple. */
export type SimpleFee = { fee_fixed?: number; fee_percent?: number };

const FUNDING_METHODS: readonly FundingMethod[] = ['card', 'bank_transfer', 'ussd'];

/** How naira is paid out: Paystack transfers to a Nigerian bank account (SEP-38's buy delivery method). */
export type PayoutMethod = 'bank_account';
const PAYOUT_METHODS: readonly PayoutMethod[] = ['bank_account'];

export interface WithdrawOffer {
  readonly asset: AnchoredAsset;
  readonly pair: QuotePair;
  /** True when the asset is sold at a firm SEP-38 quote (`quote_id` needed), false at par. */
  readonly quoted: boolean;
  /** In units of the asset sent. */
  readonly minAmount: number;
  readonly maxAmount: number;
  /** Naira, which is the naira token one to one; empty for a quoted asset (the quote's fee). */
  readonly fee: SimpleFee;
}

/**
 * Kobo as a JSON number of naira. Exact for every amount below 2^53 kobo (₦90 trillion), which the
 * limit settings are far below: the decimal text of the kobo is what the number prints as.
 */
export function nairaNumber(kobo: bigint): number {
  assert(kobo >= 0n && kobo <= BigInt(Number.MAX_SAFE_INTEGER), 'naira amounts fit a JSON number exactly');
  return Number(formatAmount(kobo, NGN_DECIMALS));
}

/**
 * SEP's fee model is `amount × fee_percent + fee_fixed`; a schedule with a minimum or a cap does
 * not fit it, and then the fee is only shown per transaction and by SEP-38 (as SEP-24 advises).
 */
export function simpleFee(schedule: FeeSchedule): SimpleFee {
  if (schedule.minMinor !== 0n || schedule.maxMinor !== null) return {};
  return {
    ...(schedule.fixedMinor === 0n ? {} : { fee_fixed: nairaNumber(schedule.fixedMinor) }),
    ...(schedule.bps === 0 ? {} : { fee_percent: schedule.bps / 100 }),
  };
}

export function depositOffers(deps: { readonly config: Config; readonly catalog: Catalog }): DepositOffer[] {
  const offers: DepositOffer[] = [];
  for (const asset of anchoredAssets(deps.config)) {
    const pair = findPair(deps.catalog, asset.sep38Id);
    assert(pair !== undefined, `every anchored asset has a SEP-38 pair (${asset.code})`);
    const quoted = pair.pricing.kind === 'market';
    offers.push({
      asset,
      pair,
      quoted,
      minAmount: nairaNumber(pair.fiat.limits.minMinor),
      maxAmount: nairaNumber(pair.fiat.limits.maxMinor),
      // A quoted deposit's fee is the quote's: there is no fixed schedule to announce.
      fee: quoted ? {} : simpleFee(pair.fees.deposit),
    });
  }
  return offers;
}

/**
 * Stroops as a JSON number of the asset, exact for every amount below 2^53 stroops (900 million
 * units), which the limit settings are far below.
 */
export function assetNumber(stroops: bigint): number {
  assert(
    stroops >= 0n && stroops <= BigInt(Number.MAX_SAFE_INTEGER),
    'asset amounts fit a JSON number exactly',
  );
  return Number(formatAmount(stroops, STELLAR_DECIMALS));
}

/**
 * Withdrawals need both rails: Paystack to check and pay the bank account, and the distribution
 * account to receive the asset — and naira paid out to a bank account among SEP-38's buy delivery
 * methods. Without them no asset is offered (the hosted pages would refuse too).
 */
export function withdrawalsAvailable(deps: Pick<TransferDeps, 'config' | 'catalog' | 'paystack'>): boolean {
  return (
    deps.paystack !== undefined &&
    receivingAccountOf(deps.config) !== undefined &&
    payoutMethods(deps.catalog).length > 0
  );
}

/**
 * The assets that can be withdrawn: every anchored asset with a SEP-38 pair — the naira token at par,
 * USDC at a firm quote (SEP-6 `/withdraw-exchange`; on SEP-24 the hosted pages make the quote).
 */
export function withdrawOffers(deps: Pick<TransferDeps, 'config' | 'catalog' | 'paystack'>): WithdrawOffer[] {
  if (!withdrawalsAvailable(deps)) return [];
  const offers: WithdrawOffer[] = [];
  for (const asset of anchoredAssets(deps.config)) {
    const pair = findPair(deps.catalog, asset.sep38Id);
    if (pair === undefined) continue;
    const quoted = pair.pricing.kind === 'market';
    offers.push({
      asset,
      pair,
      quoted,
      minAmount: assetNumber(pair.stellar.limits.minMinor),
      maxAmount: assetNumber(pair.stellar.limits.maxMinor),
      // At par the fee is naira out of naira, which is the token one to one: SEP's units hold.
      fee: quoted ? {} : simpleFee(pair.fees.withdrawal),
    });
  }
  return offers;
}

/** The ways naira can be paid out: SEP-38's buy delivery methods Rampart can pay. */
export function payoutMethods(catalog: Catalog): PayoutMethod[] {
  const offered = new Set(catalog.fiat.buyDeliveryMethods.map((m) => m.name));
  return PAYOUT_METHODS.filter((method) => offered.has(method));
}

/** The ways naira can be paid in: SEP-38's sell delivery methods, which are Paystack's channels. */
export function fundingMethods(catalog: Catalog): FundingMethod[] {
  const offered = new Set(catalog.fiat.sellDeliveryMethods.map((m) => m.name));
  return FUNDING_METHODS.filter((method) => offered.has(method));
}

export function featureFlags(config: Config): { account_creation: boolean; claimable_balances: boolean } {
  return {
    account_creation: config.stellarCreateAccountStartingXlm !== undefined,
    claimable_balances: true,
  };
}
