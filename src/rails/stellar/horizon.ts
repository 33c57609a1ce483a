/**
 * The Horizon port: the few calls the anchor makes, each with an explicit timeout and a typed
 * outcome. A timeout, a network error, a 5xx or a 504 is `unknown` — never folded into `failed` —
 * because a submission that timed out may still land (rails-notes B3.1, B3.4). `failed` is only
 * returned when Horizon reports result codes, i.e. the network gave a verdict.
 *
 * Calls go through the SDK's `Horizon.Server` HTTP client so the same headers, time sync and
 * `allowHttp` rule apply; each request carries its own timeout and response size limit. Submission
 * posts the persisted envelope bytes unchanged: what was stored is exactly what is sent.
 */
import { Horizon } from '@stellar/stellar-sdk';
import { assert } from '../../domain/assert.js';

/** Transaction-level result codes Horizon sends (rails-notes B3.3; Horizon's spelling, not the SDK enum's). */
export const TRANSACTION_CODES = [
  'tx_success',
  'tx_failed',
  'tx_too_early',
  'tx_too_late',
  'tx_missing_operation',
  'tx_bad_seq',
  'tx_bad_auth',
  'tx_insufficient_balance',
  'tx_no_source_account',
  'tx_insufficient_fee',
  'tx_bad_auth_extra',
  'tx_internal_error',
  'tx_not_supported',
  'tx_fee_bump_inner_success',
  'tx_fee_bump_inner_failed',
  'tx_bad_sponsorship',
  'tx_bad_minseq_age_or_gap',
  'tx_malformed',
  'tx_soroban_invalid',
  'tx_frozen_key_accessed',
] as const;
export type KnownTransactionCode = (typeof TRANSACTION_CODES)[number];
/** A code this version does not know is kept as `tx_unrecognized` (the raw text is in `detail`). */
export type TransactionCode = KnownTransactionCode | 'tx_unrecognized';

export const OPERATION_CODES = [
  'op_success',
  'op_malformed',
  'op_underfunded',
  'op_src_no_trust',
  'op_src_not_authorized',
  'op_no_destination',
  'op_no_trust',
  'op_not_authorized',
  'op_line_full',
  'op_no_issuer',
  'op_bad_auth',
  'op_no_source_account',
  'op_low_reserve',
  'op_too_many_subentries',
  'op_invalid_limit',
  'op_not_supported',
  // create_account and create_claimable_balance (the deposit's other delivery shapes).
  'op_already_exists',
] as const;
export type KnownOperationCode = (typeof OPERATION_CODES)[number];
export type OperationCode = KnownOperationCode | 'op_unrecognized';

export type SubmitOutcome =
  | { readonly kind: 'success'; readonly hash: string; readonly ledger: number; readonly resultXdr: string }
  | {
      readonly kind: 'failed';
      readonly transactionCode: TransactionCode;
      /** For a fee bump whose inner transaction failed: the inner transaction's code. */
      readonly innerTransactionCode: TransactionCode | null;
      readonly operationCodes: readonly OperationCode[];
      readonly resultXdr: string | null;
      /** Horizon's codes as sent, for logs and operators. */
      readonly detail: string;
    }
  | { readonly kind: 'unknown'; readonly cause: string };

export type LookupOutcome =
  | {
      readonly kind: 'found';
      readonly hash: string;
      readonly successful: boolean;
      readonly ledger: number;
      readonly resultXdr: string;
    }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unknown'; readonly cause: string };

export interface AccountBalance {
  /** `native` or `CODE:ISSUER`. */
  readonly asset: string;
  readonly balance: string;
}

export interface AccountSigner {
  readonly key: string;
  readonly weight: number;
}

export type AccountOutcome =
  | {
      readonly kind: 'found';
      readonly id: string;
      readonly sequence: bigint;
      readonly balances: readonly AccountBalance[];
      /** ed25519 signers with weight > 0 (the master key included when its weight is > 0). */
      readonly signers: readonly AccountSigner[];
      readonly mediumThreshold: number;
    }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unknown'; readonly cause: string };

export interface FeeStats {
  readonly lastLedgerBaseFeeStroops: bigint;
  /** Percentiles of the fee charged per operation in recent ledgers. */
  readonly feeChargedP90Stroops: bigint;
  readonly feeChargedP99Stroops: bigint;
}
export type FeeStatsOutcome =
  { readonly kind: 'ok'; readonly stats: FeeStats } | { readonly kind: 'unknown'; readonly cause: string };

export type LatestLedgerOutcome =
  | { readonly kind: 'ok'; readonly sequence: number; readonly closedAtS: number }
  | { readonly kind: 'unknown'; readonly cause: string };

export interface PaymentRecord {
  readonly id: string;
  readonly pagingToken: string;
  readonly type: string;
  readonly transactionHash: string;
  readonly transactionSuccessful: boolean;
  readonly from: string | null;
  readonly to: string | null;
  /** `native` or `CODE:ISSUER`; null for operations that move no single asset. */
  readonly asset: string | null;
  readonly amount: string | null;
  readonly createdAt: string;
  /** From the joined transaction. */
  readonly memoType: string | null;
  readonly memo: string | null;
  /** The id of the muxed (M…) address it was paid to, as decimal text; null for a G… address. */
  readonly toMuxedId?: string | null;
}

export interface PaymentsQuery {
  /** Payments of one account; all payments when absent. */
  readonly account?: string;
  /** A paging token, or `now`. */
  readonly cursor?: string;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  readonly includeFailed?: boolean;
}

export type PaymentsOutcome =
  | { readonly kind: 'ok'; readonly records: readonly PaymentRecord[]; readonly nextCursor: string | null }
  | { readonly kind: 'unknown'; readonly cause: string };

export interface PaymentStreamHandlers {
  readonly onPayment: (payment: PaymentRecord) => void;
  readonly onError: (error: unknown) => void;
  /** Recreate the stream when no message arrived for this long (the SDK's reconnect timer). */
  readonly reconnectTimeoutMs?: number;
}

/** What the submitter and the observer need from Horizon: small enough for a test fake. */
export interface HorizonPort {
  loadAccount(accountId: string): Promise<AccountOutcome>;
  feeStats(): Promise<FeeStatsOutcome>;
  /** The latest ledger Horizon has ingested and its close time: the network's clock. */
  latestLedger(): Promise<LatestLedgerOutcome>;
  /** Synchronous submission of a base64 envelope, sent byte for byte. */
  submit(envelopeXdr: string): Promise<SubmitOutcome>;
  transactionByHash(hash: string): Promise<LookupOutcome>;
  payments(query: PaymentsQuery): Promise<PaymentsOutcome>;
  /** Streams payments from `query.cursor`; returns a function that stops the stream. */
  streamPayments(query: Omit<PaymentsQuery, 'order' | 'limit'>, handlers: PaymentStreamHandlers): () => void;
}

export interface HorizonClientOptions {
  readonly url: URL;
  /** `public` refuses plain HTTP; sandbox and testnet may use it (local doubles). */
  readonly network: 'public' | 'testnet' | 'sandbox';
  readonly readTimeoutMs: number;
  /** Longer than Horizon's own submission timeout (30 s) so its 504 normally arrives first. */
  readonly submitTimeoutMs: number;
  /** Largest response body read, in bytes. */
  readonly responseBytesMax?: number;
}

export const PAYMENTS_PAGE_LIMIT_MAX = 200;
const RESPONSE_BYTES_MAX_DEFAULT = 4 * 1024 * 1024;
const HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Every record Horizon returns is bounded: a code list longer than this is garbage. */
const OPERATION_CODES_MAX = 100;

export function createHorizonClient(options: HorizonClientOptions): HorizonPort {
  assert(options.readTimeoutMs > 0 && options.submitTimeoutMs > 0, 'Horizon timeouts must be positive');
  const allowHttp = options.network !== 'public';
  assert(allowHttp || options.url.protocol === 'https:', 'public network Horizon must use https');
  const server = new Horizon.Server(options.url.toString(), { allowHttp, appName: 'rampart' });
  const http = server.httpClient;
  const maxContentLength = options.responseBytesMax ?? RESPONSE_BYTES_MAX_DEFAULT;
  const read = { timeout: options.readTimeoutMs, maxContentLength, maxRedirects: 0 };

  function urlOf(path: string, params: Record<string, string> = {}): string {
    const url = new URL(options.url.toString());
    url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }

  return {
    async loadAccount(accountId) {
      try {
        const response = await http.get<unknown>(urlOf(`/accounts/${encodeURIComponent(accountId)}`), read);
        return parseAccount(response.data);
      } catch (error) {
        if (statusOf(error) === 404) return { kind: 'not_found' };
        return { kind: 'unknown', cause: describe(error) };
      }
    },

    async feeStats() {
      try {
        const response = await http.get<unknown>(urlOf('/fee_stats'), read);
        return { kind: 'ok', stats: parseFeeStats(response.data) };
      } catch (error) {
        return { kind: 'unknown', cause: describe(error) };
      }
    },

    async latestLedger() {
      try {
        const root = await http.get<unknown>(urlOf('/'), read);
        const fromRoot = parseRootLedger(root.data);
        if (fromRoot !== null) return fromRoot;
        const page = await http.get<unknown>(urlOf('/ledgers', { order: 'desc', limit: '1' }), read);
        return parseLatestLedgerPage(page.data);
      } catch (error) {
        return { kind: 'unknown', cause: describe(error) };
      }
    },

    async submit(envelopeXdr) {
      try {
        const response = await http.post<unknown>(
          urlOf('/transactions'),
          `tx=${encodeURIComponent(envelopeXdr)}`,
          {
            timeout: options.submitTimeoutMs,
            maxContentLength,
            maxRedirects: 0,
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          },
        );
        return parseSubmitSuccess(response.data);
      } catch (error) {
        return classifySubmitError(error);
      }
    },

    async transactionByHash(hash) {
      assert(HASH_PATTERN.test(hash), 'a transaction hash is 64 lowercase hex digits');
      try {
        const response = await http.get<unknown>(urlOf(`/transactions/${hash}`), read);
        return parseTransaction(response.data);
      } catch (error) {
        if (statusOf(error) === 404) return { kind: 'not_found' };
        return { kind: 'unknown', cause: describe(error) };
      }
    },

    async payments(query) {
      assert(
        Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= PAYMENTS_PAGE_LIMIT_MAX,
        `payments page limit must be within 1..${PAYMENTS_PAGE_LIMIT_MAX}`,
      );
      const path =
        query.account === undefined ? '/payments' : `/accounts/${encodeURIComponent(query.account)}/payments`;
      const params: Record<string, string> = {
        order: query.order,
        limit: String(query.limit),
        join: 'transactions',
        include_failed: String(query.includeFailed ?? false),
      };
      if (query.cursor !== undefined) params['cursor'] = query.cursor;
      try {
        const response = await http.get<unknown>(urlOf(path, params), read);
        return parsePaymentsPage(response.data);
      } catch (error) {
        return { kind: 'unknown', cause: describe(error) };
      }
    },

    streamPayments(query, handlers) {
      let builder =
        query.account === undefined ? server.payments() : server.payments().forAccount(query.account);
      builder = builder.join('transactions').includeFailed(query.includeFailed ?? false);
      if (query.cursor !== undefined) builder = builder.cursor(query.cursor);
      return builder.stream({
        onmessage: (record: unknown) => {
          const payment = parsePaymentRecord(record);
          if (payment === null) handlers.onError(new Error('unreadable payment record in stream'));
          else handlers.onPayment(payment);
        },
        onerror: (event: unknown) => {
          handlers.onError(event);
        },
        ...(handlers.reconnectTimeoutMs === undefined
          ? {}
          : { reconnectTimeout: handlers.reconnectTimeoutMs }),
      });
    },
  };
}

// --- parsing: every field checked, nothing trusted --------------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(record: JsonObject, key: string): string | null {
  const value = record[key];
  return typeof value === 'string' ? value : null;
}

function integerText(value: unknown): bigint | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  return null;
}

function statusOf(error: unknown): number | null {
  if (!isObject(error)) return null;
  const response = error['response'];
  if (!isObject(response)) return null;
  const status = response['status'];
  return typeof status === 'number' ? status : null;
}

function responseData(error: unknown): unknown {
  if (!isObject(error)) return undefined;
  const response = error['response'];
  return isObject(response) ? response['data'] : undefined;
}

/** A short description for logs: status and problem type, or the error message. Never a body. */
function describe(error: unknown): string {
  const status = statusOf(error);
  if (status !== null) {
    const data = responseData(error);
    const type = isObject(data) ? text(data, 'type') : null;
    return `HTTP ${status}${type === null ? '' : ` ${type}`}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}

function unreadable(what: string): { kind: 'unknown'; cause: string } {
  return { kind: 'unknown', cause: `unreadable ${what} from Horizon` };
}

function assetOf(record: JsonObject): string | null {
  const type = text(record, 'asset_type');
  if (type === 'native') return 'native';
  const code = text(record, 'asset_code');
  const issuer = text(record, 'asset_issuer');
  return code === null || issuer === null ? null : `${code}:${issuer}`;
}

function parseAccount(data: unknown): AccountOutcome {
  if (!isObject(data)) return unreadable('account');
  const id = text(data, 'account_id') ?? text(data, 'id');
  const sequence = integerText(data['sequence']);
  if (id === null || sequence === null || sequence < 0n) return unreadable('account');
  const balances: AccountBalance[] = [];
  const lines = Array.isArray(data['balances']) ? (data['balances'] as unknown[]) : [];
  for (const line of lines.slice(0, 1000)) {
    if (!isObject(line)) continue;
    const asset = assetOf(line);
    const balance = text(line, 'balance');
    if (asset !== null && balance !== null) balances.push({ asset, balance });
  }
  const authority = parseAccountSigners(data);
  if (authority === null) return unreadable('account');
  return { kind: 'found', id, sequence, balances, ...authority };
}

/** An account has at most 20 signers plus its master key; a bigger answer is not Horizon's. */
const SIGNERS_MAX = 21;
const WEIGHT_MAX = 255;

function isWeight(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= WEIGHT_MAX;
}

/** Signers and medium threshold of an account record; null when a field is missing or out of range. */
export function parseAccountSigners(
  data: unknown,
): { signers: AccountSigner[]; mediumThreshold: number } | null {
  if (!isObject(data) || !isObject(data['thresholds']) || !Array.isArray(data['signers'])) return null;
  const medium = data['thresholds']['med_threshold'];
  if (!isWeight(medium) || data['signers'].length > SIGNERS_MAX) return null;
  const signers: AccountSigner[] = [];
  for (const entry of data['signers'] as unknown[]) {
    if (!isObject(entry)) return null;
    const { key, weight, type } = entry;
    if (typeof key !== 'string' || !isWeight(weight)) return null;
    // Only ed25519 keys can sign a transaction we verify; pre-auth and hash-x signers cannot.
    if (type === 'ed25519_public_key' && weight > 0) signers.push({ key, weight });
  }
  return { signers, mediumThreshold: medium };
}

function parseFeeStats(data: unknown): FeeStats {
  const fallback = 100n;
  if (!isObject(data))
    return {
      lastLedgerBaseFeeStroops: fallback,
      feeChargedP90Stroops: fallback,
      feeChargedP99Stroops: fallback,
    };
  const base = integerText(data['last_ledger_base_fee']) ?? fallback;
  const charged = isObject(data['fee_charged']) ? data['fee_charged'] : {};
  return {
    lastLedgerBaseFeeStroops: base,
    feeChargedP90Stroops: integerText(charged['p90']) ?? base,
    feeChargedP99Stroops: integerText(charged['p99']) ?? base,
  };
}

function parseRootLedger(data: unknown): LatestLedgerOutcome | null {
  if (!isObject(data)) return null;
  const sequence = integerText(data['history_latest_ledger']);
  const closedAt = text(data, 'history_latest_ledger_closed_at');
  if (sequence === null || closedAt === null) return null;
  const closedAtMs = Date.parse(closedAt);
  if (Number.isNaN(closedAtMs)) return null;
  return { kind: 'ok', sequence: Number(sequence), closedAtS: Math.floor(closedAtMs / 1000) };
}

function embeddedRecords(data: unknown): unknown[] | null {
  if (!isObject(data)) return null;
  const embedded = data['_embedded'];
  if (!isObject(embedded)) return null;
  const records = embedded['records'];
  return Array.isArray(records) ? records : null;
}

function parseLatestLedgerPage(data: unknown): LatestLedgerOutcome {
  const record = embeddedRecords(data)?.[0];
  if (!isObject(record)) return unreadable('ledger page');
  const sequence = integerText(record['sequence']);
  const closedAt = text(record, 'closed_at');
  const closedAtMs = closedAt === null ? Number.NaN : Date.parse(closedAt);
  if (sequence === null || Number.isNaN(closedAtMs)) return unreadable('ledger');
  return { kind: 'ok', sequence: Number(sequence), closedAtS: Math.floor(closedAtMs / 1000) };
}

function parseSubmitSuccess(data: unknown): SubmitOutcome {
  if (!isObject(data)) return unreadable('submission response');
  const hash = text(data, 'hash');
  const ledger = integerText(data['ledger']);
  const resultXdr = text(data, 'result_xdr');
  if (hash === null || ledger === null || resultXdr === null) return unreadable('submission response');
  // A 200 is a transaction in a closed ledger; Horizon answers 400 for included-but-failed ones.
  if (data['successful'] === false) {
    return {
      kind: 'failed',
      transactionCode: 'tx_failed',
      innerTransactionCode: null,
      operationCodes: [],
      resultXdr,
      detail: 'successful=false',
    };
  }
  return { kind: 'success', hash, ledger: Number(ledger), resultXdr };
}

function transactionCodeOf(raw: unknown): TransactionCode {
  return (TRANSACTION_CODES as readonly unknown[]).includes(raw)
    ? (raw as KnownTransactionCode)
    : 'tx_unrecognized';
}

function operationCodeOf(raw: unknown): OperationCode {
  return (OPERATION_CODES as readonly unknown[]).includes(raw)
    ? (raw as KnownOperationCode)
    : 'op_unrecognized';
}

/**
 * Only a problem carrying `extras.result_codes` (or a malformed-envelope verdict) is a definitive
 * answer. Everything else — 504 timeout, 5xx, 429, 503 stale history, a dropped connection, an
 * aborted request, an unreadable body — leaves the outcome unknown.
 */
function classifySubmitError(error: unknown): SubmitOutcome {
  const status = statusOf(error);
  const data = responseData(error);
  if (status === 400 && isObject(data)) {
    const type = text(data, 'type') ?? '';
    const extras = isObject(data['extras']) ? data['extras'] : {};
    const codes = extras['result_codes'];
    if (isObject(codes)) {
      const rawOperations = Array.isArray(codes['operations']) ? (codes['operations'] as unknown[]) : [];
      return {
        kind: 'failed',
        transactionCode: transactionCodeOf(codes['transaction']),
        innerTransactionCode:
          codes['inner_transaction'] === undefined ? null : transactionCodeOf(codes['inner_transaction']),
        operationCodes: rawOperations.slice(0, OPERATION_CODES_MAX).map(operationCodeOf),
        resultXdr: text(extras, 'result_xdr'),
        detail: JSON.stringify(codes).slice(0, 500),
      };
    }
    if (type.endsWith('/transaction_malformed')) {
      return {
        kind: 'failed',
        transactionCode: 'tx_malformed',
        innerTransactionCode: null,
        operationCodes: [],
        resultXdr: null,
        detail: 'transaction_malformed',
      };
    }
  }
  return { kind: 'unknown', cause: describe(error) };
}

function parseTransaction(data: unknown): LookupOutcome {
  if (!isObject(data)) return unreadable('transaction');
  const hash = text(data, 'hash');
  const ledger = integerText(data['ledger']);
  const successful = data['successful'];
  const resultXdr = text(data, 'result_xdr') ?? '';
  if (hash === null || ledger === null || typeof successful !== 'boolean') return unreadable('transaction');
  return { kind: 'found', hash, successful, ledger: Number(ledger), resultXdr };
}

function parsePaymentRecord(record: unknown): PaymentRecord | null {
  if (!isObject(record)) return null;
  const id = text(record, 'id');
  const pagingToken = text(record, 'paging_token');
  const type = text(record, 'type');
  const transactionHash = text(record, 'transaction_hash');
  const createdAt = text(record, 'created_at');
  if (id === null || pagingToken === null || type === null || transactionHash === null || createdAt === null)
    return null;
  // The SDK moves a joined `transaction` field to `transaction_attr` (a link has the same name).
  const joined = isObject(record['transaction_attr']) ? record['transaction_attr'] : record['transaction'];
  const transaction = isObject(joined) ? joined : {};
  return {
    id,
    pagingToken,
    type,
    transactionHash,
    transactionSuccessful: record['transaction_successful'] === true,
    from: text(record, 'from') ?? text(record, 'source_account'),
    to: text(record, 'to') ?? text(record, 'account'),
    asset: type === 'create_account' ? 'native' : assetOf(record),
    amount: text(record, 'amount') ?? text(record, 'starting_balance'),
    createdAt,
    memoType: text(transaction, 'memo_type'),
    memo: text(transaction, 'memo'),
    toMuxedId: text(record, 'to_muxed_id'),
  };
}

function parsePaymentsPage(data: unknown): PaymentsOutcome {
  const records = embeddedRecords(data);
  if (records === null) return unreadable('payments page');
  const payments: PaymentRecord[] = [];
  for (const record of records.slice(0, PAYMENTS_PAGE_LIMIT_MAX)) {
    const payment = parsePaymentRecord(record);
    if (payment === null) return unreadable('payment record');
    payments.push(payment);
  }
  const last = payments.at(-1);
  return { kind: 'ok', records: payments, nextCursor: last === undefined ? null : last.pagingToken };
}
