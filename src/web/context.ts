/**
 * What the page handlers share, built once when the plugin registers: the flows' dependencies
 * (transfers, SEP-12, firm quotes), the session key, the account withdrawals are sent to and the few
 * settings the pages read.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import type { TransferDeps } from '../flows/transfers/deps.js';
import type { Sep12Deps } from '../sep/sep12/service.js';
import type { FirmQuoteDeps } from '../sep/sep38/firm-quote.js';
import { sendPage, type Page, type PageSite } from './render.js';
import { openSession, sessionCookieName, type WebSession } from './session.js';
import type { MessageKey, MessageParams } from './i18n/index.js';
import { translator } from './i18n/index.js';

export interface WebDeps {
  readonly app: FastifyInstance;
  readonly site: PageSite;
  readonly config: Config;
  readonly transfers: TransferDeps;
  readonly sep12: Sep12Deps;
  readonly quotes: FirmQuoteDeps;
  readonly now: () => Date;
  /** Where withdrawals are sent (the distribution account); undefined when none is configured. */
  readonly receivingAccount: string | undefined;
  readonly sessionKey: Buffer;
  /** PUBLIC_URL is https: cookies are Secure and `__Host-` prefixed. */
  readonly secureCookies: boolean;
}

/** A path under PUBLIC_URL's own path, so the pages work behind a proxy that mounts Rampart below `/`. */
export function pagePath(deps: Pick<WebDeps, 'config'>, path: string): string {
  return `${deps.config.publicUrl.pathname.replace(/\/$/, '')}${path}`;
}

export function nowSeconds(deps: Pick<WebDeps, 'now'>): number {
  return Math.floor(deps.now().getTime() / 1000);
}

/** The session the request's cookie names, if it is ours and current. */
export function sessionOf(deps: WebDeps, request: FastifyRequest): WebSession | undefined {
  const cookie = request.cookies[sessionCookieName(deps.secureCookies)];
  return openSession(deps.sessionKey, cookie, nowSeconds(deps));
}

export function render(deps: WebDeps, reply: FastifyReply, page: Page): Promise<FastifyReply> {
  return sendPage(deps.app, deps.site, reply, page);
}

export interface MessagePage {
  readonly status: number;
  readonly lang: string;
  readonly title: MessageKey;
  readonly paragraphs: readonly (MessageKey | { readonly text: string })[];
  readonly params?: MessageParams;
  readonly links?: readonly {
    readonly href: string;
    readonly text: MessageKey;
    readonly secondary?: boolean;
  }[];
  readonly refreshSeconds?: number;
}

/** A page that only says something: an error, a refusal, a wait. */
export function renderMessage(deps: WebDeps, reply: FastifyReply, page: MessagePage): Promise<FastifyReply> {
  const t = translator(page.lang);
  return render(deps, reply, {
    status: page.status,
    template: 'message',
    lang: page.lang,
    title: page.title,
    model: {
      paragraphs: page.paragraphs.map((p) => (typeof p === 'string' ? t(p, page.params) : p.text)),
      links: (page.links ?? []).map((link) => ({
        href: link.href,
        text: t(link.text),
        secondary: link.secondary === true,
      })),
    },
    ...(page.refreshSeconds === undefined ? {} : { refreshSeconds: page.refreshSeconds }),
  });
}

export function renderNotFound(deps: WebDeps, reply: FastifyReply, lang: string): Promise<FastifyReply> {
  return renderMessage(deps, reply, {
    status: 404,
    lang,
    title: 'notFound.title',
    paragraphs: ['notFound.body'],
  });
}

export function renderSessionEnded(deps: WebDeps, reply: FastifyReply, lang: string): Promise<FastifyReply> {
  return renderMessage(deps, reply, {
    status: 403,
    lang,
    title: 'session.title',
    paragraphs: ['session.body'],
  });
}

/** An error message as a person reads it: without the field prefix the API's messages carry. */
export function readableError(message: string): string {
  const text = message.replace(/^[a-z_]+: /, '');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
