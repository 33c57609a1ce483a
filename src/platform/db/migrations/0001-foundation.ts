/**
 * Foundation schema: transactions with their audit trail, the double-entry ledger and the outbox.
 * Money columns are NUMERIC(39,0) minor units (kobo, stroops): exact and wider than any int64.
 */
import { TRANSACTION_STATUSES } from '../../../domain/transaction-status.js';

const statusList = TRANSACTION_STATUSES.map((s) => `'${s}'`).join(', ');

export const foundation = {
  version: 1,
  name: 'foundation',
  sql: /* sql */ `
create extension if not exists pgcrypto;

-- pg_stat_statements needs shared_preload_libraries and privileges a managed or embedded server may
-- not give: enable it where possible, never fail the migration over it.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_stat_statements') then
    begin
      create extension if not exists pg_stat_statements;
    exception when others then
      raise notice 'pg_stat_statements not enabled: %', sqlerrm;
    end;
  end if;
end
$$;

create function rampart_forbid_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'P0001';
end
$$;

create table transactions (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('deposit', 'withdrawal')),
  protocol text not null check (protocol in ('sep6', 'sep24')),
  status text not null check (status in (${statusList})),
  status_message text check (length(status_message) <= 2000),
  version integer not null default 1 check (version >= 1),
  asset_code text not null check (length(asset_code) between 1 and 12),
  asset_issuer text check (length(asset_issuer) = 56),
  stellar_account text not null check (length(stellar_account) between 56 and 69),
  stellar_memo text check (length(stellar_memo) <= 64),
  amount_in_minor numeric(39, 0) check (amount_in_minor >= 0),
  amount_out_minor numeric(39, 0) check (amount_out_minor >= 0),
  amount_fee_minor numeric(39, 0) check (amount_fee_minor >= 0),
  funds_received_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz
);
create index transactions_status on transactions (status, updated_at);
create index transactions_account on transactions (stellar_account, created_at desc);

-- The audit trail of every status change: written by transition() in the same database transaction.
create table transaction_events (
  id bigint generated always as identity primary key,
  transaction_id uuid not null references transactions (id),
  from_status text not null,
  to_status text not null,
  version integer not null,
  reason text not null check (length(reason) between 1 and 2000),
  actor text not null check (length(actor) between 1 and 200),
  data jsonb not null default '{}',
  created_at timestamptz not null default now(),
  unique (transaction_id, version)
);
create trigger transaction_events_append_only before update or delete on transaction_events
  for each row execute function rampart_forbid_change();

-- Double-entry ledger: a journal groups postings that sum to zero per currency.
create table ledger_journals (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (length(kind) between 1 and 100),
  transaction_id uuid references transactions (id),
  -- The event that caused the journal (e.g. a Paystack reference): posting it twice is impossible.
  reference text not null unique check (length(reference) between 1 and 200),
  description text not null default '' check (length(description) <= 500),
  created_at timestamptz not null default now()
);
create table ledger_postings (
  id bigint generated always as identity primary key,
  journal_id uuid not null references ledger_journals (id),
  account text not null check (
    account ~ '^(assets|liabilities|equity|income|expenses)(:[a-z0-9][a-z0-9_-]*)+$' and length(account) <= 128),
  currency text not null check (currency ~ '^[A-Za-z0-9]{1,12}(:[A-Za-z0-9]{1,56}){0,2}$'),
  amount_minor numeric(39, 0) not null check (amount_minor <> 0),
  created_at timestamptz not null default now()
);
create index ledger_postings_journal on ledger_postings (journal_id);
create index ledger_postings_account on ledger_postings (account, currency);

create trigger ledger_journals_append_only before update or delete on ledger_journals
  for each row execute function rampart_forbid_change();
create trigger ledger_postings_append_only before update or delete on ledger_postings
  for each row execute function rampart_forbid_change();

-- Checked at COMMIT (deferred), so a journal can be written posting by posting but can never be
-- committed unbalanced or with fewer than two postings — whatever code wrote it.
create function ledger_check_journal() returns trigger language plpgsql as $$
declare
  jid uuid;
  n integer;
  unbalanced text;
begin
  if tg_table_name = 'ledger_journals' then jid := new.id; else jid := new.journal_id; end if;
  select count(*) into n from ledger_postings where journal_id = jid;
  if n < 2 then
    raise exception 'ledger journal % has % posting(s); at least 2 are required', jid, n using errcode = '23514';
  end if;
  select string_agg(currency || ' ' || total::text, ', ') into unbalanced from (
    select currency, sum(amount_minor) as total from ledger_postings where journal_id = jid
    group by currency having sum(amount_minor) <> 0
  ) s;
  if unbalanced is not null then
    raise exception 'ledger journal % does not balance: %', jid, unbalanced using errcode = '23514';
  end if;
  return null;
end
$$;
create constraint trigger ledger_postings_balanced after insert on ledger_postings
  deferrable initially deferred for each row execute function ledger_check_journal();
create constraint trigger ledger_journals_have_postings after insert on ledger_journals
  deferrable initially deferred for each row execute function ledger_check_journal();

create view ledger_balances as
  select account, currency, sum(amount_minor) as balance_minor, count(*) as postings
  from ledger_postings group by account, currency;

-- The outbox: every external effect is a job written in the transaction that decided it.
create table jobs (
  id bigint generated always as identity primary key,
  type text not null check (type ~ '^[a-z0-9_.-]{1,100}$'),
  payload jsonb not null default '{}',
  dedupe_key text unique check (length(dedupe_key) <= 200),
  state text not null default 'pending' check (state in ('pending', 'running', 'succeeded', 'dead')),
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null check (max_attempts between 1 and 100),
  run_at timestamptz not null default now(),
  locked_by text,
  locked_until timestamptz,
  last_error text check (length(last_error) <= 4000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create index jobs_due on jobs (run_at) where state = 'pending';
create index jobs_leased on jobs (locked_until) where state = 'running';
create index jobs_state on jobs (state);
`,
} as const;
