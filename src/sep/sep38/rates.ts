/** The rate source SEP-38 prices the market pair with, as configured. */
import type { Config } from '../../config/index.js';
import { settings } from '../../config/index.js';
import { assert } from '../../domain/assert.js';
import { parseRate } from '../../domain/money.js';
import { OperatorError } from '../../platform/operator-error.js';
import type { Logger } from '../../platform/logger.js';
import { fixedRateSource, priceFeedSource, type RateSource } from '../../rails/rates/index.js';
import { USDC_NGN } from './catalog.js';

export function rateSourceFor(config: Config, logger: Logger): RateSource {
  if (config.sep38RateSource === 'feed') {
    if (config.sep38RateFeedUrl === undefined)
      throw new OperatorError(`${settings.sep38RateSource.env}=feed needs ${settings.sep38RateFeedUrl.env}`);
    return priceFeedSource({
      url: config.sep38RateFeedUrl,
      pair: USDC_NGN,
      timeoutMs: config.sep38RateFeedTimeoutMs,
      maxAgeMs: config.sep38RateMaxAgeSeconds * 1000,
      cacheMs: config.sep38RateFeedCacheMs,
      logger,
    });
  }
  if (config.sep38UsdcNgnRate === undefined) return fixedRateSource([]);
  const parsed = parseRate(config.sep38UsdcNgnRate);
  assert(parsed.ok, 'SEP38_USDC_NGN_RATE passed validation but does not parse');
  return fixedRateSource([{ pair: USDC_NGN, rate: parsed.rate }]);
}
