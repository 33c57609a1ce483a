/**
 * Kysely's view of the tables. `pg` returns BIGINT and NUMERIC as strings and we keep it so:
 * conversion to bigint is explicit, at the edge of the repository that reads them.
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Numeric = ColumnType<string, string | bigint, string | bigint>;
type NullableNumeric = ColumnType<string | null, string | bigint | null | undefined, string | bigint | null>;
type Json = ColumnType<unknown, string, string>;

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: Generated<Date>;
}

export interface TransactionsTable {
  id: Generated<string>;
  kind: 'deposit' | 'withdrawal';
  protocol: 'sep6' | 'sep24';
  status: string;
  status_message: string | null;
  version: Generated<number>;
  asset_code: string;
  asset_issuer: string | null;
  stellar_account: string;
  stellar_memo: string | null;
  amount_in_minor: NullableNumeric;
  amount_out_minor: NullableNumeric;
  amount_fee_minor: NullableNumeric;
  funds_received_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface TransactionEventsTable {
  id: Generated<string>;
  transaction_id: string;
  from_status: string;
  to_status: string;
  version: number;
  reason: string;
  actor: string;
  data: Json;
  created_at: Generated<Date>;
}

export interface LedgerJournalsTable {
  id: Generated<string>;
  kind: string;
  transaction_id: string | null;
  reference: string;
  description: Generated<string>;
  created_at: Generated<Date>;
}

export interface LedgerPostingsTable {
  id: Generated<string>;
  journal_id: string;
  account: string;
  currency: string;
  amount_minor: Numeric;
  created_at: Generated<Date>;
}

export interface LedgerBalancesView {
  account: string;
  currency: string;
  balance_minor: string;
  postings: string;
}

export type JobState = 'pending' | 'running' | 'succeeded' | 'dead';

export interface JobsTable {
  id: Generated<string>;
  type: string;
  payload: Json;
  dedupe_key: string | null;
  state: Generated<JobState>;
  attempts: Generated<number>;
  max_attempts: number;
  run_at: Timestamp;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  finished_at: Date | null;
}

export type StellarSubmissionState = 'built' | 'submitted' | 'pending' | 'succeeded' | 'failed';

export interface StellarChannelsTable {
  account: string;
  sequence: NullableNumeric;
  leased_by: string | null;
  leased_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  leases: ColumnType<string, string | bigint | undefined, string | bigint>;
  updated_at: Timestamp;
}

export interface StellarSubmissionsTable {
  id: Generated<string>;
  idempotency_key: string;
  state: StellarSubmissionState;
  version: Generated<number>;
  attempt: Generated<number>;
  destination: string;
  asset: string;
  amount_stroops: Numeric;
  memo_type: 'none' | 'id' | 'text' | 'hash';
  memo_value: string | null;
  channel_account: string;
  sequence: Numeric;
  envelope_xdr: string;
  hash: string;
  inner_hash: string;
  max_time: Numeric;
  fee_stroops: Numeric;
  fee_bumps: Generated<number>;
  ledger: number | null;
  result_xdr: string | null;
  transaction_code: string | null;
  operation_codes: ColumnType<unknown, string | null | undefined, string | null>;
  last_error: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  resolved_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface StellarSubmissionEnvelopesTable {
  id: Generated<string>;
  submission_id: string;
  attempt: number;
  kind: 'transaction' | 'fee_bump';
  hash: string;
  inner_hash: string;
  channel_account: string;
  sequence: Numeric;
  max_time: Numeric;
  fee_stroops: Numeric;
  envelope_xdr: string;
  created_at: Generated<Date>;
}

export interface Tables {
  schema_migrations: SchemaMigrationsTable;
  transactions: TransactionsTable;
  transaction_events: TransactionEventsTable;
  ledger_journals: LedgerJournalsTable;
  ledger_postings: LedgerPostingsTable;
  ledger_balances: LedgerBalancesView;
  jobs: JobsTable;
  stellar_channels: StellarChannelsTable;
  stellar_submissions: StellarSubmissionsTable;
  stellar_submission_envelopes: StellarSubmissionEnvelopesTable;
}
