/**
 * The bank account a SEP-6 withdrawal pays (`dest`, `dest_extra`), checked before anything is
 * written: its form, then Paystack's name for it, which must match the customer's KYC name. The
 * withdrawal flow's `setPayoutAccount` makes the same check again when it stores the account on the
 * opened withdrawal; checking first means a refused account leaves no withdrawal and uses no quote.
 *
 * A refusal never repeats the name Paystack gave: the API would otherwise tell any verified
 * customer who holds any account number.
 */
import { isBankCode, isNuban, matchNames } from '../../domain/kyc/index.js';
import type { TransferDeps } from '../../flows/transfers/deps.js';
import { HttpError } from '../../platform/http/errors.js';
import { fieldContext } from '../sep12/store.js';
import { refuse } from '../transfers/request.js';

export interface BankAccount {
  readonly bankCode: string;
  readonly accountNumber: string;
}

const unavailable = (message: string): HttpError => new HttpError(503, 'payout_unavailable', message);

/** `dest` (a 10-digit NUBAN) and `dest_extra` (the bank code): both required, as /info says. */
export function readBankAccount(dest: string | undefined, destExtra: string | undefined): BankAccount {
  if (dest === undefined) throw refuse('dest: required: the bank account number (10 digits) to pay');
  if (!isNuban(dest)) throw refuse('dest: a Nigerian bank account number (NUBAN) has 10 digits');
  if (destExtra === undefined) throw refuse('dest_extra: required: the bank code of that account (e.g. 058)');
  if (!isBankCode(destExtra)) throw refuse('dest_extra: a bank code has 3 to 6 digits (e.g. 058)');
  return { bankCode: destExtra, accountNumber: dest };
}

/** The customer's verified name (first, additional, last), decrypted; what the account's must match. */
async function verifiedName(
  deps: Pick<TransferDeps, 'db' | 'keyring'>,
  customerId: string,
): Promise<string | undefined> {
  const rows = await deps.db
    .selectFrom('customer_fields')
    .select(['name', 'value_ciphertext'])
    .where('customer_id', '=', customerId)
    .where('name', 'in', ['first_name', 'additional_name', 'last_name'])
    .where('status', '=', 'ACCEPTED')
    .execute();
  const part = (name: string): string | undefined => {
    const ciphertext = rows.find((row) => row.name === name)?.value_ciphertext;
    return ciphertext == null
      ? undefined
      : deps.keyring.decryptText(ciphertext, fieldContext(customerId, name));
  };
  const first = part('first_name');
  const last = part('last_name');
  if (first === undefined || last === undefined) return undefined;
  return [first, part('additional_name'), last].filter((p) => p !== undefined).join(' ');
}

/** Throws the refusal (400, or 503 when Paystack cannot answer now); returns when the account may be paid. */
export async function checkBankAccount(
  deps: Pick<TransferDeps, 'db' | 'keyring' | 'paystack'>,
  customerId: string,
  account: BankAccount,
): Promise<void> {
  if (deps.paystack === undefined) throw unavailable('bank payouts are not available right now');
  const resolved = await deps.paystack.resolveAccount(account.accountNumber, account.bankCode);
  if (resolved.outcome === 'unknown')
    throw unavailable('the bank could not be reached to check the account; try again in a minute');
  if (resolved.outcome !== 'resolved')
    throw refuse('dest: this account number was not found at the bank dest_extra names');
  const name = await verifiedName(deps, customerId);
  if (name === undefined) throw refuse('your name is not verified yet (SEP-12 first_name, last_name)');
  if (!matchNames(name, resolved.accountName).matched)
    throw refuse(
      "dest: the account's name does not match your verified name; use an account in your own name",
    );
}
