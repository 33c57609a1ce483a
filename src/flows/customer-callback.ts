/**
 * SEP-12 outbox jobs:
 * - `sep12.callback`: POSTs a customer's new status (the GET /customer body, fixed when the change
 *   was committed) to the wallet's callback URL, signed as SEP-12 says —
 *   `Signature: t=<unix seconds>, s=<base64 ed25519 signature of "t.host.body">` with the SEP-10
 *   signing key (stellar.toml SIGNING_KEY), signed at send time so the timestamp is fresh on every
 *   retry. `host` is the URL's host as the wallet sees it (with the port when not the default).
 *   Redirects are not followed; any non-2xx answer is retried by the outbox with backoff.
 * - `sep12.bank_check`: settles a bank-account check that could not be settled inline.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Keypair } from '@stellar/stellar-sdk';
import { PermanentJobError, type JobHandler, type JobHandlers } from '../platform/outbox/worker.js';
import { runBankCheck } from '../sep/sep12/bank-check.js';
import { checkCallbackUrl, publicOnlyLookup } from '../sep/sep12/callback-url.js';
import {
  CUSTOMER_BANK_CHECK_JOB_TYPE,
  CUSTOMER_CALLBACK_JOB_TYPE,
  type Sep12Deps,
} from '../sep/sep12/service.js';

export { CUSTOMER_BANK_CHECK_JOB_TYPE, CUSTOMER_CALLBACK_JOB_TYPE };

export interface CustomerJobDeps extends Sep12Deps {
  /** The SEP-10 signing key: wallets verify callbacks against stellar.toml's SIGNING_KEY. */
  readonly signingKey: Keypair;
  readonly callbackTimeoutMs: number;
}

/** Bytes of a wallet's answer read at most: it is discarded, only the status matters. */
const ANSWER_BYTES_MAX = 16 * 1024;

export function signatureHeader(
  signingKey: Keypair,
  timestampSeconds: number,
  host: string,
  body: string,
): string {
  const signature = signingKey.sign(Buffer.from(`${timestampSeconds}.${host}.${body}`, 'utf8'));
  return `t=${timestampSeconds}, s=${Buffer.from(signature).toString('base64')}`;
}

interface CallbackPayload {
  readonly customerId: string;
  readonly url: string;
  readonly body: string;
}

function payloadOf(raw: unknown): CallbackPayload {
  const p = raw as Partial<Record<keyof CallbackPayload, unknown>> | null;
  if (
    p === null ||
    typeof p.customerId !== 'string' ||
    typeof p.url !== 'string' ||
    typeof p.body !== 'string'
  )
    throw new PermanentJobError('sep12.callback payload needs customerId, url and body');
  return { customerId: p.customerId, url: p.url, body: p.body };
}

/** POSTs once; resolves with the status code. Rejects on network errors and timeouts. */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: { sandbox: boolean; timeoutMs: number; signal: AbortSignal },
): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: options.timeoutMs,
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
        // Outside the sandbox the connection is pinned to an address checked to be public.
        ...(options.sandbox ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > ANSWER_BYTES_MAX) res.destroy();
        });
        res.on('close', () => {
          resolve(res.statusCode ?? 0);
        });
        res.on('error', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`callback timed out after ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface SignedCallbackOptions {
  readonly signingKey: Keypair;
  readonly sandbox: boolean;
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly signal: AbortSignal;
}

/**
 * POSTs `body` to a wallet's callback URL, signed as SEP-12 and SEP-24 both specify, and resolves
 * with the status code; a URL that is not allowed is a permanent failure, a non-2xx a retryable one.
 */
export async function postSignedCallback(
  rawUrl: string,
  body: string,
  options: SignedCallbackOptions,
): Promise<number> {
  const checked = checkCallbackUrl(rawUrl, options.sandbox);
  if (!checked.ok) throw new PermanentJobError(`callback url refused: ${checked.error}`);
  const url = checked.url;
  const timestamp = Math.floor(options.now().getTime() / 1000);
  const signature = signatureHeader(options.signingKey, timestamp, url.host, body);
  const status = await post(
    url,
    { 'content-type': 'application/json', signature, 'x-stellar-signature': signature },
    body,
    { sandbox: options.sandbox, timeoutMs: options.timeoutMs, signal: options.signal },
  );
  if (status < 200 || status > 299) throw new Error(`wallet callback answered ${status}`);
  return status;
}

export function customerCallbackHandler(deps: CustomerJobDeps): JobHandler {
  return async (job, { signal, logger }) => {
    const payload = payloadOf(job.payload);
    const status = await postSignedCallback(payload.url, payload.body, {
      signingKey: deps.signingKey,
      sandbox: deps.sandbox,
      timeoutMs: deps.callbackTimeoutMs,
      now: deps.now,
      signal,
    });
    logger.info({ customerId: payload.customerId, status }, 'customer callback delivered');
  };
}

export function customerBankCheckHandler(deps: Sep12Deps): JobHandler {
  return async (job) => {
    const customerId = (job.payload as { customerId?: unknown } | null)?.customerId;
    if (typeof customerId !== 'string')
      throw new PermanentJobError('sep12.bank_check payload needs customerId');
    const outcome = await runBankCheck(deps, customerId, 'sep12:bank-check-job');
    // Still unknown: fail the attempt so the outbox retries it later, with backoff.
    if (outcome === 'unknown') throw new Error('bank account resolution is still unknown');
  };
}

/** Both SEP-12 handlers, for src/flows/handlers.ts. */
export function customerJobHandlers(deps: CustomerJobDeps): JobHandlers {
  return {
    [CUSTOMER_CALLBACK_JOB_TYPE]: customerCallbackHandler(deps),
    [CUSTOMER_BANK_CHECK_JOB_TYPE]: customerBankCheckHandler(deps),
  };
}
