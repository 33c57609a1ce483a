/**
 * `transfer.callback`: POSTs a transaction's current state to the wallet's `on_change_callback`
 * (SEP-24 / SEP-6), signed like SEP-12 callbacks with the SEP-10 signing key. Enqueued by
 * `transition()` for every status change; the current row is sent, so a late retry never tells the
 * wallet something older than what it may already have read.
 */
import type { Keypair } from '@stellar/stellar-sdk';
import { PermanentJobError, type JobHandler } from '../../platform/outbox/worker.js';
import { postSignedCallback } from '../customer-callback.js';
import type { TransferDeps } from './deps.js';
import { transactionJson } from './view.js';

export function transferCallbackJob(deps: TransferDeps, signingKey: Keypair): JobHandler {
  return async (job, { signal, logger }) => {
    const transactionId = (job.payload as { transactionId?: unknown } | null)?.transactionId;
    if (typeof transactionId !== 'string')
      throw new PermanentJobError('transfer.callback payload needs transactionId');
    const row = await deps.db
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', transactionId)
      .executeTakeFirst();
    if (row?.on_change_callback == null) return;
    const body = JSON.stringify({ transaction: transactionJson(deps, row) });
    const status = await postSignedCallback(row.on_change_callback, body, {
      signingKey,
      sandbox: deps.config.stellarNetwork === 'sandbox',
      timeoutMs: deps.config.transferCallbackTimeoutMs,
      now: deps.now,
      signal,
    });
    logger.info({ transactionId, status: row.status, answered: status }, 'transaction callback delivered');
  };
}
