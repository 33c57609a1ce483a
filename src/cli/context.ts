/** What every command starts with: a valid configuration and a logger, or a clear refusal. */
import { environmentWithDotenv, loadConfig, type Config } from '../config/index.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { EXIT_CONFIG } from './exit-codes.js';
import { OperatorError } from '../platform/operator-error.js';

export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

export class ConfigInvalidError extends OperatorError {
  override readonly name = 'ConfigInvalidError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, EXIT_CONFIG);
  }
}

export function loadContext(env: NodeJS.ProcessEnv = process.env): CommandContext {
  const result = loadConfig(environmentWithDotenv(env));
  if (!result.ok) throw new ConfigInvalidError(result.problems);
  return {
    config: result.config,
    logger: createLogger(result.config.logLevel),
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  };
}
