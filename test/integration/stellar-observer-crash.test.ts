/**
 * Lossless observation under a crash: 2,000 payments (real signed transactions of 20 payment
 * operations each, with memos, native and USDC) stream into the receiving account while the leading
 * observer is killed — abruptly stopped without releasing its lease and, on PostgreSQL, its database
 * sessions terminated mid-transaction — and its streams are cut. A fresh observer takes over after
 * the lease expires, backfills from the cursor and streams on. Every payment must be recorded and
 * processed exactly once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset } from '@stellar/stellar-sdk';
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

const SENDERS = 4;
const TRANSACTIONS_PER_SENDER = 25;
const OPERATIONS_PER_TRANSACTION = 20;
const PAYMENTS = SENDERS * TRANSACTIONS_PER_SENDER * OPERATIONS_PER_TRANSACTION;
/** Paces each sender so the payments keep arriving for several seconds: they stream in. */
const PAUSE_MS = 50;

/** Sends every payment; amounts are distinct so their sum proves none was lost or doubled. */
async function sendAll(scene: Scene): Promise<bigint> {
  let total = 0n;
  const batches = scene.senders.map(async (sender, s) => {
    for (let t = 0; t < TRANSACTIONS_PER_SENDER; t++) {
      const base = BigInt((s * TRANSACTIONS_PER_SENDER + t) * OPERATIONS_PER_TRANSACTION);
      const amounts = Array.from({ length: OPERATIONS_PER_TRANSACTION }, (_, o) => base + BigInt(o) + 1n);
      for (const amount of amounts) total += amount;
      await scene.pay(sender, `w-${s}-${t}`, amounts, t % 2 === 0 ? Asset.native() : scene.usdc);
      await sleep(PAUSE_MS);
    }
  });
  await Promise.all(batches);
  return total;
}

/** Kills every session of the scratch database but the caller's: in-flight transactions roll back. */
async function terminateSessions(url: URL): Promise<void> {
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid()`,
    );
  } finally {
    await client.end();
  }
}

describe.each(backends)('stellar observer crash on $database + $kv', (backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(backend);
  });
  afterAll(async () => {
    await store.close();
  });

  it(`records ${PAYMENTS} streamed payments exactly once across a crash and a takeover`, async () => {
    const scene = await openScene({ senders: SENDERS });
    try {
      const startedMs = Date.now();
      const phases: string[] = [];
      const first = scene.observer({
        db: await store.openDb(),
        kv: await store.openKv(),
        holder: 'first',
        streamBufferMax: 200,
      });
      await first.start();
      const sending = sendAll(scene).then((total) => {
        phases.push(`sent@${Date.now() - startedMs}`);
        return total;
      });
      // Awaited below; if the test fails first, the closed double must not leave it unhandled.
      sending.catch(() => undefined);
      await until(
        () => scene.calls.size,
        (n) => n >= PAYMENTS / 4,
        30_000,
        'the first observer to get going',
      );

      // The crash: no release, no renewal; on PostgreSQL its sessions die mid-transaction.
      await Promise.all([
        first.stop({ release: false }),
        store.test.url === undefined ? Promise.resolve() : terminateSessions(store.test.url),
      ]);
      scene.sandbox.double.control.setFaults({ dropStream: true });
      const crashedMs = Date.now();
      phases.push(`crash@${crashedMs - startedMs}:${scene.calls.size}`);

      const second = scene.observer({
        db: await store.openDb(),
        kv: await store.openKv(),
        holder: 'second',
        streamBufferMax: 200,
      });
      await second.start();
      await until(
        () => second.status().role,
        (role) => role === 'leader',
        LEASE_TTL_MS * 3,
        'the takeover',
      );
      const takeoverMs = Date.now() - crashedMs;
      // Cut its stream twice: each time it must open a new session from the stored cursor.
      for (const share of [0.5, 0.75]) {
        await until(
          () => scene.calls.size,
          (n) => n >= PAYMENTS * share,
          30_000,
          'progress',
        );
        const streaming = (): boolean =>
          second.status().accounts[0]?.mode === 'stream' &&
          scene.sandbox.double.control.state().streams === 1;
        await until(streaming, (yes) => yes, 30_000, 'an open stream');
        const sessions = second.status().accounts[0]?.sessions ?? 0;
        scene.sandbox.double.control.setFaults({ dropStream: true });
        phases.push(`drop@${Date.now() - startedMs}:${scene.calls.size}`);
        await until(
          () => second.status().accounts[0]?.sessions ?? 0,
          (n) => n > sessions,
          10_000,
          'a new session',
        );
      }

      const total = await sending;
      const final = await until(
        () => recorded(store.db, scene.receiver),
        (r) => r.rows >= PAYMENTS,
        45_000,
        'every payment',
      );
      const elapsedMs = Date.now() - startedMs;
      phases.push(`all@${elapsedMs}`);

      expect(final).toEqual({
        rows: PAYMENTS,
        keys: PAYMENTS,
        processed: PAYMENTS,
        quarantined: 0,
        probeRows: PAYMENTS,
        probePayments: PAYMENTS,
        sumStroops: total.toString(),
      });
      expect(scene.calls.size).toBe(PAYMENTS);
      // Only a transaction killed by the crash can have run the callback a second time.
      const repeated = [...scene.calls.values()].filter((n) => n > 1).length;
      expect(repeated).toBeLessThanOrEqual(store.test.url === undefined ? 0 : 3);
      expect(await cursorOf(store.db, scene.receiver)).toMatchObject({
        cursor: await lastPagingToken(store.db, scene.receiver),
      });
      const status = second.status();
      expect(status.counts.processed).toBeGreaterThan(0);
      expect(status.accounts[0]?.sessions).toBeGreaterThanOrEqual(3);
      console.info(
        `[observer crash ${backend.database}+${backend.kv}] ${PAYMENTS} payments in ${elapsedMs} ms; ` +
          `takeover after ${takeoverMs} ms; second observer: ${JSON.stringify(status.counts)}, ` +
          `${status.accounts[0]?.sessions} stream sessions; ${phases.join(' ')}`,
      );
    } finally {
      await scene.close();
    }
  }, 120_000);
});
