/**
 * The deposit's journals (GUIDE §4.6). Naira received is owed to the customer until the asset is
 * delivered; the fee is earned only on delivery, so a refund returns the whole payment. Delivery
 * converts through `equity:conversion`, which keeps each currency balanced on its own (naira in
 * kobo, the asset in stroops under its SEP-38 id).
 */
import type { Transaction } from 'kysely';
import type { Tables } from '../../platform/db/schema.js';
import { journal } from '../../domain/ledger.js';
import { postJournal, type PostedJournal } from '../../platform/ledger-store.js';

export const PAYSTACK_CLEARING = 'assets:paystack:clearing';
export const CUSTOMER_DEPOSITS = 'liabilities:customers:deposits';
export const UNMATCHED_PAYMENTS = 'liabilities:suspense:unmatched-payments';
export const DEPOSIT_FEES = 'income:fees:deposits';
export const CONVERSION = 'equity:conversion';
export const DISTRIBUTION = 'assets:stellar:distribution';
export const ACCOUNT_CREATION = 'expenses:stellar:account-creation';
const NGN = 'NGN';

/** One movement between two accounts: `debit` gains `amountMinor`, `credit` gives it. */
export interface Movement {
  readonly debit: string;
  readonly credit: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly reference: string;
  readonly description: string;
  readonly kind: string;
  readonly transactionId?: string | null | undefined;
}

export function postMovement(trx: Transaction<Tables>, m: Movement): Promise<PostedJournal> {
  return postJournal(
    trx,
    journal(
      [
        { account: m.debit, currency: m.currency, amountMinor: m.amountMinor },
        { account: m.credit, currency: m.currency, amountMinor: -m.amountMinor },
      ],
      { reference: m.reference, description: m.description },
    ),
    { kind: m.kind, ...(m.transactionId == null ? {} : { transactionId: m.transactionId }) },
  );
}

/** Naira arrived at Paystack for this deposit (one journal per Paystack charge). */
export function postFunded(
  trx: Transaction<Tables>,
  transactionId: string,
  chargeReference: string,
  paidKobo: bigint,
): Promise<PostedJournal> {
  return postMovement(trx, {
    debit: PAYSTACK_CLEARING,
    credit: CUSTOMER_DEPOSITS,
    currency: NGN,
    amountMinor: paidKobo,
    reference: `paystack:charge:${chargeReference}`,
    description: 'deposit paid',
    kind: 'deposit.funded',
    transactionId,
  });
}

/** Naira that matched no deposit: held in suspense for an operator. */
export function postUnmatched(
  trx: Transaction<Tables>,
  chargeReference: string,
  paidKobo: bigint,
): Promise<PostedJournal> {
  return postMovement(trx, {
    debit: PAYSTACK_CLEARING,
    credit: UNMATCHED_PAYMENTS,
    currency: NGN,
    amountMinor: paidKobo,
    reference: `paystack:charge:${chargeReference}`,
    description: 'payment matched no deposit',
    kind: 'deposit.unmatched',
  });
}

export interface Delivered {
  readonly transactionId: string;
  readonly paidKobo: bigint;
  readonly feeKobo: bigint;
  readonly asset: string;
  readonly amountOutMinor: bigint;
}

/** The asset left the distribution account: the customer is paid, the fee is earned. */
export function postDelivered(trx: Transaction<Tables>, d: Delivered): Promise<PostedJournal> {
  const netKobo = d.paidKobo - d.feeKobo;
  const postings = [
    { account: CUSTOMER_DEPOSITS, currency: NGN, amountMinor: d.paidKobo },
    ...(d.feeKobo > 0n ? [{ account: DEPOSIT_FEES, currency: NGN, amountMinor: -d.feeKobo }] : []),
    ...(netKobo > 0n ? [{ account: CONVERSION, currency: NGN, amountMinor: -netKobo }] : []),
    { account: CONVERSION, currency: d.asset, amountMinor: d.amountOutMinor },
    { account: DISTRIBUTION, currency: d.asset, amountMinor: -d.amountOutMinor },
  ];
  return postJournal(
    trx,
    journal(postings, {
      reference: `deposit:${d.transactionId}:delivered`,
      description: 'deposit delivered',
    }),
    {
      kind: 'deposit.delivered',
      transactionId: d.transactionId,
    },
  );
}

/** XLM the distribution account spent creating the customer's account. */
export function postAccountCreated(
  trx: Transaction<Tables>,
  transactionId: string,
  startingStroops: bigint,
): Promise<PostedJournal> {
  return postMovement(trx, {
    debit: ACCOUNT_CREATION,
    credit: DISTRIBUTION,
    currency: 'XLM',
    amountMinor: startingStroops,
    reference: `deposit:${transactionId}:account-created`,
    description: 'destination account created',
    kind: 'deposit.account_created',
    transactionId,
  });
}

/** Naira returned to the customer through Paystack. */
export function postRefunded(
  trx: Transaction<Tables>,
  transactionId: string,
  refundId: string,
  amountKobo: bigint,
): Promise<PostedJournal> {
  return postMovement(trx, {
    debit: CUSTOMER_DEPOSITS,
    credit: PAYSTACK_CLEARING,
    currency: NGN,
    amountMinor: amountKobo,
    reference: `paystack:refund:${refundId}`,
    description: 'deposit refunded',
    kind: 'deposit.refunded',
    transactionId,
  });
}
