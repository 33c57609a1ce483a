/**
 * Reading what wallets send to the SEP-24 and SEP-6 endpoints: the SEP-10 identity the guard put
 * on the request, and the loosely typed fields (forms send text, JSON may send booleans and numbers)
 * turned into what the deposit and withdrawal flows take. Each problem is a 400 naming its field.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import { readMemo } from '../../flows/deposit/open.js';
import { HttpError } from '../../platform/http/errors.js';
import { anchoredAssets, findAsset, type AnchoredAsset } from '../assets.js';
import type { Sep10Identity } from '../sep10/jwt.js';

export function identityOf(request: FastifyRequest): Sep10Identity {
  // requireSep10 runs first on every authenticated route: no identity here is a wiring bug.
  const identity = request.sep10;
  if (identity === undefined)
    throw new Error(`${request.method} ${request.url} reached without a SEP-10 identity`);
  return identity;
}

export const refuse = (message: string): HttpError => new HttpError(400, 'invalid_request', message);

/** An empty form field means "not given", as an absent one does. */
export function given(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** `claimable_balance_supported`: a JSON boolean, or the text `true` / `false` (forms, queries). */
export function readFlag(value: boolean | string | undefined, field: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const text = value.toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw refuse(`${field}: must be true or false`);
}

/**
 * An amount as decimal text. SEP-24 types `amount` as a number, so a JSON number is accepted and
 * read back as the shortest text that names it (5000.5 → "5000.5"); the money parser then refuses
 * anything that is not plain decimal (exponents, NaN), so no binary float ever becomes kobo.
 */
export function amountText(value: string | number | undefined, field = 'amount'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return given(value);
  if (!Number.isFinite(value)) throw refuse(`${field}: must be a decimal number`);
  return String(value);
}

/**
 * The anchored asset a withdrawal names: by code (and issuer, when given), or by its SEP-38 id
 * (`stellar:CODE:ISSUER`), which SEP-6 `/withdraw-exchange` wallets may send as `source_asset`.
 */
export function withdrawnAsset(
  config: Config,
  name: string,
  issuer: string | undefined,
  field: string,
): AnchoredAsset {
  const asset =
    issuer === undefined && name.startsWith('stellar:')
      ? anchoredAssets(config).find((a) => a.sep38Id === name)
      : findAsset(config, name, issuer);
  if (asset === undefined)
    throw refuse(
      `${field}: ${name}${issuer === undefined ? '' : `:${issuer}`} is not an asset this anchor withdraws`,
    );
  return asset;
}

/**
 * SEP-6 and SEP-24: "If `refund_memo` is specified, `refund_memo_type` must also be specified" (and
 * the other way round); the memo must be one Stellar can carry (`hash`: 32 bytes, base64).
 */
export function checkRefundMemo(memo: string | undefined, memoType: string | undefined): void {
  if (memo !== undefined && memoType === undefined)
    throw refuse('refund_memo_type: required with refund_memo (`id`, `text` or `hash`)');
  if (memo === undefined && memoType !== undefined)
    throw refuse('refund_memo: required with refund_memo_type');
  try {
    readMemo(memo, memoType);
  } catch (error) {
    // The memo reader names its fields `memo` and `memo_type`: here they are the refund's.
    if (error instanceof HttpError) throw refuse(`refund_${error.message}`);
    throw error;
  }
}

/** SEP-6 and SEP-24 `account` filters: the token's own account, in any of its spellings. */
export function isOwnAccount(identity: Sep10Identity, account: string): boolean {
  return account === identity.account || account === identity.muxedAccount || account === identity.sub;
}
