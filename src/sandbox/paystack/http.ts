/**
 * Paystack's envelope and the input readers every route shares. A route throws `PaystackError`
 * for a refusal; the error handler turns it into `{status: false, message, …}` with its HTTP status.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StateFullError } from './state.js';

/** Request bodies are small JSON or form documents; 64 KiB leaves room for generous metadata. */
export const BODY_BYTES_MAX = 64 * 1024;
/** Free-text fields (names, reasons, emails) are cut off here rather than stored unbounded. */
export const TEXT_LENGTH_MAX = 200;
/** 10,000,000 naira, the documented per-transaction maximum (rails-notes A2), in kobo. */
export const AMOUNT_KOBO_MAX = 1_000_000_000n;

export interface ErrorBody {
  readonly status: false;
  readonly message: string;
  readonly type?: 'validation_error' | 'processor_error' | 'api_error';
  readonly code?: string;
  readonly meta?: { readonly nextStep: string };
}

export class PaystackError extends Error {
  override readonly name = 'PaystackError';
  constructor(
    readonly httpStatus: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }
}

export function refuse(
  httpStatus: number,
  message: string,
  extra: Omit<ErrorBody, 'status' | 'message'> = {},
): never {
  throw new PaystackError(httpStatus, { status: false, message, ...extra });
}

export function ok<T>(
  message: string,
  data: T,
  meta?: Record<string, unknown>,
): {
  status: true;
  message: string;
  data: T;
  meta?: Record<string, unknown>;
} {
  return meta === undefined ? { status: true, message, data } : { status: true, message, data, meta };
}

/** Reads the body as a record; a JSON array, string or absent body counts as empty. */
export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return body as Record<string, unknown>;
}

export function queryOf(request: FastifyRequest): Record<string, unknown> {
  const query = request.query;
  if (typeof query !== 'object' || query === null) return {};
  return query as Record<string, unknown>;
}

/** A non-empty string within the text bound, or undefined when absent; other types are refused. */
export function optionalText(value: unknown, field: string, lengthMax = TEXT_LENGTH_MAX): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    refuse(400, `${field} must be a string`, { type: 'validation_error', code: 'invalid_params' });
  if (value.length > lengthMax)
    refuse(400, `${field} must be at most ${lengthMax} characters`, {
      type: 'validation_error',
      code: 'invalid_params',
    });
  return value;
}

export function requiredText(value: unknown, field: string, lengthMax = TEXT_LENGTH_MAX): string {
  const text = optionalText(value, field, lengthMax);
  if (text === undefined)
    refuse(400, `${field} is required`, { type: 'validation_error', code: 'missing_params' });
  return text;
}

/**
 * Paystack takes amounts in kobo as an integer or an integer string ("10000"). Fractions, signs,
 * exponents and unsafe numbers are not amounts; `null` means "not an amount".
 */
export function koboOf(value: unknown): bigint | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : null;
  if (typeof value === 'string' && /^[0-9]{1,15}$/.test(value)) return BigInt(value);
  return null;
}

/** A JSON object from a JSON value or from the stringified JSON the form encoding carries. */
export function objectOf(value: unknown): Record<string, unknown> | null {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  return parsed as Record<string, unknown>;
}

/** Compares the bearer token in constant time (both sides hashed to the same length first). */
export function bearerMatches(header: string | undefined, secretKey: string): boolean {
  if (header === undefined) return false;
  const match = /^Bearer (.+)$/.exec(header);
  if (match === null) return false;
  const given = createHash('sha256')
    .update(match[1] ?? '')
    .digest();
  const wanted = createHash('sha256').update(secretKey).digest();
  return timingSafeEqual(given, wanted);
}

/** Routes outside Paystack's API surface: the control API and the hosted checkout page. */
export function isPublicPath(url: string): boolean {
  return url.startsWith('/_sandbox/') || url === '/_sandbox' || url.startsWith('/checkout/');
}

/** Form bodies (the checkout page, and Paystack accepts them for most POSTs) become flat records. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: BODY_BYTES_MAX },
    (_request, body, done) => {
      done(
        null,
        Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))),
      );
    },
  );
}

function isFastifyClientError(error: unknown): error is { statusCode: number; message: string } {
  if (typeof error !== 'object' || error === null) return false;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

/** Every failure answers in Paystack's envelope; control routes answer `{error}` instead. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const control = request.url.startsWith('/_sandbox');
    if (error instanceof PaystackError) {
      return control
        ? reply.code(error.httpStatus).send({ error: error.body.message })
        : reply.code(error.httpStatus).send(error.body);
    }
    if (error instanceof StateFullError)
      return reply.code(503).send({ status: false, message: error.message });
    if (isFastifyClientError(error)) {
      const message = error.statusCode === 413 ? 'Request body is too large' : 'Invalid request body';
      return control
        ? reply.code(error.statusCode).send({ error: message })
        : reply.code(error.statusCode).send({ status: false, message });
    }
    // A programmer error inside the double: fail loudly to the caller and the test output.
    request.log.error({ err: error }, 'paystack double failed');
    return reply.code(500).send({ status: false, message: 'An error occurred' });
  });
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/_sandbox')) return reply.code(404).send({ error: 'Not found' });
    return reply.code(404).send({ status: false, message: 'Entity not found' });
  });
}
