/**
 * Stellar payment submissions (GUIDE §4.4, rails-notes B3.4): the signed envelope and its hash are
 * persisted before anything is sent, so a timeout, a crash or a second request with the same
 * idempotency key resubmits the same bytes instead of building a second payment.
 *
 * - `stellar_channels`: one row per channel account. A channel is leased to one submission attempt
 *   at a time (`leased_by`, `leased_until`, claimed with `FOR UPDATE SKIP LOCKED`) and remembers the
 *   last sequence number known to be consumed on the network (NULL: unknown, load it from Horizon).
 * - `stellar_submissions`: one row per payment (unique idempotency key) with its current envelope
 *   and state; `version` is bumped by every write, which is conditioned on the version read
 *   (optimistic locking), so two drivers of one payment can never both rebuild it.
 * - `stellar_submission_envelopes`: every envelope ever signed for a payment (append-only), so an
 *   operator or the reconciler can see each hash that could have landed.
 */
export const stellarSubmissions = {
  version: 2,
  name: 'stellar-submissions',
  sql: /* sql */ `
create table stellar_channels (
  account text primary key check (account ~ '^G[A-Z2-7]{55}$'),
  sequence numeric(20, 0) check (sequence >= 0 and sequence <= 9223372036854775807),
  leased_by text check (length(leased_by) between 1 and 300),
  leased_until timestamptz,
  leases bigint not null default 0 check (leases >= 0),
  updated_at timestamptz not null default now(),
  check ((leased_by is null) = (leased_until is null))
);

create table stellar_submissions (
  id bigint generated always as identity primary key,
  idempotency_key text not null unique check (length(idempotency_key) between 1 and 200),
  state text not null check (state in ('built', 'submitted', 'pending', 'succeeded', 'failed')),
  version integer not null default 1 check (version >= 1),
  attempt integer not null default 1 check (attempt between 1 and 100),
  -- The payment, as requested: what a rebuild pays again.
  destination text not null check (destination ~ '^(G[A-Z2-7]{55}|M[A-Z2-7]{68})$'),
  asset text not null check (asset = 'native' or asset ~ '^[A-Za-z0-9]{1,12}:G[A-Z2-7]{55}$'),
  amount_stroops numeric(20, 0) not null check (amount_stroops > 0 and amount_stroops <= 9223372036854775807),
  memo_type text not null check (memo_type in ('none', 'id', 'text', 'hash')),
  memo_value text check (length(memo_value) <= 64),
  -- The current envelope: what is (re)submitted. hash = inner_hash unless fee-bumped.
  channel_account text not null check (channel_account ~ '^G[A-Z2-7]{55}$'),
  sequence numeric(20, 0) not null check (sequence > 0 and sequence <= 9223372036854775807),
  envelope_xdr text not null check (length(envelope_xdr) between 1 and 20000),
  hash text not null check (hash ~ '^[0-9a-f]{64}$'),
  inner_hash text not null check (inner_hash ~ '^[0-9a-f]{64}$'),
  max_time bigint not null check (max_time > 0),
  fee_stroops numeric(20, 0) not null check (fee_stroops > 0),
  fee_bumps integer not null default 0 check (fee_bumps between 0 and 100),
  -- The outcome.
  ledger integer check (ledger > 0),
  result_xdr text check (length(result_xdr) <= 20000),
  transaction_code text check (length(transaction_code) <= 100),
  operation_codes jsonb,
  last_error text check (length(last_error) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  resolved_at timestamptz,
  check ((state in ('succeeded', 'failed')) = (resolved_at is not null))
);
create index stellar_submissions_open on stellar_submissions (updated_at)
  where state in ('built', 'submitted', 'pending');
create unique index stellar_submissions_hash on stellar_submissions (hash);

create table stellar_submission_envelopes (
  id bigint generated always as identity primary key,
  submission_id bigint not null references stellar_submissions (id),
  attempt integer not null check (attempt between 1 and 100),
  kind text not null check (kind in ('transaction', 'fee_bump')),
  hash text not null unique check (hash ~ '^[0-9a-f]{64}$'),
  inner_hash text not null check (inner_hash ~ '^[0-9a-f]{64}$'),
  channel_account text not null check (channel_account ~ '^G[A-Z2-7]{55}$'),
  sequence numeric(20, 0) not null check (sequence > 0),
  max_time bigint not null check (max_time > 0),
  fee_stroops numeric(20, 0) not null check (fee_stroops > 0),
  envelope_xdr text not null check (length(envelope_xdr) between 1 and 20000),
  created_at timestamptz not null default now()
);
create index stellar_submission_envelopes_submission on stellar_submission_envelopes (submission_id, attempt);
create index stellar_submission_envelopes_inner on stellar_submission_envelopes (inner_hash);
create trigger stellar_submission_envelopes_append_only before update or delete on stellar_submission_envelopes
  for each row execute function rampart_forbid_change();
`,
} as const;
