/**
 * Pure reading of a Horizon payment record for the observer: where it sits (paging token, ledger,
 * transaction hash and operation index, all from the operation's TOID) and what it is to the
 * observed account — an incoming payment we can hand on, one we must quarantine (with the reason),
 * or none of our business (our own outgoing operations).
 *
 * Everything a quarantined row stores is normalised here so the table's checks always accept it: an
 * insert that fails a check would stall the observer on that payment, which is the failure this
 * module exists to prevent.
 */
import { assert } from '../../domain/assert.js';
import { parseAmount, STELLAR_DECIMALS } from '../../domain/money.js';
import type { PaymentRecord } from './horizon.js';

/** A record as the port delivers it; `toMuxedId` when the port passes Horizon's `to_muxed_id` on. */
export type ObservableRecord = PaymentRecord & { readonly toMuxedId?: string | null };

export type MemoType = 'none' | 'text' | 'id' | 'hash' | 'return';

/** Where a record sits in the ledger; every record has one, whatever else is wrong with it. */
export interface RecordPosition {
  readonly pagingToken: string;
  readonly ledger: number;
  readonly transactionHash: string;
  /** 0-based index of the operation in its transaction. */
  readonly operationIndex: number;
  readonly createdAt: Date;
}

/** The row stored for a payment; asset and amount are null only when it is quarantined. */
export interface PaymentFields extends RecordPosition {
  readonly account: string;
  readonly from: string | null;
  readonly operationType: string;
  readonly asset: string | null;
  readonly amountStroops: bigint | null;
  readonly memoType: MemoType | null;
  readonly memo: string | null;
  readonly muxedId: string | null;
}

export type ReadRecord =
  /** Not a payment to the observed account (its own outgoing operations, its own creation). */
  | { readonly kind: 'ignored'; readonly position: RecordPosition; readonly why: string }
  | { readonly kind: 'payment'; readonly fields: PaymentFields & { asset: string; amountStroops: bigint } }
  | { readonly kind: 'unprocessable'; readonly fields: PaymentFields; readonly reason: string };

/** A record without a usable position: Horizon sent garbage, not a payment we could keep. */
export class UnreadableRecordError extends Error {
  override readonly name = 'UnreadableRecordError';
}

const PAYMENT_TYPES = new Set(['payment', 'path_payment_strict_receive', 'path_payment_strict_send']);
const MEMO_TYPES = new Set<string>(['none', 'text', 'id', 'hash', 'return']);
const TOKEN_PATTERN = /^[0-9]{1,20}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;
const ACCOUNT_PATTERN = /^(G[A-Z2-7]{55}|M[A-Z2-7]{68})$/;
const ASSET_PATTERN = /^(native|[A-Za-z0-9]{1,12}:G[A-Z2-7]{55})$/;
const UINT64_MAX = 2n ** 64n - 1n;
const MEMO_CHARS_MAX = 100;
const TYPE_CHARS_MAX = 64;
export const REASON_CHARS_MAX = 2000;

/** Horizon's TOID: ledger << 32 | transaction order << 12 | operation order (1-based). */
export function positionOf(
  record: Pick<PaymentRecord, 'id' | 'pagingToken' | 'transactionHash' | 'createdAt'>,
): RecordPosition {
  if (!TOKEN_PATTERN.test(record.id) || !TOKEN_PATTERN.test(record.pagingToken))
    throw new UnreadableRecordError(`operation id ${record.id.slice(0, 40)} is not a paging token`);
  const toid = BigInt(record.id);
  const operationOrder = Number(toid & 0xfffn);
  const ledger = Number(toid >> 32n);
  if (operationOrder === 0 || ledger === 0 || toid > 2n ** 63n - 1n)
    throw new UnreadableRecordError(`operation id ${record.id} is not an operation's TOID`);
  if (!HASH_PATTERN.test(record.transactionHash))
    throw new UnreadableRecordError('transaction hash is not 64 lowercase hex digits');
  const createdAtMs = Date.parse(record.createdAt);
  if (Number.isNaN(createdAtMs)) throw new UnreadableRecordError('created_at is not a time');
  return {
    pagingToken: record.pagingToken,
    ledger,
    transactionHash: record.transactionHash,
    operationIndex: operationOrder - 1,
    createdAt: new Date(createdAtMs),
  };
}

/** Numeric order of two paging tokens (both decimal TOIDs). */
export function compareTokens(a: string, b: string): number {
  const left = BigInt(a);
  const right = BigInt(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

export function isPagingToken(text: string): boolean {
  return TOKEN_PATTERN.test(text) && BigInt(text) <= 2n ** 63n - 1n;
}

export function isObservableAsset(text: string): boolean {
  return ASSET_PATTERN.test(text);
}

/** PostgreSQL text cannot hold NUL: a memo or message carrying one must not fail the insert. */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

export function truncateReason(text: string): string {
  const trimmed = text.trim() === '' ? 'no reason given' : storable(text);
  return trimmed.length <= REASON_CHARS_MAX ? trimmed : `${trimmed.slice(0, REASON_CHARS_MAX - 1)}…`;
}

/**
 * Reads one record of `/accounts/{account}/payments`. Throws UnreadableRecordError only when the
 * record has no position; every other defect makes it `unprocessable` with the reason.
 */
export function readRecord(
  record: ObservableRecord,
  account: string,
  assets: ReadonlySet<string>,
): ReadRecord {
  const position = positionOf(record);
  const fromUs = record.from === account;
  if (!PAYMENT_TYPES.has(record.type)) {
    if (fromUs) return { kind: 'ignored', position, why: `own ${record.type}` };
    if (record.type === 'create_account' && record.to === account)
      return { kind: 'ignored', position, why: 'the observed account’s own creation' };
  } else if (record.to !== account) {
    if (fromUs) return { kind: 'ignored', position, why: 'outgoing payment' };
  }
  const fields = baseFields(record, account, position);
  const reason = defectOf(record, account, assets, fields);
  if (reason !== null) return { kind: 'unprocessable', fields, reason: truncateReason(reason) };
  const { asset, amountStroops } = fields;
  assert(asset !== null && amountStroops !== null, 'a payment without defects has an asset and an amount');
  return { kind: 'payment', fields: { ...fields, asset, amountStroops } };
}

function baseFields(record: ObservableRecord, account: string, position: RecordPosition): PaymentFields {
  const amount = record.amount === null ? null : parseAmount(record.amount, STELLAR_DECIMALS);
  const memoType =
    record.memoType !== null && MEMO_TYPES.has(record.memoType) ? (record.memoType as MemoType) : null;
  return {
    ...position,
    account,
    from: record.from !== null && ACCOUNT_PATTERN.test(record.from) ? record.from : null,
    operationType: record.type === '' ? 'unknown' : storable(record.type.slice(0, TYPE_CHARS_MAX)),
    asset: record.asset !== null && ASSET_PATTERN.test(record.asset) ? record.asset : null,
    amountStroops: amount?.ok === true && amount.minor <= UINT64_MAX ? amount.minor : null,
    memoType,
    memo:
      memoType === null || memoType === 'none' || record.memo === null
        ? null
        : storable(record.memo.slice(0, MEMO_CHARS_MAX)),
    muxedId: muxedIdOf(record.toMuxedId),
  };
}

function muxedIdOf(value: string | null | undefined): string | null {
  if (value === undefined || value === null || !TOKEN_PATTERN.test(value)) return null;
  return BigInt(value) <= UINT64_MAX ? value : null;
}

/** Why an incoming record cannot be handed on, or null when it can. Checks run in a fixed order. */
function defectOf(
  record: ObservableRecord,
  account: string,
  assets: ReadonlySet<string>,
  fields: PaymentFields,
): string | null {
  if (!PAYMENT_TYPES.has(record.type)) return `unsupported operation type ${fields.operationType}`;
  if (record.to !== account) return 'payment neither to nor from the observed account';
  if (!record.transactionSuccessful) return 'the transaction failed on chain: no funds moved';
  if (fields.asset === null) return `unreadable asset ${String(record.asset).slice(0, 80)}`;
  if (!assets.has(fields.asset)) return `asset ${fields.asset} is not one the anchor accepts`;
  if (fields.amountStroops === null) return `unreadable amount ${String(record.amount).slice(0, 40)}`;
  if (fields.memoType === null) return 'the transaction’s memo is missing from Horizon’s record';
  if (fields.memo === null && fields.memoType !== 'none') return 'the memo value is missing';
  if (record.memo !== null && record.memo.length > MEMO_CHARS_MAX)
    return 'the memo is longer than Stellar allows';
  if (record.memo?.includes('\u0000') === true) return 'the memo contains a NUL character';
  if (record.toMuxedId !== undefined && record.toMuxedId !== null && fields.muxedId === null)
    return `unreadable muxed id ${record.toMuxedId.slice(0, 40)}`;
  return null;
}
