/**
 * SEP-38 firm quotes. A quote is bound to the SEP-10 subject that asked for it (`account` holds the
 * JWT `sub`: `G…`, `G…:memo` or `M…`) and is used at most once: `used_at` moves from null exactly
 * once, by the conditional update in `consumeQuote` (src/sep/sep38/store.ts).
 *
 * Amounts are NUMERIC(39,0) minor units with their decimals beside them; the price is kept exact as
 * a rational (numerator/denominator, sell units per one buy unit) next to the text wallets were
 * shown; the market rate and spread it came from stay for audit.
 * `used_by_transaction_id` has no foreign key: a flow may consume the quote in the transaction that
 * creates its transaction row, in either order.
 */
export const quotes = {
  version: 4,
  name: 'quotes',
  sql: /* sql */ `
create table quotes (
  id uuid primary key default gen_random_uuid(),
  account text not null check (account ~ '^(G[A-Z2-7]{55}(:[0-9]{1,20})?|M[A-Z2-7]{68})$'),
  context text not null check (context in ('sep6', 'sep24', 'sep31')),
  sell_asset text not null check (length(sell_asset) between 5 and 80),
  sell_amount_minor numeric(39, 0) not null check (sell_amount_minor > 0),
  sell_decimals smallint not null check (sell_decimals between 0 and 18),
  sell_delivery_method text check (length(sell_delivery_method) between 1 and 40),
  buy_asset text not null check (length(buy_asset) between 5 and 80),
  buy_amount_minor numeric(39, 0) not null check (buy_amount_minor > 0),
  buy_decimals smallint not null check (buy_decimals between 0 and 18),
  buy_delivery_method text check (length(buy_delivery_method) between 1 and 40),
  country_code text check (country_code ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
  price_numerator numeric(78, 0) not null check (price_numerator > 0),
  price_denominator numeric(78, 0) not null check (price_denominator > 0),
  price text not null check (length(price) between 1 and 80),
  total_price text not null check (length(total_price) between 1 and 80),
  market_rate_numerator numeric(78, 0) not null check (market_rate_numerator > 0),
  market_rate_denominator numeric(78, 0) not null check (market_rate_denominator > 0),
  spread_bps integer not null check (spread_bps between 0 and 10000),
  rate_source text not null check (length(rate_source) between 1 and 200),
  rate_observed_at timestamptz not null,
  fee_asset text not null check (length(fee_asset) between 5 and 80),
  fee_total_minor numeric(39, 0) not null check (fee_total_minor >= 0),
  fee_decimals smallint not null check (fee_decimals between 0 and 18),
  fee_details jsonb not null check (jsonb_typeof(fee_details) = 'array'),
  expires_at timestamptz not null,
  used_at timestamptz,
  used_by_transaction_id uuid,
  created_at timestamptz not null default now(),
  check (sell_asset <> buy_asset),
  check (expires_at > created_at),
  check (used_by_transaction_id is null or used_at is not null)
);
create index quotes_account on quotes (account, created_at desc);
create index quotes_used_by on quotes (used_by_transaction_id) where used_by_transaction_id is not null;
`,
} as const;
