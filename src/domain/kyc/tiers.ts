/**
 * KYC tiers and the limits they allow, for the flows to enforce. Tier 0: nothing verified, no
 * money moves. Tier 1: name, mobile, date of birth and a registered identity number (BVN or NIN),
 * all accepted. Tier 2: tier 1 plus an address and a photo ID. Limits are kobo (bigint), set by
 * the operator in naira (settings KYC_TIER*_…).
 */
import { ADDRESS_FIELDS, IDENTITY_FIELDS, type FieldName } from './fields.js';
import { REGISTERED_ID_TYPES } from './identity.js';
import type { KycSnapshot } from './status.js';

export type KycTier = 0 | 1 | 2;
export const KYC_TIERS: readonly KycTier[] = [0, 1, 2];

export interface TierLimits {
  readonly perTransactionKobo: bigint;
  readonly perDayKobo: bigint;
  readonly perMonthKobo: bigint;
}

export type TierLimitTable = Readonly<Record<KycTier, TierLimits>>;

const NO_LIMITS: TierLimits = { perTransactionKobo: 0n, perDayKobo: 0n, perMonthKobo: 0n };

function allAccepted(snapshot: KycSnapshot, names: readonly FieldName[]): boolean {
  return names.every((name) => snapshot.provided[name]?.status === 'ACCEPTED');
}

export function tierOf(customer: KycSnapshot): KycTier {
  if (customer.rejectedMessage !== null) return 0;
  if (customer.idType === null || !REGISTERED_ID_TYPES.includes(customer.idType)) return 0;
  if (!allAccepted(customer, IDENTITY_FIELDS)) return 0;
  return allAccepted(customer, ADDRESS_FIELDS) ? 2 : 1;
}

export function limitsFor(tier: KycTier, table: TierLimitTable): TierLimits {
  return tier === 0 ? NO_LIMITS : table[tier];
}

/** Builds the table from naira amounts (whole naira, as the settings hold them). */
export function tierLimitTable(naira: {
  readonly tier1: { readonly perTransaction: number; readonly perDay: number; readonly perMonth: number };
  readonly tier2: { readonly perTransaction: number; readonly perDay: number; readonly perMonth: number };
}): TierLimitTable {
  const kobo = (amount: number): bigint => BigInt(amount) * 100n;
  const limits = (t: typeof naira.tier1): TierLimits => ({
    perTransactionKobo: kobo(t.perTransaction),
    perDayKobo: kobo(t.perDay),
    perMonthKobo: kobo(t.perMonth),
  });
  return { 0: NO_LIMITS, 1: limits(naira.tier1), 2: limits(naira.tier2) };
}
