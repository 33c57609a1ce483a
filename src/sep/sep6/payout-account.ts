/**
 * The bank account a SEP-6 withdrawal pays (`dest`, `dest_extra`), checked before anything is
 * written: its form, then Paystack's name for it, which must match the customer's KYC name
 * (`resolvePayoutAccount`). The name found is handed to `setPayoutAccount` once the withdrawal is
 * opened, so Paystack is asked once; checking first means a refused account leaves no withdrawal
 * and uses no quote.
 *
 * A refusal never repeats the name Paystack gave: the API would otherwise tell any verified
 * customer who holds any account number.
 */
import { isBankCode, isNuban } from '../../domain/kyc/index.js';
import { resolvePayoutAccount } from '../../flows/withdrawal/open.js';
import type { TransferDeps } from '../../flows/transfers/deps.js';
import { HttpError } from '../../platform/http/errors.js';
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

/** Throws the refusal (400, or 503 when Paystack cannot answer now); returns the account's name. */
export async function checkBankAccount(
  deps: TransferDeps,
  customerId: string,
  account: BankAccount,
): Promise<string> {
  const check = await resolvePayoutAccount(deps, customerId, account);
  if (check.ok) return check.accountName;
  if (check.status === 503) throw unavailable(check.message);
  throw refuse(`dest: ${check.message}`);
}
