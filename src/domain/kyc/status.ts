/**
 * A customer's SEP-12 status for a `type`, computed from what was provided and how each field
 * fared — never stored as truth, so a new rule or type can never leave a stale status behind.
 * The shapes are SEP-12's `GET /customer` response: `fields` lists what is still missing,
 * `provided_fields` what was received with its status (and error when REJECTED).
 */
import { FIELD_SPECS, requirementsOf, type CustomerType, type FieldName, type FieldSpec } from './fields.js';
import type { IdType } from './identity.js';

export const FIELD_STATUSES = ['ACCEPTED', 'PROCESSING', 'REJECTED', 'VERIFICATION_REQUIRED'] as const;
export type FieldStatus = (typeof FIELD_STATUSES)[number];
export const CUSTOMER_STATUSES = ['ACCEPTED', 'PROCESSING', 'NEEDS_INFO', 'REJECTED'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export interface ProvidedField {
  readonly status: FieldStatus;
  readonly error: string | null;
}

/** What is known of a customer, without any personal value: names of fields and their statuses. */
export interface KycSnapshot {
  readonly id: string | null;
  readonly provided: Readonly<Partial<Record<FieldName, ProvidedField>>>;
  readonly idType: IdType | null;
  /** Set by an operator: the customer can never pass KYC. */
  readonly rejectedMessage: string | null;
}

export interface FieldView {
  type: FieldSpec['type'];
  description: string;
  choices?: string[];
  optional?: boolean;
}
export interface ProvidedFieldView extends FieldView {
  status: FieldStatus;
  error?: string;
}
export interface CustomerView {
  id?: string;
  status: CustomerStatus;
  fields?: Record<string, FieldView>;
  provided_fields?: Record<string, ProvidedFieldView>;
  message?: string;
}

export const EMPTY_SNAPSHOT: KycSnapshot = { id: null, provided: {}, idType: null, rejectedMessage: null };

function describe(name: FieldName, optional: boolean): FieldView {
  const spec = FIELD_SPECS[name];
  const view: FieldView = { type: spec.type, description: spec.description };
  if (spec.choices !== undefined) view.choices = [...spec.choices];
  if (optional) view.optional = true;
  return view;
}

export function statusOf(snapshot: KycSnapshot, type: CustomerType): CustomerStatus {
  if (snapshot.rejectedMessage !== null) return 'REJECTED';
  const { required } = requirementsOf(type);
  let processing = false;
  for (const name of required) {
    const field = snapshot.provided[name];
    if (field === undefined) return 'NEEDS_INFO';
    if (field.status === 'REJECTED' || field.status === 'VERIFICATION_REQUIRED') return 'NEEDS_INFO';
    if (field.status === 'PROCESSING') processing = true;
  }
  return processing ? 'PROCESSING' : 'ACCEPTED';
}

export function customerView(snapshot: KycSnapshot, type: CustomerType): CustomerView {
  const status = statusOf(snapshot, type);
  const { required, optional } = requirementsOf(type);
  const view: CustomerView = snapshot.id === null ? { status } : { id: snapshot.id, status };
  if (status === 'REJECTED') {
    view.message = snapshot.rejectedMessage ?? 'KYC was rejected';
    return view;
  }
  const fields: Record<string, FieldView> = {};
  for (const name of required)
    if (snapshot.provided[name] === undefined) fields[name] = describe(name, false);
  for (const name of optional) if (snapshot.provided[name] === undefined) fields[name] = describe(name, true);
  const provided: Record<string, ProvidedFieldView> = {};
  for (const name of [...required, ...optional]) {
    const field = snapshot.provided[name];
    if (field === undefined) continue;
    const entry: ProvidedFieldView = { ...describe(name, !required.includes(name)), status: field.status };
    if (field.error !== null) entry.error = field.error;
    provided[name] = entry;
  }
  if (Object.keys(fields).length > 0) view.fields = fields;
  if (Object.keys(provided).length > 0) view.provided_fields = provided;
  const message = messageOf(status, snapshot, required);
  if (message !== null) view.message = message;
  return view;
}

function messageOf(
  status: CustomerStatus,
  snapshot: KycSnapshot,
  required: readonly FieldName[],
): string | null {
  if (status === 'PROCESSING') return 'Your details are being checked; check again in a few minutes.';
  if (status !== 'NEEDS_INFO') return null;
  const rejected = required.filter((name) => snapshot.provided[name]?.status === 'REJECTED');
  if (rejected.length > 0) return `Please correct: ${rejected.join(', ')} (see provided_fields for why).`;
  const unverified = required.filter((name) => snapshot.provided[name]?.status === 'VERIFICATION_REQUIRED');
  if (unverified.length > 0) return `Please confirm with the code we sent: ${unverified.join(', ')}.`;
  return null;
}
