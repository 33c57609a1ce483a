/**
 * The bank-account check: Paystack names the account, and the name must be the customer's. Run
 * inline after a PUT (so the wallet usually sees the answer at once) and by the retry job when the
 * inline attempt could not settle it. Paystack is asked outside any database transaction; the
 * answer is applied only if the bank details and name are still the ones that were asked about.
 */
import { sql } from 'kysely';
import { matchNames, type TextFieldName } from '../../domain/kyc/index.js';
import { announceStatus, type Sep12Deps } from './service.js';
import { fieldContext, fieldRows, lockCustomer, type Db } from './store.js';

export type BankCheckOutcome =
  'matched' | 'mismatched' | 'not_resolvable' | 'unknown' | 'unverified' | 'nothing_to_do' | 'superseded';

interface Checked {
  readonly accountNumber: string;
  readonly bankCode: string;
  readonly kycName: string;
}

export const BANK_MISMATCH_ERROR =
  'The name on this bank account does not match your name (first_name, last_name): check the account number and bank, or correct your name.';

async function checkedValues(
  db: Db,
  deps: Pick<Sep12Deps, 'keyring'>,
  customerId: string,
): Promise<Checked | null> {
  const rows = new Map((await fieldRows(db, customerId)).map((row) => [row.name, row]));
  const value = (name: TextFieldName): string | null => {
    const row = rows.get(name);
    if (row?.value_ciphertext === undefined || row.value_ciphertext === null) return null;
    return deps.keyring.decryptText(row.value_ciphertext, fieldContext(customerId, name));
  };
  const accountNumber = value('bank_account_number');
  const bankCode = value('bank_number');
  const first = value('first_name');
  const last = value('last_name');
  if (accountNumber === null || bankCode === null || first === null || last === null) return null;
  const kycName = [first, value('additional_name'), last].filter((part) => part !== null).join(' ');
  return { accountNumber, bankCode, kycName };
}

function sameCheck(a: Checked, b: Checked): boolean {
  return a.accountNumber === b.accountNumber && a.bankCode === b.bankCode && a.kycName === b.kycName;
}

export async function runBankCheck(
  deps: Sep12Deps,
  customerId: string,
  actor: string,
): Promise<BankCheckOutcome> {
  const customer = await deps.db
    .selectFrom('customers')
    .select(['bank_check'])
    .where('id', '=', customerId)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  if (customer?.bank_check !== 'unknown') return 'nothing_to_do';
  const asked = await checkedValues(deps.db, deps, customerId);
  if (asked === null) return 'nothing_to_do';
  const resolution =
    deps.paystack === undefined
      ? undefined
      : await deps.paystack.resolveAccount(asked.accountNumber, asked.bankCode);
  if (resolution?.outcome === 'unknown') {
    deps.logger.warn(
      { customerId, cause: resolution.error.kind },
      'bank account check unsettled; will retry',
    );
    return 'unknown';
  }
  return deps.db.transaction().execute(async (trx) => {
    const locked = await lockCustomer(trx, customerId);
    if (locked?.bank_check !== 'unknown') return 'nothing_to_do';
    const current = await checkedValues(trx, deps, customerId);
    if (current === null || !sameCheck(asked, current)) return 'superseded';
    let outcome: BankCheckOutcome;
    let score: number | null = null;
    let error: string | null = null;
    if (resolution === undefined) {
      outcome = 'unverified';
    } else if (resolution.outcome === 'not_resolvable') {
      outcome = 'not_resolvable';
      error =
        'No account with this number was found at this bank: check bank_account_number and bank_number.';
    } else {
      const match = matchNames(asked.kycName, resolution.accountName);
      score = match.score;
      outcome = match.matched ? 'matched' : 'mismatched';
      if (!match.matched) error = BANK_MISMATCH_ERROR;
    }
    await trx
      .updateTable('customer_fields')
      .set({ status: error === null ? 'ACCEPTED' : 'REJECTED', error, updated_at: sql<Date>`now()` })
      .where('customer_id', '=', customerId)
      .where('name', 'in', ['bank_account_number', 'bank_number'])
      .execute();
    await trx
      .updateTable('customers')
      .set({
        bank_check: outcome,
        bank_check_score: score === null ? null : score.toFixed(3),
        // What the bank said, kept (encrypted) as evidence of the decision; erased with the customer.
        bank_checked_name:
          resolution?.outcome === 'resolved'
            ? deps.keyring.encryptText(resolution.accountName, fieldContext(customerId, 'bank_checked_name'))
            : null,
        bank_checked_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', customerId)
      .execute();
    deps.logger.info({ customerId, outcome, score }, 'bank account checked');
    await announceStatus(trx, deps, locked, actor);
    return outcome;
  });
}
