/**
 * A market price over HTTP. `GET <SEP38_RATE_FEED_URL>` must answer 200 with a JSON document:
 *
 *   { "pair": "USDC/NGN", "price": "1530.25", "timestamp": "2025-05-01T12:00:00Z" }
 *
 * - `price` (required): counter units per one base unit (naira per USDC), mid-market, as a plain
 *   decimal *string* ("1530.25"), positive, at most 18 fraction digits. A JSON number is refused:
 *   binary floating point cannot carry a price exactly.
 * - `timestamp` (required): when the source observed the price, ISO 8601 with seconds and an
 *   explicit zone (`Z` or `±hh:mm`).
 * - `pair` (optional): `BASE/COUNTER`; when present it must name the pair this feed prices.
 *
 * Every call has an explicit timeout; the body is read up to a size limit; a price older than the
 * age limit (or stamped in the future) is never returned as a price. Answers are kept for
 * `cacheMs` so a burst of /prices requests makes one call — and concurrent callers share it —
 * while the age rule is applied to the kept answer at every use.
 */
import type { Logger } from '../../platform/logger.js';
import { assert } from '../../domain/assert.js';
import { parseRate } from '../../domain/money.js';
import { checkFresh, pairKey, type CurrencyPair, type PriceObservation, type RateSource } from './source.js';

/** A price document is a few dozen bytes; anything this large is not one. */
export const FEED_BODY_BYTES_MAX = 16 * 1024;
/** The feed is asked at most this long, whatever the configuration says. */
export const FEED_TIMEOUT_MS_MAX = 30_000;

export interface PriceFeedOptions {
  readonly url: URL;
  readonly pair: CurrencyPair;
  readonly timeoutMs: number;
  readonly maxAgeMs: number;
  /** 0: ask the feed at every use. */
  readonly cacheMs: number;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

type Fetched = { ok: true; price: string; timestamp: Date } | Extract<PriceObservation, { ok: false }>;

async function readLimited(response: Response): Promise<string | null> {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > FEED_BODY_BYTES_MAX) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Checks the document's shape; returns the fields or what is wrong with them. */
export function readPriceDocument(text: string, pair: CurrencyPair): Fetched {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'malformed', detail: 'feed body is not JSON' };
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return { ok: false, reason: 'malformed', detail: 'feed body is not a JSON object' };
  const fields = document as Record<string, unknown>;
  const { price, timestamp } = fields;
  if (fields['pair'] !== undefined && fields['pair'] !== pairKey(pair))
    return {
      ok: false,
      reason: 'malformed',
      detail: `feed prices ${JSON.stringify(fields['pair'])}, not ${pairKey(pair)}`,
    };
  if (typeof price !== 'string')
    return { ok: false, reason: 'malformed', detail: 'price must be a decimal string such as "1530.25"' };
  if (typeof timestamp !== 'string' || !TIMESTAMP_PATTERN.test(timestamp))
    return { ok: false, reason: 'malformed', detail: 'timestamp must be ISO 8601 with seconds and a zone' };
  const observedAtMs = Date.parse(timestamp);
  if (!Number.isFinite(observedAtMs))
    return { ok: false, reason: 'malformed', detail: 'timestamp is not a real date' };
  return { ok: true, price, timestamp: new Date(observedAtMs) };
}

async function fetchDocument(options: PriceFeedOptions): Promise<Fetched> {
  const timeoutMs = Math.min(options.timeoutMs, FEED_TIMEOUT_MS_MAX);
  const fetchImpl = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetchImpl(options.url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      // A redirect is answered as its own status, never followed: the feed URL is the one configured.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    if (timedOut) return { ok: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms` };
    return {
      ok: false,
      reason: 'unreachable',
      detail: error instanceof Error ? error.message : 'fetch failed',
    };
  }
  try {
    if (response.status !== 200) {
      await response.body?.cancel();
      return { ok: false, reason: 'http_status', detail: `feed answered HTTP ${response.status}` };
    }
    const text = await readLimited(response);
    if (text === null)
      return { ok: false, reason: 'malformed', detail: `feed body exceeds ${FEED_BODY_BYTES_MAX} bytes` };
    return readPriceDocument(text, options.pair);
  } catch (error) {
    // The timeout also covers reading the body: a feed that stalls mid-body is a timeout.
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    if (timedOut) return { ok: false, reason: 'timeout', detail: `body not read within ${timeoutMs} ms` };
    return {
      ok: false,
      reason: 'unreachable',
      detail: error instanceof Error ? error.message : 'read failed',
    };
  }
}

function toObservation(fetched: Fetched, source: string): PriceObservation {
  if (!fetched.ok) return fetched;
  const parsed = parseRate(fetched.price);
  if (!parsed.ok) return { ok: false, reason: 'malformed', detail: `price: ${parsed.error}` };
  return { ok: true, rate: parsed.rate, observedAt: fetched.timestamp, source };
}

export function priceFeedSource(options: PriceFeedOptions): RateSource {
  assert(options.timeoutMs > 0, 'a feed call needs a positive timeout');
  assert(options.maxAgeMs > 0 && options.cacheMs >= 0, 'feed limits must be positive');
  const name = `feed ${options.url.origin}`;
  const log = options.logger.child({ component: 'rate-feed', pair: pairKey(options.pair) });
  let kept: { atMs: number; observation: PriceObservation } | undefined;
  let inflight: Promise<PriceObservation> | undefined;

  async function refresh(nowMs: number): Promise<PriceObservation> {
    const observation = toObservation(await fetchDocument(options), name);
    if (!observation.ok)
      log.warn({ reason: observation.reason, detail: observation.detail }, 'price feed unavailable');
    kept = { atMs: nowMs, observation };
    return observation;
  }

  return {
    name,
    async price(pair: CurrencyPair, now: Date): Promise<PriceObservation> {
      if (pairKey(pair) !== pairKey(options.pair))
        return { ok: false, reason: 'unsupported_pair', detail: `feed prices only ${pairKey(options.pair)}` };
      const nowMs = now.getTime();
      let observation: PriceObservation;
      if (kept !== undefined && nowMs - kept.atMs >= 0 && nowMs - kept.atMs < options.cacheMs) {
        observation = kept.observation;
      } else {
        inflight ??= refresh(nowMs).finally(() => {
          inflight = undefined;
        });
        observation = await inflight;
      }
      const fresh = checkFresh(observation, now, options.maxAgeMs);
      if (observation.ok && !fresh.ok)
        log.warn({ reason: fresh.reason, detail: fresh.detail }, 'price feed stale');
      return fresh;
    },
  };
}
