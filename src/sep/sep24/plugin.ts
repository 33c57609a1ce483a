/**
 * SEP-24 (Hosted Deposit and Withdrawal, sep-0024.md), mounted under /sep24 (stellar.toml's
 * TRANSFER_SERVER_SEP0024): GET /info, POST /transactions/deposit/interactive, POST
 * /transactions/withdraw/interactive, GET /transaction and GET /transactions.
 *
 * A deposit or a withdrawal opens here (`incomplete`) and continues on Rampart's hosted pages: the
 * answer's URL carries a single-use token (its digest only is stored) and never any personal data;
 * the pages ask for KYC, the amount and — for a withdrawal — the bank account and the quote. Every
 * check of the request runs before the transaction is written, so a refused request changes nothing.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { depositAsset, openDeposit, pairOf, parFigures, readNairaAmount } from '../../flows/deposit/index.js';
import type { TransactionRow } from '../../flows/state-machine.js';
import { publicLink, transferDeps, type TransferDeps } from '../../flows/transfers/deps.js';
import { issueInteractiveToken } from '../../flows/transfers/interactive-token.js';
import { transactionJson } from '../../flows/transfers/view.js';
import { openWithdrawal, parWithdrawalFigures, readAssetAmount } from '../../flows/withdrawal/open.js';
import { SEP10_SECURITY } from '../auth.js';
import type { SepContext } from '../context.js';
import { registerBodyParsers } from '../sep12/body.js';
import { transactionRoutes } from '../transfers/history.js';
import {
  depositOffers,
  featureFlags,
  withdrawalsAvailable,
  withdrawOffers,
  type DepositOffer,
  type WithdrawOffer,
} from '../transfers/info.js';
import {
  amountText,
  checkRefundMemo,
  given,
  identityOf,
  readFlag,
  refuse,
  withdrawnAsset,
} from '../transfers/request.js';
import { AuthError, ErrorRef, LangField, Sep24Transaction } from '../transfers/schemas.js';
import { DepositBody, InfoResponse, InteractiveResponse, WithdrawBody } from './schemas.js';

/** Where the hosted pages redeem the interactive token (served by the web pages, not this plugin). */
export const INTERACTIVE_PATH = '/sep24/interactive';

export function infoBody(
  deposits: readonly DepositOffer[],
  withdrawals: readonly WithdrawOffer[],
  deps: Pick<TransferDeps, 'config'>,
): InfoResponse {
  const deposit: InfoResponse['deposit'] = {};
  const withdraw: InfoResponse['withdraw'] = {};
  for (const offer of deposits) {
    deposit[offer.asset.code] = {
      enabled: true,
      min_amount: offer.minAmount,
      max_amount: offer.maxAmount,
      ...offer.fee,
    };
    withdraw[offer.asset.code] = { enabled: false };
  }
  // A quoted asset (USDC) is enabled too: the hosted pages make its SEP-38 quote.
  for (const offer of withdrawals)
    withdraw[offer.asset.code] = {
      enabled: true,
      min_amount: offer.minAmount,
      max_amount: offer.maxAmount,
      ...offer.fee,
    };
  // Fees are shown per transaction (fee_details) and by SEP-38 GET /price: no GET /fee.
  return { deposit, withdraw, fee: { enabled: false }, features: featureFlags(deps.config) };
}

/**
 * An amount named now must be payable later: at par, more than its fee — which `openDeposit` does
 * not check, and the hosted pages could only refuse once the deposit exists.
 */
function checkPayable(deps: TransferDeps, body: DepositBody): void {
  const amount = amountText(body.amount);
  if (amount === undefined) return;
  const pair = pairOf(deps, depositAsset(deps, body.asset_code, given(body.asset_issuer)));
  if (pair.pricing.kind === 'par') parFigures(pair, readNairaAmount(pair, amount));
}

/**
 * What `openWithdrawal` does not check, and the hosted pages could only refuse once the withdrawal
 * exists: that withdrawals run here at all (both rails configured), that a refund memo comes with
 * its type, and that an amount named now can be paid out at par (whole kobo, more than the fee).
 */
function checkWithdrawable(deps: TransferDeps, body: WithdrawBody): void {
  if (!withdrawalsAvailable(deps)) throw refuse('withdrawals are not available (see GET /info)');
  const asset = withdrawnAsset(deps.config, body.asset_code, given(body.asset_issuer), 'asset_code');
  checkRefundMemo(given(body.refund_memo), given(body.refund_memo_type));
  const amount = amountText(body.amount);
  if (amount === undefined || given(body.quote_id) !== undefined) return;
  const pair = pairOf(deps, asset);
  if (pair.pricing.kind === 'par') parWithdrawalFigures(pair, readAssetAmount(pair, amount));
}

export const sep24: FastifyPluginAsyncTypebox<SepContext> = async (app, ctx) => {
  const deps = transferDeps(ctx);
  const offers = depositOffers(deps);
  const withdrawals = withdrawOffers(deps);
  const tags = ['sep24'];
  const security = [...SEP10_SECURITY];

  /** The hosted pages' URL for a transaction just opened: a single-use token, never personal data. */
  async function interactiveAnswer(row: TransactionRow): Promise<InteractiveResponse> {
    const expiresAt = new Date(deps.now().getTime() + ctx.config.interactiveTokenTtlSeconds * 1000);
    const token = await issueInteractiveToken(deps.db, row.id, expiresAt);
    return {
      type: 'interactive_customer_info_needed',
      url: publicLink(deps, INTERACTIVE_PATH, { token, lang: row.lang ?? 'en' }),
      id: row.id,
    };
  }
  // SEP-24 "Content Type": JSON, forms and multipart/form-data. No document is kept from a
  // multipart body (SEP-9 files belong to SEP-12), so it gets the ordinary body limit.
  registerBodyParsers(app, {
    formBytesMax: ctx.config.bodyLimitBytes,
    multipartBytesMax: ctx.config.bodyLimitBytes,
  });

  app.get(
    '/info',
    {
      schema: {
        tags,
        summary: 'Assets, limits and features of SEP-24 deposits and withdrawals',
        querystring: Type.Object({ lang: LangField }, { additionalProperties: true, maxProperties: 8 }),
        response: { 200: InfoResponse },
      },
    },
    () => infoBody(offers, withdrawals, deps),
  );

  app.post(
    '/transactions/deposit/interactive',
    {
      // Before the body is read: an unauthenticated client gets 403, never a parse of its upload.
      onRequest: ctx.requireSep10,
      schema: {
        security,
        tags,
        summary: 'Open a deposit; the answer is the URL of the hosted pages that complete it',
        consumes: ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'],
        body: DepositBody,
        response: { 200: InteractiveResponse, 400: ErrorRef, 403: AuthError },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const body = request.body;
      checkPayable(deps, body);
      // SEP-9 fields in the body are not kept (yet): they would need SEP-12's encryption and checks.
      const row = await openDeposit(deps, {
        protocol: 'sep24',
        identity,
        assetCode: body.asset_code,
        assetIssuer: given(body.asset_issuer),
        amount: amountText(body.amount),
        account: given(body.account),
        memo: given(body.memo),
        memoType: given(body.memo_type),
        quoteId: given(body.quote_id),
        sourceAsset: given(body.source_asset),
        claimableBalanceSupported: readFlag(body.claimable_balance_supported, 'claimable_balance_supported'),
        lang: given(body.lang),
        onChangeCallback: given(body.on_change_callback),
      });
      request.log.info({ transactionId: row.id, assetCode: row.asset_code }, 'interactive deposit opened');
      return interactiveAnswer(row);
    },
  );

  app.post(
    '/transactions/withdraw/interactive',
    {
      onRequest: ctx.requireSep10,
      schema: {
        security,
        tags,
        summary:
          'Open a withdrawal to a Nigerian bank account; the answer is the URL of the hosted pages that complete it',
        consumes: ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'],
        body: WithdrawBody,
        response: { 200: InteractiveResponse, 400: ErrorRef, 403: AuthError },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const body = request.body;
      checkWithdrawable(deps, body);
      // SEP-9 fields, and the deprecated memo / memo_type, are not kept: a shared account's users are
      // told apart by the SEP-10 subject, and the bank account is asked on the hosted pages.
      const row = await openWithdrawal(deps, {
        protocol: 'sep24',
        identity,
        assetCode: body.asset_code,
        assetIssuer: given(body.asset_issuer),
        amount: amountText(body.amount),
        account: given(body.account),
        quoteId: given(body.quote_id),
        destinationAsset: given(body.destination_asset),
        refundMemo: given(body.refund_memo),
        refundMemoType: given(body.refund_memo_type),
        lang: given(body.lang),
        onChangeCallback: given(body.on_change_callback),
      });
      request.log.info({ transactionId: row.id, assetCode: row.asset_code }, 'interactive withdrawal opened');
      return interactiveAnswer(row);
    },
  );

  await app.register(transactionRoutes, {
    deps,
    requireSep10: ctx.requireSep10,
    tags,
    transaction: Sep24Transaction,
    kinds: ['deposit', 'withdrawal'],
    kindHelp: '`deposit` or `withdrawal`.',
    kindList: false,
    kindOf: (row) => row.kind,
    render: (row) => Promise.resolve(transactionJson(deps, row)),
  });
};
