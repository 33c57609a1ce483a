/**
 * The production Paystack client: a thin typed layer over `fetch` (rails-notes A8 explains why no
 * published SDK). Construction checks its settings; each method is one endpoint with a typed
 * result, an explicit timeout and a checked response. Money-moving calls return a three-way
 * outcome — see transfers.ts for the rule on unknown outcomes.
 */
import { assert } from '../../domain/assert.js';
import type { KvStore } from '../../platform/kv/kv-store.js';
import type { Logger } from '../../platform/logger.js';
import * as collections from './collections.js';
import type { ExpectedPayment, PaymentConfirmation } from './confirm.js';
import type { PaystackResult } from './errors.js';
import { TIMEOUT_MS_MAX, type PaystackTransport } from './http.js';
import type {
  Bank,
  DedicatedAccount,
  PaystackRefund,
  PaystackTransaction,
  PaystackTransfer,
} from './models.js';
import * as payouts from './payouts.js';
import * as refunds from './refunds.js';
import * as transfers from './transfers.js';

export const PAYSTACK_BASE_URL_DEFAULT = 'https://api.paystack.co';
export const PAYSTACK_TIMEOUT_MS_DEFAULT = 30_000;
/** Paystack suggests refreshing the bank list daily. */
export const BANK_LIST_TTL_MS_DEFAULT = 24 * 60 * 60 * 1000;
/** Recipients are idempotent on Paystack's side; the cache only saves a call. The KV store's TTL ceiling. */
export const RECIPIENT_TTL_MS_DEFAULT = 30 * 24 * 60 * 60 * 1000;

export interface PaystackClientOptions {
  readonly baseUrl: URL;
  /** `sk_test_…` or `sk_live_…`; never logged, only ever sent as the bearer token. */
  readonly secretKey: string;
  readonly timeoutMs: number;
  readonly kv: KvStore;
  readonly logger: Logger;
  readonly bankListTtlMs?: number;
  readonly recipientTtlMs?: number;
  /** Injectable for tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

export class PaystackClient {
  readonly #transport: PaystackTransport;
  readonly #cache: payouts.PayoutCache;

  constructor(options: PaystackClientOptions) {
    assert(
      options.baseUrl.protocol === 'https:' || options.baseUrl.protocol === 'http:',
      `paystack base URL must be http(s): ${options.baseUrl.protocol}`,
    );
    assert(options.secretKey.length > 0, 'paystack secret key is empty');
    assert(!/\s/.test(options.secretKey), 'paystack secret key contains whitespace');
    assert(!options.secretKey.startsWith('pk_'), 'a Paystack public key was given where the secret key goes');
    assert(
      Number.isSafeInteger(options.timeoutMs) && options.timeoutMs > 0 && options.timeoutMs <= TIMEOUT_MS_MAX,
      `paystack timeoutMs must be within 1..${TIMEOUT_MS_MAX}: ${options.timeoutMs}`,
    );
    this.#transport = {
      baseUrl: options.baseUrl,
      secretKey: options.secretKey,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch ?? globalThis.fetch,
      logger: options.logger.child({ rail: 'paystack' }),
    };
    this.#cache = {
      kv: options.kv,
      bankListTtlMs: options.bankListTtlMs ?? BANK_LIST_TTL_MS_DEFAULT,
      recipientTtlMs: options.recipientTtlMs ?? RECIPIENT_TTL_MS_DEFAULT,
      mode: options.secretKey.startsWith('sk_live_') ? 'live' : 'test',
    };
  }

  /** 'live' for an `sk_live_` key, 'test' otherwise. */
  get mode(): 'test' | 'live' {
    return this.#cache.mode;
  }

  // Collections.

  initializeTransaction(
    input: collections.InitializeTransactionInput,
  ): Promise<PaystackResult<collections.InitializedTransaction>> {
    return collections.initializeTransaction(this.#transport, input);
  }

  verifyTransaction(reference: string): Promise<PaystackResult<PaystackTransaction>> {
    return collections.verifyTransaction(this.#transport, reference);
  }

  /** Credits only on success with the exact amount, currency and reference (confirm.ts). */
  confirmPayment(reference: string, expected: ExpectedPayment): Promise<PaymentConfirmation> {
    return collections.confirmPayment(this.#transport, reference, expected);
  }

  listTransactions(
    input: collections.ListTransactionsInput,
  ): Promise<PaystackResult<collections.TransactionPage>> {
    return collections.listTransactions(this.#transport, input);
  }

  fetchTransaction(id: string): Promise<PaystackResult<PaystackTransaction>> {
    return collections.fetchTransaction(this.#transport, id);
  }

  createCustomer(
    input: collections.CreateCustomerInput,
  ): Promise<PaystackResult<collections.PaystackCustomer>> {
    return collections.createCustomer(this.#transport, input);
  }

  assignDedicatedAccount(
    input: collections.AssignDedicatedAccountInput,
  ): Promise<PaystackResult<DedicatedAccount>> {
    return collections.assignDedicatedAccount(this.#transport, input);
  }

  fetchDedicatedAccount(id: string): Promise<PaystackResult<DedicatedAccount>> {
    return collections.fetchDedicatedAccount(this.#transport, id);
  }

  // Payouts.

  listBanks(): Promise<PaystackResult<readonly Bank[]>> {
    return payouts.listBanks(this.#transport, this.#cache);
  }

  resolveAccount(accountNumber: string, bankCode: string): Promise<payouts.AccountResolution> {
    return payouts.resolveAccount(this.#transport, accountNumber, bankCode);
  }

  createRecipient(input: payouts.CreateRecipientInput): Promise<PaystackResult<payouts.Recipient>> {
    return payouts.createRecipient(this.#transport, this.#cache, input);
  }

  balance(): Promise<PaystackResult<readonly payouts.Balance[]>> {
    return payouts.balance(this.#transport);
  }

  // Transfers: money moves. Read transfers.ts before calling these.

  initiateTransfer(input: transfers.InitiateTransferInput): Promise<transfers.TransferOutcome> {
    return transfers.initiateTransfer(this.#transport, input);
  }

  finalizeTransfer(transferCode: string, otp: string): Promise<transfers.TransferOutcome> {
    return transfers.finalizeTransfer(this.#transport, transferCode, otp);
  }

  verifyTransfer(reference: string): Promise<PaystackResult<PaystackTransfer>> {
    return transfers.verifyTransfer(this.#transport, reference);
  }

  /** The only way to settle an `unknown` transfer outcome. Never initiates anything. */
  resolveTransferOutcome(reference: string): Promise<transfers.TransferResolution> {
    return transfers.resolveTransferOutcome(this.#transport, reference);
  }

  // Refunds: money moves back to a payer, with no idempotency key. Read refunds.ts before calling these.

  createRefund(input: refunds.CreateRefundInput): Promise<refunds.RefundOutcome> {
    return refunds.createRefund(this.#transport, input);
  }

  /** Every refund of the transaction, newest first; costs a verify to learn its numeric id. */
  listRefunds(input: refunds.ListRefundsInput): Promise<PaystackResult<readonly PaystackRefund[]>> {
    return refunds.listRefunds(this.#transport, input);
  }

  fetchRefund(id: string): Promise<PaystackResult<PaystackRefund>> {
    return refunds.fetchRefund(this.#transport, id);
  }

  /** The only way to settle an `unknown` refund outcome. Never creates anything. */
  resolveRefundOutcome(transactionReference: string): Promise<refunds.RefundResolution> {
    return refunds.resolveRefundOutcome(this.#transport, transactionReference);
  }
}

export function createPaystackClient(options: PaystackClientOptions): PaystackClient {
  return new PaystackClient(options);
}
