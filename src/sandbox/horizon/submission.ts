/**
 * `POST /transactions` and `POST /transactions_async` without the HTTP: what Horizon answers for
 * one envelope given the network's verdict and the fault switches.
 *
 * Resubmitting a known envelope (rails-notes B3.1, B3.4) is idempotent: Horizon's txsub looks the
 * hash up first and returns the stored result, so after a `timeout_landed` 504 the identical
 * envelope gets the original 200 (once ingested), never `tx_bad_seq`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FeeBumpTransaction } from '@stellar/stellar-sdk';
import { BASE_FEE_STROOPS } from './amounts.js';
import type { FaultState } from './faults.js';
import type { TransactionRecord } from './history.js';
import type { Network } from './network.js';
import { problem, renderTransaction, type Json, type Problem } from './render.js';
import { resultCodes, resultXdr, TX } from './results.js';
import type { Envelope } from './transactions.js';

export interface Reply {
  readonly status: number;
  readonly body: Json;
  readonly problem: boolean;
}

export interface SubmissionDeps {
  readonly network: Network;
  readonly baseUrl: () => string;
  readonly faults: () => FaultState;
  /** Consumes the one-shot `nextResultCode` once a transaction carried it. */
  readonly consumeInjection: () => void;
  /** How long a synchronous submission waits for ingestion before Horizon's own 504. */
  readonly submissionTimeoutMs: number;
  readonly signal: AbortSignal;
}

function fromProblem(p: Problem): Reply {
  return { status: p.status, body: p.body, problem: true };
}

function malformed(envelopeXdr: string): Reply {
  return fromProblem(
    problem(
      'transaction_malformed',
      'Transaction Malformed',
      400,
      'Horizon could not decode the transaction envelope in this request. A transaction should be an XDR TransactionEnvelope struct encoded using base64.  The envelope read from this request is echoed in the `extras.envelope_xdr` field of this response for your convenience.',
      { envelope_xdr: envelopeXdr },
    ),
  );
}

function timeout(hash: string, envelopeXdr: string): Reply {
  return fromProblem(
    problem(
      'transaction_submission_timeout',
      'Transaction Submission Timeout',
      504,
      'Your transaction submission request has timed out. This does not necessarily mean the submission has failed. Before resubmitting, please use the transaction hash provided in `extras.hash` to poll the GET /transactions endpoint for sometime and check if it was included in a ledger.',
      { hash, envelope_xdr: envelopeXdr },
    ),
  );
}

function failed(envelopeXdr: string, resultXdr: string, codes: Json): Reply {
  return fromProblem(
    problem(
      'transaction_failed',
      'Transaction Failed',
      400,
      'The transaction failed when submitted to the stellar network. The `extras.result_codes` field on this response contains further details.  Descriptions of each code can be found at: https://developers.stellar.org/api/errors/http-status-codes/horizon-specific/transaction-failed/',
      { envelope_xdr: envelopeXdr, result_xdr: resultXdr, result_codes: codes },
    ),
  );
}

function tryAgainLater(): Reply {
  return fromProblem(
    problem(
      'try_again_later',
      'Try Again Later',
      503,
      'The network is not taking more transactions right now.',
    ),
  );
}

async function hold(deps: SubmissionDeps): Promise<void> {
  await sleep(deps.faults().timeoutMs, undefined, { signal: deps.signal }).catch(() => undefined);
}

function recordReply(deps: SubmissionDeps, record: TransactionRecord, hash: string): Reply {
  if (record.successful)
    return { status: 200, body: renderTransaction(deps.baseUrl(), record, hash), problem: false };
  return failed(record.envelopeXdr, record.resultXdr, { ...record.resultCodes });
}

/** Submits with the one-shot injected result code, consuming it once a transaction carried it. */
function submitWithFaults(deps: SubmissionDeps, envelopeXdr: string): ReturnType<Network['submit']> {
  const injected = deps.faults().nextResultCode ?? undefined;
  const result = deps.network.submit(envelopeXdr, injected);
  if (result.injectionUsed === true) deps.consumeInjection();
  return result;
}

export async function submitSync(deps: SubmissionDeps, envelopeXdr: string): Promise<Reply> {
  const envelope = deps.network.decode(envelopeXdr);
  if (envelope === undefined) return malformed(envelopeXdr);
  const fault = deps.faults().submit;
  if (fault === 'timeout_dropped') {
    await hold(deps);
    return timeout(Buffer.from(envelope.hash()).toString('hex'), envelopeXdr);
  }
  const result = submitWithFaults(deps, envelopeXdr);
  switch (result.kind) {
    case 'malformed':
      return malformed(envelopeXdr);
    case 'queue_full':
      return tryAgainLater();
    case 'rejected':
      return failed(envelopeXdr, result.resultXdr, { ...resultCodes(result.result) });
    case 'known':
    case 'accepted':
      break;
  }
  if (fault === 'timeout_landed') {
    await hold(deps);
    return timeout(result.hash, envelopeXdr);
  }
  const record = await deps.network.waitForIngestion(result.hash, deps.submissionTimeoutMs);
  if (record === undefined) return timeout(result.hash, envelopeXdr);
  return recordReply(deps, record, result.hash);
}

/**
 * Core's verdict, as `/transactions_async` relays it: PENDING (201), DUPLICATE (409) for an
 * envelope still in the open ledger, ERROR (400) with the result XDR, TRY_AGAIN_LATER (503). An
 * envelope already closed is judged again, as Core would, and so comes back as an ERROR
 * (`tx_bad_seq`): async submission does not look history up.
 */
export async function submitAsync(deps: SubmissionDeps, envelopeXdr: string): Promise<Reply> {
  const envelope = deps.network.decode(envelopeXdr);
  if (envelope === undefined) return malformed(envelopeXdr);
  const hash = Buffer.from(envelope.hash()).toString('hex');
  const fault = deps.faults().submit;
  if (fault === 'timeout_dropped') {
    await hold(deps);
    return timeout(hash, envelopeXdr);
  }
  const result = submitWithFaults(deps, envelopeXdr);
  if (fault === 'timeout_landed' && (result.kind === 'accepted' || result.kind === 'known')) {
    await hold(deps);
    return timeout(hash, envelopeXdr);
  }
  switch (result.kind) {
    case 'malformed':
      return malformed(envelopeXdr);
    case 'queue_full':
      return { status: 503, body: { tx_status: 'TRY_AGAIN_LATER', hash }, problem: false };
    case 'rejected':
      return {
        status: 400,
        body: { tx_status: 'ERROR', hash, error_result_xdr: result.resultXdr },
        problem: false,
      };
    case 'known':
      if (result.stage === 'open')
        return { status: 409, body: { tx_status: 'DUPLICATE', hash }, problem: false };
      return {
        status: 400,
        body: { tx_status: 'ERROR', hash, error_result_xdr: badSeqXdr(envelope) },
        problem: false,
      };
    case 'accepted':
      return { status: 201, body: { tx_status: 'PENDING', hash }, problem: false };
  }
}

function badSeqXdr(envelope: Envelope): string {
  const ops =
    envelope instanceof FeeBumpTransaction
      ? envelope.innerTransaction.operations.length + 1
      : envelope.operations.length;
  return resultXdr({ feeChargedStroops: BASE_FEE_STROOPS * BigInt(ops), code: TX.badSeq });
}
