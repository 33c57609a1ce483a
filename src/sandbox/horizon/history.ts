/**
 * Ingested history: transaction records by hash and payment-type operation records in paging
 * order, queried the way Horizon pages them (cursor, order, limit, include_failed). Bounded: once
 * `recordsMax` is reached the oldest records are dropped, as a Horizon with limited retention does.
 */
import type { ResultCodes } from './results.js';

export interface MemoRecord {
  readonly type: 'none' | 'text' | 'id' | 'hash' | 'return';
  readonly value?: string;
  readonly bytes?: string;
}

export interface TransactionRecord {
  readonly hash: string;
  readonly ledger: number;
  readonly pagingToken: bigint;
  readonly closedAtSec: number;
  readonly successful: boolean;
  readonly envelopeXdr: string;
  readonly resultXdr: string;
  readonly resultCodes: ResultCodes;
  readonly sourceAccount: string;
  readonly sourceAccountSequence: string;
  readonly feeAccount: string;
  readonly feeChargedStroops: bigint;
  readonly maxFeeStroops: bigint;
  readonly operationCount: number;
  readonly memo: MemoRecord;
  readonly signatures: readonly string[];
  readonly timeBounds?: { readonly minTime: string; readonly maxTime: string };
  readonly feeBump?: {
    readonly hash: string;
    readonly signatures: readonly string[];
    readonly innerHash: string;
    readonly innerSignatures: readonly string[];
    readonly innerMaxFeeStroops: bigint;
  };
}

export interface PaymentRecord {
  readonly id: bigint;
  readonly transactionHash: string;
  readonly transactionSuccessful: boolean;
  readonly sourceAccount: string;
  readonly type: string;
  readonly typeI: number;
  readonly createdAtSec: number;
  /** Type-specific Horizon fields (`from`, `to`, `amount`, `funder`, …). */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly participants: ReadonlySet<string>;
}

export type Order = 'asc' | 'desc';

export interface PageQuery {
  readonly cursor: bigint | undefined;
  readonly order: Order;
  readonly limit: number;
  readonly includeFailed: boolean;
}

export class History {
  private readonly transactionsByHash = new Map<string, TransactionRecord>();
  private readonly transactionOrder: TransactionRecord[] = [];
  private readonly payments: PaymentRecord[] = [];

  constructor(private readonly recordsMax: number) {}

  transaction(hash: string): TransactionRecord | undefined {
    return this.transactionsByHash.get(hash);
  }

  transactionCount(): number {
    return this.transactionOrder.length;
  }

  paymentCount(): number {
    return this.payments.length;
  }

  add(transaction: TransactionRecord, payments: readonly PaymentRecord[]): void {
    this.transactionsByHash.set(transaction.hash, transaction);
    if (transaction.feeBump !== undefined)
      this.transactionsByHash.set(transaction.feeBump.innerHash, transaction);
    this.transactionOrder.push(transaction);
    this.payments.push(...payments);
    this.evict();
  }

  private evict(): void {
    while (this.transactionOrder.length > this.recordsMax) {
      const oldest = this.transactionOrder.shift();
      if (oldest === undefined) break;
      this.transactionsByHash.delete(oldest.hash);
      if (oldest.feeBump !== undefined) this.transactionsByHash.delete(oldest.feeBump.innerHash);
    }
    const excess = this.payments.length - this.recordsMax;
    if (excess > 0) this.payments.splice(0, excess);
  }

  paymentsPage(query: PageQuery, matches: (record: PaymentRecord) => boolean): PaymentRecord[] {
    const page: PaymentRecord[] = [];
    const ascending = query.order === 'asc';
    const count = this.payments.length;
    for (let step = 0; step < count && page.length < query.limit; step += 1) {
      const record = this.payments[ascending ? step : count - 1 - step];
      if (record === undefined) continue;
      if (query.cursor !== undefined) {
        if (ascending && record.id <= query.cursor) continue;
        if (!ascending && record.id >= query.cursor) continue;
      }
      if (!query.includeFailed && !record.transactionSuccessful) continue;
      if (matches(record)) page.push(record);
    }
    return page;
  }
}

/** Horizon's TOID: ledger << 32 | transaction order << 12 | operation order (both 1-based). */
export function toid(ledger: number, transactionOrder: number, operationOrder: number): bigint {
  return (BigInt(ledger) << 32n) | (BigInt(transactionOrder) << 12n) | BigInt(operationOrder);
}
