/** `rampart sandbox [--port N] [--channels N]`: Rampart and both doubles, seeded, on localhost. */
import { environmentWithDotenv, loadConfig, redactedConfig, settings } from '../../config/index.js';
import { createLogger } from '../../platform/logger.js';
import {
  manifestPathFor,
  sandboxJwtSecret,
  startSandbox,
  writeManifest,
  type SandboxManifest,
} from '../../sandbox/sandbox.js';
import { ConfigInvalidError } from '../context.js';
import { EXIT_CONFIG, UsageError } from '../exit-codes.js';
import { OperatorError } from '../../platform/operator-error.js';
import { startServer } from '../server.js';
import { onShutdownSignal } from '../shutdown.js';

export interface SandboxArgs {
  readonly port: string | undefined;
  readonly channels: string | undefined;
}

const DEFAULT_PORT = 8000;
const DEFAULT_CHANNELS = 4;
const CHANNELS_MAX = 32;
/** Naira per USDC on the Horizon double's path payments. */
const USDC_RATE_NGN = '1530.25';

function integerArg(
  raw: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || value < min || value > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

export async function sandbox(args: SandboxArgs, stdout: (line: string) => void): Promise<void> {
  const baseEnv = environmentWithDotenv(process.env);
  // Checked before anything else: with mainnet settings the rest of the configuration is beside the point.
  const network = settings.stellarNetwork.parse(baseEnv[settings.stellarNetwork.env]?.trim() ?? 'testnet');
  if (network.ok && network.value === 'public') {
    throw new OperatorError(
      'rampart sandbox runs local doubles of Stellar and Paystack: it refuses STELLAR_NETWORK=public',
      EXIT_CONFIG,
    );
  }
  const base = loadConfig(baseEnv);
  if (!base.ok) throw new ConfigInvalidError(base.problems);
  const rampartPort = integerArg(args.port, '--port', DEFAULT_PORT, 1, 65_535);
  const channelCount = integerArg(args.channels, '--channels', DEFAULT_CHANNELS, 1, CHANNELS_MAX);
  const logger = createLogger(base.config.logLevel);
  const started = performance.now();
  const manifestPath = manifestPathFor(base.config.dataDir);
  const doubles = await startSandbox({
    host: '127.0.0.1',
    rampartPort,
    manifestPath,
    ngnCode: base.config.assetNgnCode,
    usdcCode: base.config.assetUsdcCode,
    channelCount,
    usdcRateNgn: USDC_RATE_NGN,
  });
  const loaded = loadConfig({
    ...baseEnv,
    JWT_SECRET: baseEnv['JWT_SECRET'] ?? sandboxJwtSecret(),
    ...doubles.rampartEnv,
  });
  if (!loaded.ok) {
    await doubles.close();
    throw new ConfigInvalidError(loaded.problems);
  }
  logger.info({ config: redactedConfig(loaded.config) }, 'starting rampart sandbox');
  const server = await startServer(loaded.config, logger, { withWorker: true, migrate: true }).catch(
    async (error: unknown) => {
      await doubles.close();
      throw error;
    },
  );
  onShutdownSignal(logger, loaded.config.shutdownTimeoutMs, async () => {
    await server.stop();
    await doubles.close();
  });
  const manifest = doubles.manifest(`http://localhost:${rampartPort}`);
  writeManifest(manifestPath, manifest);
  for (const line of summary(manifest, manifestPath, performance.now() - started)) stdout(line);
}

function summary(m: SandboxManifest, path: string, elapsedMs: number): string[] {
  return [
    '',
    `Rampart sandbox is up (${(elapsedMs / 1000).toFixed(1)} s) — test network only, nothing here is real money.`,
    '',
    `  Rampart         ${m.rampart}`,
    `  Horizon double  ${m.horizon}   (control: ${m.sandboxControl.horizon})`,
    `  Paystack double ${m.paystack}   (control: ${m.sandboxControl.paystack})`,
    `  Network         ${m.networkPassphrase}`,
    ...m.assets.map((a) => `  Asset           ${a.code}:${a.issuer}`),
    `  Distribution    ${m.distributionAccount}`,
    `  Wallet          ${m.wallet.public}`,
    `                  secret ${m.wallet.secret}`,
    `  Test bank       ${m.testBankAccount.accountNumber} at bank ${m.testBankAccount.bankCode} (${m.testBankAccount.accountName})`,
    '',
    `Everything above, with the Paystack test key, is in ${path}. Stop with Ctrl-C.`,
  ];
}
