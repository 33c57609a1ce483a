/**
 * SEP-1 and SEP-10 require `Access-Control-Allow-Origin: *` on their endpoints (including error
 * responses and the OPTIONS preflight), whatever CORS_ORIGINS allows for the rest of the API. The
 * app's @fastify/cors hook merges a route's `config.cors` over its global options (its index.js,
 * `addCorsHeadersHandler`), so a route opts in with `config: { cors: ANY_ORIGIN }`. The plugin
 * reads that field but does not declare it in its types; the declaration below does.
 */
import type { FastifyCorsOptions } from '@fastify/cors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Per-route CORS options merged over the app's (or `false` to skip CORS on the route). */
    cors?: FastifyCorsOptions | false;
  }
}

export const ANY_ORIGIN: FastifyCorsOptions = {
  origin: '*',
  methods: ['GET', 'POST', 'OPTIONS'],
  allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
};
