/**
 * The simulated network: ledger entries, the open ledger's accepted transactions, ledger close,
 * and ingestion into history. A transaction is applied to the entries when it is accepted (so a
 * second transaction from the same account sees the new sequence), becomes part of a ledger at the
 * next close, and is visible through `/transactions` and `/payments` only once that ledger is
 * ingested (after the ingestion delay).
 */
import { FeeBumpTransaction, Keypair, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk';
import { assert } from '../../domain/assert.js';
import { STROOPS_PER_XLM } from './amounts.js';
import { History, toid, type MemoRecord, type PaymentRecord, type TransactionRecord } from './history.js';
import { baseAccountId, type RateTable } from './ledger-rules.js';
import type { Applied } from './operations.js';
import { paymentDraft } from './payment-drafts.js';
import { isSuccessful, resultCodes, resultXdr, type TxResult } from './results.js';
import { LedgerEntries, newAccount } from './state.js';
import { processEnvelope, type Envelope } from './transactions.js';

/** The first ledger after genesis; the root account exists from ledger 1. */
const GENESIS_LEDGER = 1;
/** Total lumens held by the network root (the friendbot's source): 100 billion XLM. */
const ROOT_BALANCE_STROOPS = 100_000_000_000n * STROOPS_PER_XLM;

export interface NetworkOptions {
  readonly passphrase: string;
  readonly rates: RateTable;
  readonly clockMs: () => number;
  readonly historyRecordsMax: number;
  /** Accepted-but-not-closed transactions; beyond this a submission gets TRY_AGAIN_LATER. */
  readonly pendingMax: number;
  readonly transactionsPerLedgerMax: number;
  /** Submitters waiting for ingestion at once. */
  readonly waitersMax: number;
}

interface Accepted {
  readonly hash: string;
  readonly envelope: Envelope;
  readonly envelopeXdr: string;
  readonly result: TxResult;
  readonly applied: readonly (Applied | undefined)[];
}

interface ClosedLedger {
  readonly ledger: number;
  readonly closedAtSec: number;
  readonly ingestAtMs: number;
  readonly records: readonly { transaction: TransactionRecord; payments: readonly PaymentRecord[] }[];
}

export type SubmitResult =
  | { readonly kind: 'malformed' }
  | { readonly kind: 'known'; readonly hash: string; readonly stage: 'open' | 'closed' | 'ingested' }
  | {
      readonly kind: 'rejected';
      readonly hash: string;
      readonly result: TxResult;
      readonly resultXdr: string;
    }
  | { readonly kind: 'accepted'; readonly hash: string }
  | { readonly kind: 'queue_full'; readonly hash: string };

type Waiter = (record: TransactionRecord | undefined) => void;

export type IngestListener = (payments: readonly PaymentRecord[]) => void;

export class Network {
  readonly entries = new LedgerEntries();
  readonly root: Keypair;
  history: History;
  private latestClosedLedger = GENESIS_LEDGER;
  private latestClosedAtSec: number;
  private latestIngestedLedger = GENESIS_LEDGER;
  private latestIngestedAtSec: number;
  private accepted: Accepted[] = [];
  private readonly acceptedByHash = new Map<string, Accepted>();
  private readonly closedByHash = new Map<string, TransactionRecord>();
  private closedQueue: ClosedLedger[] = [];
  private ingestionTimer: NodeJS.Timeout | undefined;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private waiterCount = 0;
  /** One listener (the SSE hub); set once by the server. */
  onIngest: IngestListener | undefined;
  /** Delay between a ledger's close and its ingestion (fault switch). */
  ingestionDelayMs = 0;

  constructor(private readonly options: NetworkOptions) {
    this.root = Keypair.master(options.passphrase);
    this.history = new History(options.historyRecordsMax);
    this.latestClosedAtSec = this.nowSec();
    this.latestIngestedAtSec = this.latestClosedAtSec;
    this.createGenesis();
  }

  get passphrase(): string {
    return this.options.passphrase;
  }

  nowSec(): number {
    return Math.floor(this.options.clockMs() / 1000);
  }

  /** The ledger a transaction accepted now will close in. */
  openLedger(): number {
    return this.latestClosedLedger + 1;
  }

  status(): {
    closed: number;
    closedAtSec: number;
    ingested: number;
    ingestedAtSec: number;
    pending: number;
  } {
    return {
      closed: this.latestClosedLedger,
      closedAtSec: this.latestClosedAtSec,
      ingested: this.latestIngestedLedger,
      ingestedAtSec: this.latestIngestedAtSec,
      pending: this.accepted.length,
    };
  }

  private createGenesis(): void {
    const rootId = this.root.publicKey();
    this.entries.accounts.set(
      rootId,
      newAccount(rootId, ROOT_BALANCE_STROOPS, GENESIS_LEDGER, this.nowSec()),
    );
  }

  decode(envelopeXdr: string): Envelope | undefined {
    try {
      return TransactionBuilder.fromXdr(envelopeXdr, this.options.passphrase);
    } catch {
      return undefined;
    }
  }

  /** Submits one envelope to the open ledger. `injectedCode` comes from the fault switch. */
  submit(envelopeXdr: string, injectedCode?: string): SubmitResult & { injectionUsed?: boolean } {
    const envelope = this.decode(envelopeXdr);
    if (envelope === undefined) return { kind: 'malformed' };
    const hash = Buffer.from(envelope.hash()).toString('hex');
    const known = this.stageOf(hash);
    if (known !== undefined) return { kind: 'known', hash, stage: known };
    if (this.accepted.length >= this.options.pendingMax) return { kind: 'queue_full', hash };
    const ctx = {
      entries: this.entries,
      rates: this.options.rates,
      ledger: this.openLedger(),
      closeTimeSec: Math.max(this.nowSec(), this.latestClosedAtSec),
    };
    const processed = processEnvelope(ctx, envelope, injectedCode === undefined ? {} : { injectedCode });
    const outcome = processed.outcome;
    if (outcome.kind === 'rejected') {
      const xdr = resultXdr(outcome.result);
      return {
        kind: 'rejected',
        hash,
        result: outcome.result,
        resultXdr: xdr,
        injectionUsed: processed.injectionUsed,
      };
    }
    const accepted: Accepted = {
      hash,
      envelope,
      envelopeXdr,
      result: outcome.result,
      applied: outcome.applied,
    };
    this.accepted.push(accepted);
    this.acceptedByHash.set(hash, accepted);
    return { kind: 'accepted', hash, injectionUsed: processed.injectionUsed };
  }

  private stageOf(hash: string): 'open' | 'closed' | 'ingested' | undefined {
    if (this.acceptedByHash.has(hash)) return 'open';
    if (this.closedByHash.has(hash)) return 'closed';
    if (this.history.transaction(hash) !== undefined) return 'ingested';
    return undefined;
  }

  /** Closes the open ledger (even when empty, as Stellar does) and schedules its ingestion. */
  closeLedger(): number {
    const ledger = this.latestClosedLedger + 1;
    const closedAtSec = Math.max(this.nowSec(), this.latestClosedAtSec);
    const batch = this.accepted.splice(0, this.options.transactionsPerLedgerMax);
    const records = batch.map((accepted, index) => this.finalize(accepted, ledger, index + 1, closedAtSec));
    for (const accepted of batch) this.acceptedByHash.delete(accepted.hash);
    for (const record of records) this.closedByHash.set(record.transaction.hash, record.transaction);
    this.latestClosedLedger = ledger;
    this.latestClosedAtSec = closedAtSec;
    this.closedQueue.push({
      ledger,
      closedAtSec,
      ingestAtMs: this.options.clockMs() + this.ingestionDelayMs,
      records,
    });
    this.drainIngestion();
    return ledger;
  }

  private finalize(
    accepted: Accepted,
    ledger: number,
    order: number,
    closedAtSec: number,
  ): { transaction: TransactionRecord; payments: PaymentRecord[] } {
    const envelope = accepted.envelope;
    const tx: Transaction = envelope instanceof FeeBumpTransaction ? envelope.innerTransaction : envelope;
    const successful = isSuccessful(accepted.result);
    const transaction: TransactionRecord = {
      hash: accepted.hash,
      ledger,
      pagingToken: toid(ledger, order, 0),
      closedAtSec,
      successful,
      envelopeXdr: accepted.envelopeXdr,
      resultXdr: resultXdr(accepted.result),
      resultCodes: resultCodes(accepted.result),
      sourceAccount: baseAccountId(tx.source),
      sourceAccountSequence: tx.sequence,
      feeAccount: baseAccountId(envelope instanceof FeeBumpTransaction ? envelope.feeSource : tx.source),
      feeChargedStroops: accepted.result.feeChargedStroops,
      maxFeeStroops: BigInt(envelope.fee),
      operationCount: tx.operations.length,
      memo: memoOf(tx),
      signatures: signaturesOf(envelope),
      ...(tx.timeBounds === undefined ? {} : { timeBounds: { ...tx.timeBounds } }),
      ...(envelope instanceof FeeBumpTransaction
        ? {
            feeBump: {
              hash: accepted.hash,
              signatures: signaturesOf(envelope),
              innerHash: Buffer.from(tx.hash()).toString('hex'),
              innerSignatures: signaturesOf(tx),
              innerMaxFeeStroops: BigInt(tx.fee),
            },
          }
        : {}),
    };
    const payments: PaymentRecord[] = [];
    tx.operations.forEach((op, index) => {
      const source = baseAccountId(op.source ?? tx.source);
      const draft = paymentDraft(op, source, accepted.applied[index]);
      if (draft === undefined) return;
      payments.push({
        ...draft,
        id: toid(ledger, order, index + 1),
        transactionHash: accepted.hash,
        transactionSuccessful: successful,
        createdAtSec: closedAtSec,
      });
    });
    return { transaction, payments };
  }

  private drainIngestion(): void {
    const now = this.options.clockMs();
    let head = this.closedQueue[0];
    while (head !== undefined && head.ingestAtMs <= now) {
      this.closedQueue.shift();
      this.ingest(head);
      head = this.closedQueue[0];
    }
    if (this.ingestionTimer !== undefined) clearTimeout(this.ingestionTimer);
    this.ingestionTimer = undefined;
    if (head === undefined) return;
    this.ingestionTimer = setTimeout(() => {
      this.drainIngestion();
    }, head.ingestAtMs - now);
    this.ingestionTimer.unref();
  }

  private ingest(closed: ClosedLedger): void {
    const payments: PaymentRecord[] = [];
    for (const { transaction, payments: ops } of closed.records) {
      this.history.add(transaction, ops);
      this.closedByHash.delete(transaction.hash);
      payments.push(...ops);
    }
    this.latestIngestedLedger = closed.ledger;
    this.latestIngestedAtSec = closed.closedAtSec;
    for (const { transaction } of closed.records) this.resolveWaiters(transaction);
    if (payments.length > 0) this.onIngest?.(payments);
  }

  private resolveWaiters(transaction: TransactionRecord): void {
    const hashes = [transaction.hash];
    if (transaction.feeBump !== undefined) hashes.push(transaction.feeBump.innerHash);
    for (const hash of hashes) {
      const waiting = this.waiters.get(hash);
      if (waiting === undefined) continue;
      this.waiters.delete(hash);
      this.waiterCount -= waiting.size;
      for (const resolve of waiting) resolve(transaction);
    }
  }

  /**
   * Resolves with the ingested record, or undefined after `timeoutMs` (or when too many wait
   * already: the caller then answers as Horizon does on a submission timeout).
   */
  waitForIngestion(hash: string, timeoutMs: number): Promise<TransactionRecord | undefined> {
    const ingested = this.history.transaction(hash);
    if (ingested !== undefined) return Promise.resolve(ingested);
    if (this.waiterCount >= this.options.waitersMax) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiting = this.waiters.get(hash) ?? new Set<Waiter>();
      this.waiters.set(hash, waiting);
      this.waiterCount += 1;
      const waiter: Waiter = (record) => {
        clearTimeout(timer);
        resolve(record);
      };
      const timer = setTimeout(() => {
        if (waiting.delete(waiter)) this.waiterCount -= 1;
        if (waiting.size === 0 && this.waiters.get(hash) === waiting) this.waiters.delete(hash);
        resolve(undefined);
      }, timeoutMs);
      waiting.add(waiter);
    });
  }

  /** Forgets everything and starts again from genesis; waiting submitters get no record. */
  reset(): void {
    if (this.ingestionTimer !== undefined) clearTimeout(this.ingestionTimer);
    this.ingestionTimer = undefined;
    for (const waiting of this.waiters.values()) for (const resolve of waiting) resolve(undefined);
    this.waiters.clear();
    this.waiterCount = 0;
    this.entries.clear();
    this.history = new History(this.options.historyRecordsMax);
    this.accepted = [];
    this.acceptedByHash.clear();
    this.closedByHash.clear();
    this.closedQueue = [];
    this.latestClosedLedger = GENESIS_LEDGER;
    this.latestIngestedLedger = GENESIS_LEDGER;
    this.latestClosedAtSec = this.nowSec();
    this.latestIngestedAtSec = this.latestClosedAtSec;
    this.createGenesis();
  }

  stop(): void {
    if (this.ingestionTimer !== undefined) clearTimeout(this.ingestionTimer);
    this.ingestionTimer = undefined;
    for (const waiting of this.waiters.values()) for (const resolve of waiting) resolve(undefined);
    this.waiters.clear();
    this.waiterCount = 0;
    assert(this.waiters.size === 0, 'no submitter is left waiting after stop');
  }
}

function memoOf(tx: Transaction): MemoRecord {
  const memo = tx.memo;
  switch (memo.type) {
    case 'none':
      return { type: 'none' };
    case 'id':
      return { type: 'id', value: String(memo.value) };
    case 'text': {
      const value = memo.value as Uint8Array | string;
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
      return { type: 'text', value: bytes.toString('utf8'), bytes: bytes.toString('base64') };
    }
    case 'hash':
    case 'return':
      return { type: memo.type, value: Buffer.from(memo.value as Uint8Array).toString('base64') };
    default:
      return { type: 'none' };
  }
}

function signaturesOf(envelope: Envelope): string[] {
  return envelope.signatures.map((s) => Buffer.from(s.signature.value).toString('base64'));
}
