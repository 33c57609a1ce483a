/**
 * A fully composed Rampart app (real config, runtime, plugins) on a scratch database of the given
 * kind, for HTTP-level tests through `app.inject` or a real port.
 */
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Env } from '../../src/config/index.js';
import { buildApp } from '../../src/platform/http/app.js';
import { openRuntime, type Runtime } from '../../src/platform/runtime.js';
import type { DatabaseKind } from '../../src/platform/db/database.js';
import { createScratchPostgres, silentLogger } from './databases.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly migrate?: boolean;
  /** Registers feature plugins (SEPs, webhooks) on the app before it is made ready. */
  readonly register?: (app: FastifyInstance, runtime: Runtime) => Promise<void>;
}

export async function startTestApp(
  kind: DatabaseKind,
  env: Env = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const scratch = kind === 'postgres' ? await createScratchPostgres() : undefined;
  const loaded = loadConfig({
    RAMPART_DATA_DIR: 'memory://',
    ...(scratch?.url === undefined ? {} : { DATABASE_URL: scratch.url.toString() }),
    ...env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const migrate = options.migrate ?? true;
  const runtime = await openRuntime(loaded.config, silentLogger, { migrate, requireCurrentSchema: migrate });
  const app = await buildApp({ ...runtime, version: 'test' });
  await options.register?.(app, runtime);
  await app.ready();
  return {
    app,
    runtime,
    async close() {
      await app.close();
      await runtime.close();
      await scratch?.drop().catch(() => undefined);
    },
  };
}
