/**
 * A SEP-6 deposit (`GET /deposit` at par, `GET /deposit-exchange` at a firm SEP-38 quote): checked,
 * then opened and asked for its naira at once, answered with how to pay.
 *
 * `openDeposit` and `requestDepositPayment` each commit on their own, so everything that can refuse
 * the second is checked before the first writes: the endpoint fits the asset, the amount and the
 * quote, the customer's KYC tier (403 before anything exists) and their limits. A refused request
 * therefore creates no transaction and uses no quote; only a race with another request between the
 * checks and the writes can leave an `incomplete` transaction behind, which expires as any other.
 */
import { assert } from '../../domain/assert.js';
import {
  CustomerInfoNeeded,
  dedicatedAccountFor,
  depositAsset,
  openDeposit,
  pairOf,
  parFigures,
  readNairaAmount,
  requestDepositPayment,
  type FundingMethod,
} from '../../flows/deposit/index.js';
import type { TransactionRow } from '../../flows/state-machine.js';
import type { TransferDeps } from '../../flows/transfers/deps.js';
import { checkLimits, customerStanding, depositUsage } from '../../flows/transfers/limits.js';
import { NGN_OFFCHAIN_ID, type AnchoredAsset } from '../assets.js';
import type { Sep10Identity } from '../sep10/jwt.js';
import type { QuotePair } from '../sep38/catalog.js';
import { findQuote, type Quote } from '../sep38/store.js';
import { fundingMethods, nairaNumber, simpleFee } from '../transfers/info.js';
import { refuse } from '../transfers/request.js';
import { bankTransferAnswer, checkoutAnswer } from './instructions.js';
import { customerInfoNeeded } from './kyc.js';
import type { DepositResponse, Forbidden } from './schemas.js';

export interface Sep6DepositRequest {
  readonly identity: Sep10Identity;
  /** `deposit-exchange`: at a firm quote, `quoteId` required. */
  readonly exchange: boolean;
  readonly assetCode: string;
  /** Naira paid in, as written. */
  readonly amount: string;
  readonly quoteId?: string | undefined;
  readonly sourceAsset?: string | undefined;
  /** `funding_method`, or the deprecated `type`, as written. */
  readonly fundingMethod?: string | undefined;
  readonly account?: string | undefined;
  readonly memo?: string | undefined;
  readonly memoType?: string | undefined;
  readonly claimableBalanceSupported?: boolean | undefined;
  readonly lang?: string | undefined;
  readonly onChangeCallback?: string | undefined;
}

export type Sep6DepositOutcome =
  { readonly ok: true; readonly body: DepositResponse } | { readonly ok: false; readonly body: Forbidden };

/** The endpoint must fit how the asset is priced: par on /deposit, a firm quote on /deposit-exchange. */
function checkEndpoint(pair: QuotePair, asset: AnchoredAsset, exchange: boolean): void {
  const quoted = pair.pricing.kind === 'market';
  if (quoted && !exchange)
    throw refuse(
      `asset_code: ${asset.code} is bought at a firm SEP-38 quote: use GET /deposit-exchange with quote_id`,
    );
  if (!quoted && exchange)
    throw refuse(`destination_asset: ${asset.code} is bought 1:1 for naira: use GET /deposit`);
}

function readFundingMethod(
  deps: Pick<TransferDeps, 'catalog'>,
  raw: string | undefined,
): FundingMethod | undefined {
  if (raw === undefined) return undefined;
  const offered = fundingMethods(deps.catalog);
  const method = offered.find((m) => m === raw);
  if (method === undefined) throw refuse(`funding_method: must be one of ${offered.join(', ')}`);
  return method;
}

/** The quote the wallet names, checked as `openDeposit` will (without using it yet). */
async function quoteFor(
  deps: TransferDeps,
  request: Sep6DepositRequest,
  asset: AnchoredAsset,
  amountKobo: bigint,
): Promise<Quote> {
  if (request.quoteId === undefined)
    throw refuse(`quote_id: required: ${asset.code} is bought at a firm SEP-38 quote (POST /sep38/quote)`);
  const quote = await findQuote(deps.db, request.quoteId);
  // Another account's quote is "no such quote": its existence is not disclosed.
  if (quote?.account !== request.identity.sub) throw refuse('quote_id: no such quote');
  if (quote.sellAsset !== NGN_OFFCHAIN_ID || quote.buyAsset !== asset.sep38Id)
    throw refuse(
      `quote_id: the quote sells ${quote.sellAsset} for ${quote.buyAsset}, not naira for ${asset.sep38Id}`,
    );
  if (quote.usedAt !== null) throw refuse('quote_id: the quote has already been used');
  if (quote.expiresAt.getTime() <= deps.now().getTime())
    throw refuse('quote_id: the quote has expired; ask for a new one');
  if (quote.sellAmountMinor !== amountKobo) throw refuse("amount: must equal the quote's sell_amount");
  return quote;
}

/** SEP-6: funding_method and the quote's sell_delivery_method must not conflict; one fills the other. */
function methodWithQuote(
  method: FundingMethod | undefined,
  quote: Quote,
  offered: readonly FundingMethod[],
): FundingMethod | undefined {
  const quoted = offered.find((m) => m === quote.sellDeliveryMethod);
  if (method !== undefined && quote.sellDeliveryMethod !== null && method !== quote.sellDeliveryMethod)
    throw refuse(`funding_method: the quote was made for sell_delivery_method ${quote.sellDeliveryMethod}`);
  return method ?? quoted;
}

async function answerFor(
  deps: TransferDeps,
  row: TransactionRow,
): Promise<ReturnType<typeof checkoutAnswer>> {
  // A dedicated account may not be assigned (no provider, Paystack slow or down): the checkout,
  // restricted to bank transfer, serves the same customer.
  const account = row.funding_method === 'bank_transfer' ? await dedicatedAccountFor(deps, row) : undefined;
  return account === undefined ? checkoutAnswer(deps, row) : bankTransferAnswer(row, account);
}

interface CheckedRequest {
  readonly asset: AnchoredAsset;
  readonly pair: QuotePair;
  readonly amountKobo: bigint;
  readonly fundingMethod: FundingMethod | undefined;
}

/** What needs no customer: the asset fits the endpoint, the amount, the funding method, the quote. */
async function checkRequest(deps: TransferDeps, request: Sep6DepositRequest): Promise<CheckedRequest> {
  const asset = depositAsset(deps, request.assetCode);
  const pair = pairOf(deps, asset);
  checkEndpoint(pair, asset, request.exchange);
  if (request.exchange && request.sourceAsset !== NGN_OFFCHAIN_ID)
    throw refuse(`source_asset: only ${NGN_OFFCHAIN_ID} is accepted`);
  const fundingMethod = readFundingMethod(deps, request.fundingMethod);
  const amountKobo = readNairaAmount(pair, request.amount);
  if (!request.exchange) {
    parFigures(pair, amountKobo); // refuses an amount the fee would swallow
    return { asset, pair, amountKobo, fundingMethod };
  }
  const quote = await quoteFor(deps, request, asset, amountKobo);
  return {
    asset,
    pair,
    amountKobo,
    fundingMethod: methodWithQuote(fundingMethod, quote, fundingMethods(deps.catalog)),
  };
}

function minOf(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export async function depositSep6(
  deps: TransferDeps,
  request: Sep6DepositRequest,
): Promise<Sep6DepositOutcome> {
  const { asset, pair, amountKobo, fundingMethod } = await checkRequest(deps, request);
  const standing = await customerStanding(deps, deps.db, request.identity.sub);
  const needed = customerInfoNeeded(standing);
  if (needed !== undefined) return { ok: false, body: needed };
  assert(standing.customer !== undefined, 'a customer with a KYC tier exists');
  const limit = checkLimits(standing.limits, await depositUsage(deps.db, standing.customer.id), amountKobo);
  if (!limit.ok) throw refuse(`amount: ${limit.reason}`);

  const opened = await openDeposit(deps, {
    protocol: 'sep6',
    identity: request.identity,
    assetCode: asset.code,
    assetIssuer: asset.issuer,
    amount: request.amount,
    account: request.account,
    memo: request.memo,
    memoType: request.memoType,
    quoteId: request.exchange ? request.quoteId : undefined,
    sourceAsset: request.sourceAsset,
    claimableBalanceSupported: request.claimableBalanceSupported,
    lang: request.lang,
    onChangeCallback: request.onChangeCallback,
    fundingMethod,
  });
  let row: TransactionRow;
  try {
    row = await requestDepositPayment(deps, opened.id, { actor: `sep6:${request.identity.sub}` });
  } catch (error) {
    // Only a concurrent change of the customer gets here (their standing was checked above).
    if (!(error instanceof CustomerInfoNeeded)) throw error;
    const again = customerInfoNeeded(await customerStanding(deps, deps.db, request.identity.sub));
    const pending = {
      type: 'customer_info_status',
      status: 'pending',
      code: 'customer_info_pending',
    } as const;
    return { ok: false, body: again ?? { ...pending, error: error.message } };
  }
  const answer = await answerFor(deps, row);
  return {
    ok: true,
    body: {
      id: row.id,
      how: answer.how,
      instructions: answer.instructions,
      min_amount: nairaNumber(pair.fiat.limits.minMinor),
      max_amount: nairaNumber(minOf(pair.fiat.limits.maxMinor, standing.limits.perTransactionKobo)),
      ...(request.exchange ? {} : simpleFee(pair.fees.deposit)),
      extra_info: { message: answer.message },
    },
  };
}
