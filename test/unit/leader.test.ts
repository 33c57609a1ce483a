/**
 * Leader election over the KvStore lease, on the memory store and (when available, always in CI) on
 * Redis: one leader at a time, a growing fencing token per tenure, takeover after release or
 * expiry, and a lost, failed or hung renewal ending the tenure at once.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { AssertionError } from '../../src/domain/assert.js';
import { createMemoryKv, createRedisKv, type KvStore } from '../../src/platform/kv/index.js';
import { createLeader, type Leader, type LeaderOptions, type Tenure } from '../../src/platform/leader.js';
import { redisTestUrl } from '../support/services.js';

const logger = pino({ level: 'silent' });
const TTL_MS = 600;
const CAMPAIGN_MS = 100;
const redisUrl = redisTestUrl();
const runPrefix = `rampart-test:leader:${process.pid}:${randomUUID().slice(0, 8)}:`;

interface Backend {
  readonly name: 'memory' | 'redis';
  /** Two clients of one store. */
  open(): Promise<[KvStore, KvStore]>;
}

const memory: Backend = {
  name: 'memory',
  open: () => {
    const kv = createMemoryKv({ keyPrefix: runPrefix });
    return Promise.resolve([kv, kv]);
  },
};

const redis = (url: string): Backend => ({
  name: 'redis',
  open: async () => {
    const options = { keyPrefix: runPrefix, connectTimeoutMs: 2_000, commandTimeoutMs: 1_000 };
    return [await createRedisKv(url, options), await createRedisKv(url, options)];
  },
});

const backends = redisUrl === undefined ? [memory] : [memory, redis(redisUrl)];
console.info(`leader lease suite backends: ${backends.map((b) => b.name).join(', ')}`);

/** A tenure recorder: which tenures ran, and when each one's signal aborted. */
function recorder() {
  const tenures: { token: string; endedAtMs: number | null }[] = [];
  const lead = async (tenure: Tenure): Promise<void> => {
    const entry = { token: tenure.token, endedAtMs: null as number | null };
    tenures.push(entry);
    await new Promise<void>((resolve) => {
      tenure.signal.addEventListener('abort', () => {
        entry.endedAtMs = Date.now();
        resolve();
      });
    });
  };
  return { tenures, lead };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const startedMs = Date.now();
  while (!condition()) {
    if (Date.now() - startedMs > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
  return Date.now() - startedMs;
}

describe.each(backends)('leader lease on $name', (backend) => {
  const leaders: Leader[] = [];
  const stores: KvStore[] = [];
  let name = '';

  async function stores2(): Promise<[KvStore, KvStore]> {
    const pair = await backend.open();
    stores.push(...pair);
    name = `lease-${randomUUID().slice(0, 8)}`;
    return pair;
  }

  function leaderOn(kv: KvStore, lead: LeaderOptions['lead'], extra: Partial<LeaderOptions> = {}): Leader {
    const leader = createLeader({ kv, name, ttlMs: TTL_MS, campaignMs: CAMPAIGN_MS, logger, lead, ...extra });
    leaders.push(leader);
    return leader;
  }

  afterEach(async () => {
    for (const leader of leaders.splice(0)) await leader.stop();
  });
  afterAll(async () => {
    for (const kv of new Set(stores)) await kv.close();
  });

  it('elects exactly one of two campaigners, with a decimal fencing token', async () => {
    const [kvA, kvB] = await stores2();
    const a = recorder();
    const b = recorder();
    const leaderA = leaderOn(kvA, a.lead);
    const leaderB = leaderOn(kvB, b.lead);
    leaderA.start();
    leaderB.start();
    await until(() => leaderA.isLeader() || leaderB.isLeader(), 2_000, 'a leader');
    // Over several renewal periods the two never lead together and the winner keeps the lease.
    for (let tick = 0; tick < 40; tick++) {
      expect(Number(leaderA.isLeader()) + Number(leaderB.isLeader())).toBe(1);
      await sleep(25);
    }
    expect(a.tenures.length + b.tenures.length).toBe(1);
    const token = leaderA.token() ?? leaderB.token();
    expect(token).toMatch(/^[0-9]+$/);
  });

  it('hands over at once on a clean stop, with a larger token', async () => {
    const [kvA, kvB] = await stores2();
    const a = recorder();
    const b = recorder();
    const leaderA = leaderOn(kvA, a.lead);
    leaderA.start();
    await until(() => leaderA.isLeader(), 2_000, 'A to lead');
    const leaderB = leaderOn(kvB, b.lead);
    leaderB.start();
    await sleep(CAMPAIGN_MS * 2);
    expect(leaderB.isLeader()).toBe(false);
    const tokenA = leaderA.token()!;
    await leaderA.stop();
    expect(a.tenures[0]?.endedAtMs).not.toBeNull();
    const waitedMs = await until(() => leaderB.isLeader(), 2_000, 'B to take over');
    expect(waitedMs).toBeLessThan(CAMPAIGN_MS + 200);
    expect(BigInt(leaderB.token()!)).toBeGreaterThan(BigInt(tokenA));
  });

  it('takes over after a crash only once the lease expired', async () => {
    const [kvA, kvB] = await stores2();
    const a = recorder();
    const b = recorder();
    const leaderA = leaderOn(kvA, a.lead);
    leaderA.start();
    await until(() => leaderA.isLeader(), 2_000, 'A to lead');
    const leaderB = leaderOn(kvB, b.lead);
    leaderB.start();
    const tokenA = leaderA.token()!;
    // A crash: no more renewals, no release.
    await leaderA.stop({ release: false });
    const waitedMs = await until(() => leaderB.isLeader(), TTL_MS * 3, 'B to take over');
    // The last renewal was at most ttl/3 before the crash, so at least 2/3 of the TTL remained.
    expect(waitedMs).toBeGreaterThanOrEqual(Math.floor((TTL_MS * 2) / 3) - 50);
    expect(waitedMs).toBeLessThan(TTL_MS + CAMPAIGN_MS + 250);
    expect(BigInt(leaderB.token()!)).toBeGreaterThan(BigInt(tokenA));
  });

  it('ends the tenure as soon as a renewal finds the lease gone', async () => {
    const [kvA, kvB] = await stores2();
    const a = recorder();
    const leaderA = leaderOn(kvA, a.lead, { holder: `a-${randomUUID()}` });
    leaderA.start();
    await until(() => leaderA.isLeader(), 2_000, 'A to lead');
    // Someone else's release cannot steal it; only expiry or the holder can end it.
    await kvB.releaseLease(name, 'not-the-holder');
    await sleep(TTL_MS / 2);
    expect(leaderA.isLeader()).toBe(true);
    await kvB.releaseLease(name, leaderA.holder); // e.g. an operator, or an expiry in a pause
    const lostAfterMs = await until(() => a.tenures[0]?.endedAtMs !== null, TTL_MS, 'the tenure to end');
    expect(lostAfterMs).toBeLessThanOrEqual(Math.ceil(TTL_MS / 3) + 100);
    expect(leaderA.isLeader()).toBe(false);
  });

  it('ends the tenure when renewal errs or hangs', async () => {
    const [kv] = await stores2();
    for (const failure of ['error', 'hang'] as const) {
      name = `lease-${randomUUID().slice(0, 8)}`;
      let broken = false;
      const flaky: KvStore = {
        ...kv,
        renewLease: (...args) => {
          if (!broken) return kv.renewLease(...args);
          return failure === 'error'
            ? Promise.reject(new Error('store unreachable'))
            : new Promise<boolean>(() => undefined);
        },
      };
      const a = recorder();
      const leader = leaderOn(flaky, a.lead);
      leader.start();
      await until(() => leader.isLeader(), 2_000, 'a leader');
      broken = true;
      const brokenAtMs = Date.now();
      await until(() => a.tenures[0]?.endedAtMs != null, TTL_MS, `the tenure to end on a renewal ${failure}`);
      // Ended before the TTL ran out, so before anyone else could hold the lease.
      expect(a.tenures[0]!.endedAtMs! - brokenAtMs).toBeLessThan(TTL_MS);
      await leader.stop();
    }
  });

  it('releases the lease when the work ends on its own', async () => {
    const [kvA, kvB] = await stores2();
    // A waits longer than B between campaigns, so B is the one to find the released lease.
    const leaderA = leaderOn(
      kvA,
      async () => {
        await sleep(50);
      },
      { campaignMs: TTL_MS },
    );
    leaderA.start();
    await sleep(20);
    const b = recorder();
    const leaderB = leaderOn(kvB, b.lead);
    leaderB.start();
    const waitedMs = await until(() => leaderB.isLeader(), TTL_MS, 'B to lead');
    expect(waitedMs).toBeLessThan(TTL_MS / 2 + CAMPAIGN_MS);
  });

  it('refuses a lease too short to renew', async () => {
    const [kv] = await stores2();
    expect(() => createLeader({ kv, name, ttlMs: 10, logger, lead: async () => undefined })).toThrow(
      AssertionError,
    );
  });
});
