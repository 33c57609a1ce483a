/**
 * Horizon's public routes, as one Fastify plugin. Reads come from the network's ingested history
 * and current entries; submissions go through `submission.ts`; collections stream as SSE when
 * the client asks for `text/event-stream`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Account, Operation, StrKey, TransactionBuilder } from '@stellar/stellar-sdk';
import { parseAssetKey } from './assets.js';
import type { Network } from './network.js';
import type { PaymentRecord } from './history.js';
import { toid } from './history.js';
import { parsePageParams, queryString, PAGE_LIMIT_MAX, type PageParams } from './query.js';
import {
  badRequest,
  isoTime,
  notFound,
  problem,
  renderAccount,
  renderClaimableBalance,
  renderPage,
  renderPayment,
  renderTransaction,
  type Json,
  type Problem,
} from './render.js';
import { helloFrame, recordFrame, SSE_HEADERS, type StreamHub } from './sse.js';
import { submitAsync, submitSync, type Reply, type SubmissionDeps } from './submission.js';

export const HAL_JSON = 'application/hal+json; charset=utf-8';
export const PROBLEM_JSON = 'application/problem+json; charset=utf-8';
/** A base64 envelope above this (100 KB of XDR) is refused before decoding. */
export const ENVELOPE_BASE64_MAX = 136_536;
/** Friendbot's grant on testnet: 10,000 XLM. */
const FRIENDBOT_STARTING_BALANCE = '10000';
/** Friendbot transactions stay valid for five minutes. */
const FRIENDBOT_TIMEOUT_SEC = 300;

export interface RoutesOptions {
  readonly network: Network;
  readonly hub: StreamHub;
  readonly submission: () => SubmissionDeps;
  readonly baseUrl: () => string;
  readonly versions: { readonly horizon: string; readonly core: string; readonly protocol: number };
}

/** Marks a body whose media type Horizon refuses (415), set by the catch-all content parser. */
export const UNSUPPORTED_MEDIA = Symbol('unsupported media type');

export function sendJson(reply: FastifyReply, status: number, body: Json): FastifyReply {
  return reply.code(status).type(HAL_JSON).send(body);
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type(PROBLEM_JSON).send(p.body);
}

function sendReply(reply: FastifyReply, result: Reply): FastifyReply {
  return reply
    .code(result.status)
    .type(result.problem ? PROBLEM_JSON : HAL_JSON)
    .send(result.body);
}

function wantsStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

function lastEventId(request: FastifyRequest): string | undefined {
  const header = request.headers['last-event-id'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/** The `tx` form field (urlencoded or multipart body) or query parameter. */
function envelopeOf(request: FastifyRequest): string | undefined | typeof UNSUPPORTED_MEDIA {
  // Horizon takes a form (urlencoded or multipart) or no body at all; JSON and the rest are 415.
  const mediaType = request.headers['content-type'];
  if (
    mediaType !== undefined &&
    !/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(mediaType)
  )
    return UNSUPPORTED_MEDIA;
  const body = request.body;
  if (body === UNSUPPORTED_MEDIA) return UNSUPPORTED_MEDIA;
  if (body instanceof URLSearchParams) {
    const fromBody = body.get('tx');
    if (fromBody !== null) return fromBody;
  }
  return queryString(request.query as Record<string, unknown>, 'tx');
}

export async function horizonRoutes(app: FastifyInstance, options: RoutesOptions): Promise<void> {
  const { network, hub } = options;

  app.get('/', async (_request, reply) => {
    const status = network.status();
    const base = options.baseUrl();
    return sendJson(reply, 200, {
      _links: {
        account: { href: `${base}/accounts/{account_id}`, templated: true },
        accounts: {
          href: `${base}/accounts{?signer,sponsor,asset,liquidity_pool,cursor,limit,order}`,
          templated: true,
        },
        claimable_balances: {
          href: `${base}/claimable_balances{?asset,sponsor,claimant,cursor,limit,order}`,
          templated: true,
        },
        fee_stats: { href: `${base}/fee_stats` },
        friendbot: { href: `${base}/friendbot{?addr}`, templated: true },
        payments: { href: `${base}/payments{?cursor,limit,order,include_failed}`, templated: true },
        self: { href: `${base}/` },
        transaction: { href: `${base}/transactions/{hash}`, templated: true },
        transactions: { href: `${base}/transactions{?cursor,limit,order}`, templated: true },
      },
      horizon_version: options.versions.horizon,
      core_version: options.versions.core,
      ingest_latest_ledger: status.ingested,
      history_latest_ledger: status.ingested,
      history_latest_ledger_closed_at: isoTime(status.ingestedAtSec),
      history_elder_ledger: 2,
      core_latest_ledger: status.closed,
      network_passphrase: network.passphrase,
      current_protocol_version: options.versions.protocol,
      supported_protocol_version: options.versions.protocol,
      core_supported_protocol_version: options.versions.protocol,
    });
  });

  app.get('/fee_stats', async (_request, reply) => {
    const fee = '100';
    const percentiles = {
      max: fee,
      min: fee,
      mode: fee,
      p10: fee,
      p20: fee,
      p30: fee,
      p40: fee,
      p50: fee,
      p60: fee,
      p70: fee,
      p80: fee,
      p90: fee,
      p95: fee,
      p99: fee,
    };
    return sendJson(reply, 200, {
      last_ledger: String(network.status().ingested),
      last_ledger_base_fee: fee,
      ledger_capacity_usage: '0.00',
      fee_charged: percentiles,
      max_fee: percentiles,
    });
  });

  app.get<{ Params: { id: string } }>('/accounts/:id', async (request, reply) => {
    const id = request.params.id;
    if (!StrKey.isValidEd25519PublicKey(id))
      return sendProblem(
        reply,
        badRequest('Account ID must start with `G` and contain 56 alphanum characters', 'account_id'),
      );
    const account = network.entries.accounts.get(id);
    if (account === undefined) return sendProblem(reply, notFound());
    return sendJson(reply, 200, renderAccount(options.baseUrl(), account));
  });

  app.get<{ Params: { hash: string } }>('/transactions/:hash', async (request, reply) => {
    const hash = request.params.hash.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hash))
      return sendProblem(reply, badRequest('Transaction hash must be 64 hex characters', 'tx_id'));
    const record = network.history.transaction(hash);
    if (record === undefined) return sendProblem(reply, notFound());
    return sendJson(reply, 200, renderTransaction(options.baseUrl(), record, hash));
  });

  const payments =
    (matches: (record: PaymentRecord) => boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
      const parsed = parsePageParams(
        request.query as Record<string, unknown>,
        wantsStream(request) ? lastEventId(request) : undefined,
      );
      if (!parsed.ok) return sendProblem(reply, badRequest(parsed.reason, parsed.field));
      if (wantsStream(request)) return streamPayments(reply, parsed.params, matches);
      return pagePayments(request, reply, parsed.params, matches);
    };

  const render =
    (params: PageParams) =>
    (record: PaymentRecord): Json => {
      const joined = params.joinTransactions
        ? network.history.transaction(record.transactionHash)
        : undefined;
      return renderPayment(options.baseUrl(), record, joined);
    };

  /** `cursor=now`: after the latest ingested ledger, like Horizon's `toid.AfterLedger`. */
  const nowCursor = (): bigint => toid(network.status().ingested + 1, 0, 0) - 1n;

  async function pagePayments(
    request: FastifyRequest,
    reply: FastifyReply,
    params: PageParams,
    matches: (record: PaymentRecord) => boolean,
  ) {
    const cursor = params.cursor === 'now' ? nowCursor() : params.cursor;
    const page = network.history.paymentsPage(
      { cursor, order: params.order, limit: params.limit, includeFailed: params.includeFailed },
      matches,
    );
    const self = new URL(request.url, options.baseUrl());
    return sendJson(
      reply,
      200,
      renderPage(self, page.map(render(params)), params.order, (r) => String(r['paging_token'])),
    );
  }

  async function streamPayments(
    reply: FastifyReply,
    params: PageParams,
    matches: (record: PaymentRecord) => boolean,
  ) {
    if (!hub.hasRoom())
      return sendProblem(
        reply,
        problem(
          'too_many_streams',
          'Too Many Streams',
          503,
          'The sandbox is serving as many event streams as it allows; close one and retry.',
        ),
      );
    // Streams start at the oldest record unless a cursor says otherwise (Horizon's behaviour).
    const start = params.cursor === 'now' ? nowCursor() : (params.cursor ?? 0n);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, { ...SSE_HEADERS, 'Latest-Ledger': String(network.status().ingested) });
    response.write(helloFrame());
    const renderRecord = render(params);
    const backlog = network.history.paymentsPage(
      { cursor: start, order: 'asc', limit: Number.MAX_SAFE_INTEGER, includeFailed: params.includeFailed },
      matches,
    );
    for (const record of backlog) response.write(recordFrame(record, renderRecord(record)));
    hub.add({ response, includeFailed: params.includeFailed, matches, render: renderRecord });
  }

  app.get(
    '/payments',
    payments(() => true),
  );
  app.get<{ Params: { id: string } }>('/accounts/:id/payments', async (request, reply) => {
    const id = request.params.id;
    if (!StrKey.isValidEd25519PublicKey(id))
      return sendProblem(
        reply,
        badRequest('Account ID must start with `G` and contain 56 alphanum characters', 'account_id'),
      );
    return payments((record) => record.participants.has(id))(request, reply);
  });
  app.get<{ Params: { hash: string } }>('/transactions/:hash/payments', async (request, reply) => {
    const hash = request.params.hash.toLowerCase();
    return payments((record) => record.transactionHash === hash)(request, reply);
  });

  app.post('/transactions', async (request, reply) => {
    const envelope = envelopeOf(request);
    const refused = refuseEnvelope(envelope);
    if (refused !== undefined) return sendProblem(reply, refused);
    return sendReply(reply, await submitSync(options.submission(), envelope as string));
  });

  app.post('/transactions_async', async (request, reply) => {
    const envelope = envelopeOf(request);
    const refused = refuseEnvelope(envelope);
    if (refused !== undefined) return sendProblem(reply, refused);
    return sendReply(reply, await submitAsync(options.submission(), envelope as string));
  });

  app.get('/claimable_balances', async (request, reply) => claimableBalances(request, reply));
  app.get<{ Params: { id: string } }>('/claimable_balances/:id', async (request, reply) => {
    const entry = network.entries.claimableBalances.get(request.params.id.toLowerCase());
    if (entry === undefined) return sendProblem(reply, notFound());
    return sendJson(reply, 200, renderClaimableBalance(options.baseUrl(), entry));
  });

  app.get('/friendbot', async (request, reply) => {
    const addr = queryString(request.query as Record<string, unknown>, 'addr');
    if (addr === undefined || !StrKey.isValidEd25519PublicKey(addr))
      return sendProblem(reply, badRequest('addr must be a G… account id', 'addr'));
    const root = network.entries.accounts.get(network.root.publicKey());
    if (root === undefined)
      return sendProblem(
        reply,
        problem('friendbot_unavailable', 'Friendbot Unavailable', 503, 'The network root account is gone.'),
      );
    const nowSec = network.nowSec();
    const tx = new TransactionBuilder(new Account(root.id, root.sequence.toString()), {
      fee: '100',
      networkPassphrase: network.passphrase,
      timebounds: { minTime: 0, maxTime: nowSec + FRIENDBOT_TIMEOUT_SEC },
    })
      .addOperation(
        Operation.createAccount({ destination: addr, startingBalance: FRIENDBOT_STARTING_BALANCE }),
      )
      .build();
    tx.sign(network.root);
    return sendReply(
      reply,
      await submitSync({ ...options.submission(), faults: noSubmitFaults(options.submission) }, tx.toXdr()),
    );
  });

  async function claimableBalances(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Record<string, unknown>;
    const claimant = queryString(query, 'claimant');
    const sponsor = queryString(query, 'sponsor');
    const assetText = queryString(query, 'asset');
    const asset = assetText === undefined ? undefined : parseAssetKey(assetText);
    if (assetText !== undefined && asset === undefined)
      return sendProblem(reply, badRequest('asset must be "native" or CODE:ISSUER', 'asset'));
    if (claimant !== undefined && !StrKey.isValidEd25519PublicKey(claimant))
      return sendProblem(reply, badRequest('claimant must be a G… account id', 'claimant'));
    const parsed = parsePageParams({ ...query, cursor: undefined }, undefined);
    if (!parsed.ok) return sendProblem(reply, badRequest(parsed.reason, parsed.field));
    const cursor = queryString(query, 'cursor') ?? '';
    const entries = [...network.entries.claimableBalances.values()]
      .filter((e) => claimant === undefined || e.claimants.some((c) => c.destination === claimant))
      .filter((e) => sponsor === undefined || e.sponsor === sponsor)
      .filter((e) => asset === undefined || e.asset === asset)
      .map((e) => renderClaimableBalance(options.baseUrl(), e))
      .sort((a, b) => compareBalanceTokens(String(a['paging_token']), String(b['paging_token'])));
    const ordered = parsed.params.order === 'asc' ? entries : entries.reverse();
    const afterCursor =
      cursor === ''
        ? ordered
        : ordered.filter((e) => {
            const order = compareBalanceTokens(String(e['paging_token']), cursor);
            return parsed.params.order === 'asc' ? order > 0 : order < 0;
          });
    const page = afterCursor.slice(0, Math.min(parsed.params.limit, PAGE_LIMIT_MAX));
    const self = new URL(request.url, options.baseUrl());
    return sendJson(
      reply,
      200,
      renderPage(self, page, parsed.params.order, (r) => String(r['paging_token'])),
    );
  }
}

/** Claimable-balance paging tokens are "<ledger>-<id>": ledger numerically, then id. */
function compareBalanceTokens(a: string, b: string): number {
  const [ledgerA = '0', idA = ''] = a.split('-');
  const [ledgerB = '0', idB = ''] = b.split('-');
  const byLedger = Number(ledgerA) - Number(ledgerB);
  if (byLedger !== 0 && Number.isFinite(byLedger)) return byLedger;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** Friendbot is its own service: the submit fault switches test the anchor, not the faucet. */
function noSubmitFaults(submission: () => SubmissionDeps): SubmissionDeps['faults'] {
  return () => ({ ...submission().faults(), submit: 'none', nextResultCode: null });
}

function refuseEnvelope(envelope: string | undefined | typeof UNSUPPORTED_MEDIA): Problem | undefined {
  if (envelope === UNSUPPORTED_MEDIA)
    return problem(
      'unsupported_media_type',
      'Unsupported Media Type',
      415,
      'The request has an unsupported content type. Presently, the only supported content type is application/x-www-form-urlencoded.',
    );
  if (envelope === undefined || envelope === '')
    return badRequest('tx: non-blank base64 TransactionEnvelope required', 'tx');
  if (envelope.length > ENVELOPE_BASE64_MAX)
    return badRequest(`tx: envelope larger than ${ENVELOPE_BASE64_MAX} base64 characters`, 'tx');
  return undefined;
}
