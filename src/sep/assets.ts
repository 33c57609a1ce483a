/**
 * The assets Rampart anchors, as the SEPs describe them: derived from configuration, one place for
 * SEP-1's [[CURRENCIES]], SEP-38's asset identifiers and the flows' asset checks. An asset whose
 * issuer is not configured is not offered.
 */
import type { Config } from '../config/index.js';
import { STELLAR_DECIMALS } from '../domain/money.js';

export type AssetRole = 'ngn-token' | 'usd-stablecoin';

export interface AnchoredAsset {
  readonly role: AssetRole;
  readonly code: string;
  readonly issuer: string;
  readonly decimals: number;
  /** SEP-38 identifier: `stellar:CODE:ISSUER`. */
  readonly sep38Id: string;
  readonly description: string;
}

/** Naira off-chain, as SEP-38 names it. */
export const NGN_OFFCHAIN_ID = 'iso4217:NGN';
export const NGN_DECIMALS = 2;

export function anchoredAssets(config: Config): AnchoredAsset[] {
  const assets: AnchoredAsset[] = [];
  if (config.assetNgnIssuer !== undefined) {
    assets.push({
      role: 'ngn-token',
      code: config.assetNgnCode,
      issuer: config.assetNgnIssuer,
      decimals: STELLAR_DECIMALS,
      sep38Id: `stellar:${config.assetNgnCode}:${config.assetNgnIssuer}`,
      description: 'Nigerian naira token, redeemable 1:1 for naira through Paystack.',
    });
  }
  if (config.assetUsdcIssuer !== undefined) {
    assets.push({
      role: 'usd-stablecoin',
      code: config.assetUsdcCode,
      issuer: config.assetUsdcIssuer,
      decimals: STELLAR_DECIMALS,
      sep38Id: `stellar:${config.assetUsdcCode}:${config.assetUsdcIssuer}`,
      description: 'USD stablecoin, bought and sold for naira at a SEP-38 quote.',
    });
  }
  return assets;
}

export function findAsset(config: Config, code: string, issuer?: string): AnchoredAsset | undefined {
  return anchoredAssets(config).find((a) => a.code === code && (issuer === undefined || a.issuer === issuer));
}
