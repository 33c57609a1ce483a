/** The security baseline every response carries: headers, CORS and rate limits. */
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/schema.js';
import type { KvStore } from '../kv/kv-store.js';
import { kvRateLimitStore } from '../kv/rate-limit-store.js';
import { HttpError } from './errors.js';

const MINUTE_MS = 60_000;
const HSTS_MAX_AGE_S = 63_072_000; // two years, as hstspreload.org asks

export async function registerSecurity(app: FastifyInstance, config: Config, kv: KvStore): Promise<void> {
  await app.register(helmet, {
    // Strict by default: same-origin scripts and styles only, no framing, no plugins. Pages that
    // need more (the API explorer) widen it on their own routes.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    hsts:
      config.publicUrl.protocol === 'https:' ? { maxAge: HSTS_MAX_AGE_S, includeSubDomains: true } : false,
    crossOriginResourcePolicy: { policy: 'same-site' },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const allowed = new Set(config.corsOrigins);
  await app.register(cors, {
    origin: (origin, callback) => {
      callback(null, origin !== undefined && allowed.has(origin));
    },
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'Idempotency-Key'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimitPerMinute,
    timeWindow: MINUTE_MS,
    allowList: [...config.rateLimitAllowList],
    store: kvRateLimitStore(kv, MINUTE_MS, {
      onError: (error) => {
        app.log.warn({ err: error }, 'rate limiter store failed; request let through');
      },
    }),
    addHeadersOnExceeding: {
      'x-ratelimit-limit': true,
      'x-ratelimit-remaining': true,
      'x-ratelimit-reset': true,
    },
    addHeaders: {
      'x-ratelimit-limit': true,
      'x-ratelimit-remaining': true,
      'x-ratelimit-reset': true,
      'retry-after': true,
    },
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `too many requests: retry in ${Math.ceil(context.ttl / 1000)} s`),
  });
}
