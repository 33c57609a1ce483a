/** `rampart serve [--with-worker] [--migrate]`: the HTTP server, optionally with a worker in-process. */
import { redactedConfig } from '../../config/index.js';
import { jobHandlers } from '../../flows/handlers.js';
import { buildApp, buildMetricsApp } from '../../platform/http/app.js';
import { createWorker } from '../../platform/outbox/worker.js';
import { openRuntime } from '../../platform/runtime.js';
import { packageVersion } from '../../platform/version.js';
import type { CommandContext } from '../context.js';
import { onShutdownSignal } from '../shutdown.js';

export interface ServeOptions {
  readonly withWorker: boolean;
  readonly migrate: boolean;
}

export async function serve(context: CommandContext, options: ServeOptions): Promise<void> {
  const { config, logger } = context;
  const version = packageVersion();
  logger.info({ version, node: process.version, config: redactedConfig(config) }, 'starting rampart serve');
  const runtime = await openRuntime(config, logger, {
    migrate: options.migrate || config.migrateOnStart,
    requireCurrentSchema: true,
  });
  const app = await buildApp({ ...runtime, version });
  const metricsApp = config.metricsPort === undefined ? undefined : await buildMetricsApp(runtime);
  // The embedded database belongs to this one process, so no separate worker can reach it: run one here.
  const withWorker = options.withWorker || runtime.database.kind === 'pglite';
  const worker = withWorker
    ? createWorker(runtime.database.db, jobHandlers(), workerOptions(runtime))
    : undefined;

  onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
    // Stop taking requests first, then let the worker finish its jobs, then close the pools.
    const workerStopped = worker?.stop(config.shutdownTimeoutMs);
    await app.close();
    await metricsApp?.close();
    await workerStopped;
    await runtime.close();
  });

  try {
    await app.listen({ host: config.host, port: config.port });
    if (metricsApp !== undefined && config.metricsPort !== undefined) {
      await metricsApp.listen({ host: config.host, port: config.metricsPort });
    }
  } catch (error) {
    // A port in use must not leave the embedded database locked or pools open.
    await app.close();
    await metricsApp?.close();
    await runtime.close();
    throw error;
  }
  worker?.start();
  logger.info(
    {
      url: `http://${config.host}:${config.port}`,
      database: runtime.database.kind,
      kv: runtime.kv.kind,
      worker: worker !== undefined,
    },
    'rampart is serving',
  );
}

export function workerOptions(runtime: Awaited<ReturnType<typeof openRuntime>>) {
  return {
    concurrency: runtime.config.workerConcurrency,
    pollMs: runtime.config.workerPollMs,
    leaseMs: runtime.config.jobLeaseMs,
    logger: runtime.logger.child({ component: 'worker' }),
    metrics: runtime.metrics,
  };
}
