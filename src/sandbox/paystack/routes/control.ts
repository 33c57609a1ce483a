/**
 * `/_sandbox/…`: the control API over HTTP, for `rampart sandbox` users and out-of-process tests.
 * JSON in, JSON out, `{error}` on refusal. Unauthenticated by design; the double binds to loopback.
 */
import type { FastifyInstance } from 'fastify';
import type { DoubleContext } from '../context.js';
import type { FaultSettings, Kobo, PaystackControl, QuietTransactionStatus } from '../control.js';
import { bodyOf, refuse } from '../http.js';
import type { RefundOutcome, TransferOutcome } from '../operations.js';
import type { WebhookMode } from '../webhooks.js';

// Maps, not object literals: a path segment like `constructor` must not find a prototype member.
const TRANSACTION_MOVES: ReadonlyMap<string, QuietTransactionStatus> = new Map([
  ['ongoing', 'ongoing'],
  ['abandon', 'abandoned'],
  ['fail', 'failed'],
  ['reverse', 'reversed'],
]);

const TRANSFER_OUTCOMES: ReadonlyMap<string, TransferOutcome> = new Map([
  ['succeed', 'success'],
  ['fail', 'failed'],
  ['reverse', 'reversed'],
]);

const REFUND_OUTCOMES: ReadonlyMap<string, RefundOutcome> = new Map([
  ['processing', 'processing'],
  ['process', 'processed'],
  ['fail', 'failed'],
]);

function amountOf(value: unknown): Kobo {
  if (typeof value === 'number' || typeof value === 'string') return value;
  refuse(400, 'amount (kobo) is required');
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') refuse(400, `${field} must be a string`);
  return value;
}

function readFaults(body: Record<string, unknown>): FaultSettings {
  const settings: { -readonly [K in keyof FaultSettings]: FaultSettings[K] } = {};
  if (body.webhooks !== undefined) settings.webhooks = body.webhooks as WebhookMode;
  if (body.delayMs !== undefined) settings.delayMs = body.delayMs as number;
  if (body.refundsAuto !== undefined) settings.refundsAuto = body.refundsAuto as boolean;
  const failNext = body.failNext;
  if (failNext !== undefined && failNext !== null) {
    if (typeof failNext !== 'object') refuse(400, 'failNext must be {path, status}');
    const { path, status } = failNext as Record<string, unknown>;
    if (typeof path !== 'string' || typeof status !== 'number')
      refuse(400, 'failNext must be {path, status}');
    settings.failNext = { path, status };
  }
  const timeoutNext = body.timeoutNext;
  if (timeoutNext !== undefined && timeoutNext !== null) {
    if (typeof timeoutNext !== 'object') refuse(400, 'timeoutNext must be {path, landed}');
    const { path, landed, hangMs } = timeoutNext as Record<string, unknown>;
    if (typeof path !== 'string' || typeof landed !== 'boolean')
      refuse(400, 'timeoutNext must be {path, landed}');
    if (hangMs !== undefined && typeof hangMs !== 'number')
      refuse(400, 'timeoutNext.hangMs must be a number');
    settings.timeoutNext = hangMs === undefined ? { path, landed } : { path, landed, hangMs };
  }
  return settings;
}

export async function controlRoutes(
  app: FastifyInstance,
  ctx: DoubleContext,
  control: PaystackControl,
): Promise<void> {
  app.post<{ Params: { reference: string } }>('/_sandbox/transactions/:reference/pay', async (request) => {
    const amount = bodyOf(request).amount;
    return control.payTransaction(
      request.params.reference,
      amount === undefined ? {} : { amountKobo: amountOf(amount) },
    );
  });
  app.post<{ Params: { reference: string; action: string } }>(
    '/_sandbox/transactions/:reference/:action',
    async (request) => {
      const to = TRANSACTION_MOVES.get(request.params.action);
      if (to === undefined) refuse(404, 'action must be pay, ongoing, abandon, fail or reverse');
      return control.moveTransaction(request.params.reference, to);
    },
  );

  app.post<{ Params: { reference: string; action: string } }>(
    '/_sandbox/transfers/:reference/:action',
    async (request) => {
      const outcome = TRANSFER_OUTCOMES.get(request.params.action);
      if (outcome === undefined) refuse(404, 'action must be succeed, fail or reverse');
      return control.settleTransfer(request.params.reference, outcome);
    },
  );

  app.post<{ Params: { id: string; action: string } }>('/_sandbox/refunds/:id/:action', async (request) => {
    const outcome = REFUND_OUTCOMES.get(request.params.action);
    if (outcome === undefined) refuse(404, 'action must be processing, process or fail');
    return control.settleRefund(request.params.id, outcome);
  });

  app.post<{ Params: { accountNumber: string } }>(
    '/_sandbox/dedicated_accounts/:accountNumber/transfer',
    async (request) => {
      const body = bodyOf(request);
      const senderName = optionalString(body.sender_name, 'sender_name');
      const senderBank = optionalString(body.sender_bank, 'sender_bank');
      const senderAccountNumber = optionalString(body.sender_account_number, 'sender_account_number');
      const narration = optionalString(body.narration, 'narration');
      return control.transferToDedicatedAccount(request.params.accountNumber, {
        amountKobo: amountOf(body.amount),
        ...(senderName === undefined ? {} : { senderName }),
        ...(senderBank === undefined ? {} : { senderBank }),
        ...(senderAccountNumber === undefined ? {} : { senderAccountNumber }),
        ...(narration === undefined ? {} : { narration }),
      });
    },
  );

  app.post('/_sandbox/balance', async (request) => {
    control.setBalance(amountOf(bodyOf(request).amount));
    return { balance: control.snapshot().balance };
  });

  app.post('/_sandbox/otp', async (request) => {
    const enabled = bodyOf(request).enabled;
    if (typeof enabled !== 'boolean') refuse(400, 'enabled must be a boolean');
    control.setOtpEnabled(enabled);
    return { otpEnabled: enabled };
  });

  app.post('/_sandbox/faults', async (request) => {
    control.setFaults(readFaults(bodyOf(request)));
    return control.snapshot().faults;
  });

  app.post('/_sandbox/webhook-url', async (request) => {
    const url = bodyOf(request).url;
    if (url !== null && typeof url !== 'string') refuse(400, 'url must be a string or null');
    control.setWebhookUrl(url);
    return { webhookUrl: ctx.webhooks.url };
  });

  app.post('/_sandbox/webhooks/flush', async () => {
    await control.flushWebhooks();
    return { flushed: true };
  });

  app.post('/_sandbox/accounts', async (request) => {
    const body = bodyOf(request);
    const accountNumber = optionalString(body.account_number, 'account_number') ?? '';
    const bankCode = optionalString(body.bank_code, 'bank_code') ?? '';
    const accountName = optionalString(body.account_name, 'account_name') ?? '';
    control.addAccount({ accountNumber, bankCode, accountName });
    return { account_number: accountNumber, bank_code: bankCode, account_name: accountName };
  });

  app.get('/_sandbox/state', async () => control.snapshot());

  app.post('/_sandbox/reset', async () => {
    control.reset();
    return { reset: true };
  });
}
