/**
 * Opening a deposit and asking for the naira: what SEP-24's `POST /transactions/deposit/interactive`,
 * SEP-6's `GET /deposit` / `GET /deposit-exchange` and the hosted pages all call. Every check runs
 * before anything is written, so a refused request changes nothing.
 *
 * The naira amount (`amount`, in naira with kobo) is what the customer pays in; the fee comes out of
 * it, and the rest is delivered at par (the naira token) or at a firm SEP-38 quote (USDC).
 */
import { sql } from 'kysely';
import { StrKey } from '@stellar/stellar-sdk';
import { HttpError } from '../../platform/http/errors.js';
import { parseAmount } from '../../domain/money.js';
import { feeOnGross } from '../../domain/fees.js';
import { findAsset, NGN_DECIMALS, NGN_OFFCHAIN_ID, type AnchoredAsset } from '../../sep/assets.js';
import type { Sep10Identity } from '../../sep/sep10/jwt.js';
import { findPair, type QuotePair } from '../../sep/sep38/catalog.js';
import { feeDetails } from '../../sep/sep38/pricing.js';
import { consumeQuote, findQuote, type Quote } from '../../sep/sep38/store.js';
import { createTransaction, transition, type TransactionRow } from '../state-machine.js';
import type { TransferDeps } from '../transfers/deps.js';
import { STROOPS_PER_KOBO } from '../transfers/assets.js';
import {
  QUOTE_REFUSALS,
  readCallback,
  readLang,
  readMemo,
  refuse,
  type MemoType,
} from '../transfers/request.js';
export { readLang, readMemo, SUPPORTED_LANGS, type MemoType } from '../transfers/request.js';
import { storedFeeDetails, type StoredFeeDetail } from '../transfers/fee-details.js';
import { checkLimits, customerStanding, depositUsage } from '../transfers/limits.js';
import { paystackReferenceFor } from './reference.js';

export type FundingMethod = 'card' | 'bank_transfer' | 'ussd';

export interface DepositRequest {
  readonly protocol: 'sep6' | 'sep24';
  readonly identity: Sep10Identity;
  readonly assetCode: string;
  readonly assetIssuer?: string | undefined;
  /** Naira to pay in, as the wallet wrote it (`5000`, `5000.50`). */
  readonly amount?: string | undefined;
  /** Where the asset goes (G… or M…); the authenticated account when absent. */
  readonly account?: string | undefined;
  readonly memo?: string | undefined;
  readonly memoType?: string | undefined;
  readonly quoteId?: string | undefined;
  /** SEP-38 id of what the customer pays with; only naira is accepted. */
  readonly sourceAsset?: string | undefined;
  readonly claimableBalanceSupported?: boolean | undefined;
  readonly lang?: string | undefined;
  readonly onChangeCallback?: string | undefined;
  readonly fundingMethod?: FundingMethod | undefined;
}

export function depositAsset(
  deps: Pick<TransferDeps, 'config'>,
  code: string,
  issuer?: string,
): AnchoredAsset {
  const asset = findAsset(deps.config, code, issuer);
  if (asset === undefined)
    throw refuse(
      `asset_code: ${code}${issuer === undefined ? '' : `:${issuer}`} is not an asset this anchor deposits`,
    );
  return asset;
}

export function pairOf(deps: Pick<TransferDeps, 'catalog'>, asset: AnchoredAsset): QuotePair {
  const pair = findPair(deps.catalog, asset.sep38Id);
  if (pair === undefined) throw refuse(`asset_code: ${asset.code} is not offered for naira`);
  return pair;
}

interface Destination {
  readonly account: string;
  readonly memo: string | null;
  readonly memoType: MemoType | null;
}

function destinationOf(request: DepositRequest): Destination {
  const identity = request.identity;
  const account = request.account ?? identity.muxedAccount ?? identity.account;
  if (!StrKey.isValidEd25519PublicKey(account) && !StrKey.isValidMed25519PublicKey(account))
    throw refuse('account: must be a Stellar account (G…) or a muxed account (M…)');
  const memo = readMemo(request.memo, request.memoType);
  // Only the SEP-10 account may put a memo on its own deposits by default (shared accounts).
  if (
    memo.memo === null &&
    (request.account ?? identity.account) === identity.account &&
    identity.memo !== null
  )
    return { account, memo: identity.memo, memoType: 'id' };
  if (memo.memo !== null && StrKey.isValidMed25519PublicKey(account))
    throw refuse('memo: a muxed account carries its own id; send no memo with it');
  return { account, ...memo };
}

/** Naira as the wallet wrote it, within the naira limits of the pair. */
export function readNairaAmount(pair: QuotePair, text: string, field = 'amount'): bigint {
  const parsed = parseAmount(text, NGN_DECIMALS);
  if (!parsed.ok) throw refuse(`${field}: ${parsed.error}`);
  const { minMinor, maxMinor } = pair.fiat.limits;
  if (parsed.minor < minMinor || parsed.minor > maxMinor)
    throw refuse(
      `${field}: must be between ${(minMinor / 100n).toString()} and ${(maxMinor / 100n).toString()} naira`,
    );
  return parsed.minor;
}

/** Opens a deposit in `incomplete`. A quote named here is consumed now, bound to this transaction. */
export async function openDeposit(deps: TransferDeps, request: DepositRequest): Promise<TransactionRow> {
  const asset = depositAsset(deps, request.assetCode, request.assetIssuer);
  const pair = pairOf(deps, asset);
  if (request.sourceAsset !== undefined && request.sourceAsset !== NGN_OFFCHAIN_ID)
    throw refuse(`source_asset: only ${NGN_OFFCHAIN_ID} is accepted`);
  const destination = destinationOf(request);
  const callback = readCallback(deps, request.onChangeCallback);
  const amountKobo =
    request.amount === undefined || request.amount === '' ? undefined : readNairaAmount(pair, request.amount);
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const created = await createTransaction(trx, {
      kind: 'deposit',
      protocol: request.protocol,
      assetCode: asset.code,
      assetIssuer: asset.issuer,
      stellarAccount: destination.account,
      stellarMemo: destination.memo,
      actor: `${request.protocol}:${request.identity.sub}`,
    });
    let quote: Quote | undefined;
    if (request.quoteId !== undefined && request.quoteId !== '') {
      const consumed = await consumeQuote(trx, {
        quoteId: request.quoteId,
        account: request.identity.sub,
        now,
        transactionId: created.id,
      });
      if (!consumed.ok) throw refuse(QUOTE_REFUSALS[consumed.refusal]);
      quote = consumed.quote;
      if (quote.sellAsset !== NGN_OFFCHAIN_ID || quote.buyAsset !== asset.sep38Id)
        throw refuse(
          `quote_id: the quote sells ${quote.sellAsset} for ${quote.buyAsset}, not naira for ${asset.sep38Id}`,
        );
      if (amountKobo !== undefined && amountKobo !== quote.sellAmountMinor)
        throw refuse("amount: must equal the quote's sell_amount");
    }
    const customer = await customerStanding(deps, trx, request.identity.sub);
    return trx
      .updateTable('transactions')
      .set({
        auth_account: request.identity.muxedAccount ?? request.identity.account,
        auth_memo: request.identity.memo,
        client_domain: request.identity.clientDomain,
        customer_id: customer.customer?.id ?? null,
        quote_id: quote?.id ?? null,
        stellar_memo_type: destination.memoType,
        amount_in_asset: NGN_OFFCHAIN_ID,
        amount_out_asset: asset.sep38Id,
        amount_fee_asset: NGN_OFFCHAIN_ID,
        amount_expected_minor: quote?.sellAmountMinor ?? amountKobo ?? null,
        funding_method: request.fundingMethod ?? null,
        paystack_reference: paystackReferenceFor(created.id),
        claimable_balance_supported: request.claimableBalanceSupported === true,
        on_change_callback: callback,
        lang: readLang(request.lang),
        expires_at: new Date(now.getTime() + deps.config.depositExpirySeconds * 1000),
      })
      .where('id', '=', created.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export interface DepositFigures {
  readonly amountInKobo: bigint;
  readonly feeKobo: bigint;
  readonly amountOutMinor: bigint;
  readonly feeDetails: readonly StoredFeeDetail[];
}

/** At par: the fee comes out of the naira, the rest arrives as the token (1 kobo = 10^5 stroops). */
export function parFigures(pair: QuotePair, amountInKobo: bigint): DepositFigures {
  const fee = feeOnGross(pair.fees.deposit, amountInKobo);
  const amountOutMinor = (amountInKobo - fee.totalMinor) * STROOPS_PER_KOBO;
  if (amountOutMinor <= 0n) throw refuse('amount: too small to cover the fee');
  return {
    amountInKobo,
    feeKobo: fee.totalMinor,
    amountOutMinor,
    feeDetails: storedFeeDetails(feeDetails(fee, pair, 'deposit')),
  };
}

export function quoteFigures(quote: Quote): DepositFigures {
  return {
    amountInKobo: quote.sellAmountMinor,
    feeKobo: quote.feeTotalMinor,
    amountOutMinor: quote.buyAmountMinor,
    feeDetails: storedFeeDetails(quote.feeDetails),
  };
}

/** Why a deposit cannot ask for money yet: the customer must act first (SEP-6 answers with this). */
export class CustomerInfoNeeded extends Error {
  override readonly name = 'CustomerInfoNeeded';
  constructor(
    readonly status: 'needs_info' | 'pending' | 'denied',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Fixes the amounts and asks for the naira: `incomplete` → `pending_user_transfer_start`. The
 * amount is the one stored (from the request or the quote) unless `amountKobo` gives it now.
 * Refused while the customer's KYC tier allows no money, or the amount is above their limits.
 */
export async function requestDepositPayment(
  deps: TransferDeps,
  transactionId: string,
  options: { readonly amountKobo?: bigint; readonly actor: string },
): Promise<TransactionRow> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', transactionId)
      .where('kind', '=', 'deposit')
      .forUpdate()
      .executeTakeFirst();
    if (row === undefined) throw new HttpError(404, 'not_found', 'transaction not found');
    if (row.status !== 'incomplete') throw refuse(`the deposit is already ${row.status}`);
    const asset = depositAsset(deps, row.asset_code, row.asset_issuer ?? undefined);
    const pair = pairOf(deps, asset);
    let figures: DepositFigures;
    if (row.quote_id !== null) {
      const quote = await findQuote(trx, row.quote_id);
      if (quote === undefined) throw new Error(`quote ${row.quote_id} of deposit ${row.id} is missing`);
      if (quote.expiresAt <= deps.now())
        throw refuse('quote_id: the quote has expired; start again with a new one');
      figures = quoteFigures(quote);
      if (options.amountKobo !== undefined && options.amountKobo !== figures.amountInKobo)
        throw refuse("amount: must equal the quote's sell_amount");
    } else {
      if (pair.pricing.kind !== 'par') throw refuse(`${asset.code} is bought at a firm quote: give quote_id`);
      const amount =
        options.amountKobo ??
        (row.amount_expected_minor === null ? undefined : BigInt(row.amount_expected_minor));
      if (amount === undefined) throw refuse('amount: how much naira will you pay?');
      figures = parFigures(pair, amount);
    }
    const subject =
      row.auth_memo === null ? (row.auth_account ?? '') : `${row.auth_account}:${row.auth_memo}`;
    const standing = await customerStanding(deps, trx, subject);
    if (standing.tier === 0 || standing.customer === undefined)
      throw new CustomerInfoNeeded(
        standing.snapshot.rejectedMessage === null ? 'needs_info' : 'denied',
        'identity verification (SEP-12) is needed before paying',
      );
    const usage = await depositUsage(trx, standing.customer.id);
    const limit = checkLimits(standing.limits, usage, figures.amountInKobo);
    if (!limit.ok) throw refuse(`amount: ${limit.reason}`);
    await trx
      .updateTable('transactions')
      .set({
        customer_id: standing.customer.id,
        amount_expected_minor: figures.amountInKobo,
        amount_in_minor: figures.amountInKobo,
        amount_fee_minor: figures.feeKobo,
        amount_out_minor: figures.amountOutMinor,
        fee_details: JSON.stringify(figures.feeDetails),
        // A quoted price holds only until the quote expires: the deposit must be paid by then.
        expires_at: sql<Date>`least(expires_at, (select expires_at from quotes where id = ${row.quote_id}))`,
      })
      .where('id', '=', row.id)
      .execute();
    const moved = await transition(
      trx,
      {
        transactionId: row.id,
        to: 'pending_user_transfer_start',
        expectedVersion: row.version,
        reason: 'amount fixed; waiting for the naira payment',
        actor: options.actor,
      },
      { jobMaxAttempts: deps.jobMaxAttempts, logger: deps.logger },
    );
    if (!moved.ok) throw new HttpError(409, 'conflict', moved.message);
    return moved.transaction;
  });
}
