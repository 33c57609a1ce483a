/**
 * SEP-12 KYC API (sep-0012.md), mounted under /sep12: GET/PUT /customer, PUT /customer/verification,
 * PUT /customer/callback, DELETE /customer/{account}. Every route needs a SEP-10 token, and a
 * customer is the token's subject (`G…`, `G…:memo` or `M…`, each distinct): an `id` or
 * `transaction_id` of any other subject is answered 404, exactly as an unknown one (no IDOR).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { MuxedAccount } from '@stellar/stellar-sdk';
import {
  BINARY_FIELD_NAMES,
  CUSTOMER_TYPES,
  EMPTY_SNAPSHOT,
  TEXT_FIELD_NAMES,
  checkTextField,
  customerView,
  isBinaryField,
  isCustomerType,
  isIdType,
  sniffDocumentType,
  type CustomerType,
  type CustomerView,
  type IdType,
  type TextFieldName,
} from '../../domain/kyc/index.js';
import { ErrorBody, HttpError } from '../../platform/http/errors.js';
import { resolvePiiKeyring } from '../../platform/pii-crypto.js';
import type { SepContext } from '../context.js';
import { SEP10_SECURITY } from '../auth.js';
import type { Sep10Identity } from '../sep10/jwt.js';
import { runBankCheck } from './bank-check.js';
import { registerBodyParsers } from './body.js';
import { checkCallbackUrl } from './callback-url.js';
import { eraseCustomer } from './erase.js';
import type { UploadedFile } from './multipart.js';
import {
  CallbackBody,
  CustomerIdResponse,
  CustomerPutBody,
  CustomerQuery,
  CustomerResponse,
  DeleteParams,
  DeleteQuery,
  EmptyResponse,
  VerificationBody,
} from './schemas.js';
import {
  putCustomer,
  verifyFields,
  VERIFIABLE_FIELDS,
  type DocumentUpload,
  type Sep12Deps,
} from './service.js';
import {
  customerByIdAndSubject,
  customerBySubject,
  fieldRows,
  isUuid,
  snapshotOf,
  type CustomerRow,
} from './store.js';

/** Room for every document field at its limit, plus the text fields beside them. */
const MULTIPART_SLACK_BYTES = 256 * 1024;

export function sep12Deps(ctx: SepContext): Sep12Deps {
  const { config, runtime } = ctx;
  return {
    db: runtime.database.db,
    keyring: resolvePiiKeyring(config),
    paystack: ctx.paystack,
    logger: runtime.logger.child({ component: 'sep12' }),
    now: ctx.now,
    jobMaxAttempts: config.jobMaxAttempts,
    sandbox: config.stellarNetwork === 'sandbox',
    mobileVerification: config.sep12MobileVerification,
    verificationCodeTtlMs: config.sep12VerificationCodeTtlMs,
  };
}

function identityOf(request: FastifyRequest): Sep10Identity {
  // requireSep10 runs first on every route of this plugin: no identity here is a wiring bug.
  const identity = request.sep10;
  if (identity === undefined) throw new Error('SEP-12 route reached without a SEP-10 identity');
  return identity;
}

/** The memo a request may name: the token's memo, or the muxed account's id. */
function memoOf(identity: Sep10Identity): string | null {
  if (identity.muxedAccount !== null) return MuxedAccount.fromAddress(identity.muxedAccount, '0').id();
  return identity.memo;
}

/** SEP-12: `account` and `memo`, when sent, must be the token's own. */
function checkAddressing(
  identity: Sep10Identity,
  params: { account?: string | undefined; memo?: string | undefined },
): void {
  if (
    params.account !== undefined &&
    params.account !== identity.account &&
    params.account !== identity.muxedAccount
  )
    throw new HttpError(403, 'forbidden', 'account does not match the authenticated account');
  if (params.memo !== undefined && params.memo !== memoOf(identity))
    throw new HttpError(
      403,
      'forbidden',
      memoOf(identity) === null
        ? 'memo given, but the token is for the account without a memo: authenticate as account:memo (SEP-10) for a shared account'
        : 'memo does not match the authenticated memo',
    );
}

function typeOf(raw: string | undefined): CustomerType {
  if (raw === undefined || raw === '') return 'default';
  if (!isCustomerType(raw))
    throw new HttpError(
      400,
      'invalid_request',
      `type: unrecognized value; one of ${CUSTOMER_TYPES.join(', ')}`,
    );
  return raw;
}

async function customerFor(
  deps: Sep12Deps,
  identity: Sep10Identity,
  id: string | undefined,
): Promise<CustomerRow | undefined> {
  if (id === undefined) return customerBySubject(deps.db, identity.sub);
  const row = await customerByIdAndSubject(deps.db, id, identity.sub);
  if (row === undefined) throw new HttpError(404, 'not_found', `customer not found for id: ${id}`);
  return row;
}

/** A transaction_id must be one of the token subject's own transactions (AP's IDOR, #1916). */
async function checkTransaction(
  deps: Sep12Deps,
  identity: Sep10Identity,
  transactionId: string | undefined,
  type: string | undefined,
): Promise<void> {
  if (transactionId === undefined) return;
  if (type === undefined) throw new HttpError(400, 'invalid_request', 'type: required with transaction_id');
  const row = isUuid(transactionId)
    ? await deps.db
        .selectFrom('transactions')
        .select(['stellar_account', 'stellar_memo'])
        .where('id', '=', transactionId)
        .executeTakeFirst()
    : undefined;
  const owned =
    row !== undefined &&
    (identity.muxedAccount !== null
      ? row.stellar_account === identity.muxedAccount
      : row.stellar_account === identity.account && row.stellar_memo === identity.memo);
  if (!owned) throw new HttpError(404, 'not_found', `transaction not found: ${transactionId}`);
}

async function viewOf(
  deps: Sep12Deps,
  customer: CustomerRow | undefined,
  type: CustomerType,
): Promise<CustomerView> {
  if (customer === undefined) return customerView(EMPTY_SNAPSHOT, type);
  return customerView(snapshotOf(customer, await fieldRows(deps.db, customer.id)), type);
}

/** Checks every SEP-9 text field of the body; the first problem is a 400 naming its field. */
function checkedText(
  body: Record<string, unknown>,
  storedIdType: string | null,
  today: string,
): Partial<Record<TextFieldName, string>> {
  const text: Partial<Record<TextFieldName, string>> = {};
  const given = (name: string): string | undefined => {
    const value = body[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new HttpError(400, 'invalid_request', `${name}: must be a string`);
    return value;
  };
  const rawIdType = given('id_type');
  let idType: IdType | null = storedIdType !== null && isIdType(storedIdType) ? storedIdType : null;
  // id_type first: id_number is checked against the type it is a number of.
  for (const name of ['id_type', ...TEXT_FIELD_NAMES.filter((n) => n !== 'id_type')] as TextFieldName[]) {
    const raw = name === 'id_type' ? rawIdType : given(name);
    if (raw === undefined) continue;
    const checked = checkTextField(name, raw, { idType, today });
    if (!checked.ok) throw new HttpError(400, 'invalid_request', `${name}: ${checked.error}`);
    text[name] = checked.value;
    if (name === 'id_type' && isIdType(checked.value)) idType = checked.value;
  }
  for (const name of BINARY_FIELD_NAMES)
    if (body[name] !== undefined)
      throw new HttpError(400, 'invalid_request', `${name}: upload it as a file with multipart/form-data`);
  return text;
}

function checkedFiles(
  files: Readonly<Record<string, UploadedFile>>,
  bytesMax: number,
): Record<string, DocumentUpload> {
  const documents: Record<string, DocumentUpload> = {};
  for (const [name, file] of Object.entries(files)) {
    if (!isBinaryField(name))
      throw new HttpError(
        400,
        'invalid_request',
        `${name}: not a document field (${BINARY_FIELD_NAMES.join(', ')})`,
      );
    if (file.data.length > bytesMax)
      throw new HttpError(413, 'body_too_large', `${name}: larger than ${bytesMax} bytes`);
    if (file.data.length === 0) throw new HttpError(400, 'invalid_request', `${name}: the file is empty`);
    const contentType = sniffDocumentType(file.data);
    if (contentType === null)
      throw new HttpError(400, 'invalid_request', `'${name}' cannot be decoded. Must be JPEG, PNG or PDF.`);
    documents[name] = { data: file.data, contentType };
  }
  return documents;
}

function verificationCodes(body: Record<string, unknown>): Partial<Record<TextFieldName, string>> {
  const codes: Partial<Record<TextFieldName, string>> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!key.endsWith('_verification')) continue;
    const field = key.slice(0, -'_verification'.length);
    const verifiable = VERIFIABLE_FIELDS.find((name) => name === field);
    if (verifiable === undefined)
      throw new HttpError(400, 'invalid_request', `${key}: ${field} needs no verification`);
    if (typeof value !== 'string' || !/^\d{4,8}$/.test(value.trim()))
      throw new HttpError(400, 'invalid_request', `${key}: must be the numeric code that was sent`);
    codes[verifiable] = value.trim();
  }
  return codes;
}

const ErrorResponses = { 400: ErrorBody, 404: ErrorBody };

export const sep12: FastifyPluginAsyncTypebox<SepContext> = async (app, ctx) => {
  const deps = sep12Deps(ctx);
  const uploadBytesMax = ctx.config.sep12UploadBytesMax;
  const parsers = registerBodyParsers(app, {
    formBytesMax: ctx.config.bodyLimitBytes,
    multipartBytesMax: BINARY_FIELD_NAMES.length * uploadBytesMax + MULTIPART_SLACK_BYTES,
  });
  // On request, before any body is read: an unauthenticated client gets 403, never a parse of its upload.
  app.addHook('onRequest', ctx.requireSep10);
  // Every route here needs the token: say so in the OpenAPI document too.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: [...SEP10_SECURITY] };
  });
  const tags = ['sep12'];

  app.get(
    '/customer',
    {
      schema: {
        tags,
        summary: 'Status of a customer and the fields still needed (SEP-12)',
        querystring: CustomerQuery,
        response: { 200: CustomerResponse, ...ErrorResponses },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const { query } = request;
      checkAddressing(identity, query);
      const type = typeOf(query.type);
      await checkTransaction(deps, identity, query.transaction_id, query.type);
      return viewOf(deps, await customerFor(deps, identity, query.id), type);
    },
  );

  app.put(
    '/customer',
    {
      schema: {
        tags,
        summary: 'Create or update a customer (SEP-12); documents as multipart/form-data',
        body: CustomerPutBody,
        response: { 202: CustomerIdResponse, ...ErrorResponses, 413: ErrorBody },
      },
    },
    async (request, reply) => {
      const identity = identityOf(request);
      const body = request.body as Record<string, unknown>;
      checkAddressing(identity, request.body);
      const type = typeOf(request.body.type);
      await checkTransaction(deps, identity, request.body.transaction_id, request.body.type);
      const existing = await customerFor(deps, identity, request.body.id);
      const text = checkedText(body, existing?.id_type ?? null, deps.now().toISOString().slice(0, 10));
      const files = checkedFiles(parsers.filesOf(request), uploadBytesMax);
      const codes = verificationCodes(body);
      if (Object.keys(codes).length > 0) {
        if (existing === undefined)
          throw new HttpError(
            404,
            'not_found',
            'customer not found: send the fields before their verification',
          );
        await verifyFields(deps, existing.id, codes);
      }
      const result = await putCustomer(deps, identity, {
        type: request.body.type === undefined ? undefined : type,
        text,
        files,
      });
      if (result.bankCheckQueued) {
        // Usually settles at once; if not (Paystack unsure or down) the queued job retries it.
        await runBankCheck(deps, result.id, 'sep12:put').catch((error: unknown) => {
          request.log.warn(
            { err: error, customerId: result.id },
            'inline bank check failed; the job will retry',
          );
        });
      }
      return reply.code(202).send({ id: result.id });
    },
  );

  app.put(
    '/customer/verification',
    {
      schema: {
        tags,
        summary: 'Confirm fields with the codes sent (SEP-12, deprecated in favour of PUT /customer)',
        body: VerificationBody,
        response: { 200: CustomerResponse, ...ErrorResponses },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const customer = await customerFor(deps, identity, request.body.id);
      const codes = verificationCodes(request.body);
      if (customer === undefined || Object.keys(codes).length === 0)
        throw new HttpError(400, 'invalid_request', 'send at least one <field>_verification code');
      await verifyFields(deps, customer.id, codes);
      const fresh = await customerFor(deps, identity, customer.id);
      return viewOf(deps, fresh, typeOf(fresh?.last_type));
    },
  );

  app.put(
    '/customer/callback',
    {
      schema: {
        tags,
        summary: "Set the URL the customer's status changes are POSTed to (SEP-12)",
        body: CallbackBody,
        response: { 200: CustomerIdResponse, ...ErrorResponses },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      checkAddressing(identity, request.body);
      const customer = await customerFor(deps, identity, request.body.id);
      if (customer === undefined)
        throw new HttpError(404, 'not_found', 'customer not found: PUT /customer first');
      const checked = checkCallbackUrl(request.body.url, deps.sandbox);
      if (!checked.ok) throw new HttpError(400, 'invalid_request', `url: ${checked.error}`);
      await deps.db
        .updateTable('customers')
        .set({ callback_url: checked.url.toString(), updated_at: new Date() })
        .where('id', '=', customer.id)
        .execute();
      return { id: customer.id };
    },
  );

  app.delete(
    '/customer/:account',
    {
      schema: {
        tags,
        summary: "Erase the customer's personal data (SEP-12)",
        params: DeleteParams,
        querystring: DeleteQuery,
        response: { 200: EmptyResponse, ...ErrorResponses },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const body = request.body;
      const bodyMemo =
        typeof body === 'object' && body !== null && 'memo' in body && typeof body.memo === 'string'
          ? body.memo
          : undefined;
      const memo = request.query.memo ?? bodyMemo;
      // Only the owner erases, and only itself: another account is as unknown as no customer.
      if (request.params.account !== identity.account && request.params.account !== identity.muxedAccount)
        throw new HttpError(404, 'not_found', 'customer not found');
      checkAddressing(identity, { memo });
      const erased = await eraseCustomer(deps, identity.sub, 'sep12:delete');
      if (erased === null) throw new HttpError(404, 'not_found', 'customer not found');
      request.log.info({ customerId: erased }, 'customer erased');
      return {};
    },
  );
};
