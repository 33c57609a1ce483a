/**
 * SEP-6 (Deposit and Withdrawal API, sep-0006.md), mounted under /sep6 (stellar.toml's
 * TRANSFER_SERVER): GET /info, GET /deposit (the naira token, at par), GET /deposit-exchange (USDC,
 * at a firm SEP-38 quote), GET /withdraw (the naira token, at par), GET /withdraw-exchange (USDC, at
 * a firm SEP-38 quote), GET /transaction, GET /transactions.
 *
 * Deposits and withdrawals here are non-interactive: KYC comes through SEP-12 first (403 with the
 * fields still needed, before any transaction exists), then one request opens the transfer, fixes
 * its amounts and answers — for a deposit, how to pay (Rampart's payment link, or the customer's
 * dedicated bank account); for a withdrawal, where to send the asset (account and memo), once the
 * bank account in `dest` / `dest_extra` is found at Paystack in the customer's own name.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TransactionRow } from '../../flows/state-machine.js';
import { transferDeps, type TransferDeps } from '../../flows/transfers/deps.js';
import { transactionJson } from '../../flows/transfers/view.js';
import { SEP10_SECURITY } from '../auth.js';
import type { SepContext } from '../context.js';
import { transactionRoutes } from '../transfers/history.js';
import {
  depositOffers,
  featureFlags,
  fundingMethods,
  payoutMethods,
  withdrawOffers,
  type DepositOffer,
  type WithdrawOffer,
} from '../transfers/info.js';
import { given, identityOf, readFlag } from '../transfers/request.js';
import { ErrorRef, LangField, SEP6_KINDS, Sep6Transaction, type Sep6Kind } from '../transfers/schemas.js';
import { depositSep6, type Sep6DepositRequest } from './deposit.js';
import { bankTransferAnswer, checkoutAnswer, storedDedicatedAccount } from './instructions.js';
import {
  DepositExchangeQuery,
  DepositQuery,
  DepositResponse,
  Forbidden,
  InfoResponse,
  WithdrawExchangeQuery,
  WithdrawQuery,
  WithdrawResponse,
  type DepositQuery as DepositQueryType,
  type WithdrawAsset,
  type WithdrawQuery as WithdrawQueryType,
} from './schemas.js';
import { withdrawSep6, type Sep6WithdrawRequest } from './withdraw.js';

/** SEP-6's deprecated `types`: the bank account comes as `dest` and `dest_extra` (SEP-9 has no request field). */
const BANK_ACCOUNT_FIELDS = {
  dest: { description: 'Your Nigerian bank account number (NUBAN, 10 digits), in your own name' },
  dest_extra: { description: 'The bank code of that account (e.g. 058)' },
};

function withdrawAsset(offer: WithdrawOffer, methods: readonly string[]): WithdrawAsset {
  return {
    enabled: true,
    authentication_required: true,
    funding_methods: [...methods],
    types: Object.fromEntries(methods.map((method) => [method, { fields: BANK_ACCOUNT_FIELDS }])),
    min_amount: offer.minAmount,
    max_amount: offer.maxAmount,
  };
}

export function infoBody(
  offers: readonly DepositOffer[],
  withdrawals: readonly WithdrawOffer[],
  deps: Pick<TransferDeps, 'config' | 'catalog'>,
): InfoResponse {
  const methods = fundingMethods(deps.catalog);
  const payouts = payoutMethods(deps.catalog);
  const body: InfoResponse = {
    deposit: {},
    'deposit-exchange': {},
    withdraw: {},
    'withdraw-exchange': {},
    fee: {
      enabled: false,
      description:
        'The fee comes out of the naira paid in: see fee_details on each transaction, and the SEP-38 quote for quoted assets.',
    },
    transactions: { enabled: true, authentication_required: true },
    transaction: { enabled: true, authentication_required: true },
    features: featureFlags(deps.config),
  };
  for (const offer of offers) {
    const open = {
      enabled: true,
      authentication_required: true,
      funding_methods: [...methods],
      min_amount: offer.minAmount,
      max_amount: offer.maxAmount,
    };
    const code = offer.asset.code;
    // At par on /deposit; at a firm quote (quote_id) on /deposit-exchange only.
    body.deposit[code] = offer.quoted ? { enabled: false } : { ...open, ...offer.fee };
    body['deposit-exchange'][code] = offer.quoted ? open : { enabled: false };
    body.withdraw[code] = { enabled: false };
    body['withdraw-exchange'][code] = { enabled: false };
  }
  // Redeemed at par on /withdraw (with its fee); sold at a firm quote on /withdraw-exchange only.
  for (const offer of withdrawals) {
    const code = offer.asset.code;
    const open = withdrawAsset(offer, payouts);
    if (offer.quoted) body['withdraw-exchange'][code] = open;
    else body.withdraw[code] = { ...open, ...offer.fee };
  }
  return body;
}

/** SEP-6 names a deposit or withdrawal at a quote `…-exchange`. */
export function sep6KindOf(row: TransactionRow): Sep6Kind {
  return row.quote_id === null ? row.kind : `${row.kind}-exchange`;
}

/**
 * The SEP-6 transaction: SEP-24's fields, the `-exchange` kinds, and — while a SEP-6 deposit waits
 * for its naira — the same `instructions` its /deposit answer gave (read from storage: a GET never
 * asks Paystack for anything).
 */
async function sep6Json(deps: TransferDeps, row: TransactionRow) {
  const json = { ...transactionJson(deps, row), kind: sep6KindOf(row) };
  if (row.protocol !== 'sep6' || row.kind !== 'deposit' || row.status !== 'pending_user_transfer_start')
    return json;
  const account =
    row.funding_method === 'bank_transfer' &&
    row.customer_id !== null &&
    deps.config.paystackDedicatedAccountProvider !== undefined
      ? await storedDedicatedAccount(deps.db, row.customer_id)
      : undefined;
  const answer = account === undefined ? checkoutAnswer(deps, row) : bankTransferAnswer(row, account);
  return { ...json, instructions: answer.instructions };
}

type CommonQuery = Omit<DepositQueryType, 'asset_code'>;
type CommonWithdrawQuery = Omit<WithdrawQueryType, 'asset_code'>;

function commonFields(
  query: CommonQuery,
): Omit<Sep6DepositRequest, 'identity' | 'exchange' | 'assetCode' | 'amount'> {
  return {
    fundingMethod: given(query.funding_method) ?? given(query.type),
    account: given(query.account),
    memo: given(query.memo),
    memoType: given(query.memo_type),
    claimableBalanceSupported: readFlag(query.claimable_balance_supported, 'claimable_balance_supported'),
    lang: given(query.lang),
    onChangeCallback: given(query.on_change_callback),
  };
}

function withdrawFields(
  query: CommonWithdrawQuery,
): Omit<Sep6WithdrawRequest, 'identity' | 'exchange' | 'asset' | 'amount'> {
  return {
    fundingMethod: given(query.funding_method),
    type: given(query.type),
    dest: given(query.dest),
    destExtra: given(query.dest_extra),
    account: given(query.account),
    refundMemo: given(query.refund_memo),
    refundMemoType: given(query.refund_memo_type),
    lang: given(query.lang),
    onChangeCallback: given(query.on_change_callback),
  };
}

export const sep6: FastifyPluginAsyncTypebox<SepContext> = async (app, ctx) => {
  const deps = transferDeps(ctx);
  const offers = depositOffers(deps);
  const withdrawals = withdrawOffers(deps);
  const tags = ['sep6'];
  const security = [...SEP10_SECURITY];
  const depositResponses = { 200: DepositResponse, 400: ErrorRef, 403: Forbidden };
  const withdrawResponses = { 200: WithdrawResponse, 400: ErrorRef, 403: Forbidden, 503: ErrorRef };

  app.get(
    '/info',
    {
      schema: {
        tags,
        summary: 'Assets, funding methods, limits and features of SEP-6 deposits and withdrawals',
        querystring: Type.Object({ lang: LangField }, { additionalProperties: true, maxProperties: 8 }),
        response: { 200: InfoResponse },
      },
    },
    () => infoBody(offers, withdrawals, deps),
  );

  app.get(
    '/deposit',
    {
      onRequest: ctx.requireSep10,
      schema: {
        security,
        tags,
        summary: 'Deposit naira for the naira token (at par): how to pay, once KYC (SEP-12) allows it',
        querystring: DepositQuery,
        response: depositResponses,
      },
    },
    async (request, reply) => {
      const { query } = request;
      const outcome = await depositSep6(deps, {
        identity: identityOf(request),
        exchange: false,
        assetCode: query.asset_code,
        amount: query.amount,
        ...commonFields(query),
      });
      if (!outcome.ok) return reply.code(403).send(outcome.body);
      request.log.info({ transactionId: outcome.body.id }, 'sep6 deposit opened');
      return outcome.body;
    },
  );

  app.get(
    '/deposit-exchange',
    {
      onRequest: ctx.requireSep10,
      schema: {
        security,
        tags,
        summary:
          'Deposit naira for an asset bought at a firm SEP-38 quote (USDC): how to pay, once KYC allows it',
        querystring: DepositExchangeQuery,
        response: depositResponses,
      },
    },
    async (request, reply) => {
      const { query } = request;
      const outcome = await depositSep6(deps, {
        identity: identityOf(request),
        exchange: true,
        assetCode: query.destination_asset,
        amount: query.amount,
        quoteId: given(query.quote_id),
        sourceAsset: query.source_asset,
        ...commonFields(query),
      });
      if (!outcome.ok) return reply.code(403).send(outcome.body);
      request.log.info({ transactionId: outcome.body.id }, 'sep6 deposit-exchange opened');
      return outcome.body;
    },
  );

  app.get(
    '/withdraw',
    {
      onRequest: ctx.requireSep10,
      schema: {
        security,
        tags,
        summary:
          'Withdraw the naira token (at par) to a Nigerian bank account: where to send it, once KYC (SEP-12) allows it',
        querystring: WithdrawQuery,
        response: withdrawResponses,
      },
    },
    async (request, reply) => {
      const { query } = request;
      const outcome = await withdrawSep6(deps, {
        identity: identityOf(request),
        exchange: false,
        asset: query.asset_code,
        amount: query.amount,
        ...withdrawFields(query),
      });
      if (!outcome.ok) return reply.code(403).send(outcome.body);
      request.log.info({ transactionId: outcome.body.id }, 'sep6 withdrawal opened');
      return outcome.body;
    },
  );

  app.get(
    '/withdraw-exchange',
    {
      onRequest: ctx.requireSep10,
      schema: {
        security,
        tags,
        summary:
          'Withdraw an asset sold at a firm SEP-38 quote (USDC) to a Nigerian bank account: where to send it, once KYC allows it',
        querystring: WithdrawExchangeQuery,
        response: withdrawResponses,
      },
    },
    async (request, reply) => {
      const { query } = request;
      const outcome = await withdrawSep6(deps, {
        identity: identityOf(request),
        exchange: true,
        asset: query.source_asset,
        amount: query.amount,
        quoteId: given(query.quote_id),
        destinationAsset: query.destination_asset,
        ...withdrawFields(query),
      });
      if (!outcome.ok) return reply.code(403).send(outcome.body);
      request.log.info({ transactionId: outcome.body.id }, 'sep6 withdrawal-exchange opened');
      return outcome.body;
    },
  );

  await app.register(transactionRoutes, {
    deps,
    requireSep10: ctx.requireSep10,
    tags,
    transaction: Sep6Transaction,
    kinds: SEP6_KINDS,
    kindHelp:
      'Any of `deposit`, `deposit-exchange`, `withdrawal`, `withdrawal-exchange`: repeat the parameter, or separate with commas.',
    kindList: true,
    kindOf: sep6KindOf,
    render: (row) => sep6Json(deps, row),
  });
};
