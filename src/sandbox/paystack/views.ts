/**
 * Paystack's JSON shapes for the double's entities. Each endpoint's view follows the live response
 * (rails-notes A2–A5): `verify` carries `plan: null` where `fetch`/list carry `{}`, transfers embed
 * the recipient id on create and the full recipient on verify/fetch, and webhooks carry the
 * integration as an object with snake_case timestamps; refunds embed a trimmed transaction on create
 * and its id elsewhere. Money leaves bigint here and only here.
 */
import { assert } from '../../domain/assert.js';
import {
  BUSINESS_NAME,
  INTEGRATION_ID,
  type Customer,
  type DedicatedAccount,
  type PaystackState,
  type Recipient,
  type Refund,
  type Transaction,
  type Transfer,
} from './state.js';
import type { BankRecord } from './banks.js';

type Json = Record<string, unknown>;

/** Kobo as a JSON number; every amount the double holds is far below 2^53, and must stay so. */
export function koboNumber(kobo: bigint): number {
  assert(kobo >= 0n && kobo <= BigInt(Number.MAX_SAFE_INTEGER), 'kobo amounts fit a JSON number exactly');
  return Number(kobo);
}

function iso(date: Date): string {
  return date.toISOString();
}

function internationalPhone(phone: string | null): string | null {
  if (phone === null) return null;
  if (phone.startsWith('+')) return phone;
  if (phone.startsWith('0')) return `+234${phone.slice(1)}`;
  return `+${phone}`;
}

export function customerView(customer: Customer): Json {
  return {
    id: customer.id,
    first_name: customer.firstName,
    last_name: customer.lastName,
    email: customer.email,
    customer_code: customer.code,
    phone: customer.phone,
    metadata: customer.metadata,
    risk_action: 'default',
    international_format_phone: internationalPhone(customer.phone),
  };
}

/** `POST /customer`'s shape: the customer plus its (empty) relations and timestamps. */
export function customerCreatedView(customer: Customer, domain: string): Json {
  return {
    transactions: [],
    subscriptions: [],
    authorizations: [],
    email: customer.email,
    first_name: customer.firstName,
    last_name: customer.lastName,
    phone: customer.phone,
    integration: INTEGRATION_ID,
    domain,
    metadata: customer.metadata,
    customer_code: customer.code,
    risk_action: 'default',
    id: customer.id,
    createdAt: iso(customer.createdAt),
    updatedAt: iso(customer.updatedAt),
    identified: false,
    identifications: null,
  };
}

function authorizationView(transaction: Transaction): Json {
  const auth = transaction.authorization;
  if (auth === null) return {};
  const expYear = String(transaction.createdAt.getUTCFullYear() + 3);
  if (auth.kind === 'card') {
    // Paystack's documented test card 4084 0840 8408 4081.
    return {
      authorization_code: auth.code,
      bin: '408408',
      last4: '4081',
      exp_month: '12',
      exp_year: expYear,
      channel: 'card',
      card_type: 'visa ',
      bank: 'TEST BANK',
      country_code: 'NG',
      brand: 'visa',
      reusable: true,
      signature: auth.signature,
      account_name: null,
      receiver_bank_account_number: null,
      receiver_bank: null,
    };
  }
  return {
    authorization_code: auth.code,
    bin: `${auth.senderAccountNumber.slice(0, 3)}XXX`,
    last4: `X${auth.senderAccountNumber.slice(-3)}`,
    exp_month: String(transaction.createdAt.getUTCMonth() + 1).padStart(2, '0'),
    exp_year: String(transaction.createdAt.getUTCFullYear()),
    channel: 'dedicated_nuban',
    card_type: 'transfer',
    bank: auth.senderBank,
    country_code: 'NG',
    brand: 'Managed Account',
    reusable: false,
    signature: null,
    account_name: null,
    sender_bank: auth.senderBank,
    sender_bank_account_number: `XXXXXX${auth.senderAccountNumber.slice(-4)}`,
    sender_country: 'NG',
    sender_name: auth.senderName,
    narration: auth.narration,
    receiver_bank_account_number: auth.receiverAccountNumber,
    receiver_bank: auth.receiverBank,
  };
}

function sourceView(transaction: Transaction): Json {
  if (transaction.source === 'dedicated_nuban')
    return { type: 'offline', source: 'dedicated_nuban', identifier: null, entry_point: 'dedicated_nuban' };
  return { type: 'api', source: 'merchant_api', identifier: null, entry_point: 'transaction_initialize' };
}

/** The fields every transaction view shares. */
function transactionCore(state: PaystackState, transaction: Transaction, domain: string): Json {
  const paidAt = transaction.paidAt === null ? null : iso(transaction.paidAt);
  return {
    id: transaction.id,
    domain,
    status: transaction.status,
    reference: transaction.reference,
    receipt_number: null,
    amount: koboNumber(transaction.amountKobo),
    message: null,
    gateway_response: transaction.gatewayResponse,
    paid_at: paidAt,
    created_at: iso(transaction.createdAt),
    channel: transaction.channel,
    currency: 'NGN',
    ip_address: transaction.ipAddress,
    // Paystack sends "" when no metadata was given (rails-notes A2); otherwise it echoes it.
    metadata: transaction.metadata ?? '',
    log: null,
    fees: transaction.feesKobo === null ? null : koboNumber(transaction.feesKobo),
    fees_split: null,
    authorization: authorizationView(transaction),
    customer: customerView(state.customerOf(transaction)),
    split: {},
    subaccount: {},
    order_id: null,
    paidAt,
    createdAt: iso(transaction.createdAt),
    requested_amount: koboNumber(transaction.requestedKobo),
    pos_transaction_data: null,
    source: sourceView(transaction),
    fees_breakdown: null,
    connect: null,
  };
}

/** `GET /transaction/verify/:reference` */
export function transactionVerifyView(state: PaystackState, transaction: Transaction, domain: string): Json {
  return {
    ...transactionCore(state, transaction, domain),
    plan: null,
    transaction_date: iso(transaction.createdAt),
    plan_object: {},
  };
}

/** `GET /transaction/:id`, list items and `charge.success` data. */
export function transactionFetchView(state: PaystackState, transaction: Transaction, domain: string): Json {
  return { ...transactionCore(state, transaction, domain), plan: {}, helpdesk_link: null };
}

function providerBankView(account: DedicatedAccount): Json {
  return { name: account.bank.name, id: account.bank.id, slug: account.bank.slug };
}

export function dedicatedAccountView(state: PaystackState, account: DedicatedAccount): Json {
  const customer = state.customerOf(account);
  return {
    bank: providerBankView(account),
    account_name: account.accountName,
    account_number: account.accountNumber,
    assigned: true,
    currency: 'NGN',
    metadata: null,
    active: true,
    split_config: null,
    id: account.id,
    created_at: iso(account.createdAt),
    updated_at: iso(account.updatedAt),
    assignment: {
      integration: INTEGRATION_ID,
      assignee_id: customer.id,
      assignee_type: 'Customer',
      expired: false,
      account_type: 'PAY-WITH-TRANSFER-RECURRING',
      assigned_at: iso(account.createdAt),
      expired_at: null,
    },
    customer: customerView(customer),
  };
}

export function bankView(bank: BankRecord, at: Date): Json {
  return {
    name: bank.name,
    slug: bank.slug,
    code: bank.code,
    longcode: bank.longcode,
    gateway: null,
    pay_with_bank: false,
    supports_transfer: true,
    available_for_direct_debit: false,
    active: true,
    is_deleted: false,
    country: 'Nigeria',
    currency: 'NGN',
    type: 'nuban',
    id: bank.id,
    createdAt: iso(at),
    updatedAt: iso(at),
  };
}

export function recipientView(recipient: Recipient, domain: string): Json {
  return {
    active: true,
    createdAt: iso(recipient.createdAt),
    currency: 'NGN',
    description: recipient.description,
    domain,
    // Live leaves it null when the recipient was created without one.
    email: null,
    id: recipient.id,
    integration: INTEGRATION_ID,
    metadata: recipient.metadata,
    name: recipient.name,
    recipient_code: recipient.code,
    type: 'nuban',
    updatedAt: iso(recipient.updatedAt),
    is_deleted: false,
    isDeleted: false,
    details: {
      authorization_code: null,
      account_number: recipient.accountNumber,
      account_name: recipient.accountName,
      bank_code: recipient.bankCode,
      bank_name: recipient.bankName,
    },
  };
}

function transferCore(transfer: Transfer, domain: string): Json {
  return {
    amount: koboNumber(transfer.amountKobo),
    currency: 'NGN',
    domain,
    failures: transfer.failures,
    id: transfer.id,
    reason: transfer.reason,
    reference: transfer.reference,
    source: 'balance',
    source_details: null,
    status: transfer.status,
    titan_code: null,
    transfer_code: transfer.code,
    transferred_at: transfer.transferredAt === null ? null : iso(transfer.transferredAt),
  };
}

/** `POST /transfer` and `/transfer/finalize_transfer`: the recipient is its numeric id here. */
export function transferCreatedView(transfer: Transfer, domain: string): Json {
  return {
    ...transferCore(transfer, domain),
    transfersessionid: [],
    transfertrials: [],
    integration: INTEGRATION_ID,
    request: transfer.id,
    recipient: transfer.recipientId,
    createdAt: iso(transfer.createdAt),
    updatedAt: iso(transfer.updatedAt),
  };
}

function sessionView(transfer: Transfer): Json {
  // The NIP session id exists once the transfer reached the switch.
  const sent = transfer.status !== 'otp';
  return { provider: sent ? 'nip' : null, id: sent ? transfer.sessionId : null };
}

/** `GET /transfer/verify/:reference` and `GET /transfer/:id_or_code`. */
export function transferView(state: PaystackState, transfer: Transfer, domain: string): Json {
  return {
    ...transferCore(transfer, domain),
    integration: INTEGRATION_ID,
    request: transfer.id,
    recipient: recipientView(state.recipientOf(transfer), domain),
    session: sessionView(transfer),
    fee_charged: koboNumber(transfer.feeKobo),
    fees_breakdown: null,
    gateway_response: transfer.gatewayResponse,
    createdAt: iso(transfer.createdAt),
    updatedAt: iso(transfer.updatedAt),
  };
}

/** transfer.* webhook data: integration as an object, snake_case timestamps (rails-notes A5.2). */
export function transferEventView(state: PaystackState, transfer: Transfer, domain: string): Json {
  const recipient = recipientView(state.recipientOf(transfer), domain);
  return {
    ...transferCore(transfer, domain),
    integration: {
      id: INTEGRATION_ID,
      is_live: domain === 'live',
      business_name: BUSINESS_NAME,
      logo_path: null,
    },
    recipient: { ...recipient, integration: INTEGRATION_ID },
    session: sessionView(transfer),
    fee_charged: koboNumber(transfer.feeKobo),
    gateway_response: transfer.gatewayResponse,
    created_at: iso(transfer.createdAt),
    updated_at: iso(transfer.updatedAt),
  };
}

/** Who "initiated" every refund: the double's pretend merchant user. */
const MERCHANT_EMAIL = 'developer@rampart-sandbox.test';
/** Paystack quotes refunds as taking up to 10 working days; `expected_at` is that far out. */
const REFUND_EXPECTED_MS = 14 * 24 * 60 * 60 * 1000;

/** Card refunds go back through the card processor, everything else by instant transfer (docs' samples). */
function refundProcessor(transaction: Transaction): string {
  return transaction.channel === 'card' ? 'mpgs_zen' : 'instant-transfer';
}

/** The transaction as `POST /refund` embeds it (OpenAPI RefundCreateResponse). */
function refundedTransactionView(state: PaystackState, transaction: Transaction, domain: string): Json {
  const paidAt = transaction.paidAt === null ? null : iso(transaction.paidAt);
  return {
    id: transaction.id,
    domain,
    reference: transaction.reference,
    amount: koboNumber(transaction.amountKobo),
    paid_at: paidAt,
    channel: transaction.channel,
    currency: 'NGN',
    authorization: { exp_month: null, exp_year: null, account_name: null },
    customer: customerView(state.customerOf(transaction)),
    plan: {},
    subaccount: { currency: null },
    split: {},
    order_id: null,
    paidAt,
    pos_transaction_data: null,
    source: null,
    fees_breakdown: null,
  };
}

/** `POST /refund` */
export function refundCreatedView(state: PaystackState, refund: Refund, domain: string): Json {
  return {
    transaction: refundedTransactionView(state, state.transactionOf(refund), domain),
    integration: INTEGRATION_ID,
    deducted_amount: koboNumber(refund.amountKobo),
    channel: null,
    merchant_note: refund.merchantNote,
    customer_note: refund.customerNote,
    status: refund.status,
    refunded_by: MERCHANT_EMAIL,
    expected_at: iso(new Date(refund.createdAt.getTime() + REFUND_EXPECTED_MS)),
    currency: 'NGN',
    domain,
    amount: koboNumber(refund.amountKobo),
    fully_deducted: true,
    id: refund.id,
    createdAt: iso(refund.createdAt),
    updatedAt: iso(refund.updatedAt),
  };
}

/** `GET /refund/:id` and list items (OpenAPI RefundFetchResponse; `fully_deducted` is 1/0 there). */
export function refundView(state: PaystackState, refund: Refund, domain: string): Json {
  const transaction = state.transactionOf(refund);
  return {
    integration: INTEGRATION_ID,
    transaction: transaction.id,
    dispute: null,
    settlement: null,
    id: refund.id,
    domain,
    currency: 'NGN',
    amount: koboNumber(refund.amountKobo),
    status: refund.status,
    refunded_at: refund.refundedAt === null ? null : iso(refund.refundedAt),
    refunded_by: MERCHANT_EMAIL,
    customer_note: refund.customerNote,
    merchant_note: refund.merchantNote,
    deducted_amount: koboNumber(refund.amountKobo),
    fully_deducted: 1,
    createdAt: iso(refund.createdAt),
    bank_reference: refund.processorReference,
    transaction_reference: transaction.reference,
    // The retry sample shows the status in capitals here ("PROCESSING").
    reason: refund.status.toUpperCase(),
    customer: customerView(state.customerOf(transaction)),
    refund_type: refund.amountKobo === transaction.amountKobo ? 'full' : 'partial',
    transaction_amount: koboNumber(transaction.amountKobo),
    initiated_by: MERCHANT_EMAIL,
    refund_channel: refundProcessor(transaction),
    session_id: null,
    collect_account_number: false,
  };
}

/**
 * refund.* webhook data, exactly the documented shape (rails-notes A2, the refunds guide's samples):
 * no refund id, `refund_reference` null until the processor answered, and `amount` a digit string
 * except in `refund.failed`, where the sample has an integer (rails-notes A7.12).
 */
export function refundEventView(state: PaystackState, refund: Refund, domain: string): Json {
  const transaction = state.transactionOf(refund);
  const customer = state.customerOf(transaction);
  const amount = koboNumber(refund.amountKobo);
  return {
    status: refund.status,
    transaction_reference: transaction.reference,
    refund_reference: refund.processorReference,
    amount: refund.status === 'failed' ? amount : String(amount),
    currency: 'NGN',
    processor: refundProcessor(transaction),
    customer: { first_name: customer.firstName, last_name: customer.lastName, email: customer.email },
    integration: INTEGRATION_ID,
    domain,
  };
}
