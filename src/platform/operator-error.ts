/**
 * An error an operator can act on (bad configuration, a schema to migrate, a locked data
 * directory). The CLI prints its message as one line with its exit code — never a stack trace.
 * Anything that is not an OperatorError is a bug and keeps its stack.
 */
export class OperatorError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}
