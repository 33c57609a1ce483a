/** Why a backup or restore stopped, as one line an operator can act on (exit code 1). */
import { OperatorError } from '../../platform/operator-error.js';

export class BackupError extends OperatorError {
  override readonly name: string = 'BackupError';
  constructor(message: string) {
    super(message, 1);
  }
}

/** The backup's bytes are not what was written: modified, truncated, or read with the wrong key. */
export class BackupIntegrityError extends BackupError {
  override readonly name: string = 'BackupIntegrityError';
}
