/**
 * Checks on what Rampart sends to Paystack. Our references, codes and amounts are produced by our
 * own code, so a malformed one is a programmer error (an assertion), caught before it reaches a
 * URL path or moves money. Customer-typed input (account numbers) is checked where it is used and
 * answered with a typed result instead.
 */
import { assert } from '../../domain/assert.js';

/** Transactions: letters, digits, '-', '.', '=' (OpenAPI `TransactionInitialize.reference`). */
export const TRANSACTION_REFERENCE_PATTERN = /^[A-Za-z0-9.=-]{1,100}$/;
/** Transfers: lowercase letters, digits, '-', '_', 16–50 characters (rails-notes A4). */
export const TRANSFER_REFERENCE_PATTERN = /^[a-z0-9_-]{16,50}$/;
export const TRANSFER_CODE_PATTERN = /^TRF_[A-Za-z0-9]{1,64}$/;
export const RECIPIENT_CODE_PATTERN = /^RCP_[A-Za-z0-9]{1,64}$/;
export const CUSTOMER_CODE_PATTERN = /^CUS_[A-Za-z0-9]{1,64}$/;
/** Numeric Paystack ids, as decimal text. */
export const ID_PATTERN = /^[0-9]{1,16}$/;
/** NUBAN: ten digits. */
export const ACCOUNT_NUMBER_PATTERN = /^[0-9]{10}$/;
/** Nigerian bank codes are 3–6 digits ("058", "50457", "999992", test bank "001"). */
export const BANK_CODE_PATTERN = /^[0-9]{3,6}$/;

export const EMAIL_LENGTH_MAX = 254;
export const NAME_LENGTH_MAX = 100;
export const REASON_LENGTH_MAX = 100;
export const OTP_LENGTH_MAX = 16;
/** Paystack's page size ceiling; also ours. */
export const PAGE_SIZE_MAX = 100;

export function assertTransactionReference(reference: string): void {
  assert(TRANSACTION_REFERENCE_PATTERN.test(reference), `not a Paystack transaction reference: ${reference}`);
}

export function assertTransferReference(reference: string): void {
  assert(
    TRANSFER_REFERENCE_PATTERN.test(reference),
    `transfer reference must be 16-50 of [a-z0-9_-]: ${reference}`,
  );
}

export function assertPattern(value: string, pattern: RegExp, what: string): void {
  assert(pattern.test(value), `not a Paystack ${what}: ${value}`);
}

export function assertText(value: string, lengthMax: number, what: string): void {
  assert(value.length > 0, `${what} must not be empty`);
  assert(value.length <= lengthMax, `${what} is ${value.length} characters, limit ${lengthMax}`);
}

/**
 * Kobo to the wire: Paystack wants a JSON integer. Beyond 2^53 a JS number cannot hold it exactly,
 * so such an amount is refused rather than rounded — it is a bug long before it is a payment.
 */
export function koboToWire(amountKobo: bigint): number {
  assert(amountKobo > 0n, `amount must be positive, got ${amountKobo} kobo`);
  assert(amountKobo <= BigInt(Number.MAX_SAFE_INTEGER), `amount ${amountKobo} kobo is not a safe integer`);
  return Number(amountKobo);
}

/** Wire to kobo; the schema already guaranteed a safe integer, this only changes the type. */
export function wireToKobo(amount: number): bigint {
  assert(Number.isSafeInteger(amount), `wire amount ${amount} is not a safe integer`);
  return BigInt(amount);
}
