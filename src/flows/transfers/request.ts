/**
 * What deposits and withdrawals read from a wallet's request the same way: refusals in the SEP error
 * shape, quote refusals, memos, the callback URL and the language.
 */
import { HttpError } from '../../platform/http/errors.js';
import { checkCallbackUrl } from '../../sep/sep12/callback-url.js';
import type { QuoteRefusal } from '../../sep/sep38/store.js';
import type { TransferDeps } from './deps.js';

export type MemoType = 'text' | 'id' | 'hash';

export const refuse = (message: string): HttpError => new HttpError(400, 'invalid_request', message);

export const QUOTE_REFUSALS: Readonly<Record<QuoteRefusal, string>> = {
  not_found: 'quote_id: no such quote',
  wrong_account: 'quote_id: no such quote',
  used: 'quote_id: the quote has already been used',
  expired: 'quote_id: the quote has expired; ask for a new one',
};

/** Validates a memo as Stellar can carry it; `hash` arrives base64 and is kept as hex. */
export function readMemo(
  memo: string | undefined,
  type: string | undefined,
): { memo: string | null; memoType: MemoType | null } {
  if (memo === undefined || memo === '') {
    if (type !== undefined && type !== '' && !['text', 'id', 'hash'].includes(type))
      throw refuse('memo_type: must be text, id or hash');
    return { memo: null, memoType: null };
  }
  const kind = type === undefined || type === '' ? 'text' : type;
  switch (kind) {
    case 'id':
      if (!/^\d{1,20}$/.test(memo) || BigInt(memo) > 18_446_744_073_709_551_615n)
        throw refuse('memo: an id memo is a whole number below 2^64');
      return { memo, memoType: 'id' };
    case 'text':
      if (Buffer.byteLength(memo, 'utf8') > 28) throw refuse('memo: a text memo is at most 28 bytes');
      return { memo, memoType: 'text' };
    case 'hash': {
      const bytes = Buffer.from(memo, 'base64');
      if (bytes.length !== 32 || bytes.toString('base64') !== memo)
        throw refuse('memo: a hash memo is 32 bytes, base64-encoded');
      return { memo: bytes.toString('hex'), memoType: 'hash' };
    }
    default:
      throw refuse('memo_type: must be text, id or hash');
  }
}

/** A wallet's `on_change_callback`: https (http on the sandbox), never a private address. */
export function readCallback(deps: Pick<TransferDeps, 'config'>, raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  const checked = checkCallbackUrl(raw, deps.config.stellarNetwork === 'sandbox');
  if (!checked.ok) throw refuse(`on_change_callback: ${checked.error}`);
  return checked.url.toString();
}

/** SEP-24: unsupported languages fall back to English. */
export function readLang(raw: string | undefined): string {
  if (raw === undefined) return 'en';
  const primary = raw.toLowerCase().split(/[-_]/)[0] ?? '';
  return SUPPORTED_LANGS.includes(primary) ? primary : 'en';
}
export const SUPPORTED_LANGS: readonly string[] = ['en'];
