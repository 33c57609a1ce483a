/**
 * What SEP-38 offers, read once from configuration: the off-chain naira, the Stellar assets Rampart
 * anchors, and the pairs between them — naira ↔ naira token at par (1:1, the token's promise, no
 * spread), naira ↔ USDC at the market rate plus the spread — each with its limits and fees.
 */
import type { Config } from '../../config/index.js';
import { BUY_DELIVERY_METHODS, SELL_DELIVERY_METHODS, parseLimitsText } from '../../config/settings-sep38.js';
import { assert } from '../../domain/assert.js';
import { parseFeeSchedule, type FeeSchedule } from '../../domain/fees.js';
import type { AmountLimits } from '../../domain/quotes.js';
import type { CurrencyPair } from '../../rails/rates/index.js';
import { NGN_DECIMALS, NGN_OFFCHAIN_ID, anchoredAssets, type AnchoredAsset } from '../assets.js';

export interface DeliveryMethod {
  readonly name: string;
  readonly description: string;
}

export interface QuotedAsset {
  /** SEP-38 identifier: `iso4217:NGN` or `stellar:CODE:ISSUER`. */
  readonly id: string;
  readonly decimals: number;
  readonly limits: AmountLimits;
}

export interface FiatAsset extends QuotedAsset {
  readonly countryCodes: readonly string[];
  readonly sellDeliveryMethods: readonly DeliveryMethod[];
  readonly buyDeliveryMethods: readonly DeliveryMethod[];
}

export type PairPricing = { readonly kind: 'par' } | { readonly kind: 'market'; readonly pair: CurrencyPair };

/** A tradable pair: fiat on one side, a Stellar asset on the other, in both directions. */
export interface QuotePair {
  readonly fiat: FiatAsset;
  readonly stellar: QuotedAsset;
  readonly pricing: PairPricing;
  readonly spreadBps: number;
  readonly fees: { readonly deposit: FeeSchedule; readonly withdrawal: FeeSchedule };
}

export interface Catalog {
  readonly fiat: FiatAsset;
  readonly stellarAssets: readonly QuotedAsset[];
  readonly pairs: readonly QuotePair[];
}

/** The market pair whose price the rate source gives: naira per one USD stablecoin. */
export const USDC_NGN: CurrencyPair = Object.freeze({ base: 'USDC', counter: 'NGN' });

function schedule(text: string): FeeSchedule {
  const parsed = parseFeeSchedule(text);
  // The setting was validated when the configuration loaded; failing here is a wiring bug.
  assert(parsed.ok, `fee schedule "${text}" passed validation but does not parse`);
  return parsed.schedule;
}

/** Limits written in `limitDecimals` places, as minor units of an asset with `decimals` (≥) places. */
function limits(text: string, limitDecimals: number, decimals: number): AmountLimits {
  assert(decimals >= limitDecimals, 'limits are scaled up to the asset precision, never down');
  const parsed = parseLimitsText(text, limitDecimals);
  assert(parsed.ok, `limits "${text}" passed validation but do not parse`);
  const scale = 10n ** BigInt(decimals - limitDecimals);
  return { minMinor: parsed.minMinor * scale, maxMinor: parsed.maxMinor * scale };
}

function methods(names: readonly string[], catalog: Record<string, string>): DeliveryMethod[] {
  return names.map((name) => {
    const description = catalog[name];
    assert(description !== undefined, `delivery method ${name} passed validation but is unknown`);
    return { name, description };
  });
}

function pairFor(config: Config, fiat: FiatAsset, asset: AnchoredAsset): QuotePair {
  const stellarAsset = (limitsText: string, limitDecimals: number): QuotedAsset => ({
    id: asset.sep38Id,
    decimals: asset.decimals,
    limits: limits(limitsText, limitDecimals, asset.decimals),
  });
  if (asset.role === 'ngn-token') {
    return {
      fiat,
      stellar: stellarAsset(config.sep38LimitsNgn, NGN_DECIMALS),
      pricing: { kind: 'par' },
      spreadBps: 0,
      fees: { deposit: schedule(config.feesNgnDeposit), withdrawal: schedule(config.feesNgnWithdrawal) },
    };
  }
  return {
    fiat,
    stellar: stellarAsset(config.sep38LimitsUsdc, asset.decimals),
    pricing: { kind: 'market', pair: USDC_NGN },
    spreadBps: config.sep38SpreadBps,
    fees: { deposit: schedule(config.feesUsdcDeposit), withdrawal: schedule(config.feesUsdcWithdrawal) },
  };
}

export function buildCatalog(config: Config): Catalog {
  const fiat: FiatAsset = {
    id: NGN_OFFCHAIN_ID,
    decimals: NGN_DECIMALS,
    limits: limits(config.sep38LimitsNgn, NGN_DECIMALS, NGN_DECIMALS),
    countryCodes: config.sep38CountryCodes,
    sellDeliveryMethods: methods(config.sep38SellDeliveryMethods, SELL_DELIVERY_METHODS),
    buyDeliveryMethods: methods(config.sep38BuyDeliveryMethods, BUY_DELIVERY_METHODS),
  };
  const pairs = anchoredAssets(config).map((asset) => pairFor(config, fiat, asset));
  return { fiat, stellarAssets: pairs.map((p) => p.stellar), pairs };
}

/** Every quoted asset (fiat first), for lookups by identifier. */
export function findQuotedAsset(catalog: Catalog, id: string): QuotedAsset | undefined {
  if (id === catalog.fiat.id) return catalog.fiat;
  return catalog.stellarAssets.find((a) => a.id === id);
}

export function findPair(catalog: Catalog, stellarId: string): QuotePair | undefined {
  return catalog.pairs.find((p) => p.stellar.id === stellarId);
}
