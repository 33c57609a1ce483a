/**
 * `createHorizonDouble`: a real HTTP server on 127.0.0.1 that `Horizon.Server` from the SDK uses
 * unchanged (with `{ allowHttp: true }`). State is in memory; ledgers close on a timer (or by
 * hand); every response carries `Date` and `Latest-Ledger` as Horizon's do.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { Networks } from '@stellar/stellar-sdk';
import { createControl, type HorizonControl } from './control.js';
import { controlRoutes } from './control-routes.js';
import { RateTable } from './ledger-rules.js';
import { Network } from './network.js';
import { badRequest, notFound, problem } from './render.js';
import { horizonRoutes, sendProblem, UNSUPPORTED_MEDIA } from './routes.js';
import { StreamHub } from './sse.js';
import { multipartField } from './multipart.js';

export interface HorizonDoubleOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Default: testnet's 'Test SDF Network ; September 2015'. */
  readonly networkPassphrase?: string;
  /** Ledger close interval; 0 closes only on `control.closeLedger()`. Default 1000. */
  readonly ledgerCloseMs?: number;
  /** Path-payment prices by asset code, e.g. { "USDC/NGNC": "1530.25" } (NGNC per USDC). */
  readonly rates?: Readonly<Record<string, string>>;
  /** How long a synchronous submission waits for ingestion before a 504. Default 30 000. */
  readonly submissionTimeoutMs?: number;
  /** Injectable clock (ms since epoch) for time bounds and close times. Default Date.now. */
  readonly clockMs?: () => number;
  /** Transactions and payment records kept in history. Default 100 000. */
  readonly historyRecordsMax?: number;
  /** Open event streams at once. Default 100. */
  readonly streamsMax?: number;
}

export interface HorizonDouble {
  readonly url: string;
  readonly networkPassphrase: string;
  readonly control: HorizonControl;
  /** The network root account (friendbot's source): Keypair.master(passphrase). */
  readonly rootAccountId: string;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
/** Request bodies: an envelope of 100 KB XDR is ~137 KB base64, a bit more URL-encoded. */
const BODY_BYTES_MAX = 256 * 1024;
const PENDING_MAX = 1_000;
const TRANSACTIONS_PER_LEDGER_MAX = 1_000;
const WAITERS_MAX = 10_000;
const VERSIONS = {
  horizon: '23.0.0-rampart-sandbox',
  core: 'stellar-core 23.0.0 (rampart sandbox double)',
  protocol: 23,
};

export async function createHorizonDouble(options: HorizonDoubleOptions = {}): Promise<HorizonDouble> {
  const passphrase = options.networkPassphrase ?? Networks.TESTNET;
  const ledgerCloseMs = options.ledgerCloseMs ?? 1_000;
  if (!Number.isInteger(ledgerCloseMs) || ledgerCloseMs < 0)
    throw new Error('ledgerCloseMs must be a non-negative integer');
  const network = new Network({
    passphrase,
    rates: new RateTable(options.rates ?? {}),
    clockMs: options.clockMs ?? Date.now,
    historyRecordsMax: options.historyRecordsMax ?? 100_000,
    pendingMax: PENDING_MAX,
    transactionsPerLedgerMax: TRANSACTIONS_PER_LEDGER_MAX,
    waitersMax: WAITERS_MAX,
  });
  const hub = new StreamHub(options.streamsMax ?? 100);
  network.onIngest = (payments) => {
    hub.publish(payments);
  };
  const control = createControl(network, hub);
  const lifetime = new AbortController();
  let baseUrl = '';

  const app = Fastify({ logger: false, bodyLimit: BODY_BYTES_MAX, forceCloseConnections: true });
  registerParsers(app);
  app.addHook('onRequest', async (request) => {
    const slowMs = control.faults().slowResponseMs;
    if (slowMs > 0 && !request.url.startsWith('/_sandbox'))
      await sleep(slowMs, undefined, { signal: lifetime.signal }).catch(() => undefined);
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('Latest-Ledger', String(network.status().ingested));
  });
  app.setNotFoundHandler(async (_request, reply) => sendProblem(reply, notFound()));
  app.setErrorHandler(async (error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413)
      return sendProblem(
        reply,
        problem(
          'request_entity_too_large',
          'Request Entity Too Large',
          413,
          `Request bodies are limited to ${BODY_BYTES_MAX} bytes.`,
        ),
      );
    if (status >= 400 && status < 500) return sendProblem(reply, badRequest(error.message));
    return sendProblem(
      reply,
      problem(
        'server_error',
        'Internal Server Error',
        500,
        'An error occurred while processing this request.',
      ),
    );
  });
  await app.register(horizonRoutes, {
    network,
    hub,
    baseUrl: () => baseUrl,
    versions: VERSIONS,
    submission: () => ({
      network,
      baseUrl: () => baseUrl,
      faults: () => control.faults(),
      consumeInjection: () => control.setFaults({ nextResultCode: null }),
      submissionTimeoutMs: options.submissionTimeoutMs ?? 30_000,
      signal: lifetime.signal,
    }),
  });
  await app.register(controlRoutes, { control });

  const address = await app.listen({ host: LOOPBACK, port: options.port ?? 0 });
  baseUrl = address;
  const timer = ledgerCloseMs > 0 ? setInterval(() => network.closeLedger(), ledgerCloseMs) : undefined;
  timer?.unref();

  return {
    url: baseUrl,
    networkPassphrase: passphrase,
    control,
    rootAccountId: network.root.publicKey(),
    async close() {
      if (timer !== undefined) clearInterval(timer);
      lifetime.abort();
      hub.dropAll();
      network.stop();
      await app.close();
    },
  };
}

function registerParsers(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, new URLSearchParams(body as string));
    },
  );
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (request, body, done) => {
    const value = multipartField(String(request.headers['content-type']), body as string, 'tx');
    done(null, new URLSearchParams(value === undefined ? {} : { tx: value }));
  });
  // Horizon refuses any other media type on submission with 415; the route decides.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, _body, done) => {
    done(null, UNSUPPORTED_MEDIA);
  });
}
