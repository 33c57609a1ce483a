/**
 * The withdrawal observer of a worker process: watches the receiving (distribution) account for
 * payments in the anchored assets and hands each, exactly once, to the matcher. Every worker
 * process starts one; the leader lease lets exactly one of them observe at a time.
 */
import { createObserver, type Observer } from '../../rails/stellar/observer.js';
import { anchoredAssets } from '../../sep/assets.js';
import type { SepContext } from '../../sep/context.js';
import { transferDeps } from '../transfers/deps.js';
import { withdrawalPaymentHandler } from './match.js';
import { receivingAccountOf } from './receiving.js';

const PAGE_LIMIT = 200;

/** Undefined when withdrawals cannot run here (no distribution account, or no SEP-6/24). */
export function createWithdrawalObserver(context: SepContext): Observer | undefined {
  const { config, runtime } = context;
  const account = receivingAccountOf(config);
  const enabled = config.sepsEnabled.includes('6') || config.sepsEnabled.includes('24');
  const assets = anchoredAssets(config).map((a) => `${a.code}:${a.issuer}`);
  if (account === undefined || !enabled || assets.length === 0) return undefined;
  return createObserver({
    db: runtime.database.db,
    horizon: context.horizon,
    kv: runtime.kv,
    accounts: [account],
    assets,
    onPayment: withdrawalPaymentHandler(transferDeps(context)),
    logger: runtime.logger.child({ component: 'stellar-observer' }),
    metrics: runtime.metrics,
    pageLimit: PAGE_LIMIT,
    leaseTtlMs: config.observerLeaseTtlMs,
    silenceMs: config.observerSilenceMs,
    backoff: { baseMs: 500, capMs: 30_000 },
  });
}
