/** `/transaction`: initialize, verify, list and fetch (rails-notes A2). */
import type { FastifyInstance } from 'fastify';
import type { DoubleContext } from '../context.js';
import { AMOUNT_KOBO_MAX, bodyOf, koboOf, objectOf, ok, optionalText, queryOf, refuse } from '../http.js';
import { initializeTransaction } from '../operations.js';
import type { Transaction, TransactionStatus } from '../state.js';
import { koboNumber, transactionFetchView, transactionVerifyView } from '../views.js';

/** Smallest charge the double takes: ₦1 (rails-notes A9). */
const AMOUNT_KOBO_MIN = 100n;
const REFERENCE_PATTERN = /^[A-Za-z0-9.=-]{1,100}$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** List pages: Paystack's default and the largest page the double serves. */
const PER_PAGE_DEFAULT = 50;
export const PER_PAGE_MAX = 100;

function readEmail(value: unknown): string {
  const email = optionalText(value, 'email');
  if (email === undefined)
    refuse(400, 'Email is required', { type: 'validation_error', code: 'missing_params' });
  if (!EMAIL_PATTERN.test(email))
    refuse(400, 'Invalid Email Address Passed', { type: 'validation_error', code: 'invalid_email_address' });
  return email;
}

function readAmount(value: unknown): bigint {
  if (value === undefined || value === null || value === '')
    refuse(400, 'Amount is required', { type: 'validation_error', code: 'missing_params' });
  const kobo = koboOf(value);
  if (kobo === null || kobo < AMOUNT_KOBO_MIN || kobo > AMOUNT_KOBO_MAX)
    refuse(400, 'Invalid Amount Sent', { type: 'validation_error', code: 'invalid_amount' });
  return kobo;
}

function readCallbackUrl(value: unknown): string | undefined {
  const text = optionalText(value, 'callback_url', 2_000);
  if (text === undefined) return undefined;
  // Only web URLs: the checkout page redirects the customer's browser there.
  const url = URL.parse(text);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    refuse(400, 'Invalid callback_url', { type: 'validation_error', code: 'invalid_params' });
  return url.toString();
}

/** Positive integer query parameter within bounds, or the fallback when absent. */
export function pageNumber(value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !/^[0-9]{1,6}$/.test(value)) refuse(400, 'Invalid pagination parameter');
  const n = Number(value);
  if (n < 1) refuse(400, 'Invalid pagination parameter');
  return Math.min(n, max);
}

const LIST_STATUSES: readonly TransactionStatus[] = ['success', 'failed', 'abandoned', 'reversed', 'ongoing'];

function listFilter(query: Record<string, unknown>): (t: Transaction) => boolean {
  const status = query.status;
  if (status !== undefined && !LIST_STATUSES.includes(status as TransactionStatus))
    refuse(400, 'Invalid status', { type: 'validation_error', code: 'invalid_params' });
  const from = typeof query.from === 'string' ? Date.parse(query.from) : Number.NaN;
  const to = typeof query.to === 'string' ? Date.parse(query.to) : Number.NaN;
  return (t) => {
    if (status !== undefined && t.status !== status) return false;
    if (!Number.isNaN(from) && t.createdAt.getTime() < from) return false;
    if (!Number.isNaN(to) && t.createdAt.getTime() > to) return false;
    return true;
  };
}

export async function transactionRoutes(app: FastifyInstance, ctx: DoubleContext): Promise<void> {
  app.post('/transaction/initialize', async (request) => {
    const body = bodyOf(request);
    const currency = optionalText(body.currency, 'currency');
    if (currency !== undefined && currency !== 'NGN')
      refuse(400, 'Currency not supported by merchant', {
        type: 'validation_error',
        code: 'unsupported_currency',
      });
    const reference = optionalText(body.reference, 'reference', 100);
    if (reference !== undefined && !REFERENCE_PATTERN.test(reference))
      refuse(400, 'Invalid transaction reference. Only -, ., = and alphanumeric characters allowed.', {
        type: 'validation_error',
        code: 'invalid_reference',
      });
    const transaction = initializeTransaction(ctx, {
      email: readEmail(body.email),
      amountKobo: readAmount(body.amount),
      reference,
      callbackUrl: readCallbackUrl(body.callback_url),
      metadata: body.metadata === undefined ? undefined : (objectOf(body.metadata) ?? body.metadata),
      ipAddress: request.ip,
    });
    return ok('Authorization URL created', {
      authorization_url: `${ctx.url}/checkout/${transaction.accessCode}`,
      access_code: transaction.accessCode,
      reference: transaction.reference,
    });
  });

  app.get<{ Params: { reference: string } }>('/transaction/verify/:reference', async (request) => {
    const transaction = ctx.state.transactionByReference(request.params.reference);
    // Live answers 400 for an unknown reference where the spec says 404 (rails-notes A1.1).
    if (transaction === undefined)
      refuse(ctx.settings.verifyNotFoundStatus, 'Transaction reference not found');
    return ok('Verification successful', transactionVerifyView(ctx.state, transaction, ctx.settings.domain));
  });

  app.get('/transaction', async (request) => {
    const query = queryOf(request);
    const perPage = pageNumber(query.perPage ?? query.per_page, PER_PAGE_DEFAULT, PER_PAGE_MAX);
    const page = pageNumber(query.page, 1, 1_000_000);
    const matching = [...ctx.state.transactions.values()].filter(listFilter(query)).reverse();
    const skipped = (page - 1) * perPage;
    const totalVolume = matching
      .filter((t) => t.status === 'success')
      .reduce((sum, t) => sum + t.amountKobo, 0n);
    const data = matching
      .slice(skipped, skipped + perPage)
      .map((t) => transactionFetchView(ctx.state, t, ctx.settings.domain));
    return ok('Transactions retrieved', data, {
      total: matching.length,
      total_volume: koboNumber(totalVolume),
      skipped,
      perPage,
      page,
      pageCount: Math.max(1, Math.ceil(matching.length / perPage)),
    });
  });

  app.get<{ Params: { id: string } }>('/transaction/:id', async (request) => {
    const id = request.params.id;
    const transaction = /^[0-9]{1,16}$/.test(id) ? ctx.state.transactions.get(Number(id)) : undefined;
    if (transaction === undefined) refuse(404, 'Transaction not found');
    return ok('Transaction retrieved', transactionFetchView(ctx.state, transaction, ctx.settings.domain));
  });
}
