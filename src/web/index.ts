/**
 * The hosted pages (SEP-24's interactive flow and the transfer status pages): server-rendered HTML,
 * no scripts, a strict CSP, escaped templates, CSRF tokens on every form, a session that names one
 * transaction. Registered at the root as one encapsulated plugin: its cookie, CSRF, view and form
 * parsing, and its HTML error pages, apply to its own routes only.
 *
 * Routes:
 * - GET  /sep24/interactive?token&lang   single-use token → session cookie → 303 to the transfer
 * - GET  /sep24/deposit/:id              the step the deposit is at (KYC, code, amount, confirm)
 * - POST /sep24/deposit/:id/{kyc,verify,amount,confirm}
 * - GET  /sep24/withdraw/:id             the step the withdrawal is at (KYC, code, bank, amount, confirm)
 * - GET  /sep24/withdraw/:id/bank        the bank account form again (to pay into another account)
 * - POST /sep24/withdraw/:id/{kyc,verify,bank,amount,confirm}
 * - GET  /transfers/:id                  status page (more_info_url, Paystack's callback_url)
 * - GET  /transfers/:id/pay              deposit: → Paystack checkout, or the bank-transfer account;
 *                                        withdrawal: where to send the asset (account, memo, deadline)
 * - GET  /web/rampart.<hash>.css         the one stylesheet, cached for a year
 */
import cookie from '@fastify/cookie';
import csrfProtection from '@fastify/csrf-protection';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { transferDeps } from '../flows/transfers/deps.js';
import { receivingAccountOf } from '../flows/withdrawal/receiving.js';
import { HttpError } from '../platform/http/errors.js';
import type { SepContext } from '../sep/context.js';
import { parseFormBody } from '../sep/sep12/body.js';
import { sep12Deps } from '../sep/sep12/plugin.js';
import { buildCatalog } from '../sep/sep38/catalog.js';
import { rateSourceFor } from '../sep/sep38/rates.js';
import { pagePath, readableError, renderMessage, sessionOf, type WebDeps } from './context.js';
import { WEB_FORM_BYTES_MAX } from './access.js';
import { depositRoutes } from './deposit-routes.js';
import { interactiveRoute } from './interactive-route.js';
import { webAssetDir } from './paths.js';
import { loadStylesheet } from './render.js';
import { derivedKey } from './session.js';
import { transferRoutes } from './transfer-routes.js';
import { withdrawalRoutes } from './withdrawal-routes.js';

export { attachQuote, type QuoteAttachment } from './quote.js';

const FORM_TYPE = 'application/x-www-form-urlencoded';
const STYLESHEET_CACHE = 'public, max-age=31536000, immutable';
const CSRF_ERRORS: ReadonlySet<string> = new Set(['FST_CSRF_MISSING_SECRET', 'FST_CSRF_INVALID_TOKEN']);

function webDeps(
  app: Parameters<FastifyPluginAsync<SepContext>>[0],
  ctx: SepContext,
  stylesheetPath: string,
): WebDeps {
  const { config, runtime } = ctx;
  const transfers = transferDeps(ctx);
  const logger = runtime.logger.child({ component: 'web' });
  return {
    app,
    site: { orgName: config.orgName, stylesheetPath: pagePath({ config }, stylesheetPath) },
    config,
    transfers,
    sep12: sep12Deps(ctx),
    quotes: {
      db: runtime.database.db,
      kv: runtime.kv,
      logger,
      catalog: buildCatalog(config),
      rates: rateSourceFor(config, logger),
      config,
    },
    now: ctx.now,
    receivingAccount: receivingAccountOf(config),
    sessionKey: derivedKey(ctx.jwtSecret, 'web-session'),
    secureCookies: config.publicUrl.protocol === 'https:',
  };
}

async function pageError(
  deps: WebDeps,
  error: FastifyError | HttpError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const lang = sessionOf(deps, request)?.lang ?? 'en';
  if (CSRF_ERRORS.has(error.code)) {
    request.log.info({ code: error.code }, 'form refused: CSRF token missing or wrong');
    return renderMessage(deps, reply, { status: 403, lang, title: 'csrf.title', paragraphs: ['csrf.body'] });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    request.log.info({ statusCode: status, error: error.message }, 'page request refused');
    return renderMessage(deps, reply, {
      status,
      lang,
      title: 'badRequest.title',
      paragraphs: [{ text: readableError(error.message) }],
    });
  }
  request.log.error({ err: error }, 'page failed');
  return renderMessage(deps, reply, {
    status: 500,
    lang,
    title: 'error.title',
    paragraphs: ['error.body'],
    params: { reference: request.id },
  });
}

export const web: FastifyPluginAsync<SepContext> = async (app, ctx) => {
  const stylesheet = loadStylesheet();
  const deps = webDeps(app, ctx, stylesheet.path);
  // Another plugin may have given the whole app cookies already; the session is signed here either way.
  if (!app.hasRequestDecorator('cookies')) await app.register(cookie);
  await app.register(csrfProtection, {
    cookieKey: deps.secureCookies ? '__Host-rampart_csrf' : 'rampart_csrf',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: deps.secureCookies },
    // A token is bound to the session's transaction: one taken from another session is refused.
    getUserInfo: (request) => sessionOf(deps, request)?.transactionId ?? '',
    csrfOpts: { hmacKey: derivedKey(ctx.jwtSecret, 'web-csrf'), userInfo: true },
  });
  const templates = webAssetDir('templates');
  await app.register(view, {
    engine: { eta: new Eta({ views: templates, autoEscape: true, cache: true }) },
    templates,
    production: true,
    propertyName: 'webView',
    asyncPropertyName: 'webViewAsync',
  });
  if (!app.hasContentTypeParser(FORM_TYPE)) {
    app.addContentTypeParser(
      FORM_TYPE,
      { parseAs: 'string', bodyLimit: WEB_FORM_BYTES_MAX },
      (_request, body, done) => {
        try {
          done(null, parseFormBody(typeof body === 'string' ? body : body.toString('utf8')));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
    );
  }
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) =>
    pageError(deps, error, request, reply),
  );

  app.get(stylesheet.path, async (_request, reply) =>
    reply.header('cache-control', STYLESHEET_CACHE).type('text/css; charset=utf-8').send(stylesheet.body),
  );
  await interactiveRoute(app, deps);
  await depositRoutes(app, deps);
  await withdrawalRoutes(app, deps);
  await transferRoutes(app, deps);
};
