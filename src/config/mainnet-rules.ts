/**
 * Mainnet safety rules: real money must never run on test keys, weak secrets, the local doubles
 * or plain HTTP. Each rule yields one line an operator can act on.
 */
import { isIP } from 'node:net';
import type { Config } from './schema.js';
import { settings } from './schema.js';
import { PASSWORD_PARAMS } from './setting.js';

export const SECRET_LENGTH_MIN = 32;

export function isMainnet(config: Pick<Config, 'stellarNetwork'>): boolean {
  return config.stellarNetwork === 'public';
}

/** True for hosts that can only be this machine or a private network: where the doubles live. */
export function isLocalHost(hostname: string): boolean {
  // `localhost.` (fully qualified) is the same host as `localhost`.
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  const ipv4 = isIP(host) === 4 ? host : ipv4Mapped(host);
  if (ipv4 !== null) return isLocalIpv4(ipv4);
  if (isIP(host) === 6)
    return (
      host === '::1' ||
      host === '::' ||
      host.startsWith('fc') ||
      host.startsWith('fd') ||
      host.startsWith('fe80')
    );
  return false;
}

function isLocalIpv4(host: string): boolean {
  const [a, b] = host.split('.').map(Number) as [number, number];
  return (
    a === 127 ||
    a === 10 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}

/**
 * The IPv4 address inside an IPv4-mapped IPv6 address. The URL parser writes `[::ffff:127.0.0.1]`
 * as `[::ffff:7f00:1]`, which reaches this machine as surely as 127.0.0.1 does.
 */
function ipv4Mapped(host: string): string | null {
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (match === null) return null;
  const high = parseInt(match[1] ?? '', 16);
  const low = parseInt(match[2] ?? '', 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

export function mainnetProblems(config: Config): string[] {
  if (!isMainnet(config)) return [];
  const problems: string[] = [];
  const publicUrls: [string, URL | undefined][] = [
    [settings.publicUrl.env, config.publicUrl],
    [settings.horizonUrl.env, config.horizonUrl],
    [settings.paystackBaseUrl.env, config.paystackBaseUrl],
  ];
  for (const [env, value] of publicUrls) {
    if (value === undefined) continue;
    if (value.protocol !== 'https:') problems.push(`${env} must use https on mainnet, got ${value.protocol}`);
    if (env !== settings.publicUrl.env && isLocalHost(value.hostname)) {
      problems.push(`${env} points at ${value.hostname}: the sandbox doubles are refused on mainnet`);
    }
  }
  const key = config.paystackSecretKey;
  if (key === undefined) problems.push(`${settings.paystackSecretKey.env} is required on mainnet`);
  else if (key.startsWith('sk_test_'))
    problems.push(`${settings.paystackSecretKey.env} is a test key (sk_test_…); mainnet needs a live key`);
  if (config.jwtSecret === undefined) problems.push(`${settings.jwtSecret.env} is required on mainnet`);
  // The embedded database is a single-process development default with no backups or replicas.
  if (config.databaseUrl === undefined) {
    problems.push(
      `${settings.databaseUrl.env} is required on mainnet: the embedded database is for development`,
    );
  }
  // Without Redis, challenge replay guards and rate limits live in one process and die with it.
  if (config.redisUrl === undefined) {
    problems.push(`${settings.redisUrl.env} is required on mainnet: the in-memory store is for development`);
  }
  // Development derives or generates these under the data directory; real money needs managed keys.
  const managedKeys: [string, unknown][] = [
    [settings.sep10SigningSecret.env, config.sep10SigningSecret],
    [settings.piiEncryptionKeys.env, config.piiEncryptionKeys],
    [settings.stellarDistributionSecret.env, config.stellarDistributionSecret],
  ];
  for (const [env, value] of managedKeys) {
    if (value === undefined) problems.push(`${env} is required on mainnet`);
  }
  // The key wallets see signing challenges must not also be the key that holds the anchored assets.
  if (
    config.sep10SigningSecret !== undefined &&
    config.sep10SigningSecret === config.stellarDistributionSecret
  ) {
    problems.push(`${settings.sep10SigningSecret.env} must not be the distribution account's secret`);
  }
  for (const [env, secret] of secretsOf(config)) {
    if (secret.length < SECRET_LENGTH_MIN) {
      problems.push(`${env} is ${secret.length} characters; mainnet needs at least ${SECRET_LENGTH_MIN}`);
    }
  }
  return problems;
}

/** The secret values present, including passwords inside connection URLs. */
function secretsOf(config: Config): [string, string][] {
  const found: [string, string][] = [];
  if (config.jwtSecret !== undefined) found.push([settings.jwtSecret.env, config.jwtSecret]);
  if (config.paystackSecretKey !== undefined)
    found.push([settings.paystackSecretKey.env, config.paystackSecretKey]);
  for (const [env, value] of [
    [settings.databaseUrl.env, config.databaseUrl],
    [settings.redisUrl.env, config.redisUrl],
  ] as const) {
    if (value === undefined) continue;
    if (value.password !== '') found.push([`${env} password`, decodeURIComponent(value.password)]);
    for (const name of PASSWORD_PARAMS) {
      const param = value.searchParams.get(name);
      if (param !== null) found.push([`${env} ${name} parameter`, param]);
    }
  }
  return found;
}
