/**
 * How the customer pays: a Paystack checkout (card, bank, USSD — the customer chooses on Paystack's
 * page) initialised once with our reference, or — for SEP-6 bank transfers when a dedicated virtual
 * account provider is configured — the customer's own account number at Paystack's partner bank.
 * Initialising moves no money; the link is stored so every later visit reuses the same checkout.
 */
import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { TransactionsTable } from '../../platform/db/schema.js';
import type { PaymentChannel } from '../../rails/paystack/collections.js';
import { fieldContext } from '../../sep/sep12/store.js';
import type { TransferDeps } from '../transfers/deps.js';
import { moreInfoUrl } from '../transfers/view.js';

type Row = Selectable<TransactionsTable>;

export type PaymentLink = { ok: true; url: string } | { ok: false; message: string };

const CHANNELS: Readonly<Record<NonNullable<Row['funding_method']>, readonly PaymentChannel[]>> = {
  card: ['card'],
  bank_transfer: ['bank_transfer'],
  ussd: ['ussd'],
};

/** The email Paystack is given: the customer's own when they gave one (SEP-12), else a placeholder. */
async function emailFor(deps: TransferDeps, row: Row): Promise<string> {
  if (row.customer_id !== null) {
    const field = await deps.db
      .selectFrom('customer_fields')
      .select(['value_ciphertext', 'status'])
      .where('customer_id', '=', row.customer_id)
      .where('name', '=', 'email_address')
      .executeTakeFirst();
    if (field?.value_ciphertext != null && field.status === 'ACCEPTED')
      return deps.keyring.decryptText(field.value_ciphertext, fieldContext(row.customer_id, 'email_address'));
  }
  const host = deps.config.publicUrl.hostname;
  const domain = deps.config.paystackCustomerEmailDomain ?? (host.includes('.') ? host : 'example.com');
  const tag = createHash('sha256')
    .update(row.customer_id ?? row.id)
    .digest('hex')
    .slice(0, 16);
  return `customer-${tag}@${domain}`;
}

/** The checkout URL of a deposit waiting for its naira; initialised on first use. */
export async function paymentLink(deps: TransferDeps, row: Row): Promise<PaymentLink> {
  if (row.kind !== 'deposit' || row.status !== 'pending_user_transfer_start')
    return { ok: false, message: `this deposit is ${row.status}: there is nothing to pay` };
  if (row.payment_url !== null) return { ok: true, url: row.payment_url };
  if (deps.paystack === undefined || row.paystack_reference === null || row.amount_expected_minor === null)
    return { ok: false, message: 'payments are not available right now' };
  const initialized = await deps.paystack.initializeTransaction({
    amountKobo: BigInt(row.amount_expected_minor),
    email: await emailFor(deps, row),
    reference: row.paystack_reference,
    metadata: { rampart_transaction_id: row.id, cancel_action: moreInfoUrl(deps, row.id) },
    callbackUrl: new URL(moreInfoUrl(deps, row.id)),
    ...(row.funding_method === null ? {} : { channels: CHANNELS[row.funding_method] }),
  });
  if (!initialized.ok) {
    // Initialised by a concurrent request that stored its link first: use that one.
    const again = await deps.db
      .selectFrom('transactions')
      .select('payment_url')
      .where('id', '=', row.id)
      .executeTakeFirst();
    if (again?.payment_url != null) return { ok: true, url: again.payment_url };
    deps.logger.warn({ transactionId: row.id, error: initialized.error }, 'paystack initialize failed');
    return { ok: false, message: 'the payment page could not be opened; try again in a minute' };
  }
  await deps.db
    .updateTable('transactions')
    .set({ payment_url: initialized.value.authorizationUrl })
    .where('id', '=', row.id)
    .where('payment_url', 'is', null)
    .execute();
  return { ok: true, url: initialized.value.authorizationUrl };
}

export interface BankTransferAccount {
  readonly accountNumber: string;
  readonly accountName: string;
  readonly bankName: string;
}

/**
 * The customer's dedicated virtual account, created once (Paystack customer, then account). Undefined
 * when no provider is configured or Paystack has not assigned one yet (it may do so asynchronously).
 */
export async function dedicatedAccountFor(
  deps: TransferDeps,
  row: Row,
): Promise<BankTransferAccount | undefined> {
  const provider = deps.config.paystackDedicatedAccountProvider;
  if (provider === undefined || deps.paystack === undefined || row.customer_id === null) return undefined;
  const customerId = row.customer_id;
  const known = await deps.db
    .selectFrom('paystack_customers')
    .selectAll()
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (known?.account_number != null && known.account_name !== null && known.bank_name !== null)
    return {
      accountNumber: known.account_number,
      accountName: known.account_name,
      bankName: known.bank_name,
    };
  let customerCode = known?.customer_code;
  if (customerCode === undefined) {
    const created = await deps.paystack.createCustomer({ email: await emailFor(deps, row) });
    if (!created.ok) return undefined;
    customerCode = created.value.customerCode;
    await deps.db
      .insertInto('paystack_customers')
      .values({ customer_id: customerId, customer_code: customerCode, updated_at: new Date() })
      .onConflict((oc) => oc.column('customer_id').doNothing())
      .execute();
  }
  const assigned = await deps.paystack.assignDedicatedAccount({ customerCode, preferredBank: provider });
  if (!assigned.ok) return undefined;
  const account = assigned.value;
  await deps.db
    .updateTable('paystack_customers')
    .set({
      account_number: account.accountNumber,
      account_name: account.accountName,
      bank_name: account.bankName,
      updated_at: new Date(),
    })
    .where('customer_id', '=', customerId)
    .execute();
  return {
    accountNumber: account.accountNumber,
    accountName: account.accountName,
    bankName: account.bankName,
  };
}
