/**
 * SEP-12 customers (KYC). Personal values are never stored in the clear: each is an AES-256-GCM
 * envelope (src/platform/pii-crypto.ts) carrying its key id and nonce.
 *
 * - `customers`: one row per SEP-10 subject (`G…`, `G…:memo` or `M…`: each a distinct customer).
 *   Statuses are computed from the fields, never stored as truth; `last_status` is only what the
 *   wallet was last told, so a change can be announced once. On erasure (DELETE /customer) the row
 *   becomes a tombstone: subject, account, memo, callback and bank check are cleared, and only the
 *   id, the subject's hash, timestamps and the last status stay for the audit trail.
 * - `customer_fields`: one row per provided SEP-9 field, with its status and, for verifiable fields,
 *   the keyed hash of the code sent. Deleted on erasure.
 * - `customer_events`: append-only audit of status changes and erasure (no personal data).
 */
export const customers = {
  version: 3,
  name: 'customers',
  sql: /* sql */ `
create table customers (
  id uuid primary key default gen_random_uuid(),
  subject text unique check (length(subject) between 56 and 90),
  stellar_account text check (stellar_account ~ '^G[A-Z2-7]{55}$'),
  memo text check (memo ~ '^[0-9]{1,20}$'),
  subject_hash text not null check (subject_hash ~ '^[0-9a-f]{64}$'),
  id_type text check (id_type in ('bvn', 'nin', 'passport', 'drivers_license', 'voters_card')),
  rejected_message text check (length(rejected_message) between 1 and 500),
  last_type text not null default 'default' check (length(last_type) between 1 and 40),
  last_status text check (last_status in ('ACCEPTED', 'PROCESSING', 'NEEDS_INFO', 'REJECTED')),
  callback_url text check (length(callback_url) <= 2048),
  bank_check text check (bank_check in ('matched', 'mismatched', 'not_resolvable', 'unknown', 'unverified')),
  bank_check_score numeric(4, 3) check (bank_check_score between 0 and 1),
  bank_checked_name text check (length(bank_checked_name) <= 2000),
  bank_checked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  erased_at timestamptz,
  check ((erased_at is null) = (subject is not null)),
  check (erased_at is null or (stellar_account is null and memo is null and callback_url is null
    and bank_checked_name is null and id_type is null))
);
create index customers_bank_unknown on customers (updated_at) where bank_check = 'unknown';

create table customer_fields (
  customer_id uuid not null references customers (id) on delete cascade,
  name text not null check (name ~ '^[a-z_]{1,40}$'),
  status text not null check (status in ('ACCEPTED', 'PROCESSING', 'REJECTED', 'VERIFICATION_REQUIRED')),
  error text check (length(error) between 1 and 500),
  value_ciphertext text check (length(value_ciphertext) <= 4000),
  file_ciphertext bytea check (octet_length(file_ciphertext) <= 12 * 1024 * 1024),
  content_type text check (content_type in ('image/jpeg', 'image/png', 'application/pdf')),
  size_bytes integer check (size_bytes between 1 and 12582912),
  verification_mac text check (length(verification_mac) <= 200),
  verification_expires_at timestamptz,
  verification_attempts integer not null default 0 check (verification_attempts between 0 and 100),
  updated_at timestamptz not null default now(),
  primary key (customer_id, name),
  check ((value_ciphertext is null) <> (file_ciphertext is null)),
  check ((file_ciphertext is null) = (content_type is null))
);

create table customer_events (
  id bigint generated always as identity primary key,
  customer_id uuid not null references customers (id),
  kind text not null check (kind in ('status', 'erased')),
  customer_type text not null check (length(customer_type) between 1 and 40),
  from_status text,
  to_status text,
  actor text not null check (length(actor) between 1 and 200),
  created_at timestamptz not null default now()
);
create index customer_events_customer on customer_events (customer_id, id);
create trigger customer_events_append_only before update or delete on customer_events
  for each row execute function rampart_forbid_change();
`,
} as const;
