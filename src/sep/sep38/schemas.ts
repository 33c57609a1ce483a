/**
 * SEP-38's request and response shapes as TypeBox schemas: the single source of validation, types
 * and the OpenAPI document. Amounts and prices are decimal strings; lengths are bounded so that no
 * request makes us parse unbounded text.
 */
import { Type, type Static } from 'typebox';

const AssetId = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'Asset Identification Format: `iso4217:NGN` or `stellar:CODE:ISSUER`.',
  examples: ['iso4217:NGN'],
});
const AmountText = Type.String({
  minLength: 1,
  maxLength: 40,
  description: "Decimal amount, at most the asset's decimals (NGN 2, Stellar assets 7).",
  examples: ['15000.00'],
});
const MethodName = Type.String({ minLength: 1, maxLength: 40 });
const CountryCode = Type.String({
  minLength: 2,
  maxLength: 6,
  description: 'ISO 3166-1 alpha-2 (`NG`) or ISO 3166-2 (`NG-LA`).',
});
const Context = Type.Union([Type.Literal('sep6'), Type.Literal('sep24'), Type.Literal('sep31')], {
  description: 'Which protocol the quote is for.',
});
const Decimal = Type.String({ description: 'Exact decimal string.' });

const DeliveryMethodBody = Type.Object({ name: Type.String(), description: Type.String() });

export const InfoResponse = Type.Object({
  assets: Type.Array(
    Type.Object({
      asset: Type.String(),
      country_codes: Type.Optional(Type.Array(Type.String())),
      sell_delivery_methods: Type.Optional(Type.Array(DeliveryMethodBody)),
      buy_delivery_methods: Type.Optional(Type.Array(DeliveryMethodBody)),
    }),
  ),
});
export type InfoResponse = Static<typeof InfoResponse>;

export const PricesQuery = Type.Object({
  sell_asset: Type.Optional(AssetId),
  buy_asset: Type.Optional(AssetId),
  sell_amount: Type.Optional(AmountText),
  buy_amount: Type.Optional(AmountText),
  sell_delivery_method: Type.Optional(MethodName),
  buy_delivery_method: Type.Optional(MethodName),
  country_code: Type.Optional(CountryCode),
});
export type PricesQuery = Static<typeof PricesQuery>;

const PricedAsset = Type.Object({
  asset: Type.String(),
  price: Decimal,
  decimals: Type.Integer({ minimum: 0, maximum: 18 }),
});
export const PricesResponse = Type.Object({
  buy_assets: Type.Optional(Type.Array(PricedAsset)),
  sell_assets: Type.Optional(Type.Array(PricedAsset)),
});
export type PricesResponse = Static<typeof PricesResponse>;

const PriceFields = {
  sell_asset: AssetId,
  buy_asset: AssetId,
  sell_amount: Type.Optional(AmountText),
  buy_amount: Type.Optional(AmountText),
  sell_delivery_method: Type.Optional(MethodName),
  buy_delivery_method: Type.Optional(MethodName),
  country_code: Type.Optional(CountryCode),
  context: Context,
};

export const PriceQuery = Type.Object(PriceFields);
export type PriceQuery = Static<typeof PriceQuery>;

export const Fee = Type.Object({
  total: Decimal,
  asset: Type.String(),
  details: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String(), description: Type.Optional(Type.String()), amount: Decimal }),
    ),
  ),
});
export type Fee = Static<typeof Fee>;

export const PriceResponse = Type.Object({
  total_price: Decimal,
  price: Decimal,
  sell_amount: Decimal,
  buy_amount: Decimal,
  fee: Fee,
});
export type PriceResponse = Static<typeof PriceResponse>;

export const QuoteRequest = Type.Object({
  ...PriceFields,
  expire_after: Type.Optional(
    Type.String({ maxLength: 40, description: 'Earliest acceptable expires_at (UTC ISO 8601).' }),
  ),
});
export type QuoteRequest = Static<typeof QuoteRequest>;

export const QuoteResponse = Type.Object({
  id: Type.String({ format: 'uuid' }),
  expires_at: Type.String({ description: 'UTC ISO 8601.' }),
  total_price: Decimal,
  price: Decimal,
  sell_asset: Type.String(),
  sell_amount: Decimal,
  sell_delivery_method: Type.Optional(Type.String()),
  buy_asset: Type.String(),
  buy_amount: Decimal,
  buy_delivery_method: Type.Optional(Type.String()),
  fee: Fee,
});
export type QuoteResponse = Static<typeof QuoteResponse>;

export const QuoteParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Shared `{ error, code }` body (registered by platform/http/openapi.ts). */
export const ErrorRef = Type.Ref('ErrorBody');
