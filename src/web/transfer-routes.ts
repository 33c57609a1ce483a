/**
 * Pages anyone holding a transaction's id may open (the id is an unguessable UUID, and these pages
 * carry no personal data): `GET /transfers/:id`, the status page SEP-24 calls `more_info_url` and
 * Paystack returns the customer to; and `GET /transfers/:id/pay`, which sends a deposit waiting for
 * its naira to Paystack's checkout (or shows its bank-transfer account), and tells a withdrawal
 * waiting for its asset where to send it. A withdrawal's bank account is shown as the bank's name
 * and the last four digits only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isFinal, isTransactionStatus } from '../domain/transaction-status.js';
import { dedicatedAccountFor, paymentLink } from '../flows/deposit/index.js';
import type { TransactionRow } from '../flows/state-machine.js';
import { transactionById } from '../flows/transfers/lookup.js';
import { transactionJson, type RefundsJson } from '../flows/transfers/view.js';
import { withdrawalAsset } from '../flows/withdrawal/open.js';
import { bankNameOf } from './banks.js';
import { pagePath, render, renderMessage, renderNotFound, sessionOf, type WebDeps } from './context.js';
import { decimalAmountText, nairaText, stellarTransactionUrl, timeText } from './format.js';
import { statusText, translator } from './i18n/index.js';
import { redirect } from './render.js';
import { accountEnding, renderSendPayment, withdrawPath } from './withdrawal-pages.js';

/** How often the status page reloads itself while the transfer is still moving. */
export const STATUS_REFRESH_S = 10;

function langOf(row: TransactionRow): string {
  return row.lang !== null && /^[a-z]{2}$/.test(row.lang) ? row.lang : 'en';
}

async function rowFor(deps: WebDeps, request: FastifyRequest): Promise<TransactionRow | undefined> {
  const { id = '' } = request.params as { id?: string };
  return transactionById(deps.transfers.db, id);
}

function refundsView(
  deps: WebDeps,
  refunds: RefundsJson | undefined,
  asset: string | undefined,
  lang: string,
) {
  if (refunds === undefined || asset === undefined) return null;
  const t = translator(lang);
  return {
    amount: decimalAmountText(refunds.amount_refunded, asset),
    fee: decimalAmountText(refunds.amount_fee, asset),
    payments: refunds.payments.map((payment) => ({
      amount: decimalAmountText(payment.amount, asset),
      where: payment.id_type === 'stellar' ? t('status.refundOnStellar') : t('status.refundToBank'),
      url: payment.id_type === 'stellar' ? stellarTransactionUrl(deps.config, payment.id) : null,
    })),
  };
}

/** Where the transaction's own pages are, for a customer coming back to finish them. */
function flowPath(deps: WebDeps, row: TransactionRow): string {
  return row.kind === 'deposit' ? pagePath(deps, `/sep24/deposit/${row.id}`) : withdrawPath(deps, row.id);
}

/** The status page's figures: amounts, fees, times and links — never who the customer is. */
function statusModel(
  deps: WebDeps,
  request: FastifyRequest,
  row: TransactionRow,
  lang: string,
  bankName: string | null,
) {
  const t = translator(lang);
  const json = transactionJson(deps.transfers, row);
  const status = isTransactionStatus(row.status) ? row.status : 'error';
  const words = statusText(lang, row.kind, status);
  const isDeposit = row.kind === 'deposit';
  const amount = (text: string | undefined, asset: string | undefined) =>
    text === undefined || asset === undefined ? null : decimalAmountText(text, asset);
  const waitingForPayment = row.status === 'pending_user_transfer_start';
  const payBy = waitingForPayment && row.expires_at !== null ? timeText(row.expires_at, lang) : null;
  const ownSession = sessionOf(deps, request)?.transactionId === row.id;
  const feeAsset = json.fee_details?.asset;
  return {
    id: row.id,
    status: row.status,
    statusTitle: words.title,
    statusNext: words.next,
    // The flow's own words of what is missing (an amount), when a withdrawal waits for the rest.
    message: !isDeposit && row.status === 'pending_user' ? row.status_message : null,
    amountInLabel: isDeposit ? t('status.amountIn') : t('status.amountSent'),
    amountIn: amount(json.amount_in, json.amount_in_asset),
    amountOut: amount(json.amount_out, json.amount_out_asset),
    fee: amount(json.amount_fee, json.amount_fee_asset),
    feeDetails: (json.fee_details?.details ?? []).map((d) => ({
      name: d.name,
      amount: amount(d.amount, feeAsset),
    })),
    paidTo:
      isDeposit || bankName === null || row.bank_account_last4 === null
        ? null
        : accountEnding(t, bankName, row.bank_account_last4),
    started: timeText(row.created_at, lang),
    updated: timeText(row.updated_at, lang),
    completed: row.completed_at === null ? null : timeText(row.completed_at, lang),
    stellar:
      row.stellar_transaction_id === null
        ? null
        : {
            hash: row.stellar_transaction_id,
            url: stellarTransactionUrl(deps.config, row.stellar_transaction_id),
          },
    payHref: waitingForPayment ? pagePath(deps, `/transfers/${row.id}/pay`) : null,
    payText: isDeposit ? t('status.pay') : t('status.sendPayment'),
    payBy: payBy === null ? null : t(isDeposit ? 'status.payBy' : 'status.sendBy', { time: payBy }),
    continueHref: row.status === 'incomplete' && ownSession ? flowPath(deps, row) : null,
    refunds: refundsView(deps, json.refunds, json.amount_in_asset, lang),
  };
}

async function statusPage(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  // Paystack's callback adds ?trxref=…&reference=…: nothing here reads the query.
  const row = await rowFor(deps, request);
  if (row === undefined) return renderNotFound(deps, reply, 'en');
  const lang = langOf(row);
  const final = isTransactionStatus(row.status) && isFinal(row.status);
  const bankName = row.bank_code === null ? null : await bankNameOf(deps, request.log, row.bank_code);
  return render(deps, reply, {
    status: 200,
    template: 'status',
    lang,
    title: row.kind === 'deposit' ? 'status.deposit' : 'status.withdrawal',
    model: statusModel(deps, request, row, lang, bankName),
    ...(final ? {} : { refreshSeconds: STATUS_REFRESH_S }),
  });
}

/** Only a web address may be a redirect target: a checkout URL is Paystack's answer, not ours. */
function isWebUrl(text: string): boolean {
  const url = URL.parse(text);
  return url !== null && (url.protocol === 'https:' || url.protocol === 'http:');
}

async function payPage(deps: WebDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const row = await rowFor(deps, request);
  if (row === undefined) return renderNotFound(deps, reply, 'en');
  const lang = langOf(row);
  const statusHref = pagePath(deps, `/transfers/${row.id}`);
  if (row.kind === 'withdrawal') return sendPaymentPage(deps, request, reply, row, lang);
  if (row.status !== 'pending_user_transfer_start') return redirect(reply, statusHref);
  if (row.funding_method === 'bank_transfer') {
    const account = await dedicatedAccountFor(deps.transfers, row);
    if (account !== undefined)
      return render(deps, reply, {
        status: 200,
        template: 'bank-transfer',
        lang,
        title: 'bank.title',
        model: {
          amount: nairaText(BigInt(row.amount_expected_minor ?? '0')),
          accountNumber: account.accountNumber,
          bankName: account.bankName,
          accountName: account.accountName,
          deadline: row.expires_at === null ? null : timeText(row.expires_at, lang),
          statusHref,
        },
      });
  }
  const link = await paymentLink(deps.transfers, row);
  if (link.ok && isWebUrl(link.url)) return redirect(reply, link.url);
  if (link.ok)
    request.log.error({ transactionId: row.id }, 'paystack gave a checkout link that is not a web URL');
  return renderMessage(deps, reply, {
    status: 503,
    lang,
    title: 'pay.errorTitle',
    paragraphs: [
      { text: link.ok ? translator(lang)('error.body', { reference: request.id }) : link.message },
    ],
    links: [
      { href: pagePath(deps, `/transfers/${row.id}/pay`), text: 'pay.retry' },
      { href: statusHref, text: 'status.now', secondary: true },
    ],
  });
}

/** Where a withdrawal waiting for its asset is to be sent: the account, the exact amount, the memo. */
async function sendPaymentPage(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  row: TransactionRow,
  lang: string,
): Promise<FastifyReply> {
  const receivingAccount = row.withdraw_anchor_account;
  const memo = row.withdraw_memo;
  if (row.status !== 'pending_user_transfer_start' || receivingAccount === null || memo === null)
    return redirect(reply, pagePath(deps, `/transfers/${row.id}`));
  const asset = withdrawalAsset(deps.transfers, row.asset_code, row.asset_issuer ?? undefined);
  const bankName = row.bank_code === null ? null : await bankNameOf(deps, request.log, row.bank_code);
  return renderSendPayment(deps, reply, { row, asset, receivingAccount, memo, bankName, lang });
}

export async function transferRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get('/transfers/:id', async (request, reply) => statusPage(deps, request, reply));
  app.get('/transfers/:id/pay', async (request, reply) => payPage(deps, request, reply));
}
