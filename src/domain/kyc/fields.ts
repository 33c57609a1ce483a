/**
 * The SEP-9 fields Rampart collects from a Nigerian individual, what each customer `type` requires,
 * and how each value is checked and normalised before it is stored. Pure: no I/O, no clock (the
 * caller passes today's date for the age check).
 */
import { ID_TYPES, idNumberProblem, isBankCode, isIdType, isNuban, type IdType } from './identity.js';
import { normaliseNigerianMobile } from './phone.js';

export type FieldType = 'string' | 'binary' | 'number' | 'date';

export interface FieldSpec {
  readonly type: FieldType;
  readonly description: string;
  readonly choices?: readonly string[];
}

export const NIGERIAN_STATES: readonly string[] = [
  'Abia',
  'Adamawa',
  'Akwa Ibom',
  'Anambra',
  'Bauchi',
  'Bayelsa',
  'Benue',
  'Borno',
  'Cross River',
  'Delta',
  'Ebonyi',
  'Edo',
  'Ekiti',
  'Enugu',
  'FCT',
  'Gombe',
  'Imo',
  'Jigawa',
  'Kaduna',
  'Kano',
  'Katsina',
  'Kebbi',
  'Kogi',
  'Kwara',
  'Lagos',
  'Nasarawa',
  'Niger',
  'Ogun',
  'Ondo',
  'Osun',
  'Oyo',
  'Plateau',
  'Rivers',
  'Sokoto',
  'Taraba',
  'Yobe',
  'Zamfara',
];

export const TEXT_FIELDS = {
  first_name: { type: 'string', description: 'Given or first name, as on the identity document' },
  last_name: { type: 'string', description: 'Family or last name, as on the identity document' },
  additional_name: { type: 'string', description: 'Middle or other additional name' },
  email_address: { type: 'string', description: 'Email address' },
  mobile_number: {
    type: 'string',
    description: 'Nigerian mobile number, in E.164 (+2348031234567) or local (08031234567) form',
  },
  birth_date: { type: 'date', description: 'Date of birth (YYYY-MM-DD); customers must be adults' },
  id_type: { type: 'string', description: 'Kind of identity number in id_number', choices: ID_TYPES },
  id_number: {
    type: 'string',
    description: 'The identity number: BVN or NIN (11 digits), or the number of the document in id_type',
  },
  address: { type: 'string', description: 'Residential address (street and number)' },
  city: { type: 'string', description: 'City or town of the residential address' },
  state_or_province: {
    type: 'string',
    description: 'Nigerian state of the residential address',
    choices: NIGERIAN_STATES,
  },
  bank_account_number: { type: 'string', description: 'Nigerian bank account number (10-digit NUBAN)' },
  bank_number: { type: 'string', description: 'Bank code (CBN / Paystack code, e.g. 058)' },
} as const satisfies Record<string, FieldSpec>;

export const BINARY_FIELDS = {
  photo_id_front: {
    type: 'binary',
    description:
      'Front of a government photo ID (NIN slip, national ID card, passport, licence): JPEG, PNG or PDF',
  },
  photo_id_back: { type: 'binary', description: 'Back of the photo ID: JPEG, PNG or PDF' },
  photo_proof_residence: {
    type: 'binary',
    description: 'A utility bill or bank statement with name and address: JPEG, PNG or PDF',
  },
} as const satisfies Record<string, FieldSpec>;

export type TextFieldName = keyof typeof TEXT_FIELDS;
export type BinaryFieldName = keyof typeof BINARY_FIELDS;
export type FieldName = TextFieldName | BinaryFieldName;

export const FIELD_SPECS: Readonly<Record<FieldName, FieldSpec>> = { ...TEXT_FIELDS, ...BINARY_FIELDS };
export const TEXT_FIELD_NAMES = Object.keys(TEXT_FIELDS) as TextFieldName[];
export const BINARY_FIELD_NAMES = Object.keys(BINARY_FIELDS) as BinaryFieldName[];

export function isTextField(name: string): name is TextFieldName {
  return Object.hasOwn(TEXT_FIELDS, name);
}
export function isBinaryField(name: string): name is BinaryFieldName {
  return Object.hasOwn(BINARY_FIELDS, name);
}

/** The fields a name and phone and a registered identity number make: tier 1. */
export const IDENTITY_FIELDS: readonly FieldName[] = [
  'first_name',
  'last_name',
  'mobile_number',
  'birth_date',
  'id_type',
  'id_number',
];
/** What tier 2 adds: an address and a photo ID. */
export const ADDRESS_FIELDS: readonly FieldName[] = [
  'address',
  'city',
  'state_or_province',
  'photo_id_front',
];
export const BANK_FIELDS: readonly FieldName[] = ['bank_account_number', 'bank_number'];
/** Offered to every customer, required of none. */
const EXTRA_FIELDS: readonly FieldName[] = [
  'email_address',
  'additional_name',
  'photo_id_back',
  'photo_proof_residence',
];

export const CUSTOMER_TYPES = [
  'default',
  'sep6-deposit',
  'sep6-withdraw',
  'sep24-deposit',
  'sep24-withdraw',
] as const;
export type CustomerType = (typeof CUSTOMER_TYPES)[number];

export function isCustomerType(value: string): value is CustomerType {
  return (CUSTOMER_TYPES as readonly string[]).includes(value);
}

export interface Requirements {
  readonly required: readonly FieldName[];
  /** Asked for, not needed for this type: they raise the customer's tier (and limits). */
  readonly optional: readonly FieldName[];
}

/** A withdrawal pays out to a bank account, so it needs one; a deposit needs the identity only. */
export function requirementsOf(type: CustomerType): Requirements {
  const withdraws = type === 'sep6-withdraw' || type === 'sep24-withdraw';
  return {
    required: withdraws ? [...IDENTITY_FIELDS, ...BANK_FIELDS] : IDENTITY_FIELDS,
    optional: withdraws
      ? [...ADDRESS_FIELDS, ...EXTRA_FIELDS]
      : [...ADDRESS_FIELDS, ...EXTRA_FIELDS, ...BANK_FIELDS],
  };
}

export type FieldCheck =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

export const TEXT_VALUE_LENGTH_MAX = 300;
const ADULT_AGE_YEARS = 18;
const AGE_YEARS_MAX = 120;
const PERSON_NAME = /^[\p{L}\p{M}][\p{L}\p{M}' .-]{0,99}$/u;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,185}\.[^\s@]{2,63}$/;

const ok = (value: string): FieldCheck => ({ ok: true, value });
const problem = (error: string): FieldCheck => ({ ok: false, error });

/**
 * Checks and normalises one text field. `idType` is the customer's id_type after this request
 * (needed to check id_number); `today` is an ISO date (YYYY-MM-DD) for the age check.
 */
export function checkTextField(
  name: TextFieldName,
  raw: string,
  context: { readonly idType: IdType | null; readonly today: string },
): FieldCheck {
  const value = raw.trim();
  if (value === '') return problem('must not be empty');
  if (value.length > TEXT_VALUE_LENGTH_MAX)
    return problem(`must be at most ${TEXT_VALUE_LENGTH_MAX} characters`);
  switch (name) {
    case 'first_name':
    case 'last_name':
    case 'additional_name':
      return PERSON_NAME.test(value)
        ? ok(value.replace(/\s+/g, ' '))
        : problem('must be a name of letters (up to 100)');
    case 'email_address':
      return EMAIL.test(value) ? ok(value.toLowerCase()) : problem('must be an email address');
    case 'mobile_number': {
      const phone = normaliseNigerianMobile(value);
      return phone.ok ? ok(phone.e164) : problem(phone.error);
    }
    case 'birth_date':
      return checkBirthDate(value, context.today);
    case 'id_type':
      return isIdType(value.toLowerCase())
        ? ok(value.toLowerCase())
        : problem(`must be one of ${ID_TYPES.join(', ')}`);
    case 'id_number': {
      if (context.idType === null)
        return problem('needs id_type (bvn, nin, …) to be sent with it or before it');
      const compact = value.replace(/\s/g, '').toUpperCase();
      const wrong = idNumberProblem(context.idType, compact);
      return wrong === null ? ok(compact) : problem(wrong);
    }
    case 'address':
      // Multi-line is fine (SEP-9); other control characters are not.
      return /^[^\p{Cc}]*$/u.test(value.replace(/\r?\n/g, ' '))
        ? ok(value)
        : problem('must be printable text');
    case 'city':
      return /^[\p{L}\p{M}\d' .,-]{1,100}$/u.test(value)
        ? ok(value)
        : problem('must be a city name (up to 100 letters)');
    case 'state_or_province': {
      const state = NIGERIAN_STATES.find((s) => s.toLowerCase() === value.toLowerCase());
      return state === undefined ? problem('must be a Nigerian state (or FCT)') : ok(state);
    }
    case 'bank_account_number': {
      const compact = value.replace(/\s/g, '');
      return isNuban(compact) ? ok(compact) : problem('must be a 10-digit NUBAN account number');
    }
    case 'bank_number':
      return isBankCode(value) ? ok(value) : problem('must be a bank code of 3 to 6 digits');
  }
}

function checkBirthDate(value: string, today: string): FieldCheck {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return problem('must be a date as YYYY-MM-DD');
  const date = new Date(`${value}T00:00:00Z`);
  // Date rolls 2001-02-30 over to March: a date that does not print back as given does not exist.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    return problem('is not a real date');
  const age = ageInYears(value, today);
  if (age < ADULT_AGE_YEARS) return problem(`customer must be at least ${ADULT_AGE_YEARS} years old`);
  if (age > AGE_YEARS_MAX) return problem(`must be within the last ${AGE_YEARS_MAX} years`);
  return ok(value);
}

/** Whole years between two ISO dates: a birthday counts from its day on. */
export function ageInYears(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  const beforeBirthday = tm < bm || (tm === bm && td < bd);
  return ty - by - (beforeBirthday ? 1 : 0);
}

export type DocumentType = 'image/jpeg' | 'image/png' | 'application/pdf';

/** The content type by magic bytes: what a file claims (name, header) is not trusted. */
export function sniffDocumentType(data: Uint8Array): DocumentType | null {
  const starts = (bytes: readonly number[]) => bytes.every((b, i) => data[i] === b);
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  return null;
}
