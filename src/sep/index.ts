/**
 * Registers the enabled SEP plugins on the app, each encapsulated under its prefix: SEP-1 at
 * `/.well-known/stellar.toml`, SEP-10 at `/auth`, SEP-12 under `/sep12`, SEP-38 under `/sep38`
 * (the URLs stellar.toml announces).
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../platform/runtime.js';
import { createSepContext, type SepContext } from './context.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { sep1 } from './sep1/plugin.js';
import { sep10 } from './sep10/plugin.js';
import { sep12 } from './sep12/plugin.js';
import { sep38 } from './sep38/plugin.js';

export async function registerSeps(app: FastifyInstance, runtime: Runtime): Promise<SepContext> {
  const context = createSepContext(runtime, resolveJwtSecret(runtime.config));
  const enabled = new Set(runtime.config.sepsEnabled);
  if (enabled.has('1')) await app.register(sep1, context);
  if (enabled.has('10')) await app.register(sep10, context);
  if (enabled.has('12')) await app.register(sep12, { ...context, prefix: '/sep12' });
  if (enabled.has('38')) await app.register(sep38, { ...context, prefix: '/sep38' });
  return context;
}
