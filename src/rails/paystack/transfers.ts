/**
 * Transfers: the calls that move money out. Each returns one of three outcomes, and the third is
 * the one that matters:
 *
 * - `succeeded`: Paystack accepted the transfer. Its `status` says where it is (`pending` live,
 *   `success` in test mode, `otp` when OTP is on); the webhook or a verify brings the final word.
 * - `failed`: Paystack answered 4xx `{status:false}`: it refused, nothing moved. One exception to
 *   read carefully: `refusal === 'duplicate_reference'` means a transfer with this reference
 *   ALREADY EXISTS (the first attempt landed) — resolve it with `resolveTransferOutcome`, never
 *   mark the payout failed on it.
 * - `unknown`: timeout, network error, 5xx, unreadable answer. The money may have moved.
 *
 * THE RULE (GUIDE.md §4.4, rails-notes A4/A6): an unknown outcome is resolved by
 * `resolveTransferOutcome(reference)`, which verifies the SAME reference — NEVER by initiating a
 * second transfer with a new reference. If the verify says "not landed", a retry must reuse the
 * same reference, so that a first attempt still in flight inside Paystack makes the retry a
 * refused duplicate instead of a second payment.
 */
import type { PaystackError, PaystackResult, PaystackUnknown, RefusalReason } from './errors.js';
import { isNotFound, unknownError } from './errors.js';
import { send, type PaystackReply, type PaystackTransport } from './http.js';
import {
  OTP_LENGTH_MAX,
  REASON_LENGTH_MAX,
  RECIPIENT_CODE_PATTERN,
  TRANSFER_CODE_PATTERN,
  assertPattern,
  assertText,
  assertTransferReference,
  koboToWire,
} from './inputs.js';
import { toTransfer, type PaystackTransfer } from './models.js';
import { Schemas, type TransferData } from './schemas.js';

export interface InitiateTransferInput {
  readonly amountKobo: bigint;
  readonly recipientCode: string;
  /** Ours, persisted with the payout before this call; the only idempotency Paystack offers. */
  readonly reference: string;
  /** Narration the customer sees on their statement. */
  readonly reason: string;
}

export type TransferOutcome =
  | { readonly outcome: 'succeeded'; readonly transfer: PaystackTransfer }
  | {
      readonly outcome: 'failed';
      /** Paystack's message. */
      readonly reason: string;
      readonly refusal: RefusalReason;
      readonly httpStatus: number;
      readonly code: string | null;
    }
  | { readonly outcome: 'unknown'; readonly cause: PaystackUnknown };

export type TransferResolution =
  /** Paystack has exactly this transfer under our reference; follow its status. */
  | { readonly resolution: 'landed'; readonly transfer: PaystackTransfer }
  /** Paystack says no transfer carries this reference (yet). Retry only with the SAME reference. */
  | { readonly resolution: 'not_landed' }
  /** Verify itself did not answer usably: stay unknown and verify again later. */
  | { readonly resolution: 'unknown'; readonly error: PaystackError };

export async function initiateTransfer(
  transport: PaystackTransport,
  input: InitiateTransferInput,
): Promise<TransferOutcome> {
  assertTransferReference(input.reference);
  assertPattern(input.recipientCode, RECIPIENT_CODE_PATTERN, 'recipient code');
  assertText(input.reason, REASON_LENGTH_MAX, 'transfer reason');
  const amount = koboToWire(input.amountKobo);
  const reply = await send(
    transport,
    {
      method: 'POST',
      path: '/transfer',
      body: {
        source: 'balance',
        amount,
        currency: 'NGN',
        recipient: input.recipientCode,
        reference: input.reference,
        reason: input.reason,
      },
    },
    Schemas.transfer,
  );
  return transferOutcome(reply, (data) =>
    data.reference === input.reference && data.amount === amount
      ? null
      : 'initiate answered with another reference or amount',
  );
}

export async function finalizeTransfer(
  transport: PaystackTransport,
  transferCode: string,
  otp: string,
): Promise<TransferOutcome> {
  assertPattern(transferCode, TRANSFER_CODE_PATTERN, 'transfer code');
  assertText(otp, OTP_LENGTH_MAX, 'otp');
  const reply = await send(
    transport,
    { method: 'POST', path: '/transfer/finalize_transfer', body: { transfer_code: transferCode, otp } },
    Schemas.transfer,
  );
  return transferOutcome(reply, (data) =>
    data.transfer_code === transferCode ? null : 'finalize answered for another transfer',
  );
}

export async function verifyTransfer(
  transport: PaystackTransport,
  reference: string,
): Promise<PaystackResult<PaystackTransfer>> {
  assertTransferReference(reference);
  const reply = await send(
    transport,
    { method: 'GET', path: `/transfer/verify/${encodeURIComponent(reference)}` },
    Schemas.transfer,
  );
  if (!reply.ok) return reply;
  if (reply.data.reference !== reference)
    return {
      ok: false,
      error: unknownError('invalid_response', 'verify answered for another reference', reply.httpStatus),
    };
  return { ok: true, value: toTransfer(reply.data) };
}

/** Settles an unknown outcome by asking Paystack about the same reference. Never sends money. */
export async function resolveTransferOutcome(
  transport: PaystackTransport,
  reference: string,
): Promise<TransferResolution> {
  const verified = await verifyTransfer(transport, reference);
  if (verified.ok) return { resolution: 'landed', transfer: verified.value };
  if (isNotFound(verified.error)) return { resolution: 'not_landed' };
  return { resolution: 'unknown', error: verified.error };
}

/**
 * Maps a money-moving reply to its outcome. A 2xx whose transfer is not the one we asked for is
 * not a success we can book: it stays unknown, for verify to settle.
 */
function transferOutcome(
  reply: PaystackReply<TransferData>,
  mismatch: (data: TransferData) => string | null,
): TransferOutcome {
  if (reply.ok) {
    const problem = mismatch(reply.data);
    if (problem !== null)
      return { outcome: 'unknown', cause: unknownError('invalid_response', problem, reply.httpStatus) };
    return { outcome: 'succeeded', transfer: toTransfer(reply.data) };
  }
  const error = reply.error;
  if (error.kind === 'unknown') return { outcome: 'unknown', cause: error };
  return {
    outcome: 'failed',
    reason: error.message,
    refusal: error.reason,
    httpStatus: error.httpStatus,
    code: error.code,
  };
}
