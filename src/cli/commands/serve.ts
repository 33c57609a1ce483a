/** `rampart serve [--with-worker] [--migrate]`: the HTTP server, optionally with a worker in-process. */
import { redactedConfig } from '../../config/index.js';
import { packageVersion } from '../../platform/version.js';
import type { CommandContext } from '../context.js';
import { startServer, type ServerOptions } from '../server.js';
import { onShutdownSignal } from '../shutdown.js';

export async function serve(context: CommandContext, options: ServerOptions): Promise<void> {
  const { config, logger } = context;
  logger.info(
    { version: packageVersion(), node: process.version, config: redactedConfig(config) },
    'starting rampart serve',
  );
  const server = await startServer(config, logger, options);
  onShutdownSignal(logger, config.shutdownTimeoutMs, () => server.stop());
}
