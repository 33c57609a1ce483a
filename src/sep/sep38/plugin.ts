/**
 * SEP-38 (Anchor RFQ API), mounted under /sep38: GET /info, GET /prices, GET /price (indicative,
 * no authentication) and POST /quote, GET /quote/:id (firm, SEP-10). Firm quotes are stored in
 * PostgreSQL, cached in the key-value store, bound to the SEP-10 subject that asked for them, and
 * used once by the deposit and withdrawal flows through `consumeQuote` (./store.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { assert } from '../../domain/assert.js';
import { formatAmount } from '../../domain/money.js';
import { HttpError } from '../../platform/http/errors.js';
import type { SepContext } from '../context.js';
import { SEP10_SECURITY } from '../auth.js';
import { buildCatalog, type Catalog } from './catalog.js';
import { createFirmQuote, feeBody, quoteBody, type FirmQuoteDeps } from './firm-quote.js';
import {
  feeDetails,
  marketPrice,
  priceAt,
  priceRequest,
  priceText,
  readPriceRequest,
  type Priced,
} from './pricing.js';
import { rateSourceFor } from './rates.js';
import {
  ErrorRef,
  InfoResponse,
  PriceQuery,
  PriceResponse,
  PricesQuery,
  PricesResponse,
  QuoteParams,
  QuoteRequest,
  QuoteResponse,
  type Fee,
} from './schemas.js';
import { cacheQuote, cachedQuote, findQuote, isQuoteId } from './store.js';

// Moved to firm-quote.ts (shared with the hosted pages); still exported here for existing callers.
export { expiryFor, quoteBody } from './firm-quote.js';

/** The guard's 403 also carries SEP's `type`, which a plain ErrorBody would strip. */
const AuthError = Type.Object({
  error: Type.String(),
  code: Type.String(),
  type: Type.Optional(Type.String()),
});

function infoBody(catalog: Catalog): InfoResponse {
  const fiat = catalog.fiat;
  return {
    assets: [
      {
        asset: fiat.id,
        country_codes: [...fiat.countryCodes],
        ...(fiat.sellDeliveryMethods.length > 0
          ? { sell_delivery_methods: [...fiat.sellDeliveryMethods] }
          : {}),
        ...(fiat.buyDeliveryMethods.length > 0 ? { buy_delivery_methods: [...fiat.buyDeliveryMethods] } : {}),
      },
      ...catalog.stellarAssets.map((asset) => ({ asset: asset.id })),
    ],
  };
}

function pricedFee(priced: Priced): Fee {
  const { pair, direction } = priced.request;
  return feeBody({
    asset: pair.fiat.id,
    totalMinor: priced.figures.fee.totalMinor,
    decimals: pair.fiat.decimals,
    details: feeDetails(priced.figures.fee, pair, direction),
  });
}

function priceBody(priced: Priced): PriceResponse {
  const { figures, request } = priced;
  return {
    total_price: priceText(figures.totalPrice),
    price: priceText(figures.price),
    sell_amount: formatAmount(figures.sellMinor, request.sell.decimals),
    buy_amount: formatAmount(figures.buyMinor, request.buy.decimals),
    fee: pricedFee(priced),
  };
}

const notFound = (): HttpError => new HttpError(404, 'quote_not_found', 'quote not found');

export const sep38: FastifyPluginAsyncTypebox<SepContext> = async (app, ctx) => {
  const { config, runtime } = ctx;
  const catalog = buildCatalog(config);
  const logger = runtime.logger.child({ component: 'sep38' });
  const rates = rateSourceFor(config, logger);
  const maxAgeMs = config.sep38RateMaxAgeSeconds * 1000;
  const quoteDeps: FirmQuoteDeps = {
    db: runtime.database.db,
    kv: runtime.kv,
    logger,
    catalog,
    rates,
    config,
  };
  const tags = ['sep38'];

  app.get(
    '/info',
    { schema: { tags, summary: 'Assets available for exchange', response: { 200: InfoResponse } } },
    () => infoBody(catalog),
  );

  app.get(
    '/prices',
    {
      schema: {
        tags,
        summary: 'Indicative prices of every asset tradable against one asset and amount',
        querystring: PricesQuery,
        response: { 200: PricesResponse, 400: ErrorRef },
      },
    },
    async (request) => {
      const q = request.query;
      const bySell = q.sell_asset !== undefined;
      if (bySell === (q.buy_asset !== undefined))
        throw new HttpError(400, 'invalid_request', 'give exactly one of sell_asset and buy_asset');
      if (
        bySell
          ? q.sell_amount === undefined || q.buy_amount !== undefined
          : q.buy_amount === undefined || q.sell_amount !== undefined
      )
        throw new HttpError(
          400,
          'invalid_request',
          bySell
            ? 'sell_asset needs sell_amount (and no buy_amount)'
            : 'buy_asset needs buy_amount (and no sell_amount)',
        );
      const given = (bySell ? q.sell_asset : q.buy_asset) ?? '';
      const others =
        given === catalog.fiat.id
          ? catalog.stellarAssets
          : catalog.stellarAssets.some((a) => a.id === given)
            ? [catalog.fiat]
            : [];
      if (others.length === 0 && given !== catalog.fiat.id)
        throw new HttpError(
          400,
          'invalid_request',
          `${bySell ? 'sell_asset' : 'buy_asset'}: ${given} is not supported; see GET /info`,
        );
      const now = ctx.now();
      const listed: PricesResponse['buy_assets'] = [];
      for (const other of others) {
        // Request-level mistakes (amount, method, country) are the same for every pair: they throw 400.
        const read = readPriceRequest(
          catalog,
          { ...q, sell_asset: bySell ? given : other.id, buy_asset: bySell ? other.id : given },
          false,
        );
        const market = await marketPrice(read.pair, rates, now, maxAgeMs);
        if (!market.ok) continue; // no current price: the pair is not offered right now
        const outcome = priceAt(read, market.market);
        if (!outcome.ok) continue; // the counter amount is outside that asset's limits
        // The price of an asset in /prices is the all-in one for the given amount (fees included), as
        // SEP-38's examples show: what a wallet compares across anchors.
        listed.push({
          asset: other.id,
          price: priceText(outcome.priced.figures.totalPrice),
          decimals: other.decimals,
        });
      }
      return bySell ? { buy_assets: listed } : { sell_assets: listed };
    },
  );

  app.get(
    '/price',
    {
      schema: {
        tags,
        summary: 'Indicative price for one pair and amount',
        querystring: PriceQuery,
        response: { 200: PriceResponse, 400: ErrorRef, 503: ErrorRef },
      },
    },
    async (request) => {
      const read = readPriceRequest(catalog, request.query, false);
      return priceBody(await priceRequest(read, rates, ctx.now(), maxAgeMs));
    },
  );

  app.post(
    '/quote',
    {
      preHandler: ctx.requireSep10,
      schema: {
        security: [...SEP10_SECURITY],
        tags,
        summary: 'Firm quote, bound to the authenticated account (SEP-10)',
        body: QuoteRequest,
        response: { 201: QuoteResponse, 400: ErrorRef, 403: AuthError, 503: ErrorRef },
      },
    },
    async (request, reply) => {
      const identity = request.sep10;
      assert(identity !== undefined, 'requireSep10 runs before POST /quote');
      const quote = await createFirmQuote(quoteDeps, {
        account: identity.sub,
        request: request.body,
        now: ctx.now(),
      });
      request.log.info(
        { quoteId: quote.id, sellAsset: quote.sellAsset, buyAsset: quote.buyAsset },
        'firm quote created',
      );
      return reply.code(201).send(quoteBody(quote));
    },
  );

  app.get(
    '/quote/:id',
    {
      preHandler: ctx.requireSep10,
      schema: {
        security: [...SEP10_SECURITY],
        tags,
        summary: 'A firm quote of the authenticated account',
        params: QuoteParams,
        response: { 200: QuoteResponse, 403: AuthError, 404: ErrorRef },
      },
    },
    async (request) => {
      const identity = request.sep10;
      assert(identity !== undefined, 'requireSep10 runs before GET /quote/:id');
      const { id } = request.params;
      if (!isQuoteId(id)) throw notFound();
      // Another account's quote is "not found", never "forbidden": its existence is not disclosed.
      const cached = await cachedQuote<QuoteResponse>(runtime.kv, id, logger);
      if (cached !== undefined) {
        if (cached.account !== identity.sub) throw notFound();
        return cached.body;
      }
      const quote = await findQuote(runtime.database.db, id);
      if (quote?.account !== identity.sub) throw notFound();
      const body = quoteBody(quote);
      const ttlMs = quote.expiresAt.getTime() - ctx.now().getTime();
      await cacheQuote(runtime.kv, quote.id, { account: quote.account, body }, ttlMs, logger);
      return body;
    },
  );
};
