/**
 * The small key-value contract Rampart relies on for cache, rate-limit counters, replay guards and
 * leases. Two implementations stand behind it (Redis for multi-instance deployments, memory for a
 * single process and tests) and both pass the same contract suite (test/integration/kv.test.ts).
 *
 * Failure kinds follow STYLE.md: a broken limit (key too long, TTL not a positive integer) is a
 * programmer error and rejects with an `AssertionError`; an unreachable or
 * full store is an operating error and rejects with a plain `Error` (or `KvCapacityError`).
 */
export interface KvStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** TTL is required: nothing in the store lives forever. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** SET NX PX: true when this call stored the value (replay guards, dedupe). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Fixed-window counter: increments key, starting a window of windowMs on the first hit. Later
   * hits do not extend the window. `ttlMs` is the time left in the current window. Rejects when the
   * key holds a value that is not an integer.
   */
  increment(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
  /**
   * Lease: acquire if free, or extend it when `holder` already holds it. Returns the fencing token
   * of the current tenure (a decimal integer string that grows with every new tenure, compare
   * with `BigInt`), or null when someone else holds the lease. Pass the token to whatever the
   * holder writes so a paused ex-holder's late writes can be rejected.
   * `holder` must be unique per process (e.g. `${hostname}:${pid}:${randomUUID()}`).
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<string | null>;
  /** Only the current holder can renew; false when the lease is lost or held by someone else. */
  renewLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Only the current holder can release; a non-holder's release is a no-op. */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Round-trip latency in ms; rejects when the store is unreachable or closed. */
  ping(): Promise<number>;
  /** Idempotent. Every operation after close rejects. */
  close(): Promise<void>;
}

/**
 * The store refused a new key because it is full. An operating error: callers degrade (the rate
 * limiter fails open, a cache misses) rather than crash. Redis reports the same condition as an
 * OOM error when `maxmemory-policy noeviction` is configured, which is what we recommend, because
 * evicting a replay guard or a lease silently would be a security bug.
 */
export class KvCapacityError extends Error {
  override readonly name = 'KvCapacityError';
}
