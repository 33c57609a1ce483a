/**
 * Where market prices come from. A source answers the price of one currency pair — counter units
 * per one base unit (NGN per USDC) as an exact rational — with the time it was observed, or says
 * why it cannot. Two real things stand behind it: a fixed rate from settings and an HTTP feed.
 *
 * "No price older than the limit is ever quoted": `checkFresh` is the one place the age rule lives,
 * applied by the feed and again by whoever quotes, whatever the source.
 */
import type { Rate } from '../../domain/money.js';

export interface CurrencyPair {
  /** One unit of this is priced… */
  readonly base: string;
  /** …in units of this. */
  readonly counter: string;
}

export function pairKey(pair: CurrencyPair): string {
  return `${pair.base}/${pair.counter}`;
}

export type UnavailableReason =
  'unsupported_pair' | 'stale' | 'timeout' | 'unreachable' | 'http_status' | 'malformed';

export type PriceObservation =
  | { readonly ok: true; readonly rate: Rate; readonly observedAt: Date; readonly source: string }
  | { readonly ok: false; readonly reason: UnavailableReason; readonly detail: string };

export interface RateSource {
  readonly name: string;
  /** Never throws for an operating failure: an unreachable or stale source is `{ ok: false }`. */
  price(pair: CurrencyPair, now: Date): Promise<PriceObservation>;
}

/** A source clock running this far ahead of ours is tolerated; more would stretch the age limit. */
export const CLOCK_SKEW_MS_MAX = 5000;

export function checkFresh(observation: PriceObservation, now: Date, maxAgeMs: number): PriceObservation {
  if (!observation.ok) return observation;
  const ageMs = now.getTime() - observation.observedAt.getTime();
  if (ageMs > maxAgeMs) {
    return {
      ok: false,
      reason: 'stale',
      detail: `price observed ${Math.round(ageMs / 1000)} s ago, limit ${Math.round(maxAgeMs / 1000)} s`,
    };
  }
  if (ageMs < -CLOCK_SKEW_MS_MAX) {
    return { ok: false, reason: 'malformed', detail: 'price timestamp lies in the future' };
  }
  return observation;
}
