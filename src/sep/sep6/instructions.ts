/**
 * How a SEP-6 depositor pays, as SEP-6's `instructions` (SEP-9 financial account fields, each with a
 * value and a description), the deprecated `how` sentence and `extra_info.message`:
 *
 * - Paystack checkout (card, USSD, bank transfer without a dedicated account): Rampart's payment
 *   link `<PUBLIC_URL>/transfers/<id>/pay`, which the hosted pages redirect to the checkout. SEP-9
 *   has no field for a payment page, so it is given under `organization.payment_url` (custom key).
 * - Bank transfer into the customer's dedicated virtual account: `organization.bank_account_number`
 *   and `organization.bank_name` (SEP-9). The exact amount is in the descriptions and `how`: SEP-9
 *   has no amount field, and the transaction's `amount_in` carries it too.
 *
 * Pure: the rows and the account are read by the caller.
 */
import type { Kysely } from 'kysely';
import type { BankTransferAccount } from '../../flows/deposit/index.js';
import type { TransactionRow } from '../../flows/state-machine.js';
import { publicLink, type TransferDeps } from '../../flows/transfers/deps.js';
import { assert } from '../../domain/assert.js';
import { formatAmount } from '../../domain/money.js';
import type { Tables } from '../../platform/db/schema.js';
import { NGN_DECIMALS } from '../assets.js';
import { decimalsOfAssetId } from '../../flows/transfers/assets.js';

/** Not a SEP-9 name (none exists for a payment page): a custom key, described in each answer. */
export const PAYMENT_URL_KEY = 'organization.payment_url';

export interface PaymentAnswer {
  readonly how: string;
  readonly instructions: Record<string, { value: string; description: string }>;
  readonly message: string;
}

const naira = (kobo: bigint): string => `₦${formatAmount(kobo, NGN_DECIMALS)}`;

const CHANNEL_WORDS: Readonly<Record<NonNullable<TransactionRow['funding_method']>, string>> = {
  card: 'by card',
  bank_transfer: 'by bank transfer',
  ussd: 'by USSD',
};

/** What the customer pays, and what arrives: the figures `requestDepositPayment` fixed. */
function figures(row: TransactionRow): { amount: string; fee: string; receive: string; deadline: string } {
  assert(row.amount_expected_minor !== null, 'a deposit waiting for its naira has its amount fixed');
  const fee = row.amount_fee_minor === null ? '' : `${naira(BigInt(row.amount_fee_minor))} fee`;
  const receive =
    row.amount_out_minor === null || row.amount_out_asset === null
      ? ''
      : `${formatAmount(BigInt(row.amount_out_minor), decimalsOfAssetId(row.amount_out_asset))} ${row.asset_code}`;
  return {
    amount: naira(BigInt(row.amount_expected_minor)),
    fee,
    receive,
    deadline: row.expires_at === null ? '' : ` before ${row.expires_at.toISOString()}`,
  };
}

function outcome(f: ReturnType<typeof figures>): string {
  const parts = [f.fee, f.receive === '' ? '' : `you receive ${f.receive}`].filter((p) => p !== '');
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

export function paymentLink(deps: Pick<TransferDeps, 'publicUrl'>, transactionId: string): string {
  return publicLink(deps, `/transfers/${transactionId}/pay`);
}

export function checkoutAnswer(deps: Pick<TransferDeps, 'publicUrl'>, row: TransactionRow): PaymentAnswer {
  const url = paymentLink(deps, row.id);
  const f = figures(row);
  const channel =
    row.funding_method === null ? 'by card, bank transfer or USSD' : CHANNEL_WORDS[row.funding_method];
  return {
    how: `Pay ${f.amount} ${channel} at ${url}`,
    instructions: {
      [PAYMENT_URL_KEY]: {
        value: url,
        description: `Payment page (Paystack checkout): open it to pay exactly ${f.amount} ${channel}`,
      },
    },
    message: `Open ${url} and pay exactly ${f.amount} ${channel}${f.deadline}${outcome(f)}.`,
  };
}

export function bankTransferAnswer(row: TransactionRow, account: BankTransferAccount): PaymentAnswer {
  const f = figures(row);
  const to = `${account.bankName} account ${account.accountNumber} (${account.accountName})`;
  return {
    how: `Make a bank transfer of exactly ${f.amount} to ${to}`,
    instructions: {
      'organization.bank_account_number': {
        value: account.accountNumber,
        description: `Your own account number for deposits (${account.accountName}): transfer exactly ${f.amount} to it`,
      },
      'organization.bank_name': { value: account.bankName, description: 'The bank of that account' },
    },
    message: `Transfer exactly ${f.amount} to ${to}${f.deadline}${outcome(f)}.`,
  };
}

/** The customer's dedicated account as stored, without asking Paystack (GET /transaction reads). */
export async function storedDedicatedAccount(
  db: Kysely<Tables>,
  customerId: string,
): Promise<BankTransferAccount | undefined> {
  const row = await db
    .selectFrom('paystack_customers')
    .select(['account_number', 'account_name', 'bank_name'])
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (row?.account_number == null || row.account_name === null || row.bank_name === null) return undefined;
  return { accountNumber: row.account_number, accountName: row.account_name, bankName: row.bank_name };
}
