/**
 * Opening a withdrawal and telling the customer where to pay: what SEP-24's
 * `POST /transactions/withdraw/interactive`, SEP-6's `GET /withdraw` / `GET /withdraw-exchange` and
 * the hosted pages call. Every check runs before anything is written.
 *
 * The amount is the asset the customer sends (`amount`, in units of the asset); the naira paid out
 * is that at par (the naira token, which must then be whole kobo) or at a firm SEP-38 quote, less
 * the withdrawal fee. The bank account is resolved through Paystack and its name must match the
 * customer's KYC name before any memo is issued.
 */
import { randomBytes } from 'node:crypto';
import { StrKey } from '@stellar/stellar-sdk';
import { HttpError } from '../../platform/http/errors.js';
import { parseAmount, STELLAR_DECIMALS, formatAmount } from '../../domain/money.js';
import { feeOnGross } from '../../domain/fees.js';
import { isBankCode, isNuban, matchNames } from '../../domain/kyc/index.js';
import { NGN_OFFCHAIN_ID, type AnchoredAsset } from '../../sep/assets.js';
import type { Sep10Identity } from '../../sep/sep10/jwt.js';
import type { QuotePair } from '../../sep/sep38/catalog.js';
import { feeDetails } from '../../sep/sep38/pricing.js';
import { consumeQuote, findQuote, type Quote } from '../../sep/sep38/store.js';
import { fieldContext } from '../../sep/sep12/store.js';
import { createTransaction, type TransactionRow } from '../state-machine.js';
import type { TransferDeps } from '../transfers/deps.js';
import { STROOPS_PER_KOBO } from '../transfers/assets.js';
import { storedFeeDetails, type StoredFeeDetail } from '../transfers/fee-details.js';
import { checkLimits, customerStanding, withdrawalUsage } from '../transfers/limits.js';
import { lockTransaction, moveTransaction } from '../transfers/move.js';
import { CustomerInfoNeeded, depositAsset as anchoredAsset, pairOf } from '../deposit/open.js';
import { QUOTE_REFUSALS, readCallback, readLang, readMemo, refuse } from '../transfers/request.js';

export interface WithdrawalRequest {
  readonly protocol: 'sep6' | 'sep24';
  readonly identity: Sep10Identity;
  readonly assetCode: string;
  readonly assetIssuer?: string | undefined;
  /** Asset to send, as the wallet wrote it. */
  readonly amount?: string | undefined;
  /** The account the payment will come from; the authenticated account when absent. */
  readonly account?: string | undefined;
  readonly quoteId?: string | undefined;
  /** SEP-38 id of what the customer receives; only naira. */
  readonly destinationAsset?: string | undefined;
  readonly refundMemo?: string | undefined;
  readonly refundMemoType?: string | undefined;
  readonly lang?: string | undefined;
  readonly onChangeCallback?: string | undefined;
}

/** The asset, as units of the asset with at most 7 places, within the pair's asset limits. */
export function readAssetAmount(pair: QuotePair, text: string, field = 'amount'): bigint {
  const parsed = parseAmount(text, STELLAR_DECIMALS);
  if (!parsed.ok) throw refuse(`${field}: ${parsed.error}`);
  const { minMinor, maxMinor } = pair.stellar.limits;
  if (parsed.minor < minMinor || parsed.minor > maxMinor)
    throw refuse(
      `${field}: must be between ${formatAmount(minMinor, STELLAR_DECIMALS)} and ${formatAmount(maxMinor, STELLAR_DECIMALS)}`,
    );
  return parsed.minor;
}

export interface WithdrawalFigures {
  readonly amountInStroops: bigint;
  readonly feeKobo: bigint;
  readonly amountOutKobo: bigint;
  readonly feeDetails: readonly StoredFeeDetail[];
}

/** At par: the token becomes naira one to one (whole kobo only), the fee comes out of the naira. */
export function parWithdrawalFigures(pair: QuotePair, amountInStroops: bigint): WithdrawalFigures {
  if (amountInStroops % STROOPS_PER_KOBO !== 0n)
    throw refuse('amount: the naira token is paid out in whole kobo (at most 2 decimal places)');
  const grossKobo = amountInStroops / STROOPS_PER_KOBO;
  const fee = feeOnGross(pair.fees.withdrawal, grossKobo);
  const amountOutKobo = grossKobo - fee.totalMinor;
  if (amountOutKobo <= 0n) throw refuse('amount: too small to cover the fee');
  return {
    amountInStroops,
    feeKobo: fee.totalMinor,
    amountOutKobo,
    feeDetails: storedFeeDetails(feeDetails(fee, pair, 'withdrawal')),
  };
}

export function quoteWithdrawalFigures(quote: Quote): WithdrawalFigures {
  return {
    amountInStroops: quote.sellAmountMinor,
    feeKobo: quote.feeTotalMinor,
    amountOutKobo: quote.buyAmountMinor,
    feeDetails: storedFeeDetails(quote.feeDetails),
  };
}

export function withdrawalAsset(
  deps: Pick<TransferDeps, 'config'>,
  code: string,
  issuer?: string,
): AnchoredAsset {
  return anchoredAsset(deps, code, issuer);
}

export function payoutReferenceFor(transactionId: string): string {
  return `rmpo-${transactionId.replace(/-/g, '')}`;
}

export async function openWithdrawal(
  deps: TransferDeps,
  request: WithdrawalRequest,
): Promise<TransactionRow> {
  const asset = withdrawalAsset(deps, request.assetCode, request.assetIssuer);
  const pair = pairOf(deps, asset);
  if (request.destinationAsset !== undefined && request.destinationAsset !== NGN_OFFCHAIN_ID)
    throw refuse(`destination_asset: only ${NGN_OFFCHAIN_ID} is paid out`);
  const identity = request.identity;
  const account = request.account ?? identity.muxedAccount ?? identity.account;
  if (!StrKey.isValidEd25519PublicKey(account) && !StrKey.isValidMed25519PublicKey(account))
    throw refuse('account: must be a Stellar account (G…) or a muxed account (M…)');
  const refund = readMemo(request.refundMemo, request.refundMemoType);
  const callback = readCallback(deps, request.onChangeCallback);
  const amount =
    request.amount === undefined || request.amount === '' ? undefined : readAssetAmount(pair, request.amount);
  // Refused now rather than at confirmation: the naira token is paid out in whole kobo.
  if (amount !== undefined && pair.pricing.kind === 'par') parWithdrawalFigures(pair, amount);
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const created = await createTransaction(trx, {
      kind: 'withdrawal',
      protocol: request.protocol,
      assetCode: asset.code,
      assetIssuer: asset.issuer,
      stellarAccount: account,
      stellarMemo: null,
      actor: `${request.protocol}:${identity.sub}`,
    });
    let quote: Quote | undefined;
    if (request.quoteId !== undefined && request.quoteId !== '') {
      const consumed = await consumeQuote(trx, {
        quoteId: request.quoteId,
        account: identity.sub,
        now,
        transactionId: created.id,
      });
      if (!consumed.ok) throw refuse(QUOTE_REFUSALS[consumed.refusal]);
      quote = consumed.quote;
      if (quote.sellAsset !== asset.sep38Id || quote.buyAsset !== NGN_OFFCHAIN_ID)
        throw refuse(
          `quote_id: the quote sells ${quote.sellAsset} for ${quote.buyAsset}, not ${asset.sep38Id} for naira`,
        );
      if (amount !== undefined && amount !== quote.sellAmountMinor)
        throw refuse("amount: must equal the quote's sell_amount");
    }
    const customer = await customerStanding(deps, trx, identity.sub);
    return trx
      .updateTable('transactions')
      .set({
        auth_account: identity.muxedAccount ?? identity.account,
        auth_memo: identity.memo,
        client_domain: identity.clientDomain,
        customer_id: customer.customer?.id ?? null,
        quote_id: quote?.id ?? null,
        amount_in_asset: asset.sep38Id,
        amount_out_asset: NGN_OFFCHAIN_ID,
        amount_fee_asset: NGN_OFFCHAIN_ID,
        amount_expected_minor: quote?.sellAmountMinor ?? amount ?? null,
        payout_reference: payoutReferenceFor(created.id),
        refund_memo: refund.memo,
        refund_memo_type: refund.memoType,
        on_change_callback: callback,
        lang: readLang(request.lang),
        expires_at: new Date(now.getTime() + deps.config.withdrawExpirySeconds * 1000),
      })
      .where('id', '=', created.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export interface PayoutAccount {
  readonly bankCode: string;
  readonly accountNumber: string;
  readonly accountName: string;
}

const payoutContext = (transactionId: string): string => `transaction:${transactionId}:payout-account`;

export function readPayoutAccount(
  deps: Pick<TransferDeps, 'keyring'>,
  row: TransactionRow,
): PayoutAccount | undefined {
  if (row.payout_account_ciphertext === null) return undefined;
  return JSON.parse(
    deps.keyring.decryptText(row.payout_account_ciphertext, payoutContext(row.id)),
  ) as PayoutAccount;
}

/** The customer's KYC name (first and last), decrypted: what a bank account's name must match. */
async function kycName(deps: TransferDeps, customerId: string): Promise<string | undefined> {
  const rows = await deps.db
    .selectFrom('customer_fields')
    .select(['name', 'value_ciphertext'])
    .where('customer_id', '=', customerId)
    .where('name', 'in', ['first_name', 'additional_name', 'last_name'])
    .where('status', '=', 'ACCEPTED')
    .execute();
  const part = (name: string): string | undefined => {
    const row = rows.find((r) => r.name === name);
    return row?.value_ciphertext == null
      ? undefined
      : deps.keyring.decryptText(row.value_ciphertext, fieldContext(customerId, name));
  };
  const first = part('first_name');
  const last = part('last_name');
  if (first === undefined || last === undefined) return undefined;
  return [first, part('additional_name'), last].filter((p) => p !== undefined).join(' ');
}

export type BankCheck = { ok: true; accountName: string } | { ok: false; status: 400 | 503; message: string };

/**
 * Resolves a bank account through Paystack and matches its name against the customer's KYC name,
 * writing nothing: a refusal leaves no trace. The owner's name is never repeated in a refusal — a
 * lookup must not tell anyone who holds an account number.
 */
export async function resolvePayoutAccount(
  deps: TransferDeps,
  customerId: string,
  input: { readonly bankCode: string; readonly accountNumber: string },
): Promise<BankCheck> {
  if (!isBankCode(input.bankCode))
    return { ok: false, status: 400, message: 'bank: choose your bank from the list' };
  if (!isNuban(input.accountNumber))
    return { ok: false, status: 400, message: 'account number: a Nigerian account number has 10 digits' };
  if (deps.paystack === undefined)
    return { ok: false, status: 503, message: 'bank payouts are not available right now' };
  const resolved = await deps.paystack.resolveAccount(input.accountNumber, input.bankCode);
  if (resolved.outcome === 'unknown')
    return { ok: false, status: 503, message: 'the bank could not be reached; try again in a minute' };
  if (resolved.outcome !== 'resolved')
    return { ok: false, status: 400, message: 'this account number was not found at that bank' };
  const name = await kycName(deps, customerId);
  if (name === undefined) return { ok: false, status: 400, message: 'your name is not verified yet' };
  if (!matchNames(name, resolved.accountName).matched)
    return {
      ok: false,
      status: 400,
      message: 'the name on this account does not match your verified name; use an account in your own name',
    };
  return { ok: true, accountName: resolved.accountName };
}

/**
 * Resolves and matches the bank account (`resolvePayoutAccount`), then stores it, encrypted, on the
 * withdrawal. `resolvedName` skips a second Paystack lookup when the caller resolved it just before.
 */
export async function setPayoutAccount(
  deps: TransferDeps,
  transactionId: string,
  input: { readonly bankCode: string; readonly accountNumber: string },
  resolvedName?: string,
): Promise<BankCheck> {
  const row = await deps.db
    .selectFrom('transactions')
    .selectAll()
    .where('id', '=', transactionId)
    .executeTakeFirst();
  if (row?.kind !== 'withdrawal') return { ok: false, status: 400, message: 'not a withdrawal' };
  if (row.status !== 'incomplete')
    return { ok: false, status: 400, message: `the withdrawal is already ${row.status}` };
  const subject = row.auth_memo === null ? (row.auth_account ?? '') : `${row.auth_account}:${row.auth_memo}`;
  const standing = await customerStanding(deps, deps.db, subject);
  if (standing.customer === undefined || standing.tier === 0)
    throw new CustomerInfoNeeded(
      standing.snapshot.rejectedMessage === null ? 'needs_info' : 'denied',
      'identity verification (SEP-12) is needed before a withdrawal',
    );
  const check: BankCheck =
    resolvedName === undefined
      ? await resolvePayoutAccount(deps, standing.customer.id, input)
      : { ok: true, accountName: resolvedName };
  if (!check.ok) return check;
  const account: PayoutAccount = {
    bankCode: input.bankCode,
    accountNumber: input.accountNumber,
    accountName: check.accountName,
  };
  const stored = await deps.db
    .updateTable('transactions')
    .set({
      customer_id: standing.customer.id,
      bank_code: input.bankCode,
      bank_account_last4: input.accountNumber.slice(-4),
      payout_account_ciphertext: deps.keyring.encryptText(
        JSON.stringify(account),
        payoutContext(transactionId),
      ),
    })
    .where('id', '=', transactionId)
    .where('status', '=', 'incomplete')
    .executeTakeFirst();
  if (stored.numUpdatedRows === 0n)
    return { ok: false, status: 400, message: 'the withdrawal moved on meanwhile' };
  return check;
}

const MEMO_ATTEMPTS_MAX = 5;

function earliest(a: Date, b: Date | undefined): Date {
  return b !== undefined && b < a ? b : a;
}

/** A random id memo (64 bits); uniqueness among open withdrawals is the database's to enforce. */
function newMemo(): string {
  return randomBytes(8).readBigUInt64BE().toString();
}

/**
 * Fixes the amounts and tells the customer where to pay: `incomplete` → `pending_user_transfer_start`
 * with the receiving account, a unique memo and a deadline. Needs the bank account first.
 */
export async function requestWithdrawalPayment(
  deps: TransferDeps,
  transactionId: string,
  options: { readonly amountStroops?: bigint; readonly actor: string; readonly receivingAccount: string },
): Promise<TransactionRow> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await deps.db.transaction().execute(async (trx) => {
        const row = await lockTransaction(trx, transactionId);
        if (row?.kind !== 'withdrawal') throw new HttpError(404, 'not_found', 'transaction not found');
        if (row.status !== 'incomplete') throw refuse(`the withdrawal is already ${row.status}`);
        if (row.payout_account_ciphertext === null)
          throw refuse('bank account: which account should the naira go to?');
        const asset = withdrawalAsset(deps, row.asset_code, row.asset_issuer ?? undefined);
        const pair = pairOf(deps, asset);
        let figures: WithdrawalFigures;
        let quoteExpiresAt: Date | undefined;
        if (row.quote_id !== null) {
          const quote = await findQuote(trx, row.quote_id);
          if (quote === undefined)
            throw new Error(`quote ${row.quote_id} of withdrawal ${row.id} is missing`);
          if (quote.expiresAt <= deps.now())
            throw refuse('quote_id: the quote has expired; start again with a new one');
          if (options.amountStroops !== undefined && options.amountStroops !== quote.sellAmountMinor)
            throw refuse("amount: must equal the quote's sell_amount");
          quoteExpiresAt = quote.expiresAt;
          figures = quoteWithdrawalFigures(quote);
        } else {
          if (pair.pricing.kind !== 'par')
            throw refuse(`${asset.code} is sold at a firm quote: give quote_id`);
          const amount =
            options.amountStroops ??
            (row.amount_expected_minor === null ? undefined : BigInt(row.amount_expected_minor));
          if (amount === undefined) throw refuse(`amount: how much ${asset.code} will you send?`);
          figures = parWithdrawalFigures(pair, amount);
        }
        const subject =
          row.auth_memo === null ? (row.auth_account ?? '') : `${row.auth_account}:${row.auth_memo}`;
        const standing = await customerStanding(deps, trx, subject);
        if (standing.customer === undefined || standing.tier === 0)
          throw new CustomerInfoNeeded(
            'needs_info',
            'identity verification (SEP-12) is needed before a withdrawal',
          );
        const limit = checkLimits(
          standing.limits,
          await withdrawalUsage(trx, standing.customer.id),
          figures.amountOutKobo + figures.feeKobo,
        );
        if (!limit.ok) throw refuse(`amount: ${limit.reason}`);
        await trx
          .updateTable('transactions')
          .set({
            amount_expected_minor: figures.amountInStroops,
            amount_in_minor: figures.amountInStroops,
            amount_fee_minor: figures.feeKobo,
            amount_out_minor: figures.amountOutKobo,
            fee_details: JSON.stringify(figures.feeDetails),
            withdraw_anchor_account: options.receivingAccount,
            withdraw_memo: newMemo(),
            // The time to pay starts now, not when the withdrawal was opened; a quoted price holds
            // only until its quote expires.
            expires_at: earliest(
              new Date(deps.now().getTime() + deps.config.withdrawExpirySeconds * 1000),
              quoteExpiresAt,
            ),
          })
          .where('id', '=', row.id)
          .execute();
        return moveTransaction(
          trx,
          row,
          {
            to: 'pending_user_transfer_start',
            reason: 'amount fixed; waiting for the Stellar payment',
            actor: options.actor,
          },
          deps,
        );
      });
    } catch (error) {
      // Two open withdrawals drew the same 64-bit memo (the unique index said so): draw again.
      const duplicate = error instanceof Error && /transactions_open_withdraw_memo/.test(error.message);
      if (!duplicate || attempt >= MEMO_ATTEMPTS_MAX) throw error;
    }
  }
}
