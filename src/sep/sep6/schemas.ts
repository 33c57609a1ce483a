/**
 * SEP-6's own request and response shapes (sep-0006.md); the transaction object, history queries
 * and /info asset fields are shared with SEP-24 (../transfers/schemas.ts). Requests are query
 * strings: every value arrives as text.
 */
import { Type, type Static } from 'typebox';
import {
  DepositAssetFields,
  Features,
  FeeEndpoint,
  Instructions,
  LangField,
  Text,
  WithdrawAssetFields,
} from '../transfers/schemas.js';

const DepositAsset = Type.Object({
  ...DepositAssetFields,
  authentication_required: Type.Optional(Type.Boolean()),
  funding_methods: Type.Optional(Type.Array(Type.String())),
});

/** SEP-6's (deprecated) `fields` object: a request parameter the wallet must ask the user for. */
const RequestField = Type.Object({
  description: Type.String(),
  optional: Type.Optional(Type.Boolean()),
  choices: Type.Optional(Type.Array(Type.String())),
});

const WithdrawAsset = Type.Object({
  ...WithdrawAssetFields,
  authentication_required: Type.Optional(Type.Boolean()),
  funding_methods: Type.Optional(Type.Array(Type.String())),
  types: Type.Optional(
    Type.Record(
      Type.String(),
      Type.Object({ fields: Type.Optional(Type.Record(Type.String(), RequestField)) }),
      {
        description:
          'Deprecated by SEP-6 in favour of funding_methods; says which request fields each needs.',
      },
    ),
  ),
});
export type WithdrawAsset = Static<typeof WithdrawAsset>;

const Endpoint = Type.Object({ enabled: Type.Boolean(), authentication_required: Type.Boolean() });

export const InfoResponse = Type.Object({
  deposit: Type.Record(Type.String(), DepositAsset, {
    description:
      'Per asset code: the assets bought at par. Amounts are naira paid in (the fee comes out of them).',
  }),
  'deposit-exchange': Type.Record(Type.String(), DepositAsset, {
    description: 'Per asset code: the assets bought at a firm SEP-38 quote (quote_id required).',
  }),
  withdraw: Type.Record(Type.String(), WithdrawAsset, {
    description: 'Per asset code: the assets redeemed at par. Amounts are the asset sent.',
  }),
  'withdraw-exchange': Type.Record(Type.String(), WithdrawAsset, {
    description: 'Per asset code: the assets sold at a firm SEP-38 quote (quote_id required).',
  }),
  fee: FeeEndpoint,
  transactions: Endpoint,
  transaction: Endpoint,
  features: Features,
});
export type InfoResponse = Static<typeof InfoResponse>;

/** What `/deposit` and `/deposit-exchange` share. SEP-9 fields sent here are ignored (SEP-12 takes them). */
const DepositFields = {
  amount: Type.String({
    minLength: 1,
    maxLength: 40,
    description: 'Naira to pay in (e.g. `5000` or `5000.50`): the fee comes out of it. Required by Rampart.',
  }),
  account: Type.Optional(Text(69, 'Where the asset goes (G… or M…); the authenticated account by default.')),
  memo_type: Type.Optional(Text(8, '`text`, `id` or `hash`.')),
  memo: Type.Optional(Text(64, '`hash` memos are base64.')),
  funding_method: Type.Optional(
    Text(
      40,
      'How the naira is paid: `card`, `bank_transfer` or `ussd` (see GET /info). Absent: any, on the payment page.',
    ),
  ),
  type: Type.Optional(Text(40, 'Deprecated name of funding_method.')),
  lang: LangField,
  on_change_callback: Type.Optional(Text(2048)),
  claimable_balance_supported: Type.Optional(Text(5, '`true` or `false`.')),
  customer_id: Type.Optional(Text(64, 'Ignored: the customer is the SEP-10 subject.')),
  country_code: Type.Optional(Text(3, 'Ignored.')),
};

export const DepositQuery = Type.Object(
  { asset_code: Type.String({ minLength: 1, maxLength: 12 }), ...DepositFields },
  { additionalProperties: true, maxProperties: 40 },
);
export type DepositQuery = Static<typeof DepositQuery>;

export const DepositExchangeQuery = Type.Object(
  {
    destination_asset: Type.String({
      minLength: 1,
      maxLength: 12,
      description: 'The asset code to receive.',
    }),
    source_asset: Type.String({ minLength: 1, maxLength: 100, description: 'Only `iso4217:NGN`.' }),
    quote_id: Type.Optional(Text(64, 'A firm SEP-38 quote selling naira for destination_asset (required).')),
    ...DepositFields,
  },
  { additionalProperties: true, maxProperties: 40 },
);
export type DepositExchangeQuery = Static<typeof DepositExchangeQuery>;

export const DepositResponse = Type.Object({
  id: Type.String({ format: 'uuid' }),
  how: Type.String({
    description: 'Deprecated by SEP-6 in favour of instructions; the same, in a sentence.',
  }),
  instructions: Instructions,
  min_amount: Type.Optional(Type.Number({ description: 'Naira.' })),
  max_amount: Type.Optional(
    Type.Number({
      description:
        "Naira: the asset's limit or the customer's KYC tier limit per transaction, whichever is lower.",
    }),
  ),
  fee_fixed: Type.Optional(
    Type.Number({ description: 'Naira; only when the fee is exactly fixed + percent.' }),
  ),
  fee_percent: Type.Optional(Type.Number()),
  extra_info: Type.Optional(Type.Object({ message: Type.Optional(Type.String()) })),
});
export type DepositResponse = Static<typeof DepositResponse>;

/**
 * What `/withdraw` and `/withdraw-exchange` share. The bank account comes as SEP-6's deprecated
 * `dest` / `dest_extra`: it is resolved at Paystack and its name must match the customer's KYC name.
 * SEP-9 fields sent here are ignored (SEP-12 takes them).
 */
const WithdrawFields = {
  amount: Type.String({
    minLength: 1,
    maxLength: 40,
    description:
      'The asset to send (e.g. `5000`; the naira token in whole kobo). Required by Rampart; with quote_id, the quote’s sell_amount.',
  }),
  funding_method: Type.Optional(Text(40, 'How naira is paid out: only `bank_account` (see GET /info).')),
  type: Type.Optional(Text(40, 'Deprecated name of funding_method: only `bank_account`.')),
  dest: Type.Optional(
    Text(20, 'The Nigerian bank account (NUBAN, 10 digits) to pay, in your own name. Required.'),
  ),
  dest_extra: Type.Optional(Text(10, 'The bank code of that account (e.g. `058`). Required.')),
  account: Type.Optional(
    Text(69, 'Where the asset is sent from (G… or M…); the authenticated account by default.'),
  ),
  refund_memo: Type.Optional(
    Text(64, 'The memo a refund is sent with; `hash` memos are base64. Needs refund_memo_type.'),
  ),
  refund_memo_type: Type.Optional(Text(8, '`text`, `id` or `hash`. Needs refund_memo.')),
  lang: LangField,
  on_change_callback: Type.Optional(Text(2048)),
  memo: Type.Optional(Text(64, 'Deprecated; ignored: a shared account is told apart by its SEP-10 memo.')),
  memo_type: Type.Optional(Text(8, 'Deprecated; ignored.')),
  customer_id: Type.Optional(Text(64, 'Ignored: the customer is the SEP-10 subject.')),
  country_code: Type.Optional(Text(3, 'Ignored.')),
  location_id: Type.Optional(Text(64, 'Ignored: no cash pickup.')),
  wallet_name: Type.Optional(Text(200, 'Deprecated; ignored.')),
  wallet_url: Type.Optional(Text(2048, 'Deprecated; ignored.')),
};

export const WithdrawQuery = Type.Object(
  { asset_code: Type.String({ minLength: 1, maxLength: 12 }), ...WithdrawFields },
  { additionalProperties: true, maxProperties: 40 },
);
export type WithdrawQuery = Static<typeof WithdrawQuery>;

export const WithdrawExchangeQuery = Type.Object(
  {
    source_asset: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'The asset to send: its code (`USDC`) or SEP-38 id (`stellar:USDC:G…`).',
    }),
    destination_asset: Type.String({ minLength: 1, maxLength: 100, description: 'Only `iso4217:NGN`.' }),
    quote_id: Type.Optional(Text(64, 'A firm SEP-38 quote selling source_asset for naira (required).')),
    ...WithdrawFields,
  },
  { additionalProperties: true, maxProperties: 40 },
);
export type WithdrawExchangeQuery = Static<typeof WithdrawExchangeQuery>;

export const WithdrawResponse = Type.Object({
  account_id: Type.String({ description: 'Send the asset to this Stellar account.' }),
  memo_type: Type.Literal('id'),
  memo: Type.String({ description: 'With this memo: it is unique to this withdrawal.' }),
  id: Type.String({ format: 'uuid' }),
  min_amount: Type.Optional(Type.Number({ description: 'In units of the asset.' })),
  max_amount: Type.Optional(
    Type.Number({
      description:
        "In units of the asset: the asset's limit or, for the naira token, the customer's KYC tier limit per transaction, whichever is lower.",
    }),
  ),
  fee_fixed: Type.Optional(
    Type.Number({ description: 'Naira (the naira token); only when the fee is exactly fixed + percent.' }),
  ),
  fee_percent: Type.Optional(Type.Number()),
  extra_info: Type.Optional(Type.Object({ message: Type.Optional(Type.String()) })),
});
export type WithdrawResponse = Static<typeof WithdrawResponse>;

/**
 * SEP-6's 403 answers: `authentication_required` (no or a bad token), and — before any deposit or
 * withdrawal is made — `non_interactive_customer_info_needed` (the SEP-9 `fields` to send through
 * SEP-12) or `customer_info_status` (`pending` while checked, `denied` when refused). Each also
 * carries Rampart's `error` and `code`.
 */
export const Forbidden = Type.Object({
  error: Type.String(),
  code: Type.String(),
  type: Type.String({
    description:
      '`authentication_required`, `non_interactive_customer_info_needed` or `customer_info_status`.',
  }),
  fields: Type.Optional(Type.Array(Type.String())),
  status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('denied')])),
});
export type Forbidden = Static<typeof Forbidden>;
