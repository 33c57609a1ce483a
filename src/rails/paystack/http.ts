/**
 * The one place Rampart talks HTTP to Paystack. Every request carries the bearer key, a JSON body
 * and an explicit `AbortSignal.timeout`; every answer is read with a size limit, parsed, and checked
 * against the envelope schema and the endpoint's `data` schema before anyone sees it.
 */
import type { Logger } from '../../platform/logger.js';
import { assert } from '../../domain/assert.js';
import {
  refusalReason,
  retryAfterMs,
  unknownError,
  type PaystackError,
  type PaystackUnknown,
} from './errors.js';
import { Schemas, describeMismatch, type Checker } from './schemas.js';

/** Largest response body we read: a 100-row transaction page is well under 1 MiB. */
export const RESPONSE_BYTES_MAX = 4 * 1024 * 1024;
/** Largest request body we send: metadata is small; a larger body is a bug upstream. */
export const REQUEST_BYTES_MAX = 64 * 1024;
/** A Paystack call that takes longer than this is treated as lost, whatever the configuration says. */
export const TIMEOUT_MS_MAX = 120_000;

export interface PaystackTransport {
  readonly baseUrl: URL;
  readonly secretKey: string;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly logger: Logger;
}

export interface PaystackRequest {
  readonly method: 'GET' | 'POST';
  /** Starts with '/'; every dynamic segment already checked or encoded by the caller. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: Readonly<Record<string, unknown>>;
}

export type PaystackReply<T> =
  | { readonly ok: true; readonly httpStatus: number; readonly data: T; readonly meta: unknown }
  | { readonly ok: false; readonly error: PaystackError };

export function requestUrl(baseUrl: URL, request: PaystackRequest): URL {
  assert(request.path.startsWith('/'), `paystack path must start with '/': ${request.path}`);
  // Concatenate rather than resolve, so a base URL with a path prefix (a proxy, the sandbox) is kept.
  const url = new URL(baseUrl.href.replace(/\/+$/, '') + request.path);
  for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
  return url;
}

/** Sends one request and returns the checked `data`, a refusal, or an unknown outcome. Never throws for I/O. */
export async function send<T>(
  transport: PaystackTransport,
  request: PaystackRequest,
  dataSchema: Checker<T>,
): Promise<PaystackReply<T>> {
  const startedMs = Date.now();
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  if (body !== undefined) {
    const bytes = Buffer.byteLength(body, 'utf8');
    assert(bytes <= REQUEST_BYTES_MAX, `paystack request body is ${bytes} bytes, limit ${REQUEST_BYTES_MAX}`);
  }
  const reply = await exchange(transport, request, body, dataSchema);
  const log = { method: request.method, path: request.path, durationMs: Date.now() - startedMs };
  if (reply.ok) transport.logger.debug({ ...log, httpStatus: reply.httpStatus }, 'paystack call');
  else if (reply.error.kind === 'refused')
    transport.logger.info(
      { ...log, httpStatus: reply.error.httpStatus, reason: reply.error.reason, code: reply.error.code },
      'paystack refused the call',
    );
  else
    transport.logger.warn(
      { ...log, cause: reply.error.cause, detail: reply.error.detail, httpStatus: reply.error.httpStatus },
      'paystack call outcome unknown',
    );
  return reply;
}

async function exchange<T>(
  transport: PaystackTransport,
  request: PaystackRequest,
  body: string | undefined,
  dataSchema: Checker<T>,
): Promise<PaystackReply<T>> {
  let response: Response;
  let bytes: Buffer | 'too_large';
  try {
    response = await transport.fetch(requestUrl(transport.baseUrl, request), {
      method: request.method,
      headers: {
        authorization: `Bearer ${transport.secretKey}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
      // A redirect is not part of Paystack's API; following one could carry the key elsewhere.
      redirect: 'error',
      signal: AbortSignal.timeout(transport.timeoutMs),
    });
    bytes = await readBody(response, RESPONSE_BYTES_MAX);
  } catch (error) {
    return { ok: false, error: transportFailure(error) };
  }
  return interpret(response, bytes, dataSchema);
}

function interpret<T>(
  response: Response,
  bytes: Buffer | 'too_large',
  dataSchema: Checker<T>,
): PaystackReply<T> {
  const httpStatus = response.status;
  if (httpStatus >= 500) return failed(unknownError('server_error', `HTTP ${httpStatus}`, httpStatus));
  if (bytes === 'too_large')
    return failed(unknownError('invalid_response', `body over ${RESPONSE_BYTES_MAX} bytes`, httpStatus));
  const json = parseJson(bytes);
  if (json === undefined) return failed(unknownError('invalid_response', 'body is not JSON', httpStatus));
  if (httpStatus >= 200 && httpStatus < 300) return success(httpStatus, json, dataSchema);
  if (httpStatus >= 400 && httpStatus < 500 && Schemas.errorEnvelope.Check(json)) {
    const code = json.code ?? null;
    return failed({
      kind: 'refused',
      reason: refusalReason(httpStatus, json.message, code),
      httpStatus,
      message: json.message,
      code,
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
    });
  }
  // A 4xx without Paystack's error envelope came from something else (a proxy, a captive portal):
  // we cannot say Paystack refused, so the outcome stays unknown.
  return failed(
    unknownError('invalid_response', `HTTP ${httpStatus} without a Paystack error body`, httpStatus),
  );
}

function success<T>(httpStatus: number, json: unknown, dataSchema: Checker<T>): PaystackReply<T> {
  if (!Schemas.successEnvelope.Check(json))
    return failed(
      unknownError(
        'invalid_response',
        `envelope ${describeMismatch(Schemas.successEnvelope, json)}`,
        httpStatus,
      ),
    );
  if (!dataSchema.Check(json.data))
    return failed(
      unknownError('invalid_response', `data ${describeMismatch(dataSchema, json.data)}`, httpStatus),
    );
  return { ok: true, httpStatus, data: json.data, meta: json.meta };
}

function failed(error: PaystackError): PaystackReply<never> {
  return { ok: false, error };
}

/** Strict UTF-8 then JSON; undefined when either fails. */
function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

function transportFailure(error: unknown): PaystackUnknown {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return unknownError('timeout', 'no answer within the timeout');
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : 'network error';
  return unknownError('network', detail.slice(0, 300));
}

/** Reads at most `bytesMax` bytes; cancels the stream beyond that. */
async function readBody(response: Response, bytesMax: number): Promise<Buffer | 'too_large'> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > bytesMax) {
    await response.body?.cancel();
    return 'too_large';
  }
  if (response.body === null) return Buffer.alloc(0);
  // lib.dom is not loaded, so the body stream's chunk type is not inferred; fetch yields bytes.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > bytesMax) {
      await reader.cancel();
      return 'too_large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
