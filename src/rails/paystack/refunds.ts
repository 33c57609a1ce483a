/**
 * Refunds: money back to whoever paid a collected transaction (a deposit paid after it expired).
 * Creating one moves money, so it returns three outcomes, as transfers.ts does:
 *
 * - `created`: Paystack accepted the refund; it starts `pending` and the `refund.*` webhooks or a
 *   fetch bring the final word (`processed` or `failed`).
 * - `refused`: Paystack answered 4xx `{status:false}`: no refund was created (unknown transaction,
 *   not refundable, amount above what is left of it).
 * - `unknown`: timeout, network error, 5xx, unreadable answer. A refund may exist.
 *
 * THE RULE: Paystack takes no reference and no idempotency key for a refund, so a blind retry can
 * refund twice. An unknown create is settled only by `resolveRefundOutcome(transactionReference)`,
 * which lists the transaction's refunds and never creates one. What keeps a retry after `absent`
 * safe is Paystack's own bound: a transaction is never refunded beyond its amount, so a FULL refund
 * exists at most once even if the first attempt lands late. A partial refund has no such guard.
 */
import { verifyTransaction } from './collections.js';
import type { PaystackError, PaystackResult, PaystackUnknown, RefusalReason } from './errors.js';
import { unknownError } from './errors.js';
import { send, type PaystackReply, type PaystackTransport } from './http.js';
import {
  ID_PATTERN,
  PAGE_SIZE_MAX,
  assertPattern,
  assertText,
  assertTransactionReference,
  koboToWire,
} from './inputs.js';
import { toRefund, type PaystackRefund } from './models.js';
import { Schemas, type RefundData } from './schemas.js';

/** Paystack documents no limit on the notes; ours keeps them to a statement line or two. */
export const REFUND_NOTE_LENGTH_MAX = 200;
/** Refunds of one transaction fit on one page; more pages than this means a filter was ignored. */
export const REFUND_PAGES_MAX = 10;

export interface CreateRefundInput {
  /** The collected transaction, by our reference (Paystack's `transaction` takes a reference or id). */
  readonly transactionReference: string;
  /** Absent: whatever is left to refund of the transaction (all of it, the first time). */
  readonly amountKobo?: bigint;
  /** Shown to the merchant on the dashboard. */
  readonly merchantNote?: string;
  /** Shown to the customer. */
  readonly customerNote?: string;
}

export interface ListRefundsInput {
  readonly transactionReference: string;
}

export type RefundOutcome =
  | { readonly outcome: 'created'; readonly refund: PaystackRefund }
  | {
      readonly outcome: 'refused';
      /** Paystack's message. */
      readonly reason: string;
      readonly refusal: RefusalReason;
      readonly httpStatus: number;
      readonly code: string | null;
    }
  | { readonly outcome: 'unknown'; readonly cause: PaystackUnknown };

export type RefundResolution =
  /** Paystack holds refunds for the transaction: `refund` is the newest, `refunds` all of them, newest first. */
  | {
      readonly resolution: 'exists';
      readonly refund: PaystackRefund;
      readonly refunds: readonly PaystackRefund[];
    }
  /** Paystack holds no refund for the transaction (yet). */
  | { readonly resolution: 'absent' }
  /** The listing itself did not answer usably: stay unknown and ask again later. */
  | { readonly resolution: 'unknown'; readonly error: PaystackError };

export async function createRefund(
  transport: PaystackTransport,
  input: CreateRefundInput,
): Promise<RefundOutcome> {
  assertTransactionReference(input.transactionReference);
  const amount = input.amountKobo === undefined ? undefined : koboToWire(input.amountKobo);
  if (input.merchantNote !== undefined)
    assertText(input.merchantNote, REFUND_NOTE_LENGTH_MAX, 'merchant note');
  if (input.customerNote !== undefined)
    assertText(input.customerNote, REFUND_NOTE_LENGTH_MAX, 'customer note');
  const reply = await send(
    transport,
    {
      method: 'POST',
      path: '/refund',
      body: {
        transaction: input.transactionReference,
        currency: 'NGN',
        ...(amount === undefined ? {} : { amount }),
        ...(input.merchantNote === undefined ? {} : { merchant_note: input.merchantNote }),
        ...(input.customerNote === undefined ? {} : { customer_note: input.customerNote }),
      },
    },
    Schemas.refund,
  );
  return refundOutcome(reply, (refund) => {
    if (refund.transactionReference !== input.transactionReference)
      return 'create answered for another transaction';
    if (amount !== undefined && refund.amountKobo !== input.amountKobo)
      return 'create answered with another amount';
    return null;
  });
}

export async function fetchRefund(
  transport: PaystackTransport,
  id: string,
): Promise<PaystackResult<PaystackRefund>> {
  assertPattern(id, ID_PATTERN, 'refund id');
  const reply = await send(transport, { method: 'GET', path: `/refund/${id}` }, Schemas.refund);
  if (!reply.ok) return reply;
  const refund = toRefund(reply.data);
  if (refund.id !== id)
    return {
      ok: false,
      error: unknownError('invalid_response', 'fetch answered for another refund', reply.httpStatus),
    };
  return { ok: true, value: refund };
}

/**
 * Every refund of one transaction, newest first. Paystack's list filters by the transaction's
 * numeric id (its docs name the filter `transaction`, "the transaction ID"; the OpenAPI file lists
 * no filter at all), so a verify first turns our reference into that id. Rows for another
 * transaction are dropped rather than trusted, so a filter Paystack ignored cannot hand us another
 * payment's refund.
 */
export async function listRefunds(
  transport: PaystackTransport,
  input: ListRefundsInput,
): Promise<PaystackResult<readonly PaystackRefund[]>> {
  const reference = input.transactionReference;
  const verified = await verifyTransaction(transport, reference);
  if (!verified.ok) return verified;
  if (verified.value.reference !== reference)
    return { ok: false, error: unknownError('invalid_response', 'verify answered for another reference') };
  const refunds: PaystackRefund[] = [];
  for (let page = 1; page <= REFUND_PAGES_MAX; page += 1) {
    const query = { transaction: verified.value.id, perPage: String(PAGE_SIZE_MAX), page: String(page) };
    const reply = await send(transport, { method: 'GET', path: '/refund', query }, Schemas.refundList);
    if (!reply.ok) return reply;
    for (const refund of reply.data.map(toRefund))
      if (refund.transactionReference === reference) refunds.push(refund);
    // Paystack's own page count when it gives one (a page may be short of what we asked for);
    // otherwise a short page is the last.
    const meta = Schemas.offsetMeta.Check(reply.meta) ? reply.meta : {};
    const lastPage =
      meta.pageCount === undefined ? reply.data.length < PAGE_SIZE_MAX : page >= meta.pageCount;
    if (lastPage) return { ok: true, value: refunds.sort(newestFirst) };
  }
  return {
    ok: false,
    error: unknownError('invalid_response', `refund list longer than ${REFUND_PAGES_MAX} pages`),
  };
}

/** Settles an unknown create by listing the transaction's refunds. Never creates one. */
export async function resolveRefundOutcome(
  transport: PaystackTransport,
  transactionReference: string,
): Promise<RefundResolution> {
  const listed = await listRefunds(transport, { transactionReference });
  // Even "transaction not found" stays unknown: we created against it, so that answer means a
  // key/mode mix-up or a bug, never "no refund".
  if (!listed.ok) return { resolution: 'unknown', error: listed.error };
  const newest = listed.value[0];
  if (newest === undefined) return { resolution: 'absent' };
  return { resolution: 'exists', refund: newest, refunds: listed.value };
}

/** Paystack's refund ids grow with time; decimal text of at most 16 digits compares exactly as bigint. */
function newestFirst(a: PaystackRefund, b: PaystackRefund): number {
  const difference = BigInt(b.id) - BigInt(a.id);
  return difference > 0n ? 1 : difference < 0n ? -1 : 0;
}

/**
 * Maps a create reply to its outcome. A 2xx for another transaction or amount is not a refund we
 * can book: it stays unknown, for `resolveRefundOutcome` to settle.
 */
function refundOutcome(
  reply: PaystackReply<RefundData>,
  mismatch: (refund: PaystackRefund) => string | null,
): RefundOutcome {
  if (reply.ok) {
    const refund = toRefund(reply.data);
    const problem = mismatch(refund);
    if (problem !== null)
      return { outcome: 'unknown', cause: unknownError('invalid_response', problem, reply.httpStatus) };
    return { outcome: 'created', refund };
  }
  const error = reply.error;
  if (error.kind === 'unknown') return { outcome: 'unknown', cause: error };
  return {
    outcome: 'refused',
    reason: error.message,
    refusal: error.reason,
    httpStatus: error.httpStatus,
    code: error.code,
  };
}
