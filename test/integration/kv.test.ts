import { AssertionError } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryKv,
  createRedisKv,
  isRedisVersionSupported,
  KvCapacityError,
  type KvStore,
  type RedisKv,
} from '../../src/platform/kv/index.js';
import { keyBytesMax, valueBytesMax } from '../../src/platform/kv/kv-limits.js';
import { redisTestUrl } from '../support/services.js';

// Redis runs when asked for (REDIS_URL) and always in CI, where an unreachable Redis must fail the
// suite (beforeAll rejects) instead of silently shrinking it to the memory backend.
const redisUrl = redisTestUrl();
const timeouts = { connectTimeoutMs: 2_000, commandTimeoutMs: 1_000 };
// Unique per run so parallel runs against one Redis never see each other's keys.
const runPrefix = `rampart-test:kv:${process.pid}:${randomUUID().slice(0, 8)}:`;

interface Backend {
  readonly name: 'memory' | 'redis';
  open(): Promise<KvStore>;
  /** A second client of the same store: another connection for Redis, the same store for memory. */
  openPeer(kv: KvStore): Promise<KvStore>;
  cleanup(): Promise<void>;
}

const memoryBackend: Backend = {
  name: 'memory',
  open: () => Promise.resolve(createMemoryKv({ keyPrefix: `${runPrefix}memory:` })),
  openPeer: (kv) => Promise.resolve(kv),
  cleanup: () => Promise.resolve(),
};

function redisBackend(url: string): Backend {
  const keyPrefix = `${runPrefix}redis:`;
  return {
    name: 'redis',
    open: () => createRedisKv(url, { keyPrefix, ...timeouts }),
    openPeer: () => createRedisKv(url, { keyPrefix, ...timeouts }),
    cleanup: () => deleteKeys(url, keyPrefix),
  };
}

async function deleteKeys(url: string, keyPrefix: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const backends: Backend[] =
  redisUrl === undefined ? [memoryBackend] : [memoryBackend, redisBackend(redisUrl)];
console.info(
  `kv contract suite backends: ${backends.map((b) => b.name).join(', ')}` +
    (redisUrl === undefined ? ' (set REDIS_URL or CI=true to include redis)' : ''),
);

describe.each(backends)('KvStore contract on $name', (backend) => {
  let kv: KvStore;
  let peer: KvStore;
  const opened = new Set<KvStore>();

  beforeAll(async () => {
    kv = await backend.open();
    opened.add(kv);
    peer = await backend.openPeer(kv);
    opened.add(peer);
  });

  afterAll(async () => {
    // Nothing to clean when the backend never opened (the beforeAll failure is the report).
    if (opened.size > 0) await backend.cleanup();
    for (const store of opened) await store.close();
  });

  it('reports its kind', () => {
    expect(kv.kind).toBe(backend.name);
  });

  it('returns null for a missing key, the stored value after set, and null after delete', async () => {
    expect(await kv.get('basic')).toBeNull();
    await kv.set('basic', 'naira ₦ value', 5_000);
    expect(await kv.get('basic')).toBe('naira ₦ value');
    await kv.delete('basic');
    expect(await kv.get('basic')).toBeNull();
    await kv.delete('basic');
  });

  it('set overwrites the value and the TTL', async () => {
    await kv.set('overwrite', 'first', 100);
    await kv.set('overwrite', 'second', 5_000);
    await sleep(200);
    expect(await kv.get('overwrite')).toBe('second');
  });

  it('a value expires after its TTL', async () => {
    await kv.set('ttl', 'short-lived', 150);
    expect(await kv.get('ttl')).toBe('short-lived');
    await sleep(300);
    expect(await kv.get('ttl')).toBeNull();
  });

  it('setIfAbsent stores once, keeps the first value, and stores again after expiry', async () => {
    expect(await kv.setIfAbsent('nx', 'first', 150)).toBe(true);
    expect(await kv.setIfAbsent('nx', 'second', 150)).toBe(false);
    expect(await kv.get('nx')).toBe('first');
    await sleep(300);
    expect(await kv.setIfAbsent('nx', 'third', 5_000)).toBe(true);
    expect(await kv.get('nx')).toBe('third');
  });

  it('setIfAbsent lets exactly one of many concurrent callers win', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? kv : peer).setIfAbsent('nx-race', `caller-${i}`, 5_000),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('increment counts hits within a window without extending it', async () => {
    const first = await kv.increment('counter', 5_000);
    expect(first).toEqual({ count: 1, ttlMs: expect.any(Number) as number });
    expect(first.ttlMs).toBeGreaterThan(4_000);
    expect(first.ttlMs).toBeLessThanOrEqual(5_000);
    await sleep(50);
    const second = await kv.increment('counter', 5_000);
    expect(second.count).toBe(2);
    expect(second.ttlMs).toBeLessThan(first.ttlMs);
    expect((await kv.increment('counter', 60_000)).count).toBe(3);
    expect(await kv.get('counter')).toBe('3');
  });

  it('increment starts a new window after the window elapses', async () => {
    expect((await kv.increment('window', 150)).count).toBe(1);
    expect((await kv.increment('window', 150)).count).toBe(2);
    await sleep(300);
    const afterWindow = await kv.increment('window', 150);
    expect(afterWindow.count).toBe(1);
    expect(afterWindow.ttlMs).toBeLessThanOrEqual(150);
  });

  it('increment hands out every count exactly once under concurrency', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? kv : peer).increment('counter-race', 5_000)),
    );
    expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
  });

  it('increment rejects when the key holds a value that is not an integer', async () => {
    await kv.set('not-a-counter', 'abc', 5_000);
    await expect(kv.increment('not-a-counter', 5_000)).rejects.toThrow(/not an integer/);
    await kv.set('padded-counter', '07', 5_000);
    await expect(kv.increment('padded-counter', 5_000)).rejects.toThrow(/not an integer/);
    await kv.set('real-counter', '41', 5_000);
    expect((await kv.increment('real-counter', 5_000)).count).toBe(42);
  });

  it('of two concurrent acquirers of one lease exactly one wins', async () => {
    const [a, b] = await Promise.all([
      kv.acquireLease('race', 'holder-a', 5_000),
      peer.acquireLease('race', 'holder-b', 5_000),
    ]);
    expect([a, b].filter((token) => token !== null)).toHaveLength(1);
    const winner = a === null ? 'holder-b' : 'holder-a';
    expect(await kv.renewLease('race', winner, 5_000)).toBe(true);
  });

  it('the holder re-acquiring keeps its fencing token; another holder gets null', async () => {
    const token = await kv.acquireLease('reentrant', 'holder-a', 5_000);
    expect(token).toMatch(/^[1-9][0-9]*$/);
    expect(await peer.acquireLease('reentrant', 'holder-a', 5_000)).toBe(token);
    expect(await peer.acquireLease('reentrant', 'holder-b', 5_000)).toBeNull();
  });

  it('a non-holder can neither renew nor release the lease', async () => {
    expect(await kv.acquireLease('guarded', 'holder-a', 5_000)).not.toBeNull();
    expect(await peer.renewLease('guarded', 'holder-b', 5_000)).toBe(false);
    await peer.releaseLease('guarded', 'holder-b');
    expect(await peer.acquireLease('guarded', 'holder-b', 5_000)).toBeNull();
    expect(await kv.renewLease('guarded', 'holder-a', 5_000)).toBe(true);
  });

  it('renewing a lease that was never taken fails', async () => {
    expect(await kv.renewLease('never-taken', 'holder-a', 5_000)).toBe(false);
    await kv.releaseLease('never-taken', 'holder-a');
  });

  it('after release another holder acquires with a larger fencing token', async () => {
    const first = await kv.acquireLease('released', 'holder-a', 5_000);
    await kv.releaseLease('released', 'holder-a');
    expect(await kv.renewLease('released', 'holder-a', 5_000)).toBe(false);
    const second = await peer.acquireLease('released', 'holder-b', 5_000);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(BigInt(second!)).toBeGreaterThan(BigInt(first!));
  });

  it('renewal keeps the lease past its first TTL', async () => {
    expect(await kv.acquireLease('renewed', 'holder-a', 150)).not.toBeNull();
    await sleep(75);
    expect(await kv.renewLease('renewed', 'holder-a', 1_000)).toBe(true);
    await sleep(200);
    expect(await peer.acquireLease('renewed', 'holder-b', 5_000)).toBeNull();
  });

  it('an expired lease is taken over, and the old holder can no longer renew it', async () => {
    const first = await kv.acquireLease('takeover', 'holder-a', 100);
    await sleep(250);
    const second = await peer.acquireLease('takeover', 'holder-b', 5_000);
    expect(second).not.toBeNull();
    expect(BigInt(second!)).toBeGreaterThan(BigInt(first!));
    expect(await kv.renewLease('takeover', 'holder-a', 5_000)).toBe(false);
    await kv.releaseLease('takeover', 'holder-a');
    expect(await kv.renewLease('takeover', 'holder-b', 5_000)).toBe(true);
  });

  it('data keys and lease names live in separate namespaces', async () => {
    await kv.set('lease:shared-name', 'data', 5_000);
    expect(await kv.acquireLease('shared-name', 'holder-a', 5_000)).not.toBeNull();
    expect(await kv.get('lease:shared-name')).toBe('data');
  });

  it('accepts a key of exactly the byte limit and a value of exactly the byte limit', async () => {
    await kv.set('k'.repeat(keyBytesMax), 'v', 5_000);
    await kv.set('big', 'v'.repeat(valueBytesMax), 5_000);
    expect(await kv.get('big')).toHaveLength(valueBytesMax);
    await kv.delete('big');
  });

  it('rejects keys, values and TTLs over the limits as programmer errors', async () => {
    const longKey = 'k'.repeat(keyBytesMax + 1);
    const longUtf8Key = 'é'.repeat(keyBytesMax / 2 + 1); // 2 bytes each: over the limit in bytes
    const cases: (() => Promise<unknown>)[] = [
      () => kv.get(longKey),
      () => kv.get(longUtf8Key),
      () => kv.get(''),
      () => kv.set('ok', 'v'.repeat(valueBytesMax + 1), 5_000),
      () => kv.set('ok', 'v', 0),
      () => kv.set('ok', 'v', -1),
      () => kv.set('ok', 'v', 1.5),
      () => kv.set('ok', 'v', Number.NaN),
      () => kv.setIfAbsent(longKey, 'v', 5_000),
      () => kv.setIfAbsent('ok', 'v', Number.POSITIVE_INFINITY),
      () => kv.delete(longKey),
      () => kv.increment('ok', 0),
      () => kv.increment(longKey, 5_000),
      () => kv.acquireLease(longKey, 'holder', 5_000),
      () => kv.acquireLease('ok', '', 5_000),
      () => kv.acquireLease('ok', 'holder', 0),
      () => kv.renewLease('ok', longKey, 5_000),
      () => kv.releaseLease('', 'holder'),
    ];
    for (const call of cases) await expect(call()).rejects.toBeInstanceOf(AssertionError);
    expect(await kv.get('ok')).toBeNull();
  });

  it('ping reports a small round-trip time', async () => {
    const latencyMs = await kv.ping();
    expect(latencyMs).toBeGreaterThanOrEqual(0);
    expect(latencyMs).toBeLessThan(timeouts.commandTimeoutMs);
  });

  it('rejects every operation after close, and close is idempotent', async () => {
    const closing = await backend.open();
    await closing.close();
    await closing.close();
    await expect(closing.ping()).rejects.toThrow();
    await expect(closing.get('after-close')).rejects.toThrow();
    await expect(closing.set('after-close', 'v', 5_000)).rejects.toThrow();
  });
});

describe('memory KvStore with an injected clock', () => {
  function clock(startMs = 1_000_000): { now: () => number; advance: (ms: number) => void } {
    let nowMs = startMs;
    return { now: () => nowMs, advance: (ms) => (nowMs += ms) };
  }

  it('expires values and counter windows exactly at their TTL', async () => {
    const time = clock();
    const kv = createMemoryKv({ now: time.now });
    await kv.set('v', 'x', 1_000);
    await kv.increment('c', 1_000);
    time.advance(999);
    expect(await kv.get('v')).toBe('x');
    expect(await kv.increment('c', 1_000)).toEqual({ count: 2, ttlMs: 1 });
    time.advance(1);
    expect(await kv.get('v')).toBeNull();
    expect(await kv.increment('c', 1_000)).toEqual({ count: 1, ttlMs: 1_000 });
    await kv.close();
  });

  it('seeds fencing tokens from the clock and never repeats one', async () => {
    const time = clock(5_000);
    const kv = createMemoryKv({ now: time.now });
    expect(await kv.acquireLease('fence', 'a', 100)).toBe('5000');
    await kv.releaseLease('fence', 'a');
    expect(await kv.acquireLease('fence', 'b', 100)).toBe('5001');
    time.advance(10_000);
    expect(await kv.acquireLease('fence', 'a', 100)).toBe('15000');
    await kv.close();
  });

  it('a lease is free exactly when its TTL elapses', async () => {
    const time = clock();
    const kv = createMemoryKv({ now: time.now });
    expect(await kv.acquireLease('l', 'a', 1_000)).not.toBeNull();
    time.advance(999);
    expect(await kv.acquireLease('l', 'b', 1_000)).toBeNull();
    time.advance(1);
    expect(await kv.renewLease('l', 'a', 1_000)).toBe(false);
    expect(await kv.acquireLease('l', 'b', 1_000)).not.toBeNull();
    await kv.close();
  });

  it('refuses a new key when full, but still overwrites existing keys', async () => {
    const kv = createMemoryKv({ keysMax: 3 });
    for (const key of ['a', 'b', 'c']) await kv.set(key, key, 60_000);
    await expect(kv.set('d', 'd', 60_000)).rejects.toBeInstanceOf(KvCapacityError);
    await expect(kv.increment('d', 60_000)).rejects.toBeInstanceOf(KvCapacityError);
    await expect(kv.acquireLease('d', 'holder', 60_000)).rejects.toBeInstanceOf(KvCapacityError);
    await kv.set('a', 'changed', 60_000);
    expect(await kv.get('a')).toBe('changed');
    expect(await kv.get('b')).toBe('b');
    await kv.close();
  });

  it('when full, evicts expired keys before refusing', async () => {
    const time = clock();
    const kv = createMemoryKv({ now: time.now, keysMax: 3 });
    await kv.set('short', 'x', 100);
    await kv.set('long-1', 'x', 60_000);
    await kv.set('long-2', 'x', 60_000);
    time.advance(100);
    await kv.set('new', 'x', 60_000);
    expect(await kv.get('new')).toBe('x');
    expect(await kv.get('long-1')).toBe('x');
    await kv.close();
  });

  it('the periodic sweep frees expired keys nobody reads again', async () => {
    const time = clock();
    const kv = createMemoryKv({ now: time.now, keysMax: 2, sweepIntervalMs: 10 });
    await kv.set('a', 'x', 100);
    await kv.set('b', 'x', 100);
    time.advance(100);
    await sleep(50);
    // Only the sweep could have freed both slots: neither key was read after expiry.
    await kv.set('c', 'x', 60_000);
    await kv.set('d', 'x', 60_000);
    await kv.close();
  });

  it('rejects a key prefix over its limit and a non-positive capacity', () => {
    expect(() => createMemoryKv({ keyPrefix: 'p'.repeat(65) })).toThrow(AssertionError);
    expect(() => createMemoryKv({ keysMax: 0 })).toThrow(AssertionError);
  });
});

describe('Redis KvStore against a real server', () => {
  it.runIf(redisUrl !== undefined)('reports a server version of Redis 6 or newer', async () => {
    const kv = await createRedisKv(redisUrl!, { keyPrefix: `${runPrefix}version:`, ...timeouts });
    try {
      expect(isRedisVersionSupported(await kv.serverVersion())).toBe(true);
    } finally {
      await kv.close();
    }
  });
});

/**
 * A stand-in for a sick Redis: completes the handshake (CLIENT SETINFO, then INFO for ioredis's
 * ready check and our version check) reporting the given version, then stops answering for good,
 * like a server stuck behind a long command. Replies are matched to commands by order, so once
 * one command goes unanswered nothing after it may be answered either.
 */
async function fakeRedis(version: string): Promise<{ url: string; sockets: Set<Socket>; server: Server }> {
  const info = `# Server\r\nredis_version:${version}\r\nloading:0\r\n`;
  const replies: Record<string, string> = {
    client: '+OK\r\n',
    info: `$${Buffer.byteLength(info)}\r\n${info}\r\n`,
  };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    let stuck = false;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      for (const [, name] of chunk.toString('latin1').matchAll(/\*\d+\r\n\$\d+\r\n([a-z]+)\r\n/gi)) {
        const reply = replies[name!.toLowerCase()];
        if (reply === undefined) stuck = true;
        if (!stuck) socket.write(reply!);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake redis has no port');
  return { url: `redis://127.0.0.1:${address.port}`, sockets, server };
}

async function stop(fake: { sockets: Set<Socket>; server: Server }): Promise<void> {
  for (const socket of fake.sockets) socket.destroy();
  await new Promise<void>((resolve) => {
    fake.server.close(() => {
      resolve();
    });
  });
}

describe('Redis KvStore when Redis is unhealthy', () => {
  const fastTimeouts = { connectTimeoutMs: 300, commandTimeoutMs: 200 };

  it('fails to start, quickly, when nothing listens at the URL', async () => {
    const fake = await fakeRedis('7.0.0');
    const url = fake.url;
    await stop(fake);
    const startedMs = Date.now();
    await expect(createRedisKv(url, fastTimeouts)).rejects.toThrow(/cannot connect to Redis/);
    expect(Date.now() - startedMs).toBeLessThan(1_000);
  });

  it('fails to start within connectTimeoutMs when the server accepts but never answers', async () => {
    const blackHole = createServer(() => undefined);
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const address = blackHole.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const startedMs = Date.now();
    await expect(createRedisKv(`redis://127.0.0.1:${address.port}`, fastTimeouts)).rejects.toThrow(
      /cannot connect to Redis/,
    );
    expect(Date.now() - startedMs).toBeLessThan(1_000);
    blackHole.close();
  });

  it('refuses a server older than Redis 6', async () => {
    const fake = await fakeRedis('5.0.14');
    const error: unknown = await createRedisKv(fake.url, fastTimeouts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).cause)).toMatch(/Redis 5\.0\.14 is older than the supported 6\.0\.0/);
    await stop(fake);
  });

  it('a command that gets no answer rejects after commandTimeoutMs instead of hanging', async () => {
    const fake = await fakeRedis('7.2.4');
    const kv: RedisKv = await createRedisKv(fake.url, fastTimeouts);
    const startedMs = Date.now();
    await expect(kv.get('stuck')).rejects.toThrow(/timed out/i);
    await expect(kv.ping()).rejects.toThrow(/timed out/i);
    expect(Date.now() - startedMs).toBeLessThan(1_000);
    await kv.close();
    await stop(fake);
  });

  it('while the connection is down every command fails at once instead of queueing', async () => {
    const connectionErrors: Error[] = [];
    const fake = await fakeRedis('7.2.4');
    const kv = await createRedisKv(fake.url, {
      ...fastTimeouts,
      onConnectionError: (error) => connectionErrors.push(error),
    });
    await stop(fake);
    // Past the first reconnect attempt (200 ms backoff), which is refused.
    await sleep(350);
    const startedMs = Date.now();
    await expect(kv.increment('down', 1_000)).rejects.toThrow();
    await expect(kv.acquireLease('down', 'holder', 1_000)).rejects.toThrow();
    await expect(kv.ping()).rejects.toThrow();
    expect(Date.now() - startedMs).toBeLessThan(fastTimeouts.commandTimeoutMs);
    expect(connectionErrors.length).toBeGreaterThan(0);
    await kv.close();
  });
});
