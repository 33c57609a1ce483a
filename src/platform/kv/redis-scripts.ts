import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Lua scripts for the operations that read then write: Redis runs a script atomically, so no
 * other client can slip in between the read and the write (no lost window starts, no lease stolen
 * between the holder check and the renew).
 */
export interface RedisScript {
  readonly source: string;
  readonly sha1: string;
  readonly keyCount: number;
}

function script(source: string, keyCount: number): RedisScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex'), keyCount };
}

/** KEYS[1] counter; ARGV[1] windowMs. Returns {count, ttlMs}. A counter never lives forever. */
export const incrementScript = script(
  `
local count = redis.call('INCR', KEYS[1])
local ttlMs = redis.call('PTTL', KEYS[1])
if ttlMs < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttlMs = tonumber(ARGV[1])
end
return {count, ttlMs}
`,
  1,
);

/**
 * KEYS[1] lease hash {holder, token}; KEYS[2] fencing counter; ARGV[1] holder; ARGV[2] ttlMs;
 * ARGV[3] fence ttlMs. Returns the token, or nil when another holder has the lease. The token is
 * max(last + 1, server clock ms) so it keeps growing even if the counter was lost in a restart.
 */
export const acquireLeaseScript = script(
  `
local holder = redis.call('HGET', KEYS[1], 'holder')
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return redis.call('HGET', KEYS[1], 'token')
end
if holder then
  return false
end
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local token = string.format('%.0f', math.max(last + 1, nowMs))
redis.call('SET', KEYS[2], token, 'PX', ARGV[3])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return token
`,
  2,
);

/** KEYS[1] lease hash; ARGV[1] holder; ARGV[2] ttlMs. Returns 1 when renewed, 0 when not the holder. */
export const renewLeaseScript = script(
  `
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`,
  1,
);

/** KEYS[1] lease hash; ARGV[1] holder. Deletes only when ARGV[1] holds the lease. */
export const releaseLeaseScript = script(
  `
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`,
  1,
);

/**
 * EVALSHA first so the script body crosses the wire once per server; on NOSCRIPT (first use, or
 * after a restart or SCRIPT FLUSH) fall back to EVAL. Retrying is safe here: NOSCRIPT means the
 * script did not run.
 */
export async function runScript(
  redis: Redis,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  assert(keys.length === script.keyCount, `script expects ${script.keyCount} keys`);
  try {
    return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (error: unknown) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
