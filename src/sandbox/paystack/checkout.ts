/**
 * The hosted checkout page behind `authorization_url`: plain server-rendered HTML (no scripts, every
 * value escaped) with a Pay and a Cancel form, usable by a person and by a browser test through
 * stable ids (`#amount`, `#email`, `#pay-button`, `#cancel-button`, `#status`).
 *
 * Pay marks the transaction `success` (card) and sends `charge.success`, then sends the browser to
 * `callback_url?trxref=…&reference=…` as Paystack does. Cancel leaves it `abandoned` and closes the
 * page; the browser goes to `metadata.cancel_action` when the merchant set one.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { formatAmount } from '../../domain/money.js';
import type { DoubleContext } from './context.js';
import { objectOf } from './http.js';
import { cancelCheckout, payTransaction } from './operations.js';
import { BUSINESS_NAME, type Transaction } from './state.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** 123456789n kobo → "₦1,234,567.89": exact, from the integer. */
export function nairaText(kobo: bigint): string {
  const [whole = '0', fraction = '00'] = formatAmount(kobo, 2).split('.');
  return `₦${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}

function webUrl(text: unknown): URL | null {
  if (typeof text !== 'string') return null;
  const url = URL.parse(text);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  return url;
}

function cancelActionOf(transaction: Transaction): URL | null {
  return webUrl(objectOf(transaction.metadata)?.cancel_action);
}

function callbackTarget(transaction: Transaction): URL | null {
  const target = webUrl(transaction.callbackUrl);
  if (target === null) return null;
  target.searchParams.set('trxref', transaction.reference);
  target.searchParams.set('reference', transaction.reference);
  return target;
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0;padding:2rem}
main{max-width:24rem;margin:auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.1rem;margin:0 0 1rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem}
dt{color:#555}dd{margin:0;font-weight:600;word-break:break-all}form{display:inline}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:6px;border:0;margin:.5rem .5rem 0 0;cursor:pointer}
#pay-button{background:#0ba4db;color:#fff}#cancel-button{background:#e8ecef}
.note{color:#555;font-size:.85rem}`;

function securityHeaders(reply: FastifyReply, formTargets: readonly URL[]): void {
  // A form that redirects elsewhere needs that origin in form-action, or Chromium blocks it.
  const formAction = ["'self'", ...formTargets.map((u) => u.origin)].join(' ');
  void reply
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    )
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main id="checkout">${body}</main></body></html>`;
}

function summary(ctx: DoubleContext, transaction: Transaction): string {
  const email = ctx.state.customerOf(transaction).email;
  return `<h1 id="merchant">${escapeHtml(BUSINESS_NAME)} (Paystack test checkout)</h1>
<dl><dt>Amount</dt><dd id="amount">${escapeHtml(nairaText(transaction.amountKobo))}</dd>
<dt>Email</dt><dd id="email">${escapeHtml(email)}</dd>
<dt>Reference</dt><dd id="reference">${escapeHtml(transaction.reference)}</dd></dl>`;
}

function isOpen(transaction: Transaction): boolean {
  if (transaction.cancelled) return false;
  return transaction.status === 'abandoned' || transaction.status === 'ongoing';
}

function statusText(transaction: Transaction): string {
  if (transaction.status === 'success') return 'Payment successful';
  if (transaction.cancelled) return 'Payment cancelled';
  return `Payment ${transaction.status}`;
}

function renderCheckout(ctx: DoubleContext, transaction: Transaction): string {
  const base = `/checkout/${encodeURIComponent(transaction.accessCode)}`;
  if (!isOpen(transaction)) {
    const target = transaction.status === 'success' ? callbackTarget(transaction) : null;
    const back =
      target === null
        ? ''
        : `<p><a id="continue" href="${escapeHtml(target.toString())}">Return to merchant</a></p>`;
    return page(
      statusText(transaction),
      `${summary(ctx, transaction)}<p id="status" data-status="${escapeHtml(transaction.status)}" role="status">${escapeHtml(statusText(transaction))}</p>${back}`,
    );
  }
  return page(
    `Pay ${nairaText(transaction.amountKobo)}`,
    `${summary(ctx, transaction)}
<p id="status" data-status="${escapeHtml(transaction.status)}" role="status" class="note">Test mode: no real money moves.</p>
<form id="pay-form" method="post" action="${base}/pay"><button id="pay-button" type="submit" aria-label="Pay">Pay ${escapeHtml(nairaText(transaction.amountKobo))}</button></form>
<form id="cancel-form" method="post" action="${base}/cancel"><button id="cancel-button" type="submit" aria-label="Cancel">Cancel</button></form>`,
  );
}

function notFound(reply: FastifyReply): FastifyReply {
  securityHeaders(reply, []);
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(page('Not found', '<p id="status" data-status="not_found">This checkout link is not valid.</p>'));
}

function formTargets(transaction: Transaction): URL[] {
  return [callbackTarget(transaction), cancelActionOf(transaction)].filter((u): u is URL => u !== null);
}

export async function checkoutRoutes(app: FastifyInstance, ctx: DoubleContext): Promise<void> {
  app.get<{ Params: { accessCode: string } }>('/checkout/:accessCode', async (request, reply) => {
    const transaction = ctx.state.transactionByAccessCode(request.params.accessCode);
    if (transaction === undefined) return notFound(reply);
    securityHeaders(reply, formTargets(transaction));
    return reply.type('text/html; charset=utf-8').send(renderCheckout(ctx, transaction));
  });

  app.post<{ Params: { accessCode: string } }>('/checkout/:accessCode/pay', async (request, reply) => {
    const transaction = ctx.state.transactionByAccessCode(request.params.accessCode);
    if (transaction === undefined) return notFound(reply);
    securityHeaders(reply, formTargets(transaction));
    if (isOpen(transaction)) payTransaction(ctx, transaction, { ipAddress: request.ip });
    else if (transaction.status !== 'success')
      return reply.code(409).type('text/html; charset=utf-8').send(renderCheckout(ctx, transaction));
    // A second press after success lands where the first did, like a refreshed Paystack page.
    const target = callbackTarget(transaction);
    if (target !== null) return reply.redirect(target.toString(), 303);
    return reply.type('text/html; charset=utf-8').send(renderCheckout(ctx, transaction));
  });

  app.post<{ Params: { accessCode: string } }>('/checkout/:accessCode/cancel', async (request, reply) => {
    const transaction = ctx.state.transactionByAccessCode(request.params.accessCode);
    if (transaction === undefined) return notFound(reply);
    securityHeaders(reply, formTargets(transaction));
    cancelCheckout(ctx, transaction);
    const target = cancelActionOf(transaction);
    if (target !== null && transaction.cancelled) return reply.redirect(target.toString(), 303);
    return reply.type('text/html; charset=utf-8').send(renderCheckout(ctx, transaction));
  });
}
