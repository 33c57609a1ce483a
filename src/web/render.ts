/**
 * Rendering a page: an Eta template from src/web/templates (through @fastify/view, registered under
 * its own name so another plugin's views can never collide with ours) inside the shared layout,
 * sent with the pages' headers. Eta escapes every `<%= %>`; templates use `<%~ %>` only for the
 * layout's body and for includes, never for a value.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { pageHeaders } from './headers.js';
import { translator, type MessageKey, type MessageParams } from './i18n/index.js';
import { webAssetDir } from './paths.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** @fastify/view under the pages' own name (see web/index.ts). */
    webView(page: string, data: object): Promise<string>;
  }
}

export const STYLESHEET_FILE = 'rampart.css';

export interface Stylesheet {
  readonly path: string;
  readonly body: Buffer;
}

/** The stylesheet, served under a name carrying its hash so it can be cached for a year. */
export function loadStylesheet(): Stylesheet {
  const body = readFileSync(join(webAssetDir('static'), STYLESHEET_FILE));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/web/rampart.${hash}.css`, body };
}

export interface PageSite {
  readonly orgName: string;
  readonly stylesheetPath: string;
}

export interface Page {
  readonly status: number;
  readonly template: string;
  readonly lang: string;
  readonly title: MessageKey;
  readonly titleParams?: MessageParams;
  readonly model?: object;
  /** Origins a form on this page may be sent (or redirected) to, besides ours. */
  readonly formTargets?: readonly string[];
  /** Reload the page after this many seconds (the status page while a transfer moves). */
  readonly refreshSeconds?: number;
}

export async function sendPage(
  app: FastifyInstance,
  site: PageSite,
  reply: FastifyReply,
  page: Page,
): Promise<FastifyReply> {
  const t = translator(page.lang);
  const html = await app.webView(page.template, {
    ...page.model,
    t,
    lang: page.lang,
    title: t(page.title, page.titleParams),
    orgName: site.orgName,
    stylesheet: site.stylesheetPath,
    refreshSeconds: page.refreshSeconds ?? null,
  });
  return pageHeaders(reply, page.formTargets).code(page.status).type('text/html; charset=utf-8').send(html);
}

/** A 303 that keeps the pages' headers: the browser follows it with a GET. */
export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return pageHeaders(reply).code(303).header('location', location).send();
}
