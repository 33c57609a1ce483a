/** Small pieces the phases of bench/withdrawals-rampart.ts share: failure, timing and bounded fan-out. */
import type { Percentiles, ProcessCpu } from './withdrawals-protocol.js';

/** A check failed: the run fails loudly and writes no result. */
export class RunInvalidError extends Error {
  override readonly name = 'RunInvalidError';
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function perSecond(count: number, elapsedMs: number): number {
  return round(count / (elapsedMs / 1000), 2);
}

/** Measures this process's CPU time from now until the returned function is called. */
export function cpuMeter(): () => ProcessCpu {
  const startCpu = process.cpuUsage();
  const startMs = performance.now();
  return () => {
    const used = process.cpuUsage(startCpu);
    const wallMs = performance.now() - startMs;
    const userMs = used.user / 1000;
    const systemMs = used.system / 1000;
    return {
      userMs: Math.round(userMs),
      systemMs: Math.round(systemMs),
      cores: round((userMs + systemMs) / wallMs, 2),
    };
  };
}

/** How often the stall meter's timer asks to run. */
const STALL_TICK_MS = 10;

/**
 * The longest time this process's event loop went without running a timer, from now until the
 * returned function is called (ms, beyond the tick itself). Timers, sockets, the HTTP server, the
 * worker's polls and lease renewals all wait that long.
 */
export function stallMeter(): () => number {
  let lastMs = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const nowMs = performance.now();
    maxGapMs = Math.max(maxGapMs, nowMs - lastMs);
    lastMs = nowMs;
  }, STALL_TICK_MS);
  return () => {
    clearInterval(timer);
    maxGapMs = Math.max(maxGapMs, performance.now() - lastMs);
    return Math.max(0, Math.round(maxGapMs - STALL_TICK_MS));
  };
}

/** A rank percentile (nearest rank) of unsorted samples, rounded to 0.1 ms. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) throw new RunInvalidError('no samples to summarise');
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { p50: round(at(0.5), 1), p95: round(at(0.95), 1), max: round(at(1), 1) };
}

/** Runs `task` over `items` with at most `limit` in flight; the first failure rejects. */
export async function forEachBounded<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
