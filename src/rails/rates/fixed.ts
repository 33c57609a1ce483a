/** A fixed rate per pair, from settings: always fresh (observed "now"), never unavailable for its pairs. */
import type { Rate } from '../../domain/money.js';
import { pairKey, type CurrencyPair, type PriceObservation, type RateSource } from './source.js';

export function fixedRateSource(rates: readonly { pair: CurrencyPair; rate: Rate }[]): RateSource {
  const byPair = new Map(rates.map(({ pair, rate }) => [pairKey(pair), rate]));
  return {
    name: 'fixed',
    price(pair: CurrencyPair, now: Date): Promise<PriceObservation> {
      const rate = byPair.get(pairKey(pair));
      if (rate === undefined) {
        return Promise.resolve({
          ok: false,
          reason: 'unsupported_pair',
          detail: `no fixed rate for ${pairKey(pair)}`,
        });
      }
      return Promise.resolve({ ok: true, rate, observedAt: now, source: 'fixed' });
    },
  };
}
