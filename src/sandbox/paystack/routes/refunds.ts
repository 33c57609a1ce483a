/** `/refund`: create, list and fetch (OpenAPI "Refund"; rails-notes A2). */
import type { FastifyInstance } from 'fastify';
import type { DoubleContext } from '../context.js';
import { AMOUNT_KOBO_MAX, bodyOf, koboOf, ok, optionalText, queryOf, refuse, requiredText } from '../http.js';
import { createRefund } from '../operations.js';
import type { Refund } from '../state.js';
import { refundCreatedView, refundView } from '../views.js';
import { PER_PAGE_MAX, pageNumber } from './transactions.js';

const PER_PAGE_DEFAULT = 50;

/** Absent means "all that is left"; present, it must be a positive whole number of kobo. */
function readRefundAmount(value: unknown): bigint | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const kobo = koboOf(value);
  if (kobo === null || kobo <= 0n || kobo > AMOUNT_KOBO_MAX)
    refuse(400, 'Invalid amount', { type: 'validation_error', code: 'invalid_amount' });
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

/** The list's `transaction` filter is the numeric id (Paystack's docs: "the transaction ID"). */
function listFilter(query: Record<string, unknown>): (r: Refund) => boolean {
  const transaction = query.transaction;
  if (transaction !== undefined && (typeof transaction !== 'string' || !/^[0-9]{1,16}$/.test(transaction)))
    refuse(400, 'transaction must be a transaction id', { type: 'validation_error', code: 'invalid_params' });
  readCurrency(query.currency);
  const from = typeof query.from === 'string' ? Date.parse(query.from) : Number.NaN;
  const to = typeof query.to === 'string' ? Date.parse(query.to) : Number.NaN;
  return (r) => {
    if (transaction !== undefined && r.transactionId !== Number(transaction)) return false;
    if (!Number.isNaN(from) && r.createdAt.getTime() < from) return false;
    if (!Number.isNaN(to) && r.createdAt.getTime() > to) return false;
    return true;
  };
}

export async function refundRoutes(app: FastifyInstance, ctx: DoubleContext): Promise<void> {
  app.post('/refund', async (request) => {
    const body = bodyOf(request);
    const key = typeof body.transaction === 'number' ? String(body.transaction) : body.transaction;
    const transactionKey = requiredText(key, 'transaction', 100);
    readCurrency(body.currency);
    const amountKobo = readRefundAmount(body.amount);
    const transaction = ctx.state.transactionByIdOrReference(transactionKey);
    if (transaction === undefined) refuse(404, 'Transaction not found');
    const refund = createRefund(ctx, transaction, {
      amountKobo,
      customerNote: optionalText(body.customer_note, 'customer_note'),
      merchantNote: optionalText(body.merchant_note, 'merchant_note'),
    });
    return ok(
      'Refund has been queued for processing',
      refundCreatedView(ctx.state, refund, ctx.settings.domain),
    );
  });

  app.get('/refund', async (request) => {
    const query = queryOf(request);
    const perPage = pageNumber(query.perPage ?? query.per_page, PER_PAGE_DEFAULT, PER_PAGE_MAX);
    const page = pageNumber(query.page, 1, 1_000_000);
    const matching = [...ctx.state.refunds.values()].filter(listFilter(query)).reverse();
    const skipped = (page - 1) * perPage;
    const data = matching
      .slice(skipped, skipped + perPage)
      .map((r) => refundView(ctx.state, r, ctx.settings.domain));
    return ok('Refunds retrieved', data, {
      total: matching.length,
      skipped,
      // A string here, as the spec's RefundListResponse has it.
      perPage: String(perPage),
      page,
      pageCount: Math.max(1, Math.ceil(matching.length / perPage)),
      failedRefundCount: matching.filter((r) => r.status === 'failed').length,
    });
  });

  app.get<{ Params: { id: string } }>('/refund/:id', async (request) => {
    const id = request.params.id;
    const refund = /^[0-9]{1,16}$/.test(id) ? ctx.state.refunds.get(Number(id)) : undefined;
    if (refund === undefined) refuse(404, 'Refund not found');
    return ok('Refund retrieved', refundView(ctx.state, refund, ctx.settings.domain));
  });
}
