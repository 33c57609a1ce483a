/**
 * What the transfer flows (deposits, withdrawals) are given: storage, the rails, the clock and the
 * settings they read. Built once from the SEP context by `transferDeps`, so SEP plugins, hosted
 * pages and outbox jobs share one instance of each rule.
 */
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Config } from '../../config/index.js';
import type { Tables } from '../../platform/db/schema.js';
import type { KvStore } from '../../platform/kv/kv-store.js';
import type { Logger } from '../../platform/logger.js';
import type { PaystackClient } from '../../rails/paystack/index.js';
import type { HorizonPort } from '../../rails/stellar/horizon.js';
import { resolvePiiKeyring, type PiiKeyring } from '../../platform/pii-crypto.js';
import { tierLimitTable, type TierLimitTable } from '../../domain/kyc/index.js';
import { buildCatalog, type Catalog } from '../../sep/sep38/catalog.js';
import type { SepContext } from '../../sep/context.js';

export interface TransferDeps {
  readonly db: Kysely<Tables>;
  readonly kv: KvStore;
  readonly config: Config;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Absent when no Paystack key is configured: deposits cannot be paid then. */
  readonly paystack: PaystackClient | undefined;
  readonly horizon: HorizonPort;
  readonly catalog: Catalog;
  readonly tierLimits: TierLimitTable;
  readonly keyring: PiiKeyring;
  readonly jobMaxAttempts: number;
  /** Rampart's public base URL, for the links wallets and customers open. */
  readonly publicUrl: URL;
  /** The process's metrics registry (flows register their own series on it). */
  readonly registry: Registry;
}

export function transferDeps(ctx: SepContext): TransferDeps {
  const { config, runtime } = ctx;
  return {
    db: runtime.database.db,
    kv: runtime.kv,
    config,
    logger: runtime.logger.child({ component: 'transfers' }),
    now: ctx.now,
    paystack: ctx.paystack,
    horizon: ctx.horizon,
    catalog: buildCatalog(config),
    tierLimits: tierLimitTable({
      tier1: {
        perTransaction: config.kycTier1PerTransactionNgn,
        perDay: config.kycTier1PerDayNgn,
        perMonth: config.kycTier1PerMonthNgn,
      },
      tier2: {
        perTransaction: config.kycTier2PerTransactionNgn,
        perDay: config.kycTier2PerDayNgn,
        perMonth: config.kycTier2PerMonthNgn,
      },
    }),
    keyring: resolvePiiKeyring(config),
    jobMaxAttempts: config.jobMaxAttempts,
    publicUrl: config.publicUrl,
    registry: runtime.metrics.registry,
  };
}

/** An absolute link under Rampart's public URL. */
export function publicLink(
  deps: Pick<TransferDeps, 'publicUrl'>,
  path: string,
  query: Record<string, string> = {},
): string {
  const url = new URL(deps.publicUrl.toString());
  url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}
/** How long a funded transaction may sit still before the sweep restarts its step. */
export function stallMs(deps: Pick<TransferDeps, 'config'>): number {
  return Math.max(5 * 60_000, 10 * deps.config.depositRecheckSeconds * 1000);
}
