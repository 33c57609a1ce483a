/** Runs once before the suite: proves the required services are there and says which backends run. */
import pg from 'pg';
import { Redis } from 'ioredis';
import { isCi, postgresTestUrl, redisTestUrl } from './services.js';

async function checkPostgres(url: URL): Promise<string> {
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('show server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(url: string): Promise<string> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}

export default async function setup(): Promise<void> {
  const databases = ['pglite'];
  const stores = ['memory'];
  const pgUrl = postgresTestUrl();
  if (pgUrl !== undefined) {
    const version = await checkPostgres(pgUrl).catch((error: unknown) => {
      throw new Error(
        `PostgreSQL required for tests${isCi ? ' (CI=true)' : ''} at ${pgUrl.host} is unreachable: ${String(error)}`,
      );
    });
    databases.push(`postgres ${version}`);
  }
  const redisUrl = redisTestUrl();
  if (redisUrl !== undefined) {
    const version = await checkRedis(redisUrl).catch((error: unknown) => {
      throw new Error(`Redis required for tests${isCi ? ' (CI=true)' : ''} is unreachable: ${String(error)}`);
    });
    stores.push(`redis ${version}`);
  }
  console.info(
    `[rampart tests] database backends: ${databases.join(', ')} | key-value backends: ${stores.join(', ')}`,
  );
  if (pgUrl === undefined || redisUrl === undefined) {
    console.info(
      '[rampart tests] set TEST_DATABASE_URL and REDIS_URL (or CI=true) to also run against real PostgreSQL and Redis',
    );
  }
}
