/**
 * Collections (on-ramp pay-in): checkout transactions and dedicated virtual accounts.
 * `initializeTransaction` moves no money (it only creates a checkout page), so a timeout there is
 * safe to retry with the same reference; a `duplicate_reference` refusal then means the first try
 * landed, and `verifyTransaction` tells its state (rails-notes A6).
 */
import type { PaystackResult } from './errors.js';
import { send, type PaystackTransport } from './http.js';
import {
  CUSTOMER_CODE_PATTERN,
  EMAIL_LENGTH_MAX,
  ID_PATTERN,
  NAME_LENGTH_MAX,
  PAGE_SIZE_MAX,
  assertPattern,
  assertText,
  assertTransactionReference,
  koboToWire,
} from './inputs.js';
import {
  toDedicatedAccount,
  toTransaction,
  type DedicatedAccount,
  type PaystackTransaction,
} from './models.js';
import { Schemas } from './schemas.js';
import { judgePayment, type ExpectedPayment, type PaymentConfirmation } from './confirm.js';
import { assert } from '../../domain/assert.js';

export type PaymentChannel = 'card' | 'bank' | 'ussd' | 'qr' | 'eft' | 'mobile_money' | 'bank_transfer';

export interface InitializeTransactionInput {
  readonly amountKobo: bigint;
  readonly email: string;
  /** Ours, persisted before this call: the only handle on the payment. */
  readonly reference: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly callbackUrl?: URL;
  readonly channels?: readonly PaymentChannel[];
}

export interface InitializedTransaction {
  readonly authorizationUrl: string;
  readonly accessCode: string;
  readonly reference: string;
}

export interface ListTransactionsInput {
  readonly page: number;
  readonly perPage: number;
  readonly status?: 'success' | 'failed' | 'abandoned' | 'reversed';
  readonly from?: Date;
  readonly to?: Date;
}

export interface TransactionPage {
  readonly transactions: readonly PaystackTransaction[];
  readonly page: number;
  /** Null when Paystack did not say; page forward until a short page then. */
  readonly pageCount: number | null;
  readonly total: number | null;
}

export interface CreateCustomerInput {
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly phone?: string;
}

export interface PaystackCustomer {
  readonly id: string;
  readonly customerCode: string;
}

export interface AssignDedicatedAccountInput {
  readonly customerCode: string;
  /** Provider slug, e.g. "wema-bank", "titan-paystack"; "test-bank" in test mode. */
  readonly preferredBank: string;
}

export async function initializeTransaction(
  transport: PaystackTransport,
  input: InitializeTransactionInput,
): Promise<PaystackResult<InitializedTransaction>> {
  assertTransactionReference(input.reference);
  assertText(input.email, EMAIL_LENGTH_MAX, 'email');
  const reply = await send(
    transport,
    {
      method: 'POST',
      path: '/transaction/initialize',
      body: {
        amount: koboToWire(input.amountKobo),
        currency: 'NGN',
        email: input.email,
        reference: input.reference,
        metadata: input.metadata,
        ...(input.callbackUrl === undefined ? {} : { callback_url: input.callbackUrl.href }),
        ...(input.channels === undefined ? {} : { channels: input.channels }),
      },
    },
    Schemas.initialize,
  );
  if (!reply.ok) return reply;
  if (reply.data.reference !== input.reference)
    return {
      ok: false,
      error: {
        kind: 'unknown',
        cause: 'invalid_response',
        detail: 'initialize answered for another reference',
        httpStatus: reply.httpStatus,
      },
    };
  return {
    ok: true,
    value: {
      authorizationUrl: reply.data.authorization_url,
      accessCode: reply.data.access_code,
      reference: reply.data.reference,
    },
  };
}

export async function verifyTransaction(
  transport: PaystackTransport,
  reference: string,
): Promise<PaystackResult<PaystackTransaction>> {
  assertTransactionReference(reference);
  const reply = await send(
    transport,
    { method: 'GET', path: `/transaction/verify/${encodeURIComponent(reference)}` },
    Schemas.transaction,
  );
  return reply.ok ? { ok: true, value: toTransaction(reply.data) } : reply;
}

/** Verify, then apply the settlement rule. The one function every settle path calls. */
export async function confirmPayment(
  transport: PaystackTransport,
  reference: string,
  expected: ExpectedPayment,
): Promise<PaymentConfirmation> {
  const verified = await verifyTransaction(transport, reference);
  if (!verified.ok) return { outcome: 'unknown', error: verified.error };
  return judgePayment(verified.value, reference, expected);
}

export async function fetchTransaction(
  transport: PaystackTransport,
  id: string,
): Promise<PaystackResult<PaystackTransaction>> {
  assertPattern(id, ID_PATTERN, 'transaction id');
  const reply = await send(transport, { method: 'GET', path: `/transaction/${id}` }, Schemas.transaction);
  return reply.ok ? { ok: true, value: toTransaction(reply.data) } : reply;
}

export async function listTransactions(
  transport: PaystackTransport,
  input: ListTransactionsInput,
): Promise<PaystackResult<TransactionPage>> {
  assert(
    Number.isSafeInteger(input.page) && input.page >= 1,
    `page must be a positive integer: ${input.page}`,
  );
  assert(
    Number.isSafeInteger(input.perPage) && input.perPage >= 1 && input.perPage <= PAGE_SIZE_MAX,
    `perPage must be within 1..${PAGE_SIZE_MAX}: ${input.perPage}`,
  );
  const query: Record<string, string> = { page: String(input.page), perPage: String(input.perPage) };
  if (input.status !== undefined) query['status'] = input.status;
  if (input.from !== undefined) query['from'] = input.from.toISOString();
  if (input.to !== undefined) query['to'] = input.to.toISOString();
  const reply = await send(
    transport,
    { method: 'GET', path: '/transaction', query },
    Schemas.transactionList,
  );
  if (!reply.ok) return reply;
  const meta = Schemas.offsetMeta.Check(reply.meta) ? reply.meta : {};
  return {
    ok: true,
    value: {
      transactions: reply.data.map(toTransaction),
      page: input.page,
      pageCount: meta.pageCount ?? null,
      total: meta.total ?? null,
    },
  };
}

export async function createCustomer(
  transport: PaystackTransport,
  input: CreateCustomerInput,
): Promise<PaystackResult<PaystackCustomer>> {
  assertText(input.email, EMAIL_LENGTH_MAX, 'email');
  for (const name of [input.firstName, input.lastName, input.phone])
    if (name !== undefined) assertText(name, NAME_LENGTH_MAX, 'customer field');
  const reply = await send(
    transport,
    {
      method: 'POST',
      path: '/customer',
      body: {
        email: input.email,
        ...(input.firstName === undefined ? {} : { first_name: input.firstName }),
        ...(input.lastName === undefined ? {} : { last_name: input.lastName }),
        ...(input.phone === undefined ? {} : { phone: input.phone }),
      },
    },
    Schemas.customer,
  );
  return reply.ok
    ? { ok: true, value: { id: String(reply.data.id), customerCode: reply.data.customer_code } }
    : reply;
}

/** `POST /dedicated_account`: the two-step, synchronous flow for an existing customer (rails-notes A3). */
export async function assignDedicatedAccount(
  transport: PaystackTransport,
  input: AssignDedicatedAccountInput,
): Promise<PaystackResult<DedicatedAccount>> {
  assertPattern(input.customerCode, CUSTOMER_CODE_PATTERN, 'customer code');
  assertText(input.preferredBank, NAME_LENGTH_MAX, 'preferred bank');
  const reply = await send(
    transport,
    {
      method: 'POST',
      path: '/dedicated_account',
      body: { customer: input.customerCode, preferred_bank: input.preferredBank },
    },
    Schemas.dedicatedAccount,
  );
  return reply.ok ? { ok: true, value: toDedicatedAccount(reply.data) } : reply;
}

export async function fetchDedicatedAccount(
  transport: PaystackTransport,
  id: string,
): Promise<PaystackResult<DedicatedAccount>> {
  assertPattern(id, ID_PATTERN, 'dedicated account id');
  const reply = await send(
    transport,
    { method: 'GET', path: `/dedicated_account/${id}` },
    Schemas.dedicatedAccount,
  );
  return reply.ok ? { ok: true, value: toDedicatedAccount(reply.data) } : reply;
}
