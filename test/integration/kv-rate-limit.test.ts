import { AssertionError } from 'node:assert';
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createMemoryKv,
  createRedisKv,
  kvRateLimitStore,
  type KvRateLimitStoreOptions,
  type KvStore,
} from '../../src/platform/kv/index.js';
import { redisTestUrl } from '../support/services.js';

const redisUrl = redisTestUrl();
const timeouts = { connectTimeoutMs: 2_000, commandTimeoutMs: 1_000 };
const runPrefix = `rampart-test:kv-rate-limit:${process.pid}:${randomUUID().slice(0, 8)}:`;
const timeWindowMs = 60_000;

interface Backend {
  readonly name: 'memory' | 'redis';
  /** Every call with the same prefix reaches the same counters (a new connection for Redis). */
  open(keyPrefix: string): Promise<KvStore>;
}

const memoryStores = new Map<string, KvStore>();
const memoryBackend: Backend = {
  name: 'memory',
  open: (keyPrefix) => {
    const kv = memoryStores.get(keyPrefix) ?? createMemoryKv({ keyPrefix });
    memoryStores.set(keyPrefix, kv);
    return Promise.resolve(kv);
  },
};
const backends: Backend[] =
  redisUrl === undefined
    ? [memoryBackend]
    : [
        memoryBackend,
        { name: 'redis', open: (keyPrefix) => createRedisKv(redisUrl, { keyPrefix, ...timeouts }) },
      ];
console.info(`kv rate-limit suite backends: ${backends.map((b) => b.name).join(', ')}`);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  memoryStores.clear();
});

afterAll(async () => {
  if (redisUrl === undefined) return;
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2_000, retryStrategy: () => null });
  try {
    await redis.connect();
    const keys = await redis.keys(`${runPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
});

async function buildApp(
  kv: KvStore,
  options: { max?: number; continueExceeding?: boolean; store?: KvRateLimitStoreOptions } = {},
): Promise<FastifyInstance> {
  const app = Fastify();
  cleanups.push(async () => {
    await app.close();
    await kv.close();
  });
  await app.register(rateLimit, {
    max: options.max ?? 3,
    timeWindow: timeWindowMs,
    continueExceeding: options.continueExceeding ?? false,
    store: kvRateLimitStore(kv, timeWindowMs, options.store),
  });
  app.get('/quote', () => ({ ok: true }));
  app.get('/strict', { config: { rateLimit: { max: 1, timeWindow: timeWindowMs } } }, () => ({ ok: true }));
  await app.ready();
  return app;
}

function uniquePrefix(): string {
  return `${runPrefix}${randomUUID().slice(0, 8)}:`;
}

describe.each(backends)('@fastify/rate-limit counting through the $name KvStore', (backend) => {
  it('lets 3 requests a minute through and answers the 4th with 429 and retry-after', async () => {
    const app = await buildApp(await backend.open(uniquePrefix()));
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await app.inject({ method: 'GET', url: '/quote' });
      expect(response.statusCode).toBe(200);
      remaining.push(String(response.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await app.inject({ method: 'GET', url: '/quote' });
    expect(limited.statusCode).toBe(429);
    const retryAfterSeconds = Number(limited.headers['retry-after']);
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(retryAfterSeconds).toBeLessThanOrEqual(timeWindowMs / 1000);
  });

  it('a route with its own limit counts separately from the global budget', async () => {
    const app = await buildApp(await backend.open(uniquePrefix()));
    expect((await app.inject({ method: 'GET', url: '/strict' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/strict' })).statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/quote' })).statusCode).toBe(200);
  });

  it('two app instances on one store share one budget of 3', async () => {
    const keyPrefix = uniquePrefix();
    const apps = [
      await buildApp(await backend.open(keyPrefix)),
      await buildApp(await backend.open(keyPrefix)),
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await apps[i % 2]!.inject({ method: 'GET', url: '/quote' })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('kvRateLimitStore failure handling', () => {
  function failingKv(error: Error): KvStore {
    const kv = createMemoryKv();
    return { ...kv, increment: () => Promise.reject(error) };
  }

  it('fails open when the store is unreachable, and reports each failure', async () => {
    const errors: unknown[] = [];
    const app = await buildApp(failingKv(new Error('connect ECONNREFUSED 127.0.0.1:6379')), {
      store: { onError: (error) => errors.push(error) },
    });
    for (let i = 0; i < 5; i++) {
      expect((await app.inject({ method: 'GET', url: '/quote' })).statusCode).toBe(200);
    }
    expect(errors).toHaveLength(5);
  });

  it.runIf(redisUrl !== undefined)('fails open on a real Redis connection that is gone', async () => {
    const kv = await createRedisKv(redisUrl!, { keyPrefix: uniquePrefix(), ...timeouts });
    const errors: unknown[] = [];
    const app = await buildApp(kv, { max: 1, store: { onError: (error) => errors.push(error) } });
    await kv.close();
    for (let i = 0; i < 3; i++) {
      expect((await app.inject({ method: 'GET', url: '/quote' })).statusCode).toBe(200);
    }
    expect(errors).toHaveLength(3);
  });

  it('does not swallow a programmer error: the request fails loudly', async () => {
    const errors: unknown[] = [];
    const app = await buildApp(failingKv(new AssertionError({ message: 'kv key is 600 bytes' })), {
      store: { onError: (error) => errors.push(error) },
    });
    expect((await app.inject({ method: 'GET', url: '/quote' })).statusCode).toBe(500);
    expect(errors).toHaveLength(0);
  });

  it('refuses continueExceeding at registration instead of silently ignoring it', async () => {
    await expect(buildApp(createMemoryKv(), { continueExceeding: true })).rejects.toThrow(
      /continueExceeding/,
    );
  });

  it('refuses a time window that is not a positive integer of ms', async () => {
    const kv = createMemoryKv();
    expect(() => kvRateLimitStore(kv, 0)).toThrow(AssertionError);
    expect(() => kvRateLimitStore(kv, 1.5)).toThrow(AssertionError);
    await kv.close();
  });
});
