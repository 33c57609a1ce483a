/**
 * From a SEP-38 request to priced figures: which pair and direction, which amount was given (parsed
 * exactly at the asset's precision), limits, delivery methods and country, the current rate (never
 * older than the age limit) and the quote math. Refusals are `HttpError`s with SEP-38's statuses:
 * 400 for anything about the request, 503 when no current price exists.
 */
import { assert } from '../../domain/assert.js';
import type { FeeBreakdown, FeeComponent } from '../../domain/fees.js';
import { formatAmount, parseAmount, type Rate } from '../../domain/money.js';
import {
  PRICE_DECIMALS,
  checkLimits,
  computeQuote,
  formatRate,
  type GivenAmount,
  type QuoteDirection,
  type QuoteFigures,
} from '../../domain/quotes.js';
import { checkFresh, pairKey, type RateSource } from '../../rails/rates/index.js';
import { HttpError } from '../../platform/http/errors.js';
import {
  findPair,
  findQuotedAsset,
  type Catalog,
  type DeliveryMethod,
  type QuotePair,
  type QuotedAsset,
} from './catalog.js';

export interface PriceRequest {
  readonly sell_asset: string;
  readonly buy_asset: string;
  readonly sell_amount?: string | undefined;
  readonly buy_amount?: string | undefined;
  readonly sell_delivery_method?: string | undefined;
  readonly buy_delivery_method?: string | undefined;
  readonly country_code?: string | undefined;
}

/** A request understood: the pair, its direction and the one amount given, in minor units. */
export interface ReadRequest {
  readonly pair: QuotePair;
  readonly direction: QuoteDirection;
  readonly sell: QuotedAsset;
  readonly buy: QuotedAsset;
  readonly given: GivenAmount;
  readonly sellDeliveryMethod: string | undefined;
  readonly buyDeliveryMethod: string | undefined;
  readonly countryCode: string | undefined;
}

export interface MarketPrice {
  readonly rate: Rate;
  readonly observedAt: Date;
  readonly source: string;
}

export interface Priced {
  readonly request: ReadRequest;
  readonly figures: QuoteFigures;
  readonly market: MarketPrice;
}

export interface FeeDetail {
  readonly name: string;
  readonly description: string;
  readonly amountMinor: bigint;
}

const invalid = (message: string): HttpError => new HttpError(400, 'invalid_request', message);

/** Exactly one amount, on the side of the matching asset, parsed at that asset's precision. */
export function readAmount(field: 'sell_amount' | 'buy_amount', text: string, asset: QuotedAsset): bigint {
  const parsed = parseAmount(text, asset.decimals);
  if (!parsed.ok) throw invalid(`${field}: ${parsed.error}`);
  return parsed.minor;
}

/** Refuses an amount outside the asset's limits, naming the field and the limit. */
export function requireWithinLimits(
  field: 'sell_amount' | 'buy_amount',
  amountMinor: bigint,
  asset: QuotedAsset,
): void {
  const check = checkLimits(amountMinor, asset.limits);
  if (check === 'below_min')
    throw invalid(
      `${field}: below the minimum of ${formatAmount(asset.limits.minMinor, asset.decimals)} ${asset.id}`,
    );
  if (check === 'above_max')
    throw invalid(
      `${field}: above the maximum of ${formatAmount(asset.limits.maxMinor, asset.decimals)} ${asset.id}`,
    );
}

function requireMethod(
  field: 'sell_delivery_method' | 'buy_delivery_method',
  value: string | undefined,
  offered: readonly DeliveryMethod[] | undefined,
  firm: boolean,
): void {
  if (offered === undefined) {
    if (value !== undefined) throw invalid(`${field}: only applies to the off-chain asset`);
    return;
  }
  if (value === undefined) {
    // SEP-38 POST /quote: required unless at most one method is offered.
    if (firm && offered.length > 1)
      throw invalid(`${field}: required, one of ${offered.map((m) => m.name).join(', ')}`);
    return;
  }
  if (!offered.some((m) => m.name === value))
    throw invalid(`${field}: "${value}" is not offered; one of ${offered.map((m) => m.name).join(', ')}`);
}

/** ISO 3166-1 alpha-2 as listed, or an ISO 3166-2 subdivision of it (`NG-LA`). */
function requireCountry(countryCode: string | undefined, offered: readonly string[]): void {
  if (countryCode === undefined) return;
  const country = countryCode.toUpperCase().split('-')[0] ?? '';
  if (!/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/i.test(countryCode) || !offered.includes(country))
    throw invalid(`country_code: "${countryCode}" is not served; one of ${offered.join(', ')}`);
}

function requireAsset(field: 'sell_asset' | 'buy_asset', catalog: Catalog, id: string): QuotedAsset {
  const asset = findQuotedAsset(catalog, id);
  if (asset === undefined) throw invalid(`${field}: ${id} is not supported; see GET /info`);
  return asset;
}

function pairOf(
  catalog: Catalog,
  sell: QuotedAsset,
  buy: QuotedAsset,
): { pair: QuotePair; direction: QuoteDirection } {
  const fiatId = catalog.fiat.id;
  const direction: QuoteDirection | undefined =
    sell.id === fiatId && buy.id !== fiatId
      ? 'deposit'
      : buy.id === fiatId && sell.id !== fiatId
        ? 'withdrawal'
        : undefined;
  const pair =
    direction === undefined ? undefined : findPair(catalog, direction === 'deposit' ? buy.id : sell.id);
  if (pair === undefined || direction === undefined)
    throw invalid(`no pair ${sell.id} → ${buy.id}; see GET /prices for what can be exchanged`);
  return { pair, direction };
}

export function readPriceRequest(catalog: Catalog, query: PriceRequest, firm: boolean): ReadRequest {
  const sell = requireAsset('sell_asset', catalog, query.sell_asset);
  const buy = requireAsset('buy_asset', catalog, query.buy_asset);
  const { pair, direction } = pairOf(catalog, sell, buy);
  const hasSell = query.sell_amount !== undefined;
  const hasBuy = query.buy_amount !== undefined;
  if (hasSell === hasBuy) throw invalid('give exactly one of sell_amount and buy_amount');
  const given: GivenAmount =
    query.sell_amount !== undefined
      ? { side: 'sell', amountMinor: readAmount('sell_amount', query.sell_amount, sell) }
      : { side: 'buy', amountMinor: readAmount('buy_amount', query.buy_amount ?? '', buy) };
  requireWithinLimits(
    given.side === 'sell' ? 'sell_amount' : 'buy_amount',
    given.amountMinor,
    given.side === 'sell' ? sell : buy,
  );
  const fiatSells = direction === 'deposit';
  requireMethod(
    'sell_delivery_method',
    query.sell_delivery_method,
    fiatSells ? pair.fiat.sellDeliveryMethods : undefined,
    firm,
  );
  requireMethod(
    'buy_delivery_method',
    query.buy_delivery_method,
    fiatSells ? undefined : pair.fiat.buyDeliveryMethods,
    firm,
  );
  requireCountry(query.country_code, pair.fiat.countryCodes);
  return {
    pair,
    direction,
    sell,
    buy,
    given,
    sellDeliveryMethod: query.sell_delivery_method,
    buyDeliveryMethod: query.buy_delivery_method,
    countryCode: query.country_code?.toUpperCase(),
  };
}

/** The pair's current market price, or why there is none (the age limit applied here too). */
export async function marketPrice(
  pair: QuotePair,
  rates: RateSource,
  now: Date,
  maxAgeMs: number,
): Promise<{ ok: true; market: MarketPrice } | { ok: false; detail: string }> {
  if (pair.pricing.kind === 'par')
    return { ok: true, market: { rate: { numerator: 1n, denominator: 1n }, observedAt: now, source: 'par' } };
  const observation = checkFresh(await rates.price(pair.pricing.pair, now), now, maxAgeMs);
  if (!observation.ok) return { ok: false, detail: `${pairKey(pair.pricing.pair)}: ${observation.reason}` };
  return {
    ok: true,
    market: { rate: observation.rate, observedAt: observation.observedAt, source: observation.source },
  };
}

export type PriceOutcome = { ok: true; priced: Priced } | { ok: false; status: 400 | 503; message: string };

/** Figures for a request at a market price, with the counter amount checked against its limits. */
export function priceAt(request: ReadRequest, market: MarketPrice): PriceOutcome {
  const { pair, direction } = request;
  const outcome = computeQuote(
    {
      direction,
      marketRate: market.rate,
      spreadBps: pair.spreadBps,
      fiatDecimals: pair.fiat.decimals,
      stellarDecimals: pair.stellar.decimals,
      fee: direction === 'deposit' ? pair.fees.deposit : pair.fees.withdrawal,
    },
    request.given,
  );
  if (!outcome.ok) return { ok: false, status: 400, message: 'amount is too small to cover the fee' };
  const counter = request.given.side === 'sell' ? request.buy : request.sell;
  const counterMinor = request.given.side === 'sell' ? outcome.figures.buyMinor : outcome.figures.sellMinor;
  const check = checkLimits(counterMinor, counter.limits);
  if (check !== 'within') {
    const field = request.given.side === 'sell' ? 'buy_amount' : 'sell_amount';
    const [word, limit] =
      check === 'below_min'
        ? ['below the minimum', counter.limits.minMinor]
        : ['above the maximum', counter.limits.maxMinor];
    return {
      ok: false,
      status: 400,
      message: `${field}: the resulting ${formatAmount(counterMinor, counter.decimals)} is ${word} of ${formatAmount(limit, counter.decimals)} ${counter.id}`,
    };
  }
  return { ok: true, priced: { request, figures: outcome.figures, market } };
}

/** Prices a request or throws the refusal (400 invalid, 503 no current price). */
export async function priceRequest(
  request: ReadRequest,
  rates: RateSource,
  now: Date,
  maxAgeMs: number,
): Promise<Priced> {
  const market = await marketPrice(request.pair, rates, now, maxAgeMs);
  if (!market.ok)
    throw new HttpError(
      503,
      'price_unavailable',
      `no current price for ${request.sell.id} → ${request.buy.id}; try again later`,
    );
  const outcome = priceAt(request, market.market);
  if (!outcome.ok) throw new HttpError(outcome.status, 'invalid_request', outcome.message);
  return outcome.priced;
}

function percentText(bps: number): string {
  return `${formatRate({ numerator: BigInt(bps), denominator: 100n }, 2, 'half-even')}%`;
}

/** The fee's parts in SEP-38's words; their amounts add up to the total. */
export function feeDetails(fee: FeeBreakdown, pair: QuotePair, direction: QuoteDirection): FeeDetail[] {
  const schedule = direction === 'deposit' ? pair.fees.deposit : pair.fees.withdrawal;
  const describe = (c: FeeComponent): FeeDetail => {
    switch (c.kind) {
      case 'fixed':
        return {
          name: 'Fixed fee',
          description: 'Flat part of the service fee (covers Paystack processing).',
          amountMinor: c.amountMinor,
        };
      case 'percentage':
        return {
          name: 'Service fee',
          description: `${percentText(schedule.bps)} of the naira amount.`,
          amountMinor: c.amountMinor,
        };
      case 'minimum':
        return {
          name: 'Service fee (minimum)',
          description: 'The minimum service fee applies at this amount.',
          amountMinor: c.amountMinor,
        };
      case 'maximum':
        return {
          name: 'Service fee (capped)',
          description: 'The maximum service fee applies at this amount.',
          amountMinor: c.amountMinor,
        };
      case 'amount_cap':
        return {
          name: 'Service fee',
          description: 'The fee takes the whole amount.',
          amountMinor: c.amountMinor,
        };
    }
  };
  const details = fee.components.map(describe);
  assert(
    details.reduce((sum, d) => sum + d.amountMinor, 0n) === fee.totalMinor,
    'fee details add up to the total',
  );
  return details;
}

/** Longest price text: 18 fraction digits, like the rates we read. */
const PRICE_FRACTION_DIGITS_MAX = 18;

/**
 * Prices as shown, with PRICE_DECIMALS significant fraction digits after any leading zeros (so
 * 0.00067… keeps its precision as well as 1540.88… does), rounded up (ceil): the price a customer
 * reads is never below the real one. The stored rational stays exact.
 */
export function priceText(rate: Rate): string {
  let leadingZeros = 0;
  while (
    leadingZeros < PRICE_FRACTION_DIGITS_MAX - PRICE_DECIMALS &&
    rate.numerator * 10n ** BigInt(leadingZeros + 1) < rate.denominator
  )
    leadingZeros += 1;
  return formatRate(rate, PRICE_DECIMALS + leadingZeros, 'ceil');
}
