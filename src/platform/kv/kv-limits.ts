import assert from 'node:assert/strict';

/** Long keys are a sign of unbounded input leaking into a key; 512 bytes fits any real key. */
export const keyBytesMax = 512;
/** Values are cache entries and small records, never blobs: 1 MiB. */
export const valueBytesMax = 1024 * 1024;
/** Leases, rate-limit windows, replay guards and caches all live far less than this. */
export const ttlMsMax = 30 * 24 * 60 * 60 * 1000;
export const keyPrefixBytesMax = 64;
export const keyPrefixDefault = 'rampart:';

/**
 * How long a lease's fencing counter outlives its last acquisition. Tokens are seeded from the
 * clock, so the counter only has to outlast clock steps backwards, not the lease itself.
 */
export const fenceTtlMs = 24 * 60 * 60 * 1000;

export function assertKey(key: string, what = 'key'): void {
  assert(key.length > 0, `kv ${what} must not be empty`);
  const bytes = Buffer.byteLength(key, 'utf8');
  assert(bytes <= keyBytesMax, `kv ${what} is ${bytes} bytes, limit is ${keyBytesMax}`);
}

export function assertValue(value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  assert(bytes <= valueBytesMax, `kv value is ${bytes} bytes, limit is ${valueBytesMax}`);
}

export function assertTtlMs(ttlMs: number, what = 'ttlMs'): void {
  assert(Number.isSafeInteger(ttlMs), `kv ${what} must be an integer of ms, got ${ttlMs}`);
  assert(ttlMs > 0, `kv ${what} must be positive, got ${ttlMs}`);
  assert(ttlMs <= ttlMsMax, `kv ${what} ${ttlMs} exceeds ${ttlMsMax}`);
}

export function assertKeyPrefix(keyPrefix: string): void {
  const bytes = Buffer.byteLength(keyPrefix, 'utf8');
  assert(bytes <= keyPrefixBytesMax, `kv keyPrefix is ${bytes} bytes, limit is ${keyPrefixBytesMax}`);
}

export interface KeyLayout {
  data(key: string): string;
  lease(name: string): string;
  fence(name: string): string;
}

/**
 * Data, leases and fencing counters live in separate sub-namespaces so a caller's data key can
 * never alias a lease (in Redis a lease is a hash, and aliasing would turn into WRONGTYPE errors).
 */
export function keyLayout(keyPrefix: string): KeyLayout {
  assertKeyPrefix(keyPrefix);
  return {
    data: (key) => `${keyPrefix}kv:${key}`,
    lease: (name) => `${keyPrefix}lease:${name}`,
    fence: (name) => `${keyPrefix}lease-fence:${name}`,
  };
}

/**
 * Parses a counter the way Redis INCR does (canonical signed integer, no spaces, no leading zeros
 * or plus sign) so the memory store rejects exactly what Redis rejects. Null when not a counter.
 */
export function parseCounter(value: string): number | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(value)) return null;
  const count = Number(value);
  return Number.isSafeInteger(count) ? count : null;
}

/**
 * A fencing token never goes backwards: one more than the last token, or the clock in ms when
 * that is larger. Seeding from the clock keeps tokens growing even when the counter was lost
 * (Redis restarted without persistence, memory store recreated).
 */
export function nextFencingToken(lastToken: number, nowMs: number): number {
  return Math.max(lastToken + 1, nowMs);
}
