/**
 * Measurement 1 of bench/withdrawals.ts: how fast the Stellar observer turns a backlog of payments
 * on Horizon into `stellar_payments` rows, against two baselines on the same records, the same
 * Horizon client, page size and database, in the same run:
 *
 * - read only: the pages alone (`horizon.payments`), nothing stored — the cost of reading;
 * - read + insert (the ratio's baseline): the pages, each record parsed and written by one bare
 *   autocommit insert into a copy of `stellar_payments` — the least a lossless observer must do
 *   (read each payment, make it durable). What the observer costs beyond it is its own: one
 *   database transaction per payment that claims the cursor under the fencing token, the insert,
 *   the callback and the state update, plus the leader lease.
 *
 * Each baseline runs once before the observer and once after it, and the two passes are pooled:
 * a commit's fsync dominates both sides on PostgreSQL and its latency drifts with whatever else
 * the machine does, so a single pass on one side of the observer moved the ratio by ±0.2.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Tables, StellarPaymentsTable } from '../src/platform/db/schema.js';
import { createMetrics } from '../src/platform/metrics.js';
import type { Runtime } from '../src/platform/runtime.js';
import type { HorizonPort, PaymentRecord } from '../src/rails/stellar/horizon.js';
import { createObserver, type Observer } from '../src/rails/stellar/observer.js';
import { readRecord } from '../src/rails/stellar/observer-parse.js';
import type { BracketedSide, ObserveSide, ObserverReport, Plan } from './withdrawals-protocol.js';
import { cpuMeter, perSecond, progress, round, RunInvalidError, stallMeter } from './withdrawals-support.js';

/** The withdrawal observer's page size (flows/withdrawal/observer.ts). */
const PAGE_LIMIT = 200;
/** Pages of one pass; a longer history than this means a paging loop, not a bench. */
const PAGES_MAX = 1_000;
const STATUS_POLL_MS = 2;
const BENCH_TABLE = 'bench_observed_payments';

type BenchDb = Kysely<Tables & { bench_observed_payments: StellarPaymentsTable }>;

/** Pages the account's payments from the start of its history, handing each page to `onPage`. */
async function readPages(
  horizon: HorizonPort,
  account: string,
  onPage: (records: readonly PaymentRecord[]) => Promise<void>,
): Promise<{ records: number; pages: number }> {
  let cursor = '0';
  let records = 0;
  for (let pages = 1; pages <= PAGES_MAX; pages += 1) {
    const result = await horizon.payments({ account, order: 'asc', limit: PAGE_LIMIT, cursor });
    if (result.kind !== 'ok') throw new Error(`Horizon payments page failed: ${result.cause}`);
    await onPage(result.records);
    records += result.records.length;
    const last = result.records.at(-1);
    // A short page shows the pass caught up, as the observer's backfill decides it.
    if (last === undefined || result.records.length < PAGE_LIMIT) return { records, pages };
    cursor = last.pagingToken;
  }
  throw new RunInvalidError(`the observed account has more than ${PAGES_MAX} pages of payments`);
}

/** One bare autocommit insert of the row the observer would store for `record`. */
async function insertBare(db: BenchDb, record: PaymentRecord, account: string, assets: ReadonlySet<string>) {
  const read = readRecord(record, account, assets);
  if (read.kind !== 'payment') throw new RunInvalidError(`an observed record is not a payment: ${read.kind}`);
  const f = read.fields;
  await db
    .insertInto(BENCH_TABLE)
    .values({
      transaction_hash: f.transactionHash,
      operation_index: f.operationIndex,
      paging_token: f.pagingToken,
      account: f.account,
      from_account: f.from,
      operation_type: f.operationType,
      asset: f.asset,
      amount_stroops: f.amountStroops,
      memo_type: f.memoType,
      memo: f.memo,
      muxed_id: f.muxedId,
      ledger: f.ledger,
      created_at: f.createdAt,
      state: 'processed',
      reason: null,
    })
    .onConflict((conflict) => conflict.columns(['transaction_hash', 'operation_index']).doNothing())
    .returning('id')
    .executeTakeFirst();
}

interface Meters {
  readonly cpu: () => ObserveSide['rampartCpu'];
  readonly stall: () => number;
}

function startMeters(): Meters {
  return { cpu: cpuMeter(), stall: stallMeter() };
}

function sideOf(
  measures: string,
  payments: number,
  elapsedMs: number,
  pages: number,
  meters: Meters,
): ObserveSide {
  return {
    measures,
    payments,
    elapsedMs: Math.round(elapsedMs),
    perSecond: perSecond(payments, elapsedMs),
    msPerPayment: round(elapsedMs / payments, 3),
    pages,
    rampartCpu: meters.cpu(),
    eventLoopStallMsMax: meters.stall(),
  };
}

async function readOnly(horizon: HorizonPort, plan: Plan): Promise<ObserveSide> {
  const meters = startMeters();
  const startMs = performance.now();
  const read = await readPages(horizon, plan.observedAccount, async () => undefined);
  const elapsedMs = performance.now() - startMs;
  if (read.records !== plan.observedPayments)
    throw new RunInvalidError(`read ${read.records} payments, expected ${plan.observedPayments}`);
  return sideOf('pages read from Horizon, nothing stored', read.records, elapsedMs, read.pages, meters);
}

async function readInsert(
  db: BenchDb,
  horizon: HorizonPort,
  plan: Plan,
  assets: ReadonlySet<string>,
): Promise<ObserveSide> {
  await sql`truncate ${sql.table(BENCH_TABLE)}`.execute(db);
  const meters = startMeters();
  const startMs = performance.now();
  const read = await readPages(horizon, plan.observedAccount, async (records) => {
    for (const record of records) await insertBare(db, record, plan.observedAccount, assets);
  });
  const elapsedMs = performance.now() - startMs;
  const stored = await sql<{ n: string }>`select count(*) as n from ${sql.table(BENCH_TABLE)}`.execute(db);
  if (Number(stored.rows[0]?.n) !== plan.observedPayments)
    throw new RunInvalidError(
      `read + insert stored ${stored.rows[0]?.n ?? 0} rows, expected ${plan.observedPayments}`,
    );
  return sideOf(
    'pages read, each payment parsed and stored by one bare autocommit insert',
    read.records,
    elapsedMs,
    read.pages,
    meters,
  );
}

/** Two passes of one baseline as one: their payments over their summed time. */
function pooled(before: ObserveSide, after: ObserveSide): BracketedSide {
  const payments = before.payments + after.payments;
  const elapsedMs = before.elapsedMs + after.elapsedMs;
  const cpuMs = (side: ObserveSide): number => side.rampartCpu.userMs + side.rampartCpu.systemMs;
  return {
    measures: before.measures,
    payments,
    elapsedMs,
    perSecond: perSecond(payments, elapsedMs),
    msPerPayment: round(elapsedMs / payments, 3),
    pages: before.pages + after.pages,
    rampartCpu: {
      userMs: before.rampartCpu.userMs + after.rampartCpu.userMs,
      systemMs: before.rampartCpu.systemMs + after.rampartCpu.systemMs,
      cores: round((cpuMs(before) + cpuMs(after)) / elapsedMs, 2),
    },
    eventLoopStallMsMax: Math.max(before.eventLoopStallMsMax, after.eventLoopStallMsMax),
    passesPerSecond: [before.perSecond, after.perSecond],
  };
}

/** Polls the observer's own counters (no database load) until every payment is processed. */
async function awaitProcessed(
  observer: Observer,
  plan: Plan,
  startMs: number,
): Promise<{ leaderAfterMs: number }> {
  const deadline = startMs + plan.observeTimeoutMs;
  let leaderAfterMs = -1;
  for (;;) {
    const status = observer.status();
    if (leaderAfterMs < 0 && status.role === 'leader') leaderAfterMs = performance.now() - startMs;
    const account = status.accounts[0];
    if (account !== undefined && account.failures > 0)
      throw new RunInvalidError(`the observer failed a cycle: ${account.lastError ?? 'unknown'}`);
    if (status.counts.processed >= plan.observedPayments) return { leaderAfterMs };
    if (performance.now() > deadline)
      throw new RunInvalidError(
        `the observer processed ${status.counts.processed} of ${plan.observedPayments} payments within ${plan.observeTimeoutMs} ms`,
      );
    await sleep(STATUS_POLL_MS);
  }
}

/** What `stellar_payments` holds for the observed account matches what was paid, once each. */
async function checkStored(db: Kysely<Tables>, plan: Plan): Promise<string> {
  const result = await sql<{
    rows: string;
    keys: string;
    processed: string;
    total: string;
    last: string | null;
  }>`
    select count(*) as rows, count(distinct (transaction_hash, operation_index)) as keys,
      count(*) filter (where state = 'processed') as processed,
      coalesce(sum(amount_stroops), 0)::text as total, max(paging_token::numeric)::text as last
    from stellar_payments where account = ${plan.observedAccount}`.execute(db);
  const row = result.rows[0];
  const cursor = await db
    .selectFrom('stellar_cursors')
    .select('cursor')
    .where('name', '=', `payments:${plan.observedAccount}`)
    .executeTakeFirst();
  const n = plan.observedPayments;
  const found = JSON.stringify({ ...row, cursor: cursor?.cursor });
  if (
    Number(row?.rows) !== n ||
    Number(row?.keys) !== n ||
    Number(row?.processed) !== n ||
    row?.total !== plan.observedStroopsTotal ||
    cursor?.cursor !== row.last
  )
    throw new RunInvalidError(
      `stellar_payments for the observed account: ${found}; expected ${n} processed rows summing ${plan.observedStroopsTotal} stroops and the cursor on the last`,
    );
  return `observer: all ${n} payments stored once each, processed, summing ${plan.observedStroopsTotal} stroops as paid; the cursor is on the last one`;
}

async function runObserver(runtime: Runtime, horizon: HorizonPort, plan: Plan, assets: readonly string[]) {
  const observer = createObserver({
    db: runtime.database.db,
    horizon,
    kv: runtime.kv,
    accounts: [plan.observedAccount],
    assets,
    onPayment: async () => ({ outcome: 'processed' }),
    logger: runtime.logger,
    // Its own registry: the withdrawal observer registers the same series on the runtime's later.
    metrics: createMetrics(),
    pageLimit: PAGE_LIMIT,
    leaseTtlMs: runtime.config.observerLeaseTtlMs,
    silenceMs: runtime.config.observerSilenceMs,
    backoff: { baseMs: 500, capMs: 30_000 },
    leaseName: `bench-observer-${randomUUID().slice(0, 8)}`,
  });
  const meters = startMeters();
  const startMs = performance.now();
  try {
    await observer.start();
    const { leaderAfterMs } = await awaitProcessed(observer, plan, startMs);
    const elapsedMs = performance.now() - startMs;
    const side = sideOf(
      'the observer (trivial callback): start → every payment processed in stellar_payments',
      plan.observedPayments,
      elapsedMs,
      // Its backfill reads the pages the baselines read: full ones, then a short one.
      Math.floor(plan.observedPayments / PAGE_LIMIT) + 1,
      meters,
    );
    const status = observer.status();
    return {
      ...side,
      leaderAfterMs: Math.round(leaderAfterMs),
      counts: status.counts,
      sessions: status.accounts[0]?.sessions ?? 0,
    };
  } finally {
    await observer.stop();
  }
}

export async function measureObserver(
  runtime: Runtime,
  horizon: HorizonPort,
  plan: Plan,
  assets: readonly string[],
  checks: string[],
): Promise<ObserverReport> {
  const db = runtime.database.db.$extendTables<{ bench_observed_payments: StellarPaymentsTable }>();
  // A scratch copy of the observer's table: same columns, checks, defaults and unique key.
  await sql`create table ${sql.table(BENCH_TABLE)} (like stellar_payments including all)`.execute(db);
  const accepted = new Set(assets);
  progress(`observer: warm-up pass (read + insert) over ${plan.observedPayments} payments, not timed`);
  await readInsert(db, horizon, plan, accepted);
  progress('observer: baselines before the observer: read only, read + one bare insert per payment');
  const readBefore = await readOnly(horizon, plan);
  const insertedBefore = await readInsert(db, horizon, plan, accepted);
  progress('observer: the observer, from start to every payment processed');
  const observer = await runObserver(runtime, horizon, plan, assets);
  checks.push(await checkStored(runtime.database.db, plan));
  progress('observer: baselines after the observer: read + insert, read only');
  const insertedAfter = await readInsert(db, horizon, plan, accepted);
  const readAfter = await readOnly(horizon, plan);
  await sql`drop table ${sql.table(BENCH_TABLE)}`.execute(db);
  const read = pooled(readBefore, readAfter);
  const inserted = pooled(insertedBefore, insertedAfter);
  return {
    payments: plan.observedPayments,
    pageLimit: PAGE_LIMIT,
    readOnly: read,
    readInsert: inserted,
    observer,
    ratio: round(observer.perSecond / inserted.perSecond, 3),
    ratioToReadOnly: round(observer.perSecond / read.perSecond, 3),
  };
}
