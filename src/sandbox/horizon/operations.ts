/**
 * Operation appliers. `checkOperation` is stellar-core's `doCheckValid` (a failure rejects the
 * whole transaction before inclusion); `applyOperation` is `doApply` against the transaction's
 * overlay (a failure makes the transaction `tx_failed`, and the overlay is discarded).
 */
import { StrKey, type OperationRecord } from '@stellar/stellar-sdk';
import { assert } from '../../domain/assert.js';
import { assetIssuer, assetKeyOf, type AssetKey } from './assets.js';
import { BASE_RESERVE_STROOPS, parseStroops, STROOPS_MAX } from './amounts.js';
import { baseAccountId, credit, debit, predicateHolds, predicateOf, type RateTable } from './ledger-rules.js';
import {
  OP_NOT_SUPPORTED,
  opFailure,
  opKindBySdkType,
  opSuccess,
  type OpKind,
  type OpResult,
} from './results.js';
import { availableNativeStroops, newAccount, type Claimant, type Overlay, type Predicate } from './state.js';

/** Stellar's limits: 20 extra signers, 5 path hops, 32-byte home domain, 4 flag bits. */
const SIGNERS_MAX = 20;
const PATH_LENGTH_MAX = 5;
const HOME_DOMAIN_BYTES_MAX = 32;
const WEIGHT_MAX = 255;
const AUTH_FLAGS_MASK = 0b1111;
const AUTH_IMMUTABLE_FLAG = 0b0100;

export type Threshold = 'low' | 'med' | 'high';

export interface ApplyContext {
  readonly overlay: Overlay;
  /** The ledger the transaction will close in. */
  readonly ledger: number;
  readonly closeTimeSec: number;
  readonly rates: RateTable;
  readonly sourceAccount: string;
  /** Deterministic id of the claimable balance created by operation `opIndex`. */
  readonly claimableBalanceId: (opIndex: number) => string;
}

/** Amounts a path payment actually moved (not known from the operation alone). */
export interface Applied {
  readonly result: OpResult;
  readonly sourceAmountStroops?: bigint;
  readonly destAmountStroops?: bigint;
}

export function kindOf(op: OperationRecord): OpKind | undefined {
  return opKindBySdkType(op.type);
}

/** Result of an operation type the double does not implement (Stellar's `op_not_supported`). */
export const NOT_SUPPORTED: OpResult = { outerCode: OP_NOT_SUPPORTED, typeI: -1, code: 0 };

/** The signing weight an operation needs from its source account (stellar-core `getThresholdLevel`). */
export function thresholdOf(op: OperationRecord): Threshold {
  switch (op.type) {
    case 'claimClaimableBalance':
    case 'allowTrust':
    case 'setTrustLineFlags':
    case 'bumpSequence':
      return 'low';
    case 'accountMerge':
      return 'high';
    case 'setOptions': {
      const changesAuth =
        op.masterWeight !== undefined ||
        op.lowThreshold !== undefined ||
        op.medThreshold !== undefined ||
        op.highThreshold !== undefined ||
        op.signer !== undefined;
      return changesAuth ? 'high' : 'med';
    }
    default:
      return 'med';
  }
}

function amountOf(text: string): bigint {
  const stroops = parseStroops(text);
  assert(stroops !== undefined, `the SDK decoded an invalid amount: ${text}`);
  return stroops;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Failure name when the operation is malformed by itself, without looking at the ledger. */
export function checkOperation(kind: OpKind, op: OperationRecord, source: string): string | undefined {
  switch (op.type) {
    case 'createAccount':
      return baseAccountId(op.destination) === source ? 'op_malformed' : undefined;
    case 'payment':
      return amountOf(op.amount) <= 0n ? 'op_malformed' : undefined;
    case 'pathPaymentStrictReceive':
      if (amountOf(op.destAmount) <= 0n || amountOf(op.sendMax) <= 0n) return 'op_malformed';
      return op.path.length > PATH_LENGTH_MAX ? 'op_malformed' : undefined;
    case 'pathPaymentStrictSend':
      if (amountOf(op.sendAmount) <= 0n || amountOf(op.destMin) <= 0n) return 'op_malformed';
      return op.path.length > PATH_LENGTH_MAX ? 'op_malformed' : undefined;
    case 'changeTrust':
      return checkChangeTrust(op, source);
    case 'setOptions':
      return checkSetOptions(op, source);
    case 'accountMerge':
      return baseAccountId(op.destination) === source ? 'op_malformed' : undefined;
    case 'createClaimableBalance':
      return checkCreateClaimableBalance(op);
    case 'claimClaimableBalance':
      return undefined;
    default:
      assert(false, `checkOperation called for unsupported ${kind.sdkType}`);
  }
}

function checkChangeTrust(
  op: Extract<OperationRecord, { type: 'changeTrust' }>,
  source: string,
): string | undefined {
  if (!('getCode' in op.line)) return 'op_malformed';
  if (op.line.isNative()) return 'op_malformed';
  if (op.line.getIssuer() === source) return 'op_malformed';
  return undefined;
}

function checkSetOptions(
  op: Extract<OperationRecord, { type: 'setOptions' }>,
  source: string,
): string | undefined {
  const weights = [op.masterWeight, op.lowThreshold, op.medThreshold, op.highThreshold];
  if (weights.some((w) => w !== undefined && (w < 0 || w > WEIGHT_MAX))) return 'op_threshold_out_of_range';
  const setFlags = op.setFlags ?? 0;
  const clearFlags = op.clearFlags ?? 0;
  if ((setFlags | clearFlags) & ~AUTH_FLAGS_MASK) return 'op_unknown_flag';
  if (setFlags & clearFlags) return 'op_bad_flags';
  if (op.homeDomain !== undefined && byteLength(op.homeDomain) > HOME_DOMAIN_BYTES_MAX)
    return 'op_invalid_home_domain';
  if (op.signer !== undefined) {
    const weight = Number(op.signer.weight);
    if (!Number.isInteger(weight) || weight < 0 || weight > WEIGHT_MAX) return 'op_bad_signer';
    if (signerKeyOf(op.signer) === source) return 'op_bad_signer';
  }
  return undefined;
}

function checkCreateClaimableBalance(
  op: Extract<OperationRecord, { type: 'createClaimableBalance' }>,
): string | undefined {
  if (amountOf(op.amount) <= 0n) return 'op_malformed';
  if (op.claimants.length === 0) return 'op_malformed';
  const destinations = new Set(op.claimants.map((c) => c.destination));
  if (destinations.size !== op.claimants.length) return 'op_malformed';
  for (const claimant of op.claimants) {
    if (predicateOf(claimant.predicate.toXdrObject(), 0) === undefined) return 'op_malformed';
  }
  return undefined;
}

type SignerOption = NonNullable<Extract<OperationRecord, { type: 'setOptions' }>['signer']>;

/** A signer's strkey: G… (ed25519), X… (sha256 hash), T… (pre-auth tx) or P… (signed payload). */
export function signerKeyOf(signer: SignerOption): string {
  // The SDK's union types make each key "never" on the other variants; read them loosely.
  const keys = signer as {
    ed25519PublicKey?: string;
    ed25519SignedPayload?: string;
    sha256Hash?: Uint8Array | string;
    preAuthTx?: Uint8Array | string;
  };
  if (keys.ed25519PublicKey !== undefined) return keys.ed25519PublicKey;
  if (keys.ed25519SignedPayload !== undefined) return keys.ed25519SignedPayload;
  if (keys.sha256Hash !== undefined) {
    const hash = keys.sha256Hash;
    return typeof hash === 'string' ? hash : StrKey.encodeSha256Hash(hash);
  }
  assert(keys.preAuthTx !== undefined, 'a signer has a key');
  const hash = keys.preAuthTx;
  return typeof hash === 'string' ? hash : StrKey.encodePreAuthTx(hash);
}

/** Applies one checked operation; `opIndex` is its position in the transaction. */
export function applyOperation(
  ctx: ApplyContext,
  kind: OpKind,
  op: OperationRecord,
  source: string,
  opIndex: number,
): Applied {
  switch (op.type) {
    case 'createAccount':
      return {
        result: applyCreateAccount(ctx, kind, source, baseAccountId(op.destination), op.startingBalance),
      };
    case 'payment':
      return { result: applyPayment(ctx, kind, source, op) };
    case 'pathPaymentStrictReceive':
    case 'pathPaymentStrictSend':
      return applyPathPayment(ctx, kind, source, op);
    case 'changeTrust':
      return { result: applyChangeTrust(ctx, kind, source, op) };
    case 'setOptions':
      return { result: applySetOptions(ctx, kind, source, op) };
    case 'accountMerge':
      return { result: applyAccountMerge(ctx, kind, source, baseAccountId(op.destination)) };
    case 'createClaimableBalance':
      return { result: applyCreateClaimableBalance(ctx, kind, source, op, opIndex) };
    case 'claimClaimableBalance':
      return { result: applyClaimClaimableBalance(ctx, kind, source, op.balanceId.toLowerCase()) };
    default:
      assert(false, `applyOperation called for unsupported ${kind.sdkType}`);
  }
}

function applyCreateAccount(
  ctx: ApplyContext,
  kind: OpKind,
  source: string,
  destination: string,
  startingBalance: string,
): OpResult {
  const amount = amountOf(startingBalance);
  if (ctx.overlay.account(destination) !== undefined) return opFailure(kind, 'op_already_exists');
  if (amount < 2n * BASE_RESERVE_STROOPS) return opFailure(kind, 'op_low_reserve');
  const failure = debit(ctx.overlay, source, 'native', amount);
  if (failure !== undefined) return opFailure(kind, 'op_underfunded');
  ctx.overlay.createAccount(newAccount(destination, amount, ctx.ledger, ctx.closeTimeSec));
  return opSuccess(kind);
}

function applyPayment(
  ctx: ApplyContext,
  kind: OpKind,
  source: string,
  op: Extract<OperationRecord, { type: 'payment' }>,
): OpResult {
  const asset = assetKeyOf(op.asset);
  const amount = amountOf(op.amount);
  const creditFailure = credit(ctx.overlay, baseAccountId(op.destination), asset, amount);
  if (creditFailure !== undefined) return opFailure(kind, creditFailure);
  const debitFailure = debit(ctx.overlay, source, asset, amount);
  if (debitFailure !== undefined) return opFailure(kind, debitFailure);
  return opSuccess(kind);
}

type PathPayment = Extract<OperationRecord, { type: 'pathPaymentStrictReceive' | 'pathPaymentStrictSend' }>;

function applyPathPayment(ctx: ApplyContext, kind: OpKind, source: string, op: PathPayment): Applied {
  const destination = baseAccountId(op.destination);
  const sendAsset = assetKeyOf(op.sendAsset);
  const destAsset = assetKeyOf(op.destAsset);
  if (ctx.overlay.account(destination) === undefined) return { result: opFailure(kind, 'op_no_destination') };
  const rate = ctx.rates.rate(sendAsset, destAsset);
  if (rate === undefined) return { result: opFailure(kind, 'op_too_few_offers') };
  let sendAmount: bigint;
  let destAmount: bigint;
  if (op.type === 'pathPaymentStrictReceive') {
    destAmount = amountOf(op.destAmount);
    // The sender pays enough to buy the exact amount: round the source side up.
    sendAmount = ctx.rates.convert(
      destAmount,
      { numerator: rate.denominator, denominator: rate.numerator },
      'ceil',
    );
    if (sendAmount > amountOf(op.sendMax)) return { result: opFailure(kind, 'op_over_source_max') };
  } else {
    sendAmount = amountOf(op.sendAmount);
    // The receiver gets what the exact source amount buys: round the destination side down.
    destAmount = ctx.rates.convert(sendAmount, rate, 'floor');
    if (destAmount < amountOf(op.destMin)) return { result: opFailure(kind, 'op_under_dest_min') };
  }
  if (destAmount > STROOPS_MAX || sendAmount > STROOPS_MAX)
    return { result: opFailure(kind, 'op_line_full') };
  const creditFailure = credit(ctx.overlay, destination, destAsset, destAmount);
  if (creditFailure !== undefined) return { result: opFailure(kind, creditFailure) };
  const debitFailure = debit(ctx.overlay, source, sendAsset, sendAmount);
  if (debitFailure !== undefined) return { result: opFailure(kind, debitFailure) };
  const detail = { kind: 'pathLast', destination, asset: destAsset, amountStroops: destAmount } as const;
  return { result: opSuccess(kind, detail), sourceAmountStroops: sendAmount, destAmountStroops: destAmount };
}

function applyChangeTrust(
  ctx: ApplyContext,
  kind: OpKind,
  source: string,
  op: Extract<OperationRecord, { type: 'changeTrust' }>,
): OpResult {
  assert('getCode' in op.line, 'checkOperation refused liquidity-pool trustlines');
  const asset = assetKeyOf(op.line);
  const limit = amountOf(op.limit);
  const account = ctx.overlay.mutableAccount(source);
  assert(account !== undefined, 'the source account was checked before applying');
  const line = account.trustlines.get(asset);
  if (line !== undefined) {
    if (limit < line.balanceStroops) return opFailure(kind, 'op_invalid_limit');
    if (limit === 0n) account.trustlines.delete(asset);
    else line.limitStroops = limit;
    return opSuccess(kind);
  }
  if (limit === 0n) return opFailure(kind, 'op_invalid_limit');
  const issuer = ctx.overlay.account(assetIssuer(asset) ?? '');
  if (issuer === undefined) return opFailure(kind, 'op_no_issuer');
  if (availableNativeStroops(account, 1) < 0n) return opFailure(kind, 'op_low_reserve');
  account.trustlines.set(asset, {
    balanceStroops: 0n,
    limitStroops: limit,
    authorized: !issuer.flags.authRequired,
    lastModifiedLedger: ctx.ledger,
  });
  return opSuccess(kind);
}

function applySetOptions(
  ctx: ApplyContext,
  kind: OpKind,
  source: string,
  op: Extract<OperationRecord, { type: 'setOptions' }>,
): OpResult {
  const account = ctx.overlay.mutableAccount(source);
  assert(account !== undefined, 'the source account was checked before applying');
  const setFlags = op.setFlags ?? 0;
  const clearFlags = op.clearFlags ?? 0;
  const flagsBefore = flagBits(account.flags);
  if ((setFlags !== 0 || clearFlags !== 0) && (flagsBefore & AUTH_IMMUTABLE_FLAG) !== 0)
    return opFailure(kind, 'op_cant_change');
  if (op.signer !== undefined) {
    const key = signerKeyOf(op.signer);
    const weight = Number(op.signer.weight);
    if (weight === 0) {
      account.signers.delete(key);
    } else if (account.signers.has(key)) {
      account.signers.set(key, weight);
    } else {
      if (account.signers.size >= SIGNERS_MAX) return opFailure(kind, 'op_too_many_signers');
      if (availableNativeStroops(account, 1) < 0n) return opFailure(kind, 'op_low_reserve');
      account.signers.set(key, weight);
    }
  }
  if (op.masterWeight !== undefined) account.masterWeight = op.masterWeight;
  if (op.lowThreshold !== undefined) account.thresholds.low = op.lowThreshold;
  if (op.medThreshold !== undefined) account.thresholds.med = op.medThreshold;
  if (op.highThreshold !== undefined) account.thresholds.high = op.highThreshold;
  if (op.homeDomain !== undefined) account.homeDomain = op.homeDomain;
  const flags = (flagsBefore | setFlags) & ~clearFlags;
  account.flags = {
    authRequired: (flags & 0b0001) !== 0,
    authRevocable: (flags & 0b0010) !== 0,
    authImmutable: (flags & 0b0100) !== 0,
    authClawbackEnabled: (flags & 0b1000) !== 0,
  };
  return opSuccess(kind);
}

function flagBits(flags: {
  authRequired: boolean;
  authRevocable: boolean;
  authImmutable: boolean;
  authClawbackEnabled: boolean;
}): number {
  return (
    (flags.authRequired ? 0b0001 : 0) |
    (flags.authRevocable ? 0b0010 : 0) |
    (flags.authImmutable ? 0b0100 : 0) |
    (flags.authClawbackEnabled ? 0b1000 : 0)
  );
}

function applyAccountMerge(ctx: ApplyContext, kind: OpKind, source: string, destination: string): OpResult {
  const account = ctx.overlay.account(source);
  assert(account !== undefined, 'the source account was checked before applying');
  if (ctx.overlay.account(destination) === undefined) return opFailure(kind, 'op_no_account');
  if (account.flags.authImmutable) return opFailure(kind, 'op_immutable_set');
  if (account.trustlines.size + account.signers.size + account.data.size > 0)
    return opFailure(kind, 'op_has_sub_entries');
  if (account.numSponsoring > 0) return opFailure(kind, 'op_is_sponsor');
  const balance = account.balanceStroops;
  if (credit(ctx.overlay, destination, 'native', balance) !== undefined)
    return opFailure(kind, 'op_dest_full');
  ctx.overlay.deleteAccount(source);
  return opSuccess(kind, { kind: 'mergeBalance', amountStroops: balance });
}

function applyCreateClaimableBalance(
  ctx: ApplyContext,
  kind: OpKind,
  source: string,
  op: Extract<OperationRecord, { type: 'createClaimableBalance' }>,
  opIndex: number,
): OpResult {
  const asset: AssetKey = assetKeyOf(op.asset);
  const amount = amountOf(op.amount);
  const failure = debit(ctx.overlay, source, asset, amount);
  if (failure === 'op_src_no_trust') return opFailure(kind, 'op_no_trust');
  if (failure === 'op_src_not_authorized') return opFailure(kind, 'op_not_authorized');
  if (failure !== undefined) return opFailure(kind, 'op_underfunded');
  // The creator sponsors the entry: one base reserve per claimant stays locked until it is claimed.
  const account = ctx.overlay.mutableAccount(source);
  assert(account !== undefined, 'the source account was checked before applying');
  account.numSponsoring += op.claimants.length;
  if (availableNativeStroops(account) < 0n) return opFailure(kind, 'op_low_reserve');
  const claimants: Claimant[] = op.claimants.map((c) => {
    const predicate: Predicate | undefined = predicateOf(c.predicate.toXdrObject(), ctx.closeTimeSec);
    assert(predicate !== undefined, 'checkOperation refused malformed predicates');
    return { destination: c.destination, predicate };
  });
  const id = ctx.claimableBalanceId(opIndex);
  ctx.overlay.putClaimableBalance({
    id,
    asset,
    amountStroops: amount,
    sponsor: source,
    claimants,
    lastModifiedLedger: ctx.ledger,
    lastModifiedTimeSec: ctx.closeTimeSec,
  });
  return opSuccess(kind, { kind: 'balanceId', balanceIdHex: id });
}

function applyClaimClaimableBalance(ctx: ApplyContext, kind: OpKind, source: string, id: string): OpResult {
  const entry = ctx.overlay.claimableBalance(id);
  if (entry === undefined) return opFailure(kind, 'op_does_not_exist');
  const claimant = entry.claimants.find((c) => c.destination === source);
  if (claimant === undefined || !predicateHolds(claimant.predicate, ctx.closeTimeSec))
    return opFailure(kind, 'op_cannot_claim');
  const failure = credit(ctx.overlay, source, entry.asset, entry.amountStroops);
  if (failure !== undefined)
    return opFailure(kind, failure === 'op_no_destination' ? 'op_no_trust' : failure);
  ctx.overlay.deleteClaimableBalance(id);
  const sponsor = ctx.overlay.mutableAccount(entry.sponsor);
  if (sponsor !== undefined) sponsor.numSponsoring -= entry.claimants.length;
  return opSuccess(kind);
}
