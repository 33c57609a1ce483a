/**
 * The settlement rule for collections (rails-notes A2): a payment is credited only when Paystack's
 * own verify says `status === 'success'` AND the amount, the currency and the reference are exactly
 * the ones we stored. Anything else is not a payment, whatever a webhook or a browser redirect said.
 */
import type { PaystackError } from './errors.js';
import type { PaystackTransaction } from './models.js';

export interface ExpectedPayment {
  readonly amountKobo: bigint;
  readonly currency: 'NGN';
}

export type PaymentConfirmation =
  /** Credit exactly `expected.amountKobo`. */
  | { readonly outcome: 'paid'; readonly transaction: PaystackTransaction }
  /** Paystack's word for it is not 'success' (yet, or ever): do not credit; poll again if not terminal. */
  | { readonly outcome: 'not_paid'; readonly status: string; readonly transaction: PaystackTransaction }
  /** Paid, but not what we asked for: never credit automatically; an operator decides. */
  | { readonly outcome: 'mismatch'; readonly reason: string; readonly transaction: PaystackTransaction }
  /** Verify did not answer usably (including "reference not found"): ask again later. */
  | { readonly outcome: 'unknown'; readonly error: PaystackError };

/**
 * Pure: judges a verified transaction against what we expected. The reference is checked first,
 * because an answer about another transaction says nothing about ours — whatever its status.
 */
export function judgePayment(
  transaction: PaystackTransaction,
  reference: string,
  expected: ExpectedPayment,
): PaymentConfirmation {
  if (transaction.reference !== reference)
    return { outcome: 'mismatch', reason: 'reference differs from the one verified', transaction };
  if (transaction.status !== 'success')
    return { outcome: 'not_paid', status: transaction.status, transaction };
  if (transaction.currency !== expected.currency)
    return {
      outcome: 'mismatch',
      reason: `currency ${transaction.currency}, expected ${expected.currency}`,
      transaction,
    };
  if (transaction.amountKobo !== expected.amountKobo)
    return {
      outcome: 'mismatch',
      reason: `amount ${transaction.amountKobo} kobo, expected ${expected.amountKobo}`,
      transaction,
    };
  return { outcome: 'paid', transaction };
}
