/**
 * The hosted SEP-24 withdrawal: `GET /sep24/withdraw/:id` shows the step the withdrawal is at, and
 * one `POST` per step (kyc, verify, bank, amount, confirm) acts on it; `GET …/bank` asks for the
 * bank account again, to pay into another one. Guarded like the deposit (access.ts): the session
 * for this very transaction and subject on every route, a CSRF token on every POST. A POST for a
 * step the withdrawal is no longer at changes nothing and shows the current step.
 *
 * The bank account is resolved by Paystack and its name matched to the customer's verified name by
 * the flow (setPayoutAccount) before anything else: a mismatch stores nothing and stops there.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { assert } from '../domain/assert.js';
import { formatAmount } from '../domain/money.js';
import { CustomerInfoNeeded } from '../flows/deposit/index.js';
import { checkLimits, withdrawalUsage, type CustomerStanding } from '../flows/transfers/limits.js';
import {
  parWithdrawalFigures,
  quoteWithdrawalFigures,
  readAssetAmount,
  requestWithdrawalPayment,
  setPayoutAccount,
  type BankCheck,
  type PayoutAccount,
  type WithdrawalFigures,
} from '../flows/withdrawal/open.js';
import { HttpError } from '../platform/http/errors.js';
import { NGN_OFFCHAIN_ID } from '../sep/assets.js';
import type { QuotePair } from '../sep/sep38/catalog.js';
import { createFirmQuote } from '../sep/sep38/firm-quote.js';
import {
  customerProblem,
  formOf,
  statusPath,
  transferPages,
  type PageHandler,
  type TransferAccess,
} from './access.js';
import { bankNameOf, payoutBanks } from './banks.js';
import { pagePath, readableError, renderMessage, type WebDeps } from './context.js';
import { translator } from './i18n/index.js';
import { renderKycNeed, submitKyc, submitVerify, type KycPlace } from './kyc-pages.js';
import { attachQuote } from './quote.js';
import { redirect } from './render.js';
import {
  WITHDRAWAL_STEPS,
  renderAccountName,
  renderBank,
  renderWithdrawAmount,
  plainAmount,
  renderWithdrawConfirm,
  withdrawPath,
  type BankForm,
} from './withdrawal-pages.js';
import { withdrawalStep, type WithdrawalStep } from './withdrawal-steps.js';

/** A posted value is never read beyond this: every field of these forms is far shorter. */
const FIELD_LENGTH_MAX = 64;

function kycPlace(deps: WebDeps, access: TransferAccess): KycPlace {
  return {
    path: withdrawPath(deps, access.row.id),
    statusHref: statusPath(deps, access.row.id),
    // Not `sep24-withdraw`: that SEP-12 type requires bank fields, which these pages never ask
    // (the account is asked per withdrawal), so it would tell the wallet NEEDS_INFO for nothing.
    customerType: undefined,
    steps: WITHDRAWAL_STEPS,
    deniedTitle: 'denied.withdrawalTitle',
  };
}

/** The step as of now, or null when the withdrawal has moved past the pages (to its status page). */
async function currentStep(deps: WebDeps, access: TransferAccess): Promise<WithdrawalStep | null> {
  if (access.row.status !== 'incomplete') return null;
  return withdrawalStep(deps.transfers, access.row, access.subject, deps.now());
}

/**
 * Withdrawals need both rails: Paystack to check and pay the bank account, and the distribution
 * account to receive the asset. Without either, the pages say so rather than take details in vain.
 */
function whenAvailable(handler: PageHandler): PageHandler {
  return async (deps, request, reply, access) => {
    if (deps.receivingAccount !== undefined && deps.transfers.paystack !== undefined)
      return handler(deps, request, reply, access);
    request.log.warn(
      {
        paystack: deps.transfers.paystack !== undefined,
        receivingAccount: deps.receivingAccount !== undefined,
      },
      'withdrawal pages unavailable: Paystack or STELLAR_DISTRIBUTION_SECRET is not configured',
    );
    return renderMessage(deps, reply, {
      status: 503,
      lang: access.lang,
      title: 'withdrawUnavailable.title',
      paragraphs: ['withdrawUnavailable.body'],
    });
  };
}

/** The bank form, with Paystack's list of banks; a page saying the list is unavailable otherwise. */
async function showBankForm(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  access: TransferAccess,
  form: Omit<BankForm, 'banks'>,
): Promise<FastifyReply> {
  const list = await payoutBanks(deps, request.log);
  if (!list.ok)
    return renderMessage(deps, reply, {
      status: 503,
      lang: access.lang,
      title: 'payout.listTitle',
      paragraphs: ['payout.listBody'],
      links: [
        { href: withdrawPath(deps, access.row.id, 'bank'), text: 'payout.retry' },
        { href: statusPath(deps, access.row.id), text: 'status.now', secondary: true },
      ],
    });
  return renderBank(deps, reply, access, { ...form, banks: list.banks });
}

function bankNameFor(deps: WebDeps, request: FastifyRequest, account: PayoutAccount): Promise<string> {
  return bankNameOf(deps, request.log, account.bankCode);
}

async function renderStep(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  access: TransferAccess,
  step: WithdrawalStep,
): Promise<FastifyReply> {
  const { lang } = access;
  const statusLink = { href: statusPath(deps, access.row.id), text: 'status.now', secondary: true } as const;
  switch (step.kind) {
    case 'kyc':
      return renderKycNeed(deps, reply, access, kycPlace(deps, access), step.need);
    case 'bank':
      return showBankForm(deps, request, reply, access, {
        bankCode: '',
        accountNumber: '',
        errors: {},
        status: 200,
      });
    case 'amount':
      return renderWithdrawAmount(deps, reply, access, {
        asset: step.asset,
        pair: step.pair,
        limitKobo: step.standing.limits.perTransactionKobo,
        account: step.account,
        bankName: await bankNameFor(deps, request, step.account),
        value: step.prefillStroops === null ? '' : plainAmount(step.prefillStroops, step.asset.decimals),
        status: 200,
      });
    case 'confirm-par': {
      const bankName = await bankNameFor(deps, request, step.account);
      try {
        return await renderWithdrawConfirm(deps, reply, access, {
          asset: step.asset,
          confirmation: { kind: 'par', pair: step.pair, amountStroops: step.amountStroops },
          account: step.account,
          bankName,
          fixed: true,
          status: 200,
        });
      } catch (error) {
        // The wallet fixed an amount the naira token cannot pay out (a fraction of a kobo, or
        // less than the fee): only the wallet can start again with another.
        const problem = customerProblem(error);
        return renderMessage(deps, reply, {
          status: problem.status,
          lang,
          title: 'fixedAmount.title',
          paragraphs: [{ text: problem.message }, 'fixedAmount.body'],
          links: [statusLink],
        });
      }
    }
    case 'confirm-quote':
      return renderWithdrawConfirm(deps, reply, access, {
        asset: step.asset,
        confirmation: { kind: 'quote', quote: step.quote },
        account: step.account,
        bankName: await bankNameFor(deps, request, step.account),
        fixed: true,
        status: 200,
      });
    case 'quote-expired':
      return renderMessage(deps, reply, {
        status: 409,
        lang,
        title: 'quoteExpired.title',
        paragraphs: ['quoteExpired.body'],
        links: [statusLink],
      });
  }
}

const showWithdrawal: PageHandler = async (deps, request, reply, access) => {
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, access.row.id));
  return renderStep(deps, request, reply, access, step);
};

/** The bank form again, to pay into another account than the one already given. */
const showBankAgain: PageHandler = async (deps, request, reply, access) => {
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, access.row.id));
  if (step.kind === 'kyc' || step.kind === 'quote-expired')
    return redirect(reply, withdrawPath(deps, access.row.id));
  return showBankForm(deps, request, reply, access, {
    bankCode: '',
    accountNumber: '',
    errors: {},
    status: 200,
  });
};

const postKyc: PageHandler = async (deps, request, reply, access) => {
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, access.row.id));
  if (step.kind !== 'kyc' || step.need.kind !== 'form')
    return redirect(reply, withdrawPath(deps, access.row.id));
  return submitKyc(deps, request, reply, access, kycPlace(deps, access), {
    need: step.need,
    snapshot: step.snapshot,
  });
};

const postVerify: PageHandler = async (deps, request, reply, access) => {
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, access.row.id));
  if (step.kind !== 'kyc' || step.need.kind !== 'verify')
    return redirect(reply, withdrawPath(deps, access.row.id));
  return submitVerify(deps, request, reply, access, kycPlace(deps, access), step.standing);
};

/**
 * The bank and account number: checked for shape here (so a typo is answered next to its field),
 * then resolved and name-matched by the flow, which stores the account only when the name matches.
 * The name the bank holds is shown for the customer to recognise.
 */
const postBank: PageHandler = async (deps, request, reply, access) => {
  const id = access.row.id;
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, id));
  if (step.kind === 'kyc' || step.kind === 'quote-expired') return redirect(reply, withdrawPath(deps, id));
  const body = formOf(request);
  const t = translator(access.lang);
  const bankCode = (body['bank_code'] ?? '').trim().slice(0, FIELD_LENGTH_MAX);
  // People write account numbers in groups: spaces and dashes go, anything else is a typo.
  const accountNumber = (body['account_number'] ?? '').replace(/[\s-]/g, '').slice(0, FIELD_LENGTH_MAX);
  const list = await payoutBanks(deps, request.log);
  const errors: { bank_code?: string; account_number?: string } = {};
  if (list.ok && !list.banks.some((bank) => bank.code === bankCode))
    errors.bank_code = t('payout.bank.invalid');
  if (!/^\d{10}$/.test(accountNumber)) errors.account_number = t('payout.number.invalid');
  const form = { bankCode, accountNumber, status: 400 };
  if (Object.keys(errors).length > 0) return showBankForm(deps, request, reply, access, { ...form, errors });
  let checked: BankCheck;
  try {
    checked = await setPayoutAccount(deps.transfers, id, { bankCode, accountNumber });
  } catch (error) {
    if (error instanceof CustomerInfoNeeded) return redirect(reply, withdrawPath(deps, id));
    throw error;
  }
  if (!checked.ok) {
    request.log.info({ transactionId: id, status: checked.status }, 'payout account refused');
    return showBankForm(deps, request, reply, access, {
      ...form,
      errors: { form: readableError(checked.message) },
      status: checked.status,
    });
  }
  request.log.info({ transactionId: id }, 'payout account set');
  const bankName = list.ok ? (list.banks.find((bank) => bank.code === bankCode)?.name ?? bankCode) : bankCode;
  return renderAccountName(deps, reply, access, {
    accountName: checked.accountName,
    bankName,
    last4: accountNumber.slice(-4),
  });
};

/** Refuses an amount above the customer's limits, counted in naira paid out (fee included) as the flow does. */
async function requireWithinLimits(
  deps: WebDeps,
  standing: CustomerStanding,
  figures: WithdrawalFigures,
): Promise<void> {
  const customer = standing.customer;
  assert(customer !== undefined, 'a customer at tier 1 exists');
  const usage = await withdrawalUsage(deps.transfers.db, customer.id);
  const limit = checkLimits(standing.limits, usage, figures.amountOutKobo + figures.feeKobo);
  if (!limit.ok) throw new HttpError(400, 'invalid_request', `amount: ${limit.reason}`);
}

/** How the naira is delivered, for the quote: the first method offered (a bank account today). */
function buyMethodOf(pair: QuotePair): string | undefined {
  return pair.fiat.buyDeliveryMethods[0]?.name;
}

const postAmount: PageHandler = async (deps, request, reply, access) => {
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, access.row.id));
  if (step.kind !== 'amount') return redirect(reply, withdrawPath(deps, access.row.id));
  const value = (formOf(request)['amount'] ?? '').slice(0, FIELD_LENGTH_MAX);
  const bankName = await bankNameFor(deps, request, step.account);
  const form = {
    asset: step.asset,
    pair: step.pair,
    limitKobo: step.standing.limits.perTransactionKobo,
    account: step.account,
    bankName,
    value,
  };
  const t = translator(access.lang);
  // People write 5,000 or 5 000: the separators go, anything else is the amount's problem.
  const cleaned = value.replace(/[\s,]/g, '');
  if (!/^\d+(\.\d+)?$/.test(cleaned))
    return renderWithdrawAmount(deps, reply, access, {
      ...form,
      error: t('withdrawAmount.invalid', { asset: step.asset.code }),
      status: 400,
    });
  try {
    const amountStroops = readAssetAmount(step.pair, cleaned);
    const common = { asset: step.asset, account: step.account, bankName, fixed: false, status: 200 };
    if (step.pair.pricing.kind === 'par') {
      // Refuses an amount the fee would swallow, or a fraction of a kobo; checked again on confirm.
      await requireWithinLimits(deps, step.standing, parWithdrawalFigures(step.pair, amountStroops));
      return await renderWithdrawConfirm(deps, reply, access, {
        ...common,
        confirmation: { kind: 'par', pair: step.pair, amountStroops },
      });
    }
    const method = buyMethodOf(step.pair);
    const quote = await createFirmQuote(deps.quotes, {
      account: access.subject,
      request: {
        sell_asset: step.asset.sep38Id,
        buy_asset: NGN_OFFCHAIN_ID,
        sell_amount: formatAmount(amountStroops, step.asset.decimals),
        ...(method === undefined ? {} : { buy_delivery_method: method }),
        context: 'sep24',
      },
      now: deps.now(),
    });
    // The naira is known only once priced: a quote refused here expires unused, harmlessly.
    await requireWithinLimits(deps, step.standing, quoteWithdrawalFigures(quote));
    return await renderWithdrawConfirm(deps, reply, access, {
      ...common,
      confirmation: { kind: 'quote', quote },
    });
  } catch (error) {
    const problem = customerProblem(error);
    return renderWithdrawAmount(deps, reply, access, {
      ...form,
      error: problem.message,
      status: problem.status,
    });
  }
};

const postConfirm: PageHandler = async (deps, request, reply, access) => {
  const step = await currentStep(deps, access);
  const id = access.row.id;
  if (step === null) return redirect(reply, statusPath(deps, id));
  if (step.kind === 'kyc' || step.kind === 'bank' || step.kind === 'quote-expired')
    return redirect(reply, withdrawPath(deps, id));
  const receivingAccount = deps.receivingAccount;
  assert(receivingAccount !== undefined, 'whenAvailable runs before every withdrawal form');
  const actor = `web:${access.subject}`;
  const body = formOf(request);
  try {
    if (step.kind === 'amount' && step.pair.pricing.kind === 'par') {
      const amountStroops = readAssetAmount(step.pair, (body['amount'] ?? '').slice(0, FIELD_LENGTH_MAX));
      await requestWithdrawalPayment(deps.transfers, id, { amountStroops, actor, receivingAccount });
    } else {
      if (step.kind === 'amount')
        await attachQuote(deps.transfers, {
          kind: 'withdrawal',
          transactionId: id,
          subject: access.subject,
          quoteId: (body['quote_id'] ?? '').slice(0, FIELD_LENGTH_MAX),
          assetId: step.asset.sep38Id,
          now: deps.now(),
        });
      await requestWithdrawalPayment(deps.transfers, id, { actor, receivingAccount });
    }
  } catch (error) {
    if (error instanceof CustomerInfoNeeded) return redirect(reply, withdrawPath(deps, id));
    if (error instanceof HttpError && error.statusCode === 409) return redirect(reply, statusPath(deps, id));
    return confirmRefused(deps, request, reply, access, step, customerProblem(error));
  }
  request.log.info({ transactionId: id }, 'withdrawal confirmed; waiting for the Stellar payment');
  return redirect(reply, pagePath(deps, `/transfers/${id}/pay`));
};

/** A refused confirmation: back to the amount when it can change, else the fixed figures with why. */
async function confirmRefused(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  access: TransferAccess,
  step: Extract<WithdrawalStep, { kind: 'amount' | 'confirm-par' | 'confirm-quote' }>,
  problem: { status: number; message: string },
): Promise<FastifyReply> {
  const bankName = await bankNameFor(deps, request, step.account);
  const refused = { account: step.account, bankName, error: problem.message, status: problem.status };
  switch (step.kind) {
    case 'amount':
      return renderWithdrawAmount(deps, reply, access, {
        ...refused,
        asset: step.asset,
        pair: step.pair,
        limitKobo: step.standing.limits.perTransactionKobo,
        value: '',
      });
    case 'confirm-par':
      return renderWithdrawConfirm(deps, reply, access, {
        ...refused,
        asset: step.asset,
        confirmation: { kind: 'par', pair: step.pair, amountStroops: step.amountStroops },
        fixed: true,
      });
    case 'confirm-quote':
      return renderWithdrawConfirm(deps, reply, access, {
        ...refused,
        asset: step.asset,
        confirmation: { kind: 'quote', quote: step.quote },
        fixed: true,
      });
  }
}

export async function withdrawalRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  await transferPages(app, deps, {
    kind: 'withdrawal',
    prefix: '/sep24/withdraw',
    pages: { '': whenAvailable(showWithdrawal), bank: whenAvailable(showBankAgain) },
    forms: {
      kyc: whenAvailable(postKyc),
      verify: whenAvailable(postVerify),
      bank: whenAvailable(postBank),
      amount: whenAvailable(postAmount),
      confirm: whenAvailable(postConfirm),
    },
  });
}
