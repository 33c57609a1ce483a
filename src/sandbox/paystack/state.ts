/**
 * The Paystack double's in-memory state: customers, transactions, dedicated accounts, recipients,
 * transfers, refunds and the NGN balance. Status changes of transactions, transfers and refunds go
 * through the `move…` functions here, which check the transition table and apply the balance (or
 * transaction) effects, so every route and control operation agrees on what a status change means.
 *
 * Money is bigint kobo inside; it becomes a JSON number only in `views.ts`.
 */
import { randomBytes } from 'node:crypto';
import { assert } from '../../domain/assert.js';

/** Per collection; a test or a sandbox session that needs more should reset. */
export const ENTITIES_MAX = 10_000;

/** Paystack's integration id for this double's pretend business. */
export const INTEGRATION_ID = 463_433;
export const BUSINESS_NAME = 'Rampart Sandbox';

export type TransactionStatus = 'abandoned' | 'ongoing' | 'success' | 'failed' | 'reversed';
export type TransferStatus = 'otp' | 'pending' | 'success' | 'failed' | 'reversed';
/** Paystack's `needs-attention` (waiting for the customer's bank details) is not modelled. */
export type RefundStatus = 'pending' | 'processing' | 'processed' | 'failed';

export interface Customer {
  readonly id: number;
  readonly code: string;
  readonly email: string;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  metadata: Record<string, unknown> | null;
  readonly createdAt: Date;
  updatedAt: Date;
}

/** What the payer's side looked like: a card, or a bank transfer into a dedicated account. */
export type Authorization =
  | { readonly kind: 'card'; readonly code: string; readonly signature: string }
  | {
      readonly kind: 'dedicated_nuban';
      readonly code: string;
      readonly senderName: string;
      readonly senderBank: string;
      readonly senderAccountNumber: string;
      readonly narration: string;
      readonly receiverAccountNumber: string;
      readonly receiverBank: string;
    };

export interface Transaction {
  readonly id: number;
  readonly reference: string;
  readonly accessCode: string;
  /** What the merchant asked for at initialize (`requested_amount`). */
  readonly requestedKobo: bigint;
  /** What was paid; equals the request unless control paid a different amount. */
  amountKobo: bigint;
  feesKobo: bigint | null;
  readonly customerId: number;
  readonly metadata: unknown;
  readonly callbackUrl: string | null;
  readonly source: 'merchant_api' | 'dedicated_nuban';
  channel: string;
  status: TransactionStatus;
  gatewayResponse: string;
  ipAddress: string;
  authorization: Authorization | null;
  /** The customer pressed Cancel on the checkout page: the page refuses to pay it afterwards. */
  cancelled: boolean;
  paidAt: Date | null;
  readonly createdAt: Date;
}

export interface Bank {
  readonly id: number;
  readonly name: string;
  readonly slug: string;
}

export interface DedicatedAccount {
  readonly id: number;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly bank: Bank;
  readonly customerId: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Recipient {
  readonly id: number;
  readonly code: string;
  readonly name: string;
  readonly accountNumber: string;
  readonly accountName: string | null;
  readonly bankCode: string;
  readonly bankName: string;
  readonly description: string;
  readonly metadata: Record<string, unknown> | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Transfer {
  readonly id: number;
  readonly code: string;
  readonly reference: string;
  readonly amountKobo: bigint;
  readonly feeKobo: bigint;
  readonly reason: string;
  readonly recipientId: number;
  status: TransferStatus;
  /** True while amount + fee are out of the balance: set when queued, cleared when refunded. */
  debited: boolean;
  failures: string | null;
  gatewayResponse: string | null;
  readonly sessionId: string;
  transferredAt: Date | null;
  readonly createdAt: Date;
  updatedAt: Date;
}

export interface Refund {
  readonly id: number;
  readonly transactionId: number;
  readonly amountKobo: bigint;
  readonly customerNote: string;
  readonly merchantNote: string;
  status: RefundStatus;
  /** The processor's reference: none until it answered (processed or failed), as in Paystack's events. */
  processorReference: string | null;
  refundedAt: Date | null;
  readonly createdAt: Date;
  updatedAt: Date;
}

/** Realistic id ranges; transactions start above 2^32 so a client that stores int32 breaks early. */
const ID_BASES = {
  customer: 180_000_000,
  transaction: 5_000_000_000,
  dedicatedAccount: 1_500_000,
  recipient: 60_000_000,
  transfer: 450_000_000,
  refund: 15_000_000,
} as const;

export type EntityKind = keyof typeof ID_BASES;

const CODE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Paystack's codes look like `TRF_1ptvuv321ahaa7q`: a prefix and 15 lowercase letters or digits. */
export function randomCode(length = 15): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += CODE_ALPHABET[byte % CODE_ALPHABET.length] ?? 'x';
  return out;
}

/** `length` random decimal digits, for processor references. */
export function randomDigits(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += String(byte % 10);
  return out;
}

/** Raised when a collection is full: an operating condition of the double, answered with 503. */
export class StateFullError extends Error {
  override readonly name = 'StateFullError';
}

export class PaystackState {
  readonly customers = new Map<number, Customer>();
  readonly transactions = new Map<number, Transaction>();
  readonly dedicatedAccounts = new Map<number, DedicatedAccount>();
  readonly recipients = new Map<number, Recipient>();
  readonly transfers = new Map<number, Transfer>();
  readonly refunds = new Map<number, Refund>();
  balanceKobo: bigint;
  otpEnabled = false;
  /** Refunds created while on are processed after `refundProcessMs`; off, only control settles them. */
  refundsAuto = true;
  private readonly counters = new Map<EntityKind, number>();

  constructor(
    balanceKobo: bigint,
    readonly now: () => Date,
  ) {
    assert(balanceKobo >= 0n, 'the starting balance is never negative');
    this.balanceKobo = balanceKobo;
  }

  nextId(kind: EntityKind): number {
    const next = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, next);
    return ID_BASES[kind] + next;
  }

  /** Refuses growth past the bound instead of letting a runaway test eat memory. */
  ensureRoom(collection: ReadonlyMap<number, unknown>): void {
    if (collection.size >= ENTITIES_MAX)
      throw new StateFullError(`sandbox state is full (${ENTITIES_MAX}); POST /_sandbox/reset`);
  }

  transactionByReference(reference: string): Transaction | undefined {
    for (const t of this.transactions.values()) if (t.reference === reference) return t;
    return undefined;
  }

  /** Paystack's refund `transaction` takes the numeric id or the reference. */
  transactionByIdOrReference(idOrReference: string): Transaction | undefined {
    if (/^[0-9]{1,16}$/.test(idOrReference)) {
      const byId = this.transactions.get(Number(idOrReference));
      if (byId !== undefined) return byId;
    }
    return this.transactionByReference(idOrReference);
  }

  transactionByAccessCode(accessCode: string): Transaction | undefined {
    for (const t of this.transactions.values()) if (t.accessCode === accessCode) return t;
    return undefined;
  }

  customerByEmail(email: string): Customer | undefined {
    const wanted = email.toLowerCase();
    for (const c of this.customers.values()) if (c.email.toLowerCase() === wanted) return c;
    return undefined;
  }

  customerByCode(code: string): Customer | undefined {
    for (const c of this.customers.values()) if (c.code === code) return c;
    return undefined;
  }

  dedicatedAccountByNumber(accountNumber: string): DedicatedAccount | undefined {
    for (const d of this.dedicatedAccounts.values()) if (d.accountNumber === accountNumber) return d;
    return undefined;
  }

  recipientByCode(code: string): Recipient | undefined {
    for (const r of this.recipients.values()) if (r.code === code) return r;
    return undefined;
  }

  recipientByAccount(bankCode: string, accountNumber: string): Recipient | undefined {
    for (const r of this.recipients.values())
      if (r.bankCode === bankCode && r.accountNumber === accountNumber) return r;
    return undefined;
  }

  transferByReference(reference: string): Transfer | undefined {
    for (const t of this.transfers.values()) if (t.reference === reference) return t;
    return undefined;
  }

  transferByIdOrCode(idOrCode: string): Transfer | undefined {
    if (/^[0-9]{1,16}$/.test(idOrCode)) return this.transfers.get(Number(idOrCode));
    for (const t of this.transfers.values()) if (t.code === idOrCode) return t;
    return undefined;
  }

  /** Finds or creates the customer for an email, as initialize does on Paystack. */
  customerFor(email: string): Customer {
    const existing = this.customerByEmail(email);
    if (existing !== undefined) return existing;
    this.ensureRoom(this.customers);
    const at = this.now();
    const customer: Customer = {
      id: this.nextId('customer'),
      code: `CUS_${randomCode()}`,
      email,
      firstName: null,
      lastName: null,
      phone: null,
      metadata: null,
      createdAt: at,
      updatedAt: at,
    };
    this.customers.set(customer.id, customer);
    return customer;
  }

  customerOf(transactionOrAccount: { readonly customerId: number }): Customer {
    const customer = this.customers.get(transactionOrAccount.customerId);
    assert(customer !== undefined, 'every transaction and dedicated account has its customer');
    return customer;
  }

  transactionOf(refund: Refund): Transaction {
    const transaction = this.transactions.get(refund.transactionId);
    assert(transaction !== undefined, 'every refund has its transaction');
    return transaction;
  }

  refundsOf(transaction: Transaction): Refund[] {
    return [...this.refunds.values()].filter((r) => r.transactionId === transaction.id);
  }

  /** What is left to refund: a failed refund gives its amount back, any other one holds it. */
  refundableKobo(transaction: Transaction): bigint {
    let held = 0n;
    for (const refund of this.refundsOf(transaction))
      if (refund.status !== 'failed') held += refund.amountKobo;
    const left = transaction.amountKobo - held;
    assert(left >= 0n, 'refunds never exceed their transaction');
    return left;
  }

  recipientOf(transfer: Transfer): Recipient {
    const recipient = this.recipients.get(transfer.recipientId);
    assert(recipient !== undefined, 'every transfer has its recipient');
    return recipient;
  }
}

/** Which transaction statuses may follow which; anything else is refused (409 on control). */
const TRANSACTION_MOVES: Readonly<Record<TransactionStatus, readonly TransactionStatus[]>> = {
  abandoned: ['ongoing', 'success', 'failed', 'abandoned'],
  ongoing: ['success', 'failed', 'abandoned'],
  success: ['reversed'],
  failed: [],
  reversed: [],
};

export function canMoveTransaction(from: TransactionStatus, to: TransactionStatus): boolean {
  return TRANSACTION_MOVES[from].includes(to);
}

const GATEWAY_RESPONSES: Readonly<Record<TransactionStatus, string>> = {
  abandoned: 'The transaction was not completed',
  ongoing: 'Awaiting customer action',
  success: 'Successful',
  failed: 'Declined',
  reversed: 'Reversed',
};

/** The only writer of a transaction's status. */
export function moveTransaction(state: PaystackState, transaction: Transaction, to: TransactionStatus): void {
  assert(
    canMoveTransaction(transaction.status, to),
    `transaction ${transaction.status} → ${to} is not allowed`,
  );
  transaction.status = to;
  transaction.gatewayResponse = GATEWAY_RESPONSES[to];
  if (to === 'success') transaction.paidAt = state.now();
}

const TRANSFER_MOVES: Readonly<Record<TransferStatus, readonly TransferStatus[]>> = {
  otp: ['pending'],
  pending: ['success', 'failed', 'reversed'],
  // A success can later turn into a reversal (rails-notes A4 "Transfer statuses").
  success: ['reversed'],
  failed: [],
  reversed: [],
};

export function canMoveTransfer(from: TransferStatus, to: TransferStatus): boolean {
  return TRANSFER_MOVES[from].includes(to);
}

/**
 * The only writer of a transfer's status, and the only place the balance moves for transfers:
 * queueing (`pending`) debits amount + fee, `failed` and `reversed` credit it back.
 */
export function moveTransfer(state: PaystackState, transfer: Transfer, to: TransferStatus): void {
  assert(canMoveTransfer(transfer.status, to), `transfer ${transfer.status} → ${to} is not allowed`);
  const total = transfer.amountKobo + transfer.feeKobo;
  if (to === 'pending') {
    assert(!transfer.debited, 'a transfer is debited once');
    assert(state.balanceKobo >= total, 'the caller checked the balance before queueing');
    state.balanceKobo -= total;
    transfer.debited = true;
  }
  if (to === 'failed' || to === 'reversed') {
    assert(transfer.debited, 'only a queued transfer can fail or reverse');
    state.balanceKobo += total;
    transfer.debited = false;
  }
  transfer.status = to;
  transfer.updatedAt = state.now();
  if (to === 'success') {
    transfer.transferredAt = transfer.updatedAt;
    transfer.gatewayResponse = 'Approved or completed successfully';
  }
  if (to === 'failed') {
    transfer.failures = 'Transfer failed';
    transfer.gatewayResponse = 'Transfer failed';
  }
  if (to === 'reversed') transfer.gatewayResponse = 'Beneficiary bank unavailable';
  assert(state.balanceKobo >= 0n, 'the balance never goes negative');
}

const REFUND_MOVES: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  pending: ['processing', 'processed', 'failed'],
  processing: ['processed', 'failed'],
  processed: [],
  failed: [],
};

export function canMoveRefund(from: RefundStatus, to: RefundStatus): boolean {
  return REFUND_MOVES[from].includes(to);
}

/**
 * The only writer of a refund's status. The processor's answer (processed or failed) brings its
 * reference; once processed refunds cover the whole amount, the transaction shows `reversed`, as
 * Paystack's does. The balance is left alone: the double does not credit collections to it either,
 * and Paystack takes a refund from the next settlement.
 */
export function moveRefund(state: PaystackState, refund: Refund, to: RefundStatus): void {
  assert(canMoveRefund(refund.status, to), `refund ${refund.status} → ${to} is not allowed`);
  const transaction = state.transactionOf(refund);
  refund.status = to;
  refund.updatedAt = state.now();
  if (to === 'processed' || to === 'failed')
    refund.processorReference = transaction.channel === 'card' ? randomDigits(12) : `TRF_${randomCode()}`;
  if (to !== 'processed') return;
  refund.refundedAt = refund.updatedAt;
  let processedKobo = 0n;
  for (const r of state.refundsOf(transaction)) if (r.status === 'processed') processedKobo += r.amountKobo;
  assert(processedKobo <= transaction.amountKobo, 'refunds never exceed their transaction');
  // A control move may already have reversed it (a chargeback, say): nothing more to show then.
  if (processedKobo === transaction.amountKobo && transaction.status === 'success')
    moveTransaction(state, transaction, 'reversed');
}
