/**
 * The stellar.toml Rampart publishes (SEP-1), derived from configuration. Endpoint paths, all
 * under PUBLIC_URL (decided here, once, for every SEP plugin to mount under):
 *
 * | field                     | path     |
 * |---------------------------|----------|
 * | WEB_AUTH_ENDPOINT         | `/auth`  (SEP-10, at the root) |
 * | TRANSFER_SERVER           | `/sep6`  |
 * | TRANSFER_SERVER_SEP0024   | `/sep24` |
 * | KYC_SERVER                | `/sep12` |
 * | ANCHOR_QUOTE_SERVER       | `/sep38` |
 */
import type { Config } from '../../config/index.js';
import { isMainnet, networkOf } from '../../config/index.js';
import { anchoredAssets, type AnchoredAsset } from '../assets.js';
import { publicBase, sep10Domains } from '../sep10/domains.js';
import { renderToml, type TomlTable } from './toml.js';

/** The SEP-1 version this document follows. */
export const SEP1_VERSION = '2.7.0';

export const SEP_PATHS = {
  sep6: '/sep6',
  sep12: '/sep12',
  sep24: '/sep24',
  sep38: '/sep38',
} as const;

/** Fiat amounts are shown with two decimals, whatever the token's seven on-chain. */
const FIAT_DISPLAY_DECIMALS = 2;

const ANCHOR_ASSET: Readonly<Record<AnchoredAsset['role'], string>> = {
  'ngn-token': 'NGN',
  'usd-stablecoin': 'USD',
};

function currency(asset: AnchoredAsset, status: 'live' | 'test'): TomlTable {
  return {
    code: asset.code,
    issuer: asset.issuer,
    status,
    display_decimals: FIAT_DISPLAY_DECIMALS,
    is_asset_anchored: true,
    anchor_asset_type: 'fiat',
    anchor_asset: ANCHOR_ASSET[asset.role],
    desc: asset.description,
  };
}

export function renderStellarToml(config: Config, signingKey: string): string {
  const base = publicBase(config);
  const network = networkOf(config);
  const status = isMainnet(config) ? 'live' : 'test';
  const served = (sep: string): boolean => config.sepsEnabled.includes(sep);
  return renderToml({
    root: {
      VERSION: SEP1_VERSION,
      NETWORK_PASSPHRASE: network.passphrase,
      HORIZON_URL: network.horizonUrl.toString().replace(/\/+$/, ''),
      SIGNING_KEY: signingKey,
      // Only what this deployment serves: a wallet must never be sent to an endpoint that 404s.
      WEB_AUTH_ENDPOINT: served('10') ? sep10Domains(config).webAuthEndpoint : undefined,
      TRANSFER_SERVER: served('6') ? `${base}${SEP_PATHS.sep6}` : undefined,
      TRANSFER_SERVER_SEP0024: served('24') ? `${base}${SEP_PATHS.sep24}` : undefined,
      KYC_SERVER: served('12') ? `${base}${SEP_PATHS.sep12}` : undefined,
      ANCHOR_QUOTE_SERVER: served('38') ? `${base}${SEP_PATHS.sep38}` : undefined,
    },
    tables: {
      DOCUMENTATION: {
        ORG_NAME: config.orgName,
        ORG_URL: (config.orgUrl ?? config.publicUrl).toString(),
        ORG_LOGO: config.orgLogo?.toString(),
        ORG_DESCRIPTION: config.orgDescription,
        ORG_PHYSICAL_ADDRESS: config.orgPhysicalAddress,
        ORG_OFFICIAL_EMAIL: config.orgOfficialEmail,
        ORG_SUPPORT_EMAIL: config.orgSupportEmail,
      },
    },
    arrays: { CURRENCIES: anchoredAssets(config).map((asset) => currency(asset, status)) },
  });
}
