/**
 * Drawing each step of the hosted deposit after KYC (kyc-pages.ts): the amount and the
 * confirmation with its exact figures. Handlers (deposit-routes.ts) decide which step and status;
 * these only turn a step into a page.
 */
import type { FastifyReply } from 'fastify';
import { formatAmount } from '../domain/money.js';
import { parFigures, type DepositFigures } from '../flows/deposit/index.js';
import { quoteFigures } from '../flows/deposit/open.js';
import type { AnchoredAsset } from '../sep/assets.js';
import { NGN_OFFCHAIN_ID } from '../sep/assets.js';
import type { QuotePair } from '../sep/sep38/catalog.js';
import type { Quote } from '../sep/sep38/store.js';
import { csrfToken, errorList, type TransferAccess } from './access.js';
import { pagePath, render, type WebDeps } from './context.js';
import { amountText, decimalAmountText, nairaText, timeText } from './format.js';
import { checkoutOrigin } from './headers.js';
import { translator } from './i18n/index.js';

/** What every deposit page knows (the same as any transfer page). */
export type DepositAccess = TransferAccess;

/** Deposits have three steps: identity, amount, confirmation. */
export const DEPOSIT_STEPS = 3;

export function depositPath(deps: Pick<WebDeps, 'config'>, id: string, action?: string): string {
  return pagePath(deps, `/sep24/deposit/${id}${action === undefined ? '' : `/${action}`}`);
}

export function renderAmount(
  deps: WebDeps,
  reply: FastifyReply,
  access: DepositAccess,
  form: {
    readonly asset: AnchoredAsset;
    readonly pair: QuotePair;
    readonly limitKobo: bigint;
    readonly value: string;
    readonly error?: string;
    readonly status: number;
  },
): Promise<FastifyReply> {
  const t = translator(access.lang);
  const { minMinor, maxMinor } = form.pair.fiat.limits;
  return render(deps, reply, {
    status: form.status,
    template: 'amount',
    lang: access.lang,
    title: 'amount.title',
    model: {
      action: depositPath(deps, access.row.id, 'amount'),
      csrf: csrfToken(reply, access),
      assetCode: form.asset.code,
      min: nairaText(minMinor),
      max: nairaText(maxMinor),
      limit: nairaText(form.limitKobo),
      amountValue: form.value.slice(0, 32),
      amountError: form.error ?? null,
      errorList: form.error === undefined ? [] : errorList({ amount: `${t('amount.label')}: ${form.error}` }),
    },
  });
}

export type Confirmation =
  | { readonly kind: 'par'; readonly pair: QuotePair; readonly amountKobo: bigint }
  | { readonly kind: 'quote'; readonly quote: Quote };

export function renderConfirm(
  deps: WebDeps,
  reply: FastifyReply,
  access: DepositAccess,
  form: {
    readonly asset: AnchoredAsset;
    readonly confirmation: Confirmation;
    /** The wallet fixed the amount (or quote) when it opened the deposit: it cannot change here. */
    readonly fixed: boolean;
    readonly error?: string;
    readonly status: number;
  },
): Promise<FastifyReply> {
  const { asset, confirmation } = form;
  const figures: DepositFigures =
    confirmation.kind === 'par'
      ? parFigures(confirmation.pair, confirmation.amountKobo)
      : quoteFigures(confirmation.quote);
  const quote = confirmation.kind === 'quote' ? confirmation.quote : null;
  return render(deps, reply, {
    status: form.status,
    template: 'confirm',
    lang: access.lang,
    title: 'confirm.title',
    // The confirmation is redirected on to Paystack's checkout: see checkoutOrigin.
    formTargets: [checkoutOrigin(deps.config)],
    model: {
      action: depositPath(deps, access.row.id, 'confirm'),
      csrf: csrfToken(reply, access),
      assetCode: asset.code,
      amountIn: nairaText(figures.amountInKobo),
      fee: nairaText(figures.feeKobo),
      feeDetails: figures.feeDetails.map((d) => ({
        name: d.name,
        amount: nairaText(BigInt(d.amount_minor)),
      })),
      amountOut: amountText(figures.amountOutMinor, asset.sep38Id, asset.decimals),
      rate: quote === null ? null : decimalAmountText(quote.priceText, NGN_OFFCHAIN_ID),
      expires: quote === null ? null : timeText(quote.expiresAt, access.lang),
      canConfirm: form.error === undefined,
      amountValue:
        confirmation.kind === 'par' && !form.fixed ? formatAmount(confirmation.amountKobo, 2) : null,
      quoteId: quote !== null && !form.fixed ? quote.id : null,
      changeHref: form.fixed ? null : depositPath(deps, access.row.id),
      errorList: form.error === undefined ? [] : [{ field: null, text: form.error }],
    },
  });
}
