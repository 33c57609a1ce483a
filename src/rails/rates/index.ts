export { checkFresh, pairKey, type CurrencyPair, type PriceObservation, type RateSource } from './source.js';
export { fixedRateSource } from './fixed.js';
export { priceFeedSource, readPriceDocument, FEED_BODY_BYTES_MAX, type PriceFeedOptions } from './feed.js';
