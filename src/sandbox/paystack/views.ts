/**
 * Paystack's JSON shapes for the double's entities. Each endpoint's view follows the live response
 * (rails-notes A2–A5): `verify` carries `plan: null` where `fetch`/list carry `{}`, transfers embed
 * the recipient id on create and the full recipient on verify/fetch, and webhooks carry the
 * integration as an object with snake_case timestamps. Money leaves bigint here and only here.
 */
import { assert } from '../../domain/assert.js';
import {
  BUSINESS_NAME,
  INTEGRATION_ID,
  type Customer,
  type DedicatedAccount,
  type PaystackState,
  type Recipient,
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
