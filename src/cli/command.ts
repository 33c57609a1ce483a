/** The shape of a command that parses its own options (the operations commands). */
export interface CommandIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/** Returns the process exit code; operator mistakes throw OperatorError (one line, its exit code). */
export type OperationsCommand = (argv: readonly string[], io: CommandIo) => Promise<number>;
