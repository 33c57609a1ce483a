/**
 * SEP-12 customers: what PUT, the verification step, the bank-account check, DELETE and the
 * callback registration do to the database. Routes (plugin.ts) translate HTTP; the outbox handlers
 * (src/flows/customer-callback.ts) reuse `runBankCheck`. Every status change is announced from the
 * transaction that caused it: an audit event and, when the wallet set a callback, an outbox job.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import {
  BANK_FIELDS,
  customerView,
  type CustomerType,
  type CustomerView,
  type DocumentType,
  type TextFieldName,
} from '../../domain/kyc/index.js';
import type { CustomerFieldStatusColumn, Tables } from '../../platform/db/schema.js';
import { HttpError } from '../../platform/http/errors.js';
import { enqueue } from '../../platform/outbox/jobs.js';
import type { PiiKeyring } from '../../platform/pii-crypto.js';
import type { AccountResolution } from '../../rails/paystack/payouts.js';
import {
  fieldContext,
  fieldRows,
  lockCustomer,
  lockOrCreateCustomer,
  snapshotOf,
  type CustomerRow,
  type FieldRow,
} from './store.js';

export const CUSTOMER_CALLBACK_JOB_TYPE = 'sep12.callback';
export const CUSTOMER_BANK_CHECK_JOB_TYPE = 'sep12.bank_check';
/** The code every verification takes on the sandbox network, where no SMS is ever sent. */
export const SANDBOX_VERIFICATION_CODE = '123456';
export const VERIFICATION_ATTEMPTS_MAX = 5;
/** First retry of a bank check the inline attempt could not settle (the outbox backs off after). */
const BANK_CHECK_RETRY_MS = 30_000;
const NAME_FIELDS: readonly TextFieldName[] = ['first_name', 'additional_name', 'last_name'];

export interface AccountResolver {
  resolveAccount(accountNumber: string, bankCode: string): Promise<AccountResolution>;
}

export interface Sep12Deps {
  readonly db: Kysely<Tables>;
  readonly keyring: PiiKeyring;
  /** Undefined when Paystack is not configured: bank details are then checked for format only. */
  readonly paystack: AccountResolver | undefined;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly jobMaxAttempts: number;
  readonly sandbox: boolean;
  readonly mobileVerification: boolean;
  readonly verificationCodeTtlMs: number;
}

export interface Identity {
  readonly sub: string;
  readonly account: string;
  readonly memo: string | null;
}

export interface DocumentUpload {
  readonly data: Buffer;
  readonly contentType: DocumentType;
}

export interface CustomerUpdate {
  /** Undefined when the request named no type: the customer keeps the type it was last put for. */
  readonly type: CustomerType | undefined;
  /** Checked and normalised values (domain/kyc checkTextField). */
  readonly text: Readonly<Partial<Record<TextFieldName, string>>>;
  readonly files: Readonly<Record<string, DocumentUpload>>;
}

// --- Status announcements --------------------------------------------------------------------------

/**
 * Recomputes the status for the customer's last type; when it differs from what the wallet was last
 * told, records the change and queues the callback — inside the caller's transaction.
 */
export async function announceStatus(
  trx: Transaction<Tables>,
  deps: Pick<Sep12Deps, 'jobMaxAttempts'>,
  customer: CustomerRow,
  actor: string,
): Promise<CustomerView> {
  const type = customer.last_type as CustomerType;
  const view = customerView(snapshotOf(customer, await fieldRows(trx, customer.id)), type);
  if (view.status === customer.last_status) return view;
  const event = await trx
    .insertInto('customer_events')
    .values({
      customer_id: customer.id,
      kind: 'status',
      customer_type: type,
      from_status: customer.last_status,
      to_status: view.status,
      actor,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // SEP-12: callbacks stop once the status is final; a wallet that wants more sets one again.
  const final = view.status === 'ACCEPTED' || view.status === 'REJECTED';
  await trx
    .updateTable('customers')
    .set({ last_status: view.status, updated_at: sql<Date>`now()`, ...(final ? { callback_url: null } : {}) })
    .where('id', '=', customer.id)
    .execute();
  if (customer.callback_url !== null) {
    await enqueue(
      trx,
      {
        type: CUSTOMER_CALLBACK_JOB_TYPE,
        payload: { customerId: customer.id, url: customer.callback_url, body: JSON.stringify(view) },
        dedupeKey: `${CUSTOMER_CALLBACK_JOB_TYPE}:${customer.id}:${event.id}`,
      },
      deps.jobMaxAttempts,
    );
  }
  return view;
}

// --- PUT /customer ---------------------------------------------------------------------------------

function decrypted(
  deps: Pick<Sep12Deps, 'keyring'>,
  customerId: string,
  row: FieldRow | undefined,
): string | null {
  if (row?.value_ciphertext === undefined || row.value_ciphertext === null) return null;
  return deps.keyring.decryptText(row.value_ciphertext, fieldContext(customerId, row.name));
}

async function writeField(
  trx: Transaction<Tables>,
  customerId: string,
  name: string,
  values: {
    status: CustomerFieldStatusColumn;
    error?: string | null;
    value_ciphertext?: string | null;
    file_ciphertext?: Uint8Array | null;
    content_type?: string | null;
    size_bytes?: number | null;
    verification_mac?: string | null;
    verification_expires_at?: Date | null;
  },
): Promise<void> {
  const row = {
    error: null,
    verification_mac: null,
    verification_expires_at: null,
    verification_attempts: 0,
    ...values,
    updated_at: sql<Date>`now()`,
  };
  await trx
    .insertInto('customer_fields')
    .values({
      customer_id: customerId,
      name,
      value_ciphertext: null,
      file_ciphertext: null,
      content_type: null,
      size_bytes: null,
      ...row,
    })
    .onConflict((oc) => oc.columns(['customer_id', 'name']).doUpdateSet(row))
    .execute();
}

function verificationCode(deps: Pick<Sep12Deps, 'sandbox'>): string {
  return deps.sandbox ? SANDBOX_VERIFICATION_CODE : String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Writes one text field unless unchanged; returns whether it changed. */
async function putTextField(
  trx: Transaction<Tables>,
  deps: Sep12Deps,
  customerId: string,
  name: TextFieldName,
  value: string,
  existing: FieldRow | undefined,
): Promise<boolean> {
  // Idempotent: the same value again keeps the field as it is (verified stays verified) — except one
  // awaiting its code, which is sent again for a new one, as the verification errors tell the customer.
  const settled = existing?.status !== 'REJECTED' && existing?.status !== 'VERIFICATION_REQUIRED';
  if (settled && decrypted(deps, customerId, existing) === value) return false;
  const context = fieldContext(customerId, name);
  const ciphertext = deps.keyring.encryptText(value, context);
  if (name === 'mobile_number' && deps.mobileVerification) {
    const code = verificationCode(deps);
    await writeField(trx, customerId, name, {
      status: 'VERIFICATION_REQUIRED',
      value_ciphertext: ciphertext,
      verification_mac: deps.keyring.mac(`${context}:verification`, code),
      verification_expires_at: new Date(deps.now().getTime() + deps.verificationCodeTtlMs),
    });
    // Never the code or the number: an SMS sender will deliver it (none yet; sandbox uses a fixed code).
    deps.logger.info({ customerId, field: name, sandbox: deps.sandbox }, 'verification code issued');
    return true;
  }
  const pending = (BANK_FIELDS as readonly string[]).includes(name);
  await writeField(trx, customerId, name, {
    status: pending ? 'PROCESSING' : 'ACCEPTED',
    value_ciphertext: ciphertext,
  });
  return true;
}

export interface PutResult {
  readonly id: string;
  readonly bankCheckQueued: boolean;
}

export async function putCustomer(
  deps: Sep12Deps,
  identity: Identity,
  update: CustomerUpdate,
): Promise<PutResult> {
  return deps.db.transaction().execute(async (trx) => {
    const customer = await lockOrCreateCustomer(trx, identity);
    const existing = new Map((await fieldRows(trx, customer.id)).map((row) => [row.name, row]));
    const changed: string[] = [];
    const idTypeChanged = update.text.id_type !== undefined && update.text.id_type !== customer.id_type;
    for (const [name, value] of Object.entries(update.text) as [TextFieldName, string][]) {
      if (await putTextField(trx, deps, customer.id, name, value, existing.get(name))) changed.push(name);
    }
    if (idTypeChanged && update.text.id_number === undefined && existing.has('id_number')) {
      await writeField(trx, customer.id, 'id_number', {
        status: 'REJECTED',
        error: 'id_type changed: send the id_number of the new id_type',
        value_ciphertext: existing.get('id_number')?.value_ciphertext ?? null,
      });
    }
    for (const [name, file] of Object.entries(update.files)) {
      await writeField(trx, customer.id, name, {
        // Documents wait for review by an operator: they never pass on their own.
        status: 'PROCESSING',
        file_ciphertext: deps.keyring.encrypt(file.data, fieldContext(customer.id, name)),
        content_type: file.contentType,
        size_bytes: file.data.length,
      });
    }
    const bankCheckQueued = await queueBankCheckIfNeeded(trx, deps, customer.id, changed, existing);
    await trx
      .updateTable('customers')
      .set({
        ...(update.type === undefined ? {} : { last_type: update.type }),
        updated_at: sql<Date>`now()`,
        ...(update.text.id_type === undefined ? {} : { id_type: update.text.id_type }),
      })
      .where('id', '=', customer.id)
      .execute();
    const updated = await lockCustomer(trx, customer.id);
    if (updated !== undefined) await announceStatus(trx, deps, updated, 'sep12:put');
    return { id: customer.id, bankCheckQueued };
  });
}

/**
 * A change to the bank details or to the name they must match starts a new bank check: both bank
 * fields go PROCESSING and a retry job is queued, which the inline check usually makes a no-op.
 */
async function queueBankCheckIfNeeded(
  trx: Transaction<Tables>,
  deps: Sep12Deps,
  customerId: string,
  changed: readonly string[],
  existing: ReadonlyMap<string, FieldRow>,
): Promise<boolean> {
  const relevant = changed.some(
    (name) =>
      (BANK_FIELDS as readonly string[]).includes(name) || (NAME_FIELDS as readonly string[]).includes(name),
  );
  const hasBank = BANK_FIELDS.every((name) => changed.includes(name) || existing.has(name));
  if (!relevant || !hasBank) return false;
  await trx
    .updateTable('customer_fields')
    .set({ status: 'PROCESSING', error: null, updated_at: sql<Date>`now()` })
    .where('customer_id', '=', customerId)
    .where('name', 'in', [...BANK_FIELDS])
    .execute();
  await trx
    .updateTable('customers')
    .set({ bank_check: 'unknown', bank_check_score: null, bank_checked_name: null, bank_checked_at: null })
    .where('id', '=', customerId)
    .execute();
  await enqueue(
    trx,
    {
      type: CUSTOMER_BANK_CHECK_JOB_TYPE,
      payload: { customerId },
      dedupeKey: `${CUSTOMER_BANK_CHECK_JOB_TYPE}:${customerId}:${randomUUID()}`,
      runAt: new Date(deps.now().getTime() + BANK_CHECK_RETRY_MS),
    },
    deps.jobMaxAttempts,
  );
  return true;
}

// --- Verification codes ------------------------------------------------------------------------------

export const VERIFIABLE_FIELDS: readonly TextFieldName[] = ['mobile_number'];

/**
 * Checks `<field>_verification` codes. A wrong code is committed as an attempt before the 400, so
 * guessing is bounded (VERIFICATION_ATTEMPTS_MAX per code) whatever the client does.
 */
export async function verifyFields(
  deps: Sep12Deps,
  customerId: string,
  codes: Readonly<Partial<Record<TextFieldName, string>>>,
): Promise<void> {
  const failure = await deps.db.transaction().execute(async (trx) => {
    const customer = await lockCustomer(trx, customerId);
    if (customer === undefined)
      return new HttpError(404, 'not_found', `customer not found for id: ${customerId}`);
    const rows = new Map((await fieldRows(trx, customerId)).map((row) => [row.name, row]));
    for (const [name, code] of Object.entries(codes) as [TextFieldName, string][]) {
      const problem = await verifyOne(trx, deps, customerId, name, code, rows.get(name));
      if (problem !== null) return problem;
    }
    await announceStatus(trx, deps, customer, 'sep12:verification');
    return null;
  });
  if (failure !== null) throw failure;
}

async function verifyOne(
  trx: Transaction<Tables>,
  deps: Sep12Deps,
  customerId: string,
  name: TextFieldName,
  code: string,
  row: FieldRow | undefined,
): Promise<HttpError | null> {
  const field = `${name}_verification`;
  if (row?.status !== 'VERIFICATION_REQUIRED' || row.verification_mac === null)
    return new HttpError(400, 'invalid_request', `${field}: ${name} is not awaiting verification`);
  if (row.verification_attempts >= VERIFICATION_ATTEMPTS_MAX)
    return new HttpError(
      400,
      'invalid_request',
      `${field}: too many attempts; send ${name} again for a new code`,
    );
  if (row.verification_expires_at === null || row.verification_expires_at.getTime() < deps.now().getTime())
    return new HttpError(
      400,
      'invalid_request',
      `${field}: the code has expired; send ${name} again for a new code`,
    );
  const context = `${fieldContext(customerId, name)}:verification`;
  if (!deps.keyring.macMatches(row.verification_mac, context, code.trim())) {
    await trx
      .updateTable('customer_fields')
      .set({ verification_attempts: row.verification_attempts + 1 })
      .where('customer_id', '=', customerId)
      .where('name', '=', name)
      .execute();
    return new HttpError(400, 'invalid_request', `${field}: The provided confirmation code was invalid.`);
  }
  await trx
    .updateTable('customer_fields')
    .set({
      status: 'ACCEPTED',
      error: null,
      verification_mac: null,
      verification_expires_at: null,
      updated_at: sql<Date>`now()`,
    })
    .where('customer_id', '=', customerId)
    .where('name', '=', name)
    .execute();
  return null;
}
