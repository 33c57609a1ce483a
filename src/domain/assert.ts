/**
 * Programmer-error assertions (STYLE.md "Two kinds of failure"). A failed assertion means an
 * invariant is broken; continuing could move money on corrupt state, so it throws and is never
 * caught to keep going.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
