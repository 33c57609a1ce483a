import { AssertionError } from 'node:assert';
import assert from 'node:assert/strict';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { KvStore } from './kv-store.js';
import { assertTtlMs } from './kv-limits.js';

export interface KvRateLimitStoreOptions {
  /** Sees every KV failure the store fails open on, so an outage shows up in logs and metrics. */
  onError?: (error: unknown) => void;
}

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1];

/**
 * A `store` for @fastify/rate-limit v11 that counts through a KvStore, so every Rampart instance
 * sharing one Redis shares one budget. Pass the returned class as the plugin's `store` option.
 *
 * Contract with the plugin (index.js, store/RedisStore.js): it calls `new Store(globalParams)`,
 * then `incr(key, callback, timeWindow, max)` per request with the route's resolved window in ms,
 * and `child(mergedParams)` once per route with its own `config.rateLimit` (with `routeInfo`).
 * Counting is fixed-window (KvStore.increment): `continueExceeding` and `exponentialBackoff` are
 * refused at registration rather than silently ignored. `read` (`{ increment: false }`) is not
 * implemented; the plugin then throws a clear error.
 *
 * FAILS OPEN: when the KV store is unreachable, times out or is full, the request is let through
 * (counted as 0) and `onError` is told. A rate-limiter outage must not take payments down. We do
 * this here instead of relying on the plugin's `skipOnError`, which would also swallow programmer
 * errors: leave `skipOnError` false so a broken invariant (e.g. a key over the length limit, an
 * AssertionError) still fails the request loudly.
 */
export function kvRateLimitStore(
  kv: KvStore,
  timeWindowMs: number,
  options: KvRateLimitStoreOptions = {},
): FastifyRateLimitStoreCtor {
  assertTtlMs(timeWindowMs, 'timeWindowMs');

  return class KvRateLimitStore implements FastifyRateLimitStore {
    readonly #routeKey: string;

    constructor(params: object, routeKey = '') {
      assertFixedWindow(params);
      this.#routeKey = routeKey;
    }

    incr(key: string, callback: IncrCallback, timeWindow?: number, _max?: number): void {
      // The plugin passes the route's window (which may differ per route); older plugin versions
      // passed none, so the factory's window is the fallback.
      const windowMs = timeWindow !== undefined && timeWindow > 0 ? Math.trunc(timeWindow) : timeWindowMs;
      kv.increment(`rate-limit:${this.#routeKey}${key}`, windowMs).then(
        ({ count, ttlMs }) => {
          callback(null, { current: count, ttl: ttlMs });
        },
        (error: unknown) => {
          if (error instanceof AssertionError) {
            callback(error);
            return;
          }
          options.onError?.(error);
          callback(null, { current: 0, ttl: windowMs });
        },
      );
    }

    child(routeOptions: object): FastifyRateLimitStore {
      return new KvRateLimitStore(routeOptions, `${this.#routeKey}${routeId(routeOptions)}-`);
    }
  };
}

function assertFixedWindow(params: object): void {
  const continueExceeding = 'continueExceeding' in params && params.continueExceeding === true;
  const exponentialBackoff = 'exponentialBackoff' in params && params.exponentialBackoff === true;
  assert(!continueExceeding, 'kvRateLimitStore counts fixed windows: continueExceeding is unsupported');
  assert(!exponentialBackoff, 'kvRateLimitStore counts fixed windows: exponentialBackoff is unsupported');
}

/**
 * Routes with their own limits count separately, like the plugin's RedisStore (`METHOD/url-`).
 * Limiters made with `createRateLimit` carry no route, so they share the `custom` namespace.
 */
function routeId(routeOptions: object): string {
  const routeInfo: unknown = 'routeInfo' in routeOptions ? routeOptions.routeInfo : undefined;
  if (typeof routeInfo !== 'object' || routeInfo === null) return 'custom';
  const method = 'method' in routeInfo ? String(routeInfo.method) : '';
  const url = 'url' in routeInfo ? String(routeInfo.url) : '';
  return method === '' && url === '' ? 'custom' : `${method}${url}`;
}
