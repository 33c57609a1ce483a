/**
 * The signers and medium threshold of a client account, read from Horizon for SEP-10's threshold
 * check. HorizonPort.loadAccount (rails/stellar/horizon.ts) does not return signers or thresholds
 * yet; until it does, this is the one read SEP-10 makes itself, with the same rules: an explicit
 * timeout, a response size cap, no redirects, and a typed outcome where a timeout or a 5xx is
 * `unknown` (answered 503, never folded into "the account does not exist").
 */
import { assert } from '../../domain/assert.js';

export interface AccountSigner {
  readonly key: string;
  readonly weight: number;
}

export type AccountSignersOutcome =
  | {
      readonly kind: 'found';
      /** ed25519 signers with weight > 0, the master key included when its weight is > 0. */
      readonly signers: readonly AccountSigner[];
      readonly mediumThreshold: number;
    }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unknown'; readonly cause: string };

export type LoadAccountSigners = (accountId: string) => Promise<AccountSignersOutcome>;

export interface HorizonSignersOptions {
  readonly url: URL;
  readonly network: 'public' | 'testnet' | 'sandbox';
  readonly timeoutMs: number;
}

/** An account has at most 20 signers plus its master key; a bigger answer is not Horizon's. */
const ACCOUNT_BYTES_MAX = 256 * 1024;
const SIGNERS_MAX = 21;
const WEIGHT_MAX = 255;

type JsonObject = Record<string, unknown>;
function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWeight(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= WEIGHT_MAX;
}

/** Parses Horizon's account record; null when any field we rely on is missing or out of range. */
export function parseAccountSigners(data: unknown): AccountSignersOutcome | null {
  if (!isObject(data) || !isObject(data['thresholds']) || !Array.isArray(data['signers'])) return null;
  const medium = data['thresholds']['med_threshold'];
  if (!isWeight(medium) || data['signers'].length > SIGNERS_MAX) return null;
  const signers: AccountSigner[] = [];
  for (const entry of data['signers'] as unknown[]) {
    if (!isObject(entry)) return null;
    const { key, weight, type } = entry;
    if (typeof key !== 'string' || !isWeight(weight)) return null;
    // Only ed25519 keys can sign a challenge; pre-auth and hash-x signers cannot.
    if (type === 'ed25519_public_key' && weight > 0) signers.push({ key, weight });
  }
  return { kind: 'found', signers, mediumThreshold: medium };
}

/** The body as text, or null (and the stream cancelled) once it exceeds `bytesMax`. */
async function readCapped(response: Response, bytesMax: number): Promise<string | null> {
  if (Number(response.headers.get('content-length') ?? '0') > bytesMax) {
    await response.body?.cancel();
    return null;
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    // Leaving the loop early cancels the stream (the async iterator's return()).
    if (size > bytesMax) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function horizonAccountSigners(options: HorizonSignersOptions): LoadAccountSigners {
  assert(options.timeoutMs > 0, 'Horizon timeout must be positive');
  assert(
    options.network !== 'public' || options.url.protocol === 'https:',
    'public network Horizon must use https',
  );
  return async (accountId) => {
    const url = new URL(options.url.toString());
    url.pathname = `${url.pathname.replace(/\/$/, '')}/accounts/${encodeURIComponent(accountId)}`;
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/hal+json, application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const capped = await readCapped(response, ACCOUNT_BYTES_MAX);
      if (capped === null) return { kind: 'unknown', cause: 'account record from Horizon is too large' };
      body = capped;
    } catch (error) {
      return {
        kind: 'unknown',
        cause: error instanceof Error ? `${error.name}: ${error.message}` : 'failed',
      };
    }
    if (response.status === 404) return { kind: 'not_found' };
    if (response.status !== 200)
      return { kind: 'unknown', cause: `Horizon answered HTTP ${response.status}` };
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch {
      return { kind: 'unknown', cause: 'unreadable account record from Horizon' };
    }
    return parseAccountSigners(data) ?? { kind: 'unknown', cause: 'unreadable account record from Horizon' };
  };
}
