/**
 * What every page of a transfer's interactive flow shares, deposits and withdrawals alike: who may
 * open it (the session the interactive token gave, for this very transaction and SEP-10 subject),
 * the CSRF check on every form, reading a posted form, and registering a flow's routes so each one
 * is guarded the same way. A page's own steps live in deposit-routes.ts and withdrawal-routes.ts.
 */
import { MuxedAccount } from '@stellar/stellar-sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { assert } from '../domain/assert.js';
import type { TransactionKind } from '../domain/transaction-status.js';
import type { TransactionRow } from '../flows/state-machine.js';
import { transactionById } from '../flows/transfers/lookup.js';
import { HttpError } from '../platform/http/errors.js';
import type { Identity } from '../sep/sep12/service.js';
import {
  pagePath,
  readableError,
  renderMessage,
  renderNotFound,
  renderSessionEnded,
  sessionOf,
  type WebDeps,
} from './context.js';
import type { WebSession } from './session.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A page's form is a handful of short fields: far below this. */
export const WEB_FORM_BYTES_MAX = 16 * 1024;

/** What every page of a transfer knows: the transaction, who is at the keyboard, in which language. */
export interface TransferAccess {
  readonly row: TransactionRow;
  readonly session: WebSession;
  readonly subject: string;
  readonly lang: string;
}

/** The SEP-10 subject that opened the transaction (`G…`, `G…:memo` or `M…`), or null if none did. */
export function subjectOf(row: Pick<TransactionRow, 'auth_account' | 'auth_memo'>): string | null {
  if (row.auth_account === null) return null;
  return row.auth_memo === null ? row.auth_account : `${row.auth_account}:${row.auth_memo}`;
}

/** The SEP-12 identity of a subject, as the SEP-10 guard would read it from a token. */
export function identityOf(subject: string): Identity {
  const [account = '', memo] = subject.split(':');
  if (account.startsWith('M')) {
    // A muxed subject is its own customer, keyed by the M… address, on the base G… account.
    return {
      sub: subject,
      account: MuxedAccount.fromAddress(account, '0').baseAccount().accountId(),
      memo: null,
    };
  }
  return { sub: subject, account, memo: memo ?? null };
}

type Refusal = (reply: FastifyReply) => Promise<FastifyReply>;

async function accessOf(
  deps: WebDeps,
  request: FastifyRequest,
  kind: TransactionKind,
): Promise<{ ok: true; access: TransferAccess } | { ok: false; refuse: Refusal }> {
  const { id = '' } = request.params as { id?: string };
  const session = sessionOf(deps, request);
  const lang = session?.lang ?? 'en';
  if (!UUID.test(id)) return { ok: false, refuse: (reply) => renderNotFound(deps, reply, lang) };
  if (session?.transactionId !== id)
    return { ok: false, refuse: (reply) => renderSessionEnded(deps, reply, lang) };
  const row = await transactionById(deps.transfers.db, id);
  if (row === undefined) return { ok: false, refuse: (reply) => renderNotFound(deps, reply, lang) };
  const subject = subjectOf(row);
  if (subject === null || subject !== session.subject)
    return { ok: false, refuse: (reply) => renderSessionEnded(deps, reply, lang) };
  if (row.kind !== kind)
    return {
      ok: false,
      refuse: (reply) =>
        renderMessage(deps, reply, {
          status: 404,
          lang,
          title: 'unavailable.title',
          paragraphs: ['unavailable.body'],
        }),
    };
  return { ok: true, access: { row, session, subject, lang } };
}

/** Only the string fields of a posted form (the parser gives nothing else; a JSON body may). */
export function formOf(request: FastifyRequest): Record<string, string> {
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

export function statusPath(deps: Pick<WebDeps, 'config'>, id: string): string {
  return pagePath(deps, `/transfers/${id}`);
}

/** A refusal a customer can act on (400, or 503 for no price right now), as text; anything else rethrown. */
export function customerProblem(error: unknown): { status: number; message: string } {
  if (error instanceof HttpError && (error.statusCode === 400 || error.statusCode === 503))
    return { status: error.statusCode, message: readableError(error.message) };
  throw error;
}

/** A form's CSRF token, bound to the session's transaction (see the plugin's getUserInfo). */
export function csrfToken(reply: FastifyReply, access: TransferAccess): string {
  return reply.generateCsrf({ userInfo: access.session.transactionId });
}

/** The error summary's entries, each linking to its field. */
export function errorList(
  errors: Readonly<Record<string, string>>,
): { field: string | null; text: string }[] {
  return Object.entries(errors).map(([field, text]) => ({ field, text }));
}

export type PageHandler = (
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  access: TransferAccess,
) => Promise<FastifyReply>;

export interface TransferPages {
  readonly kind: TransactionKind;
  /** `/sep24/deposit`: pages are `<prefix>/:id` and `<prefix>/:id/<name>`. */
  readonly prefix: string;
  /** By name; `''` is the transaction's own page (the step it is at). */
  readonly pages: Readonly<Record<string, PageHandler>>;
  /** Form handlers by name: `POST <prefix>/:id/<name>`. */
  readonly forms: Readonly<Record<string, PageHandler>>;
}

/**
 * Registers a flow's pages and forms: every route needs the session for its transaction, and every
 * form its CSRF token too — checked after the session, so a visitor without one hears that, not
 * that a token is wrong.
 */
export async function transferPages(app: FastifyInstance, deps: WebDeps, flow: TransferPages): Promise<void> {
  const accesses = new WeakMap<FastifyRequest, TransferAccess>();
  const requireAccess = async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await accessOf(deps, request, flow.kind);
    if (result.ok) {
      accesses.set(request, result.access);
      return;
    }
    await result.refuse(reply);
    return reply;
  };
  const accessFor = (request: FastifyRequest): TransferAccess => {
    const access = accesses.get(request);
    assert(access !== undefined, `requireAccess runs before every ${flow.kind} page`);
    return access;
  };
  // As a preHandler, after the form is parsed: the token travels in the body (GUIDE §5).
  const requireCsrf: preHandlerHookHandler = (request, reply, done) => {
    app.csrfProtection(request, reply, done);
  };
  for (const [name, handler] of Object.entries(flow.pages)) {
    const path = name === '' ? `${flow.prefix}/:id` : `${flow.prefix}/:id/${name}`;
    app.get(path, { preHandler: requireAccess }, async (request, reply) =>
      handler(deps, request, reply, accessFor(request)),
    );
  }
  for (const [name, handler] of Object.entries(flow.forms)) {
    app.post(
      `${flow.prefix}/:id/${name}`,
      { bodyLimit: WEB_FORM_BYTES_MAX, preHandler: [requireAccess, requireCsrf] },
      async (request, reply) => handler(deps, request, reply, accessFor(request)),
    );
  }
}
