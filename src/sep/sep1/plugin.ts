/**
 * SEP-1: `GET /.well-known/stellar.toml`, rendered once from configuration when the plugin
 * registers (configuration does not change while the process runs) and served as `text/plain`
 * with `Access-Control-Allow-Origin: *` — SEP-1 asks for both so any wallet, in a browser or not,
 * can read it. The app-wide CORS allow-list is overridden for this route only.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { SepContext } from '../context.js';
import { ANY_ORIGIN } from '../sep10/any-origin.js';
import { sep10SigningKeypair } from '../sep10/signing-key.js';
import { renderStellarToml } from './stellar-toml.js';

export const STELLAR_TOML_PATH = '/.well-known/stellar.toml';
/** Short enough that a configuration change shows within minutes, long enough to spare us load. */
const CACHE_MAX_AGE_S = 300;

export const sep1: FastifyPluginAsyncTypebox<SepContext> = async (app, ctx) => {
  const signingKey = sep10SigningKeypair(ctx.config, ctx.jwtSecret).publicKey();
  const body = renderStellarToml(ctx.config, signingKey);

  app.get(
    STELLAR_TOML_PATH,
    {
      config: { cors: ANY_ORIGIN },
      schema: {
        tags: ['SEP-1'],
        summary: 'stellar.toml: where the SEP endpoints are, the signing key and the anchored assets',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'The TOML document (SEP-1).' }) },
      },
    },
    async (_request, reply) =>
      reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', `public, max-age=${CACHE_MAX_AGE_S}`)
        .header('cross-origin-resource-policy', 'cross-origin')
        .send(body),
  );
};
