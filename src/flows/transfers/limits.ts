/**
 * KYC tiers applied to money: who the customer is (their SEP-12 record), which tier that gives,
 * and whether one more naira amount fits their per-transaction, per-day and per-month limits.
 * Days and months are counted in Lagos time (UTC+1, no daylight saving), as the customer lives them.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Tables } from '../../platform/db/schema.js';
import { limitsFor, tierOf, type KycTier, type TierLimits } from '../../domain/kyc/index.js';
import { customerBySubject, fieldRows, snapshotOf, type CustomerRow } from '../../sep/sep12/store.js';
import type { KycSnapshot } from '../../domain/kyc/index.js';
import { formatAmount } from '../../domain/money.js';
import type { TransferDeps } from './deps.js';

type Db = Kysely<Tables> | Transaction<Tables>;

export interface CustomerStanding {
  readonly customer: CustomerRow | undefined;
  readonly snapshot: KycSnapshot;
  readonly tier: KycTier;
  readonly limits: TierLimits;
}

export async function customerStanding(
  deps: Pick<TransferDeps, 'tierLimits'>,
  db: Db,
  subject: string,
): Promise<CustomerStanding> {
  const customer = await customerBySubject(db, subject);
  const live = customer !== undefined && customer.erased_at === null ? customer : undefined;
  const snapshot = snapshotOf(live, live === undefined ? [] : await fieldRows(db, live.id));
  const tier = tierOf(snapshot);
  return { customer: live, snapshot, tier, limits: limitsFor(tier, deps.tierLimits) };
}

export interface Usage {
  readonly dayKobo: bigint;
  readonly monthKobo: bigint;
}

/** Naira this customer has paid in (funded deposits) today and this month, Lagos time. */
export function depositUsage(db: Db, customerId: string, excludeTransactionId?: string): Promise<Usage> {
  return usage(db, customerId, 'deposit', sql<string>`amount_in_minor`, excludeTransactionId);
}

/** Naira this customer has been paid out (funded withdrawals, fee included) today and this month. */
export function withdrawalUsage(db: Db, customerId: string, excludeTransactionId?: string): Promise<Usage> {
  return usage(
    db,
    customerId,
    'withdrawal',
    sql<string>`coalesce(amount_out_minor, 0) + coalesce(amount_fee_minor, 0)`,
    excludeTransactionId,
  );
}

async function usage(
  db: Db,
  customerId: string,
  kind: 'deposit' | 'withdrawal',
  naira: RawBuilder<string>,
  excludeTransactionId: string | undefined,
): Promise<Usage> {
  const row = await db
    .selectFrom('transactions')
    .select([
      sql<string>`coalesce(sum(${naira}) filter (where funds_received_at >= date_trunc('day', now() at time zone 'Africa/Lagos') at time zone 'Africa/Lagos'), 0)`.as(
        'day',
      ),
      sql<string>`coalesce(sum(${naira}), 0)`.as('month'),
    ])
    .where('customer_id', '=', customerId)
    .where('kind', '=', kind)
    .where('funds_received_at', 'is not', null)
    .where(
      'funds_received_at',
      '>=',
      sql<Date>`date_trunc('month', now() at time zone 'Africa/Lagos') at time zone 'Africa/Lagos'`,
    )
    .$if(excludeTransactionId !== undefined, (q) => q.where('id', '!=', excludeTransactionId ?? ''))
    .executeTakeFirstOrThrow();
  return { dayKobo: BigInt(row.day), monthKobo: BigInt(row.month) };
}

export type LimitCheck = { ok: true } | { ok: false; reason: string };

const naira = (kobo: bigint): string => `₦${formatAmount(kobo, 2)}`;

/** Pure: does `amountKobo` fit the limits, given what was already used? */
export function checkLimits(limits: TierLimits, usage: Usage, amountKobo: bigint): LimitCheck {
  if (limits.perTransactionKobo === 0n)
    return { ok: false, reason: 'identity verification is needed before any naira can move' };
  if (amountKobo > limits.perTransactionKobo)
    return { ok: false, reason: `above the limit of ${naira(limits.perTransactionKobo)} per transaction` };
  if (usage.dayKobo + amountKobo > limits.perDayKobo)
    return {
      ok: false,
      reason: `above the daily limit of ${naira(limits.perDayKobo)} (${naira(usage.dayKobo)} used today)`,
    };
  if (usage.monthKobo + amountKobo > limits.perMonthKobo)
    return {
      ok: false,
      reason: `above the monthly limit of ${naira(limits.perMonthKobo)} (${naira(usage.monthKobo)} used this month)`,
    };
  return { ok: true };
}
