/**
 * Measurement 2 of bench/withdrawals.ts: withdrawals completed per second end to end — the wallet
 * pays on Stellar, the observer stores and matches each payment, the `withdrawal.payout` job makes
 * the Paystack transfer, the bank settles it, `transfer.success` arrives and the withdrawal is
 * `completed` — against the same number of Paystack transfers made straight through the same
 * PaystackClient (recipient, initiate, verify until the bank settled): the rail alone.
 *
 * Every measured phase ends with the checks that make its figure trustworthy; a failed check
 * throws `RunInvalidError` and the run writes no result.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Keypair } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import type { TransferDeps } from '../src/flows/transfers/deps.js';
import { STELLAR_REFUND_JOB, WITHDRAWAL_PAYOUT_JOB } from '../src/flows/withdrawal/job-types.js';
import { openWithdrawal, requestWithdrawalPayment, setPayoutAccount } from '../src/flows/withdrawal/open.js';
import { ledgerImbalance } from '../src/platform/ledger-store.js';
import type { PaystackClient } from '../src/rails/paystack/index.js';
import type { SepContext } from '../src/sep/context.js';
import type { Sep10Identity } from '../src/sep/sep10/jwt.js';
import { sep12Deps } from '../src/sep/sep12/plugin.js';
import { putCustomer } from '../src/sep/sep12/service.js';
import type {
  DoubleTransfer,
  Paid,
  Plan,
  TransfersReport,
  WalletPayment,
  WithdrawalsReport,
} from './withdrawals-protocol.js';
import {
  cpuMeter,
  forEachBounded,
  percentiles,
  perSecond,
  RunInvalidError,
  stallMeter,
} from './withdrawals-support.js';

/** Every withdrawal sends this much of the naira token: under tier 1's per-transaction and per-day limits. */
export const WITHDRAWAL_AMOUNT = '1000';
/** Preparation runs this many withdrawals at once (it is not timed; this only keeps it short). */
const PREPARE_CONCURRENCY = 8;
const POLL_MS = 100;
/** Verify calls one baseline transfer may make while the bank settles it. */
const VERIFY_CALLS_MAX = 500;
const ON_THE_WAY: ReadonlySet<string> = new Set([
  'pending_user_transfer_start',
  'pending_anchor',
  'pending_external',
  'completed',
]);

/** What the child asks of the outside world (bench/withdrawals.ts answers). */
export interface World {
  pay(receivingAccount: string, payments: readonly WalletPayment[]): Promise<Paid>;
  webhooks(on: boolean): Promise<void>;
  transfers(): Promise<DoubleTransfer[]>;
}

export interface Prepared {
  readonly id: string;
  readonly memo: string;
  readonly reference: string;
  readonly amountInStroops: string;
  readonly amountOutKobo: string;
}

function identityOf(account: string): Sep10Identity {
  return {
    sub: account,
    account,
    memo: null,
    muxedAccount: null,
    clientDomain: null,
    homeDomain: null,
    jti: 'bench',
    expiresAt: 0,
  };
}

/**
 * One new customer, verified to KYC tier 1 through SEP-12, and one withdrawal of theirs: opened,
 * its bank account resolved and name-matched on the Paystack double, its payment asked for (memo
 * and receiving account fixed). One customer per withdrawal keeps every limit check realistic.
 */
async function prepareOne(
  ctx: SepContext,
  deps: TransferDeps,
  plan: Plan,
  receiving: string,
): Promise<Prepared> {
  const customer = Keypair.random().publicKey();
  await putCustomer(
    sep12Deps(ctx),
    { sub: customer, account: customer, memo: null },
    {
      type: undefined,
      text: {
        first_name: 'Adaeze',
        last_name: 'Okafor',
        mobile_number: '+2348031234567',
        birth_date: '1990-04-12',
        id_type: 'bvn',
        id_number: '22123456789',
      },
      files: {},
    },
  );
  const opened = await openWithdrawal(deps, {
    protocol: 'sep24',
    identity: identityOf(customer),
    assetCode: deps.config.assetNgnCode,
    amount: WITHDRAWAL_AMOUNT,
  });
  const bank = await setPayoutAccount(deps, opened.id, plan.bank);
  if (!bank.ok) throw new RunInvalidError(`withdrawal ${opened.id}: bank account refused: ${bank.message}`);
  const asked = await requestWithdrawalPayment(deps, opened.id, {
    actor: 'bench',
    receivingAccount: receiving,
  });
  const { withdraw_memo: memo, payout_reference: reference } = asked;
  const { amount_in_minor: amountIn, amount_out_minor: amountOut } = asked;
  if (memo === null || reference === null || amountIn === null || amountOut === null)
    throw new RunInvalidError(`withdrawal ${asked.id} is ${asked.status} without memo, reference or amounts`);
  return { id: asked.id, memo, reference, amountInStroops: amountIn, amountOutKobo: amountOut };
}

export function prepareWithdrawals(
  ctx: SepContext,
  deps: TransferDeps,
  plan: Plan,
  receiving: string,
  count: number,
): Promise<Prepared[]> {
  return forEachBounded(
    Array.from({ length: count }, (_, i) => i),
    PREPARE_CONCURRENCY,
    () => prepareOne(ctx, deps, plan, receiving),
  );
}

interface TransferTiming {
  readonly doneMs: number;
  readonly initiateMs: number;
  readonly verifyCalls: number;
}

/** Recipient, initiate, then verify every worker poll interval until the bank says `success`. */
async function transferOnce(
  paystack: PaystackClient,
  plan: Plan,
  reference: string,
  amountKobo: bigint,
): Promise<TransferTiming> {
  const startMs = performance.now();
  const recipient = await paystack.createRecipient({
    name: plan.bank.accountName,
    accountNumber: plan.bank.accountNumber,
    bankCode: plan.bank.bankCode,
  });
  if (!recipient.ok) throw new RunInvalidError(`baseline recipient: ${JSON.stringify(recipient.error)}`);
  const initiated = await paystack.initiateTransfer({
    amountKobo,
    recipientCode: recipient.value.recipientCode,
    reference,
    reason: 'Rampart bench transfer',
  });
  if (initiated.outcome !== 'succeeded')
    throw new RunInvalidError(`baseline transfer ${reference}: ${initiated.outcome}`);
  const initiateMs = performance.now() - startMs;
  let status = initiated.transfer.status;
  let verifyCalls = 0;
  while (status !== 'success') {
    if (verifyCalls >= VERIFY_CALLS_MAX)
      throw new RunInvalidError(
        `baseline transfer ${reference} still ${status} after ${verifyCalls} verifies`,
      );
    await sleep(plan.workerPollMs);
    const verified = await paystack.verifyTransfer(reference);
    verifyCalls += 1;
    if (!verified.ok) throw new RunInvalidError(`baseline verify ${reference}: ${verified.error.kind}`);
    status = verified.value.status;
    if (!['pending', 'received', 'queued', 'success'].includes(status))
      throw new RunInvalidError(`baseline transfer ${reference} ended ${status}`);
  }
  return { doneMs: performance.now(), initiateMs, verifyCalls };
}

/** `count` transfers of `amountKobo`, `plan.concurrency` in flight, all queued at once. */
export async function runTransfers(
  paystack: PaystackClient,
  plan: Plan,
  count: number,
  amountKobo: bigint,
): Promise<TransfersReport> {
  const run = randomUUID().replace(/-/g, '').slice(0, 12);
  const cpu = cpuMeter();
  const stall = stallMeter();
  const startMs = performance.now();
  const timings = await forEachBounded(
    Array.from({ length: count }, (_, i) => i),
    plan.concurrency,
    (i) => transferOnce(paystack, plan, `bench-${run}-${String(i).padStart(5, '0')}`, amountKobo),
  );
  const elapsedMs = Math.max(...timings.map((t) => t.doneMs)) - startMs;
  return {
    transfers: count,
    concurrency: plan.concurrency,
    elapsedMs: Math.round(elapsedMs),
    perSecond: perSecond(count, elapsedMs),
    latencyMs: percentiles(timings.map((t) => t.doneMs - startMs)),
    initiateMs: percentiles(timings.map((t) => t.initiateMs)),
    verifyCalls: timings.reduce((sum, t) => sum + t.verifyCalls, 0),
    rampartCpu: cpu(),
    eventLoopStallMsMax: stall(),
  };
}

/** Every transfer of `references` is on the double exactly once, `success`, for the amount asked. */
export function checkTransfers(
  transfers: readonly DoubleTransfer[],
  expected: readonly { reference: string; amountKobo: string }[],
  what: string,
): string {
  const byReference = new Map<string, DoubleTransfer[]>();
  for (const t of transfers) byReference.set(t.reference, [...(byReference.get(t.reference) ?? []), t]);
  for (const e of expected) {
    const mine = byReference.get(e.reference) ?? [];
    const only = mine[0];
    if (mine.length !== 1 || only?.status !== 'success' || only.amountKobo !== e.amountKobo)
      throw new RunInvalidError(
        `${what} ${e.reference}: expected one successful transfer of ${e.amountKobo} kobo, the Paystack double holds ${JSON.stringify(mine)}`,
      );
  }
  return `${what}: each of the ${expected.length} has exactly one Paystack transfer on the double, success, for its amount`;
}

/** Polls until every withdrawal is `completed`; throws on a detour, a dead job or the time bound. */
export async function awaitCompleted(
  deps: TransferDeps,
  ids: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await deps.db
      .selectFrom('transactions')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('id', 'in', ids)
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    if (rows.some((r) => !ON_THE_WAY.has(r.status)))
      throw new RunInvalidError(`withdrawals left the happy path: ${JSON.stringify(counts)}`);
    const dead = await deps.db
      .selectFrom('jobs')
      .select(['type', 'last_error'])
      .where('state', '=', 'dead')
      .executeTakeFirst();
    if (dead !== undefined) throw new RunInvalidError(`a ${dead.type} job died: ${dead.last_error ?? ''}`);
    if (counts['completed'] === ids.length) return;
    if (Date.now() > deadline)
      throw new RunInvalidError(
        `not every withdrawal completed within ${timeoutMs} ms (stuck?): ${JSON.stringify(counts)}`,
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
      .where('run_at', '<=', new Date())
      .executeTakeFirstOrThrow();
    if (Number(busy.n) === 0) return;
    if (Date.now() > deadline) throw new RunInvalidError(`${busy.n} jobs still due after ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

function msOf(value: Date | string | null | undefined): number | undefined {
  return value == null ? undefined : new Date(value).getTime();
}

interface Way {
  readonly sent: number;
  readonly observed: number;
  readonly payout: number;
  readonly completed: number;
}

/** When each withdrawal's payment was sent, stored and matched, paid out and completed (ms since epoch). */
async function waysOf(
  deps: TransferDeps,
  burst: readonly Prepared[],
  sentAtMs: readonly number[],
): Promise<Way[]> {
  const ids = burst.map((w) => w.id);
  const rows = await deps.db
    .selectFrom('transactions')
    .select(['id', 'completed_at'])
    .where('id', 'in', ids)
    .execute();
  const completed = new Map(rows.map((r) => [r.id, msOf(r.completed_at)]));
  const payments = await deps.db
    .selectFrom('stellar_payments')
    .select(['transaction_id', 'observed_at'])
    .where('transaction_id', 'in', ids)
    .execute();
  const observed = new Map(payments.map((p) => [p.transaction_id, msOf(p.observed_at)]));
  const events = await deps.db
    .selectFrom('transaction_events')
    .select(['transaction_id', (eb) => eb.fn.min('created_at').as('at')])
    .where('transaction_id', 'in', ids)
    .where('to_status', '=', 'pending_external')
    .groupBy('transaction_id')
    .execute();
  const payout = new Map(events.map((e) => [e.transaction_id, msOf(e.at)]));
  return burst.map((w, i) => {
    const way = {
      sent: sentAtMs[i],
      observed: observed.get(w.id),
      payout: payout.get(w.id),
      completed: completed.get(w.id),
    };
    if (
      way.sent === undefined ||
      way.observed === undefined ||
      way.payout === undefined ||
      way.completed === undefined
    )
      throw new RunInvalidError(
        `withdrawal ${w.id} is missing a timestamp of its way: ${JSON.stringify(way)}`,
      );
    return { sent: way.sent, observed: way.observed, payout: way.payout, completed: way.completed };
  });
}

/** Jobs created at or after `sinceMs`, by type: how many ran and how many needed more than one attempt. */
async function jobsSince(deps: TransferDeps, sinceMs: number): Promise<WithdrawalsReport['jobs']> {
  const rows = await deps.db
    .selectFrom('jobs')
    .select(['type', 'attempts'])
    .where('created_at', '>=', new Date(sinceMs))
    .execute();
  const jobs: Record<string, { run: number; retried: number }> = {};
  for (const row of rows) {
    const entry = (jobs[row.type] ??= { run: 0, retried: 0 });
    entry.run += 1;
    if (row.attempts > 1) entry.retried += 1;
  }
  return jobs;
}

/**
 * Each withdrawal has exactly one observed payment, processed, for the amount asked; nothing to the
 * receiving account went unmatched; one payout job each; no refund anywhere; the ledger balances.
 */
async function checkBooks(
  deps: TransferDeps,
  burst: readonly Prepared[],
  receiving: string,
): Promise<string[]> {
  const ids = burst.map((w) => w.id);
  const rows = await deps.db
    .selectFrom('stellar_payments')
    .select(['transaction_id', 'state', 'amount_stroops'])
    .where('transaction_id', 'in', ids)
    .execute();
  const byId = new Map<string, { state: string; amount: string }[]>();
  for (const r of rows)
    byId.set(r.transaction_id ?? '', [
      ...(byId.get(r.transaction_id ?? '') ?? []),
      { state: r.state, amount: String(r.amount_stroops) },
    ]);
  for (const w of burst) {
    const mine = byId.get(w.id) ?? [];
    if (mine.length !== 1 || mine[0]?.state !== 'processed' || mine[0].amount !== w.amountInStroops)
      throw new RunInvalidError(
        `withdrawal ${w.id}: observed payments ${JSON.stringify(mine)}, expected one of ${w.amountInStroops} stroops`,
      );
  }
  const stray = await sql<{ n: string }>`select count(*) as n from stellar_payments
    where account = ${receiving} and (transaction_id is null or state <> 'processed')`.execute(deps.db);
  if (Number(stray.rows[0]?.n) !== 0)
    throw new RunInvalidError(
      `${stray.rows[0]?.n} payments to the receiving account are unmatched or quarantined`,
    );
  const payouts = await deps.db
    .selectFrom('jobs')
    .select([sql<string>`payload->>'transactionId'`.as('id'), (eb) => eb.fn.countAll<string>().as('n')])
    .where('type', '=', WITHDRAWAL_PAYOUT_JOB)
    .groupBy(sql`payload->>'transactionId'`)
    .execute();
  const payoutJobs = new Map(payouts.map((p) => [p.id, Number(p.n)]));
  const notOne = burst.filter((w) => payoutJobs.get(w.id) !== 1);
  if (notOne.length > 0)
    throw new RunInvalidError(
      `${notOne.length} withdrawals do not have exactly one payout job, e.g. ${notOne[0]?.id ?? ''}`,
    );
  const refunds = await deps.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('type', '=', STELLAR_REFUND_JOB)
    .executeTakeFirstOrThrow();
  if (Number(refunds.n) !== 0) throw new RunInvalidError(`${refunds.n} Stellar refund jobs were enqueued`);
  const imbalance = await ledgerImbalance(deps.db);
  if (imbalance.length > 0)
    throw new RunInvalidError(
      `the ledger does not balance: ${imbalance.map((i) => `${i.currency} ${i.sumMinor}`).join(', ')}`,
    );
  return [
    `each of the ${burst.length} withdrawals has exactly one observed payment (processed, the amount asked) and one payout job; nothing to the receiving account is unmatched or quarantined`,
    'no Stellar refund was enqueued',
    'the ledger balances in every currency (ledgerImbalance is empty)',
  ];
}

/** The measured burst: the wallets pay every withdrawal at once; wait for all to complete; check. */
export async function measureFlow(
  deps: TransferDeps,
  world: World,
  plan: Plan,
  burst: readonly Prepared[],
  receiving: string,
  checks: string[],
): Promise<WithdrawalsReport> {
  const cpu = cpuMeter();
  const stall = stallMeter();
  const paid = await world.pay(
    receiving,
    burst.map((w) => ({ memo: w.memo, amount: WITHDRAWAL_AMOUNT })),
  );
  const firstSentMs = Math.min(...paid.sentAtMs);
  await awaitCompleted(
    deps,
    burst.map((w) => w.id),
    plan.burstTimeoutMs,
  );
  const rampartCpu = cpu();
  const eventLoopStallMsMax = stall();
  const ways = await waysOf(deps, burst, paid.sentAtMs);
  checks.push(
    checkTransfers(
      await world.transfers(),
      burst.map((w) => ({ reference: w.reference, amountKobo: w.amountOutKobo })),
      'withdrawals',
    ),
  );
  checks.push(...(await checkBooks(deps, burst, receiving)));
  const lastCompletedMs = Math.max(...ways.map((w) => w.completed));
  const since = (ms: number): number => Math.round(ms - firstSentMs);
  const elapsedMs = lastCompletedMs - firstSentMs;
  return {
    withdrawals: burst.length,
    amountEach: WITHDRAWAL_AMOUNT,
    walletTransactions: paid.transactions,
    elapsedMs,
    perSecond: perSecond(burst.length, elapsedMs),
    latencyMs: percentiles(ways.map((w) => w.completed - w.sent)),
    stagesMs: {
      observedMs: percentiles(ways.map((w) => w.observed - w.sent)),
      payoutMs: percentiles(ways.map((w) => w.payout - w.observed)),
      settledMs: percentiles(ways.map((w) => w.completed - w.payout)),
    },
    milestonesMs: {
      allConfirmedMs: since(paid.confirmedAtMs),
      allObservedMs: since(Math.max(...ways.map((w) => w.observed))),
      firstPayoutMs: since(Math.min(...ways.map((w) => w.payout))),
      allPayoutsMs: since(Math.max(...ways.map((w) => w.payout))),
      allCompletedMs: since(lastCompletedMs),
    },
    jobs: await jobsSince(deps, firstSentMs),
    rampartCpu,
    eventLoopStallMsMax,
  };
}

/** Warm-up withdrawals: the same path as the burst, not timed; the outbox must end idle. */
export async function warmFlow(
  deps: TransferDeps,
  world: World,
  plan: Plan,
  warm: readonly Prepared[],
  receiving: string,
) {
  if (warm.length === 0) return;
  await world.pay(
    receiving,
    warm.map((w) => ({ memo: w.memo, amount: WITHDRAWAL_AMOUNT })),
  );
  await awaitCompleted(
    deps,
    warm.map((w) => w.id),
    plan.burstTimeoutMs,
  );
  await awaitOutboxIdle(deps, plan.burstTimeoutMs);
}
