/**
 * Which real services the tests use. Under CI=true PostgreSQL and Redis are required (a missing one
 * fails the run, never skips it); elsewhere they are used when TEST_DATABASE_URL / REDIS_URL are set,
 * and the suite falls back to PGlite and the memory store, saying so.
 */
export const isCi = process.env['CI'] === 'true';

export function postgresTestUrl(): URL | undefined {
  const explicit = process.env['TEST_DATABASE_URL'];
  if (explicit !== undefined && explicit !== '') return new URL(explicit);
  return isCi ? new URL('postgres://postgres@127.0.0.1:5432/test') : undefined;
}

export function redisTestUrl(): string | undefined {
  const explicit = process.env['REDIS_URL'];
  if (explicit !== undefined && explicit !== '') return explicit;
  return isCi ? 'redis://127.0.0.1:6379' : undefined;
}
