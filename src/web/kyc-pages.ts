/**
 * The KYC step of a transfer's pages, shared by deposits and withdrawals: the tier-1 form, the
 * mobile code, the "being checked" and "refused" pages, and the two forms' handlers. Which
 * transaction page the step belongs to (and so where its forms post and return) is the `KycPlace`;
 * the flow's route handler decides that the step is due, these only draw and act on it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assert } from '../domain/assert.js';
import {
  checkTextField,
  type CustomerType,
  type KycSnapshot,
  type TextFieldName,
} from '../domain/kyc/index.js';
import type { CustomerStanding } from '../flows/transfers/limits.js';
import { HttpError } from '../platform/http/errors.js';
import { SANDBOX_VERIFICATION_CODE, putCustomer, verifyFields } from '../sep/sep12/service.js';
import { csrfToken, errorList, formOf, identityOf, type TransferAccess } from './access.js';
import { readableError, render, renderMessage, type WebDeps } from './context.js';
import { translator, type MessageKey } from './i18n/index.js';
import { formFieldViews, readKycForm, type KycNeed } from './kyc.js';
import { redirect } from './render.js';

/** How often the "we're checking your details" page looks again. */
const CHECKING_REFRESH_S = 30;

/** Where a transfer's KYC step sits. */
export interface KycPlace {
  /** The transaction's page: the step's forms post to `<path>/kyc` and `<path>/verify`, then return here. */
  readonly path: string;
  /** Its status page, linked while the details are being checked. */
  readonly statusHref: string;
  /** Recorded with the answers (SEP-12's `type`); undefined keeps the customer's last one. */
  readonly customerType: CustomerType | undefined;
  /** How many steps the flow has, for "Step 1 of N". */
  readonly steps: number;
  /** The heading of the page that says the identity check did not pass. */
  readonly deniedTitle: MessageKey;
}

export type FormNeed = Extract<KycNeed, { kind: 'form' }>;

function todayOf(deps: Pick<WebDeps, 'now'>): string {
  return deps.now().toISOString().slice(0, 10);
}

export function renderKyc(
  deps: WebDeps,
  reply: FastifyReply,
  access: TransferAccess,
  place: KycPlace,
  form: {
    readonly fields: readonly TextFieldName[];
    readonly values: Readonly<Record<string, string>>;
    readonly errors: Readonly<Partial<Record<TextFieldName, string>>>;
    readonly status: number;
  },
): Promise<FastifyReply> {
  const t = translator(access.lang);
  const fields = formFieldViews(form.fields, form.values, form.errors, { today: todayOf(deps), t });
  return render(deps, reply, {
    status: form.status,
    template: 'kyc',
    lang: access.lang,
    title: 'kyc.title',
    model: {
      action: `${place.path}/kyc`,
      csrf: csrfToken(reply, access),
      steps: place.steps,
      fields,
      errorList: errorList(
        Object.fromEntries(
          fields.flatMap((f) => (f.error === null ? [] : [[f.name, `${f.label}: ${f.error}`]])),
        ),
      ),
    },
  });
}

export function renderVerify(
  deps: WebDeps,
  reply: FastifyReply,
  access: TransferAccess,
  place: KycPlace,
  form: {
    readonly codeError?: string;
    readonly mobileError?: string;
    readonly mobileValue?: string;
    readonly status: number;
  },
): Promise<FastifyReply> {
  const t = translator(access.lang);
  const errors: Record<string, string> = {};
  if (form.codeError !== undefined) errors['code'] = `${t('verify.code.label')}: ${form.codeError}`;
  if (form.mobileError !== undefined)
    errors['mobile_number'] = `${t('field.mobile_number.label')}: ${form.mobileError}`;
  return render(deps, reply, {
    status: form.status,
    template: 'verify',
    lang: access.lang,
    title: 'verify.title',
    model: {
      action: `${place.path}/verify`,
      csrf: csrfToken(reply, access),
      steps: place.steps,
      sandboxCode: deps.config.stellarNetwork === 'sandbox' ? SANDBOX_VERIFICATION_CODE : null,
      codeError: form.codeError ?? null,
      mobileError: form.mobileError ?? null,
      mobileValue: (form.mobileValue ?? '').slice(0, 32),
      errorList: errorList(errors),
    },
  });
}

/** The page for what tier 1 still needs. */
export function renderKycNeed(
  deps: WebDeps,
  reply: FastifyReply,
  access: TransferAccess,
  place: KycPlace,
  need: Exclude<KycNeed, { kind: 'done' }>,
): Promise<FastifyReply> {
  const { lang } = access;
  switch (need.kind) {
    case 'form':
      return renderKyc(deps, reply, access, place, {
        fields: need.fields,
        values: {},
        errors: need.errors,
        status: 200,
      });
    case 'verify':
      return renderVerify(deps, reply, access, place, { status: 200 });
    case 'checking':
      return renderMessage(deps, reply, {
        status: 200,
        lang,
        title: 'checking.title',
        paragraphs: ['checking.body'],
        links: [{ href: place.statusHref, text: 'status.now', secondary: true }],
        refreshSeconds: CHECKING_REFRESH_S,
      });
    case 'denied':
      return renderMessage(deps, reply, {
        status: 403,
        lang,
        title: place.deniedTitle,
        paragraphs: ['denied.body'],
      });
  }
}

/** The tier-1 form posted: checked as SEP-12 checks it, then written through SEP-12. */
export async function submitKyc(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  access: TransferAccess,
  place: KycPlace,
  step: { readonly need: FormNeed; readonly snapshot: KycSnapshot },
): Promise<FastifyReply> {
  const body = formOf(request);
  const read = readKycForm(body, step.need.fields, {
    storedIdType: step.snapshot.idType,
    today: todayOf(deps),
    t: translator(access.lang),
  });
  if (!read.ok)
    return renderKyc(deps, reply, access, place, {
      fields: step.need.fields,
      values: body,
      errors: read.errors,
      status: 400,
    });
  await putCustomer(deps.sep12, identityOf(access.subject), {
    type: place.customerType,
    text: read.text,
    files: {},
  });
  return redirect(reply, place.path);
}

/** The mobile code posted, or the number again for a new code. */
export async function submitVerify(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  access: TransferAccess,
  place: KycPlace,
  standing: CustomerStanding,
): Promise<FastifyReply> {
  const body = formOf(request);
  const t = translator(access.lang);
  if (body['mobile_number'] !== undefined) {
    // A new code: the number again, which SEP-12 answers with a fresh code.
    const checked = checkTextField('mobile_number', body['mobile_number'], { idType: null, today: '' });
    if (!checked.ok)
      return renderVerify(deps, reply, access, place, {
        mobileError: checked.error,
        mobileValue: body['mobile_number'],
        status: 400,
      });
    await putCustomer(deps.sep12, identityOf(access.subject), {
      type: undefined,
      text: { mobile_number: checked.value },
      files: {},
    });
    return redirect(reply, place.path);
  }
  const code = (body['code'] ?? '').trim();
  if (!/^\d{4,8}$/.test(code))
    return renderVerify(deps, reply, access, place, { codeError: t('verify.code.format'), status: 400 });
  const customer = standing.customer;
  assert(customer !== undefined, 'a field awaiting verification belongs to a customer');
  try {
    await verifyFields(deps.sep12, customer.id, { mobile_number: code });
  } catch (error) {
    if (!(error instanceof HttpError) || error.statusCode !== 400) throw error;
    return renderVerify(deps, reply, access, place, { codeError: readableError(error.message), status: 400 });
  }
  return redirect(reply, place.path);
}
