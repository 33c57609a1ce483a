/** A real Rampart logger (same redaction) whose JSON lines are kept for assertions. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/platform/logger.js';

export function captureLogs(level = 'debug'): { lines: Record<string, unknown>[]; logger: Logger } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, logger: createLogger(level, stream) };
}
