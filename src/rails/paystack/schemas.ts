/**
 * TypeBox schemas of the Paystack responses Rampart reads, derived from the official OpenAPI
 * (reference/paystack-openapi.yaml) and rails-notes PART A. They are strict on every field we act
 * on (amounts, references, statuses, codes) and lenient on everything else: unknown keys pass, and
 * fields we only display are optional or nullable, because Paystack adds fields and its examples
 * disagree on casing. A response that fails its schema is an error, never trusted.
 *
 * Amounts and ids must be safe integers: a JSON number beyond 2^53 has already lost precision by
 * the time JSON.parse hands it over, so it is refused instead of rounded.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/** The length bounds of strings we key on; Paystack's own are shorter. */
export const REFERENCE_LENGTH_MAX = 100;
export const MESSAGE_LENGTH_MAX = 2_000;

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Kobo (or another currency's subunit), as Paystack sends it: a non-negative safe integer. */
export const WireAmount = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** A balance may in principle be negative (fees debited after a reversal); still a safe integer. */
export const WireSignedAmount = Type.Integer({
  minimum: Number.MIN_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
});
export const WireId = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const WireReference = Type.String({ minLength: 1, maxLength: REFERENCE_LENGTH_MAX });
const WireStatus = Type.String({ minLength: 1, maxLength: 32 });
const WireCurrency = Type.String({ minLength: 3, maxLength: 3 });

/** `{status: true, message, data, meta?}`; `data` is checked by the endpoint's own schema. */
export const SuccessEnvelope = Type.Object({
  status: Type.Literal(true),
  message: Type.String({ maxLength: MESSAGE_LENGTH_MAX }),
  data: Type.Unknown(),
  meta: Type.Optional(Type.Unknown()),
});

/** `{status: false, message, code?, type?}`: Paystack answered and refused. */
export const ErrorEnvelope = Type.Object({
  status: Type.Literal(false),
  message: Type.String({ maxLength: MESSAGE_LENGTH_MAX }),
  code: Type.Optional(Type.String({ maxLength: 100 })),
  type: Type.Optional(Type.String({ maxLength: 100 })),
});

export const InitializeData = Type.Object({
  authorization_url: Type.String({ minLength: 1, maxLength: 2_000 }),
  access_code: Type.String({ minLength: 1, maxLength: 200 }),
  reference: WireReference,
});

const CustomerRef = Type.Object({ customer_code: Type.Optional(Nullable(Type.String({ maxLength: 100 }))) });

export const TransactionData = Type.Object({
  id: WireId,
  status: WireStatus,
  reference: WireReference,
  amount: WireAmount,
  currency: WireCurrency,
  domain: Type.Optional(Nullable(Type.String())),
  channel: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  gateway_response: Type.Optional(Nullable(Type.String({ maxLength: MESSAGE_LENGTH_MAX }))),
  paid_at: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  paidAt: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  created_at: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  createdAt: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  customer: Type.Optional(Nullable(CustomerRef)),
  // Echoed as sent, or "" / 0 when none was sent (rails-notes A2): typed unknown on purpose.
  metadata: Type.Optional(Type.Unknown()),
});
export type TransactionData = Static<typeof TransactionData>;

export const TransactionListData = Type.Array(TransactionData, { maxItems: 1_000 });

/** Offset paging meta; `perPage` and `page` come back as strings on some endpoints. */
export const OffsetMeta = Type.Object({
  total: Type.Optional(Type.Integer({ minimum: 0 })),
  page: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 20 })])),
  pageCount: Type.Optional(Type.Integer({ minimum: 0 })),
});

/** Cursor paging meta; `next` may be null or the string "null". */
export const CursorMeta = Type.Object({
  next: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
});

export const CustomerData = Type.Object({
  id: WireId,
  customer_code: Type.String({ minLength: 1, maxLength: 100 }),
  email: Type.String({ maxLength: 320 }),
});

export const DedicatedAccountData = Type.Object({
  id: WireId,
  account_number: Type.String({ minLength: 1, maxLength: 20 }),
  account_name: Type.String({ maxLength: 200 }),
  active: Type.Boolean(),
  assigned: Type.Optional(Type.Boolean()),
  currency: WireCurrency,
  bank: Type.Object({
    name: Type.String({ maxLength: 200 }),
    slug: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  }),
  customer: Type.Optional(Nullable(CustomerRef)),
});
export type DedicatedAccountData = Static<typeof DedicatedAccountData>;

export const BankData = Type.Object({
  name: Type.String({ maxLength: 200 }),
  code: Type.String({ minLength: 1, maxLength: 20 }),
  slug: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  active: Type.Optional(Nullable(Type.Boolean())),
  is_deleted: Type.Optional(Nullable(Type.Boolean())),
  supports_transfer: Type.Optional(Nullable(Type.Boolean())),
  currency: Type.Optional(Nullable(Type.String({ maxLength: 3 }))),
  type: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
});
export type BankData = Static<typeof BankData>;

export const BankListData = Type.Array(BankData, { maxItems: 1_000 });

export const ResolveData = Type.Object({
  account_number: Type.String({ minLength: 1, maxLength: 20 }),
  account_name: Type.String({ minLength: 1, maxLength: 200 }),
  bank_id: Type.Optional(Nullable(WireId)),
});

export const RecipientData = Type.Object({
  recipient_code: Type.String({ pattern: '^RCP_[A-Za-z0-9]{1,64}$' }),
  active: Type.Optional(Nullable(Type.Boolean())),
});

/**
 * A transfer as initiate, finalize and verify return it. `recipient` is a numeric id after
 * initiate and the full object after verify; `session` only exists once the bank was reached.
 */
export const TransferData = Type.Object({
  id: Type.Optional(Nullable(WireId)),
  reference: WireReference,
  transfer_code: Type.String({ minLength: 1, maxLength: 100 }),
  status: WireStatus,
  amount: WireAmount,
  currency: WireCurrency,
  reason: Type.Optional(Nullable(Type.String({ maxLength: MESSAGE_LENGTH_MAX }))),
  recipient: Type.Optional(
    Nullable(Type.Union([WireId, Type.Object({ recipient_code: Type.String({ maxLength: 100 }) })])),
  ),
  failures: Type.Optional(Type.Unknown()),
  session: Type.Optional(
    Nullable(Type.Object({ id: Type.Optional(Nullable(Type.String({ maxLength: 200 }))) })),
  ),
  fee_charged: Type.Optional(Nullable(WireAmount)),
});
export type TransferData = Static<typeof TransferData>;

/** The fields every refund view shares (OpenAPI RefundCreateResponse, RefundFetchResponse). */
const RefundFields = {
  id: WireId,
  status: WireStatus,
  amount: WireAmount,
  currency: WireCurrency,
  createdAt: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  created_at: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
};

/**
 * A refund. Create embeds the refunded transaction as an object; fetch and list give its numeric
 * id with `transaction_reference` beside it. Either way the reference is required: a refund we
 * cannot tie to its transaction is not one we can book.
 */
export const RefundData = Type.Union([
  Type.Object({ ...RefundFields, transaction: Type.Object({ id: WireId, reference: WireReference }) }),
  Type.Object({ ...RefundFields, transaction: WireId, transaction_reference: WireReference }),
]);
export type RefundData = Static<typeof RefundData>;

export const RefundListData = Type.Array(RefundData, { maxItems: 1_000 });

export const BalanceData = Type.Array(Type.Object({ currency: WireCurrency, balance: WireSignedAmount }), {
  maxItems: 50,
});

export const Schemas = {
  successEnvelope: Compile(SuccessEnvelope),
  errorEnvelope: Compile(ErrorEnvelope),
  initialize: Compile(InitializeData),
  transaction: Compile(TransactionData),
  transactionList: Compile(TransactionListData),
  offsetMeta: Compile(OffsetMeta),
  cursorMeta: Compile(CursorMeta),
  customer: Compile(CustomerData),
  dedicatedAccount: Compile(DedicatedAccountData),
  bank: Compile(BankData),
  bankList: Compile(BankListData),
  resolve: Compile(ResolveData),
  recipient: Compile(RecipientData),
  transfer: Compile(TransferData),
  balance: Compile(BalanceData),
  refund: Compile(RefundData),
  refundList: Compile(RefundListData),
} as const;

/** What the client needs of a compiled schema; typebox's `Validator` satisfies it. */
export interface Checker<T> {
  Check(value: unknown): value is T;
  Errors(value: unknown): readonly { instancePath: string; message: string }[];
}

/** The first failing path and message, without the value (it may be personal data). */
export function describeMismatch(validator: Checker<unknown>, value: unknown): string {
  const first = validator.Errors(value)[0];
  if (first === undefined) return 'does not match its schema';
  return `${first.instancePath === '' ? '(root)' : first.instancePath}: ${first.message}`;
}
