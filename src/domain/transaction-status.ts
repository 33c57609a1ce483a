/**
 * The SEP-24 / SEP-6 transaction status vocabulary (SEP-31's pending_sender / pending_receiver are
 * left out: Rampart does not do SEP-31). Spelled exactly as the SEPs spell them, since wallets
 * read them verbatim.
 */

export const TRANSACTION_STATUSES = [
  'incomplete',
  'pending_user_transfer_start',
  'pending_user_transfer_complete',
  'pending_anchor',
  'pending_stellar',
  'pending_external',
  'pending_trust',
  'pending_user',
  'pending_customer_info_update',
  'pending_transaction_info_update',
  'on_hold',
  'no_market',
  'too_small',
  'too_large',
  'completed',
  'refunded',
  'expired',
  'error',
] as const;

export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

export const TRANSACTION_KINDS = ['deposit', 'withdrawal'] as const;

export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

const statusSet: ReadonlySet<string> = new Set(TRANSACTION_STATUSES);

/** Narrows text read from storage or the wire to a status. */
export function isTransactionStatus(value: string): value is TransactionStatus {
  return statusSet.has(value);
}

export function isTransactionKind(value: string): value is TransactionKind {
  return value === 'deposit' || value === 'withdrawal';
}

/**
 * Final in the SEP sense: the transaction has ended, and the wallet may stop waiting on it.
 * `completed` and `refunded` never change again. `expired` means the funds never arrived; its
 * single way out is recovery to `pending_anchor` if funds turn up afterwards (a late Paystack
 * payment), so the money is never stranded — see transition-table.ts. `error` is NOT final: a
 * funded transaction in error must be recovered or refunded.
 */
export function isFinal(status: TransactionStatus): boolean {
  return status === 'completed' || status === 'refunded' || status === 'expired';
}
