import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Horizon } from '@stellar/stellar-sdk';
import { assertBuilt, freePort, runRampart, startRampart, waitFor, type Running } from '../support/cli.js';

interface Manifest {
  rampart: string;
  horizon: string;
  paystack: string;
  networkPassphrase: string;
  paystackSecretKey: string;
  assets: { code: string; issuer: string }[];
  distributionAccount: string;
  wallet: { public: string; secret: string };
  testBankAccount: { bankCode: string; accountNumber: string; accountName: string };
}

describe('rampart sandbox', () => {
  let dataDir: string;
  let sandbox: Running | undefined;
  beforeAll(() => {
    assertBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'rampart-sandbox-'));
  });
  afterAll(() => {
    sandbox?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses mainnet', async () => {
    const result = await runRampart(['sandbox'], { STELLAR_NETWORK: 'public', RAMPART_DATA_DIR: dataDir });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('refuses STELLAR_NETWORK=public');
  });

  it('starts Rampart with seeded doubles, writes sandbox.json, keeps its keys across restarts and stops on SIGTERM', async () => {
    const port = await freePort();
    const manifestPath = join(dataDir, 'sandbox.json');
    const start = async (): Promise<Manifest> => {
      sandbox = startRampart(['sandbox', '--port', String(port)], {
        RAMPART_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      });
      await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/health/ready`, {
            signal: AbortSignal.timeout(2000),
          });
          return response.status === 200 ? true : undefined;
        },
        60_000,
        'the sandbox to be ready',
      );
      await waitFor(
        async () => (sandbox?.output().stdout.includes('Rampart sandbox is up') === true ? true : undefined),
        10_000,
        'the summary',
      );
      return JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    };
    const stop = async (): Promise<number | null> => {
      sandbox?.child.kill('SIGTERM');
      const finished = await sandbox?.exited;
      return finished?.code ?? null;
    };

    const manifest = await start();
    expect(statSync(manifestPath).mode & 0o777).toBe(0o600);
    expect(manifest.rampart).toBe(`http://localhost:${port}`);
    expect(manifest.networkPassphrase).toBe('Test SDF Network ; September 2015');
    expect(manifest.paystackSecretKey).toMatch(/^sk_test_/);
    expect(manifest.assets.map((a) => a.code)).toEqual(['NGNC', 'USDC']);
    expect(manifest.testBankAccount).toEqual({
      bankCode: '058',
      accountNumber: '0123456789',
      accountName: 'ADAEZE CHIOMA OKAFOR',
    });
    expect(sandbox?.output().stdout).toContain(manifest.horizon);

    // The wallet is funded with trustlines to every asset, as promised, seen through the SDK alone.
    const server = new Horizon.Server(manifest.horizon, { allowHttp: true });
    const wallet = await server.loadAccount(manifest.wallet.public);
    const balanceOf = (code: string) =>
      wallet.balances.find((b) => 'asset_code' in b && b.asset_code === code)?.balance;
    expect(Number(balanceOf('NGNC'))).toBeGreaterThanOrEqual(1_000_000);
    expect(Number(balanceOf('USDC'))).toBeGreaterThanOrEqual(10_000);
    await expect(server.loadAccount(manifest.distributionAccount)).resolves.toBeDefined();

    // The Paystack double accepts the key and resolves the test bank account.
    const resolved = await fetch(
      `${manifest.paystack}/bank/resolve?account_number=${manifest.testBankAccount.accountNumber}&bank_code=${manifest.testBankAccount.bankCode}`,
      { headers: { authorization: `Bearer ${manifest.paystackSecretKey}` } },
    );
    expect(resolved.status).toBe(200);
    expect(((await resolved.json()) as { data: { account_name: string } }).data.account_name).toBe(
      manifest.testBankAccount.accountName,
    );

    expect(await stop()).toBe(0);
    const again = await start();
    expect(again.wallet).toEqual(manifest.wallet);
    expect(again.distributionAccount).toBe(manifest.distributionAccount);
    expect(again.assets).toEqual(manifest.assets);
    expect(await stop()).toBe(0);
  });
});
