/** `rampart worker`: runs outbox jobs until SIGTERM. Several may run at once, on any machines. */
import { createSepContext } from '../../sep/context.js';
import { resolveJwtSecret } from '../../sep/jwt-secret.js';
import { buildMetricsApp } from '../../platform/http/app.js';
import { openRuntime } from '../../platform/runtime.js';
import { packageVersion } from '../../platform/version.js';
import { redactedConfig } from '../../config/index.js';
import type { CommandContext } from '../context.js';
import { onShutdownSignal } from '../shutdown.js';
import { startJobs } from '../server.js';

export async function worker(context: CommandContext): Promise<void> {
  const { config, logger } = context;
  logger.info({ version: packageVersion(), config: redactedConfig(config) }, 'starting rampart worker');
  const runtime = await openRuntime(config, logger, { migrate: false, requireCurrentSchema: true });
  const jobs = startJobs(runtime, createSepContext(runtime, resolveJwtSecret(config)));
  // A worker has no HTTP server; its metrics are served on METRICS_PORT when set.
  const metricsApp = config.metricsPort === undefined ? undefined : await buildMetricsApp(runtime);
  onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
    await jobs.stop(config.shutdownTimeoutMs);
    await metricsApp?.close();
    await runtime.close();
  });
  if (metricsApp !== undefined && config.metricsPort !== undefined) {
    await metricsApp.listen({ host: config.host, port: config.metricsPort });
  }
  jobs.start();
}
