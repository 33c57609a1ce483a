/**
 * SEP-24 / SEP-6 transfers (deposits first): what a wallet asked for and what the flows found out,
 * on the transaction row; the single-use tokens that open the hosted pages; and the Paystack webhook
 * inbox.
 *
 * - Who: `auth_account` / `auth_memo` are the SEP-10 subject that owns the transaction (the only
 *   one who may read it); `stellar_account` / `stellar_memo` are where the asset goes (a deposit's
 *   `account`, which may differ). `customer_id` is the SEP-12 customer whose limits apply.
 * - Amounts: minor units with the SEP-38 id of their asset beside them (`iso4217:NGN` in kobo,
 *   `stellar:CODE:ISSUER` in stroops). `amount_expected_minor` is what the customer must pay (a
 *   deposit) or send (a withdrawal): the figure a payment is matched against.
 * - `paystack_reference` is ours, unique, made once when the transaction is created: the reference
 *   every Paystack call and webhook about this deposit carries.
 * - `interactive_tokens` hold a digest only: the token itself is in the URL the wallet opens once.
 * - `paystack_webhooks` is the inbox: a verified delivery is stored once (unique dedupe key) in the
 *   same database transaction that enqueues its processing, so a duplicate changes nothing and a
 *   crash loses nothing.
 */
export const transfers = {
  version: 6,
  name: 'transfers',
  sql: /* sql */ `
alter table transactions
  add column auth_account text check (auth_account ~ '^(G[A-Z2-7]{55}|M[A-Z2-7]{68})$'),
  add column auth_memo text check (auth_memo ~ '^[0-9]{1,20}$'),
  add column client_domain text check (length(client_domain) <= 255),
  add column customer_id uuid references customers (id),
  add column quote_id uuid references quotes (id),
  add column stellar_memo_type text check (stellar_memo_type in ('text', 'id', 'hash')),
  add column amount_in_asset text check (length(amount_in_asset) between 5 and 80),
  add column amount_out_asset text check (length(amount_out_asset) between 5 and 80),
  add column amount_fee_asset text check (length(amount_fee_asset) between 5 and 80),
  add column amount_expected_minor numeric(39, 0) check (amount_expected_minor > 0),
  add column fee_details jsonb,
  add column funding_method text check (funding_method in ('card', 'bank_transfer', 'ussd')),
  add column paystack_reference text unique check (paystack_reference ~ '^[A-Za-z0-9._=-]{8,100}$'),
  add column payment_url text check (length(payment_url) <= 2000),
  add column external_transaction_id text check (length(external_transaction_id) <= 200),
  add column stellar_transaction_id text check (stellar_transaction_id ~ '^[0-9a-f]{64}$'),
  add column claimable_balance_supported boolean not null default false,
  add column claimable_balance_id text check (length(claimable_balance_id) <= 100),
  add column on_change_callback text check (length(on_change_callback) <= 2000),
  add column lang text check (lang ~ '^[a-z]{2}(-[A-Za-z]{2})?$'),
  add column expires_at timestamptz,
  -- When Paystack was last asked about this deposit (reconciliation verifies the stalest first).
  add column paystack_checked_at timestamptz,
  add column refunds jsonb;

create index transactions_auth_account on transactions (auth_account, created_at desc);
create index transactions_stellar_transaction_id on transactions (stellar_transaction_id)
  where stellar_transaction_id is not null;
create index transactions_external_transaction_id on transactions (external_transaction_id)
  where external_transaction_id is not null;
create index transactions_customer_funded on transactions (customer_id, funds_received_at)
  where funds_received_at is not null;
create index transactions_expiring on transactions (expires_at)
  where status in ('incomplete', 'pending_user_transfer_start');

create table interactive_tokens (
  token_sha256 text primary key check (token_sha256 ~ '^[0-9a-f]{64}$'),
  transaction_id uuid not null references transactions (id),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index interactive_tokens_expiry on interactive_tokens (expires_at);

-- A customer's Paystack identity and dedicated virtual account (SEP-6 bank transfers), made once.
create table paystack_customers (
  customer_id uuid primary key references customers (id),
  customer_code text not null unique check (length(customer_code) between 1 and 100),
  account_number text check (account_number ~ '^[0-9]{10}$'),
  account_name text check (length(account_name) <= 200),
  bank_name text check (length(bank_name) <= 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table paystack_webhooks (
  id bigint generated always as identity primary key,
  dedupe_key text not null unique check (length(dedupe_key) between 1 and 300),
  event text not null check (length(event) between 1 and 100),
  reference text check (length(reference) <= 200),
  payload jsonb not null,
  received_at timestamptz not null default now(),
  deliveries integer not null default 1 check (deliveries >= 1),
  processed_at timestamptz,
  outcome text check (length(outcome) <= 2000)
);
create index paystack_webhooks_reference on paystack_webhooks (reference);
create index paystack_webhooks_unprocessed on paystack_webhooks (received_at) where processed_at is null;
`,
} as const;
