export { sep38, quoteBody, expiryFor } from './plugin.js';
export {
  consumeQuote,
  findQuote,
  type ConsumeQuoteInput,
  type ConsumeResult,
  type Quote,
  type QuoteRefusal,
} from './store.js';
