export interface RedisVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/**
 * Redis 6 is the floor: it is the oldest release still receiving security fixes from most
 * vendors and the scripts rely on effects replication (TIME inside a writing script), default
 * since Redis 5.
 */
export const redisVersionMin: RedisVersion = { major: 6, minor: 0, patch: 0 };

/** Reads `redis_version:x.y.z` from an INFO reply. Null when absent or malformed. */
export function parseRedisVersion(info: string): RedisVersion | null {
  const match = /^redis_version:(\d+)\.(\d+)\.(\d+)\s*$/m.exec(info);
  if (match === null) return null;
  const [, major, minor, patch] = match;
  return { major: Number(major), minor: Number(minor), patch: Number(patch) };
}

export function isRedisVersionSupported(version: RedisVersion): boolean {
  if (version.major !== redisVersionMin.major) return version.major > redisVersionMin.major;
  if (version.minor !== redisVersionMin.minor) return version.minor > redisVersionMin.minor;
  return version.patch >= redisVersionMin.patch;
}

export function formatRedisVersion(version: RedisVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}
