/**
 * SEP-24's own request and response shapes (sep-0024.md); the transaction object, history queries
 * and /info asset fields are shared with SEP-6 (../transfers/schemas.ts).
 */
import { Type, type Static } from 'typebox';
import {
  DepositAssetFields,
  Features,
  FeeEndpoint,
  LangField,
  Text,
  WithdrawAssetFields,
} from '../transfers/schemas.js';

export const InfoResponse = Type.Object({
  deposit: Type.Record(Type.String(), Type.Object(DepositAssetFields), {
    description: 'Per asset code. Amounts are naira paid in (the fee comes out of them).',
  }),
  withdraw: Type.Record(Type.String(), Type.Object(WithdrawAssetFields), {
    description:
      'Per asset code. Amounts are the asset sent; a quoted asset (USDC) is priced on the hosted pages.',
  }),
  fee: FeeEndpoint,
  features: Features,
});
export type InfoResponse = Static<typeof InfoResponse>;

/**
 * `POST /transactions/deposit/interactive`, as JSON, a form or multipart/form-data. SEP-9 fields
 * (`first_name`, `email_address`, …) are accepted and, for now, ignored: personal data goes through
 * SEP-12, never into the interactive URL. Unknown fields are ignored too, within a bounded count.
 */
export const DepositBody = Type.Object(
  {
    asset_code: Type.String({ minLength: 1, maxLength: 12 }),
    asset_issuer: Type.Optional(Text(56)),
    amount: Type.Optional(
      Type.Union([Text(40), Type.Number()], { description: 'Naira to pay in (e.g. `5000` or `5000.50`).' }),
    ),
    account: Type.Optional(
      Text(69, 'Where the asset goes (G… or M…); the authenticated account by default.'),
    ),
    memo: Type.Optional(Text(64, '`hash` memos are base64.')),
    memo_type: Type.Optional(Text(8, '`text`, `id` or `hash`.')),
    quote_id: Type.Optional(Text(64, 'A firm SEP-38 quote selling naira for this asset.')),
    source_asset: Type.Optional(Text(100, 'Only `iso4217:NGN`.')),
    claimable_balance_supported: Type.Optional(Type.Union([Type.Boolean(), Text(5)])),
    lang: LangField,
    on_change_callback: Type.Optional(Text(2048)),
    customer_id: Type.Optional(Text(64, 'Ignored: the customer is the SEP-10 subject.')),
    wallet_name: Type.Optional(Text(200, 'Deprecated; ignored.')),
    wallet_url: Type.Optional(Text(2048, 'Deprecated; ignored.')),
  },
  { additionalProperties: true, maxProperties: 64 },
);
export type DepositBody = Static<typeof DepositBody>;

/**
 * `POST /transactions/withdraw/interactive`, as JSON, a form or multipart/form-data. The bank account
 * is asked on the hosted pages (never in the request: SEP-9 bank fields here are ignored, as every
 * SEP-9 field is), and so is the amount when none is given.
 */
export const WithdrawBody = Type.Object(
  {
    asset_code: Type.String({ minLength: 1, maxLength: 12 }),
    asset_issuer: Type.Optional(Text(56)),
    amount: Type.Optional(
      Type.Union([Text(40), Type.Number()], {
        description: 'The asset to send (e.g. `5000` or `12.5`); the naira token in whole kobo (2 places).',
      }),
    ),
    account: Type.Optional(
      Text(69, 'Where the asset is sent from (G… or M…); the authenticated account by default.'),
    ),
    quote_id: Type.Optional(Text(64, 'A firm SEP-38 quote selling this asset for naira.')),
    destination_asset: Type.Optional(Text(100, 'Only `iso4217:NGN`.')),
    refund_memo: Type.Optional(
      Text(64, 'The memo a refund is sent with; `hash` memos are base64. Needs refund_memo_type.'),
    ),
    refund_memo_type: Type.Optional(Text(8, '`text`, `id` or `hash`. Needs refund_memo.')),
    lang: LangField,
    on_change_callback: Type.Optional(Text(2048)),
    memo: Type.Optional(Text(64, 'Deprecated; ignored: a shared account is told apart by its SEP-10 memo.')),
    memo_type: Type.Optional(Text(8, 'Deprecated; ignored.')),
    customer_id: Type.Optional(Text(64, 'Ignored: the customer is the SEP-10 subject.')),
    wallet_name: Type.Optional(Text(200, 'Deprecated; ignored.')),
    wallet_url: Type.Optional(Text(2048, 'Deprecated; ignored.')),
  },
  { additionalProperties: true, maxProperties: 64 },
);
export type WithdrawBody = Static<typeof WithdrawBody>;

export const InteractiveResponse = Type.Object({
  type: Type.Literal('interactive_customer_info_needed'),
  url: Type.String({ description: 'Open once: it carries a single-use token that expires within minutes.' }),
  id: Type.String({ format: 'uuid' }),
});
export type InteractiveResponse = Static<typeof InteractiveResponse>;
