/**
 * Reading and writing customers. Every writer locks the customer row first (`for update`), so the
 * writes of one customer are serialised whatever field they touch; readers need no lock.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { CustomerFieldStatusColumn, CustomersTable, Tables } from '../../platform/db/schema.js';
import type { Selectable } from 'kysely';
import { isIdType, type FieldName, type KycSnapshot, type ProvidedField } from '../../domain/kyc/index.js';
import { FIELD_SPECS } from '../../domain/kyc/index.js';

export type Db = Kysely<Tables> | Transaction<Tables>;
export type CustomerRow = Selectable<CustomersTable>;

export interface FieldRow {
  readonly name: string;
  readonly status: CustomerFieldStatusColumn;
  readonly error: string | null;
  readonly value_ciphertext: string | null;
  readonly verification_mac: string | null;
  readonly verification_expires_at: Date | null;
  readonly verification_attempts: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** What the audit trail keeps of a subject after erasure: a hash, never the account itself. */
export function subjectHash(subject: string): string {
  return createHash('sha256').update(`rampart:sep12:${subject}`).digest('hex');
}

/** The encryption context of a value: a ciphertext moved to another customer or field fails. */
export function fieldContext(customerId: string, field: string): string {
  return `customer:${customerId}:${field}`;
}

export async function customerBySubject(
  db: Db,
  subject: string,
  lock = false,
): Promise<CustomerRow | undefined> {
  let query = db.selectFrom('customers').selectAll().where('subject', '=', subject);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** The customer with this id *and* this subject: another subject's id is as unknown as no id. */
export async function customerByIdAndSubject(
  db: Db,
  id: string,
  subject: string,
): Promise<CustomerRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', id)
    .where('subject', '=', subject)
    .executeTakeFirst();
}

export async function lockCustomer(trx: Transaction<Tables>, id: string): Promise<CustomerRow | undefined> {
  return trx
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', id)
    .where('erased_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

/** Creates the customer of a subject if it does not exist, and returns it locked. */
export async function lockOrCreateCustomer(
  trx: Transaction<Tables>,
  identity: { readonly sub: string; readonly account: string; readonly memo: string | null },
): Promise<CustomerRow> {
  await trx
    .insertInto('customers')
    .values({
      subject: identity.sub,
      stellar_account: identity.account,
      memo: identity.memo,
      subject_hash: subjectHash(identity.sub),
      id_type: null,
      rejected_message: null,
      last_status: null,
      callback_url: null,
      bank_check: null,
      bank_check_score: null,
      bank_checked_name: null,
      bank_checked_at: null,
      updated_at: new Date(),
      erased_at: null,
    })
    .onConflict((oc) => oc.column('subject').doNothing())
    .execute();
  const row = await customerBySubject(trx, identity.sub, true);
  if (row === undefined) throw new Error('customer vanished after upsert');
  return row;
}

export async function fieldRows(db: Db, customerId: string): Promise<FieldRow[]> {
  return db
    .selectFrom('customer_fields')
    .select([
      'name',
      'status',
      'error',
      'value_ciphertext',
      'verification_mac',
      'verification_expires_at',
      'verification_attempts',
    ])
    .where('customer_id', '=', customerId)
    .execute();
}

export function snapshotOf(customer: CustomerRow | undefined, fields: readonly FieldRow[]): KycSnapshot {
  const provided: Partial<Record<FieldName, ProvidedField>> = {};
  for (const row of fields) {
    if (!Object.hasOwn(FIELD_SPECS, row.name)) continue;
    provided[row.name as FieldName] = { status: row.status, error: row.error };
  }
  const idType = customer?.id_type ?? null;
  return {
    id: customer?.id ?? null,
    provided,
    idType: idType !== null && isIdType(idType) ? idType : null,
    rejectedMessage: customer?.rejected_message ?? null,
  };
}
