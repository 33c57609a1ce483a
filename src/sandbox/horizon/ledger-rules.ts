/**
 * Small pure rules the operation appliers share: moving balances with Stellar's trustline and
 * reserve checks, claim predicates, the conversion rate table and muxed-address handling.
 */
import { MuxedAccount, xdr } from '@stellar/stellar-sdk';
import { convertAtRate, parseRate, STELLAR_DECIMALS, type Rate } from '../../domain/money.js';
import { assetCode, assetIssuer, isNative, type AssetKey } from './assets.js';
import { STROOPS_MAX } from './amounts.js';
import { availableNativeStroops, type Overlay, type Predicate } from './state.js';

/** A G… account id for a G… or M… address (a muxed address names an account plus a sub-id). */
export function baseAccountId(address: string): string {
  if (!address.startsWith('M')) return address;
  return MuxedAccount.fromAddress(address, '0').baseAccount().accountId();
}

export function muxedId(address: string): string | undefined {
  if (!address.startsWith('M')) return undefined;
  return MuxedAccount.fromAddress(address, '0').id();
}

export type CreditFailure = 'op_no_destination' | 'op_no_trust' | 'op_not_authorized' | 'op_line_full';
export type DebitFailure = 'op_src_no_trust' | 'op_src_not_authorized' | 'op_underfunded';

/** Adds `amount` of `asset` to `accountId`; an issuer receiving its own asset burns it. */
export function credit(
  overlay: Overlay,
  accountId: string,
  asset: AssetKey,
  amountStroops: bigint,
): CreditFailure | undefined {
  const account = overlay.mutableAccount(accountId);
  if (account === undefined) return 'op_no_destination';
  if (isNative(asset)) {
    if (account.balanceStroops + amountStroops > STROOPS_MAX) return 'op_line_full';
    account.balanceStroops += amountStroops;
    return undefined;
  }
  if (assetIssuer(asset) === accountId) return undefined;
  const line = account.trustlines.get(asset);
  if (line === undefined) return 'op_no_trust';
  if (!line.authorized) return 'op_not_authorized';
  if (line.balanceStroops + amountStroops > line.limitStroops) return 'op_line_full';
  line.balanceStroops += amountStroops;
  return undefined;
}

/** Takes `amount` of `asset` from `accountId`; an issuer sending its own asset issues it (no limit). */
export function debit(
  overlay: Overlay,
  accountId: string,
  asset: AssetKey,
  amountStroops: bigint,
): DebitFailure | undefined {
  const account = overlay.mutableAccount(accountId);
  if (account === undefined) return 'op_underfunded';
  if (isNative(asset)) {
    if (availableNativeStroops(account) < amountStroops) return 'op_underfunded';
    account.balanceStroops -= amountStroops;
    return undefined;
  }
  if (assetIssuer(asset) === accountId) return undefined;
  const line = account.trustlines.get(asset);
  if (line === undefined) return 'op_src_no_trust';
  if (!line.authorized) return 'op_src_not_authorized';
  if (line.balanceStroops < amountStroops) return 'op_underfunded';
  line.balanceStroops -= amountStroops;
  return undefined;
}

/** Stellar nests predicates at most 4 deep; deeper ones are malformed. */
const PREDICATE_DEPTH_MAX = 4;

/** Converts an XDR predicate, fixing relative times against the creating ledger's close time. */
export function predicateOf(
  wire: xdr.ClaimPredicateWire,
  closeTimeSec: number,
  depth = 1,
): Predicate | undefined {
  if (depth > PREDICATE_DEPTH_MAX) return undefined;
  switch (wire.type) {
    case 0:
      return { kind: 'unconditional' };
    case 1:
    case 2: {
      const parts = wire.type === 1 ? wire.andPredicates : wire.orPredicates;
      if (parts.length !== 2) return undefined;
      const predicates: Predicate[] = [];
      for (const part of parts) {
        const converted = predicateOf(part, closeTimeSec, depth + 1);
        if (converted === undefined) return undefined;
        predicates.push(converted);
      }
      return { kind: wire.type === 1 ? 'and' : 'or', predicates };
    }
    case 3: {
      if (wire.notPredicate === null) return undefined;
      const inner = predicateOf(wire.notPredicate, closeTimeSec, depth + 1);
      return inner === undefined ? undefined : { kind: 'not', predicate: inner };
    }
    case 4:
      return wire.absBefore < 0n ? undefined : { kind: 'before', epochSec: wire.absBefore };
    case 5:
      return wire.relBefore < 0n
        ? undefined
        : { kind: 'before', epochSec: BigInt(closeTimeSec) + wire.relBefore };
  }
}

export function predicateHolds(predicate: Predicate, closeTimeSec: number): boolean {
  switch (predicate.kind) {
    case 'unconditional':
      return true;
    case 'and':
      return predicate.predicates.every((p) => predicateHolds(p, closeTimeSec));
    case 'or':
      return predicate.predicates.some((p) => predicateHolds(p, closeTimeSec));
    case 'not':
      return !predicateHolds(predicate.predicate, closeTimeSec);
    case 'before':
      return BigInt(closeTimeSec) < predicate.epochSec;
  }
}

/** Horizon's JSON for a predicate (`abs_before` as RFC 3339 plus `abs_before_epoch`). */
export function predicateJson(predicate: Predicate): Record<string, unknown> {
  switch (predicate.kind) {
    case 'unconditional':
      return { unconditional: true };
    case 'and':
      return { and: predicate.predicates.map(predicateJson) };
    case 'or':
      return { or: predicate.predicates.map(predicateJson) };
    case 'not':
      return { not: predicateJson(predicate.predicate) };
    case 'before':
      return {
        abs_before: new Date(Number(predicate.epochSec) * 1000).toISOString().replace('.000Z', 'Z'),
        abs_before_epoch: predicate.epochSec.toString(),
      };
  }
}

/**
 * Direct conversion prices for path payments, keyed by asset code: "USDC/NGNC" → NGNC per USDC.
 * The inverse direction uses the reciprocal. There is no order book: a configured pair always
 * has liquidity, an unconfigured one fails with `op_too_few_offers`.
 */
export class RateTable {
  private readonly rates = new Map<string, Rate>();

  constructor(table: Readonly<Record<string, string>>) {
    for (const [pair, text] of Object.entries(table)) {
      const [from, to, ...rest] = pair.split('/');
      if (from === undefined || to === undefined || rest.length > 0 || from === '' || to === '')
        throw new Error(`rate pair must look like "USDC/NGNC": ${pair}`);
      const parsed = parseRate(text);
      if (!parsed.ok) throw new Error(`rate for ${pair}: ${parsed.error}`);
      this.rates.set(`${from}/${to}`, parsed.rate);
    }
  }

  /** Target per source unit, or undefined when the pair is not configured. */
  rate(source: AssetKey, target: AssetKey): Rate | undefined {
    if (source === target) return { numerator: 1n, denominator: 1n };
    const from = assetCode(source);
    const to = assetCode(target);
    const direct = this.rates.get(`${from}/${to}`);
    if (direct !== undefined) return direct;
    const inverse = this.rates.get(`${to}/${from}`);
    if (inverse === undefined) return undefined;
    return { numerator: inverse.denominator, denominator: inverse.numerator };
  }

  /** Target stroops for `amount` source stroops, rounded as the caller's side of the trade needs. */
  convert(amountStroops: bigint, rate: Rate, rounding: 'floor' | 'ceil'): bigint {
    return convertAtRate(amountStroops, STELLAR_DECIMALS, rate, STELLAR_DECIMALS, rounding);
  }
}

export function signerType(key: string): string {
  if (key.startsWith('X')) return 'sha256_hash';
  if (key.startsWith('T')) return 'preauth_tx';
  if (key.startsWith('P')) return 'ed25519_signed_payload';
  return 'ed25519_public_key';
}
