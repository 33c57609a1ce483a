/**
 * The double's state-changing operations, shared by the API routes, the checkout page and the
 * control API: each changes state through `moveTransaction`/`moveTransfer`/`moveRefund` and then
 * emits the webhook Paystack would send. Inputs arrive validated; refusals are `PaystackError`s.
 */
import { assert } from '../../domain/assert.js';
import {
  BUSINESS_NAME,
  canMoveRefund,
  canMoveTransaction,
  canMoveTransfer,
  moveRefund,
  moveTransaction,
  moveTransfer,
  randomCode,
  type Customer,
  type DedicatedAccount,
  type Recipient,
  type Refund,
  type Transaction,
  type TransactionStatus,
  type Transfer,
} from './state.js';
import {
  DVA_PROVIDERS,
  bankByCode,
  cardFeeKobo,
  dedicatedAccountFeeKobo,
  transferFeeKobo,
  type KnownAccount,
} from './banks.js';
import type { DoubleContext } from './context.js';
import { refuse } from './http.js';
import {
  customerView,
  dedicatedAccountView,
  refundEventView,
  transactionFetchView,
  transferEventView,
} from './views.js';

export const BALANCE_NOT_ENOUGH = 'Your balance is not enough to fulfil this request';

export interface InitializeInput {
  readonly email: string;
  readonly amountKobo: bigint;
  readonly reference: string | undefined;
  readonly callbackUrl: string | undefined;
  readonly metadata: unknown;
  readonly ipAddress: string;
}

export function initializeTransaction(ctx: DoubleContext, input: InitializeInput): Transaction {
  const { state } = ctx;
  const reference = input.reference ?? randomCode(10);
  if (state.transactionByReference(reference) !== undefined)
    refuse(400, 'Duplicate Transaction Reference', {
      type: 'validation_error',
      code: 'duplicate_reference',
      meta: { nextStep: 'Try and create the Transaction or Charge with a new reference' },
    });
  state.ensureRoom(state.transactions);
  const customer = state.customerFor(input.email);
  const transaction: Transaction = {
    id: state.nextId('transaction'),
    reference,
    accessCode: randomCode(15),
    requestedKobo: input.amountKobo,
    amountKobo: input.amountKobo,
    feesKobo: null,
    customerId: customer.id,
    metadata: input.metadata,
    callbackUrl: input.callbackUrl ?? null,
    source: 'merchant_api',
    channel: 'card',
    status: 'abandoned',
    gatewayResponse: 'The transaction was not completed',
    ipAddress: input.ipAddress,
    authorization: null,
    cancelled: false,
    paidAt: null,
    createdAt: state.now(),
  };
  state.transactions.set(transaction.id, transaction);
  return transaction;
}

export interface PayOptions {
  /** Pays a different amount than requested (an underpayment, say); defaults to the request. */
  readonly amountKobo?: bigint;
  readonly ipAddress?: string;
}

/** The customer paid by card on the checkout page: `success` and `charge.success`. */
export function payTransaction(ctx: DoubleContext, transaction: Transaction, options: PayOptions = {}): void {
  if (!canMoveTransaction(transaction.status, 'success'))
    refuse(409, `transaction ${transaction.reference} is ${transaction.status} and cannot be paid`);
  transaction.amountKobo = options.amountKobo ?? transaction.requestedKobo;
  transaction.feesKobo = cardFeeKobo(transaction.amountKobo);
  transaction.channel = 'card';
  transaction.authorization = {
    kind: 'card',
    code: `AUTH_${randomCode(10)}`,
    signature: `SIG_${randomCode(20)}`,
  };
  if (options.ipAddress !== undefined) transaction.ipAddress = options.ipAddress;
  moveTransaction(ctx.state, transaction, 'success');
  ctx.webhooks.emit('charge.success', transactionFetchView(ctx.state, transaction, ctx.settings.domain));
}

/** Paystack sends webhooks only for successful charges: other moves are silent (rails-notes A2). */
export function moveTransactionQuietly(
  ctx: DoubleContext,
  transaction: Transaction,
  to: Exclude<TransactionStatus, 'success'>,
): void {
  if (!canMoveTransaction(transaction.status, to))
    refuse(409, `transaction ${transaction.reference} is ${transaction.status} and cannot become ${to}`);
  moveTransaction(ctx.state, transaction, to);
}

/** The customer pressed Cancel on the checkout page: still `abandoned`, and the page is closed. */
export function cancelCheckout(ctx: DoubleContext, transaction: Transaction): void {
  if (transaction.status === 'abandoned' || transaction.status === 'ongoing') {
    moveTransaction(ctx.state, transaction, 'abandoned');
    transaction.cancelled = true;
  }
}

export interface CustomerInput {
  readonly email: string;
  readonly firstName: string | undefined;
  readonly lastName: string | undefined;
  readonly phone: string | undefined;
  readonly metadata: Record<string, unknown> | undefined;
}

/** Creating a customer with a known email updates and returns the existing one, as Paystack does. */
export function upsertCustomer(ctx: DoubleContext, input: CustomerInput): Customer {
  const customer = ctx.state.customerFor(input.email);
  if (input.firstName !== undefined) customer.firstName = input.firstName;
  if (input.lastName !== undefined) customer.lastName = input.lastName;
  if (input.phone !== undefined) customer.phone = input.phone;
  if (input.metadata !== undefined) customer.metadata = input.metadata;
  customer.updatedAt = ctx.state.now();
  return customer;
}

function dedicatedAccountName(customer: Customer): string {
  const names = [customer.firstName, customer.lastName].filter((n): n is string => n !== null);
  const holder = names.length > 0 ? names.join(' ') : (customer.email.split('@')[0] ?? customer.email);
  return `${BUSINESS_NAME.replace(/ /g, '').toUpperCase()}/${holder.toUpperCase()}`;
}

/** Assigns a dedicated NUBAN (one per customer and provider) and sends the assign webhook. */
export function assignDedicatedAccount(
  ctx: DoubleContext,
  customer: Customer,
  preferredBank: string | undefined,
): DedicatedAccount {
  const { state } = ctx;
  const slug = preferredBank ?? (ctx.settings.domain === 'test' ? 'test-bank' : 'wema-bank');
  const bank = DVA_PROVIDERS.get(slug);
  if (bank === undefined)
    refuse(400, `Invalid preferred bank: ${slug}`, { type: 'validation_error', code: 'invalid_params' });
  for (const account of state.dedicatedAccounts.values())
    if (account.customerId === customer.id && account.bank.slug === bank.slug) return account;
  state.ensureRoom(state.dedicatedAccounts);
  const id = state.nextId('dedicatedAccount');
  const at = state.now();
  const account: DedicatedAccount = {
    id,
    accountNumber: String(9_930_000_000 + (id % 1_000_000)),
    accountName: dedicatedAccountName(customer),
    bank,
    customerId: customer.id,
    createdAt: at,
    updatedAt: at,
  };
  state.dedicatedAccounts.set(account.id, account);
  const { customer: _embedded, ...dedicated } = dedicatedAccountView(state, account);
  ctx.webhooks.emit('dedicatedaccount.assign.success', {
    customer: customerView(customer),
    dedicated_account: dedicated,
    identification: { status: 'success' },
  });
  return account;
}

export interface DepositInput {
  readonly amountKobo: bigint;
  readonly senderName: string;
  readonly senderBank: string;
  readonly senderAccountNumber: string;
  readonly narration: string;
}

/** A bank transfer into a dedicated account: a new successful transaction and its `charge.success`. */
export function depositToDedicatedAccount(
  ctx: DoubleContext,
  account: DedicatedAccount,
  input: DepositInput,
): Transaction {
  const { state } = ctx;
  state.ensureRoom(state.transactions);
  const at = state.now();
  const transaction: Transaction = {
    id: state.nextId('transaction'),
    // Paystack generates the reference of a deposit; the merchant never saw it before.
    reference: `T${randomCode(15)}`,
    accessCode: randomCode(15),
    requestedKobo: input.amountKobo,
    amountKobo: input.amountKobo,
    feesKobo: dedicatedAccountFeeKobo(input.amountKobo),
    customerId: account.customerId,
    metadata: {
      receiver_account_number: account.accountNumber,
      receiver_bank: account.bank.name,
      custom_fields: [],
    },
    callbackUrl: null,
    source: 'dedicated_nuban',
    channel: 'dedicated_nuban',
    status: 'abandoned',
    gatewayResponse: 'Approved',
    ipAddress: '127.0.0.1',
    authorization: {
      kind: 'dedicated_nuban',
      code: `AUTH_${randomCode(10)}`,
      senderName: input.senderName,
      senderBank: input.senderBank,
      senderAccountNumber: input.senderAccountNumber,
      narration: input.narration,
      receiverAccountNumber: account.accountNumber,
      receiverBank: account.bank.name,
    },
    cancelled: false,
    paidAt: null,
    createdAt: at,
  };
  state.transactions.set(transaction.id, transaction);
  moveTransaction(state, transaction, 'success');
  transaction.gatewayResponse = 'Approved';
  ctx.webhooks.emit('charge.success', transactionFetchView(state, transaction, ctx.settings.domain));
  return transaction;
}

function knownAccounts(ctx: DoubleContext): readonly KnownAccount[] {
  return [...ctx.extraAccounts, ...ctx.settings.accounts];
}

/** The name behind an account, or null when the bank would not resolve it. */
export function accountNameOf(ctx: DoubleContext, bankCode: string, accountNumber: string): string | null {
  if (!/^[0-9]{10}$/.test(accountNumber)) return null;
  if (bankCode === '001') return `TEST ACCOUNT ${accountNumber}`;
  const known = knownAccounts(ctx).find((a) => a.bankCode === bankCode && a.accountNumber === accountNumber);
  return known?.accountName ?? null;
}

export interface RecipientInput {
  readonly name: string;
  readonly accountNumber: string;
  readonly bankCode: string;
  readonly description: string | undefined;
  readonly metadata: Record<string, unknown> | undefined;
}

/** Idempotent on (bank code, account number): the existing recipient comes back unchanged. */
export function createRecipient(ctx: DoubleContext, input: RecipientInput): Recipient {
  const { state } = ctx;
  const existing = state.recipientByAccount(input.bankCode, input.accountNumber);
  if (existing !== undefined) return existing;
  const bank = bankByCode(input.bankCode);
  assert(bank !== undefined, 'the route checked the bank code');
  state.ensureRoom(state.recipients);
  const at = state.now();
  const recipient: Recipient = {
    id: state.nextId('recipient'),
    code: `RCP_${randomCode()}`,
    name: input.name,
    accountNumber: input.accountNumber,
    accountName: accountNameOf(ctx, input.bankCode, input.accountNumber),
    bankCode: input.bankCode,
    bankName: bank.name,
    description: input.description ?? '',
    metadata: input.metadata ?? null,
    createdAt: at,
    updatedAt: at,
  };
  state.recipients.set(recipient.id, recipient);
  return recipient;
}

export interface TransferInput {
  readonly amountKobo: bigint;
  readonly recipient: Recipient;
  readonly reference: string | undefined;
  readonly reason: string | undefined;
}

/**
 * Every transfer is born awaiting authorization (`otp`); without OTP it is authorized at once,
 * which queues it (`pending`) and debits amount + fee.
 */
export function initiateTransfer(ctx: DoubleContext, input: TransferInput): Transfer {
  const { state } = ctx;
  const reference = input.reference ?? randomCode(20);
  // Live Paystack refuses a reused reference without returning the original (rails-notes A4, A7).
  if (state.transferByReference(reference) !== undefined) refuse(400, ctx.settings.duplicateTransferMessage);
  const feeKobo = transferFeeKobo(input.amountKobo);
  if (state.balanceKobo < input.amountKobo + feeKobo) refuse(400, BALANCE_NOT_ENOUGH);
  state.ensureRoom(state.transfers);
  const at = state.now();
  const id = state.nextId('transfer');
  const transfer: Transfer = {
    id,
    code: `TRF_${randomCode()}`,
    reference,
    amountKobo: input.amountKobo,
    feeKobo,
    reason: input.reason ?? '',
    recipientId: input.recipient.id,
    status: 'otp',
    debited: false,
    failures: null,
    gatewayResponse: null,
    sessionId: `090286${at.toISOString().replace(/\D/g, '').slice(2, 14)}${String(id).padStart(12, '0').slice(-12)}`,
    transferredAt: null,
    createdAt: at,
    updatedAt: at,
  };
  state.transfers.set(transfer.id, transfer);
  if (!state.otpEnabled) queueTransfer(ctx, transfer);
  return transfer;
}

function queueTransfer(ctx: DoubleContext, transfer: Transfer): void {
  moveTransfer(ctx.state, transfer, 'pending');
  const afterMs = ctx.settings.autoSettleTransfersMs;
  if (afterMs === null) return;
  const timer = setTimeout(() => {
    ctx.timers.delete(timer);
    if (transfer.status === 'pending') settleTransfer(ctx, transfer, 'success');
  }, afterMs);
  ctx.timers.add(timer);
}

export function finalizeTransfer(ctx: DoubleContext, transfer: Transfer, otp: string): void {
  if (transfer.status !== 'otp') refuse(400, 'Transfer is not currently awaiting OTP');
  if (otp !== ctx.settings.otp) refuse(400, 'Invalid OTP');
  const total = transfer.amountKobo + transfer.feeKobo;
  if (ctx.state.balanceKobo < total) refuse(400, BALANCE_NOT_ENOUGH);
  queueTransfer(ctx, transfer);
}

export type TransferOutcome = 'success' | 'failed' | 'reversed';

/** The bank's answer: the final status, the balance effect and the `transfer.*` webhook. */
export function settleTransfer(ctx: DoubleContext, transfer: Transfer, outcome: TransferOutcome): void {
  if (!canMoveTransfer(transfer.status, outcome))
    refuse(409, `transfer ${transfer.reference} is ${transfer.status} and cannot become ${outcome}`);
  moveTransfer(ctx.state, transfer, outcome);
  ctx.webhooks.emit(`transfer.${outcome}`, transferEventView(ctx.state, transfer, ctx.settings.domain));
}

export interface RefundInput {
  /** Absent: all that is left to refund. */
  readonly amountKobo: bigint | undefined;
  readonly customerNote: string | undefined;
  readonly merchantNote: string | undefined;
}

/**
 * A refund of a successful transaction, never beyond what is left of it — the one guard Paystack
 * has against refunding twice. Born `pending` with `refund.pending`; processed by itself after
 * `refundProcessMs` while `refundsAuto` is on.
 */
export function createRefund(ctx: DoubleContext, transaction: Transaction, input: RefundInput): Refund {
  const { state } = ctx;
  if (transaction.status === 'reversed') refuse(400, 'Transaction has been fully reversed');
  if (transaction.status !== 'success')
    refuse(400, `Cannot refund a transaction that is ${transaction.status}`, {
      type: 'validation_error',
      code: 'invalid_params',
    });
  const refundableKobo = state.refundableKobo(transaction);
  // Refunds still pending or processing already hold the rest of it.
  if (refundableKobo === 0n) refuse(400, 'Transaction has been fully reversed');
  const amountKobo = input.amountKobo ?? refundableKobo;
  if (amountKobo > refundableKobo)
    refuse(400, 'Refund amount cannot be more than the amount left to refund on the transaction', {
      type: 'validation_error',
      code: 'invalid_params',
    });
  state.ensureRoom(state.refunds);
  const at = state.now();
  const refund: Refund = {
    id: state.nextId('refund'),
    transactionId: transaction.id,
    amountKobo,
    customerNote: input.customerNote ?? `Refund for transaction ${transaction.reference}`,
    merchantNote: input.merchantNote ?? `Refund for transaction ${transaction.reference}`,
    status: 'pending',
    processorReference: null,
    refundedAt: null,
    createdAt: at,
    updatedAt: at,
  };
  state.refunds.set(refund.id, refund);
  ctx.webhooks.emit('refund.pending', refundEventView(state, refund, ctx.settings.domain));
  if (state.refundsAuto) scheduleRefund(ctx, refund);
  return refund;
}

function scheduleRefund(ctx: DoubleContext, refund: Refund): void {
  const timer = setTimeout(() => {
    ctx.timers.delete(timer);
    // Control may have settled it meanwhile; then there is nothing left to do.
    if (refund.status === 'pending') settleRefund(ctx, refund, 'processed');
  }, ctx.settings.refundProcessMs);
  ctx.timers.add(timer);
}

export type RefundOutcome = 'processing' | 'processed' | 'failed';

/** The processor's answer: the new status, its effect on the transaction and the `refund.*` webhook. */
export function settleRefund(ctx: DoubleContext, refund: Refund, outcome: RefundOutcome): void {
  if (!canMoveRefund(refund.status, outcome))
    refuse(409, `refund ${refund.id} is ${refund.status} and cannot become ${outcome}`);
  moveRefund(ctx.state, refund, outcome);
  ctx.webhooks.emit(`refund.${outcome}`, refundEventView(ctx.state, refund, ctx.settings.domain));
}
