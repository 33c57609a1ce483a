/**
 * What every benchmark reads and prepares the same way: bounded integer settings from the
 * environment, the database it measures, a scratch PostgreSQL database, a free local port.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';

const ADMIN_TIMEOUT_MS = 10_000;

/** An integer setting within [min, max]; unset or empty gives `fallback`, anything else throws. */
export function integerSetting(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** BENCH_DATABASE_URL, else DATABASE_URL; undefined means the embedded database. */
export function benchDatabaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = env['BENCH_DATABASE_URL']?.trim() ?? env['DATABASE_URL']?.trim() ?? '';
  return url === '' ? undefined : url;
}

/** A fresh PostgreSQL database next to the one named by `base`; `drop()` removes it, connections or not. */
export async function createScratchDatabase(
  base: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = async (text: string): Promise<void> => {
    const client = new pg.Client({
      connectionString: base,
      connectionTimeoutMillis: ADMIN_TIMEOUT_MS,
      query_timeout: ADMIN_TIMEOUT_MS,
    });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  const name = `rampart_bench_${randomBytes(8).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no free port'));
        else resolve(address.port);
      });
    });
  });
}
