/**
 * Registers the enabled SEP plugins on the app, each encapsulated under its prefix: SEP-1 at
 * `/.well-known/stellar.toml`, SEP-10 at `/auth`, SEP-12 under `/sep12`, SEP-38 under `/sep38`,
 * SEP-24 under `/sep24`, SEP-6 under `/sep6` (the URLs stellar.toml announces) — plus, with SEP-6
 * or SEP-24, the Paystack webhook route and the hosted pages.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../platform/runtime.js';
import { createSepContext, type SepContext } from './context.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { sep1 } from './sep1/plugin.js';
import { sep10 } from './sep10/plugin.js';
import { sep12 } from './sep12/plugin.js';
import { sep38 } from './sep38/plugin.js';
import { sep24 } from './sep24/index.js';
import { sep6 } from './sep6/index.js';
import { paystackWebhookRoute } from '../flows/webhooks/paystack.js';
import { web } from '../web/index.js';
import { transferDeps } from '../flows/transfers/deps.js';

export async function registerSeps(app: FastifyInstance, runtime: Runtime): Promise<SepContext> {
  const context = createSepContext(runtime, resolveJwtSecret(runtime.config));
  const enabled = new Set(runtime.config.sepsEnabled);
  if (enabled.has('1')) await app.register(sep1, context);
  if (enabled.has('10')) await app.register(sep10, context);
  if (enabled.has('12')) await app.register(sep12, { ...context, prefix: '/sep12' });
  if (enabled.has('38')) await app.register(sep38, { ...context, prefix: '/sep38' });
  if (enabled.has('24')) await app.register(sep24, { ...context, prefix: '/sep24' });
  if (enabled.has('6')) await app.register(sep6, { ...context, prefix: '/sep6' });
  // Paystack's webhooks feed the transfer flows whichever SEP started them.
  if (enabled.has('6') || enabled.has('24')) await app.register(paystackWebhookRoute(transferDeps(context)));
  // The hosted pages: SEP-24's interactive flow and every transfer's status page (more_info_url).
  if (enabled.has('6') || enabled.has('24')) await app.register(web, context);
  return context;
}
