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
  auth_account: string | null;
  auth_memo: string | null;
  client_domain: string | null;
  customer_id: string | null;
  quote_id: string | null;
  stellar_memo_type: 'text' | 'id' | 'hash' | null;
  amount_in_asset: string | null;
  amount_out_asset: string | null;
  amount_fee_asset: string | null;
  amount_expected_minor: NullableNumeric;
  fee_details: ColumnType<unknown, string | null | undefined, string | null>;
  funding_method: 'card' | 'bank_transfer' | 'ussd' | null;
  paystack_reference: string | null;
  payment_url: string | null;
  external_transaction_id: string | null;
  stellar_transaction_id: string | null;
  claimable_balance_supported: Generated<boolean>;
  claimable_balance_id: string | null;
  on_change_callback: string | null;
  lang: string | null;
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  refunds: ColumnType<unknown, string | null | undefined, string | null>;
  paystack_checked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  withdraw_anchor_account: string | null;
  withdraw_memo: string | null;
  bank_code: string | null;
  bank_account_last4: string | null;
  payout_account_ciphertext: string | null;
  payout_reference: string | null;
  payout_transfer_code: string | null;
  stellar_payment_id: string | null;
  refund_memo: string | null;
  refund_memo_type: 'text' | 'id' | 'hash' | null;
  payout_checked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  pending_refund: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface InteractiveTokensTable {
  token_sha256: string;
  transaction_id: string;
  expires_at: Timestamp;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Generated<Date>;
}

export interface PaystackCustomersTable {
  customer_id: string;
  customer_code: string;
  account_number: string | null;
  account_name: string | null;
  bank_name: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface PaystackWebhooksTable {
  id: Generated<string>;
  dedupe_key: string;
  event: string;
  reference: string | null;
  payload: Json;
  received_at: Generated<Date>;
  deliveries: Generated<number>;
  processed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  outcome: string | null;
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
  operation: Generated<'payment' | 'create_account' | 'claimable_balance'>;
  starting_balance_stroops: NullableNumeric;
  claimable_balance_id: string | null;
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

export type CustomerStatusColumn = 'ACCEPTED' | 'PROCESSING' | 'NEEDS_INFO' | 'REJECTED';
export type CustomerFieldStatusColumn = 'ACCEPTED' | 'PROCESSING' | 'REJECTED' | 'VERIFICATION_REQUIRED';
export type BankCheckState = 'matched' | 'mismatched' | 'not_resolvable' | 'unknown' | 'unverified';
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface CustomersTable {
  id: Generated<string>;
  subject: string | null;
  stellar_account: string | null;
  memo: string | null;
  subject_hash: string;
  id_type: string | null;
  rejected_message: string | null;
  last_type: Generated<string>;
  last_status: CustomerStatusColumn | null;
  callback_url: string | null;
  bank_check: BankCheckState | null;
  bank_check_score: NullableNumeric;
  bank_checked_name: string | null;
  bank_checked_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  erased_at: NullableTimestamp;
}

export interface CustomerFieldsTable {
  customer_id: string;
  name: string;
  status: CustomerFieldStatusColumn;
  error: string | null;
  value_ciphertext: string | null;
  file_ciphertext: Uint8Array | null;
  content_type: string | null;
  size_bytes: number | null;
  verification_mac: string | null;
  verification_expires_at: NullableTimestamp;
  verification_attempts: Generated<number>;
  updated_at: Timestamp;
}

export interface CustomerEventsTable {
  id: Generated<string>;
  customer_id: string;
  kind: 'status' | 'erased';
  customer_type: string;
  from_status: string | null;
  to_status: string | null;
  actor: string;
  created_at: Generated<Date>;
}

export interface QuotesTable {
  id: Generated<string>;
  account: string;
  context: 'sep6' | 'sep24' | 'sep31';
  sell_asset: string;
  sell_amount_minor: Numeric;
  sell_decimals: number;
  sell_delivery_method: string | null;
  buy_asset: string;
  buy_amount_minor: Numeric;
  buy_decimals: number;
  buy_delivery_method: string | null;
  country_code: string | null;
  price_numerator: Numeric;
  price_denominator: Numeric;
  price: string;
  total_price: string;
  market_rate_numerator: Numeric;
  market_rate_denominator: Numeric;
  spread_bps: number;
  rate_source: string;
  rate_observed_at: Timestamp;
  fee_asset: string;
  fee_total_minor: Numeric;
  fee_decimals: number;
  fee_details: Json;
  expires_at: Timestamp;
  used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  used_by_transaction_id: string | null;
  created_at: Timestamp;
}

export type SignoffRole = 'Technical' | 'Operations' | 'Security' | 'Product';

export interface SignoffsTable {
  id: Generated<string>;
  role: SignoffRole;
  name: string;
  decision: 'go' | 'no-go';
  report_sha256: string;
  items_pass: number;
  items_warn: number;
  items_fail: number;
  items_manual: number;
  note: string | null;
  host: string;
  rampart_version: string;
  signed_at: Generated<Date>;
}

export type StellarPaymentState = 'received' | 'processed' | 'quarantined';

export interface StellarCursorsTable {
  name: string;
  cursor: string;
  ledger: number | null;
  fencing_token: ColumnType<string, string | bigint | undefined, string | bigint>;
  updated_at: Timestamp;
}

export interface StellarPaymentsTable {
  id: Generated<string>;
  transaction_hash: string;
  operation_index: number;
  paging_token: string;
  account: string;
  from_account: string | null;
  operation_type: string;
  asset: string | null;
  amount_stroops: NullableNumeric;
  memo_type: 'none' | 'text' | 'id' | 'hash' | 'return' | null;
  memo: string | null;
  muxed_id: NullableNumeric;
  ledger: number;
  created_at: ColumnType<Date, Date | string, Date | string>;
  observed_at: Generated<Date>;
  state: StellarPaymentState;
  reason: string | null;
  transaction_id: string | null;
  returned: Generated<boolean>;
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
  customers: CustomersTable;
  customer_fields: CustomerFieldsTable;
  customer_events: CustomerEventsTable;
  quotes: QuotesTable;
  signoffs: SignoffsTable;
  interactive_tokens: InteractiveTokensTable;
  paystack_webhooks: PaystackWebhooksTable;
  paystack_customers: PaystackCustomersTable;
  stellar_cursors: StellarCursorsTable;
  stellar_payments: StellarPaymentsTable;
}
