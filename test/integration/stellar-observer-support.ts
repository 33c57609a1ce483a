/**
 * A harness for the Stellar observer against the Horizon double over HTTP: a receiving account,
 * funded senders (native and an issued asset), real signed multi-operation payments with memos,
 * observers wired to a probe callback, and the database backends (PGlite + memory kv; PostgreSQL +
 * Redis when available, always in CI).
 *
 * The probe callback writes one row per call into `observer_probe` inside the observer's
 * transaction, so "processed exactly once" is counted on what committed, not on what was attempted.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Asset, Keypair, Memo, Operation, type xdr } from '@stellar/stellar-sdk';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { DatabaseKind } from '../../src/platform/db/database.js';
import type { Tables } from '../../src/platform/db/schema.js';
import { createMemoryKv, createRedisKv, type KvStore } from '../../src/platform/kv/index.js';
import type { Metrics } from '../../src/platform/metrics.js';
import { formatAmount } from '../../src/domain/money.js';
import { createHorizonClient, type HorizonPort } from '../../src/rails/stellar/horizon.js';
import {
  createObserver,
  type Observer,
  type ObserverOptions,
  type PaymentDecision,
  type ObservedPayment,
} from '../../src/rails/stellar/observer.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/databases.js';
import { funded, startSandbox, submit, type Sandbox } from '../support/horizon-double.js';
import { postgresTestUrl, redisTestUrl } from '../support/services.js';

export interface Backend {
  readonly database: DatabaseKind;
  readonly kv: 'memory' | 'redis';
}

const redisUrl = redisTestUrl();
export const backends: readonly Backend[] = [
  { database: 'pglite', kv: 'memory' },
  ...(postgresTestUrl() === undefined
    ? []
    : [{ database: 'postgres', kv: redisUrl === undefined ? 'memory' : 'redis' } as const]),
];
console.info(
  `stellar observer backends: ${backends.map((b) => `${b.database}+${b.kv}`).join(', ')}` +
    (backends.length === 1
      ? ' (set TEST_DATABASE_URL and REDIS_URL, or CI=true, for PostgreSQL + Redis)'
      : ''),
);

export const LEASE_TTL_MS = 900;

/** The database, kv and probe table of one backend, shared by the tests of a file. */
export interface Store {
  readonly backend: Backend;
  readonly test: TestDatabase;
  readonly db: Kysely<Tables>;
  /** A kv client: for memory the one shared store, for Redis a new connection to the same keys. */
  openKv(): Promise<KvStore>;
  /** A database handle for one observer: its own pool on PostgreSQL (as another process would). */
  openDb(): Promise<Kysely<Tables>>;
  close(): Promise<void>;
}

export async function openStore(backend: Backend): Promise<Store> {
  const test = await createTestDatabase(backend.database);
  await sql`create table observer_probe (
    payment_id uuid not null, transaction_hash text not null, operation_index integer not null,
    memo text, amount_stroops numeric(20, 0) not null)`.execute(test.database.db);
  const keyPrefix = `rampart-test:observer:${randomUUID().slice(0, 8)}:`;
  const memoryKv = createMemoryKv({ keyPrefix });
  const kvs: KvStore[] = [];
  const pools: Kysely<Tables>[] = [];
  return {
    backend,
    test,
    db: test.database.db,
    async openKv() {
      if (backend.kv === 'memory' || redisUrl === undefined) return memoryKv;
      const kv = await createRedisKv(redisUrl, {
        keyPrefix,
        connectTimeoutMs: 2_000,
        commandTimeoutMs: 1_000,
      });
      kvs.push(kv);
      return kv;
    },
    async openDb() {
      if (test.url === undefined) return test.database.db;
      const db = observerPool(test.url);
      pools.push(db);
      return Promise.resolve(db);
    },
    async close() {
      for (const db of pools) await db.destroy().catch(() => undefined);
      for (const kv of kvs) await kv.close();
      await memoryKv.close();
      if (redisUrl !== undefined && backend.kv === 'redis') await deleteKeys(redisUrl, keyPrefix);
      await test.drop();
    },
  };
}

/**
 * The observer's own pool. Unlike the application's (platform/db/database.ts), it also listens for
 * errors on checked-out clients: the crash test terminates sessions mid-transaction, and a FATAL
 * arriving between two queries of a transaction is emitted on the client, where nobody listens, and
 * would take the whole test process down instead of only failing that transaction.
 */
function observerPool(url: URL): Kysely<Tables> {
  const pool = new pg.Pool({ connectionString: url.toString(), max: 3, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, commandTimeout: 2_000 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export type Decide = (payment: ObservedPayment) => PaymentDecision | Promise<PaymentDecision>;

/** One scenario's network: the double, a receiving account, senders, and the assets. */
export interface Scene {
  readonly sandbox: Sandbox;
  readonly horizon: HorizonPort;
  readonly receiver: string;
  readonly senders: readonly Keypair[];
  readonly usdc: Asset;
  readonly eurc: Asset;
  /** Assets the observer accepts: native and USDC (EURC is not). */
  readonly assets: readonly string[];
  /** Callback attempts by `hash:index` (rolled-back ones included). */
  readonly calls: Map<string, number>;
  /** Sends `operations` payments to the receiver in one transaction with a text memo. */
  pay(sender: Keypair, memo: string, amountsStroops: readonly bigint[], asset?: Asset): Promise<void>;
  observer(overrides: Partial<ObserverOptions> & { db: Kysely<Tables>; kv: KvStore }): Observer;
  close(): Promise<void>;
}

export async function openScene(options: {
  senders: number;
  decide?: Decide;
  metrics?: Metrics;
}): Promise<Scene> {
  const sandbox = await startSandbox();
  const horizon = createHorizonClient({
    url: new URL(sandbox.double.url),
    network: 'sandbox',
    readTimeoutMs: 5_000,
    submitTimeoutMs: 10_000,
  });
  const [receiver, issuer, ...senders] = await Promise.all(
    Array.from({ length: options.senders + 2 }, () => funded(sandbox)),
  );
  if (receiver === undefined || issuer === undefined) throw new Error('friendbot failed');
  const usdc = new Asset('USDC', issuer.publicKey());
  const eurc = new Asset('EURC', issuer.publicKey());
  const control = sandbox.double.control;
  for (const asset of [usdc, eurc]) {
    const key = `${asset.getCode()}:${asset.getIssuer()}`;
    control.setTrustline({ accountId: receiver.publicKey(), asset: key });
    for (const sender of senders)
      control.setTrustline({ accountId: sender.publicKey(), asset: key, balance: '100000' });
  }
  const calls = new Map<string, number>();
  const leaseName = `observer-${randomUUID().slice(0, 8)}`;
  const decide: Decide = options.decide ?? (() => ({ outcome: 'processed' }));
  const observers: Observer[] = [];

  return {
    sandbox,
    horizon,
    receiver: receiver.publicKey(),
    senders,
    usdc,
    eurc,
    assets: ['native', `USDC:${issuer.publicKey()}`],
    calls,
    async pay(sender, memo, amountsStroops, asset = Asset.native()) {
      const operations: xdr.Operation[] = amountsStroops.map((stroops) =>
        Operation.payment({ destination: receiver.publicKey(), asset, amount: formatAmount(stroops, 7) }),
      );
      await submit(sandbox, sender, operations, { memo: Memo.text(memo) });
    },
    observer(overrides) {
      const observer = createObserver({
        horizon,
        accounts: [receiver.publicKey()],
        assets: ['native', `USDC:${issuer.publicKey()}`],
        logger: silentLogger,
        pageLimit: 100,
        leaseTtlMs: LEASE_TTL_MS,
        leaseName,
        silenceMs: 2_000,
        backoff: { baseMs: 50, capMs: 500 },
        callbackBackoff: { baseMs: 20, capMs: 100 },
        lagProbeMs: 200,
        onPayment: async (trx, payment) => {
          const key = `${payment.transactionHash}:${payment.operationIndex}`;
          calls.set(key, (calls.get(key) ?? 0) + 1);
          await sql`insert into observer_probe values (${payment.id}, ${payment.transactionHash},
            ${payment.operationIndex}, ${payment.memo}, ${payment.amountStroops.toString()})`.execute(trx);
          return await decide(payment);
        },
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
        ...overrides,
      });
      observers.push(observer);
      return observer;
    },
    async close() {
      for (const observer of observers) await observer.stop();
      await sandbox.double.close();
    },
  };
}

/** Polls `read` until `done` holds; read errors (a killed connection) are retried. */
export async function until<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch {
      // Polled again below.
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(25);
  }
}

export interface Recorded {
  readonly rows: number;
  readonly keys: number;
  readonly processed: number;
  readonly quarantined: number;
  readonly probeRows: number;
  readonly probePayments: number;
  readonly sumStroops: string;
}

/** What the database holds for one receiving account. */
export async function recorded(db: Kysely<Tables>, account: string): Promise<Recorded> {
  const result = await sql<Record<keyof Recorded, string>>`
    select count(*) as rows,
      count(distinct (transaction_hash, operation_index)) as keys,
      count(*) filter (where state = 'processed') as processed,
      count(*) filter (where state = 'quarantined') as quarantined,
      (select count(*) from observer_probe pr join stellar_payments p on p.id = pr.payment_id
        where p.account = ${account}) as "probeRows",
      (select count(distinct pr.payment_id) from observer_probe pr join stellar_payments p on p.id = pr.payment_id
        where p.account = ${account}) as "probePayments",
      coalesce(sum(amount_stroops), 0)::text as "sumStroops"
    from stellar_payments where account = ${account}`.execute(db);
  const row = result.rows[0];
  if (row === undefined) throw new Error('no count row');
  return {
    rows: Number(row.rows),
    keys: Number(row.keys),
    processed: Number(row.processed),
    quarantined: Number(row.quarantined),
    probeRows: Number(row.probeRows),
    probePayments: Number(row.probePayments),
    sumStroops: row.sumStroops,
  };
}

export async function cursorOf(
  db: Kysely<Tables>,
  account: string,
): Promise<{ cursor: string; fencing_token: string } | undefined> {
  return await db
    .selectFrom('stellar_cursors')
    .select(['cursor', 'fencing_token'])
    .where('name', '=', `payments:${account}`)
    .executeTakeFirst();
}

export async function lastPagingToken(db: Kysely<Tables>, account: string): Promise<string | undefined> {
  const row = await sql<{ token: string | null }>`
    select max(paging_token::numeric)::text as token from stellar_payments where account = ${account}`.execute(
    db,
  );
  return row.rows[0]?.token ?? undefined;
}
