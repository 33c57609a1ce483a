/**
 * A transaction as SEP-24 and SEP-6 show it (`GET /transaction`, `GET /transactions`, the
 * `on_change_callback` body): one rendering, so the wallet reads the same figures everywhere.
 * Amounts are exact decimal strings in the units of their asset, from the stored minor units.
 *
 * A withdrawal shows where to send the asset (`withdraw_anchor_account`, `withdraw_memo`) once its
 * memo is issued, and its bank account only as bank code and last 4 digits: the full number is
 * kept encrypted and is never put in a response or a callback.
 */
import type { Selectable } from 'kysely';
import type { TransactionsTable } from '../../platform/db/schema.js';
import { assert } from '../../domain/assert.js';
import { formatAmount } from '../../domain/money.js';
import { publicLink, type TransferDeps } from './deps.js';
import { decimalsOfAssetId } from './assets.js';

type Row = Selectable<TransactionsTable>;

export interface FeeDetailJson {
  readonly name: string;
  readonly description?: string;
  readonly amount: string;
}

export interface FeeDetailsJson {
  readonly total: string;
  readonly asset: string;
  readonly details?: readonly FeeDetailJson[];
}

export interface RefundPaymentJson {
  readonly id: string;
  readonly id_type: 'stellar' | 'external';
  readonly amount: string;
  readonly fee: string;
}

export interface RefundsJson {
  readonly amount_refunded: string;
  readonly amount_fee: string;
  readonly payments: readonly RefundPaymentJson[];
}

/** The SEP-24 transaction object (SEP-6 shares every field it defines for these kinds). */
export interface TransactionJson {
  id: string;
  kind: 'deposit' | 'withdrawal';
  status: string;
  more_info_url: string;
  amount_in?: string;
  amount_in_asset?: string;
  amount_out?: string;
  amount_out_asset?: string;
  amount_fee?: string;
  amount_fee_asset?: string;
  fee_details?: FeeDetailsJson;
  quote_id?: string;
  started_at: string;
  updated_at: string;
  completed_at?: string;
  user_action_required_by?: string;
  stellar_transaction_id?: string;
  external_transaction_id?: string;
  message?: string;
  refunded: boolean;
  refunds?: RefundsJson;
  from?: string;
  to?: string;
  deposit_memo?: string;
  deposit_memo_type?: string;
  claimable_balance_id?: string;
  withdraw_anchor_account?: string;
  withdraw_memo?: string;
  withdraw_memo_type?: 'id';
}

/** Stored fee details: `[{ name, description, amount_minor }]` in the fee asset's minor units. */
interface StoredFeeDetail {
  readonly name: string;
  readonly description?: string;
  readonly amount_minor: string;
}

function amountText(minor: string | null, asset: string | null): string | undefined {
  if (minor === null || asset === null) return undefined;
  return formatAmount(BigInt(minor), decimalsOfAssetId(asset));
}

function parsedJson(value: unknown): unknown {
  // pg and PGlite hand jsonb back parsed; text would mean a driver change.
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function feeDetailsOf(row: Row): FeeDetailsJson | undefined {
  const total = amountText(row.amount_fee_minor, row.amount_fee_asset);
  if (total === undefined || row.amount_fee_asset === null) return undefined;
  const asset = row.amount_fee_asset;
  const decimals = decimalsOfAssetId(asset);
  const stored = parsedJson(row.fee_details);
  const details = Array.isArray(stored)
    ? (stored as StoredFeeDetail[]).map((d) => ({
        name: d.name,
        ...(d.description === undefined ? {} : { description: d.description }),
        amount: formatAmount(BigInt(d.amount_minor), decimals),
      }))
    : [];
  return { total, asset, ...(details.length > 0 ? { details } : {}) };
}

/** The status page a customer can reload: its id is the transaction's, unguessable (UUID v4). */
export function moreInfoUrl(deps: Pick<TransferDeps, 'publicUrl'>, id: string): string {
  return publicLink(deps, `/transfers/${id}`);
}

/** Hash memos are stored as hex (what Stellar carries); wallets sent them, and read them, as base64. */
function depositMemoText(row: Row): string | null {
  if (row.stellar_memo === null || row.stellar_memo_type !== 'hash') return row.stellar_memo;
  assert(/^[0-9a-f]{64}$/.test(row.stellar_memo), 'a hash memo is stored as 32 bytes of hex');
  return Buffer.from(row.stellar_memo, 'hex').toString('base64');
}

/** SEP's `to` of a withdrawal: the bank, and enough of the account for the customer to know it. */
function bankAccountShown(row: Row): string | null {
  if (row.bank_code === null || row.bank_account_last4 === null) return null;
  return `${row.bank_code}…${row.bank_account_last4}`;
}

const USER_ACTION_STATUSES: ReadonlySet<string> = new Set([
  'pending_user_transfer_start',
  'pending_trust',
  'pending_user',
]);

/** Where a withdrawal's asset goes: shown together, and only once the memo is issued. */
function withdrawTarget(
  row: Row,
): Pick<TransactionJson, 'withdraw_anchor_account' | 'withdraw_memo' | 'withdraw_memo_type'> {
  if (row.withdraw_anchor_account === null || row.withdraw_memo === null) return {};
  return {
    withdraw_anchor_account: row.withdraw_anchor_account,
    withdraw_memo: row.withdraw_memo,
    withdraw_memo_type: 'id',
  };
}

export function transactionJson(deps: Pick<TransferDeps, 'publicUrl'>, row: Row): TransactionJson {
  const optional = <K extends keyof TransactionJson>(key: K, value: TransactionJson[K] | undefined | null) =>
    value === undefined || value === null ? {} : { [key]: value };
  const fees = feeDetailsOf(row);
  const refunds = parsedJson(row.refunds) as RefundsJson | null;
  const isDeposit = row.kind === 'deposit';
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    more_info_url: moreInfoUrl(deps, row.id),
    ...optional('amount_in', amountText(row.amount_in_minor, row.amount_in_asset)),
    ...optional('amount_in_asset', row.amount_in_minor === null ? null : row.amount_in_asset),
    ...optional('amount_out', amountText(row.amount_out_minor, row.amount_out_asset)),
    ...optional('amount_out_asset', row.amount_out_minor === null ? null : row.amount_out_asset),
    ...optional('amount_fee', fees?.total),
    ...optional('amount_fee_asset', fees?.asset),
    ...optional('fee_details', fees),
    ...optional('quote_id', row.quote_id),
    started_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    ...optional('completed_at', row.completed_at?.toISOString()),
    ...optional(
      'user_action_required_by',
      USER_ACTION_STATUSES.has(row.status) ? row.expires_at?.toISOString() : undefined,
    ),
    ...optional('stellar_transaction_id', row.stellar_transaction_id),
    ...optional('external_transaction_id', row.external_transaction_id),
    ...optional('message', row.status_message),
    refunded: row.status === 'refunded',
    ...optional('refunds', refunds),
    ...(isDeposit ? optional('to', row.stellar_account) : optional('from', row.stellar_account)),
    ...(isDeposit ? {} : optional('to', bankAccountShown(row))),
    ...(isDeposit ? optional('deposit_memo', depositMemoText(row)) : {}),
    ...(isDeposit
      ? optional('deposit_memo_type', row.stellar_memo === null ? null : row.stellar_memo_type)
      : {}),
    ...optional('claimable_balance_id', row.claimable_balance_id),
    ...(isDeposit ? {} : withdrawTarget(row)),
  };
}
