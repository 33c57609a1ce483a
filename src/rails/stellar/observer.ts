/**
 * The Stellar payment observer (GUIDE §4.5): watches payments to the anchor's receiving accounts
 * and hands each one, exactly once, to the caller's processing callback.
 *
 * - Lossless: each record is stored (unique by transaction hash and operation index) and the
 *   account's cursor moved in the same database transaction as the callback (observer-store.ts).
 *   On start, after any reconnect and after every stream session, it pages from the stored cursor
 *   until caught up, then streams from there; a replay is a no-op.
 * - Never stalls: a record it cannot read, an asset the anchor does not accept, or a callback that
 *   keeps failing (after `callbackAttemptsMax` tries) is stored as quarantined with the reason, and
 *   the cursor moves on. Only Horizon or the database being unavailable holds it back, with a
 *   bounded exponential backoff.
 * - Single leader across instances (platform/leader.ts); the lease's fencing token is written with
 *   every cursor move, so even a paused ex-leader cannot write after a takeover.
 *
 * Anchor Platform failures avoided (reference/anchor-landscape.md §1.3, §3): no jump to the network
 * tip after downtime, no cursor saved for a payment that was not handled, no poison-pill halt, and
 * two instances cannot race the cursor.
 */
import { StrKey } from '@stellar/stellar-sdk';
import type { Kysely } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { assert, AssertionError } from '../../domain/assert.js';
import type { Tables } from '../../platform/db/schema.js';
import type { KvStore } from '../../platform/kv/index.js';
import { createLeader, type Tenure } from '../../platform/leader.js';
import type { Metrics } from '../../platform/metrics.js';
import { retryDelayMs, type BackoffPolicy } from '../../platform/outbox/backoff.js';
import { PAYMENTS_PAGE_LIMIT_MAX, type HorizonPort } from './horizon.js';
import { createObserverMetrics, type LagReading } from './observer-metrics.js';
import {
  compareTokens,
  isObservableAsset,
  isPagingToken,
  readRecord,
  type ObservableRecord,
} from './observer-parse.js';
import {
  CallbackFailure,
  cursorName,
  ensureCursor,
  FencedOutError,
  messageOf,
  quarantineRecord,
  readCursor,
  storeRecord,
  type PaymentHandler,
  type RecordOutcome,
  type StoreContext,
} from './observer-store.js';
import { runStreamSession } from './observer-stream.js';

export type { ObservedPayment, PaymentDecision, PaymentHandler, RecordOutcome } from './observer-store.js';

export interface ObserverOptions {
  readonly db: Kysely<Tables>;
  readonly horizon: Pick<HorizonPort, 'payments' | 'streamPayments' | 'latestLedger'>;
  readonly kv: KvStore;
  /** The receiving accounts (G…), one cursor each. */
  readonly accounts: readonly string[];
  /** Accepted assets, `native` or `CODE:ISSUER`; a payment in any other is quarantined. */
  readonly assets: readonly string[];
  readonly onPayment: PaymentHandler;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Records per backfill page, 1..200. */
  readonly pageLimit: number;
  readonly leaseTtlMs: number;
  /** A stream silent for this long is closed and the observer pages from its cursor again. */
  readonly silenceMs: number;
  /** Delay before reconnecting after Horizon or the database failed. */
  readonly backoff: BackoffPolicy;
  /** Tries of the callback before the payment is quarantined. Default 5. */
  readonly callbackAttemptsMax?: number;
  /** Delay between tries of the callback. Default 200 ms doubling to 5 s. */
  readonly callbackBackoff?: BackoffPolicy;
  /** Stream records buffered ahead of processing; beyond it the observer pages instead. Default 1000. */
  readonly streamBufferMax?: number;
  /** Pages per backfill pass before a fresh pass re-reads the cursor. Default 500. */
  readonly backfillPagesMax?: number;
  /** How often the leader asks Horizon for the latest ledger, for the lag metrics. Default 15 s. */
  readonly lagProbeMs?: number;
  /** Paging token to start from for an account without a cursor. Default '0': its whole history. */
  readonly initialCursor?: string;
  /** Default `stellar-observer`. */
  readonly leaseName?: string;
  /** Unique per process; default from host, pid and a UUID. */
  readonly holder?: string;
}

export type AccountMode = 'idle' | 'backfill' | 'stream' | 'backoff';

export interface AccountStatus {
  readonly account: string;
  readonly mode: AccountMode;
  /** The paging token of the last record handled (as of the last read or write). */
  readonly cursor: string | null;
  /** The ledger every payment up to which is handled, when known. */
  readonly throughLedger: number | null;
  /** Stream sessions opened; each one follows a backfill from the cursor. */
  readonly sessions: number;
  readonly failures: number;
  readonly lastError: string | null;
}

export interface ObserverStatus {
  readonly role: 'stopped' | 'follower' | 'leader';
  readonly holder: string;
  readonly fencingToken: string | null;
  readonly counts: Readonly<Record<RecordOutcome, number>>;
  readonly accounts: readonly AccountStatus[];
  readonly lag: LagReading | null;
}

export interface Observer {
  start(): Promise<void>;
  /** Ends processing, then releases the lease; `release: false` leaves it to expire (a crash). */
  stop(options?: { readonly release?: boolean }): Promise<void>;
  status(): ObserverStatus;
}

const ACCOUNTS_MAX = 20;
const ASSETS_MAX = 50;
const SILENCE_MS_MIN = 100;
const DEFAULTS = {
  callbackAttemptsMax: 5,
  callbackBackoff: { baseMs: 200, capMs: 5_000 },
  streamBufferMax: 1_000,
  backfillPagesMax: 500,
  lagProbeMs: 15_000,
  initialCursor: '0',
  leaseName: 'stellar-observer',
} as const;

interface Progress {
  readonly ledger: number;
  readonly closedAtS: number;
}

interface AccountState {
  readonly account: string;
  readonly cursorName: string;
  mode: AccountMode;
  cursor: string | null;
  through: Progress | null;
  sessions: number;
  failures: number;
  lastError: string | null;
}

export function createObserver(options: ObserverOptions): Observer {
  const settings = validate(options);
  const { db, horizon, onPayment } = options;
  const log = options.logger.child({ component: 'stellar-observer' });
  const assets = new Set(options.assets);
  const states: AccountState[] = options.accounts.map((account) => ({
    account,
    cursorName: cursorName(account),
    mode: 'idle',
    cursor: null,
    through: null,
    sessions: 0,
    failures: 0,
    lastError: null,
  }));
  const counts: Record<RecordOutcome, number> = { processed: 0, quarantined: 0, duplicate: 0, ignored: 0 };
  let latest: (Progress & { probedAtMs: number }) | null = null;
  let tenureStartedMs = 0;
  let started = false;
  let stopped = false;

  const metrics = createObserverMetrics(options.metrics, () => readLag());
  const leader = createLeader({
    kv: options.kv,
    name: settings.leaseName,
    ttlMs: options.leaseTtlMs,
    logger: log,
    lead,
    onChange: (isLeader) => {
      metrics.leader(isLeader);
    },
    ...(options.holder === undefined ? {} : { holder: options.holder }),
  });

  function count(outcome: RecordOutcome): void {
    counts[outcome] += 1;
    metrics.recorded(outcome);
  }

  function advance(state: AccountState, progress: Progress): void {
    const through = state.through;
    if (through === null || progress.ledger >= through.ledger)
      state.through = {
        ledger: progress.ledger,
        closedAtS: Math.max(progress.closedAtS, through?.closedAtS ?? 0),
      };
  }

  /** Lag of the slowest account; an account not confirmed yet counts from the tenure's start. */
  function readLag(): LagReading | null {
    if (!leader.isLeader()) return null;
    const nowMs = Date.now();
    const networkNowS =
      latest === null ? nowMs / 1000 : latest.closedAtS + (nowMs - latest.probedAtMs) / 1000;
    let seconds = 0;
    let ledgers: number | null = latest === null ? null : 0;
    let lastLedger: number | null = null;
    for (const state of states) {
      const sinceS = state.through?.closedAtS ?? tenureStartedMs / 1000;
      seconds = Math.max(seconds, networkNowS - sinceS);
      const ledger = state.through?.ledger ?? 0;
      if (latest !== null && ledgers !== null) ledgers = Math.max(ledgers, latest.ledger - ledger);
      lastLedger = lastLedger === null ? ledger : Math.min(lastLedger, ledger);
    }
    return { seconds: Math.max(0, Math.round(seconds * 1000) / 1000), ledgers, lastLedger };
  }

  let lastYieldMs = performance.now();

  async function handle(
    state: AccountState,
    context: StoreContext,
    signal: AbortSignal,
    record: ObservableRecord,
  ) {
    const read = readRecord(record, state.account, assets);
    const position = read.kind === 'ignored' ? read.position : read.fields;
    if (state.cursor !== null && compareTokens(position.pagingToken, state.cursor) <= 0) {
      count('duplicate');
      return;
    }
    const outcome = await storeWithRetries(context, read, signal);
    state.cursor = position.pagingToken;
    advance(state, { ledger: position.ledger, closedAtS: position.createdAt.getTime() / 1000 });
    count(outcome);
    if (outcome === 'quarantined')
      log.warn(
        {
          account: state.account,
          transactionHash: position.transactionHash,
          operationIndex: position.operationIndex,
        },
        'payment quarantined',
      );
  }

  async function storeWithRetries(
    context: StoreContext,
    read: ReturnType<typeof readRecord>,
    signal: AbortSignal,
  ): Promise<RecordOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await storeRecord(context, read);
      } catch (error) {
        if (!(error instanceof CallbackFailure) || read.kind !== 'payment') throw error;
        const position = {
          transactionHash: read.fields.transactionHash,
          operationIndex: read.fields.operationIndex,
        };
        log.warn(
          { ...position, attempt, err: error },
          'payment processing failed; the transaction rolled back',
        );
        if (attempt >= settings.callbackAttemptsMax) {
          const reason = `processing failed ${attempt} times; last error: ${error.message}`;
          return await quarantineRecord(context, read.fields, reason);
        }
        await sleep(retryDelayMs(attempt, settings.callbackBackoff), undefined, { signal });
      }
    }
  }

  /** Pages from the cursor; true once a short page shows it caught up. */
  async function backfill(state: AccountState, context: StoreContext, signal: AbortSignal): Promise<boolean> {
    for (let page = 0; page < settings.backfillPagesMax; page += 1) {
      // Taken before the request: a short page proves completeness up to this ledger at least.
      const known = latest;
      const result = await horizon.payments({
        account: state.account,
        order: 'asc',
        limit: options.pageLimit,
        ...(state.cursor === null ? {} : { cursor: state.cursor }),
      });
      if (result.kind !== 'ok') throw new Error(`Horizon payments page failed: ${result.cause}`);
      for (const record of result.records) {
        if (signal.aborted) return false;
        await handle(state, context, signal, record);
        // The embedded database answers without real I/O: without a turn for the event loop now and
        // then, a page of payments would hold off HTTP requests, the outbox and the lease renewal.
        // (The stream needs none: its records arrive as I/O, and a yield there would only let its
        // buffer overflow into paging.)
        if (performance.now() - lastYieldMs >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYieldMs = performance.now();
        }
      }
      if (result.records.length < options.pageLimit) {
        if (known !== null) advance(state, known);
        return true;
      }
    }
    return false;
  }

  async function cycle(state: AccountState, context: StoreContext, signal: AbortSignal): Promise<void> {
    state.cursor = await readCursor(db, state.cursorName);
    state.mode = 'backfill';
    if (!(await backfill(state, context, signal)) || isAborted(signal)) return;
    state.mode = 'stream';
    state.sessions += 1;
    const end = await runStreamSession({
      horizon,
      account: state.account,
      cursor: state.cursor,
      silenceMs: options.silenceMs,
      bufferMax: settings.streamBufferMax,
      signal,
      handle: (record) => handle(state, context, signal, record),
      onStreamError: (error) => {
        log.debug({ account: state.account, err: error }, 'payment stream error');
      },
    });
    if (end === 'error') throw new Error('the payment stream failed');
  }

  /** Backfill then stream, again and again, until the tenure ends. */
  async function follow(state: AccountState, token: string, signal: AbortSignal, resign: () => void) {
    const context: StoreContext = { db, cursorName: state.cursorName, token, onPayment };
    let ensured = false;
    while (!signal.aborted) {
      try {
        if (!ensured) await ensureCursor(db, state.cursorName, settings.initialCursor);
        ensured = true;
        await cycle(state, context, signal);
        state.failures = 0;
      } catch (error) {
        // A broken invariant is not retried: it ends the tenure loudly (STYLE.md, two kinds of failure).
        if (error instanceof AssertionError) throw error;
        if (isAborted(signal)) break;
        if (error instanceof FencedOutError) {
          log.error({ account: state.account, err: error }, 'a newer leader wrote the cursor: resigning');
          resign();
          break;
        }
        state.failures += 1;
        state.lastError = messageOf(error).slice(0, 500);
        state.mode = 'backoff';
        log.warn(
          { account: state.account, failures: state.failures, err: error },
          'observer cycle failed; retrying',
        );
        await sleep(retryDelayMs(state.failures, options.backoff), undefined, { signal }).catch(
          () => undefined,
        );
      }
    }
    state.mode = 'idle';
  }

  async function probeLag(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const result = await horizon.latestLedger();
      if (result.kind === 'ok')
        latest = { ledger: result.sequence, closedAtS: result.closedAtS, probedAtMs: Date.now() };
      else log.warn({ cause: result.cause }, 'latest ledger unavailable: lag is extrapolated');
      await sleep(settings.lagProbeMs, undefined, { signal }).catch(() => undefined);
    }
  }

  async function lead(tenure: Tenure): Promise<void> {
    const controller = new AbortController();
    const endTenure = (): void => {
      controller.abort();
    };
    tenure.signal.addEventListener('abort', endTenure, { once: true });
    if (tenure.signal.aborted) endTenure();
    tenureStartedMs = Date.now();
    const signal = controller.signal;
    // Every loop has settled before the tenure ends: the next leader never overlaps with our writes.
    const results = await Promise.allSettled([
      probeLag(signal),
      ...states.map((state) =>
        follow(state, tenure.token, signal, endTenure).catch((error: unknown) => {
          endTenure();
          throw error;
        }),
      ),
    ]);
    endTenure();
    tenure.signal.removeEventListener('abort', endTenure);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  return {
    async start() {
      assert(!started, 'an observer starts once; create a new one to start again');
      started = true;
      // Fail fast on a database without the observer's tables instead of retrying forever.
      await db.selectFrom('stellar_cursors').select('name').limit(1).execute();
      leader.start();
      log.info(
        { accounts: options.accounts, assets: options.assets, holder: leader.holder },
        'observer started',
      );
    },
    async stop(stopOptions = {}) {
      if (!started || stopped) return;
      stopped = true;
      await leader.stop(stopOptions);
      log.info({ released: stopOptions.release !== false }, 'observer stopped');
    },
    status() {
      return {
        role: !started || stopped ? 'stopped' : leader.isLeader() ? 'leader' : 'follower',
        holder: leader.holder,
        fencingToken: leader.token(),
        counts: { ...counts },
        accounts: states.map((state) => ({
          account: state.account,
          mode: state.mode,
          cursor: state.cursor,
          throughLedger: state.through?.ledger ?? null,
          sessions: state.sessions,
          failures: state.failures,
          lastError: state.lastError,
        })),
        lag: readLag(),
      };
    },
  };
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function validate(options: ObserverOptions) {
  const accounts = options.accounts;
  assert(accounts.length >= 1 && accounts.length <= ACCOUNTS_MAX, `observe 1..${ACCOUNTS_MAX} accounts`);
  assert(new Set(accounts).size === accounts.length, 'observed accounts must be distinct');
  for (const account of accounts)
    assert(StrKey.isValidEd25519PublicKey(account), `observed account ${account} is not a G… account id`);
  assert(options.assets.length >= 1 && options.assets.length <= ASSETS_MAX, `accept 1..${ASSETS_MAX} assets`);
  for (const asset of options.assets)
    assert(isObservableAsset(asset), `asset ${asset} is neither "native" nor CODE:ISSUER`);
  assert(
    Number.isInteger(options.pageLimit) &&
      options.pageLimit >= 1 &&
      options.pageLimit <= PAYMENTS_PAGE_LIMIT_MAX,
    `pageLimit must be within 1..${PAYMENTS_PAGE_LIMIT_MAX}`,
  );
  assert(
    Number.isSafeInteger(options.silenceMs) && options.silenceMs >= SILENCE_MS_MIN,
    `silenceMs must be ≥ ${SILENCE_MS_MIN}`,
  );
  assertBackoff(options.backoff, 'backoff');
  const settings = {
    callbackAttemptsMax: options.callbackAttemptsMax ?? DEFAULTS.callbackAttemptsMax,
    callbackBackoff: options.callbackBackoff ?? DEFAULTS.callbackBackoff,
    streamBufferMax: options.streamBufferMax ?? DEFAULTS.streamBufferMax,
    backfillPagesMax: options.backfillPagesMax ?? DEFAULTS.backfillPagesMax,
    lagProbeMs: options.lagProbeMs ?? DEFAULTS.lagProbeMs,
    initialCursor: options.initialCursor ?? DEFAULTS.initialCursor,
    leaseName: options.leaseName ?? DEFAULTS.leaseName,
  };
  assert(
    Number.isSafeInteger(settings.callbackAttemptsMax) &&
      settings.callbackAttemptsMax >= 1 &&
      settings.callbackAttemptsMax <= 100,
    'callbackAttemptsMax must be within 1..100',
  );
  assertBackoff(settings.callbackBackoff, 'callbackBackoff');
  assert(
    Number.isSafeInteger(settings.streamBufferMax) && settings.streamBufferMax >= 1,
    'streamBufferMax must be ≥ 1',
  );
  assert(
    Number.isSafeInteger(settings.backfillPagesMax) && settings.backfillPagesMax >= 1,
    'backfillPagesMax must be ≥ 1',
  );
  assert(Number.isSafeInteger(settings.lagProbeMs) && settings.lagProbeMs >= 100, 'lagProbeMs must be ≥ 100');
  assert(isPagingToken(settings.initialCursor), 'initialCursor must be a paging token');
  return settings;
}

function assertBackoff(policy: BackoffPolicy, what: string): void {
  assert(
    Number.isSafeInteger(policy.baseMs) &&
      policy.baseMs > 0 &&
      Number.isSafeInteger(policy.capMs) &&
      policy.capMs >= policy.baseMs,
    `${what} needs integer baseMs > 0 and capMs ≥ baseMs`,
  );
}

/** The longest the observer works through payments without letting the event loop run. */
const YIELD_EVERY_MS = 20;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}
