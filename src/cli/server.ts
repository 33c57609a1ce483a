/**
 * Starts Rampart's HTTP server (and optionally a worker) and returns how to stop it in order:
 * stop taking requests, let the worker finish its jobs, close the pools. `serve` and `sandbox` share it.
 */
import type { Config } from '../config/index.js';
import { jobHandlers } from '../flows/handlers.js';
import { registerSeps } from '../sep/index.js';
import type { SepContext } from '../sep/context.js';
import { startSchedule, type Schedule } from '../flows/schedule.js';
import { createWithdrawalObserver } from '../flows/withdrawal/observer.js';
import { buildApp, buildMetricsApp } from '../platform/http/app.js';
import type { Logger } from '../platform/logger.js';
import { createWorker, type WorkerOptions } from '../platform/outbox/worker.js';
import { openRuntime, type Runtime } from '../platform/runtime.js';
import { packageVersion } from '../platform/version.js';

export interface ServerOptions {
  readonly withWorker: boolean;
  readonly migrate: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly runtime: Runtime;
  stop(): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger,
  options: ServerOptions,
): Promise<RunningServer> {
  const runtime = await openRuntime(config, logger, {
    migrate: options.migrate || config.migrateOnStart,
    requireCurrentSchema: true,
  });
  const app = await buildApp({ ...runtime, version: packageVersion() });
  const sepContext = await registerSeps(app, runtime);
  const metricsApp = config.metricsPort === undefined ? undefined : await buildMetricsApp(runtime);
  // The embedded database belongs to this one process, so no separate worker can reach it: run one here.
  const withWorker = options.withWorker || runtime.database.kind === 'pglite';
  const worker = withWorker ? startJobs(runtime, sepContext) : undefined;
  const closeAll = async (): Promise<void> => {
    const workerStopped = worker?.stop(config.shutdownTimeoutMs);
    await app.close();
    await metricsApp?.close();
    await workerStopped;
    await runtime.close();
  };
  try {
    await app.listen({ host: config.host, port: config.port });
    if (metricsApp !== undefined && config.metricsPort !== undefined) {
      await metricsApp.listen({ host: config.host, port: config.metricsPort });
    }
  } catch (error) {
    // A port in use must not leave the embedded database locked or pools open.
    await closeAll();
    throw error;
  }
  worker?.start();
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  logger.info(
    { url, database: runtime.database.kind, kv: runtime.kv.kind, worker: worker !== undefined },
    'rampart is serving',
  );
  return { url, runtime, stop: closeAll };
}

export interface Jobs {
  start(): void;
  stop(timeoutMs: number): Promise<void>;
}

/** The outbox worker with the flows' handlers, the schedule of periodic jobs, and the Stellar observer. */
export function startJobs(runtime: Runtime, sepContext: SepContext): Jobs {
  const worker = createWorker(runtime.database.db, jobHandlers(sepContext), workerOptions(runtime));
  // One observer per worker process; the leader lease lets one of them observe at a time.
  const observer = createWithdrawalObserver(sepContext);
  let schedule: Schedule | undefined;
  return {
    start() {
      worker.start();
      schedule = startSchedule(
        runtime.database.db,
        runtime.config,
        runtime.logger.child({ component: 'schedule' }),
      );
      observer?.start().catch((error: unknown) => {
        runtime.logger.error({ err: error }, 'the Stellar observer could not start');
      });
    },
    async stop(timeoutMs) {
      schedule?.stop();
      await observer?.stop();
      await worker.stop(timeoutMs);
    },
  };
}

export function workerOptions(runtime: Runtime): WorkerOptions {
  return {
    concurrency: runtime.config.workerConcurrency,
    pollMs: runtime.config.workerPollMs,
    leaseMs: runtime.config.jobLeaseMs,
    logger: runtime.logger.child({ component: 'worker' }),
    metrics: runtime.metrics,
  };
}
