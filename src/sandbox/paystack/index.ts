/**
 * A Paystack double: a real HTTP server on 127.0.0.1 that speaks the parts of Paystack's API a ramp
 * uses, with Paystack's envelopes, status codes and webhooks, a hosted checkout page, and a control
 * API (`/_sandbox/…` and the returned `control`) to play customer, bank and network faults.
 * Used by the tests and by `rampart sandbox`. Nothing here talks to a real Paystack host.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { assert } from '../../domain/assert.js';
import { DEFAULT_ACCOUNTS, type KnownAccount } from './banks.js';
import { checkoutRoutes } from './checkout.js';
import type { DoubleContext, DoubleSettings } from './context.js';
import { createControl, type PaystackControl } from './control.js';
import { FaultSwitches, HANG_MS_MAX, registerFaultHooks } from './faults.js';
import {
  BODY_BYTES_MAX,
  bearerMatches,
  isPublicPath,
  registerBodyParsers,
  registerErrorHandling,
} from './http.js';
import { controlRoutes } from './routes/control.js';
import { bankRoutes } from './routes/banks.js';
import { dedicatedAccountRoutes } from './routes/dedicated-accounts.js';
import { refundRoutes } from './routes/refunds.js';
import { transactionRoutes } from './routes/transactions.js';
import { transferRoutes } from './routes/transfers.js';
import { PaystackState } from './state.js';
import { WebhookSender, type WebhookCadence } from './webhooks.js';

export type {
  PaystackControl,
  FaultSettings,
  DepositOptions,
  Kobo,
  QuietTransactionStatus,
} from './control.js';
export type { KnownAccount } from './banks.js';
export type { DeliveryRecord, WebhookMode, WebhookCadence } from './webhooks.js';
export type { RefundOutcome, TransferOutcome } from './operations.js';
export { signatureOf } from './webhooks.js';

export interface PaystackDoubleOptions {
  /** 0 (default) picks a free port. The double always binds to 127.0.0.1: its control API has no auth. */
  readonly port?: number;
  /** The one key accepted; `sk_test_…` (default: generated) or `sk_live_…`, which sets `domain`. */
  readonly secretKey?: string;
  readonly webhookUrl?: string;
  /** Starting NGN balance in kobo (default ₦1,000,000). */
  readonly balanceKobo?: bigint | number;
  readonly otpEnabled?: boolean;
  /** The OTP `finalize_transfer` accepts (default "123456"). */
  readonly otp?: string;
  /** Compresses the webhook retry cadence: 1 is real time, 0.0001 turns 3 minutes into 18 ms. */
  readonly timeScale?: number;
  /** `live` (default): 4 retries 3 minutes apart, then hourly for 72 hours; `test`: hourly for 10 hours. */
  readonly webhookCadence?: WebhookCadence;
  /** Caps the attempts per webhook below the cadence's own count. */
  readonly webhookAttemptsMax?: number;
  /** Per-attempt timeout of a webhook POST (default 30 s, Paystack's). */
  readonly webhookTimeoutMs?: number;
  /** Settles each queued transfer as `success` after this long; absent: only control settles. */
  readonly autoSettleTransfersMs?: number;
  /** Processes each refund (`refund.processed`) this long after it was created (default 50 ms); see `refundsAuto`. */
  readonly refundProcessMs?: number;
  /** How long a `timeoutNext` request hangs before its 504 (default 1 s). */
  readonly timeoutHangMs?: number;
  /** Live resolves (bank code other than 001) allowed per day before the test-mode quota error. */
  readonly resolveQuotaPerDay?: number;
  /** Extra resolvable accounts, on top of the defaults. */
  readonly accounts?: readonly KnownAccount[];
  /** The refusal text for a reused transfer reference (live wording varies; rails-notes A4). */
  readonly duplicateTransferMessage?: string;
  /** Live answers 400 for an unknown transaction reference; the spec says 404. */
  readonly verifyNotFoundStatus?: 400 | 404;
  /** Clock for timestamps (default: the system clock). */
  readonly now?: () => Date;
}

export interface PaystackDouble {
  /** Base URL to configure as the Paystack API base, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly secretKey: string;
  readonly control: PaystackControl;
  close(): Promise<void>;
}

const SECRET_KEY_PATTERN = /^sk_(test|live)_[A-Za-z0-9]{8,100}$/;
const DEFAULT_BALANCE_KOBO = 100_000_000n;
const REFUND_PROCESS_MS_DEFAULT = 50;
/** A refund the double keeps pending longer than this should be held with `refundsAuto: false`. */
const REFUND_PROCESS_MS_MAX = 60_000;

function settingsOf(options: PaystackDoubleOptions): DoubleSettings {
  const secretKey = options.secretKey ?? `sk_test_${randomBytes(20).toString('hex')}`;
  const keyMatch = SECRET_KEY_PATTERN.exec(secretKey);
  assert(keyMatch !== null, 'secretKey must look like sk_test_… or sk_live_…');
  const balance = BigInt(options.balanceKobo ?? DEFAULT_BALANCE_KOBO);
  assert(balance >= 0n, 'balanceKobo must not be negative');
  const hangMs = options.timeoutHangMs ?? 1_000;
  assert(Number.isInteger(hangMs) && hangMs >= 0 && hangMs <= HANG_MS_MAX, 'timeoutHangMs within bounds');
  const refundProcessMs = options.refundProcessMs ?? REFUND_PROCESS_MS_DEFAULT;
  assert(
    Number.isInteger(refundProcessMs) && refundProcessMs >= 0 && refundProcessMs <= REFUND_PROCESS_MS_MAX,
    'refundProcessMs within bounds',
  );
  const otp = options.otp ?? '123456';
  assert(/^[0-9]{4,8}$/.test(otp), 'otp is 4 to 8 digits');
  return {
    secretKey,
    domain: keyMatch[1] === 'live' ? 'live' : 'test',
    otp,
    initialBalanceKobo: balance,
    initialOtpEnabled: options.otpEnabled ?? false,
    initialWebhookUrl: options.webhookUrl ?? null,
    autoSettleTransfersMs: options.autoSettleTransfersMs ?? null,
    refundProcessMs,
    timeoutHangMs: hangMs,
    resolveQuotaPerDay: options.resolveQuotaPerDay ?? null,
    duplicateTransferMessage:
      options.duplicateTransferMessage ?? 'This reference has already been used on a prior transfer',
    verifyNotFoundStatus: options.verifyNotFoundStatus ?? 400,
    accounts: [...DEFAULT_ACCOUNTS, ...(options.accounts ?? [])],
  };
}

function registerAuth(app: FastifyInstance, secretKey: string): void {
  app.addHook('onRequest', async (request, reply) => {
    if (isPublicPath(request.url)) return;
    if (bearerMatches(request.headers.authorization, secretKey)) return;
    return reply.code(401).send({ status: false, message: 'Invalid key' });
  });
}

export async function createPaystackDouble(options: PaystackDoubleOptions = {}): Promise<PaystackDouble> {
  const settings = settingsOf(options);
  const closing = new AbortController();
  const webhooks = new WebhookSender({
    secretKey: settings.secretKey,
    url: null,
    timeScale: options.timeScale ?? 1,
    cadence: options.webhookCadence ?? 'live',
    attemptTimeoutMs: options.webhookTimeoutMs ?? 30_000,
    ...(options.webhookAttemptsMax === undefined ? {} : { attemptsMax: options.webhookAttemptsMax }),
  });
  const ctx: DoubleContext = {
    settings,
    url: '',
    state: new PaystackState(settings.initialBalanceKobo, options.now ?? (() => new Date())),
    webhooks,
    faults: new FaultSwitches(),
    extraAccounts: [],
    resolvesByDay: new Map(),
    timers: new Set(),
    closing: closing.signal,
  };
  const control = createControl(ctx);
  control.reset();

  const app = Fastify({ logger: false, bodyLimit: BODY_BYTES_MAX, forceCloseConnections: true });
  registerBodyParsers(app);
  registerErrorHandling(app);
  registerAuth(app, settings.secretKey);
  registerFaultHooks(app, ctx.faults, closing.signal);
  await transactionRoutes(app, ctx);
  await dedicatedAccountRoutes(app, ctx);
  await bankRoutes(app, ctx);
  await transferRoutes(app, ctx);
  await refundRoutes(app, ctx);
  await checkoutRoutes(app, ctx);
  await controlRoutes(app, ctx, control);

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  assert(address !== null && typeof address === 'object', 'a TCP server has an address');
  ctx.url = `http://127.0.0.1:${address.port}`;

  return {
    url: ctx.url,
    secretKey: settings.secretKey,
    control,
    async close() {
      closing.abort();
      control.reset();
      await app.close();
    },
  };
}
