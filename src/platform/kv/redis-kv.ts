import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { KvStore } from './kv-store.js';
import {
  assertKey,
  assertTtlMs,
  assertValue,
  fenceTtlMs,
  keyLayout,
  keyPrefixDefault,
  type KeyLayout,
} from './kv-limits.js';
import {
  acquireLeaseScript,
  incrementScript,
  releaseLeaseScript,
  renewLeaseScript,
  runScript,
} from './redis-scripts.js';
import {
  formatRedisVersion,
  isRedisVersionSupported,
  parseRedisVersion,
  redisVersionMin,
  type RedisVersion,
} from './redis-version.js';

export interface RedisKvOptions {
  keyPrefix?: string;
  /** Bounds the whole connect at boot (TCP, AUTH, ready check) and each reconnect's TCP connect. */
  connectTimeoutMs: number;
  /** Bounds every command; a hung Redis rejects after this instead of stalling a request. */
  commandTimeoutMs: number;
  /** Sees every connection error, including each failed reconnect attempt; for logs and metrics. */
  onConnectionError?: (error: Error) => void;
}

export interface RedisKv extends KvStore {
  readonly kind: 'redis';
  /** Parsed from INFO server; for readiness checks and the boot-time floor check. */
  serverVersion(): Promise<RedisVersion>;
}

const reconnectDelayMsStep = 200;
const reconnectDelayMsMax = 2_000;

/**
 * Connects (bounded by connectTimeoutMs) and checks the server is Redis >= 6, rejecting otherwise:
 * a wrong REDIS_URL should stop the deployment at boot, not surface as failing requests later.
 *
 * Failure behaviour once running, chosen so an outage fails fast instead of hanging requests:
 * - enableOfflineQueue false: while disconnected every command rejects at once instead of
 *   queueing without bound; ioredis keeps reconnecting in the background (capped backoff).
 * - maxRetriesPerRequest 0 and autoResendUnfulfilledCommands false: a command in flight when the
 *   connection drops rejects instead of being replayed. INCR or SET NX replayed after an unknown
 *   outcome would double count or report "already present" for our own write.
 * - commandTimeout: a Redis that accepts but never answers rejects after commandTimeoutMs.
 */
export async function createRedisKv(url: string, options: RedisKvOptions): Promise<RedisKv> {
  assertTtlMs(options.connectTimeoutMs, 'connectTimeoutMs');
  assertTtlMs(options.commandTimeoutMs, 'commandTimeoutMs');
  const keys = keyLayout(options.keyPrefix ?? keyPrefixDefault);
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt: number) => Math.min(attempt * reconnectDelayMsStep, reconnectDelayMsMax),
  });
  let connectionError: Error | undefined;
  // Without a listener ioredis prints every reconnect failure to stderr.
  redis.on('error', (error: Error) => {
    connectionError = error;
    options.onConnectionError?.(error);
  });
  const kv = redisKv(redis, keys);
  try {
    await connectWithin(redis, options.connectTimeoutMs);
  } catch (error: unknown) {
    redis.disconnect();
    // The socket error (ECONNREFUSED, auth) says more than "Connection is closed". The URL is left
    // out of the message on purpose: it may carry a password.
    throw new Error('cannot connect to Redis for the kv store', { cause: connectionError ?? error });
  }
  try {
    await assertVersionSupported(kv);
  } catch (error: unknown) {
    redis.disconnect();
    throw new Error('cannot use Redis for the kv store', { cause: error });
  }
  return kv;
}

async function assertVersionSupported(kv: RedisKv): Promise<void> {
  const version = await kv.serverVersion();
  if (isRedisVersionSupported(version)) return;
  const versionText = formatRedisVersion(version);
  throw new Error(`Redis ${versionText} is older than the supported ${formatRedisVersion(redisVersionMin)}`);
}

async function connectWithin(redis: Redis, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`Redis was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([redis.connect(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function redisKv(redis: Redis, keys: KeyLayout): RedisKv {
  return {
    kind: 'redis',
    async get(key) {
      assertKey(key);
      return await redis.get(keys.data(key));
    },
    async set(key, value, ttlMs) {
      assertKey(key);
      assertValue(value);
      assertTtlMs(ttlMs);
      await redis.set(keys.data(key), value, 'PX', ttlMs);
    },
    async setIfAbsent(key, value, ttlMs) {
      assertKey(key);
      assertValue(value);
      assertTtlMs(ttlMs);
      return (await redis.set(keys.data(key), value, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async delete(key) {
      assertKey(key);
      await redis.del(keys.data(key));
    },
    async increment(key, windowMs) {
      assertKey(key);
      assertTtlMs(windowMs, 'windowMs');
      const reply = await runScript(redis, incrementScript, [keys.data(key)], [windowMs]);
      return counterReply(reply);
    },
    async acquireLease(name, holder, ttlMs) {
      assertLeaseArguments(name, holder, ttlMs);
      const lease = [keys.lease(name), keys.fence(name)];
      const reply = await runScript(redis, acquireLeaseScript, lease, [holder, ttlMs, fenceTtlMs]);
      if (reply === null || typeof reply === 'string') return reply;
      throw new Error(`unexpected reply from the acquire-lease script: ${typeof reply}`);
    },
    async renewLease(name, holder, ttlMs) {
      assertLeaseArguments(name, holder, ttlMs);
      return (await runScript(redis, renewLeaseScript, [keys.lease(name)], [holder, ttlMs])) === 1;
    },
    async releaseLease(name, holder) {
      assertKey(name, 'lease name');
      assertKey(holder, 'lease holder');
      await runScript(redis, releaseLeaseScript, [keys.lease(name)], [holder]);
    },
    async ping() {
      const startedMs = performance.now();
      await redis.ping();
      return performance.now() - startedMs;
    },
    async serverVersion() {
      const version = parseRedisVersion(await redis.info('server'));
      if (version === null) throw new Error('INFO server carries no redis_version');
      return version;
    },
    async close() {
      if (redis.status === 'end') return;
      try {
        // QUIT lets replies already on the wire arrive; bounded by commandTimeout.
        await redis.quit();
      } catch {
        // Already disconnected or timed out: drop the socket and stop reconnecting.
        redis.disconnect();
      }
    },
  };
}

function assertLeaseArguments(name: string, holder: string, ttlMs: number): void {
  assertKey(name, 'lease name');
  assertKey(holder, 'lease holder');
  assertTtlMs(ttlMs);
}

function counterReply(reply: unknown): { count: number; ttlMs: number } {
  if (Array.isArray(reply) && reply.length === 2) {
    const items: readonly unknown[] = reply;
    const [count, ttlMs] = items;
    if (typeof count === 'number' && typeof ttlMs === 'number') return { count, ttlMs };
  }
  throw new Error('unexpected reply from the increment script');
}
