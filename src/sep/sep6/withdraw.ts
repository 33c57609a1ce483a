/**
 * A SEP-6 withdrawal (`GET /withdraw` at par, `GET /withdraw-exchange` at a firm SEP-38 quote):
 * checked, then opened, given its bank account and its memo at once, answered with where to send
 * the asset (`account_id`, `memo_type` `id`, `memo`).
 *
 * `openWithdrawal`, `setPayoutAccount` and `requestWithdrawalPayment` each commit on their own, so
 * everything that can refuse the later ones is checked before the first writes: the endpoint fits
 * the asset, the amount, the quote and the bank details; the customer's KYC tier (403 before
 * anything exists), their limits, and Paystack's name for the bank account against their KYC name.
 * A refused request therefore creates no transaction and uses no quote. Only a race between the
 * checks and the writes (the customer's details changing, Paystack answering differently the second
 * time) can refuse an opened withdrawal; it is then moved to `error` at once, so it never waits for
 * a payment.
 */
import { StrKey } from '@stellar/stellar-sdk';
import { assert } from '../../domain/assert.js';
import type { TierLimits } from '../../domain/kyc/index.js';
import { formatAmount, STELLAR_DECIMALS } from '../../domain/money.js';
import { CustomerInfoNeeded, pairOf } from '../../flows/deposit/index.js';
import { transitionWithRetry, type TransactionRow } from '../../flows/state-machine.js';
import type { TransferDeps } from '../../flows/transfers/deps.js';
import { STROOPS_PER_KOBO } from '../../flows/transfers/assets.js';
import { checkLimits, customerStanding, withdrawalUsage } from '../../flows/transfers/limits.js';
import {
  openWithdrawal,
  parWithdrawalFigures,
  quoteWithdrawalFigures,
  readAssetAmount,
  requestWithdrawalPayment,
  setPayoutAccount,
  type WithdrawalFigures,
} from '../../flows/withdrawal/open.js';
import { receivingAccountOf } from '../../flows/withdrawal/receiving.js';
import { HttpError } from '../../platform/http/errors.js';
import { NGN_DECIMALS, NGN_OFFCHAIN_ID, type AnchoredAsset } from '../assets.js';
import type { Sep10Identity } from '../sep10/jwt.js';
import { checkCallbackUrl } from '../sep12/callback-url.js';
import type { QuotePair } from '../sep38/catalog.js';
import { findQuote, type Quote } from '../sep38/store.js';
import { assetNumber, payoutMethods, simpleFee, withdrawalsAvailable } from '../transfers/info.js';
import { checkRefundMemo, refuse, withdrawnAsset } from '../transfers/request.js';
import { customerInfoNeeded } from './kyc.js';
import { checkBankAccount, readBankAccount, type BankAccount } from './payout-account.js';
import type { Forbidden, WithdrawResponse } from './schemas.js';

export interface Sep6WithdrawRequest {
  readonly identity: Sep10Identity;
  /** `withdraw-exchange`: at a firm quote, `quoteId` required. */
  readonly exchange: boolean;
  /** `asset_code`, or `source_asset` on /withdraw-exchange (a code or a SEP-38 id), as written. */
  readonly asset: string;
  /** The asset to send, as written. */
  readonly amount: string;
  readonly quoteId?: string | undefined;
  readonly destinationAsset?: string | undefined;
  readonly fundingMethod?: string | undefined;
  /** The deprecated name of `fundingMethod`. */
  readonly type?: string | undefined;
  readonly dest?: string | undefined;
  readonly destExtra?: string | undefined;
  readonly account?: string | undefined;
  readonly refundMemo?: string | undefined;
  readonly refundMemoType?: string | undefined;
  readonly lang?: string | undefined;
  readonly onChangeCallback?: string | undefined;
}

export type Sep6WithdrawOutcome =
  { readonly ok: true; readonly body: WithdrawResponse } | { readonly ok: false; readonly body: Forbidden };

interface CheckedRequest {
  readonly asset: AnchoredAsset;
  readonly pair: QuotePair;
  readonly figures: WithdrawalFigures;
  readonly bank: BankAccount;
  readonly receivingAccount: string;
}

/** The endpoint must fit how the asset is priced: par on /withdraw, a firm quote on /withdraw-exchange. */
function checkEndpoint(pair: QuotePair, asset: AnchoredAsset, exchange: boolean): void {
  const quoted = pair.pricing.kind === 'market';
  if (quoted && !exchange)
    throw refuse(
      `asset_code: ${asset.code} is sold at a firm SEP-38 quote: use GET /withdraw-exchange with quote_id`,
    );
  if (!quoted && exchange)
    throw refuse(`source_asset: ${asset.code} is redeemed 1:1 for naira: use GET /withdraw`);
}

/** `funding_method` and the deprecated `type`: each, when given, must be a way Rampart pays naira out. */
function checkPayoutMethod(deps: Pick<TransferDeps, 'catalog'>, request: Sep6WithdrawRequest): void {
  const offered: readonly string[] = payoutMethods(deps.catalog);
  const given: [string, string | undefined][] = [
    ['funding_method', request.fundingMethod],
    ['type', request.type],
  ];
  for (const [field, value] of given)
    if (value !== undefined && !offered.includes(value))
      throw refuse(`${field}: must be ${offered.join(' or ')}`);
}

/**
 * What `openWithdrawal` checks too, but only after KYC would have answered: checked first, so a
 * malformed request is a 400 whoever sends it.
 */
function checkOptionalFields(deps: Pick<TransferDeps, 'config'>, request: Sep6WithdrawRequest): void {
  if (request.exchange && request.destinationAsset !== NGN_OFFCHAIN_ID)
    throw refuse(`destination_asset: only ${NGN_OFFCHAIN_ID} is paid out`);
  checkRefundMemo(request.refundMemo, request.refundMemoType);
  const account = request.account;
  if (
    account !== undefined &&
    !StrKey.isValidEd25519PublicKey(account) &&
    !StrKey.isValidMed25519PublicKey(account)
  )
    throw refuse('account: must be a Stellar account (G…) or a muxed account (M…)');
  if (request.onChangeCallback === undefined) return;
  const callback = checkCallbackUrl(request.onChangeCallback, deps.config.stellarNetwork === 'sandbox');
  if (!callback.ok) throw refuse(`on_change_callback: ${callback.error}`);
}

/** The quote the wallet names, checked as `openWithdrawal` will (without using it yet). */
async function quoteFor(
  deps: TransferDeps,
  request: Sep6WithdrawRequest,
  asset: AnchoredAsset,
  amountStroops: bigint,
): Promise<Quote> {
  if (request.quoteId === undefined)
    throw refuse(`quote_id: required: ${asset.code} is sold at a firm SEP-38 quote (POST /sep38/quote)`);
  const quote = await findQuote(deps.db, request.quoteId);
  // Another account's quote is "no such quote": its existence is not disclosed.
  if (quote?.account !== request.identity.sub) throw refuse('quote_id: no such quote');
  if (quote.sellAsset !== asset.sep38Id || quote.buyAsset !== NGN_OFFCHAIN_ID)
    throw refuse(
      `quote_id: the quote sells ${quote.sellAsset} for ${quote.buyAsset}, not ${asset.sep38Id} for naira`,
    );
  if (quote.usedAt !== null) throw refuse('quote_id: the quote has already been used');
  if (quote.expiresAt.getTime() <= deps.now().getTime())
    throw refuse('quote_id: the quote has expired; ask for a new one');
  if (quote.sellAmountMinor !== amountStroops) throw refuse("amount: must equal the quote's sell_amount");
  // SEP-6: the request's funding method and the quote's buy_delivery_method must not conflict.
  const method = quote.buyDeliveryMethod;
  if (method !== null && !(payoutMethods(deps.catalog) as string[]).includes(method))
    throw refuse(`quote_id: the quote was made for buy_delivery_method ${method}, not bank_account`);
  return quote;
}

/** What needs no customer: the endpoint, the amount, the quote, the bank details and the rest. */
async function checkRequest(deps: TransferDeps, request: Sep6WithdrawRequest): Promise<CheckedRequest> {
  const receivingAccount = receivingAccountOf(deps.config);
  if (receivingAccount === undefined || !withdrawalsAvailable(deps))
    throw refuse('withdrawals are not available (see GET /info)');
  const field = request.exchange ? 'source_asset' : 'asset_code';
  const asset = withdrawnAsset(deps.config, request.asset, undefined, field);
  const pair = pairOf(deps, asset);
  checkEndpoint(pair, asset, request.exchange);
  checkPayoutMethod(deps, request);
  const bank = readBankAccount(request.dest, request.destExtra);
  checkOptionalFields(deps, request);
  const amountStroops = readAssetAmount(pair, request.amount);
  const figures = request.exchange
    ? quoteWithdrawalFigures(await quoteFor(deps, request, asset, amountStroops))
    : parWithdrawalFigures(pair, amountStroops); // refuses sub-kobo amounts and ones the fee would swallow
  return { asset, pair, figures, bank, receivingAccount };
}

function minOf(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

const naira = (kobo: bigint): string => `₦${formatAmount(kobo, NGN_DECIMALS)}`;

/** SEP-6 `extra_info.message`: what to send where, and what arrives in which account. */
function messageFor(row: TransactionRow, checked: CheckedRequest): string {
  assert(row.withdraw_anchor_account !== null && row.withdraw_memo !== null, 'the memo is issued');
  const { figures, asset, bank } = checked;
  const send = `${formatAmount(figures.amountInStroops, STELLAR_DECIMALS)} ${asset.code}`;
  const deadline = row.expires_at === null ? '' : ` before ${row.expires_at.toISOString()}`;
  return (
    `Send exactly ${send} to ${row.withdraw_anchor_account} with memo (id) ${row.withdraw_memo}${deadline}: ` +
    `${naira(figures.amountOutKobo)} is then paid to bank account ${bank.bankCode}…${bank.accountNumber.slice(-4)} ` +
    `(${naira(figures.feeKobo)} fee).`
  );
}

/** SEP-6's answer: where to send the asset, the limits in units of the asset, the fee at par. */
function answerFor(
  row: TransactionRow,
  checked: CheckedRequest,
  limits: TierLimits,
  exchange: boolean,
): WithdrawResponse {
  assert(row.withdraw_memo !== null, 'a withdrawal waiting for its payment has its memo');
  const { pair } = checked;
  const { maxMinor, minMinor } = pair.stellar.limits;
  // The KYC tier limits the naira paid out (fee included): at par, that is the token one to one.
  const tierMaxStroops = limits.perTransactionKobo * STROOPS_PER_KOBO;
  return {
    account_id: checked.receivingAccount,
    memo_type: 'id',
    memo: row.withdraw_memo,
    id: row.id,
    min_amount: assetNumber(minMinor),
    max_amount: assetNumber(exchange ? maxMinor : minOf(maxMinor, tierMaxStroops)),
    ...(exchange ? {} : simpleFee(pair.fees.withdrawal)),
    extra_info: { message: messageFor(row, checked) },
  };
}

/**
 * After a refusal of the opened withdrawal (a race: every check passed before it was opened), it is
 * closed as `error` so that it never waits for a payment; the wallet is told why.
 */
async function closeRefused(deps: TransferDeps, id: string, error: unknown, actor: string): Promise<void> {
  const reason =
    error instanceof HttpError || error instanceof CustomerInfoNeeded
      ? error.message
      : 'the withdrawal could not be set up; start a new one';
  const closed = await transitionWithRetry(
    deps.db,
    id,
    (current) =>
      current.status === 'incomplete'
        ? {
            to: 'error',
            reason: `refused before its memo was issued: ${reason}`,
            actor,
            statusMessage: reason,
          }
        : null,
    { jobMaxAttempts: deps.jobMaxAttempts, logger: deps.logger },
  );
  if (!closed.ok)
    deps.logger.error({ transactionId: id, problem: closed.message }, 'refused SEP-6 withdrawal left open');
}

/** The bank account stored and the memo issued, or the refusal thrown once the withdrawal is closed. */
async function requestPayment(
  deps: TransferDeps,
  opened: TransactionRow,
  checked: CheckedRequest,
  actor: string,
  accountName: string,
): Promise<TransactionRow> {
  try {
    const set = await setPayoutAccount(deps, opened.id, checked.bank, accountName);
    if (!set.ok)
      throw new HttpError(
        set.status,
        set.status === 503 ? 'payout_unavailable' : 'invalid_request',
        set.message,
      );
    return await requestWithdrawalPayment(deps, opened.id, {
      actor,
      receivingAccount: checked.receivingAccount,
    });
  } catch (error) {
    await closeRefused(deps, opened.id, error, actor);
    throw error;
  }
}

export async function withdrawSep6(
  deps: TransferDeps,
  request: Sep6WithdrawRequest,
): Promise<Sep6WithdrawOutcome> {
  const checked = await checkRequest(deps, request);
  const { asset, figures } = checked;
  const subject = request.identity.sub;
  const standing = await customerStanding(deps, deps.db, subject);
  const needed = customerInfoNeeded(standing);
  if (needed !== undefined) return { ok: false, body: needed };
  assert(standing.customer !== undefined, 'a customer with a KYC tier exists');
  const grossKobo = figures.amountOutKobo + figures.feeKobo;
  const usage = await withdrawalUsage(deps.db, standing.customer.id);
  const limit = checkLimits(standing.limits, usage, grossKobo);
  if (!limit.ok) throw refuse(`amount: ${limit.reason}`);
  const accountName = await checkBankAccount(deps, standing.customer.id, checked.bank);

  const actor = `sep6:${subject}`;
  const opened = await openWithdrawal(deps, {
    protocol: 'sep6',
    identity: request.identity,
    assetCode: asset.code,
    assetIssuer: asset.issuer,
    amount: request.amount,
    account: request.account,
    quoteId: request.exchange ? request.quoteId : undefined,
    destinationAsset: request.destinationAsset,
    refundMemo: request.refundMemo,
    refundMemoType: request.refundMemoType,
    lang: request.lang,
    onChangeCallback: request.onChangeCallback,
  });
  let row: TransactionRow;
  try {
    row = await requestPayment(deps, opened, checked, actor, accountName);
  } catch (error) {
    // Only a concurrent change of the customer gets here (their standing was checked above).
    if (!(error instanceof CustomerInfoNeeded)) throw error;
    const again = customerInfoNeeded(await customerStanding(deps, deps.db, subject));
    const pending = {
      type: 'customer_info_status',
      status: 'pending',
      code: 'customer_info_pending',
    } as const;
    return { ok: false, body: again ?? { ...pending, error: error.message } };
  }
  return { ok: true, body: answerFor(row, checked, standing.limits, request.exchange) };
}
