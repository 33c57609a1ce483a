/** Retry delay after a failed attempt: exponential, capped, with jitter so retries do not stampede. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 60 * 60 * 1000 };

/**
 * `attempt` is the attempt that just failed (1-based). The delay is drawn uniformly from the upper
 * half of the exponential step ("equal jitter"): never sooner than half the step, so a failing
 * dependency still gets breathing room, but spread out across workers.
 */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const stepMs = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.round(stepMs / 2 + random() * (stepMs / 2));
}
