import assert from 'node:assert/strict';
import type { KvStore } from './kv-store.js';
import { createMemoryKv } from './memory-kv.js';
import { createRedisKv } from './redis-kv.js';

export type { KvStore } from './kv-store.js';
export { KvCapacityError } from './kv-store.js';
export { createMemoryKv, type MemoryKvOptions } from './memory-kv.js';
export { createRedisKv, type RedisKv, type RedisKvOptions } from './redis-kv.js';
export { kvRateLimitStore, type KvRateLimitStoreOptions } from './rate-limit-store.js';
export { isRedisVersionSupported, redisVersionMin, type RedisVersion } from './redis-version.js';

export interface KvConfig {
  redisUrl?: string | undefined;
  keyPrefix?: string;
}

export interface KvTimeouts {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/**
 * Redis when a URL is configured, memory otherwise. The memory store is per process: with more
 * than one instance, leases and rate-limit budgets are no longer shared, so production
 * deployments with replicas must set a Redis URL. An empty URL is refused rather than read as
 * "no Redis", because silently falling back to memory would hand every replica the same lease.
 */
export async function createKv(config: KvConfig, timeouts: KvTimeouts): Promise<KvStore> {
  const keyPrefix = config.keyPrefix === undefined ? {} : { keyPrefix: config.keyPrefix };
  if (config.redisUrl === undefined) return createMemoryKv(keyPrefix);
  assert(config.redisUrl !== '', 'kv redisUrl is empty: leave it unset for the memory store');
  return await createRedisKv(config.redisUrl, { ...keyPrefix, ...timeouts });
}
