/**
 * The Stellar payment submitter: exactly one delivery per idempotency key, whatever times out or
 * crashes (GUIDE §4.4, rails-notes B3.4, B3.5, B7). A delivery is one operation, sourced from the
 * distribution account: a `payment`, a `create_account` (the destination does not exist yet) or a
 * `claimable_balance` (the destination cannot hold the asset yet). All three take the same path:
 *
 * 1. Build the transaction (source: a leased channel account; operation source: the distribution
 *    account; memo; time bounds ending `txValiditySeconds` from now), sign it with both keys and
 *    PERSIST the envelope, its hash, max time and channel — before anything is sent.
 * 2. Submit those bytes. Success or an included failure (`tx_failed`) is definitive.
 * 3. An unknown outcome (timeout, 504, network error, 5xx) is resolved by looking the hash up and
 *    resubmitting the identical envelope. Only when Horizon's latest ledger closed after max time
 *    (the network's clock, not ours) AND the hash is then confirmed absent is the envelope dead;
 *    only then is the payment rebuilt, with a fresh sequence, as a new attempt of the same row.
 * 4. `tx_bad_seq` rebuilds only once the channel's sequence is seen at or past the envelope's and
 *    the hash is absent (the earlier tx with that sequence was not ours, so ours can never apply).
 * 5. `tx_insufficient_fee` wraps the persisted inner transaction in a fee bump, up to the configured
 *    maximum; inner hash and sequence are kept, so it is still the same payment.
 *
 * Concurrency. Every write to a submission row is conditioned on the version read (optimistic
 * locking). A driver that loses the race re-reads the row; because the envelope is persisted
 * before it is sent, a losing builder has sent nothing, so two envelopes of one attempt can never
 * both be in flight. Envelopes of different attempts cannot both land either: an attempt is only
 * built once the previous one is dead.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Account,
  Asset,
  Claimant,
  FeeBumpTransaction,
  Memo,
  Operation,
  StrKey,
  Transaction,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk';
import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Logger } from 'pino';
import { assert, unreachable } from '../../domain/assert.js';
import { formatAmount, STELLAR_DECIMALS } from '../../domain/money.js';
import type { StellarSubmissionState, StellarSubmissionsTable, Tables } from '../../platform/db/schema.js';
import { ChannelsBusyError, type ChannelLease, type ChannelPool, type SequenceUpdate } from './channels.js';
import type { HorizonPort, LookupOutcome, SubmitOutcome, TransactionCode } from './horizon.js';
import type { Signer } from './signer.js';

export type PaymentMemo =
  | { readonly type: 'none' }
  | { readonly type: 'id'; readonly value: string }
  | { readonly type: 'text'; readonly value: string }
  | { readonly type: 'hash'; readonly value: string };

export type SubmissionOperation = 'payment' | 'create_account' | 'claimable_balance';

/**
 * One delivery. `asset` and `amountStroops` are always what leaves the distribution account:
 * - `payment` (the default): pays them to `destination` (G… or M…).
 * - `create_account`: creates `destination` (G…) with `startingBalanceStroops` of XLM and sends
 *   nothing else (the asset needs a trustline the new account does not have). The request must
 *   say so twice — `asset: 'native'` and `amountStroops === startingBalanceStroops` — so a caller
 *   can never believe it delivered the deposit asset here.
 * - `claimable_balance`: locks them in a claimable balance whose only claimant is `destination`
 *   (G…), unconditionally; the submission then carries the balance id.
 */
export interface PaymentRequest {
  /** Unique per delivery, e.g. `${transactionId}:payout`. Reusing one never pays twice. */
  readonly idempotencyKey: string;
  readonly destination: string;
  /** `native` or `CODE:ISSUER`. */
  readonly asset: string;
  readonly amountStroops: bigint;
  readonly memo: PaymentMemo;
  /** Default `payment`. */
  readonly operation?: SubmissionOperation;
  /** `create_account` only, and required there. */
  readonly startingBalanceStroops?: bigint;
}

export interface Submission {
  readonly idempotencyKey: string;
  readonly operation: SubmissionOperation;
  readonly state: StellarSubmissionState;
  readonly attempt: number;
  /** Hash of the current envelope (the fee bump's when bumped). */
  readonly hash: string;
  readonly innerHash: string;
  readonly channelAccount: string;
  readonly sequence: bigint;
  readonly maxTimeS: number;
  readonly feeStroops: bigint;
  readonly feeBumps: number;
  readonly ledger: number | null;
  readonly transactionCode: string | null;
  readonly operationCodes: readonly string[];
  readonly lastError: string | null;
  /** Horizon's hex of the ClaimableBalanceID XDR; set once a `claimable_balance` succeeded. */
  readonly claimableBalanceId: string | null;
}

export interface SubmitterOptions {
  readonly db: Kysely<Tables>;
  readonly horizon: HorizonPort;
  readonly channels: ChannelPool;
  /** The account paying out: source of every payment operation. */
  readonly distribution: Signer;
  readonly networkPassphrase: string;
  /** Envelope validity: max time = now + this. */
  readonly txValiditySeconds: number;
  /** Highest fee bid per operation, for builds and fee bumps. */
  readonly feeMaxStroops: bigint;
  /** Pause between rounds while an outcome is unknown. */
  readonly pollMs: number;
  /** How long one call keeps resolving before it returns a `pending` submission for later. */
  readonly resolveMsMax: number;
  /** Envelopes built per payment (first build plus rebuilds) before it is failed. */
  readonly attemptsMax: number;
  /** Fee bumps per attempt. */
  readonly feeBumpsMax: number;
  /** A channel lease outlives its envelope's max time by this much (clock skew). */
  readonly leaseMarginSeconds: number;
  readonly logger: Logger;
  /** Local clock in ms; tests inject one. */
  readonly now?: () => number;
}

/** Nothing was built or sent (Horizon unreachable, every channel busy): safe to retry later. */
export class SubmissionDeferredError extends Error {
  override readonly name = 'SubmissionDeferredError';
}

export interface Submitter {
  /**
   * Delivers once per idempotency key (`request.operation`, default `payment`): a repeated call
   * continues the existing submission; one for a different delivery fails an assertion.
   */
  submitPayment(request: PaymentRequest): Promise<Submission>;
  /** Continues a persisted submission (after a crash, or a call that returned pending). */
  resume(idempotencyKey: string): Promise<Submission | undefined>;
  /** The persisted submission, without touching the network. */
  get(idempotencyKey: string): Promise<Submission | undefined>;
}

type Row = Selectable<StellarSubmissionsTable>;
type Changes = Omit<Updateable<StellarSubmissionsTable>, 'id' | 'version' | 'updated_at' | 'resolved_at'>;

/** What one round decided: the row as it now stands, and whether to pause before the next. */
interface Round {
  readonly row: Row;
  readonly wait: boolean;
}

/** Fee of the minimum network bid per operation (rails-notes B7). */
const BASE_FEE_STROOPS = 100n;
const STROOPS_INT64_MAX = 9_223_372_036_854_775_807n;
const IDEMPOTENCY_KEY_LENGTH_MAX = 200;
const MEMO_TEXT_BYTES_MAX = 28;
/** Rounds per call, whatever the clock says: a bound on the loop. */
const ROUNDS_MAX = 1000;
const ERROR_LENGTH_MAX = 2000;

const RESOLVED: ReadonlySet<StellarSubmissionState> = new Set(['succeeded', 'failed']);

/** What a failure verdict means for the envelope. */
type Verdict = 'included_failed' | 'rejected' | 'bad_seq' | 'too_late' | 'insufficient_fee' | 'retry';

/**
 * Pure classification of Horizon's codes (rails-notes B3.3). `included_failed`: the transaction was
 * applied and failed (fee charged, sequence consumed) — final. `rejected`: the envelope itself is
 * invalid (signatures, channel account, malformed) — final, nothing was applied. Anything we cannot
 * read as one of those is retried like an unknown outcome.
 */
export function verdictOf(code: TransactionCode, innerCode: TransactionCode | null): Verdict {
  if (code === 'tx_fee_bump_inner_failed' && innerCode !== null) return verdictOf(innerCode, null);
  switch (code) {
    case 'tx_failed':
    case 'tx_fee_bump_inner_failed':
      return 'included_failed';
    case 'tx_bad_seq':
      return 'bad_seq';
    case 'tx_too_late':
      return 'too_late';
    case 'tx_insufficient_fee':
      return 'insufficient_fee';
    case 'tx_bad_auth':
    case 'tx_bad_auth_extra':
    case 'tx_insufficient_balance':
    case 'tx_no_source_account':
    case 'tx_missing_operation':
    case 'tx_malformed':
    case 'tx_not_supported':
    case 'tx_bad_sponsorship':
    case 'tx_bad_minseq_age_or_gap':
    case 'tx_soroban_invalid':
    case 'tx_frozen_key_accessed':
      return 'rejected';
    case 'tx_success':
    case 'tx_fee_bump_inner_success':
    case 'tx_too_early':
    case 'tx_internal_error':
    case 'tx_unrecognized':
      return 'retry';
    default:
      return unreachable(code, 'unhandled transaction code');
  }
}

/** Fee bid per operation for a new build: recent p90, at least the base fee, at most the cap. */
export function buildFeeStroops(p90: bigint | null, base: bigint | null, cap: bigint): bigint {
  if (p90 === null || base === null) return cap;
  const wanted = [p90, base, BASE_FEE_STROOPS].reduce((a, b) => (a > b ? a : b));
  return wanted < cap ? wanted : cap;
}

/** Fee-bump bid per operation: at least double the current bid or recent p99, at most the cap; null when capped. */
export function bumpFeeStroops(currentPerOp: bigint, p99: bigint | null, cap: bigint): bigint | null {
  const doubled = currentPerOp * 2n;
  const wanted = p99 !== null && p99 > doubled ? p99 : doubled;
  const bid = wanted < cap ? wanted : cap;
  return bid > currentPerOp ? bid : null;
}

export function createSubmitter(options: SubmitterOptions): Submitter {
  const { db, horizon, channels, logger } = options;
  const now = options.now ?? Date.now;
  assert(
    options.feeMaxStroops >= BASE_FEE_STROOPS,
    `the fee cap must be at least ${BASE_FEE_STROOPS} stroops`,
  );
  assert(options.txValiditySeconds >= 5, 'transactions must be valid for at least one ledger (5 s)');
  assert(options.attemptsMax >= 1 && options.attemptsMax <= 100, 'attemptsMax must be within 1..100');
  assert(options.feeBumpsMax >= 0 && options.feeBumpsMax <= 100, 'feeBumpsMax must be within 0..100');
  const leaseSeconds = options.txValiditySeconds + options.leaseMarginSeconds;

  // --- persistence ----------------------------------------------------------------------------

  async function load(idempotencyKey: string): Promise<Row | undefined> {
    return db
      .selectFrom('stellar_submissions')
      .selectAll()
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
  }

  async function reload(row: Row): Promise<Row> {
    return db
      .selectFrom('stellar_submissions')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
  }

  /**
   * The only writer of a submission row: fenced on the version read, so it returns undefined when
   * another driver moved the row first. `resolve` stamps the resolution time (database clock).
   */
  async function write(row: Row, changes: Changes, resolve = false): Promise<Row | undefined> {
    let query = db
      .updateTable('stellar_submissions')
      .set(changes)
      .set({ version: row.version + 1, updated_at: sql<Date>`now()` })
      .where('id', '=', row.id)
      .where('version', '=', row.version);
    if (resolve) query = query.set({ resolved_at: sql<Date>`now()` });
    return query.returningAll().executeTakeFirst();
  }

  // --- building -------------------------------------------------------------------------------

  function holderOf(idempotencyKey: string, attempt: number): string {
    return `${idempotencyKey}#${attempt}`;
  }

  async function nextSequence(lease: ChannelLease): Promise<bigint | undefined> {
    if (lease.sequence !== null) return lease.sequence + 1n;
    const account = await horizon.loadAccount(lease.account);
    if (account.kind !== 'found') return undefined;
    await channels.recordSequence(lease.account, lease.holder, {
      kind: 'observed',
      sequence: account.sequence,
    });
    return account.sequence + 1n;
  }

  async function feeForBuild(): Promise<bigint> {
    const stats = await horizon.feeStats();
    if (stats.kind !== 'ok') return options.feeMaxStroops;
    return buildFeeStroops(
      stats.stats.feeChargedP90Stroops,
      stats.stats.lastLedgerBaseFeeStroops,
      options.feeMaxStroops,
    );
  }

  interface Built {
    readonly envelopeXdr: string;
    readonly hash: string;
    readonly sequence: bigint;
    readonly maxTimeS: number;
    readonly feeStroops: bigint;
  }

  function sign(
    request: PaymentRequest,
    lease: ChannelLease,
    sequence: bigint,
    feePerOp: bigint,
    networkNowS: number,
  ): Built {
    // Time bounds from our clock, but never behind the network's: a rebuilt envelope must outlive
    // the ledger time that declared its predecessor dead.
    const maxTimeS = Math.max(Math.floor(now() / 1000), networkNowS) + options.txValiditySeconds;
    // The builder uses sequence + 1 of the account it is given.
    const source = new Account(lease.account, (sequence - 1n).toString());
    const tx = new TransactionBuilder(source, {
      fee: feePerOp.toString(),
      networkPassphrase: options.networkPassphrase,
      timebounds: { minTime: 0, maxTime: maxTimeS },
      memo: memoOf(request.memo),
    })
      .addOperation(operationOf(request, options.distribution.publicKey))
      .build();
    assert(tx.sequence === sequence.toString(), 'built transaction carries the intended sequence');
    lease.signer.sign(tx);
    options.distribution.sign(tx);
    return { envelopeXdr: tx.toXdr(), hash: hashOf(tx), sequence, maxTimeS, feeStroops: BigInt(tx.fee) };
  }

  /** Leases a channel and signs the payment; undefined (lease released) when Horizon cannot say the sequence. */
  async function build(
    request: PaymentRequest,
    attempt: number,
    networkNowS = 0,
  ): Promise<{ lease: ChannelLease; built: Built } | undefined> {
    const lease = await channels.lease(holderOf(request.idempotencyKey, attempt), leaseSeconds);
    try {
      const sequence = await nextSequence(lease);
      if (sequence === undefined) {
        await channels.release(lease.account, lease.holder, { kind: 'unchanged' });
        return undefined;
      }
      return { lease, built: sign(request, lease, sequence, await feeForBuild(), networkNowS) };
    } catch (error) {
      await channels.release(lease.account, lease.holder, { kind: 'unchanged' });
      throw error;
    }
  }

  /**
   * Persists the first envelope and its history record in ONE statement (a data-modifying CTE):
   * atomic without a transaction, and one round trip on the hot path.
   */
  async function insertFirst(
    request: PaymentRequest,
    lease: ChannelLease,
    built: Built,
  ): Promise<Row | undefined> {
    return db
      .with('s', (qb) =>
        qb
          .insertInto('stellar_submissions')
          .values({
            idempotency_key: request.idempotencyKey,
            state: 'built',
            operation: operationOfRequest(request),
            starting_balance_stroops: request.startingBalanceStroops ?? null,
            destination: request.destination,
            asset: request.asset,
            amount_stroops: request.amountStroops,
            memo_type: request.memo.type,
            memo_value: request.memo.type === 'none' ? null : request.memo.value,
            channel_account: lease.account,
            sequence: built.sequence,
            envelope_xdr: built.envelopeXdr,
            hash: built.hash,
            inner_hash: built.hash,
            max_time: BigInt(built.maxTimeS),
            fee_stroops: built.feeStroops,
          })
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .returningAll(),
      )
      .with('e', (qb) =>
        qb
          .insertInto('stellar_submission_envelopes')
          .columns([
            'submission_id',
            'attempt',
            'kind',
            'hash',
            'inner_hash',
            'channel_account',
            'sequence',
            'max_time',
            'fee_stroops',
            'envelope_xdr',
          ])
          .expression((eb) =>
            eb
              .selectFrom('s')
              .select([
                's.id',
                's.attempt',
                sql.lit('transaction').as('kind'),
                's.hash',
                's.inner_hash',
                's.channel_account',
                's.sequence',
                's.max_time',
                's.fee_stroops',
                's.envelope_xdr',
              ]),
          ),
      )
      .selectFrom('s')
      .selectAll()
      .executeTakeFirst();
  }

  async function recordEnvelope(
    trx: Kysely<Tables>,
    row: Row,
    kind: 'transaction' | 'fee_bump',
  ): Promise<void> {
    await trx
      .insertInto('stellar_submission_envelopes')
      .values({
        submission_id: row.id,
        attempt: row.attempt,
        kind,
        hash: row.hash,
        inner_hash: row.inner_hash,
        channel_account: row.channel_account,
        sequence: row.sequence,
        max_time: row.max_time,
        fee_stroops: row.fee_stroops,
        envelope_xdr: row.envelope_xdr,
      })
      .execute();
  }

  /** Replaces the current envelope (a rebuild or a fee bump) and records it, in one transaction. */
  async function replaceEnvelope(
    row: Row,
    changes: Changes,
    kind: 'transaction' | 'fee_bump',
  ): Promise<Row | undefined> {
    return db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('stellar_submissions')
        .set(changes)
        .set({ version: row.version + 1, updated_at: sql<Date>`now()` })
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .returningAll()
        .executeTakeFirst();
      if (updated !== undefined) await recordEnvelope(trx, updated, kind);
      return updated;
    });
  }

  // --- the rounds -----------------------------------------------------------------------------

  async function conclude(
    row: Row,
    outcome: {
      state: 'succeeded' | 'failed';
      ledger?: number;
      resultXdr?: string | null;
      transactionCode?: string;
      operationCodes?: readonly string[];
      error?: string;
    },
    sequence: SequenceUpdate,
  ): Promise<Round> {
    const concluded = await write(
      row,
      {
        state: outcome.state,
        ledger: outcome.ledger ?? null,
        result_xdr: outcome.resultXdr ?? null,
        transaction_code: outcome.transactionCode ?? null,
        operation_codes: outcome.operationCodes === undefined ? null : JSON.stringify(outcome.operationCodes),
        last_error: outcome.error === undefined ? null : outcome.error.slice(0, ERROR_LENGTH_MAX),
        claimable_balance_id:
          outcome.state === 'succeeded' && row.operation === 'claimable_balance'
            ? claimableBalanceIdOf(row, outcome.resultXdr ?? null)
            : null,
      },
      true,
    );
    await channels.release(row.channel_account, holderOf(row.idempotency_key, row.attempt), sequence);
    if (concluded === undefined) return { row: await reload(row), wait: false };
    logger.info(
      {
        idempotencyKey: row.idempotency_key,
        operation: row.operation,
        state: outcome.state,
        hash: row.hash,
        attempt: row.attempt,
        transactionCode: outcome.transactionCode,
        claimableBalanceId: concluded.claimable_balance_id,
      },
      'stellar payment resolved',
    );
    return { row: concluded, wait: false };
  }

  /**
   * The id of the balance a succeeded `claimable_balance` created, read from the network's result.
   * It is also a pure function of the envelope (transaction source, sequence, operation index), so
   * the two must agree; the envelope alone answers when a lookup returned no result XDR.
   */
  function claimableBalanceIdOf(row: Row, resultXdr: string | null): string {
    const envelope = TransactionBuilder.fromXdr(row.envelope_xdr, options.networkPassphrase);
    const inner = envelope instanceof FeeBumpTransaction ? envelope.innerTransaction : envelope;
    const expected = inner.getClaimableBalanceId(0).toLowerCase();
    const read = resultXdr === null || resultXdr === '' ? null : balanceIdOfResult(resultXdr);
    if (read === null) {
      logger.warn(
        { idempotencyKey: row.idempotency_key, hash: row.hash },
        'claimable balance id not in the result XDR; derived from the envelope',
      );
      return expected;
    }
    assert(read === expected, 'the network created the claimable balance our envelope defines');
    return read;
  }

  function concludeFound(row: Row, found: Extract<LookupOutcome, { kind: 'found' }>): Promise<Round> {
    const consumed: SequenceUpdate = { kind: 'consumed', sequence: BigInt(row.sequence) };
    if (found.successful)
      return conclude(
        row,
        { state: 'succeeded', ledger: found.ledger, resultXdr: found.resultXdr },
        consumed,
      );
    return conclude(
      row,
      { state: 'failed', ledger: found.ledger, resultXdr: found.resultXdr, transactionCode: 'tx_failed' },
      consumed,
    );
  }

  /** Looks up every hash of the current attempt (a fee bump and its inner transaction share one sequence). */
  async function lookup(row: Row): Promise<LookupOutcome> {
    const hashes = row.hash === row.inner_hash ? [row.hash] : [row.hash, row.inner_hash];
    let unknown: LookupOutcome | undefined;
    for (const hash of hashes) {
      const found = await horizon.transactionByHash(hash);
      if (found.kind === 'found') return found;
      if (found.kind === 'unknown') unknown = found;
    }
    return unknown ?? { kind: 'not_found' };
  }

  /**
   * Has the envelope landed, or is it dead? The ledger time is read BEFORE the lookup: if Horizon had
   * ingested a ledger closed after max time, any ledger that could include the envelope was ingested
   * earlier, so a lookup made afterwards that finds nothing proves it can never apply.
   */
  async function settle(row: Row, reason: string): Promise<Round> {
    const ledger = await horizon.latestLedger();
    const found = await lookup(row);
    if (found.kind === 'found') return concludeFound(row, found);
    if (found.kind === 'unknown') return { row, wait: true };
    if (ledger.kind === 'ok' && ledger.closedAtS > Number(row.max_time))
      return rebuild(row, { kind: 'unchanged' }, reason, ledger.closedAtS);
    return { row, wait: true };
  }

  /** Records an unknown outcome; undefined when another driver moved the row first. */
  async function markPending(row: Row, cause: string): Promise<Row | undefined> {
    const lastError = cause.slice(0, ERROR_LENGTH_MAX);
    if (row.state === 'pending' && row.last_error === lastError) return row;
    return write(row, { state: 'pending', last_error: lastError });
  }

  /** Unknown outcome: record it, then find out whether the envelope landed or died. */
  async function onUnknown(row: Row, cause: string, reason = 'expired'): Promise<Round> {
    const pending = await markPending(row, cause);
    if (pending === undefined) return { row: await reload(row), wait: false };
    return settle(pending, reason);
  }

  /** Waits without settling (e.g. a rebuild found no channel): the next round resubmits. */
  async function waitPending(row: Row, cause: string): Promise<Round> {
    const pending = await markPending(row, cause);
    return { row: pending ?? (await reload(row)), wait: pending !== undefined };
  }

  /**
   * `tx_bad_seq`: the channel's sequence is not the envelope's predecessor. If the channel is at or
   * past the envelope's sequence, that sequence was consumed — by our envelope (then the lookup finds
   * it) or by another transaction (then ours can never apply and is rebuilt). If the channel is
   * behind, the envelope could still apply later: it is treated like an unknown outcome.
   */
  async function onBadSeq(row: Row): Promise<Round> {
    const account = await horizon.loadAccount(row.channel_account);
    if (account.kind !== 'found') return onUnknown(row, 'tx_bad_seq; channel account unreadable');
    if (account.sequence < BigInt(row.sequence))
      return onUnknown(row, 'tx_bad_seq with the channel behind the envelope');
    const found = await lookup(row);
    if (found.kind === 'found') return concludeFound(row, found);
    if (found.kind === 'unknown') return onUnknown(row, 'tx_bad_seq; lookup failed');
    return rebuild(row, { kind: 'observed', sequence: account.sequence }, 'tx_bad_seq');
  }

  /** Rebuilds a dead envelope as the next attempt (fresh channel lease, sequence, fee, time bounds). */
  async function rebuild(
    row: Row,
    channelUpdate: SequenceUpdate,
    reason: string,
    networkNowS = 0,
  ): Promise<Round> {
    const holder = holderOf(row.idempotency_key, row.attempt);
    if (row.attempt >= options.attemptsMax) {
      return conclude(
        row,
        {
          state: 'failed',
          transactionCode: reason,
          error: `attempts exhausted (${row.attempt}); last: ${reason}`,
        },
        channelUpdate,
      );
    }
    await channels.release(row.channel_account, holder, channelUpdate);
    const request = requestOf(row);
    let next: Awaited<ReturnType<typeof build>>;
    try {
      next = await build(request, row.attempt + 1, networkNowS);
    } catch (error) {
      if (error instanceof ChannelsBusyError) return waitPending(row, `rebuild waits: ${error.message}`);
      throw error;
    }
    if (next === undefined) return waitPending(row, 'rebuild waits: channel sequence unknown');
    const { lease, built } = next;
    assert(built.hash !== row.hash, 'a rebuilt envelope differs from the dead one');
    const replaced = await replaceEnvelope(
      row,
      {
        state: 'built',
        attempt: row.attempt + 1,
        channel_account: lease.account,
        sequence: built.sequence.toString(),
        envelope_xdr: built.envelopeXdr,
        hash: built.hash,
        inner_hash: built.hash,
        max_time: String(built.maxTimeS),
        fee_stroops: built.feeStroops.toString(),
        fee_bumps: 0,
        last_error: reason,
      },
      'transaction',
    );
    if (replaced === undefined) {
      // Another driver moved the row first; this envelope was never sent.
      await channels.release(lease.account, lease.holder, { kind: 'unchanged' });
      return { row: await reload(row), wait: false };
    }
    logger.warn(
      {
        idempotencyKey: row.idempotency_key,
        attempt: replaced.attempt,
        previousHash: row.hash,
        hash: replaced.hash,
        reason,
      },
      'stellar payment rebuilt: the previous envelope can never apply',
    );
    return { row: replaced, wait: false };
  }

  /** Wraps the persisted inner transaction in a fee bump paid by the channel account. */
  async function feeBump(row: Row): Promise<Round> {
    const signer = channels.signerOf(row.channel_account);
    if (row.fee_bumps >= options.feeBumpsMax || signer === undefined)
      return onUnknown(row, 'tx_insufficient_fee; fee bump not possible');
    const envelope = TransactionBuilder.fromXdr(row.envelope_xdr, options.networkPassphrase);
    const inner = envelope instanceof FeeBumpTransaction ? envelope.innerTransaction : envelope;
    const operations = BigInt(inner.operations.length);
    const currentPerOp =
      envelope instanceof FeeBumpTransaction
        ? BigInt(envelope.fee) / (operations + 1n)
        : BigInt(inner.fee) / operations;
    const stats = await horizon.feeStats();
    const p99 = stats.kind === 'ok' ? stats.stats.feeChargedP99Stroops : null;
    const bid = bumpFeeStroops(currentPerOp, p99, options.feeMaxStroops);
    if (bid === null)
      return onUnknown(
        row,
        `tx_insufficient_fee at the fee cap (${options.feeMaxStroops} stroops per operation)`,
      );
    const bump = TransactionBuilder.buildFeeBumpTransaction(
      signer.publicKey,
      bid.toString(),
      inner,
      options.networkPassphrase,
    );
    signer.sign(bump);
    assert(hashOf(inner) === row.inner_hash, 'a fee bump wraps the persisted inner transaction');
    const replaced = await replaceEnvelope(
      row,
      {
        state: 'built',
        envelope_xdr: bump.toXdr(),
        hash: hashOf(bump),
        fee_stroops: bump.fee,
        fee_bumps: row.fee_bumps + 1,
        last_error: 'tx_insufficient_fee',
      },
      'fee_bump',
    );
    if (replaced === undefined) return { row: await reload(row), wait: false };
    logger.warn(
      {
        idempotencyKey: row.idempotency_key,
        hash: replaced.hash,
        innerHash: row.inner_hash,
        feeStroops: bump.fee,
      },
      'stellar payment fee-bumped',
    );
    return { row: replaced, wait: false };
  }

  async function onFailed(row: Row, outcome: Extract<SubmitOutcome, { kind: 'failed' }>): Promise<Round> {
    const verdict = verdictOf(outcome.transactionCode, outcome.innerTransactionCode);
    const failure = {
      state: 'failed' as const,
      resultXdr: outcome.resultXdr,
      transactionCode: outcome.innerTransactionCode ?? outcome.transactionCode,
      operationCodes: outcome.operationCodes,
      error: outcome.detail,
    };
    switch (verdict) {
      case 'included_failed':
        return conclude(row, failure, { kind: 'consumed', sequence: BigInt(row.sequence) });
      case 'rejected':
        return conclude(row, failure, { kind: 'unknown' });
      case 'bad_seq':
        return onBadSeq(row);
      case 'too_late':
        return onUnknown(row, 'tx_too_late', 'tx_too_late');
      case 'insufficient_fee':
        return feeBump(row);
      case 'retry':
        return onUnknown(row, outcome.detail);
      default:
        return unreachable(verdict);
    }
  }

  /** One round: (re)submit the current envelope and act on the answer. */
  async function round(current: Row): Promise<Round> {
    let row = current;
    if (row.state === 'built') {
      const sent = await write(row, { state: 'submitted' });
      if (sent === undefined) return { row: await reload(row), wait: false };
      row = sent;
    }
    const outcome = await horizon.submit(row.envelope_xdr);
    switch (outcome.kind) {
      case 'success':
        assert(outcome.hash === row.hash, 'Horizon confirmed the envelope that was sent');
        return conclude(
          row,
          { state: 'succeeded', ledger: outcome.ledger, resultXdr: outcome.resultXdr },
          { kind: 'consumed', sequence: BigInt(row.sequence) },
        );
      case 'failed':
        return onFailed(row, outcome);
      case 'unknown':
        return onUnknown(row, outcome.cause);
      default:
        return unreachable(outcome);
    }
  }

  /** Drives a submission until it is resolved or this call's time is up (then it stays pending). */
  async function drive(initial: Row): Promise<Submission> {
    const deadline = now() + options.resolveMsMax;
    let row = initial;
    try {
      for (let rounds = 0; rounds < ROUNDS_MAX && !RESOLVED.has(row.state); rounds += 1) {
        if (rounds > 0 && now() >= deadline) break;
        const next = await round(row);
        row = next.row;
        if (next.wait && !RESOLVED.has(row.state)) {
          await sleep(Math.max(0, Math.min(options.pollMs, deadline - now())));
        }
      }
    } finally {
      // Still open: keep the database lease (its envelope may land) but free this process's slot.
      if (!RESOLVED.has(row.state))
        channels.detach(row.channel_account, holderOf(row.idempotency_key, row.attempt));
    }
    if (!RESOLVED.has(row.state)) {
      logger.info(
        { idempotencyKey: row.idempotency_key, state: row.state, hash: row.hash, lastError: row.last_error },
        'stellar payment unresolved for now',
      );
    }
    return toSubmission(row);
  }

  return {
    async submitPayment(request) {
      validateRequest(request);
      const existing = await load(request.idempotencyKey);
      if (existing !== undefined) {
        assertSameRequest(existing, request);
        return drive(existing);
      }
      let next: Awaited<ReturnType<typeof build>>;
      try {
        next = await build(request, 1);
      } catch (error) {
        if (error instanceof ChannelsBusyError) throw new SubmissionDeferredError(error.message);
        throw error;
      }
      if (next === undefined)
        throw new SubmissionDeferredError('the channel account could not be loaded from Horizon');
      let inserted: Row | undefined;
      try {
        inserted = await insertFirst(request, next.lease, next.built);
      } catch (error) {
        // Nothing persisted, nothing sent: the database lease runs out on its own.
        channels.detach(next.lease.account, next.lease.holder);
        throw error;
      }
      if (inserted === undefined) {
        // A concurrent call persisted this payment first; ours was never sent.
        await channels.release(next.lease.account, next.lease.holder, { kind: 'unchanged' });
        const winner = await load(request.idempotencyKey);
        assert(winner !== undefined, 'a conflicting submission exists');
        assertSameRequest(winner, request);
        return drive(winner);
      }
      logger.info(
        {
          idempotencyKey: request.idempotencyKey,
          operation: inserted.operation,
          hash: inserted.hash,
          channel: inserted.channel_account,
        },
        'stellar payment built',
      );
      return drive(inserted);
    },

    async resume(idempotencyKey) {
      const row = await load(idempotencyKey);
      return row === undefined ? undefined : drive(row);
    },

    async get(idempotencyKey) {
      const row = await load(idempotencyKey);
      return row === undefined ? undefined : toSubmission(row);
    },
  };
}

// --- pure helpers -------------------------------------------------------------------------------

export function hashOf(tx: Transaction | FeeBumpTransaction): string {
  return Buffer.from(tx.hash()).toString('hex');
}

function memoOf(memo: PaymentMemo): Memo {
  switch (memo.type) {
    case 'none':
      return Memo.none();
    case 'id':
      return Memo.id(memo.value);
    case 'text':
      return Memo.text(memo.value);
    case 'hash':
      return Memo.hash(memo.value);
    default:
      return unreachable(memo);
  }
}

function operationOfRequest(request: PaymentRequest): SubmissionOperation {
  return request.operation ?? 'payment';
}

/** The one operation a delivery consists of; the distribution account is its source. */
function operationOf(request: PaymentRequest, distribution: string): xdr.Operation {
  const operation = operationOfRequest(request);
  switch (operation) {
    case 'payment':
      return Operation.payment({
        destination: request.destination,
        asset: assetOf(request.asset),
        amount: formatAmount(request.amountStroops, STELLAR_DECIMALS),
        source: distribution,
      });
    case 'create_account':
      assert(request.startingBalanceStroops !== undefined, 'create_account carries a starting balance');
      return Operation.createAccount({
        destination: request.destination,
        startingBalance: formatAmount(request.startingBalanceStroops, STELLAR_DECIMALS),
        source: distribution,
      });
    case 'claimable_balance':
      return Operation.createClaimableBalance({
        asset: assetOf(request.asset),
        amount: formatAmount(request.amountStroops, STELLAR_DECIMALS),
        claimants: [new Claimant(request.destination, Claimant.predicateUnconditional())],
        source: distribution,
      });
    default:
      return unreachable(operation, 'unknown submission operation');
  }
}

/**
 * The balance id in a successful single-operation `createClaimableBalance` result (plain or fee
 * bump), as Horizon prints it: hex of the ClaimableBalanceID XDR. Null when the XDR says otherwise.
 */
export function balanceIdOfResult(resultXdr: string): string | null {
  let result: xdr.TransactionResult;
  try {
    result = xdr.TransactionResult.fromXdr(resultXdr, 'base64');
  } catch {
    // Unreadable XDR is Horizon's operating error, not ours: the caller falls back to the envelope.
    return null;
  }
  const outer = result.result;
  const body = outer.type === 'txFeeBumpInnerSuccess' ? outer.innerResultPair.result.result : outer;
  if (body.type !== 'txSuccess') return null;
  const first = body.results[0];
  if (first?.type !== 'opInner' || first.tr.type !== 'createClaimableBalance') return null;
  const created = first.tr.createClaimableBalanceResult;
  if (created.type !== 'createClaimableBalanceSuccess') return null;
  return created.balanceId.toXdr('hex');
}

function assetOf(asset: string): Asset {
  if (asset === 'native') return Asset.native();
  const [code, issuer] = asset.split(':');
  assert(code !== undefined && issuer !== undefined, 'asset is native or CODE:ISSUER');
  return new Asset(code, issuer);
}

function validateRequest(request: PaymentRequest): void {
  const key = request.idempotencyKey;
  assert(key.length >= 1 && key.length <= IDEMPOTENCY_KEY_LENGTH_MAX, 'idempotency key length');
  assert(
    StrKey.isValidEd25519PublicKey(request.destination) ||
      StrKey.isValidMed25519PublicKey(request.destination),
    'destination is a G… or M… account',
  );
  validateOperation(request);
  assert(
    request.amountStroops > 0n && request.amountStroops <= STROOPS_INT64_MAX,
    'amount within 1..int64 stroops',
  );
  if (request.asset !== 'native') {
    const [code, issuer, extra] = request.asset.split(':');
    assert(code !== undefined && /^[A-Za-z0-9]{1,12}$/.test(code), 'asset code is 1–12 letters or digits');
    assert(
      issuer !== undefined && StrKey.isValidEd25519PublicKey(issuer) && extra === undefined,
      'asset issuer is a G… account',
    );
  }
  const memo = request.memo;
  if (memo.type === 'id')
    assert(/^\d{1,20}$/.test(memo.value) && BigInt(memo.value) < 2n ** 64n, 'memo id is a uint64');
  if (memo.type === 'text')
    assert(Buffer.byteLength(memo.value, 'utf8') <= MEMO_TEXT_BYTES_MAX, 'memo text is at most 28 bytes');
  if (memo.type === 'hash') assert(/^[0-9a-f]{64}$/.test(memo.value), 'memo hash is 64 hex digits');
}

/** The operation's own rules (see `PaymentRequest`). */
function validateOperation(request: PaymentRequest): void {
  const operation = operationOfRequest(request);
  switch (operation) {
    case 'payment':
      assert(request.startingBalanceStroops === undefined, 'only create_account takes a starting balance');
      return;
    case 'create_account':
      assert(request.startingBalanceStroops !== undefined, 'create_account needs startingBalanceStroops');
      assert(
        request.asset === 'native' && request.amountStroops === request.startingBalanceStroops,
        'create_account moves XLM only: asset native, amount = starting balance',
      );
      // An account id, not a muxed one: createAccount's destination is an AccountID.
      assert(StrKey.isValidEd25519PublicKey(request.destination), 'create_account creates a G… account');
      return;
    case 'claimable_balance':
      assert(request.startingBalanceStroops === undefined, 'only create_account takes a starting balance');
      // A claimant is an AccountID: a muxed address cannot claim.
      assert(StrKey.isValidEd25519PublicKey(request.destination), 'a claimable balance names a G… claimant');
      return;
    default:
      unreachable(operation, 'unknown submission operation');
  }
}

function requestOf(row: Row): PaymentRequest {
  const memo: PaymentMemo =
    row.memo_type === 'none' ? { type: 'none' } : { type: row.memo_type, value: row.memo_value ?? '' };
  const request: PaymentRequest = {
    idempotencyKey: row.idempotency_key,
    operation: row.operation,
    destination: row.destination,
    asset: row.asset,
    amountStroops: BigInt(row.amount_stroops),
    memo,
  };
  return row.starting_balance_stroops === null
    ? request
    : { ...request, startingBalanceStroops: BigInt(row.starting_balance_stroops) };
}

/** Reusing a key for a different payment is a bug upstream: it must never pay either silently. */
function assertSameRequest(row: Row, request: PaymentRequest): void {
  const stored = requestOf(row);
  assert(
    operationOfRequest(stored) === operationOfRequest(request) &&
      stored.startingBalanceStroops === request.startingBalanceStroops &&
      stored.destination === request.destination &&
      stored.asset === request.asset &&
      stored.amountStroops === request.amountStroops &&
      JSON.stringify(stored.memo) === JSON.stringify(request.memo),
    `idempotency key ${request.idempotencyKey} was already used for a different payment`,
  );
}

function toSubmission(row: Row): Submission {
  const codes: unknown = row.operation_codes;
  return {
    idempotencyKey: row.idempotency_key,
    operation: row.operation,
    state: row.state,
    attempt: row.attempt,
    hash: row.hash,
    innerHash: row.inner_hash,
    channelAccount: row.channel_account,
    sequence: BigInt(row.sequence),
    maxTimeS: Number(row.max_time),
    feeStroops: BigInt(row.fee_stroops),
    feeBumps: row.fee_bumps,
    ledger: row.ledger,
    transactionCode: row.transaction_code,
    operationCodes: Array.isArray(codes) ? codes.filter((c): c is string => typeof c === 'string') : [],
    lastError: row.last_error,
    claimableBalanceId: row.claimable_balance_id,
  };
}
