/**
 * The withdrawal's journals (GUIDE §4.6). The asset received on Stellar is owed back to the customer
 * until the naira is paid out; the payout converts through `equity:conversion` (each currency
 * balanced on its own) and earns the fee. A payment that names no open withdrawal is held in
 * suspense until it is refunded. Accounts shared with deposits come from deposit/ledger.ts.
 */
import type { Transaction } from 'kysely';
import type { Tables } from '../../platform/db/schema.js';
import { journal, type Posting } from '../../domain/ledger.js';
import { postJournal, type PostedJournal } from '../../platform/ledger-store.js';
import { CONVERSION, DISTRIBUTION, PAYSTACK_CLEARING, postMovement } from '../deposit/ledger.js';

export const CUSTOMER_WITHDRAWALS = 'liabilities:customers:withdrawals';
export const UNMATCHED_STELLAR = 'liabilities:suspense:unmatched-stellar';
export const WITHDRAWAL_FEES = 'income:fees:withdrawals';
const NGN = 'NGN';

/** `stellar:CODE:ISSUER`, the currency deposits use for the same asset. */
export function ledgerCurrencyOf(railAsset: string): string {
  return railAsset === 'native' ? 'XLM' : `stellar:${railAsset}`;
}

/** An observed payment: owed to the customer of `transactionId`, or held in suspense. */
export function postReceived(
  trx: Transaction<Tables>,
  payment: { readonly id: string; readonly asset: string; readonly amountStroops: bigint },
  transactionId: string | null,
): Promise<PostedJournal> {
  const matched = transactionId !== null;
  return postMovement(trx, {
    debit: DISTRIBUTION,
    credit: matched ? CUSTOMER_WITHDRAWALS : UNMATCHED_STELLAR,
    currency: ledgerCurrencyOf(payment.asset),
    amountMinor: payment.amountStroops,
    reference: `stellar:payment:${payment.id}`,
    description: matched ? 'withdrawal received' : 'payment matched no withdrawal',
    kind: matched ? 'withdrawal.received' : 'withdrawal.unmatched',
    transactionId,
  });
}

export interface PaidOut {
  readonly transactionId: string;
  readonly asset: string;
  readonly amountInStroops: bigint;
  readonly amountOutKobo: bigint;
  readonly feeKobo: bigint;
}

/** The naira left our Paystack balance: the customer is paid, the fee earned. */
export function postPaidOut(trx: Transaction<Tables>, p: PaidOut): Promise<PostedJournal> {
  const currency = p.asset;
  const postings: Posting[] = [
    { account: CUSTOMER_WITHDRAWALS, currency, amountMinor: p.amountInStroops },
    { account: CONVERSION, currency, amountMinor: -p.amountInStroops },
    { account: CONVERSION, currency: NGN, amountMinor: p.amountOutKobo + p.feeKobo },
    { account: PAYSTACK_CLEARING, currency: NGN, amountMinor: -p.amountOutKobo },
    ...(p.feeKobo > 0n ? [{ account: WITHDRAWAL_FEES, currency: NGN, amountMinor: -p.feeKobo }] : []),
  ];
  return postJournal(
    trx,
    journal(postings, {
      reference: `withdrawal:${p.transactionId}:paid-out`,
      description: 'withdrawal paid out',
    }),
    {
      kind: 'withdrawal.paid_out',
      transactionId: p.transactionId,
    },
  );
}

/** The bank reversed a payout: the naira is back in our Paystack balance, owed as the asset again. */
export function postPayoutReversed(trx: Transaction<Tables>, p: PaidOut): Promise<PostedJournal> {
  const currency = p.asset;
  const postings: Posting[] = [
    { account: PAYSTACK_CLEARING, currency: NGN, amountMinor: p.amountOutKobo },
    ...(p.feeKobo > 0n ? [{ account: WITHDRAWAL_FEES, currency: NGN, amountMinor: p.feeKobo }] : []),
    { account: CONVERSION, currency: NGN, amountMinor: -(p.amountOutKobo + p.feeKobo) },
    { account: CONVERSION, currency, amountMinor: p.amountInStroops },
    { account: CUSTOMER_WITHDRAWALS, currency, amountMinor: -p.amountInStroops },
  ];
  return postJournal(
    trx,
    journal(postings, {
      reference: `withdrawal:${p.transactionId}:reversed`,
      description: 'payout reversed by the bank',
    }),
    {
      kind: 'withdrawal.reversed',
      transactionId: p.transactionId,
    },
  );
}

/** The asset went back to the sender on Stellar. */
export function postStellarRefund(
  trx: Transaction<Tables>,
  refund: {
    readonly key: string;
    readonly asset: string;
    readonly amountStroops: bigint;
    readonly fromSuspense: boolean;
    readonly transactionId: string | null;
  },
): Promise<PostedJournal> {
  return postMovement(trx, {
    debit: refund.fromSuspense ? UNMATCHED_STELLAR : CUSTOMER_WITHDRAWALS,
    credit: DISTRIBUTION,
    currency: ledgerCurrencyOf(refund.asset),
    amountMinor: refund.amountStroops,
    reference: `stellar:refund:${refund.key}`,
    description: 'refunded on Stellar',
    kind: 'withdrawal.refunded',
    transactionId: refund.transactionId,
  });
}
