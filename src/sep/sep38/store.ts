/**
 * Firm quotes in PostgreSQL (the record) and the key-value store (a read cache for GET /quote/:id).
 * The database is the only authority on whether a quote may still be used: `consumeQuote` marks it
 * used with one conditional update — unused, unexpired, same account — so two flows racing for one
 * quote cannot both win, whatever the cache says.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Logger } from '../../platform/logger.js';
import { assert } from '../../domain/assert.js';
import type { Rate } from '../../domain/money.js';
import type { Tables, QuotesTable } from '../../platform/db/schema.js';
import type { KvStore } from '../../platform/kv/kv-store.js';

export type QuoteContext = 'sep6' | 'sep24' | 'sep31';

export interface StoredFeeDetail {
  readonly name: string;
  readonly description: string;
  readonly amountMinor: bigint;
}

export interface NewQuote {
  /** The SEP-10 `sub` the quote is bound to. */
  readonly account: string;
  readonly context: QuoteContext;
  readonly sellAsset: string;
  readonly sellAmountMinor: bigint;
  readonly sellDecimals: number;
  readonly sellDeliveryMethod: string | null;
  readonly buyAsset: string;
  readonly buyAmountMinor: bigint;
  readonly buyDecimals: number;
  readonly buyDeliveryMethod: string | null;
  readonly countryCode: string | null;
  readonly price: Rate;
  readonly priceText: string;
  readonly totalPriceText: string;
  readonly marketRate: Rate;
  readonly spreadBps: number;
  readonly rateSource: string;
  readonly rateObservedAt: Date;
  readonly feeAsset: string;
  readonly feeTotalMinor: bigint;
  readonly feeDecimals: number;
  readonly feeDetails: readonly StoredFeeDetail[];
  readonly expiresAt: Date;
  readonly createdAt: Date;
}

export interface Quote extends NewQuote {
  readonly id: string;
  readonly usedAt: Date | null;
  readonly usedByTransactionId: string | null;
}

export type QuoteRefusal = 'not_found' | 'expired' | 'used' | 'wrong_account';
export type ConsumeResult = { ok: true; quote: Quote } | { ok: false; refusal: QuoteRefusal };

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isQuoteId(id: string): boolean {
  return UUID_PATTERN.test(id);
}

interface FeeDetailJson {
  name: string;
  description: string;
  amount_minor: string;
}

function toRow(quote: NewQuote) {
  return {
    account: quote.account,
    context: quote.context,
    sell_asset: quote.sellAsset,
    sell_amount_minor: quote.sellAmountMinor.toString(),
    sell_decimals: quote.sellDecimals,
    sell_delivery_method: quote.sellDeliveryMethod,
    buy_asset: quote.buyAsset,
    buy_amount_minor: quote.buyAmountMinor.toString(),
    buy_decimals: quote.buyDecimals,
    buy_delivery_method: quote.buyDeliveryMethod,
    country_code: quote.countryCode,
    price_numerator: quote.price.numerator.toString(),
    price_denominator: quote.price.denominator.toString(),
    price: quote.priceText,
    total_price: quote.totalPriceText,
    market_rate_numerator: quote.marketRate.numerator.toString(),
    market_rate_denominator: quote.marketRate.denominator.toString(),
    spread_bps: quote.spreadBps,
    rate_source: quote.rateSource,
    rate_observed_at: quote.rateObservedAt,
    fee_asset: quote.feeAsset,
    fee_total_minor: quote.feeTotalMinor.toString(),
    fee_decimals: quote.feeDecimals,
    fee_details: JSON.stringify(
      quote.feeDetails.map((d): FeeDetailJson => ({
        name: d.name,
        description: d.description,
        amount_minor: d.amountMinor.toString(),
      })),
    ),
    expires_at: quote.expiresAt,
    created_at: quote.createdAt,
  };
}

function readFeeDetails(value: unknown): StoredFeeDetail[] {
  // PGlite and pg both hand jsonb back parsed; a string would mean a driver change.
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  assert(Array.isArray(parsed), 'quotes.fee_details is an array');
  return parsed.map((item: FeeDetailJson) => ({
    name: item.name,
    description: item.description,
    amountMinor: BigInt(item.amount_minor),
  }));
}

function fromRow(row: Selectable<QuotesTable>): Quote {
  return {
    id: row.id,
    account: row.account,
    context: row.context,
    sellAsset: row.sell_asset,
    sellAmountMinor: BigInt(row.sell_amount_minor),
    sellDecimals: row.sell_decimals,
    sellDeliveryMethod: row.sell_delivery_method,
    buyAsset: row.buy_asset,
    buyAmountMinor: BigInt(row.buy_amount_minor),
    buyDecimals: row.buy_decimals,
    buyDeliveryMethod: row.buy_delivery_method,
    countryCode: row.country_code,
    price: { numerator: BigInt(row.price_numerator), denominator: BigInt(row.price_denominator) },
    priceText: row.price,
    totalPriceText: row.total_price,
    marketRate: {
      numerator: BigInt(row.market_rate_numerator),
      denominator: BigInt(row.market_rate_denominator),
    },
    spreadBps: row.spread_bps,
    rateSource: row.rate_source,
    rateObservedAt: new Date(row.rate_observed_at),
    feeAsset: row.fee_asset,
    feeTotalMinor: BigInt(row.fee_total_minor),
    feeDecimals: row.fee_decimals,
    feeDetails: readFeeDetails(row.fee_details),
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
    usedAt: row.used_at === null ? null : new Date(row.used_at),
    usedByTransactionId: row.used_by_transaction_id,
  };
}

export async function insertQuote(db: Kysely<Tables>, quote: NewQuote): Promise<Quote> {
  assert(quote.expiresAt.getTime() > quote.createdAt.getTime(), 'a quote expires after it is made');
  const row = await db.insertInto('quotes').values(toRow(quote)).returningAll().executeTakeFirstOrThrow();
  return fromRow(row);
}

export async function findQuote(db: Kysely<Tables>, id: string): Promise<Quote | undefined> {
  if (!isQuoteId(id)) return undefined;
  const row = await db.selectFrom('quotes').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

export interface ConsumeQuoteInput {
  readonly quoteId: string;
  /** The SEP-10 `sub` of the caller: a quote is used only by the account it was made for. */
  readonly account: string;
  readonly now: Date;
  readonly transactionId?: string;
}

/**
 * Marks a quote used, atomically: one conditional update that succeeds only while the quote is
 * unused, unexpired (`expires_at > now`) and bound to `account`. Run it inside the transaction that
 * creates the deposit or withdrawal, so the quote is used exactly when the flow commits. On refusal
 * the reason is read back for the caller — a wallet should see `wrong_account` as "not found".
 */
export async function consumeQuote(trx: Kysely<Tables>, input: ConsumeQuoteInput): Promise<ConsumeResult> {
  if (!isQuoteId(input.quoteId)) return { ok: false, refusal: 'not_found' };
  const updated = await trx
    .updateTable('quotes')
    .set({ used_at: input.now, used_by_transaction_id: input.transactionId ?? null })
    .where('id', '=', input.quoteId)
    .where('account', '=', input.account)
    .where('used_at', 'is', null)
    .where('expires_at', '>', input.now)
    .returningAll()
    .executeTakeFirst();
  if (updated !== undefined) return { ok: true, quote: fromRow(updated) };
  const current = await trx
    .selectFrom('quotes')
    .select(['account', 'used_at', 'expires_at'])
    .where('id', '=', input.quoteId)
    .executeTakeFirst();
  if (current === undefined) return { ok: false, refusal: 'not_found' };
  if (current.account !== input.account) return { ok: false, refusal: 'wrong_account' };
  if (current.used_at !== null) return { ok: false, refusal: 'used' };
  return { ok: false, refusal: 'expired' };
}

/** The cache never outlives this, whatever the quote's lifetime: GET /quote stays cheap, not eternal. */
export const QUOTE_CACHE_TTL_MS_MAX = 60 * 60 * 1000;
const cacheKey = (id: string): string => `sep38:quote:${id.toLowerCase()}`;

/** What GET /quote/:id needs: the account it is bound to and the body as first answered (all text). */
export interface CachedQuote<Body> {
  readonly account: string;
  readonly body: Body;
}

/**
 * Caches a quote's immutable answer for GET /quote/:id. Best effort: a store that is down or full
 * costs a database read, never a failed request. Use is never decided from the cache.
 */
export async function cacheQuote<Body>(
  kv: KvStore,
  id: string,
  entry: CachedQuote<Body>,
  ttlMs: number,
  logger: Logger,
): Promise<void> {
  const boundedMs = Math.min(QUOTE_CACHE_TTL_MS_MAX, Math.max(1000, ttlMs));
  try {
    await kv.set(cacheKey(id), JSON.stringify(entry), boundedMs);
  } catch (error) {
    logger.warn({ err: error, quoteId: id }, 'quote not cached');
  }
}

export async function cachedQuote<Body>(
  kv: KvStore,
  id: string,
  logger: Logger,
): Promise<CachedQuote<Body> | undefined> {
  if (!isQuoteId(id)) return undefined;
  try {
    const text = await kv.get(cacheKey(id));
    return text === null ? undefined : (JSON.parse(text) as CachedQuote<Body>);
  } catch (error) {
    logger.warn({ err: error, quoteId: id }, 'quote cache unavailable');
    return undefined;
  }
}
