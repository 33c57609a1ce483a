/**
 * The Stellar payment observer against the Horizon double over HTTP, on every backend (PGlite +
 * memory kv; PostgreSQL + Redis): a single leader with failover, quarantine instead of stalling,
 * backfill after downtime, the fencing of a stale leader's writes, and the metrics.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/platform/metrics.js';
import { readRecord } from '../../src/rails/stellar/observer-parse.js';
import { FencedOutError, storeRecord } from '../../src/rails/stellar/observer-store.js';
import type { Observer } from '../../src/rails/stellar/observer.js';
import {
  backends,
  cursorOf,
  lastPagingToken,
  LEASE_TTL_MS,
  openScene,
  openStore,
  recorded,
  until,
  type Scene,
  type Store,
} from './stellar-observer-support.js';

/** Sends `transactions` × `operations` native payments from one sender, memos `${tag}-n`. */
async function send(scene: Scene, tag: string, transactions: number, operations: number): Promise<void> {
  const sender = scene.senders[0]!;
  for (let t = 0; t < transactions; t++) {
    const amounts = Array.from({ length: operations }, (_, o) => BigInt(t * operations + o + 1));
    await scene.pay(sender, `${tag}-${t}`, amounts);
  }
}

function roles(observers: readonly Observer[]): string[] {
  return observers.map((o) => o.status().role);
}

describe.each(backends)('stellar observer on $database + $kv', (backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(backend);
  });
  afterAll(async () => {
    await store.close();
  });

  it('runs one leader of two; a crashed leader is replaced within the lease time, from the cursor', async () => {
    const scene = await openScene({ senders: 1 });
    try {
      const a = scene.observer({ db: await store.openDb(), kv: await store.openKv(), holder: 'a' });
      const b = scene.observer({ db: await store.openDb(), kv: await store.openKv(), holder: 'b' });
      await Promise.all([a.start(), b.start()]);
      await until(
        () => roles([a, b]),
        (r) => r.includes('leader'),
        5_000,
        'a leader',
      );
      const sending = send(scene, 'one', 10, 20);
      // Never two leaders, sampled while payments flow.
      for (let tick = 0; tick < 40; tick++) {
        expect(roles([a, b]).filter((r) => r === 'leader')).toHaveLength(1);
        await sleep(25);
      }
      await sending;
      await until(
        () => recorded(store.db, scene.receiver),
        (r) => r.processed === 200,
        20_000,
        'the first 200',
      );
      const [leader, follower] = a.status().role === 'leader' ? [a, b] : [b, a];
      expect(follower.status().counts).toEqual({ processed: 0, quarantined: 0, duplicate: 0, ignored: 0 });
      const oldToken = leader.status().fencingToken!;

      // A crash: the leader stops renewing and never releases.
      await leader.stop({ release: false });
      const crashedMs = Date.now();
      await until(
        () => follower.status().role,
        (r) => r === 'leader',
        LEASE_TTL_MS * 3,
        'the takeover',
      );
      const takeoverMs = Date.now() - crashedMs;
      expect(takeoverMs).toBeLessThan(LEASE_TTL_MS + LEASE_TTL_MS / 3 + 400);
      await send(scene, 'two', 10, 20);
      const final = await until(
        () => recorded(store.db, scene.receiver),
        (r) => r.rows >= 400,
        20_000,
        'the next 200',
      );
      expect(final).toMatchObject({
        rows: 400,
        keys: 400,
        processed: 400,
        probeRows: 400,
        probePayments: 400,
      });
      expect([...scene.calls.values()].every((n) => n === 1)).toBe(true);
      // The new leader continued from the cursor: it handled only the new payments.
      expect(follower.status().counts).toMatchObject({ processed: 200, duplicate: 0 });
      const cursor = await cursorOf(store.db, scene.receiver);
      expect(cursor?.cursor).toBe(await lastPagingToken(store.db, scene.receiver));
      expect(BigInt(cursor!.fencing_token)).toBeGreaterThan(BigInt(oldToken));
      console.info(`[observer failover ${backend.database}+${backend.kv}] takeover after ${takeoverMs} ms`);
    } finally {
      await scene.close();
    }
  }, 60_000);

  it('refuses a stale leader’s write once a newer leader moved the cursor', async () => {
    const scene = await openScene({ senders: 1 });
    try {
      const observer = scene.observer({ db: store.db, kv: await store.openKv() });
      await observer.start();
      await send(scene, 'fence', 2, 1);
      await until(
        () => recorded(store.db, scene.receiver),
        (r) => r.processed === 2,
        20_000,
        'two payments',
      );
      const token = observer.status().fencingToken!;
      await scene.pay(scene.senders[0]!, 'late', [7n]);
      await until(
        () => recorded(store.db, scene.receiver),
        (r) => r.processed === 3,
        20_000,
        'the third',
      );
      await observer.stop();
      const page = await scene.horizon.payments({ account: scene.receiver, order: 'desc', limit: 1 });
      if (page.kind !== 'ok') throw new Error(page.cause);
      const read = readRecord(page.records[0]!, scene.receiver, new Set(scene.assets));
      const context = {
        db: store.db,
        cursorName: `payments:${scene.receiver}`,
        onPayment: () => Promise.reject(new Error('never called')),
      };
      // An older tenure's token is fenced out; the current one finds the record already handled.
      await expect(storeRecord({ ...context, token: (BigInt(token) - 1n).toString() }, read)).rejects.toThrow(
        FencedOutError,
      );
      await expect(storeRecord({ ...context, token }, read)).resolves.toBe('duplicate');
    } finally {
      await scene.close();
    }
  }, 60_000);

  it('quarantines poison payments with the reason and keeps going', async () => {
    const metrics = createMetrics();
    const scene = await openScene({
      senders: 1,
      metrics,
      decide: (payment) => {
        if (payment.memo === 'poison') throw new Error('boom: cannot process');
        if (payment.memo === 'refuse')
          return { outcome: 'quarantined', reason: 'no withdrawal has this memo' };
        if (payment.memo === 'bad-id') return { outcome: 'processed', transactionId: randomUUID() };
        return { outcome: 'processed' };
      },
    });
    try {
      const observer = scene.observer({ db: store.db, kv: await store.openKv(), callbackAttemptsMax: 3 });
      await observer.start();
      const sender = scene.senders[0]!;
      await scene.pay(sender, 'ok-1', [10n]);
      await scene.pay(sender, 'poison', [20n]);
      await scene.pay(sender, 'eur', [30n], scene.eurc);
      await scene.pay(sender, 'refuse', [40n]);
      await scene.pay(sender, 'bad-id', [50n]);
      await scene.pay(sender, 'ok-2', [60n]);
      await until(
        () => recorded(store.db, scene.receiver),
        (r) => r.rows === 6,
        20_000,
        'six payments',
      );
      await until(
        () => observer.status().counts.processed,
        (n) => n === 2,
        5_000,
        'the counts',
      );

      const rows = await store.db
        .selectFrom('stellar_payments')
        .select(['memo', 'state', 'reason', 'asset', 'amount_stroops', 'transaction_id'])
        .where('account', '=', scene.receiver)
        .orderBy('ledger')
        .execute();
      const byMemo = new Map(rows.map((r) => [r.memo, r]));
      expect(byMemo.get('ok-1')).toMatchObject({ state: 'processed', reason: null, amount_stroops: '10' });
      expect(byMemo.get('poison')).toMatchObject({
        state: 'quarantined',
        asset: 'native',
        amount_stroops: '20',
      });
      expect(byMemo.get('poison')?.reason).toMatch(
        /^processing failed 3 times; last error: .*boom: cannot process/,
      );
      expect(byMemo.get('eur')).toMatchObject({
        state: 'quarantined',
        asset: `EURC:${scene.eurc.getIssuer()}`,
      });
      expect(byMemo.get('eur')?.reason).toMatch(/is not one the anchor accepts/);
      expect(byMemo.get('refuse')).toMatchObject({
        state: 'quarantined',
        reason: 'no withdrawal has this memo',
      });
      expect(byMemo.get('bad-id')).toMatchObject({ state: 'quarantined', transaction_id: null });
      expect(byMemo.get('bad-id')?.reason).toMatch(/answer could not be stored/);
      expect(byMemo.get('ok-2')).toMatchObject({ state: 'processed' });
      // The callback ran 3 times for the poison payment, each rolled back; never for the EURC one.
      const callsByMemo = await sql<{ memo: string; n: string }>`
        select pr.memo, count(*) as n from observer_probe pr
        join stellar_payments p on p.id = pr.payment_id
        where p.account = ${scene.receiver} group by pr.memo`.execute(store.db);
      expect(Object.fromEntries(callsByMemo.rows.map((r) => [r.memo, Number(r.n)]))).toEqual({
        'ok-1': 1,
        refuse: 1,
        'ok-2': 1,
      });
      expect(Math.max(...scene.calls.values())).toBe(3);
      expect((await cursorOf(store.db, scene.receiver))?.cursor).toBe(
        await lastPagingToken(store.db, scene.receiver),
      );

      // Ignored: the receiving account's own creation (friendbot), the first record of its history.
      expect(observer.status().counts).toEqual({ processed: 2, quarantined: 4, duplicate: 0, ignored: 1 });
      const exported = await metrics.registry.metrics();
      expect(exported).toContain('rampart_observer_quarantined_total{service="rampart"} 4');
      expect(exported).toContain('rampart_observer_payments_total{outcome="processed",service="rampart"} 2');
      expect(exported).toContain('rampart_observer_leader{service="rampart"} 1');
    } finally {
      await scene.close();
    }
  }, 60_000);

  it('backfills payments made while no observer ran, then streams; reports lag only as leader', async () => {
    const metrics = createMetrics();
    const scene = await openScene({ senders: 1 });
    try {
      const kv = await store.openKv();
      const first = scene.observer({ db: store.db, kv });
      await first.start();
      await send(scene, 'before', 3, 10);
      await until(
        () => recorded(store.db, scene.receiver),
        (r) => r.processed === 30,
        20_000,
        'the first 30',
      );
      await first.stop();
      await until(
        () => scene.sandbox.double.control.state().streams,
        (n) => n === 0,
        2_000,
        'the stream closed',
      );

      // Downtime: 250 payments (three pages of 100) arrive with nobody watching.
      await send(scene, 'down', 5, 50);
      const startedMs = Date.now();
      const second = scene.observer({ db: store.db, kv, metrics, silenceMs: 300 });
      await second.start();
      await until(
        () => recorded(store.db, scene.receiver),
        (r) => r.processed === 280,
        20_000,
        'the backfill',
      );
      const backfillMs = Date.now() - startedMs;
      expect(second.status().counts).toEqual({ processed: 250, quarantined: 0, duplicate: 0, ignored: 0 });
      expect([...scene.calls.values()].every((n) => n === 1)).toBe(true);

      // Live again: a new payment arrives through the stream.
      await scene.pay(scene.senders[0]!, 'live', [99n]);
      await until(
        () => recorded(store.db, scene.receiver),
        (r) => r.processed === 281,
        10_000,
        'the live one',
      );
      // An idle stream is closed after `silenceMs` and reopened from the cursor.
      const sessions = second.status().accounts[0]!.sessions;
      await until(
        () => second.status().accounts[0]!.sessions,
        (n) => n >= sessions + 2,
        5_000,
        'silence reconnects',
      );
      expect(second.status().counts.duplicate).toBe(0);

      const lag = await until(
        () => second.status().lag,
        (l) => l !== null && l.ledgers !== null,
        5_000,
        'a lag',
      );
      expect(lag!.seconds).toBeLessThan(5);
      expect(lag!.ledgers).toBeLessThan(100);
      const exported = await metrics.registry.metrics();
      expect(exported).toMatch(/^rampart_observer_lag_seconds\{service="rampart"\} [0-9.]+$/m);
      expect(exported).toMatch(/^rampart_observer_lag_ledgers\{service="rampart"\} [0-9]+$/m);
      expect(exported).toMatch(/^rampart_observer_last_ledger\{service="rampart"\} [1-9][0-9]*$/m);
      await second.stop();
      // A stopped observer is no leader and exports no lag: a follower's figure would be stale.
      const after = await metrics.registry.metrics();
      expect(after).not.toMatch(/^rampart_observer_lag_seconds\{/m);
      expect(after).toContain('rampart_observer_leader{service="rampart"} 0');
      await until(
        () => scene.sandbox.double.control.state().streams,
        (n) => n === 0,
        2_000,
        'the stream closed',
      );
      console.info(`[observer backfill ${backend.database}+${backend.kv}] 250 payments in ${backfillMs} ms`);
    } finally {
      await scene.close();
    }
  }, 60_000);
});
