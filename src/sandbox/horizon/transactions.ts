/**
 * What stellar-core does with one envelope: `checkValid` (a failure rejects it: no fee, no
 * sequence, nothing recorded) and, once valid, inclusion (fee charged and sequence consumed even
 * if an operation then fails) with all-or-nothing operations.
 */
import { FeeBumpTransaction, Transaction, type OperationRecord } from '@stellar/stellar-sdk';
import { assert } from '../../domain/assert.js';
import { BASE_FEE_STROOPS } from './amounts.js';
import { baseAccountId, type RateTable } from './ledger-rules.js';
import {
  applyOperation,
  checkOperation,
  kindOf,
  NOT_SUPPORTED,
  thresholdOf,
  type Applied,
} from './operations.js';
import {
  OP_BAD_AUTH,
  OP_NO_SOURCE_ACCOUNT,
  opCodeOf,
  opFailure,
  opSuccess,
  TX,
  txCodeOf,
  type InnerResult,
  type OpResult,
  type TxResult,
} from './results.js';
import { SignatureChecker } from './signatures.js';
import { availableNativeStroops, Overlay, type LedgerEntries } from './state.js';

/** Stellar's limit on operations per transaction. */
export const OPERATIONS_PER_TX_MAX = 100;

export interface LedgerContext {
  readonly entries: LedgerEntries;
  readonly rates: RateTable;
  /** The ledger a transaction accepted now will close in. */
  readonly ledger: number;
  readonly closeTimeSec: number;
}

export type Envelope = Transaction | FeeBumpTransaction;

export type Outcome =
  | { readonly kind: 'rejected'; readonly result: TxResult }
  | {
      readonly kind: 'included';
      readonly result: TxResult;
      readonly applied: readonly (Applied | undefined)[];
    };

function hexHash(tx: Envelope): string {
  return Buffer.from(tx.hash()).toString('hex');
}

function feeFor(operationCount: number): bigint {
  return BASE_FEE_STROOPS * BigInt(operationCount);
}

/** Default result slots: Stellar leaves the operations after a failing one at their success value. */
function defaultResults(ops: readonly OperationRecord[]): OpResult[] {
  return ops.map((op) => {
    const kind = kindOf(op);
    return kind === undefined ? NOT_SUPPORTED : opSuccess(kind);
  });
}

/** `checkValid` of a v1 transaction; `feeBumped` skips the fee checks the outer envelope makes. */
function checkTransaction(
  ctx: LedgerContext,
  tx: Transaction,
  checker: SignatureChecker,
  feeBumped: boolean,
): InnerResult | undefined {
  const ops = tx.operations;
  if (ops.length === 0) return { code: TX.missingOperation };
  if (ops.length > OPERATIONS_PER_TX_MAX) return { code: TX.malformed };
  const bounds = tx.timeBounds;
  if (bounds !== undefined) {
    if (Number(bounds.minTime) > ctx.closeTimeSec) return { code: TX.tooEarly };
    if (Number(bounds.maxTime) !== 0 && ctx.closeTimeSec > Number(bounds.maxTime))
      return { code: TX.tooLate };
  }
  if (!feeBumped && BigInt(tx.fee) < feeFor(ops.length)) return { code: TX.insufficientFee };
  const source = ctx.entries.accounts.get(baseAccountId(tx.source));
  if (source === undefined) return { code: TX.noAccount };
  if (BigInt(tx.sequence) !== source.sequence + 1n) return { code: TX.badSeq };
  if (!checker.check(source, source.thresholds.low)) return { code: TX.badAuth };
  if (!feeBumped && availableNativeStroops(source) < feeFor(ops.length))
    return { code: TX.insufficientBalance };
  return checkOperations(ctx, tx, checker);
}

function checkOperations(
  ctx: LedgerContext,
  tx: Transaction,
  checker: SignatureChecker,
): InnerResult | undefined {
  const ops = tx.operations;
  for (let i = 0; i < ops.length; i += 1) {
    const op = ops[i];
    assert(op !== undefined, 'index within operations');
    const failure = checkOne(ctx, tx, op, checker);
    if (failure === undefined) continue;
    const results = defaultResults(ops);
    results[i] = failure;
    return { code: TX.failed, ops: results };
  }
  return undefined;
}

function checkOne(
  ctx: LedgerContext,
  tx: Transaction,
  op: OperationRecord,
  checker: SignatureChecker,
): OpResult | undefined {
  const kind = kindOf(op);
  if (kind === undefined) return NOT_SUPPORTED;
  const sourceId = baseAccountId(op.source ?? tx.source);
  const source = ctx.entries.accounts.get(sourceId);
  if (source === undefined) return { outerCode: OP_NO_SOURCE_ACCOUNT, typeI: kind.typeI, code: 0 };
  const threshold = source.thresholds[thresholdOf(op)];
  if (!checker.check(source, threshold)) return { outerCode: OP_BAD_AUTH, typeI: kind.typeI, code: 0 };
  const malformed = checkOperation(kind, op, sourceId);
  return malformed === undefined ? undefined : opFailure(kind, malformed);
}

/** Charges the fee and consumes the sequence: this happens for every included transaction. */
function chargeFeeAndSequence(ctx: LedgerContext, feeSourceId: string, tx: Transaction, fee: bigint): void {
  const feeSource = ctx.entries.accounts.get(feeSourceId);
  const source = ctx.entries.accounts.get(baseAccountId(tx.source));
  assert(feeSource !== undefined && source !== undefined, 'checkValid proved both accounts exist');
  feeSource.balanceStroops -= fee < feeSource.balanceStroops ? fee : feeSource.balanceStroops;
  source.sequence = BigInt(tx.sequence);
  source.sequenceLedger = ctx.ledger;
  source.sequenceTimeSec = ctx.closeTimeSec;
}

/**
 * An operation failure code injected by the fault switch: it replaces the result of the first
 * operation whose type has that code. Undefined when no operation can carry it.
 */
function injectedFailure(tx: Transaction, code: string): { index: number; result: OpResult } | undefined {
  for (let i = 0; i < tx.operations.length; i += 1) {
    const op = tx.operations[i];
    const kind = op === undefined ? undefined : kindOf(op);
    if (kind === undefined) continue;
    const number = opCodeOf(kind, code);
    if (number !== undefined && number < 0)
      return { index: i, result: { outerCode: 0, typeI: kind.typeI, code: number } };
  }
  return undefined;
}

function applyOperations(
  ctx: LedgerContext,
  tx: Transaction,
  injected: { index: number; result: OpResult } | undefined,
): { inner: InnerResult; applied: (Applied | undefined)[] } {
  const ops = tx.operations;
  const results = defaultResults(ops);
  const applied: (Applied | undefined)[] = ops.map(() => undefined);
  const overlay = new Overlay(ctx.entries);
  const applyContext = {
    overlay,
    ledger: ctx.ledger,
    closeTimeSec: ctx.closeTimeSec,
    rates: ctx.rates,
    sourceAccount: baseAccountId(tx.source),
    claimableBalanceId: (opIndex: number) => tx.getClaimableBalanceId(opIndex).toLowerCase(),
  };
  for (let i = 0; i < ops.length; i += 1) {
    const op = ops[i];
    assert(op !== undefined, 'index within operations');
    const kind = kindOf(op);
    assert(kind !== undefined, 'checkValid refused unsupported operations');
    const sourceId = baseAccountId(op.source ?? tx.source);
    let outcome: Applied;
    if (injected?.index === i) outcome = { result: injected.result };
    else if (overlay.account(sourceId) === undefined)
      outcome = { result: { outerCode: OP_NO_SOURCE_ACCOUNT, typeI: kind.typeI, code: 0 } };
    else outcome = applyOperation(applyContext, kind, op, sourceId, i);
    results[i] = outcome.result;
    applied[i] = outcome;
    const failed = outcome.result.outerCode !== 0 || outcome.result.code !== 0;
    if (failed) return { inner: { code: TX.failed, ops: results }, applied };
  }
  overlay.commit(ctx.ledger, ctx.closeTimeSec);
  return { inner: { code: TX.success, ops: results }, applied };
}

export interface ProcessOptions {
  /** A result code forced by the fault switch (`nextResultCode`). */
  readonly injectedCode?: string;
}

export interface Processed {
  readonly outcome: Outcome;
  /** Whether the injected code found a place in this transaction (else it stays armed). */
  readonly injectionUsed: boolean;
}

/** Validates and, when valid, includes one envelope in the open ledger. */
export function processEnvelope(
  ctx: LedgerContext,
  envelope: Envelope,
  options: ProcessOptions = {},
): Processed {
  const injectedTx = options.injectedCode === undefined ? undefined : txCodeOf(options.injectedCode);
  if (envelope instanceof FeeBumpTransaction)
    return processFeeBump(ctx, envelope, options.injectedCode, injectedTx);
  const fee = feeFor(envelope.operations.length);
  if (injectedTx !== undefined && injectedTx < 0 && injectedTx !== TX.failed)
    return {
      outcome: { kind: 'rejected', result: { feeChargedStroops: fee, code: injectedTx } },
      injectionUsed: true,
    };
  const checker = new SignatureChecker(envelope.hash(), envelope.signatures);
  const rejection = checkTransaction(ctx, envelope, checker, false);
  if (rejection !== undefined) return { outcome: rejected(fee, rejection), injectionUsed: false };
  if (!checker.allUsed()) return { outcome: rejected(fee, { code: TX.badAuthExtra }), injectionUsed: false };
  const injected =
    options.injectedCode === undefined ? undefined : injectedFailure(envelope, options.injectedCode);
  chargeFeeAndSequence(ctx, baseAccountId(envelope.source), envelope, fee);
  const { inner, applied } = applyOperations(ctx, envelope, injected);
  const result: TxResult =
    inner.ops === undefined
      ? { feeChargedStroops: fee, code: inner.code }
      : { feeChargedStroops: fee, code: inner.code, ops: inner.ops };
  return { outcome: { kind: 'included', result, applied }, injectionUsed: injected !== undefined };
}

function rejected(fee: bigint, inner: InnerResult): Outcome {
  const result: TxResult =
    inner.ops === undefined
      ? { feeChargedStroops: fee, code: inner.code }
      : { feeChargedStroops: fee, code: inner.code, ops: inner.ops };
  return { kind: 'rejected', result };
}

function processFeeBump(
  ctx: LedgerContext,
  envelope: FeeBumpTransaction,
  injectedCode: string | undefined,
  injectedTx: number | undefined,
): Processed {
  const inner = envelope.innerTransaction;
  const innerHash = hexHash(inner);
  const opCount = inner.operations.length;
  // A fee bump pays for one more operation than the inner transaction carries (CAP-15).
  const fee = feeFor(opCount + 1);
  const outerFee = BigInt(envelope.fee);
  const bumped = (innerResult: InnerResult, code: number): TxResult => ({
    feeChargedStroops: fee,
    code,
    inner: { hashHex: innerHash, result: innerResult },
  });
  if (injectedTx !== undefined && injectedTx < 0 && injectedTx !== TX.failed) {
    const result = bumped({ code: injectedTx }, TX.feeBumpInnerFailed);
    return { outcome: { kind: 'rejected', result }, injectionUsed: true };
  }
  if (outerFee < fee || outerFee * BigInt(opCount) < BigInt(inner.fee) * BigInt(opCount + 1))
    return { outcome: rejected(fee, { code: TX.insufficientFee }), injectionUsed: false };
  const feeSourceId = baseAccountId(envelope.feeSource);
  const feeSource = ctx.entries.accounts.get(feeSourceId);
  if (feeSource === undefined)
    return { outcome: rejected(fee, { code: TX.noAccount }), injectionUsed: false };
  const outerChecker = new SignatureChecker(envelope.hash(), envelope.signatures);
  if (!outerChecker.check(feeSource, feeSource.thresholds.low))
    return { outcome: rejected(fee, { code: TX.badAuth }), injectionUsed: false };
  if (availableNativeStroops(feeSource) < fee)
    return { outcome: rejected(fee, { code: TX.insufficientBalance }), injectionUsed: false };
  const innerChecker = new SignatureChecker(inner.hash(), inner.signatures);
  const innerRejection = checkTransaction(ctx, inner, innerChecker, true);
  const innerExtra = innerRejection === undefined && !innerChecker.allUsed();
  if (innerRejection !== undefined || innerExtra) {
    const result = bumped(innerRejection ?? { code: TX.badAuthExtra }, TX.feeBumpInnerFailed);
    return { outcome: { kind: 'rejected', result }, injectionUsed: false };
  }
  if (!outerChecker.allUsed())
    return { outcome: rejected(fee, { code: TX.badAuthExtra }), injectionUsed: false };
  const injected = injectedCode === undefined ? undefined : injectedFailure(inner, injectedCode);
  chargeFeeAndSequence(ctx, feeSourceId, inner, fee);
  const applied = applyOperations(ctx, inner, injected);
  const code = applied.inner.code === TX.success ? TX.feeBumpInnerSuccess : TX.feeBumpInnerFailed;
  return {
    outcome: { kind: 'included', result: bumped(applied.inner, code), applied: applied.applied },
    injectionUsed: injected !== undefined,
  };
}
