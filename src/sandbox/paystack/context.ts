/**
 * What every part of the double shares: its settings, state, webhook sender and fault switches.
 * Created once per double; `reset()` swaps in fresh state without restarting the server.
 */
import type { KnownAccount } from './banks.js';
import type { FaultSwitches } from './faults.js';
import type { PaystackState } from './state.js';
import type { WebhookSender } from './webhooks.js';

export interface DoubleSettings {
  readonly secretKey: string;
  /** `test` for an `sk_test_` key, `live` for `sk_live_` — as Paystack's objects say. */
  readonly domain: 'test' | 'live';
  readonly otp: string;
  readonly initialBalanceKobo: bigint;
  readonly initialOtpEnabled: boolean;
  readonly initialWebhookUrl: string | null;
  readonly autoSettleTransfersMs: number | null;
  /** How long after creation a refund is processed while `refundsAuto` is on. */
  readonly refundProcessMs: number;
  readonly timeoutHangMs: number;
  readonly resolveQuotaPerDay: number | null;
  readonly duplicateTransferMessage: string;
  readonly verifyNotFoundStatus: 400 | 404;
  readonly accounts: readonly KnownAccount[];
}

export interface DoubleContext {
  readonly settings: DoubleSettings;
  /** Where the double listens, e.g. `http://127.0.0.1:40123`; set once the port is known. */
  url: string;
  state: PaystackState;
  readonly webhooks: WebhookSender;
  readonly faults: FaultSwitches;
  /** Accounts added through control, on top of `settings.accounts`; cleared by reset. */
  readonly extraAccounts: KnownAccount[];
  /** Live resolves (not bank 001) per UTC day, for the test-mode quota. */
  readonly resolvesByDay: Map<string, number>;
  /** Auto-settle and refund timers, cancelled by reset and close. */
  readonly timers: Set<NodeJS.Timeout>;
  /** Aborted on close: hanging fault requests return at once. */
  readonly closing: AbortSignal;
}
