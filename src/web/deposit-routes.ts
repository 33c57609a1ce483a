/**
 * The hosted SEP-24 deposit: `GET /sep24/deposit/:id` shows the step the deposit is at, and one
 * `POST` per step (kyc, verify, amount, confirm) acts on it. Every route needs the session the
 * interactive token gave for this very transaction and subject; every POST also needs its CSRF
 * token. A POST for a step the deposit is no longer at changes nothing and shows the current step.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { assert } from '../domain/assert.js';
import { formatAmount } from '../domain/money.js';
import {
  CustomerInfoNeeded,
  parFigures,
  readNairaAmount,
  requestDepositPayment,
} from '../flows/deposit/index.js';
import { checkLimits, depositUsage } from '../flows/transfers/limits.js';
import { HttpError } from '../platform/http/errors.js';
import { NGN_OFFCHAIN_ID } from '../sep/assets.js';
import { createFirmQuote } from '../sep/sep38/firm-quote.js';
import { customerProblem, formOf, statusPath, transferPages, type PageHandler } from './access.js';
import { pagePath, renderMessage, type WebDeps } from './context.js';
import {
  DEPOSIT_STEPS,
  depositPath,
  renderAmount,
  renderConfirm,
  type DepositAccess,
} from './deposit-pages.js';
import { depositStep, type DepositStep } from './deposit-steps.js';
import { translator } from './i18n/index.js';
import { renderKycNeed, submitKyc, submitVerify, type KycPlace } from './kyc-pages.js';
import { attachQuote } from './quote.js';
import { redirect } from './render.js';

function kycPlace(deps: WebDeps, access: DepositAccess): KycPlace {
  return {
    path: depositPath(deps, access.row.id),
    statusHref: statusPath(deps, access.row.id),
    customerType: 'sep24-deposit',
    steps: DEPOSIT_STEPS,
    deniedTitle: 'denied.title',
  };
}

async function renderStep(
  deps: WebDeps,
  reply: FastifyReply,
  access: DepositAccess,
  step: DepositStep,
): Promise<FastifyReply> {
  const { lang } = access;
  const statusLink = { href: statusPath(deps, access.row.id), text: 'status.now', secondary: true } as const;
  switch (step.kind) {
    case 'kyc':
      return renderKycNeed(deps, reply, access, kycPlace(deps, access), step.need);
    case 'amount':
      return renderAmount(deps, reply, access, {
        asset: step.asset,
        pair: step.pair,
        limitKobo: step.standing.limits.perTransactionKobo,
        value: step.prefillKobo === null ? '' : formatAmount(step.prefillKobo, 2),
        status: 200,
      });
    case 'confirm-par':
      return renderConfirm(deps, reply, access, {
        asset: step.asset,
        confirmation: { kind: 'par', pair: step.pair, amountKobo: step.amountKobo },
        fixed: true,
        status: 200,
      });
    case 'confirm-quote':
      return renderConfirm(deps, reply, access, {
        asset: step.asset,
        confirmation: { kind: 'quote', quote: step.quote },
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

/** The step as of now, or null when the deposit has moved past the pages (to its status page). */
async function currentStep(deps: WebDeps, access: DepositAccess): Promise<DepositStep | null> {
  if (access.row.status !== 'incomplete') return null;
  return depositStep(deps.transfers, access.row, access.subject, deps.now());
}

const showDeposit: PageHandler = async (deps, _request, reply, access) => {
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, access.row.id));
  return renderStep(deps, reply, access, step);
};

async function postKyc(deps: WebDeps, request: FastifyRequest, reply: FastifyReply, access: DepositAccess) {
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, access.row.id));
  if (step.kind !== 'kyc' || step.need.kind !== 'form')
    return redirect(reply, depositPath(deps, access.row.id));
  return submitKyc(deps, request, reply, access, kycPlace(deps, access), {
    need: step.need,
    snapshot: step.snapshot,
  });
}

async function postVerify(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  access: DepositAccess,
) {
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, access.row.id));
  if (step.kind !== 'kyc' || step.need.kind !== 'verify')
    return redirect(reply, depositPath(deps, access.row.id));
  return submitVerify(deps, request, reply, access, kycPlace(deps, access), step.standing);
}

async function postAmount(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  access: DepositAccess,
) {
  const step = await currentStep(deps, access);
  if (step === null) return redirect(reply, statusPath(deps, access.row.id));
  if (step.kind !== 'amount') return redirect(reply, depositPath(deps, access.row.id));
  const value = (formOf(request)['amount'] ?? '').slice(0, 64);
  const form = {
    asset: step.asset,
    pair: step.pair,
    limitKobo: step.standing.limits.perTransactionKobo,
    value,
  };
  const t = translator(access.lang);
  // People write ₦5,000 or 5 000: the separators go, anything else is the amount's problem.
  const cleaned = value.replace(/[\s,₦]/g, '');
  if (!/^\d+(\.\d+)?$/.test(cleaned))
    return renderAmount(deps, reply, access, { ...form, error: t('amount.invalid'), status: 400 });
  try {
    const amountKobo = readNairaAmount(step.pair, cleaned);
    const customer = step.standing.customer;
    assert(customer !== undefined, 'a customer at tier 1 exists');
    // Checked now so the customer hears of a limit before a quote is made; checked again on confirm.
    const limit = checkLimits(
      step.standing.limits,
      await depositUsage(deps.transfers.db, customer.id),
      amountKobo,
    );
    if (!limit.ok) throw new HttpError(400, 'invalid_request', `amount: ${limit.reason}`);
    if (step.pair.pricing.kind === 'par') {
      parFigures(step.pair, amountKobo); // refuses an amount the fee would swallow
      return await renderConfirm(deps, reply, access, {
        asset: step.asset,
        confirmation: { kind: 'par', pair: step.pair, amountKobo },
        fixed: false,
        status: 200,
      });
    }
    const method = sellMethodOf(step, access.row.funding_method);
    const quote = await createFirmQuote(deps.quotes, {
      account: access.subject,
      request: {
        sell_asset: NGN_OFFCHAIN_ID,
        buy_asset: step.asset.sep38Id,
        sell_amount: formatAmount(amountKobo, 2),
        ...(method === undefined ? {} : { sell_delivery_method: method }),
        context: 'sep24',
      },
      now: deps.now(),
    });
    return await renderConfirm(deps, reply, access, {
      asset: step.asset,
      confirmation: { kind: 'quote', quote },
      fixed: false,
      status: 200,
    });
  } catch (error) {
    const problem = customerProblem(error);
    return renderAmount(deps, reply, access, { ...form, error: problem.message, status: problem.status });
  }
}

/**
 * How the naira will arrive, for the quote: the method the wallet asked for, else the first one
 * offered (the customer still chooses among card, transfer and USSD on Paystack's page).
 */
function sellMethodOf(
  step: Extract<DepositStep, { kind: 'amount' }>,
  funding: string | null,
): string | undefined {
  const offered = step.pair.fiat.sellDeliveryMethods.map((m) => m.name);
  if (funding !== null && offered.includes(funding)) return funding;
  return offered[0];
}

async function postConfirm(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  access: DepositAccess,
) {
  const step = await currentStep(deps, access);
  const id = access.row.id;
  if (step === null) return redirect(reply, statusPath(deps, id));
  if (step.kind === 'kyc' || step.kind === 'quote-expired') return redirect(reply, depositPath(deps, id));
  const actor = `web:${access.subject}`;
  const body = formOf(request);
  try {
    if (step.kind === 'amount' && step.pair.pricing.kind === 'par') {
      const amountKobo = readNairaAmount(step.pair, (body['amount'] ?? '').slice(0, 64));
      await requestDepositPayment(deps.transfers, id, { amountKobo, actor });
    } else {
      if (step.kind === 'amount')
        await attachQuote(deps.transfers, {
          kind: 'deposit',
          transactionId: id,
          subject: access.subject,
          quoteId: (body['quote_id'] ?? '').slice(0, 64),
          assetId: step.asset.sep38Id,
          now: deps.now(),
        });
      await requestDepositPayment(deps.transfers, id, { actor });
    }
  } catch (error) {
    if (error instanceof CustomerInfoNeeded) return redirect(reply, depositPath(deps, id));
    if (error instanceof HttpError && error.statusCode === 409) return redirect(reply, statusPath(deps, id));
    return confirmRefused(deps, reply, access, step, customerProblem(error));
  }
  return redirect(reply, pagePath(deps, `/transfers/${id}/pay`));
}

/** A refused confirmation: back to the amount when it can change, else the fixed figures with why. */
function confirmRefused(
  deps: WebDeps,
  reply: FastifyReply,
  access: DepositAccess,
  step: Exclude<DepositStep, { kind: 'kyc' | 'quote-expired' }>,
  problem: { status: number; message: string },
): Promise<FastifyReply> {
  switch (step.kind) {
    case 'amount':
      return renderAmount(deps, reply, access, {
        asset: step.asset,
        pair: step.pair,
        limitKobo: step.standing.limits.perTransactionKobo,
        value: '',
        error: problem.message,
        status: problem.status,
      });
    case 'confirm-par':
      return renderConfirm(deps, reply, access, {
        asset: step.asset,
        confirmation: { kind: 'par', pair: step.pair, amountKobo: step.amountKobo },
        fixed: true,
        error: problem.message,
        status: problem.status,
      });
    case 'confirm-quote':
      return renderConfirm(deps, reply, access, {
        asset: step.asset,
        confirmation: { kind: 'quote', quote: step.quote },
        fixed: true,
        error: problem.message,
        status: problem.status,
      });
  }
}

export async function depositRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  await transferPages(app, deps, {
    kind: 'deposit',
    prefix: '/sep24/deposit',
    pages: { '': showDeposit },
    forms: { kyc: postKyc, verify: postVerify, amount: postAmount, confirm: postConfirm },
  });
}
