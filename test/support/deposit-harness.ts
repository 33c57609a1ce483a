/**
 * The deposit flow against both doubles, in-process: `startSandbox` seeds the Horizon double with
 * the anchor's accounts and a wallet, the Paystack double sends its webhooks to the app on a real
 * port, and `drain()` runs the outbox until nothing is due — so a test can play customer, bank and
 * network faults step by step and look at exactly what happened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import type { Env } from '../../src/config/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { registerSeps } from '../../src/sep/index.js';
import type { SepContext } from '../../src/sep/context.js';
import type { Sep10Identity } from '../../src/sep/sep10/jwt.js';
import { transferDeps, type TransferDeps } from '../../src/flows/transfers/deps.js';
import { jobHandlers } from '../../src/flows/handlers.js';
import { createWorker, type JobHandlers, type Worker } from '../../src/platform/outbox/worker.js';
import { putCustomer } from '../../src/sep/sep12/service.js';
import { sep12Deps } from '../../src/sep/sep12/plugin.js';
import { ledgerImbalance } from '../../src/platform/ledger-store.js';
import type { DatabaseKind } from '../../src/platform/db/database.js';
import { startTestApp, type TestApp } from './app.js';
import { freePort } from './cli.js';
import { silentLogger } from './databases.js';

export const TEST_JWT_SECRET = 'deposit-flow-test-secret-0123456789abcdef';

export interface DepositHarness {
  readonly sandbox: Sandbox;
  readonly test: TestApp;
  readonly context: SepContext;
  readonly deps: TransferDeps;
  readonly wallet: Keypair;
  readonly ngnAsset: string;
  readonly usdcAsset: string;
  /** Runs due outbox jobs (after pending webhooks are delivered) until none is left. */
  drain(handlers?: JobHandlers): Promise<number>;
  identityOf(account: string): Sep10Identity;
  /** Gives the SEP-10 subject a tier-1 SEP-12 record (every identity field accepted). */
  verify(account: string): Promise<void>;
  /** Balance of `asset` (CODE:ISSUER) on the Horizon double, in stroops; null without a trustline. */
  balanceStroops(account: string, asset: string): Promise<bigint | null>;
  /** Payments received by `account` on the Horizon double. */
  paymentsTo(
    account: string,
  ): Promise<{ type: string; amount?: string; asset_code?: string; from?: string }[]>;
  imbalance(): Promise<readonly unknown[]>;
  close(): Promise<void>;
}

export async function startDepositHarness(kind: DatabaseKind, env: Env = {}): Promise<DepositHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-deposit-'));
  const port = await freePort();
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    rampartPort: port,
    manifestPath: join(dir, 'sandbox.json'),
    ngnCode: 'NGNC',
    usdcCode: 'USDC',
    channelCount: 2,
    usdcRateNgn: '1530.25',
  });
  let context: SepContext | undefined;
  const test = await startTestApp(
    kind,
    { ...sandbox.rampartEnv, JWT_SECRET: TEST_JWT_SECRET, STELLAR_SUBMIT_POLL_MS: '50', ...env },
    {
      register: async (app, runtime) => {
        context = await registerSeps(app, runtime);
      },
    },
  );
  await test.app.listen({ host: '127.0.0.1', port });
  if (context === undefined) throw new Error('SEPs were not registered');
  const ctx = context;
  const deps = transferDeps(ctx);
  const db = test.runtime.database.db;
  const defaultHandlers = jobHandlers(ctx);
  const workers = new Map<JobHandlers, Worker>();
  const workerFor = (handlers: JobHandlers): Worker => {
    let worker = workers.get(handlers);
    if (worker === undefined) {
      worker = createWorker(db, handlers, {
        concurrency: 4,
        pollMs: 20,
        leaseMs: 60_000,
        logger: silentLogger,
        metrics: test.runtime.metrics,
      });
      workers.set(handlers, worker);
    }
    return worker;
  };
  const wallet = Keypair.fromSecret(sandbox.manifest(`http://127.0.0.1:${port}`).wallet.secret);
  const assetOf = (code: string): string =>
    `${code}:${sandbox.manifest('').assets.find((a) => a.code === code)?.issuer ?? ''}`;
  const identityOf = (account: string): Sep10Identity => ({
    sub: account,
    account,
    memo: null,
    muxedAccount: null,
    clientDomain: null,
    homeDomain: null,
    jti: 'test',
    expiresAt: 0,
  });
  return {
    sandbox,
    test,
    context: ctx,
    deps,
    wallet,
    ngnAsset: assetOf('NGNC'),
    usdcAsset: assetOf('USDC'),
    async drain(handlers = defaultHandlers) {
      const worker = workerFor(handlers);
      let total = 0;
      for (let round = 0; round < 200; round += 1) {
        await sandbox.paystack.control.webhooksIdle();
        const ran = await worker.runOnce();
        total += ran;
        if (ran === 0) {
          await sandbox.paystack.control.webhooksIdle();
          if ((await worker.runOnce()) === 0) return total;
        }
      }
      throw new Error('the outbox did not drain in 200 rounds');
    },
    identityOf,
    async verify(account) {
      await putCustomer(
        sep12Deps(ctx),
        { sub: account, account, memo: null },
        {
          type: undefined,
          text: {
            first_name: 'Adaeze',
            last_name: 'Okafor',
            mobile_number: '+2348031234567',
            birth_date: '1990-04-12',
            id_type: 'bvn',
            id_number: '22123456789',
          },
          files: {},
        },
      );
    },
    async balanceStroops(account, asset) {
      const outcome = await ctx.horizon.loadAccount(account);
      if (outcome.kind !== 'found') return null;
      const line = outcome.balances.find((b) => b.asset === asset);
      if (line === undefined) return null;
      const [whole = '0', fraction = ''] = line.balance.split('.');
      return BigInt(whole) * 10_000_000n + BigInt(fraction.padEnd(7, '0'));
    },
    async paymentsTo(account) {
      const response = await fetch(`${sandbox.horizon.url}/accounts/${account}/payments?limit=200&order=asc`);
      if (response.status === 404) return [];
      const body = (await response.json()) as {
        _embedded: {
          records: { type: string; amount?: string; asset_code?: string; from?: string; to?: string }[];
        };
      };
      return body._embedded.records.filter((r) => r.to === account || r.type !== 'payment');
    },
    async imbalance() {
      return ledgerImbalance(db);
    },
    async close() {
      for (const worker of workers.values()) await worker.stop(5_000);
      await test.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
