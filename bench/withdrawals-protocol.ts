/**
 * What bench/withdrawals.ts (the outside world: the Horizon and Paystack doubles, the paying
 * wallets) and bench/withdrawals-rampart.ts (Rampart: observer, worker, app, database) say to each
 * other, and the shape of what the child reports. Kept apart so importing it starts nothing.
 */
import type { Database } from '../src/platform/db/database.js';
import type { KvStore } from '../src/platform/kv/index.js';

/** The parent passes the plan (as JSON) and the child's lifetime bound in the environment. */
export const PLAN_ENV = 'BENCH_WITHDRAWALS_PLAN';
export const LIFETIME_ENV = 'BENCH_WITHDRAWALS_LIFETIME_MS';

/** Stellar's own ceiling of operations in one transaction. */
export const OPERATIONS_PER_TRANSACTION_MAX = 100;

export interface Plan {
  /** Payments prepared on the Horizon double for the observer measurement. */
  readonly observedPayments: number;
  /** The account those payments went to (G…): nothing else pays it. */
  readonly observedAccount: string;
  /** Sum of the observed payments, in stroops: each one is distinct, so the sum proves none was lost or doubled. */
  readonly observedStroopsTotal: string;
  /** Withdrawals in the measured burst, and Paystack transfers in its baseline. */
  readonly withdrawals: number;
  /** Withdrawals (and baseline transfers) run end to end before each measurement and thrown away. */
  readonly warmup: number;
  /** Outbox worker slots, and transfers in flight in the baseline. */
  readonly concurrency: number;
  readonly workerPollMs: number;
  /** The bank account every withdrawal pays out to (resolves on the Paystack double). */
  readonly bank: { readonly bankCode: string; readonly accountNumber: string; readonly accountName: string };
  /** Bound of the observer measurement; past it the run is invalid. */
  readonly observeTimeoutMs: number;
  /** Bound of one withdrawal burst (and of its warm-up and baseline); past it the run is invalid. */
  readonly burstTimeoutMs: number;
}

/** One withdrawal payment for the wallet: `amount` of the naira token to the receiving account under `memo`. */
export interface WalletPayment {
  readonly memo: string;
  readonly amount: string;
}

/** What the child asks of the outside world. */
export type Call =
  /** The wallets pay these withdrawals at once, in transactions of up to 100 payment operations. */
  | { readonly kind: 'pay'; readonly receivingAccount: string; readonly payments: readonly WalletPayment[] }
  /** Turns the Paystack double's webhooks off (the baseline needs none) or back on. */
  | { readonly kind: 'webhooks'; readonly on: boolean }
  /** Every transfer the Paystack double holds. */
  | { readonly kind: 'transfers' };

export interface Paid {
  /** Per payment, in the order asked: when its transaction was handed to Horizon (ms since epoch). */
  readonly sentAtMs: readonly number[];
  /** When the last transaction was confirmed (ms since epoch). */
  readonly confirmedAtMs: number;
  readonly transactions: number;
}

export interface DoubleTransfer {
  readonly reference: string;
  readonly status: string;
  readonly amountKobo: string;
}

export type CallResult = Paid | DoubleTransfer[] | null;

/** child → parent. */
export type ChildMessage =
  | { readonly type: 'call'; readonly id: number; readonly call: Call }
  | { readonly type: 'done'; readonly report: RampartReport }
  | { readonly type: 'failed'; readonly invalid: boolean; readonly message: string };

/** parent → child: the answer to call `id`. */
export type ParentMessage =
  | { readonly type: 'answer'; readonly id: number; readonly result: CallResult }
  | { readonly type: 'refused'; readonly id: number; readonly message: string };

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

/** One way of getting the observed payments from Horizon (and, for two of them, into the database). */
export interface ObserveSide {
  readonly measures: string;
  readonly payments: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** Wall time per payment, in ms (elapsed ÷ payments). */
  readonly msPerPayment: number;
  readonly pages: number;
  readonly rampartCpu: ProcessCpu;
  /** The longest Rampart's event loop ran no timer during the phase (stallMeter). */
  readonly eventLoopStallMsMax: number;
}

/**
 * A baseline measured once before the observer and once after it, pooled (2 × payments over the
 * summed time), so a drift of the machine during the run moves both sides of the ratio alike.
 */
export type BracketedSide = ObserveSide & {
  /** payments/s of the pass before the observer, and of the pass after it. */
  readonly passesPerSecond: readonly [number, number];
};

export interface ObserverReport {
  readonly payments: number;
  readonly pageLimit: number;
  /** Pages only: the cost of reading alone. */
  readonly readOnly: BracketedSide;
  /** Pages plus one bare insert per payment (autocommit) into a copy of `stellar_payments`: the primary baseline. */
  readonly readInsert: BracketedSide;
  /** The real observer with a trivial callback: start → every payment `processed` in `stellar_payments`. */
  readonly observer: ObserveSide & {
    /** start() → leader (lease acquired): part of `elapsedMs`. */
    readonly leaderAfterMs: number;
    readonly counts: Readonly<Record<string, number>>;
    readonly sessions: number;
  };
  /** observer payments/s ÷ read-and-insert payments/s. */
  readonly ratio: number;
  /** observer payments/s ÷ read-only payments/s. */
  readonly ratioToReadOnly: number;
}

export interface TransfersReport {
  readonly transfers: number;
  readonly concurrency: number;
  /** First transfer started → last one verified `success`. */
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** Burst start → this transfer verified `success`. */
  readonly latencyMs: Percentiles;
  /** Recipient + initiate, per transfer (before waiting for the bank). */
  readonly initiateMs: Percentiles;
  /** Verify calls made while waiting for the bank's answer, in all. */
  readonly verifyCalls: number;
  readonly rampartCpu: ProcessCpu;
  readonly eventLoopStallMsMax: number;
}

export interface WithdrawalStages {
  /** Wallet transaction handed to Horizon → payment stored and matched (`stellar_payments.observed_at`). */
  readonly observedMs: Percentiles;
  /** Matched → Paystack transfer initiated (`pending_external`): the `withdrawal.payout` job. */
  readonly payoutMs: Percentiles;
  /** `pending_external` → `completed`: the bank settles, `transfer.success` arrives, is verified and booked. */
  readonly settledMs: Percentiles;
}

/** When the burst as a whole passed each step, in ms after the first wallet transaction was sent. */
export interface WithdrawalMilestones {
  /** Every wallet transaction confirmed by the Horizon double. */
  readonly allConfirmedMs: number;
  readonly allObservedMs: number;
  readonly firstPayoutMs: number;
  readonly allPayoutsMs: number;
  readonly allCompletedMs: number;
}

export interface WithdrawalsReport {
  readonly withdrawals: number;
  readonly amountEach: string;
  readonly walletTransactions: number;
  /** First wallet transaction sent → last withdrawal `completed` (its `completed_at`). */
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** Wallet transaction sent → `completed_at`, per withdrawal. */
  readonly latencyMs: Percentiles;
  readonly stagesMs: WithdrawalStages;
  readonly milestonesMs: WithdrawalMilestones;
  readonly jobs: Readonly<Record<string, { readonly run: number; readonly retried: number }>>;
  readonly rampartCpu: ProcessCpu;
  /** The longest Rampart's event loop ran no timer during the burst (stallMeter). */
  readonly eventLoopStallMsMax: number;
}

export interface RampartReport {
  readonly rampartVersion: string;
  readonly database: {
    readonly kind: Database['kind'];
    readonly serverVersion: string;
    readonly poolMax: number;
  };
  readonly kv: KvStore['kind'];
  readonly observerLeaseTtlMs: number;
  readonly preparation: { readonly withdrawals: number; readonly ms: number };
  readonly observer: ObserverReport;
  readonly transfers: TransfersReport;
  readonly flow: WithdrawalsReport;
  /** withdrawals/s ÷ baseline transfers/s. */
  readonly flowRatio: number;
  /** What was checked after each measured phase; a failed check ends the run before this report. */
  readonly checks: readonly string[];
}
