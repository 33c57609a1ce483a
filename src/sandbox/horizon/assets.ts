/**
 * Asset identity inside the double: "native" or "CODE:ISSUER" (Horizon's own query syntax), so a
 * key is both a map key and the text a client sends in `?asset=`.
 */
import { Asset, StrKey } from '@stellar/stellar-sdk';

export type AssetKey = string;
export const NATIVE: AssetKey = 'native';

const codePattern = /^[A-Za-z0-9]{1,12}$/;

export function assetKeyOf(asset: Asset): AssetKey {
  if (asset.isNative()) return NATIVE;
  return `${asset.getCode()}:${asset.getIssuer() ?? ''}`;
}

export function isNative(key: AssetKey): boolean {
  return key === NATIVE;
}

/** Parses "native" or "CODE:ISSUER"; undefined when the text is not an asset. */
export function parseAssetKey(text: string): AssetKey | undefined {
  if (text === NATIVE) return NATIVE;
  const [code, issuer, ...rest] = text.split(':');
  if (rest.length > 0 || code === undefined || issuer === undefined) return undefined;
  if (!codePattern.test(code) || !StrKey.isValidEd25519PublicKey(issuer)) return undefined;
  return `${code}:${issuer}`;
}

export function assetCode(key: AssetKey): string {
  return isNative(key) ? 'XLM' : (key.split(':')[0] ?? '');
}

export function assetIssuer(key: AssetKey): string | undefined {
  return isNative(key) ? undefined : key.split(':')[1];
}

export function assetOf(key: AssetKey): Asset {
  const issuer = assetIssuer(key);
  return issuer === undefined ? Asset.native() : new Asset(assetCode(key), issuer);
}

/** Horizon's asset triple (`asset_type`, `asset_code`, `asset_issuer`), optionally with a prefix. */
export function assetFields(key: AssetKey, prefix = ''): Record<string, string> {
  const issuer = assetIssuer(key);
  if (issuer === undefined) return { [`${prefix}asset_type`]: 'native' };
  const code = assetCode(key);
  return {
    [`${prefix}asset_type`]: code.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12',
    [`${prefix}asset_code`]: code,
    [`${prefix}asset_issuer`]: issuer,
  };
}
