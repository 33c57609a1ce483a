/**
 * The KYC step of the hosted deposit pages: what tier 1 still needs from the customer, and reading
 * the form with the very checks SEP-12 applies (domain/kyc checkTextField), so a value accepted
 * here is one `PUT /customer` would accept too. Pure: no I/O.
 */
import {
  IDENTITY_FIELDS,
  REGISTERED_ID_TYPES,
  TEXT_FIELDS,
  TEXT_VALUE_LENGTH_MAX,
  checkTextField,
  isIdType,
  isTextField,
  type IdType,
  type KycSnapshot,
  type KycTier,
  type TextFieldName,
} from '../domain/kyc/index.js';
import { assert } from '../domain/assert.js';
import type { MessageKey, Translate } from './i18n/index.js';

export type KycNeed =
  | { readonly kind: 'done' }
  | { readonly kind: 'denied' }
  /** Fields to ask for, with the reason a stored one was refused (an operator's or SEP-12's). */
  | {
      readonly kind: 'form';
      readonly fields: readonly TextFieldName[];
      readonly errors: Readonly<Partial<Record<TextFieldName, string>>>;
    }
  | { readonly kind: 'verify' }
  | { readonly kind: 'checking' };

const IDENTITY_TEXT_FIELDS: readonly TextFieldName[] = IDENTITY_FIELDS.filter(isTextField);

function isRegistered(idType: IdType | null): boolean {
  return idType !== null && REGISTERED_ID_TYPES.includes(idType);
}

/** What stands between the customer and tier 1, in the order the pages ask for it. */
export function kycNeed(tier: KycTier, snapshot: KycSnapshot): KycNeed {
  if (tier >= 1) return { kind: 'done' };
  if (snapshot.rejectedMessage !== null) return { kind: 'denied' };
  const errors: Partial<Record<TextFieldName, string>> = {};
  const fields = IDENTITY_TEXT_FIELDS.filter((name) => {
    const provided = snapshot.provided[name];
    if (provided?.status === 'REJECTED' && provided.error !== null) errors[name] = provided.error;
    return provided === undefined || provided.status === 'REJECTED';
  });
  // Tier 1 needs a number the national register knows (BVN, NIN): a passport given through SEP-12
  // is asked again as BVN or NIN, with its number, since a number is checked against its type.
  if (!isRegistered(snapshot.idType)) {
    for (const name of ['id_type', 'id_number'] as const) if (!fields.includes(name)) fields.push(name);
  }
  if (fields.length > 0) {
    const ordered = IDENTITY_TEXT_FIELDS.filter((name) => fields.includes(name));
    return { kind: 'form', fields: ordered, errors };
  }
  const statuses = IDENTITY_TEXT_FIELDS.map((name) => snapshot.provided[name]?.status);
  if (statuses.includes('VERIFICATION_REQUIRED')) return { kind: 'verify' };
  // Every field is provided, none refused or unverified, the id type is registered, yet tier 0:
  // only a field still being checked can explain it.
  return { kind: 'checking' };
}

export type KycForm =
  | { readonly ok: true; readonly text: Readonly<Partial<Record<TextFieldName, string>>> }
  | {
      readonly ok: false;
      readonly errors: Readonly<Partial<Record<TextFieldName, string>>>;
    };

/** Checks the asked fields of a posted form; every problem is reported at once, next to its field. */
export function readKycForm(
  body: Readonly<Record<string, string>>,
  fields: readonly TextFieldName[],
  context: { readonly storedIdType: IdType | null; readonly today: string; readonly t: Translate },
): KycForm {
  const text: Partial<Record<TextFieldName, string>> = {};
  const errors: Partial<Record<TextFieldName, string>> = {};
  let idType = context.storedIdType;
  // id_type first: id_number is checked against the type it is a number of.
  const ordered = [...fields].sort((a, b) => Number(b === 'id_type') - Number(a === 'id_type'));
  for (const name of ordered) {
    const checked = checkTextField(name, body[name] ?? '', { idType, today: context.today });
    if (!checked.ok) {
      errors[name] = checked.error;
      continue;
    }
    if (name === 'id_type') {
      const value = checked.value;
      if (!isIdType(value) || !REGISTERED_ID_TYPES.includes(value)) {
        errors[name] = context.t('kyc.registeredId');
        continue;
      }
      idType = value;
    }
    text[name] = checked.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, text };
}

export interface FormFieldView {
  readonly name: TextFieldName;
  readonly label: string;
  readonly hint: string;
  readonly control: 'input' | 'select';
  readonly inputType: 'text' | 'tel' | 'date';
  readonly autocomplete: string;
  readonly inputmode: string | null;
  readonly max: string | null;
  readonly value: string;
  readonly error: string | null;
  readonly options: readonly { value: string; label: string; selected: boolean }[];
}

interface Control {
  readonly label: MessageKey;
  readonly hint: MessageKey;
  readonly autocomplete: string;
  readonly inputType: FormFieldView['inputType'];
  readonly inputmode: string | null;
}

/** How each field tier 1 asks for is drawn; the keyboard a phone shows follows `inputmode`. */
const CONTROLS: Readonly<Partial<Record<TextFieldName, Control>>> = {
  first_name: {
    label: 'field.first_name.label',
    hint: 'field.first_name.hint',
    autocomplete: 'given-name',
    inputType: 'text',
    inputmode: null,
  },
  last_name: {
    label: 'field.last_name.label',
    hint: 'field.last_name.hint',
    autocomplete: 'family-name',
    inputType: 'text',
    inputmode: null,
  },
  mobile_number: {
    label: 'field.mobile_number.label',
    hint: 'field.mobile_number.hint',
    autocomplete: 'tel',
    inputType: 'tel',
    inputmode: 'tel',
  },
  birth_date: {
    label: 'field.birth_date.label',
    hint: 'field.birth_date.hint',
    autocomplete: 'bday',
    inputType: 'date',
    inputmode: null,
  },
  id_type: {
    label: 'field.id_type.label',
    hint: 'field.id_type.hint',
    autocomplete: 'off',
    inputType: 'text',
    inputmode: null,
  },
  id_number: {
    label: 'field.id_number.label',
    hint: 'field.id_number.hint',
    autocomplete: 'off',
    inputType: 'text',
    inputmode: 'numeric',
  },
};
const ID_TYPE_LABELS: Readonly<Partial<Record<IdType, MessageKey>>> = {
  bvn: 'idType.bvn',
  nin: 'idType.nin',
};
const ADULT_AGE_YEARS = 18;

/** The latest birth date of an adult today (the date input's max); 29 February falls back to the 28th. */
function adultBirthDateMax(today: string): string {
  const [year = '0', month = '01', day = '01'] = today.split('-');
  const safeDay = month === '02' && day === '29' ? '28' : day;
  return `${String(Number(year) - ADULT_AGE_YEARS).padStart(4, '0')}-${month}-${safeDay}`;
}

/** The fields as the template draws them: labels, hints, the posted value back, and errors. */
export function formFieldViews(
  fields: readonly TextFieldName[],
  values: Readonly<Record<string, string>>,
  errors: Readonly<Partial<Record<TextFieldName, string>>>,
  context: { readonly today: string; readonly t: Translate },
): FormFieldView[] {
  const { t } = context;
  return fields.map((name) => {
    const control = CONTROLS[name];
    assert(control !== undefined, `the pages ask only for identity fields, not ${name}`);
    // Never echo more than a field may hold: a huge posted value is not worth drawing.
    const value = (values[name] ?? '').slice(0, TEXT_VALUE_LENGTH_MAX);
    const isSelect = 'choices' in TEXT_FIELDS[name];
    return {
      name,
      label: t(control.label),
      hint: t(control.hint),
      control: isSelect ? 'select' : 'input',
      inputType: control.inputType,
      autocomplete: control.autocomplete,
      inputmode: control.inputmode,
      max: name === 'birth_date' ? adultBirthDateMax(context.today) : null,
      value,
      error: errors[name] ?? null,
      options: isSelect
        ? REGISTERED_ID_TYPES.map((id) => {
            const key = ID_TYPE_LABELS[id];
            return {
              value: id,
              label: key === undefined ? id.toUpperCase() : t(key),
              selected: value.toLowerCase() === id,
            };
          })
        : [],
    };
  });
}
