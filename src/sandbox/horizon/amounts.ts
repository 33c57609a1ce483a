/**
 * Stellar amounts on the wire: 7-decimal strings ("12.5000000") for int64 stroop counts. The
 * double keeps every amount as bigint stroops and renders it only at the HTTP edge.
 */
import { formatAmount, parseAmount, STELLAR_DECIMALS } from '../../domain/money.js';

/** int64 max: the largest balance or limit Stellar can hold ("922337203685.4775807"). */
export const STROOPS_MAX = 9_223_372_036_854_775_807n;
export const STROOPS_PER_XLM = 10_000_000n;
/** Base reserve 0.5 XLM (testnet and mainnet today). */
export const BASE_RESERVE_STROOPS = 5_000_000n;
/** The network's minimum inclusion fee per operation. */
export const BASE_FEE_STROOPS = 100n;

export function formatStroops(stroops: bigint): string {
  return formatAmount(stroops, STELLAR_DECIMALS);
}

/** Parses an SDK-decoded amount ("12.5000000"); undefined when it is not a valid non-negative amount. */
export function parseStroops(text: string): bigint | undefined {
  const parsed = parseAmount(text, STELLAR_DECIMALS, { allowZero: true });
  if (!parsed.ok) return undefined;
  if (parsed.minor > STROOPS_MAX) return undefined;
  return parsed.minor;
}
