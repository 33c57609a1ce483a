/** Request and response schemas of SEP-12 (sep-0012.md), the single source of validation and OpenAPI. */
import { Type } from 'typebox';

const Text = (maxLength: number) => Type.String({ maxLength });

/** The identifying parameters every SEP-12 request may carry (account and memo_type deprecated). */
const Addressing = {
  id: Type.Optional(Text(64)),
  account: Type.Optional(Text(69)),
  memo: Type.Optional(Text(64)),
  memo_type: Type.Optional(Type.Union([Type.Literal('id'), Type.Literal('text'), Type.Literal('hash')])),
};

export const CustomerQuery = Type.Object(
  {
    ...Addressing,
    type: Type.Optional(Text(40)),
    transaction_id: Type.Optional(Text(64)),
    lang: Type.Optional(Text(8)),
  },
  { additionalProperties: false },
);

/**
 * PUT /customer: the addressing parameters, then SEP-9 fields (checked field by field in the
 * handler, so each error names its field), and `<field>_verification` codes. Other fields a wallet
 * sends are ignored, not stored.
 */
export const CustomerPutBody = Type.Object(
  {
    ...Addressing,
    type: Type.Optional(Text(40)),
    transaction_id: Type.Optional(Text(64)),
    mobile_number_verification: Type.Optional(Text(16)),
  },
  { additionalProperties: true, maxProperties: 64 },
);

export const VerificationBody = Type.Object(
  { id: Text(64), mobile_number_verification: Type.Optional(Text(16)) },
  { additionalProperties: true, maxProperties: 16 },
);

export const CallbackBody = Type.Object(
  { ...Addressing, url: Type.String({ minLength: 1, maxLength: 2048 }) },
  { additionalProperties: false },
);

export const DeleteParams = Type.Object({ account: Text(69) });
export const DeleteQuery = Type.Object(
  { memo: Type.Optional(Text(64)), memo_type: Addressing.memo_type },
  { additionalProperties: false },
);

const FieldType = Type.Union([
  Type.Literal('string'),
  Type.Literal('binary'),
  Type.Literal('number'),
  Type.Literal('date'),
]);
const FieldView = Type.Object({
  type: FieldType,
  description: Type.String(),
  choices: Type.Optional(Type.Array(Type.String())),
  optional: Type.Optional(Type.Boolean()),
});
const ProvidedFieldView = Type.Object({
  type: FieldType,
  description: Type.String(),
  choices: Type.Optional(Type.Array(Type.String())),
  optional: Type.Optional(Type.Boolean()),
  status: Type.Union([
    Type.Literal('ACCEPTED'),
    Type.Literal('PROCESSING'),
    Type.Literal('REJECTED'),
    Type.Literal('VERIFICATION_REQUIRED'),
  ]),
  error: Type.Optional(Type.String()),
});

export const CustomerResponse = Type.Object({
  id: Type.Optional(Type.String()),
  status: Type.Union([
    Type.Literal('ACCEPTED'),
    Type.Literal('PROCESSING'),
    Type.Literal('NEEDS_INFO'),
    Type.Literal('REJECTED'),
  ]),
  fields: Type.Optional(Type.Record(Type.String(), FieldView)),
  provided_fields: Type.Optional(Type.Record(Type.String(), ProvidedFieldView)),
  message: Type.Optional(Type.String()),
});

export const CustomerIdResponse = Type.Object({ id: Type.String() });

export const EmptyResponse = Type.Object({});
