/** `/transferrecipient`, `/transfer…` and `/balance` (rails-notes A4). */
import type { FastifyInstance } from 'fastify';
import { bankByCode } from '../banks.js';
import type { DoubleContext } from '../context.js';
import {
  AMOUNT_KOBO_MAX,
  bodyOf,
  koboOf,
  objectOf,
  ok,
  optionalText,
  refuse,
  requiredText,
} from '../http.js';
import { createRecipient, finalizeTransfer, initiateTransfer } from '../operations.js';
import type { Recipient } from '../state.js';
import { koboNumber, recipientView, transferCreatedView, transferView } from '../views.js';

/** Transfer references: lowercase letters, digits, `-` and `_` (the spec's rule). */
const TRANSFER_REFERENCE_PATTERN = /^[a-z0-9_-]{1,100}$/;
const NUBAN_PATTERN = /^[0-9]{10}$/;

function readRecipient(ctx: DoubleContext, value: unknown): Recipient {
  const code = typeof value === 'string' ? value : '';
  const recipient = /^RCP_[a-z0-9]{1,40}$/.test(code) ? ctx.state.recipientByCode(code) : undefined;
  if (recipient === undefined)
    refuse(400, 'Recipient specified is invalid', {
      type: 'validation_error',
      code: 'invalid_transfer_recipient',
    });
  return recipient;
}

function readTransferAmount(value: unknown): bigint {
  const kobo = koboOf(value);
  if (kobo === null || kobo <= 0n || kobo > AMOUNT_KOBO_MAX)
    refuse(400, 'Invalid amount', { type: 'validation_error', code: 'invalid_params' });
  return kobo;
}

function readCurrency(value: unknown): void {
  const currency = optionalText(value, 'currency');
  if (currency !== undefined && currency !== 'NGN')
    refuse(400, 'Currency not supported by merchant', {
      type: 'validation_error',
      code: 'unsupported_currency',
    });
}

export async function transferRoutes(app: FastifyInstance, ctx: DoubleContext): Promise<void> {
  const domain = ctx.settings.domain;

  app.post('/transferrecipient', async (request, reply) => {
    const body = bodyOf(request);
    const type = requiredText(body.type, 'type');
    if (type !== 'nuban')
      refuse(400, 'Only nuban recipients are supported for NGN', {
        type: 'validation_error',
        code: 'invalid_params',
      });
    readCurrency(body.currency);
    const name = requiredText(body.name, 'name');
    const accountNumber = requiredText(body.account_number, 'account_number', 20);
    if (!NUBAN_PATTERN.test(accountNumber))
      refuse(400, 'Account number is invalid', { type: 'validation_error', code: 'invalid_params' });
    const bankCode = requiredText(body.bank_code, 'bank_code', 10);
    if (bankByCode(bankCode) === undefined)
      refuse(400, `Unknown bank code: ${bankCode}`, { type: 'validation_error', code: 'invalid_bank_code' });
    const metadata = body.metadata === undefined ? undefined : (objectOf(body.metadata) ?? undefined);
    const recipient = createRecipient(ctx, {
      name,
      accountNumber,
      bankCode,
      description: optionalText(body.description, 'description'),
      metadata,
    });
    return reply
      .code(201)
      .send(ok('Transfer recipient created successfully', recipientView(recipient, domain)));
  });

  app.get<{ Params: { code: string } }>('/transferrecipient/:code', async (request) => {
    const code = request.params.code;
    const recipient = /^[0-9]{1,16}$/.test(code)
      ? ctx.state.recipients.get(Number(code))
      : ctx.state.recipientByCode(code);
    if (recipient === undefined) refuse(404, 'Recipient not found');
    return ok('Recipient retrieved', recipientView(recipient, domain));
  });

  app.post('/transfer', async (request) => {
    const body = bodyOf(request);
    if (body.source !== 'balance')
      refuse(400, 'Invalid source', { type: 'validation_error', code: 'invalid_params' });
    readCurrency(body.currency);
    const amountKobo = readTransferAmount(body.amount);
    const recipient = readRecipient(ctx, body.recipient);
    const reference = optionalText(body.reference, 'reference', 100);
    if (reference !== undefined && !TRANSFER_REFERENCE_PATTERN.test(reference))
      refuse(
        400,
        'Invalid transfer reference. Only lowercase alphanumeric characters, - and _ are allowed.',
        {
          type: 'validation_error',
          code: 'invalid_reference',
        },
      );
    const transfer = initiateTransfer(ctx, {
      amountKobo,
      recipient,
      reference,
      reason: optionalText(body.reason, 'reason'),
    });
    const message =
      transfer.status === 'otp' ? 'Transfer requires OTP to continue' : 'Transfer has been queued';
    return ok(message, transferCreatedView(transfer, domain));
  });

  app.post('/transfer/finalize_transfer', async (request) => {
    const body = bodyOf(request);
    const code = requiredText(body.transfer_code, 'transfer_code', 40);
    const otp = requiredText(typeof body.otp === 'number' ? String(body.otp) : body.otp, 'otp', 10);
    const transfer = code.startsWith('TRF_') ? ctx.state.transferByIdOrCode(code) : undefined;
    if (transfer === undefined) refuse(400, 'Transfer code is invalid');
    finalizeTransfer(ctx, transfer, otp);
    return ok('Transfer has been queued', transferCreatedView(transfer, domain));
  });

  app.get<{ Params: { reference: string } }>('/transfer/verify/:reference', async (request) => {
    const transfer = ctx.state.transferByReference(request.params.reference);
    if (transfer === undefined) refuse(404, 'Transfer not found');
    return ok('Transfer retrieved', transferView(ctx.state, transfer, domain));
  });

  app.get<{ Params: { idOrCode: string } }>('/transfer/:idOrCode', async (request) => {
    const transfer = ctx.state.transferByIdOrCode(request.params.idOrCode);
    if (transfer === undefined) refuse(404, 'Transfer not found');
    return ok('Transfer retrieved', transferView(ctx.state, transfer, domain));
  });

  app.get('/balance', async () =>
    ok('Balances retrieved', [{ currency: 'NGN', balance: koboNumber(ctx.state.balanceKobo) }]),
  );
}
