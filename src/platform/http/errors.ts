/**
 * One error shape for the whole API: `{ "error": "<human message>", "code": "<stable code>" }` —
 * the SEPs' `error` plus a code clients can branch on. Internals never reach a response.
 */
import { Type, type Static } from 'typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'What went wrong, for a person.' }),
    code: Type.String({ description: 'Stable machine-readable code.' }),
  },
  { $id: 'ErrorBody', description: 'The error shape of every Rampart endpoint (SEP style).' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** An operating error a route wants to answer with: a status, a code and a message for a person. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** "body.amount: must be string" — the field named, so the client knows what to fix. */
export function describeValidation(context: string | undefined, issues: readonly ValidationIssue[]): string {
  const first = issues[0];
  if (first === undefined) return 'invalid request';
  const missing = first.params?.['requiredProperties'] ?? first.params?.['missingProperty'];
  const path = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const field = [context, path].filter((part) => part !== undefined && part !== '').join('.');
  if (Array.isArray(missing) || typeof missing === 'string') {
    const names = Array.isArray(missing) ? missing.map(String).join(', ') : missing;
    return `${field === '' ? '' : `${field}: `}missing required field ${names}`;
  }
  return `${field === '' ? 'request' : field}: ${first.message ?? 'is invalid'}`;
}

const CLIENT_ERRORS: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large', message: 'request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'unsupported content type',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_request', message: 'JSON body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_request', message: 'body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_request',
    message: 'content-length does not match the body',
  },
};

export function errorHandler(
  error: FastifyError | HttpError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const body = toErrorBody(error);
  if (body.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.code, statusCode: body.status, error: body.error }, 'request refused');
  void reply.status(body.status).send({ error: body.error, code: body.code } satisfies ErrorBody);
}

function toErrorBody(error: FastifyError | HttpError): { status: number; code: string; error: string } {
  if (error instanceof HttpError) return { status: error.statusCode, code: error.code, error: error.message };
  const fastifyError = error as FastifyError & { validationContext?: string };
  if (fastifyError.validation !== undefined) {
    return {
      status: 400,
      code: 'invalid_request',
      error: describeValidation(fastifyError.validationContext, fastifyError.validation),
    };
  }
  const known = CLIENT_ERRORS[fastifyError.code];
  if (known !== undefined) return { status: known.status, code: known.code, error: known.message };
  const status = fastifyError.statusCode ?? 500;
  if (status === 429) return { status, code: 'rate_limited', error: error.message };
  if (status >= 400 && status < 500) return { status, code: 'invalid_request', error: error.message };
  // A 5xx message may carry internals (SQL, hostnames): the client gets a generic line and the
  // request id, the log gets everything.
  return {
    status: 500,
    code: 'internal_error',
    error: 'internal error; quote the x-request-id header when reporting it',
  };
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({
    error: `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
    code: 'not_found',
  } satisfies ErrorBody);
}
