/**
 * The Stellar payment observer (GUIDE §4.5, lossless observation).
 *
 * - `stellar_cursors`: one row per observed account (`payments:<G…>`): the paging token of the last
 *   payment fully handled. It moves in the same database transaction that stores the payment, so a
 *   crash can neither skip a payment nor advance past one that was not stored.
 *   `fencing_token` is the leader lease's token of the last writer: a paused ex-leader whose token
 *   is lower is refused, so it cannot move the cursor back or write after a takeover.
 * - `stellar_payments`: every payment to an observed account, unique by (transaction_hash,
 *   operation_index), so a replayed record changes nothing. `state` is `received` only inside the
 *   transaction that runs the processing callback; committed rows are `processed` or
 *   `quarantined` (with a reason: a payment that could not be processed is kept, never dropped).
 *   Amounts are stroops; asset and amount may be missing only on a quarantined row (an operation
 *   type or amount the observer could not read).
 */
export const stellarObserver = {
  version: 8,
  name: 'stellar-observer',
  sql: /* sql */ `
create table stellar_cursors (
  name text primary key check (length(name) between 1 and 200),
  cursor text not null check (cursor ~ '^[0-9]{1,20}$'),
  ledger integer check (ledger >= 0),
  fencing_token numeric(20, 0) not null default 0 check (fencing_token >= 0),
  updated_at timestamptz not null default now()
);

create table stellar_payments (
  id uuid primary key default gen_random_uuid(),
  transaction_hash text not null check (transaction_hash ~ '^[0-9a-f]{64}$'),
  operation_index integer not null check (operation_index between 0 and 4094),
  paging_token text not null check (paging_token ~ '^[0-9]{1,20}$'),
  account text not null check (account ~ '^G[A-Z2-7]{55}$'),
  from_account text check (from_account ~ '^(G[A-Z2-7]{55}|M[A-Z2-7]{68})$'),
  operation_type text not null check (length(operation_type) between 1 and 64),
  asset text check (asset = 'native' or asset ~ '^[A-Za-z0-9]{1,12}:G[A-Z2-7]{55}$'),
  amount_stroops numeric(20, 0) check (amount_stroops > 0),
  memo_type text check (memo_type in ('none', 'text', 'id', 'hash', 'return')),
  memo text check (length(memo) <= 100),
  muxed_id numeric(20, 0) check (muxed_id >= 0),
  ledger integer not null check (ledger > 0),
  created_at timestamptz not null,
  observed_at timestamptz not null default now(),
  state text not null check (state in ('received', 'processed', 'quarantined')),
  reason text check (length(reason) between 1 and 2000),
  transaction_id uuid references transactions (id),
  unique (transaction_hash, operation_index),
  check (state <> 'quarantined' or reason is not null),
  check (state = 'quarantined' or (asset is not null and amount_stroops is not null))
);
create index stellar_payments_account_memo on stellar_payments (account, memo) where memo is not null;
create index stellar_payments_quarantined on stellar_payments (observed_at) where state = 'quarantined';
create index stellar_payments_transaction on stellar_payments (transaction_id) where transaction_id is not null;
`,
} as const;
