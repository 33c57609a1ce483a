/**
 * What bench/deposits.ts (the outside world: the Horizon and Paystack doubles) and
 * bench/deposits-rampart.ts (Rampart: app, workers, database) say to each other. Kept apart so
 * importing it starts nothing.
 */
import type { Database } from '../src/platform/db/database.js';
import type { KvStore } from '../src/platform/kv/index.js';

/** The parent passes the plan (as JSON) and the child's lifetime bound in the environment. */
export const PLAN_ENV = 'BENCH_DEPOSITS_PLAN';
export const LIFETIME_ENV = 'BENCH_RAMPART_LIFETIME_MS';

export interface Plan {
  /** Deposits in the measured burst, and raw payments in the baseline. */
  readonly deposits: number;
  /** Deposits (and raw payments) run end to end before each measurement and thrown away. */
  readonly warmup: number;
  /** Outbox worker slots, and raw payments in flight in the baseline. */
  readonly concurrency: number;
  readonly workerPollMs: number;
  /** The sandbox wallet every deposit pays (G…). */
  readonly wallet: string;
  /** Bound of one measured burst (and of the warm-up); past it the run is invalid. */
  readonly burstTimeoutMs: number;
}

/** child → parent: pay these Paystack references on the double (each sends its charge.success). */
export interface PayRequest {
  readonly type: 'pay';
  readonly id: string;
  readonly references: readonly string[];
}

/** child → parent: the run is over; `report` is everything the child measured and checked. */
export interface RampartDone {
  readonly type: 'done';
  readonly report: RampartReport;
}

/** child → parent: the run failed; `invalid` when a check failed (not a crash). */
export interface RampartFailed {
  readonly type: 'failed';
  readonly invalid: boolean;
  readonly message: string;
}

export type ChildMessage = PayRequest | RampartDone | RampartFailed;

/** parent → child: when each reference was paid (ms since epoch, the webhook leaves right after). */
export interface Paid {
  readonly type: 'paid';
  readonly id: string;
  readonly sentAtMs: readonly number[];
}

export interface PayFailed {
  readonly type: 'payFailed';
  readonly id: string;
  readonly message: string;
}

export type ParentMessage = Paid | PayFailed;

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

/**
 * CPU time Rampart's process used over a phase's wall time: 1.0 is one core busy throughout.
 * On two cores shared with the doubles and the database, near 1.0 means its event loop is the limit.
 */
export interface ProcessCpu {
  readonly userMs: number;
  readonly systemMs: number;
  readonly cores: number;
}

export interface BaselineReport {
  readonly payments: number;
  readonly concurrency: number;
  /** First payment queued → last payment confirmed. */
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** Burst start (every payment queued at once) → confirmed: comparable with the deposits' latency. */
  readonly latencyMs: Percentiles;
  /** One `submitPayment` call, from its start (a channel may still be awaited) to confirmed. */
  readonly callMs: Percentiles;
  readonly amountStroopsTotal: string;
  readonly rampartCpu: ProcessCpu;
}

export interface DepositStages {
  /** Webhook sent by the double → stored in Rampart's inbox (`paystack_webhooks.received_at`). */
  readonly webhookStoredMs: Percentiles;
  /** Stored → verified with Paystack and credited (`pending_anchor`): the `paystack.webhook` job. */
  readonly creditedMs: Percentiles;
  /** Credited → `pending_stellar`: the `deposit.deliver` job picked up, destination and liquidity checked. */
  readonly sendingMs: Percentiles;
  /** `pending_stellar` → `completed`: the Stellar payment built, submitted, confirmed, booked. */
  readonly onStellarMs: Percentiles;
}

/** When the burst as a whole passed each step, in ms after the first webhook was sent. */
export interface BurstMilestones {
  /** Every webhook answered and stored: Rampart took the whole burst in. */
  readonly allStoredMs: number;
  /** Every deposit verified with Paystack and credited. */
  readonly allCreditedMs: number;
  /** The first deposit committed to `pending_stellar`: from here on the rail is in use. */
  readonly firstSendingMs: number;
  readonly allCompletedMs: number;
}

export interface DepositsReport {
  readonly deposits: number;
  readonly amountNgnEach: string;
  /** First webhook sent → last deposit `completed` (its `completed_at`). */
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** Webhook sent → `completed_at`, per deposit. */
  readonly latencyMs: Percentiles;
  readonly stagesMs: DepositStages;
  readonly milestonesMs: BurstMilestones;
  /** How long paying every reference on the double took (the burst's spread at the source). */
  readonly payLoopMs: number;
  readonly jobs: { readonly run: number; readonly retried: number };
  readonly amountOutStroopsTotal: string;
  /** From paying the burst to noticing it complete (the poll adds up to 100 ms of idle time). */
  readonly rampartCpu: ProcessCpu;
}

export interface RampartReport {
  readonly rampartVersion: string;
  readonly database: {
    readonly kind: Database['kind'];
    readonly serverVersion: string;
    readonly poolMax: number;
  };
  readonly kv: KvStore['kind'];
  readonly stellar: {
    readonly channels: number;
    readonly submitPollMs: number;
    readonly channelPollMs: number;
    readonly txValiditySeconds: number;
  };
  readonly preparation: { readonly customers: number; readonly deposits: number; readonly ms: number };
  readonly warmup: { readonly payments: number; readonly deposits: number; readonly ms: number };
  readonly baseline: BaselineReport;
  readonly deposits: DepositsReport;
  /** What was checked after each measured phase; a failed check ends the run before this report. */
  readonly checks: readonly string[];
}
