/**
 * Drawing each step of the hosted withdrawal after KYC (kyc-pages.ts): the bank account, the name
 * the bank gave for it, the amount of the asset, the confirmation with its exact figures, and the
 * page that says where to send the asset. Handlers (withdrawal-routes.ts, transfer-routes.ts)
 * decide which step and status; these only turn a step into a page.
 */
import type { FastifyReply } from 'fastify';
import { formatAmount } from '../domain/money.js';
import { formatRate, invertRate } from '../domain/quotes.js';
import type { TransactionRow } from '../flows/state-machine.js';
import {
  parWithdrawalFigures,
  quoteWithdrawalFigures,
  type PayoutAccount,
  type WithdrawalFigures,
} from '../flows/withdrawal/open.js';
import type { AnchoredAsset } from '../sep/assets.js';
import { NGN_OFFCHAIN_ID } from '../sep/assets.js';
import type { QuotePair } from '../sep/sep38/catalog.js';
import type { Quote } from '../sep/sep38/store.js';
import { csrfToken, errorList, statusPath, type TransferAccess } from './access.js';
import type { BankOption } from './banks.js';
import { pagePath, render, type WebDeps } from './context.js';
import { amountText, decimalAmountText, nairaText, timeText } from './format.js';
import { translator, type Translate } from './i18n/index.js';

/** Withdrawals have four steps: identity, bank account, amount, confirmation. */
export const WITHDRAWAL_STEPS = 4;
/** The longest account number echoed back into the form: a NUBAN is 10 digits. */
const ACCOUNT_NUMBER_ECHO_MAX = 20;

export function withdrawPath(deps: Pick<WebDeps, 'config'>, id: string, action?: string): string {
  return pagePath(deps, `/sep24/withdraw/${id}${action === undefined ? '' : `/${action}`}`);
}

/** A bank account as the pages name it: the bank and the last four digits, never the whole number. */
export function accountEnding(t: Translate, bankName: string, last4: string): string {
  return t('payout.ending', { bank: bankName, last4 });
}

export interface BankForm {
  readonly banks: readonly BankOption[];
  readonly bankCode: string;
  readonly accountNumber: string;
  readonly errors: Readonly<{ bank_code?: string; account_number?: string; form?: string }>;
  readonly status: number;
}

export function renderBank(
  deps: WebDeps,
  reply: FastifyReply,
  access: TransferAccess,
  form: BankForm,
): Promise<FastifyReply> {
  const t = translator(access.lang);
  const summary: Record<string, string> = {};
  if (form.errors.bank_code !== undefined)
    summary['bank_code'] = `${t('payout.bank.label')}: ${form.errors.bank_code}`;
  if (form.errors.account_number !== undefined)
    summary['account_number'] = `${t('payout.number.label')}: ${form.errors.account_number}`;
  const list = errorList(summary);
  // A refusal of the account as a whole (not found at that bank, not in the customer's name).
  if (form.errors.form !== undefined) list.push({ field: null, text: form.errors.form });
  return render(deps, reply, {
    status: form.status,
    template: 'withdraw-bank',
    lang: access.lang,
    title: 'payout.title',
    model: {
      action: withdrawPath(deps, access.row.id, 'bank'),
      csrf: csrfToken(reply, access),
      steps: WITHDRAWAL_STEPS,
      banks: form.banks.map((bank) => ({ ...bank, selected: bank.code === form.bankCode })),
      accountNumber: form.accountNumber.slice(0, ACCOUNT_NUMBER_ECHO_MAX),
      bankError: form.errors.bank_code ?? null,
      numberError: form.errors.account_number ?? null,
      errorList: list,
    },
  });
}

/** The name the bank holds for the account, for the customer to recognise before going on. */
export function renderAccountName(
  deps: WebDeps,
  reply: FastifyReply,
  access: TransferAccess,
  account: { readonly accountName: string; readonly bankName: string; readonly last4: string },
): Promise<FastifyReply> {
  return render(deps, reply, {
    status: 200,
    template: 'withdraw-account',
    lang: access.lang,
    title: 'accountName.title',
    model: {
      steps: WITHDRAWAL_STEPS,
      accountName: account.accountName,
      bankName: account.bankName,
      last4: account.last4,
      continueHref: withdrawPath(deps, access.row.id),
      otherHref: withdrawPath(deps, access.row.id, 'bank'),
    },
  });
}

export function renderWithdrawAmount(
  deps: WebDeps,
  reply: FastifyReply,
  access: TransferAccess,
  form: {
    readonly asset: AnchoredAsset;
    readonly pair: QuotePair;
    readonly limitKobo: bigint;
    readonly account: PayoutAccount;
    readonly bankName: string;
    readonly value: string;
    readonly error?: string;
    readonly status: number;
  },
): Promise<FastifyReply> {
  const t = translator(access.lang);
  const { minMinor, maxMinor } = form.pair.stellar.limits;
  const { asset } = form;
  return render(deps, reply, {
    status: form.status,
    template: 'withdraw-amount',
    lang: access.lang,
    title: 'withdrawAmount.title',
    titleParams: { asset: asset.code },
    model: {
      action: withdrawPath(deps, access.row.id, 'amount'),
      csrf: csrfToken(reply, access),
      steps: WITHDRAWAL_STEPS,
      assetCode: asset.code,
      min: amountText(minMinor, asset.sep38Id, asset.decimals),
      max: amountText(maxMinor, asset.sep38Id, asset.decimals),
      limit: nairaText(form.limitKobo),
      paidTo: accountEnding(t, form.bankName, form.account.accountNumber.slice(-4)),
      otherHref: withdrawPath(deps, access.row.id, 'bank'),
      amountValue: form.value.slice(0, 32),
      amountError: form.error ?? null,
      errorList:
        form.error === undefined
          ? []
          : errorList({ amount: `${t('withdrawAmount.label', { asset: asset.code })}: ${form.error}` }),
    },
  });
}

export type WithdrawalConfirmation =
  | { readonly kind: 'par'; readonly pair: QuotePair; readonly amountStroops: bigint }
  | { readonly kind: 'quote'; readonly quote: Quote };

/** Naira per one unit of the asset, as a customer reads a rate; rounded down, never overstated. */
function nairaPerUnit(quote: Quote): string {
  // SEP-38's price is sell units per buy unit: asset per naira here, so it is turned over.
  return decimalAmountText(formatRate(invertRate(quote.price), 2, 'floor'), NGN_OFFCHAIN_ID);
}

export function renderWithdrawConfirm(
  deps: WebDeps,
  reply: FastifyReply,
  access: TransferAccess,
  form: {
    readonly asset: AnchoredAsset;
    readonly confirmation: WithdrawalConfirmation;
    readonly account: PayoutAccount;
    readonly bankName: string;
    /** The wallet fixed the amount (or quote) when it opened the withdrawal: it cannot change here. */
    readonly fixed: boolean;
    readonly error?: string;
    readonly status: number;
  },
): Promise<FastifyReply> {
  const { asset, confirmation } = form;
  const t = translator(access.lang);
  const figures: WithdrawalFigures =
    confirmation.kind === 'par'
      ? parWithdrawalFigures(confirmation.pair, confirmation.amountStroops)
      : quoteWithdrawalFigures(confirmation.quote);
  const quote = confirmation.kind === 'quote' ? confirmation.quote : null;
  return render(deps, reply, {
    status: form.status,
    template: 'withdraw-confirm',
    lang: access.lang,
    title: 'confirm.title',
    model: {
      action: withdrawPath(deps, access.row.id, 'confirm'),
      csrf: csrfToken(reply, access),
      steps: WITHDRAWAL_STEPS,
      assetCode: asset.code,
      amountIn: amountText(figures.amountInStroops, asset.sep38Id, asset.decimals),
      fee: nairaText(figures.feeKobo),
      feeDetails: figures.feeDetails.map((d) => ({
        name: d.name,
        amount: nairaText(BigInt(d.amount_minor)),
      })),
      amountOut: nairaText(figures.amountOutKobo),
      paidTo: `${form.account.accountName} · ${accountEnding(t, form.bankName, form.account.accountNumber.slice(-4))}`,
      rate: quote === null ? null : nairaPerUnit(quote),
      expires: quote === null ? null : timeText(quote.expiresAt, access.lang),
      canConfirm: form.error === undefined,
      amountValue:
        confirmation.kind === 'par' && !form.fixed
          ? formatAmount(confirmation.amountStroops, asset.decimals)
          : null,
      quoteId: quote !== null && !form.fixed ? quote.id : null,
      changeHref: form.fixed ? null : withdrawPath(deps, access.row.id),
      errorList: form.error === undefined ? [] : [{ field: null, text: form.error }],
    },
  });
}

/** An amount as a wallet's field takes it: no grouping, no trailing zeros ("1500", "9.7833333"). */
export function plainAmount(minor: bigint, decimals: number): string {
  const text = formatAmount(minor, decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** What a withdrawal waiting for its payment tells the customer to send, and where. */
export interface PaymentInstructions {
  readonly row: TransactionRow;
  readonly asset: AnchoredAsset;
  readonly receivingAccount: string;
  readonly memo: string;
  readonly bankName: string | null;
  readonly lang: string;
}

export function renderSendPayment(
  deps: WebDeps,
  reply: FastifyReply,
  instructions: PaymentInstructions,
): Promise<FastifyReply> {
  const { row, asset, lang } = instructions;
  const t = translator(lang);
  const amountStroops = BigInt(row.amount_in_minor ?? row.amount_expected_minor ?? '0');
  return render(deps, reply, {
    status: 200,
    template: 'withdraw-payment',
    lang,
    title: 'sendPayment.title',
    model: {
      amount: plainAmount(amountStroops, asset.decimals),
      assetCode: asset.code,
      assetIssuer: asset.issuer,
      receivingAccount: instructions.receivingAccount,
      memo: instructions.memo,
      deadline: row.expires_at === null ? null : timeText(row.expires_at, lang),
      amountOut: row.amount_out_minor === null ? null : nairaText(BigInt(row.amount_out_minor)),
      paidTo:
        instructions.bankName === null || row.bank_account_last4 === null
          ? null
          : accountEnding(t, instructions.bankName, row.bank_account_last4),
      statusHref: statusPath(deps, row.id),
    },
  });
}
