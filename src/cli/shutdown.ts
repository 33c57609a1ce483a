/**
 * Graceful shutdown on SIGTERM/SIGINT: stop accepting work, let in-flight requests and jobs finish
 * within SHUTDOWN_TIMEOUT_MS, close pools, exit 0. A second signal or an overrun exits at once.
 */
import type { Logger } from 'pino';

export type Stopper = () => Promise<void>;

export function onShutdownSignal(logger: Logger, timeoutMs: number, stop: Stopper): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, timeoutMs + 1000);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
