/**
 * The measured deposit burst, seen from Rampart's database: waiting (bounded) until every deposit
 * of the burst is `completed`, failing fast when one goes anywhere else or a job dies; then where
 * the time went (per stage, from the rows' own timestamps) and the per-deposit checks: exactly one
 * Stellar submission each, succeeded, under a hash no other deposit has.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransferDeps } from '../src/flows/transfers/deps.js';
import type { BurstMilestones, DepositStages } from './deposits-protocol.js';
import { percentiles, RunInvalidError, type Prepared } from './deposits-phases.js';

/** How often the burst's progress is read. Throughput comes from `completed_at`, not from this. */
const POLL_MS = 100;
/** Where a deposit of the burst may be on its way; anything else ends the run. */
const ON_THE_WAY: ReadonlySet<string> = new Set([
  'pending_user_transfer_start',
  'pending_anchor',
  'pending_stellar',
  'completed',
]);

function msOf(value: Date | string | null): number | null {
  return value === null ? null : new Date(value).getTime();
}

/** Polls until every deposit is `completed`; throws on a detour, a dead job or the time bound. */
export async function awaitCompleted(
  deps: TransferDeps,
  deposits: readonly Prepared[],
  timeoutMs: number,
): Promise<void> {
  const ids = deposits.map((d) => d.id);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await deps.db
      .selectFrom('transactions')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('id', 'in', ids)
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    const detour = rows.find((r) => !ON_THE_WAY.has(r.status));
    if (detour !== undefined)
      throw new RunInvalidError(`deposits left the happy path: ${JSON.stringify(counts)}`);
    const dead = await deps.db
      .selectFrom('jobs')
      .select(['type', 'last_error'])
      .where('state', '=', 'dead')
      .executeTakeFirst();
    if (dead !== undefined) throw new RunInvalidError(`a ${dead.type} job died: ${dead.last_error ?? ''}`);
    if (counts['completed'] === ids.length) return;
    if (Date.now() > deadline)
      throw new RunInvalidError(
        `not every deposit completed within ${timeoutMs} ms: ${JSON.stringify(counts)}`,
      );
    await sleep(POLL_MS);
  }
}

/** Waits (bounded) until no job is pending or running, so the next phase starts on an idle outbox. */
export async function awaitOutboxIdle(deps: TransferDeps, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = await deps.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('state', 'in', ['pending', 'running'])
      .executeTakeFirstOrThrow();
    if (Number(busy.n) === 0) return;
    if (Date.now() > deadline)
      throw new RunInvalidError(`${busy.n} jobs still pending after ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

export interface BurstTimings {
  /** Per deposit, in the order given: webhook sent → `completed_at`. */
  readonly latencies: number[];
  readonly lastCompletedMs: number;
  readonly stages: DepositStages;
  readonly milestones: BurstMilestones;
}

/** One deposit's way through Rampart, as the database recorded it (ms since epoch). */
interface Way {
  readonly sent: number;
  readonly stored: number;
  readonly credited: number;
  readonly sending: number;
  readonly completed: number;
}

/** Reads when each deposit's webhook was stored, it was credited, sent on Stellar and completed. */
async function waysOf(
  deps: TransferDeps,
  deposits: readonly Prepared[],
  sentAtMs: readonly number[],
): Promise<Way[]> {
  const ids = deposits.map((d) => d.id);
  const rows = await deps.db
    .selectFrom('transactions')
    .select(['id', 'completed_at'])
    .where('id', 'in', ids)
    .execute();
  const completed = new Map(rows.map((r) => [r.id, msOf(r.completed_at)]));
  const webhooks = await deps.db
    .selectFrom('paystack_webhooks')
    .select(['reference', (eb) => eb.fn.min('received_at').as('at')])
    .where(
      'reference',
      'in',
      deposits.map((d) => d.reference),
    )
    .groupBy('reference')
    .execute();
  const stored = new Map(webhooks.map((w) => [w.reference, msOf(w.at)]));
  const events = await deps.db
    .selectFrom('transaction_events')
    .select(['transaction_id', 'to_status', (eb) => eb.fn.min('created_at').as('at')])
    .where('transaction_id', 'in', ids)
    .where('to_status', 'in', ['pending_anchor', 'pending_stellar'])
    .groupBy(['transaction_id', 'to_status'])
    .execute();
  const moved = new Map(events.map((e) => [`${e.transaction_id}:${e.to_status}`, msOf(e.at)]));
  return deposits.map((d, i) => {
    const way = {
      sent: sentAtMs[i],
      stored: stored.get(d.reference),
      credited: moved.get(`${d.id}:pending_anchor`),
      sending: moved.get(`${d.id}:pending_stellar`),
      completed: completed.get(d.id),
    };
    const { sent, stored: s, credited: c, sending: p, completed: done } = way;
    if (sent === undefined || s == null || c == null || p == null || done == null)
      throw new RunInvalidError(`deposit ${d.id} is missing a timestamp of its way: ${JSON.stringify(way)}`);
    return { sent, stored: s, credited: c, sending: p, completed: done };
  });
}

/** The burst's timings from the database's own timestamps (the deposits are all `completed`). */
export async function burstTimings(
  deps: TransferDeps,
  deposits: readonly Prepared[],
  sentAtMs: readonly number[],
): Promise<BurstTimings> {
  const ways = await waysOf(deps, deposits, sentAtMs);
  const firstSent = Math.min(...ways.map((w) => w.sent));
  const lastCompletedMs = Math.max(...ways.map((w) => w.completed));
  const since = (ms: number): number => Math.round(ms - firstSent);
  return {
    latencies: ways.map((w) => w.completed - w.sent),
    lastCompletedMs,
    stages: {
      webhookStoredMs: percentiles(ways.map((w) => w.stored - w.sent)),
      creditedMs: percentiles(ways.map((w) => w.credited - w.stored)),
      sendingMs: percentiles(ways.map((w) => w.sending - w.credited)),
      onStellarMs: percentiles(ways.map((w) => w.completed - w.sending)),
    },
    milestones: {
      allStoredMs: since(Math.max(...ways.map((w) => w.stored))),
      allCreditedMs: since(Math.max(...ways.map((w) => w.credited))),
      firstSendingMs: since(Math.min(...ways.map((w) => w.sending))),
      allCompletedMs: since(lastCompletedMs),
    },
  };
}

/**
 * Each deposit has exactly one Stellar submission, succeeded, whose hash is the deposit's
 * `stellar_transaction_id` and no other deposit's. Returns the sum of `amount_out` in stroops.
 */
export async function checkOnePaymentEach(
  deps: TransferDeps,
  deposits: readonly Prepared[],
): Promise<{ amountOutStroops: bigint; checks: string[] }> {
  const ids = deposits.map((d) => d.id);
  const rows = await deps.db
    .selectFrom('transactions')
    .select(['id', 'status', 'stellar_transaction_id', 'amount_out_minor', 'customer_id'])
    .where('id', 'in', ids)
    .execute();
  const submissions = await deps.db
    .selectFrom('stellar_submissions')
    .select(['idempotency_key', 'state', 'hash'])
    .where('idempotency_key', 'like', 'deposit:%')
    .execute();
  const byDeposit = new Map<string, { state: string; hash: string }[]>();
  for (const s of submissions) {
    const id = s.idempotency_key.split(':')[1] ?? '';
    byDeposit.set(id, [...(byDeposit.get(id) ?? []), { state: s.state, hash: s.hash }]);
  }
  let amountOutStroops = 0n;
  const hashes = new Set<string>();
  const customers = new Set<string>();
  for (const row of rows) {
    const mine = byDeposit.get(row.id) ?? [];
    const only = mine[0];
    if (mine.length !== 1 || only?.state !== 'succeeded' || only.hash !== row.stellar_transaction_id)
      throw new RunInvalidError(
        `deposit ${row.id} (${row.status}) has submissions ${JSON.stringify(mine)}, hash ${row.stellar_transaction_id ?? 'none'}`,
      );
    hashes.add(only.hash);
    if (row.customer_id !== null) customers.add(row.customer_id);
    amountOutStroops += BigInt(row.amount_out_minor ?? '0');
  }
  if (rows.length !== deposits.length || hashes.size !== deposits.length)
    throw new RunInvalidError(
      `${deposits.length} deposits, ${rows.length} rows, ${hashes.size} distinct Stellar hashes`,
    );
  if (customers.size !== deposits.length)
    throw new RunInvalidError(`${deposits.length} deposits but ${customers.size} distinct tier-1 customers`);
  return {
    amountOutStroops,
    checks: [
      `every one of the ${deposits.length} deposits is completed with exactly one Stellar submission, succeeded, under its own hash`,
      `each deposit belongs to its own KYC tier-1 customer (${customers.size} customers)`,
    ],
  };
}

/** Jobs of the burst (created at or after `sinceMs`): how many ran, how many needed a retry. */
export async function burstJobs(
  deps: TransferDeps,
  sinceMs: number,
): Promise<{ run: number; retried: number }> {
  const rows = await deps.db
    .selectFrom('jobs')
    .select(['attempts'])
    .where('created_at', '>=', new Date(sinceMs))
    .execute();
  return { run: rows.length, retried: rows.filter((r) => r.attempts > 1).length };
}
