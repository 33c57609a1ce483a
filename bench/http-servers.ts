/**
 * The server side of `npm run bench`, run as a child process of bench/http.ts so the load generator
 * and the servers do not share one event loop (on two cores, autocannon and the server would
 * otherwise take turns on the same thread and both figures would be wrong).
 *
 * One process hosts both servers on two ports: Rampart exactly as `rampart serve` builds it, and a
 * bare Fastify baseline (no plugins) doing the same database work. Only one is under load at a
 * time; the idle one costs nothing. Sharing the process is what lets the embedded database be
 * shared: PGlite is one in-process session, so the baseline must use the very same instance.
 *
 * Talks to the parent over IPC: one `ready` (or `failed`) message, then it closes everything and
 * exits when the parent disconnects — or when its own lifetime bound runs out, whichever is first.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config/index.js';
import type { Database } from '../src/platform/db/database.js';
import { buildApp } from '../src/platform/http/app.js';
import { createLogger } from '../src/platform/logger.js';
import { openRuntime } from '../src/platform/runtime.js';
import { packageVersion } from '../src/platform/version.js';
import { LIFETIME_ENV, type ServersMessage } from './http-protocol.js';

const LIFETIME_MS_MAX = 60 * 60 * 1000;
const LISTEN_HOST = '127.0.0.1';

interface Baseline {
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Bare Fastify: no logger, no hooks, no plugins, no schemas. `/select1` goes through its own `pg`
 * pool sized and timed like Rampart's; on the embedded database there is only one session, so it
 * goes through Rampart's (the same PGlite instance and the same Kysely dialect).
 */
function openBaseline(config: Config, database: Database): Baseline {
  let selectOne: () => Promise<unknown>;
  let closePool: () => Promise<void>;
  if (config.databaseUrl === undefined) {
    selectOne = () => sql`select 1`.execute(database.db);
    closePool = () => Promise.resolve();
  } else {
    const pool = new pg.Pool({
      connectionString: config.databaseUrl.toString(),
      max: config.databasePoolMax,
      connectionTimeoutMillis: config.databaseConnectTimeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: config.databaseStatementTimeoutMs,
      application_name: 'rampart-bench-baseline',
    });
    // An idle client dropping must not crash the servers mid-run; the load generator sees the errors.
    pool.on('error', () => undefined);
    selectOne = () => pool.query('select 1');
    closePool = () => pool.end();
  }
  const app = Fastify();
  app.get('/live', async () => ({ status: 'ok' }));
  app.get('/select1', async () => {
    await selectOne();
    return { status: 'ok' };
  });
  return {
    app,
    close: async () => {
      await app.close();
      await closePool();
    },
  };
}

async function serverVersionOf(database: Database): Promise<string> {
  const result = await sql<{ server_version: string }>`show server_version`.execute(database.db);
  return result.rows[0]?.server_version ?? 'unknown';
}

function portOf(app: FastifyInstance): number {
  const address = app.server.address();
  assert(address !== null && typeof address === 'object', 'a listening server has an address');
  return address.port;
}

function lifetimeMsOf(raw: string | undefined): number {
  const lifetimeMs = Number(raw);
  assert(
    Number.isSafeInteger(lifetimeMs) && lifetimeMs > 0 && lifetimeMs <= LIFETIME_MS_MAX,
    `${LIFETIME_ENV} must be set by bench/http.ts (1..${LIFETIME_MS_MAX} ms)`,
  );
  return lifetimeMs;
}

function send(message: ServersMessage): void {
  assert(process.send !== undefined, 'bench/http-servers.js runs as a forked child of bench/http.js');
  process.send(message);
}

async function main(): Promise<void> {
  const lifetimeMs = lifetimeMsOf(process.env[LIFETIME_ENV]);
  const closers: (() => Promise<void> | void)[] = [];
  let closing: Promise<void> | undefined;
  const shutdown = (exitCode: number): Promise<void> => {
    closing ??= (async () => {
      for (const closer of closers.reverse()) await Promise.resolve(closer()).catch(() => undefined);
      process.exit(exitCode);
    })();
    return closing;
  };
  // The hard bound: even a wedged shutdown cannot keep this process alive past its lifetime.
  setTimeout(() => process.exit(3), lifetimeMs).unref();
  const lifetime = setTimeout(() => void shutdown(3), lifetimeMs);
  closers.push(() => {
    clearTimeout(lifetime);
  });
  process.on('disconnect', () => void shutdown(0));

  try {
    const embedded = (process.env['DATABASE_URL'] ?? '') === '';
    const dataDir = embedded ? mkdtempSync(join(tmpdir(), 'rampart-bench-')) : undefined;
    if (dataDir !== undefined)
      closers.push(() => {
        rmSync(dataDir, { recursive: true, force: true });
      });
    const loaded = loadConfig(
      dataDir === undefined ? process.env : { ...process.env, RAMPART_DATA_DIR: dataDir },
    );
    if (!loaded.ok) throw new Error(`invalid configuration: ${loaded.problems.join('; ')}`);
    const { config } = loaded;

    const logger = createLogger(config.logLevel);
    // Migrate so /health/ready answers 200: the bench database is a scratch database.
    const runtime = await openRuntime(config, logger, { migrate: true, requireCurrentSchema: true });
    closers.push(() => runtime.close());
    const rampart = await buildApp({ ...runtime, version: packageVersion() });
    closers.push(() => rampart.close());
    const baseline = openBaseline(config, runtime.database);
    closers.push(() => baseline.close());

    await rampart.listen({ host: LISTEN_HOST, port: 0 });
    await baseline.app.listen({ host: LISTEN_HOST, port: 0 });
    send({
      type: 'ready',
      rampartPort: portOf(rampart),
      baselinePort: portOf(baseline.app),
      rampartVersion: packageVersion(),
      databaseKind: runtime.database.kind,
      databaseVersion: await serverVersionOf(runtime.database),
      databasePoolMax: runtime.database.poolStats().max,
      kvKind: runtime.kv.kind,
      rateLimitPerMinute: config.rateLimitPerMinute,
      logLevel: config.logLevel,
    });
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    await shutdown(1);
  }
}

await main();
