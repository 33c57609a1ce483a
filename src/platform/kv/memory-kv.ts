import assert from 'node:assert/strict';
import { KvCapacityError, type KvStore } from './kv-store.js';
import {
  assertKey,
  assertTtlMs,
  assertValue,
  fenceTtlMs,
  keyLayout,
  keyPrefixDefault,
  nextFencingToken,
  parseCounter,
} from './kv-limits.js';

export interface MemoryKvOptions {
  keyPrefix?: string;
  /** Injectable clock (ms since epoch) so tests can move time without sleeping. */
  now?: () => number;
  keysMax?: number;
  sweepIntervalMs?: number;
}

export const memoryKeysMaxDefault = 100_000;
const sweepIntervalMsDefault = 1_000;
/** Bounds the work of one sweep step so a large store never stalls the event loop. */
const sweepBatchMax = 1_000;

type Entry =
  | { kind: 'value'; value: string; expiresAtMs: number }
  | { kind: 'lease'; holder: string; token: string; expiresAtMs: number };

/**
 * In-process KvStore with the same semantics as the Redis one. Only correct for a single process:
 * two processes each holding their own memory store would each grant the same lease.
 *
 * Expiry: lazy on read, plus an incremental sweep on an unref()ed timer (cleared on close).
 * Capacity: at `keysMax` keys a new key first triggers a bounded sweep of expired entries; if the
 * store is still full the write is REFUSED with KvCapacityError. We refuse rather than evict the
 * oldest because the oldest entry may be a replay guard or a lease, and forgetting either silently
 * is a security bug; refusing is also what Redis does under `maxmemory-policy noeviction`.
 */
export function createMemoryKv(options: MemoryKvOptions = {}): KvStore {
  const now = options.now ?? Date.now;
  const keysMax = options.keysMax ?? memoryKeysMaxDefault;
  const sweepIntervalMs = options.sweepIntervalMs ?? sweepIntervalMsDefault;
  assert(Number.isSafeInteger(keysMax) && keysMax > 0, 'memory kv keysMax must be a positive integer');
  assertTtlMs(sweepIntervalMs, 'sweepIntervalMs');
  const keys = keyLayout(options.keyPrefix ?? keyPrefixDefault);
  const entries = new Map<string, Entry>();
  let sweepCursor = entries.keys();
  let closed = false;

  function live(storeKey: string): Entry | undefined {
    const entry = entries.get(storeKey);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > now()) return entry;
    entries.delete(storeKey);
    return undefined;
  }

  function liveValue(storeKey: string): (Entry & { kind: 'value' }) | undefined {
    const entry = live(storeKey);
    if (entry === undefined) return undefined;
    assert(entry.kind === 'value', 'data and lease namespaces never overlap');
    return entry;
  }

  /** Resumes where the last step stopped, so every entry is visited over successive steps. */
  function sweep(batchMax: number): void {
    const nowMs = now();
    for (let visited = 0; visited < batchMax; visited++) {
      const next = sweepCursor.next();
      if (next.done === true) {
        sweepCursor = entries.keys();
        return;
      }
      const entry = entries.get(next.value);
      if (entry !== undefined && entry.expiresAtMs <= nowMs) entries.delete(next.value);
    }
  }

  function put(storeKey: string, entry: Entry): void {
    if (!entries.has(storeKey) && entries.size >= keysMax) {
      sweep(sweepBatchMax);
      if (entries.size >= keysMax) {
        throw new KvCapacityError(`memory kv holds its limit of ${keysMax} keys; refusing a new key`);
      }
    }
    entries.set(storeKey, entry);
  }

  function assertOpen(): void {
    // Use after close is an operating error during shutdown (in-flight requests), not a crash.
    if (closed) throw new Error('memory kv is closed');
  }

  const timer = setInterval(() => {
    sweep(sweepBatchMax);
  }, sweepIntervalMs);
  // The sweep is housekeeping; it must never keep a process alive on its own.
  timer.unref();

  const core = {
    get(key: string): string | null {
      assertOpen();
      assertKey(key);
      return liveValue(keys.data(key))?.value ?? null;
    },
    set(key: string, value: string, ttlMs: number): void {
      assertOpen();
      assertKey(key);
      assertValue(value);
      assertTtlMs(ttlMs);
      put(keys.data(key), { kind: 'value', value, expiresAtMs: now() + ttlMs });
    },
    setIfAbsent(key: string, value: string, ttlMs: number): boolean {
      assertOpen();
      assertKey(key);
      assertValue(value);
      assertTtlMs(ttlMs);
      const storeKey = keys.data(key);
      if (liveValue(storeKey) !== undefined) return false;
      put(storeKey, { kind: 'value', value, expiresAtMs: now() + ttlMs });
      return true;
    },
    delete(key: string): void {
      assertOpen();
      assertKey(key);
      entries.delete(keys.data(key));
    },
    increment(key: string, windowMs: number): { count: number; ttlMs: number } {
      assertOpen();
      assertKey(key);
      assertTtlMs(windowMs, 'windowMs');
      const storeKey = keys.data(key);
      const nowMs = now();
      const entry = liveValue(storeKey);
      if (entry === undefined) {
        put(storeKey, { kind: 'value', value: '1', expiresAtMs: nowMs + windowMs });
        return { count: 1, ttlMs: windowMs };
      }
      const count = parseCounter(entry.value);
      // Same wording as Redis so callers see one error whichever store is configured.
      if (count === null) throw new Error('ERR value is not an integer or out of range');
      entry.value = String(count + 1);
      return { count: count + 1, ttlMs: entry.expiresAtMs - nowMs };
    },
    acquireLease(name: string, holder: string, ttlMs: number): string | null {
      assertLeaseArguments(name, holder, ttlMs);
      const nowMs = now();
      const lease = live(keys.lease(name));
      if (lease !== undefined) {
        assert(lease.kind === 'lease', 'lease namespace holds only leases');
        if (lease.holder !== holder) return null;
        lease.expiresAtMs = nowMs + ttlMs;
        return lease.token;
      }
      const fence = liveValue(keys.fence(name));
      const token = String(nextFencingToken(fence === undefined ? 0 : Number(fence.value), nowMs));
      put(keys.fence(name), { kind: 'value', value: token, expiresAtMs: nowMs + fenceTtlMs });
      put(keys.lease(name), { kind: 'lease', holder, token, expiresAtMs: nowMs + ttlMs });
      return token;
    },
    renewLease(name: string, holder: string, ttlMs: number): boolean {
      assertLeaseArguments(name, holder, ttlMs);
      const lease = live(keys.lease(name));
      if (lease?.kind !== 'lease' || lease.holder !== holder) return false;
      lease.expiresAtMs = now() + ttlMs;
      return true;
    },
    releaseLease(name: string, holder: string): void {
      assertOpen();
      assertKey(name, 'lease name');
      assertKey(holder, 'lease holder');
      const lease = live(keys.lease(name));
      if (lease?.kind === 'lease' && lease.holder === holder) entries.delete(keys.lease(name));
    },
  };

  function assertLeaseArguments(name: string, holder: string, ttlMs: number): void {
    assertOpen();
    assertKey(name, 'lease name');
    assertKey(holder, 'lease holder');
    assertTtlMs(ttlMs);
  }

  return {
    kind: 'memory',
    get: (key) => settle(() => core.get(key)),
    set: (key, value, ttlMs) =>
      settle(() => {
        core.set(key, value, ttlMs);
      }),
    setIfAbsent: (key, value, ttlMs) => settle(() => core.setIfAbsent(key, value, ttlMs)),
    delete: (key) =>
      settle(() => {
        core.delete(key);
      }),
    increment: (key, windowMs) => settle(() => core.increment(key, windowMs)),
    acquireLease: (name, holder, ttlMs) => settle(() => core.acquireLease(name, holder, ttlMs)),
    renewLease: (name, holder, ttlMs) => settle(() => core.renewLease(name, holder, ttlMs)),
    releaseLease: (name, holder) =>
      settle(() => {
        core.releaseLease(name, holder);
      }),
    ping: () =>
      settle(() => {
        assertOpen();
        return 0;
      }),
    close: () =>
      settle(() => {
        closed = true;
        clearInterval(timer);
        entries.clear();
      }),
  };
}

/** Runs synchronous work as a promise so throws (including assertions) reject like Redis calls do. */
function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(work());
  });
}
