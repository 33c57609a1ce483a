import { OperatorError } from '../platform/operator-error.js';

/** Exit codes of the `rampart` command, documented in `rampart help`. */
export const EXIT_OK = 0;
/** Something failed at run time (database unreachable, migration refused, …). */
export const EXIT_FAILURE = 1;
/** The command line was wrong. */
export const EXIT_USAGE = 2;
/** The configuration is invalid (sysexits EX_CONFIG): fix the environment, restarting will not help. */
export const EXIT_CONFIG = 78;

export class UsageError extends OperatorError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}
