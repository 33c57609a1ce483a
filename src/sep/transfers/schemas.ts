/**
 * Schemas SEP-24 and SEP-6 share (sep-0024.md, sep-0006.md): the transaction object, the
 * `GET /transaction(s)` queries, the /info asset blocks and feature flags. TypeBox, so one
 * definition validates, types and documents (OpenAPI). Lengths are bounded; amounts are decimal
 * strings, except the /info and /deposit limits and fees, which both SEPs type as JSON numbers.
 */
import { Type, type TSchema } from 'typebox';

const Decimal = Type.String({ description: 'Exact decimal string.' });
const Timestamp = Type.String({ description: 'UTC ISO 8601.' });
const AssetId = Type.String({
  description: 'SEP-38 asset identifier (`iso4217:NGN`, `stellar:CODE:ISSUER`).',
});

/** A query or body field wallets may leave empty; lengths keep parsing bounded. */
export const Text = (maxLength: number, description?: string) =>
  Type.String({ maxLength, ...(description === undefined ? {} : { description }) });

export const LangField = Type.Optional(
  Text(16, 'RFC 4646 language (`en`, `en-US`); unsupported ones fall back to `en`.'),
);

const FeeDetails = Type.Object({
  total: Decimal,
  asset: AssetId,
  details: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String(), description: Type.Optional(Type.String()), amount: Decimal }),
    ),
  ),
});

const Refunds = Type.Object({
  amount_refunded: Decimal,
  amount_fee: Decimal,
  payments: Type.Array(
    Type.Object({
      id: Type.String(),
      id_type: Type.Union([Type.Literal('stellar'), Type.Literal('external')]),
      amount: Decimal,
      fee: Decimal,
    }),
  ),
});

/** What SEP-6 `instructions` hold: SEP-9 financial account fields as keys (sep-0006.md "Deposit"). */
export const Instructions = Type.Record(
  Type.String(),
  Type.Object({ value: Type.String(), description: Type.String() }),
  { description: 'How to pay: SEP-9 financial account fields (see each description).' },
);

const TransactionId = Type.String({ format: 'uuid' });

/** Every field of the transaction object but `id` and `kind` (src/flows/transfers/view.ts renders it). */
const TransactionFields = {
  status: Type.String({
    description: 'SEP-24 / SEP-6 status (`incomplete`, `pending_user_transfer_start`, …).',
  }),
  more_info_url: Type.String({ description: 'The status page of the transaction (no personal data).' }),
  amount_in: Type.Optional(Decimal),
  amount_in_asset: Type.Optional(AssetId),
  amount_out: Type.Optional(Decimal),
  amount_out_asset: Type.Optional(AssetId),
  amount_fee: Type.Optional(Decimal),
  amount_fee_asset: Type.Optional(AssetId),
  fee_details: Type.Optional(FeeDetails),
  quote_id: Type.Optional(Type.String()),
  started_at: Timestamp,
  updated_at: Timestamp,
  completed_at: Type.Optional(Timestamp),
  user_action_required_by: Type.Optional(Timestamp),
  stellar_transaction_id: Type.Optional(Type.String()),
  external_transaction_id: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  refunded: Type.Boolean(),
  refunds: Type.Optional(Refunds),
  from: Type.Optional(
    Type.String({
      description: 'Deposit: not shown. Withdrawal: the Stellar account the asset is sent from.',
    }),
  ),
  to: Type.Optional(
    Type.String({
      description:
        'Deposit: the Stellar account credited. Withdrawal: the bank account paid, as its bank code and last 4 digits (`058…6789`), never the full number.',
    }),
  ),
  deposit_memo: Type.Optional(Type.String({ description: '`hash` memos are base64.' })),
  deposit_memo_type: Type.Optional(Type.String()),
  claimable_balance_id: Type.Optional(Type.String()),
  withdraw_anchor_account: Type.Optional(
    Type.String({ description: 'Withdrawal: the account to send the asset to, once the memo is issued.' }),
  ),
  withdraw_memo: Type.Optional(
    Type.String({ description: 'Withdrawal: the memo the payment must carry (unique per withdrawal).' }),
  ),
  withdraw_memo_type: Type.Optional(Type.Literal('id')),
};

export const Sep24Transaction = Type.Object({
  id: TransactionId,
  kind: Type.Union([Type.Literal('deposit'), Type.Literal('withdrawal')]),
  ...TransactionFields,
});

export const SEP6_KINDS = ['deposit', 'deposit-exchange', 'withdrawal', 'withdrawal-exchange'] as const;
export type Sep6Kind = (typeof SEP6_KINDS)[number];

export const Sep6Transaction = Type.Object({
  id: TransactionId,
  kind: Type.Union(
    SEP6_KINDS.map((kind) => Type.Literal(kind)),
    { description: '`-exchange` when the deposit or withdrawal converts at a SEP-38 quote.' },
  ),
  ...TransactionFields,
  instructions: Type.Optional(
    Type.Record(Type.String(), Type.Object({ value: Type.String(), description: Type.String() }), {
      description: 'While a SEP-6 deposit waits for its naira: how to pay, as its /deposit answer said.',
    }),
  ),
});

export const TransactionQuery = Type.Object(
  {
    id: Type.Optional(Text(64)),
    stellar_transaction_id: Type.Optional(Text(64)),
    external_transaction_id: Type.Optional(Text(200)),
    lang: LangField,
  },
  { additionalProperties: true, maxProperties: 16, description: 'Exactly one of the three ids.' },
);

/** `GET /transactions`; `kindHelp` says which kinds this SEP's `kind` takes. */
export const transactionsQuery = (kindHelp: string) =>
  Type.Object(
    {
      asset_code: Type.String({ minLength: 1, maxLength: 12 }),
      kind: Type.Optional(
        Type.Union([Text(80), Type.Array(Text(40), { maxItems: 4 })], { description: kindHelp }),
      ),
      limit: Type.Optional(
        Type.String({
          pattern: '^[0-9]{1,6}$',
          description: 'At most this many (default 50, capped at 100).',
        }),
      ),
      paging_id: Type.Optional(Text(64, 'Only transactions started before this one (exclusive).')),
      no_older_than: Type.Optional(Text(40, 'UTC ISO 8601: only transactions started at or after it.')),
      account: Type.Optional(Text(90, 'SEP-6: must be the authenticated account when given.')),
      lang: LangField,
    },
    { additionalProperties: true, maxProperties: 16 },
  );

export const transactionResponse = <T extends TSchema>(transaction: T) => Type.Object({ transaction });
export const transactionsResponse = <T extends TSchema>(transaction: T) =>
  Type.Object({ transactions: Type.Array(transaction) });

const AmountNumber = (description: string) => Type.Number({ description });

/** One asset's deposit terms, as both SEPs' /info give them (naira amounts: what is paid in). */
export const DepositAssetFields = {
  enabled: Type.Boolean(),
  min_amount: Type.Optional(AmountNumber('Least naira paid in per deposit.')),
  max_amount: Type.Optional(AmountNumber('Most naira paid in per deposit (KYC tiers may allow less).')),
  fee_fixed: Type.Optional(
    AmountNumber('Naira: present only when the fee is exactly fixed + percent (no minimum or cap).'),
  ),
  fee_percent: Type.Optional(AmountNumber('Percentage points of the naira paid in; see fee_fixed.')),
};

export const DisabledAsset = Type.Object({ enabled: Type.Boolean() });

/**
 * One asset's withdrawal terms, as both SEPs' /info give them: amounts in units of the asset sent.
 * A fee is announced only for the naira token at par (naira, which is that token one to one).
 */
export const WithdrawAssetFields = {
  enabled: Type.Boolean(),
  min_amount: Type.Optional(AmountNumber('Least of the asset sent per withdrawal.')),
  max_amount: Type.Optional(
    AmountNumber('Most of the asset sent per withdrawal (KYC tiers may allow less).'),
  ),
  fee_fixed: Type.Optional(
    AmountNumber(
      'In units of the asset (the naira token: naira); only when the fee is exactly fixed + percent.',
    ),
  ),
  fee_percent: Type.Optional(AmountNumber('Percentage points of the amount sent; see fee_fixed.')),
};

export const Features = Type.Object({
  account_creation: Type.Boolean({ description: 'True when STELLAR_CREATE_ACCOUNT_XLM is set.' }),
  claimable_balances: Type.Boolean(),
});

export const FeeEndpoint = Type.Object({
  enabled: Type.Boolean(),
  description: Type.Optional(Type.String()),
});

/** The guard's 403 also carries SEP's `type`, which a plain ErrorBody would strip. */
export const AuthError = Type.Object({
  error: Type.String(),
  code: Type.String(),
  type: Type.Optional(Type.String()),
});

/** Shared `{ error, code }` body (registered by platform/http/openapi.ts). */
export const ErrorRef = Type.Ref('ErrorBody');
