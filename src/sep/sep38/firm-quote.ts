/**
 * Making a firm quote: what SEP-38's `POST /quote` does and what the hosted SEP-24 pages do when a
 * customer buys a market asset (USDC) with naira. One function, so both price, store and cache a
 * quote exactly the same way: the request read and checked (pricing.ts), the expiry fixed, the
 * current rate applied, the quote stored bound to the SEP-10 subject, and its answer cached for
 * GET /quote/:id.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../../config/index.js';
import { formatAmount } from '../../domain/money.js';
import type { Tables } from '../../platform/db/schema.js';
import { HttpError } from '../../platform/http/errors.js';
import type { KvStore } from '../../platform/kv/kv-store.js';
import type { Logger } from '../../platform/logger.js';
import type { RateSource } from '../../rails/rates/index.js';
import type { Catalog } from './catalog.js';
import { feeDetails, priceRequest, priceText, readPriceRequest, type Priced } from './pricing.js';
import type { Fee, QuoteRequest, QuoteResponse } from './schemas.js';
import { cacheQuote, insertQuote, type NewQuote, type Quote } from './store.js';

/** Longest text accepted in `expire_after`; ISO 8601 with fraction and zone fits well within. */
const EXPIRE_AFTER_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;

export interface FirmQuoteDeps {
  readonly db: Kysely<Tables>;
  readonly kv: KvStore;
  readonly logger: Logger;
  readonly catalog: Catalog;
  readonly rates: RateSource;
  readonly config: Pick<
    Config,
    'sep38QuoteTtlSeconds' | 'sep38QuoteTtlMaxSeconds' | 'sep38RateMaxAgeSeconds'
  >;
}

export interface FirmQuoteInput {
  /** The SEP-10 `sub` the quote is bound to: only it may read or use the quote. */
  readonly account: string;
  readonly request: QuoteRequest;
  readonly now: Date;
}

export function feeBody(fee: {
  asset: string;
  totalMinor: bigint;
  decimals: number;
  details: Quote['feeDetails'];
}): Fee {
  const details = fee.details.map((d) => ({
    name: d.name,
    description: d.description,
    amount: formatAmount(d.amountMinor, fee.decimals),
  }));
  return {
    total: formatAmount(fee.totalMinor, fee.decimals),
    asset: fee.asset,
    ...(details.length > 0 ? { details } : {}),
  };
}

export function quoteBody(quote: Quote): QuoteResponse {
  return {
    id: quote.id,
    expires_at: quote.expiresAt.toISOString(),
    total_price: quote.totalPriceText,
    price: quote.priceText,
    sell_asset: quote.sellAsset,
    sell_amount: formatAmount(quote.sellAmountMinor, quote.sellDecimals),
    ...(quote.sellDeliveryMethod === null ? {} : { sell_delivery_method: quote.sellDeliveryMethod }),
    buy_asset: quote.buyAsset,
    buy_amount: formatAmount(quote.buyAmountMinor, quote.buyDecimals),
    ...(quote.buyDeliveryMethod === null ? {} : { buy_delivery_method: quote.buyDeliveryMethod }),
    fee: feeBody({
      asset: quote.feeAsset,
      totalMinor: quote.feeTotalMinor,
      decimals: quote.feeDecimals,
      details: quote.feeDetails,
    }),
  };
}

/**
 * When the quote expires: the configured lifetime, or the wallet's `expire_after` when later —
 * but never beyond the longest lifetime (SEP-38: 400 when the requested expiry cannot be given).
 */
export function expiryFor(
  expireAfter: string | undefined,
  now: Date,
  ttlSeconds: number,
  ttlMaxSeconds: number,
): Date {
  const standard = new Date(now.getTime() + ttlSeconds * 1000);
  if (expireAfter === undefined) return standard;
  if (!EXPIRE_AFTER_PATTERN.test(expireAfter))
    throw new HttpError(400, 'invalid_request', 'expire_after: must be a UTC ISO 8601 date and time');
  // SEP-38 asks for UTC; a time without a zone is read as UTC, not as the server's local time.
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(expireAfter);
  const requestedMs = Date.parse(hasZone ? expireAfter : `${expireAfter}Z`);
  if (!Number.isFinite(requestedMs))
    throw new HttpError(400, 'invalid_request', 'expire_after: not a real date and time');
  const latestMs = now.getTime() + ttlMaxSeconds * 1000;
  if (requestedMs > latestMs)
    throw new HttpError(
      400,
      'invalid_request',
      `expire_after: quotes last at most ${ttlMaxSeconds} s; ask for ${new Date(latestMs).toISOString()} or earlier`,
    );
  return requestedMs > standard.getTime() ? new Date(requestedMs) : standard;
}

function newQuote(
  priced: Priced,
  account: string,
  context: NewQuote['context'],
  now: Date,
  expiresAt: Date,
): NewQuote {
  const { request, figures, market } = priced;
  return {
    account,
    context,
    sellAsset: request.sell.id,
    sellAmountMinor: figures.sellMinor,
    sellDecimals: request.sell.decimals,
    sellDeliveryMethod: request.sellDeliveryMethod ?? null,
    buyAsset: request.buy.id,
    buyAmountMinor: figures.buyMinor,
    buyDecimals: request.buy.decimals,
    buyDeliveryMethod: request.buyDeliveryMethod ?? null,
    countryCode: request.countryCode ?? null,
    price: figures.price,
    priceText: priceText(figures.price),
    totalPriceText: priceText(figures.totalPrice),
    marketRate: market.rate,
    spreadBps: request.pair.spreadBps,
    rateSource: market.source,
    rateObservedAt: market.observedAt,
    feeAsset: request.pair.fiat.id,
    feeTotalMinor: figures.fee.totalMinor,
    feeDecimals: request.pair.fiat.decimals,
    feeDetails: feeDetails(figures.fee, request.pair, request.direction),
    expiresAt,
    createdAt: now,
  };
}

/**
 * Prices, stores and caches a firm quote for `account`. Refusals are `HttpError`s with SEP-38's
 * statuses (400 for the request, 503 when no current price exists); nothing is stored then.
 */
export async function createFirmQuote(deps: FirmQuoteDeps, input: FirmQuoteInput): Promise<Quote> {
  const { request, now } = input;
  const read = readPriceRequest(deps.catalog, request, true);
  const expiresAt = expiryFor(
    request.expire_after,
    now,
    deps.config.sep38QuoteTtlSeconds,
    deps.config.sep38QuoteTtlMaxSeconds,
  );
  const priced = await priceRequest(read, deps.rates, now, deps.config.sep38RateMaxAgeSeconds * 1000);
  const quote = await insertQuote(deps.db, newQuote(priced, input.account, request.context, now, expiresAt));
  await cacheQuote(
    deps.kv,
    quote.id,
    { account: quote.account, body: quoteBody(quote) },
    expiresAt.getTime() - now.getTime(),
    deps.logger,
  );
  return quote;
}
