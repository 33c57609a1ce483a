/**
 * The two ways a Paystack call can go wrong (STYLE.md: an unknown outcome is its own branch,
 * never folded into "failed"):
 *
 * - `refused`: Paystack answered with a 4xx and `{status: false}`. It did nothing: the request
 *   was rejected before any effect (bad input, bad key, duplicate reference, rate limit).
 * - `unknown`: we cannot tell what Paystack did: a timeout, a network error, a 5xx, or a body we
 *   could not parse or did not recognise. For a read this is "try again later"; for a POST that
 *   moves money it means the money may have moved, and only a verify can tell.
 */
export type RefusalReason = 'auth' | 'not_found' | 'rate_limited' | 'duplicate_reference' | 'rejected';

export type UnknownCause = 'timeout' | 'network' | 'server_error' | 'invalid_response';

export interface PaystackRefusal {
  readonly kind: 'refused';
  readonly reason: RefusalReason;
  readonly httpStatus: number;
  /** Paystack's human text: informational, only branched on where no `code` exists (rails-notes A6). */
  readonly message: string;
  readonly code: string | null;
  /** From a `Retry-After` header on 429, when present. */
  readonly retryAfterMs: number | null;
}

export interface PaystackUnknown {
  readonly kind: 'unknown';
  readonly cause: UnknownCause;
  /** For logs and operators; never contains the secret key or response values. */
  readonly detail: string;
  readonly httpStatus: number | null;
}

export type PaystackError = PaystackRefusal | PaystackUnknown;

export type PaystackResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PaystackError };

/** Longest Retry-After we honour: a larger value is treated as this, so callers never stall for hours. */
export const RETRY_AFTER_MS_MAX = 5 * 60 * 1000;

/**
 * Classifies a refusal. `code` first; `message` only where Paystack gives no code (rails-notes
 * A1.1, A6, A7): "not found" arrives as 400 live, and a reused transfer reference has no code.
 */
export function refusalReason(httpStatus: number, message: string, code: string | null): RefusalReason {
  if (httpStatus === 401 || httpStatus === 403) return 'auth';
  if (httpStatus === 429) return 'rate_limited';
  if (/daily limit/i.test(message)) return 'rate_limited';
  if (code === 'duplicate_reference') return 'duplicate_reference';
  if (/already (been )?used|duplicate (transaction |transfer )?reference/i.test(message))
    return 'duplicate_reference';
  if (httpStatus === 404) return 'not_found';
  if (/not found/i.test(message)) return 'not_found';
  return 'rejected';
}

/** `Retry-After` in seconds (the only form Paystack would send), bounded; null when absent or unreadable. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  if (!/^[0-9]{1,6}$/.test(header.trim())) return null;
  return Math.min(Number(header.trim()) * 1000, RETRY_AFTER_MS_MAX);
}

export function unknownError(
  cause: UnknownCause,
  detail: string,
  httpStatus: number | null = null,
): PaystackUnknown {
  return { kind: 'unknown', cause, detail, httpStatus };
}

export function isNotFound(error: PaystackError): boolean {
  return error.kind === 'refused' && error.reason === 'not_found';
}
