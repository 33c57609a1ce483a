/**
 * Leader election over the KvStore lease: of all processes campaigning for `name`, at most one
 * holds the lease and runs `lead`. The lease (Redis: an atomic script per step; memory: the same
 * semantics in process) carries a fencing token that grows with every new tenure; the leader passes
 * it to whatever it writes, so a paused ex-leader's late writes can be refused downstream.
 *
 * - Renewal every ttl/3, each bounded by ttl/3: a renewal that fails, errs or hangs ends the tenure
 *   at once (the tenure's signal aborts), well before another process can take the lease over.
 * - Takeover: a follower retries every `campaignMs`; it gets the lease once the old one expired
 *   (crash) or was released (clean stop).
 * - Stopping ends the tenure first and waits for `lead` to settle, then releases the lease: the
 *   next leader never overlaps with this one's last writes. `release: false` leaves the lease to
 *   expire, as a crash would.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { assert } from '../domain/assert.js';
import type { KvStore } from './kv/index.js';

export interface Tenure {
  /** The lease's fencing token: a decimal integer string, larger for every new tenure. */
  readonly token: string;
  /** Aborts when the lease is lost or the leader stops; `lead` must then settle promptly. */
  readonly signal: AbortSignal;
}

export interface LeaderOptions {
  readonly kv: KvStore;
  /** The lease name, one per singleton role (e.g. `stellar-observer`). */
  readonly name: string;
  readonly ttlMs: number;
  readonly logger: Logger;
  /** The work of one tenure. Returning (or throwing) while still leader resigns the lease. */
  readonly lead: (tenure: Tenure) => Promise<void>;
  /** Unique per process; default `${hostname}:${pid}:${uuid}`. */
  readonly holder?: string;
  /** How often a follower tries to acquire. Default ttl/3. */
  readonly campaignMs?: number;
  /** Told when this process becomes leader (true) or stops being leader (false). */
  readonly onChange?: (leader: boolean) => void;
}

export interface Leader {
  readonly holder: string;
  start(): void;
  stop(options?: { readonly release?: boolean }): Promise<void>;
  isLeader(): boolean;
  /** The current tenure's fencing token, null when not leader. */
  token(): string | null;
}

/** Shortest lease: renewals at ttl/3 need a few ms each even on a busy machine. */
export const LEASE_TTL_MS_MIN = 300;
const LEASE_TTL_MS_MAX = 10 * 60_000;

export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export function createLeader(options: LeaderOptions): Leader {
  const { kv, name, ttlMs, logger } = options;
  assert(
    Number.isSafeInteger(ttlMs) && ttlMs >= LEASE_TTL_MS_MIN && ttlMs <= LEASE_TTL_MS_MAX,
    `lease ttlMs must be an integer within ${LEASE_TTL_MS_MIN}..${LEASE_TTL_MS_MAX}`,
  );
  const renewEveryMs = Math.floor(ttlMs / 3);
  const campaignMs = options.campaignMs ?? renewEveryMs;
  assert(Number.isSafeInteger(campaignMs) && campaignMs > 0, 'campaignMs must be a positive integer');
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID()}`;
  const log = logger.child({ lease: name, holder });
  let stopping = false;
  // Read through a function: `stopping` changes while the loops await, which narrowing cannot see.
  const isStopping = (): boolean => stopping;
  let started = false;
  let tenure: { token: string; controller: AbortController } | null = null;
  let loop: Promise<void> = Promise.resolve();
  let wake: () => void = () => undefined;

  /** Sleeps `ms` unless stop() wakes it. */
  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = () => undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function acquire(): Promise<string | null> {
    try {
      return await within(kv.acquireLease(name, holder, ttlMs), renewEveryMs, 'acquire');
    } catch (error) {
      log.warn({ err: error }, 'lease acquisition failed');
      return null;
    }
  }

  /** Renews until the tenure ends; a failed renewal aborts the tenure at once. */
  async function renewWhile(controller: AbortController): Promise<void> {
    while (!isAborted(controller.signal)) {
      await abortablePause(renewEveryMs, controller.signal);
      if (isAborted(controller.signal)) return;
      let renewed = false;
      try {
        renewed = await within(kv.renewLease(name, holder, ttlMs), renewEveryMs, 'renew');
      } catch (error) {
        log.warn({ err: error }, 'lease renewal failed');
      }
      if (!renewed) {
        log.warn('lease lost: stopping leader work');
        controller.abort(new LeaseLostError(`lease ${name} lost`));
      }
    }
  }

  async function serve(token: string): Promise<void> {
    const controller = new AbortController();
    tenure = { token, controller };
    log.info({ token }, 'elected leader');
    options.onChange?.(true);
    const renewing = renewWhile(controller);
    try {
      await options.lead({ token, signal: controller.signal });
    } catch (error) {
      log.error({ err: error }, 'leader work failed');
    }
    const resigned = !controller.signal.aborted;
    controller.abort(new LeaseLostError('tenure ended'));
    await renewing;
    tenure = null;
    options.onChange?.(false);
    // The work ended on its own while the lease was still ours: hand it over now, not at expiry.
    if (resigned && !stopping) await release();
  }

  async function release(): Promise<void> {
    try {
      await within(kv.releaseLease(name, holder), renewEveryMs, 'release');
    } catch (error) {
      log.warn({ err: error }, 'lease release failed; it expires on its own');
    }
  }

  async function campaign(): Promise<void> {
    while (!isStopping()) {
      const token = await acquire();
      if (token !== null && !isStopping()) await serve(token);
      if (isStopping()) return;
      await pause(campaignMs);
    }
  }

  return {
    holder,
    start() {
      assert(!started, 'a leader campaigns once; create a new one to campaign again');
      started = true;
      loop = campaign();
    },
    async stop(stopOptions = {}) {
      stopping = true;
      tenure?.controller.abort(new LeaseLostError('leader stopping'));
      wake();
      await loop;
      if (started && stopOptions.release !== false) await release();
    },
    isLeader: () => tenure !== null && !tenure.controller.signal.aborted,
    token: () => (tenure !== null && !tenure.controller.signal.aborted ? tenure.token : null),
  };
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function abortablePause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Bounds a kv call: a store that hangs must not keep a tenure alive past its lease. */
async function within<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`lease ${what} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
