/**
 * What the client hands to the rest of Rampart: Paystack's objects reduced to the fields we act
 * on, with amounts as bigint kobo and ids as decimal text. Mapping is pure and total because the
 * schemas have already been checked.
 */
import type { BankData, DedicatedAccountData, RefundData, TransactionData, TransferData } from './schemas.js';
import { assert } from '../../domain/assert.js';
import { wireToKobo } from './inputs.js';

/** Transaction statuses (rails-notes A2); an unlisted one is passed through as text, never as paid. */
export type TransactionStatus =
  'abandoned' | 'failed' | 'ongoing' | 'pending' | 'processing' | 'queued' | 'reversed' | 'success';

/** Transfer statuses (rails-notes A4). Conclusive: success, failed, reversed, abandoned, blocked, rejected. */
export type TransferStatus =
  'pending' | 'success' | 'failed' | 'reversed' | 'otp' | 'abandoned' | 'blocked' | 'rejected' | 'received';

/**
 * Refund statuses (Paystack's refund guide): `processed` and `failed` are final; `needs-attention`
 * waits for the customer's bank details and is not final.
 */
export type RefundStatus = 'pending' | 'processing' | 'needs-attention' | 'processed' | 'failed';

export interface PaystackTransaction {
  readonly id: string;
  readonly reference: string;
  /** A TransactionStatus, or whatever new word Paystack sends; only 'success' is ever paid. */
  readonly status: string;
  readonly amountKobo: bigint;
  readonly currency: string;
  readonly channel: string | null;
  readonly gatewayResponse: string | null;
  readonly paidAt: string | null;
  readonly customerCode: string | null;
  readonly metadata: unknown;
}

export interface PaystackTransfer {
  readonly id: string | null;
  readonly reference: string;
  readonly transferCode: string;
  /** A TransferStatus, or a new word from Paystack (treat as not conclusive). */
  readonly status: string;
  readonly amountKobo: bigint;
  readonly currency: string;
  readonly reason: string | null;
  /** Known after verify (the full recipient); initiate only returns the numeric id. */
  readonly recipientCode: string | null;
  /** The NIP session id: what support and the customer's bank need in a dispute. */
  readonly sessionId: string | null;
  readonly feeChargedKobo: bigint | null;
}

export interface PaystackRefund {
  readonly id: string;
  /** The refunded transaction: what Rampart keys a refund on. */
  readonly transactionReference: string;
  readonly transactionId: string;
  readonly amountKobo: bigint;
  readonly currency: string;
  /** A RefundStatus, or a new word from Paystack (treat as not final). */
  readonly status: string;
  readonly createdAt: string | null;
}

export interface Bank {
  readonly name: string;
  readonly code: string;
  readonly slug: string | null;
  readonly active: boolean;
  readonly supportsTransfer: boolean | null;
}

export interface DedicatedAccount {
  readonly id: string;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly bankName: string;
  readonly bankSlug: string | null;
  readonly active: boolean;
  readonly currency: string;
  readonly customerCode: string | null;
}

export const CONCLUSIVE_TRANSFER_STATUSES: ReadonlySet<string> = new Set([
  'success',
  'failed',
  'reversed',
  'abandoned',
  'blocked',
  'rejected',
]);

export const CONCLUSIVE_REFUND_STATUSES: ReadonlySet<string> = new Set(['processed', 'failed']);

export function toTransaction(data: TransactionData): PaystackTransaction {
  return {
    id: String(data.id),
    reference: data.reference,
    status: data.status,
    amountKobo: wireToKobo(data.amount),
    currency: data.currency,
    channel: data.channel ?? null,
    gatewayResponse: data.gateway_response ?? null,
    paidAt: data.paid_at ?? data.paidAt ?? null,
    customerCode: data.customer?.customer_code ?? null,
    metadata: data.metadata ?? null,
  };
}

export function toTransfer(data: TransferData): PaystackTransfer {
  const recipient = data.recipient;
  return {
    id: data.id === undefined || data.id === null ? null : String(data.id),
    reference: data.reference,
    transferCode: data.transfer_code,
    status: data.status,
    amountKobo: wireToKobo(data.amount),
    currency: data.currency,
    reason: data.reason ?? null,
    recipientCode: typeof recipient === 'object' && recipient !== null ? recipient.recipient_code : null,
    sessionId: data.session?.id ?? null,
    feeChargedKobo:
      data.fee_charged === undefined || data.fee_charged === null ? null : wireToKobo(data.fee_charged),
  };
}

export function toRefund(data: RefundData): PaystackRefund {
  const transaction = refundedTransaction(data);
  return {
    id: String(data.id),
    transactionReference: transaction.reference,
    transactionId: String(transaction.id),
    amountKobo: wireToKobo(data.amount),
    currency: data.currency,
    status: data.status,
    createdAt: data.createdAt ?? data.created_at ?? null,
  };
}

/** Create embeds the transaction; fetch and list pair its id with `transaction_reference`. */
function refundedTransaction(data: RefundData): { readonly id: number; readonly reference: string } {
  const transaction = data.transaction;
  if (typeof transaction === 'object') return transaction;
  assert('transaction_reference' in data, 'the refund schema pairs a transaction id with its reference');
  return { id: transaction, reference: data.transaction_reference };
}

export function toBank(data: BankData): Bank {
  return {
    name: data.name,
    code: data.code,
    slug: data.slug ?? null,
    // Absent means active: Paystack lists only usable banks unless told otherwise.
    active: data.active !== false && data.is_deleted !== true,
    supportsTransfer: data.supports_transfer ?? null,
  };
}

export function toDedicatedAccount(data: DedicatedAccountData): DedicatedAccount {
  return {
    id: String(data.id),
    accountNumber: data.account_number,
    accountName: data.account_name,
    bankName: data.bank.name,
    bankSlug: data.bank.slug ?? null,
    active: data.active,
    currency: data.currency,
    customerCode: data.customer?.customer_code ?? null,
  };
}
