/**
 * `GET /sep24/interactive?token=…&lang=…`: the URL a wallet opens (SEP-24 "interactive URL"). The
 * single-use token is exchanged for the pages' session cookie and the browser is sent on, so the
 * token is never in the address bar of a page a customer bookmarks, shares or reloads.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readLang } from '../flows/deposit/index.js';
import { redeemInteractiveToken } from '../flows/transfers/interactive-token.js';
import { transactionById } from '../flows/transfers/lookup.js';
import { subjectOf } from './access.js';
import { nowSeconds, pagePath, renderMessage, type WebDeps } from './context.js';
import { redirect } from './render.js';
import { sealSession, sessionCookieName } from './session.js';

/** A token is 43 characters; a language tag far less. Longer values are not ours. */
const QUERY_VALUE_LENGTH_MAX = 100;

function queryText(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length <= QUERY_VALUE_LENGTH_MAX ? value : undefined;
}

function expired(deps: WebDeps, reply: FastifyReply, lang: string): Promise<FastifyReply> {
  return renderMessage(deps, reply, {
    status: 403,
    lang,
    title: 'expired.title',
    paragraphs: ['expired.body'],
  });
}

async function openInteractive(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const langParam = queryText(request, 'lang');
  const token = queryText(request, 'token') ?? '';
  const transactionId = await redeemInteractiveToken(deps.transfers.db, token, deps.now());
  if (transactionId === undefined) return expired(deps, reply, readLang(langParam));
  const row = await transactionById(deps.transfers.db, transactionId);
  const subject = row === undefined ? null : subjectOf(row);
  if (row === undefined || subject === null) {
    // Tokens are issued only for transactions a SEP-10 subject opened: this one cannot be served.
    request.log.warn({ transactionId }, 'interactive token for a transaction without a SEP-10 subject');
    return expired(deps, reply, readLang(langParam));
  }
  const lang = readLang(langParam ?? row.lang ?? undefined);
  const ttlSeconds = deps.config.webSessionTtlSeconds;
  const cookie = sealSession(deps.sessionKey, {
    transactionId: row.id,
    subject,
    lang,
    expiresAtS: nowSeconds(deps) + ttlSeconds,
  });
  void reply.setCookie(sessionCookieName(deps.secureCookies), cookie, {
    httpOnly: true,
    // Lax, not Strict: the wallet opens this URL from another site, and the redirect that follows
    // must carry the cookie. Lax still keeps it off every cross-site POST.
    sameSite: 'lax',
    secure: deps.secureCookies,
    path: '/',
    maxAge: ttlSeconds,
  });
  request.log.info({ transactionId: row.id }, 'interactive session opened');
  const next = row.kind === 'deposit' ? `/sep24/deposit/${row.id}` : `/sep24/withdraw/${row.id}`;
  return redirect(reply, pagePath(deps, next));
}

export async function interactiveRoute(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get('/sep24/interactive', async (request, reply) => openInteractive(deps, request, reply));
}
