/**
 * The double's control surface: what a test (in process) or a person (over `/_sandbox/…`) uses to
 * play the customer, the bank and the network. Not part of Paystack's API.
 */
import type { KnownAccount } from './banks.js';
import { bankByCode } from './banks.js';
import type { DoubleContext } from './context.js';
import { DELAY_MS_MAX, WEBHOOK_MODES, type DeliveryRecord, type WebhookMode } from './webhooks.js';
import { HANG_MS_MAX } from './faults.js';
import { AMOUNT_KOBO_MAX, koboOf, refuse } from './http.js';
import {
  depositToDedicatedAccount,
  moveTransactionQuietly,
  payTransaction,
  settleRefund,
  settleTransfer,
  type RefundOutcome,
  type TransferOutcome,
} from './operations.js';
import {
  PaystackState,
  type Refund,
  type Transaction,
  type TransactionStatus,
  type Transfer,
} from './state.js';
import {
  customerView,
  dedicatedAccountView,
  koboNumber,
  recipientView,
  refundView,
  transactionVerifyView,
  transferView,
} from './views.js';

type Json = Record<string, unknown>;
export type Kobo = bigint | number | string;
export type QuietTransactionStatus = Exclude<TransactionStatus, 'success'>;

export interface FaultSettings {
  readonly webhooks?: WebhookMode;
  readonly delayMs?: number;
  /** The next request to `path` answers `status` (400–599) and does nothing. */
  readonly failNext?: { readonly path: string; readonly status: number };
  /** The next request to `path` hangs, then 504s; `landed` says whether it was performed. */
  readonly timeoutNext?: { readonly path: string; readonly landed: boolean; readonly hangMs?: number };
  /** Off: refunds created from now on stay `pending` until `settleRefund` (default on; reset turns it on). */
  readonly refundsAuto?: boolean;
}

export interface DepositOptions {
  readonly amountKobo: Kobo;
  readonly senderName?: string;
  readonly senderBank?: string;
  readonly senderAccountNumber?: string;
  readonly narration?: string;
}

export interface PaystackControl {
  /** Completes checkout by card: `success` and `charge.success`. `amountKobo` pays a different amount. */
  payTransaction(reference: string, options?: { readonly amountKobo?: Kobo }): Json;
  /**
   * Any other status change, silently as Paystack (webhooks only for successful charges):
   * `ongoing` (customer at the OTP step), `abandoned`, `failed` (declined), `reversed` (after success).
   */
  moveTransaction(reference: string, to: QuietTransactionStatus): Json;
  /** The bank's answer to a pending transfer, with its balance effect and `transfer.*` webhook. */
  settleTransfer(reference: string, outcome: TransferOutcome): Json;
  /**
   * The processor's answer to a refund, with its `refund.*` webhook: `processing` (received),
   * `processed` (the transaction shows `reversed` once refunds cover it) or `failed`.
   */
  settleRefund(id: number | string, outcome: RefundOutcome): Json;
  /** A bank transfer into a dedicated account: a new transaction and its `charge.success`. */
  transferToDedicatedAccount(accountNumber: string, options: DepositOptions): Json;
  setBalance(amountKobo: Kobo): void;
  setOtpEnabled(enabled: boolean): void;
  setFaults(settings: FaultSettings): void;
  setWebhookUrl(url: string | null): void;
  /** Releases events held by the `reorder` fault, newest first. */
  flushWebhooks(): Promise<void>;
  /** Resolves when no webhook delivery is scheduled or in flight. */
  webhooksIdle(): Promise<void>;
  webhookDeliveries(): readonly DeliveryRecord[];
  /** Makes an account resolvable (`/bank/resolve`) under a name. */
  addAccount(account: KnownAccount): void;
  snapshot(): Json;
  /** Back to the starting state: entities, balance, OTP, faults, webhook URL and deliveries. */
  reset(): void;
}

function kobo(value: Kobo, field: string): bigint {
  const amount = typeof value === 'bigint' ? value : koboOf(value);
  if (amount === null || amount < 0n || amount > AMOUNT_KOBO_MAX * 1_000n)
    refuse(400, `${field} must be a whole number of kobo`);
  return amount;
}

function positiveKobo(value: Kobo, field: string): bigint {
  const amount = kobo(value, field);
  if (amount === 0n || amount > AMOUNT_KOBO_MAX)
    refuse(400, `${field} must be between 1 and ${AMOUNT_KOBO_MAX} kobo`);
  return amount;
}

function webhookUrl(url: string | null): string | null {
  if (url === null) return null;
  const parsed = URL.parse(url);
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    refuse(400, 'webhook url must be an http(s) URL');
  return parsed.toString();
}

function applyFaults(ctx: DoubleContext, settings: FaultSettings): void {
  if (settings.webhooks !== undefined) {
    if (!WEBHOOK_MODES.includes(settings.webhooks))
      refuse(400, `webhooks must be one of ${WEBHOOK_MODES.join(', ')}`);
  }
  if (settings.delayMs !== undefined) {
    if (!Number.isInteger(settings.delayMs) || settings.delayMs < 0 || settings.delayMs > DELAY_MS_MAX)
      refuse(400, `delayMs must be an integer within 0..${DELAY_MS_MAX}`);
  }
  const fail = settings.failNext;
  if (fail !== undefined && (!Number.isInteger(fail.status) || fail.status < 400 || fail.status > 599))
    refuse(400, 'failNext.status must be within 400..599');
  const timeout = settings.timeoutNext;
  const hangMs = timeout?.hangMs ?? ctx.settings.timeoutHangMs;
  if (!Number.isInteger(hangMs) || hangMs < 0 || hangMs > HANG_MS_MAX)
    refuse(400, `timeoutNext.hangMs must be an integer within 0..${HANG_MS_MAX}`);
  if (settings.refundsAuto !== undefined && typeof settings.refundsAuto !== 'boolean')
    refuse(400, 'refundsAuto must be a boolean');
  for (const path of [fail?.path, timeout?.path])
    if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/')))
      refuse(400, 'fault path must start with /');
  // Checked everything first: a refused request changes nothing.
  if (settings.webhooks !== undefined) {
    const leavingReorder = ctx.webhooks.mode === 'reorder' && settings.webhooks !== 'reorder';
    ctx.webhooks.mode = settings.webhooks;
    if (leavingReorder) void ctx.webhooks.flush();
  }
  if (settings.delayMs !== undefined) ctx.webhooks.delayMs = settings.delayMs;
  if (settings.refundsAuto !== undefined) ctx.state.refundsAuto = settings.refundsAuto;
  if (fail !== undefined && !ctx.faults.arm({ kind: 'fail', path: fail.path, status: fail.status }))
    refuse(409, 'too many faults armed');
  if (
    timeout !== undefined &&
    !ctx.faults.arm({ kind: 'timeout', path: timeout.path, landed: timeout.landed, hangMs })
  )
    refuse(409, 'too many faults armed');
}

function transactionOf(ctx: DoubleContext, reference: string): Transaction {
  const transaction = ctx.state.transactionByReference(reference);
  if (transaction === undefined) refuse(404, `no transaction with reference ${reference}`);
  return transaction;
}

function transferOf(ctx: DoubleContext, reference: string): Transfer {
  const transfer = ctx.state.transferByReference(reference);
  if (transfer === undefined) refuse(404, `no transfer with reference ${reference}`);
  return transfer;
}

function refundOf(ctx: DoubleContext, id: number | string): Refund {
  const key = String(id);
  const refund = /^[0-9]{1,16}$/.test(key) ? ctx.state.refunds.get(Number(key)) : undefined;
  if (refund === undefined) refuse(404, `no refund with id ${key}`);
  return refund;
}

function deliveryView(record: DeliveryRecord): Json {
  const { body: _body, signature: _signature, ...rest } = record;
  return rest;
}

function snapshotOf(ctx: DoubleContext): Json {
  const { state, settings } = ctx;
  return {
    url: ctx.url,
    domain: settings.domain,
    balance: koboNumber(state.balanceKobo),
    otpEnabled: state.otpEnabled,
    webhookUrl: ctx.webhooks.url,
    faults: {
      webhooks: ctx.webhooks.mode,
      delayMs: ctx.webhooks.delayMs,
      refundsAuto: state.refundsAuto,
      armed: ctx.faults.snapshot(),
    },
    customers: [...state.customers.values()].map(customerView),
    transactions: [...state.transactions.values()].map((t) =>
      transactionVerifyView(state, t, settings.domain),
    ),
    dedicatedAccounts: [...state.dedicatedAccounts.values()].map((d) => dedicatedAccountView(state, d)),
    recipients: [...state.recipients.values()].map((r) => recipientView(r, settings.domain)),
    transfers: [...state.transfers.values()].map((t) => transferView(state, t, settings.domain)),
    refunds: [...state.refunds.values()].map((r) => refundView(state, r, settings.domain)),
    webhooks: ctx.webhooks.deliveries().map(deliveryView),
  };
}

export function createControl(ctx: DoubleContext): PaystackControl {
  const domain = ctx.settings.domain;
  return {
    payTransaction(reference, options = {}) {
      const transaction = transactionOf(ctx, reference);
      const amount =
        options.amountKobo === undefined ? undefined : positiveKobo(options.amountKobo, 'amount');
      payTransaction(ctx, transaction, amount === undefined ? {} : { amountKobo: amount });
      return transactionVerifyView(ctx.state, transaction, domain);
    },
    moveTransaction(reference, to) {
      const transaction = transactionOf(ctx, reference);
      moveTransactionQuietly(ctx, transaction, to);
      return transactionVerifyView(ctx.state, transaction, domain);
    },
    settleTransfer(reference, outcome) {
      const transfer = transferOf(ctx, reference);
      settleTransfer(ctx, transfer, outcome);
      return transferView(ctx.state, transfer, domain);
    },
    settleRefund(id, outcome) {
      const refund = refundOf(ctx, id);
      settleRefund(ctx, refund, outcome);
      return refundView(ctx.state, refund, domain);
    },
    transferToDedicatedAccount(accountNumber, options) {
      const account = ctx.state.dedicatedAccountByNumber(accountNumber);
      if (account === undefined) refuse(404, `no dedicated account ${accountNumber}`);
      const senderAccountNumber = options.senderAccountNumber ?? '0123456789';
      if (!/^[0-9]{10}$/.test(senderAccountNumber)) refuse(400, 'senderAccountNumber must be 10 digits');
      const transaction = depositToDedicatedAccount(ctx, account, {
        amountKobo: positiveKobo(options.amountKobo, 'amount'),
        senderName: (options.senderName ?? 'ADAEZE CHIOMA OKAFOR').slice(0, 100),
        senderBank: (options.senderBank ?? 'Guaranty Trust Bank').slice(0, 100),
        senderAccountNumber,
        narration: (options.narration ?? `NIP transfer to ${accountNumber}`).slice(0, 200),
      });
      return transactionVerifyView(ctx.state, transaction, domain);
    },
    setBalance(amountKobo) {
      ctx.state.balanceKobo = kobo(amountKobo, 'amount');
    },
    setOtpEnabled(enabled) {
      ctx.state.otpEnabled = enabled;
    },
    setFaults(settings) {
      applyFaults(ctx, settings);
    },
    setWebhookUrl(url) {
      ctx.webhooks.url = webhookUrl(url);
    },
    flushWebhooks: () => ctx.webhooks.flush(),
    webhooksIdle: () => ctx.webhooks.idle(),
    webhookDeliveries: () => ctx.webhooks.deliveries(),
    addAccount(account) {
      if (!/^[0-9]{10}$/.test(account.accountNumber)) refuse(400, 'accountNumber must be 10 digits');
      if (bankByCode(account.bankCode) === undefined) refuse(400, `unknown bank code ${account.bankCode}`);
      if (account.accountName.length === 0 || account.accountName.length > 100)
        refuse(400, 'accountName must be 1..100 characters');
      if (ctx.extraAccounts.length >= 1_000) refuse(409, 'too many accounts added');
      ctx.extraAccounts.push({ ...account });
    },
    snapshot: () => snapshotOf(ctx),
    reset() {
      for (const timer of ctx.timers) clearTimeout(timer);
      ctx.timers.clear();
      ctx.state = new PaystackState(ctx.settings.initialBalanceKobo, ctx.state.now);
      ctx.state.otpEnabled = ctx.settings.initialOtpEnabled;
      ctx.webhooks.reset();
      ctx.webhooks.url = ctx.settings.initialWebhookUrl;
      ctx.webhooks.mode = 'none';
      ctx.webhooks.delayMs = 0;
      ctx.faults.clear();
      ctx.extraAccounts.length = 0;
      ctx.resolvesByDay.clear();
    },
  };
}
