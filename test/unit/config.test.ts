import { randomBytes } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  REDACTED,
  SECRET_LENGTH_MIN,
  environmentWithDotenv,
  isLocalHost,
  isMainnet,
  loadConfig,
  networkOf,
  redactedConfig,
  type Config,
  type Env,
} from '../../src/config/index.js';

function loaded(env: Env): Config {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(`expected a valid configuration, got: ${result.problems.join('; ')}`);
  return result.config;
}

function problemsOf(env: Env): readonly string[] {
  const result = loadConfig(env);
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.problems;
}

const LIVE_KEY = `sk_live_${'a1B2c3D4'.repeat(5)}`;
const TEST_KEY = `sk_test_${'a1B2c3D4'.repeat(5)}`;
const STRONG_SECRET = 'f'.repeat(64);
const STRONG_PASSWORD = 'p'.repeat(40);

/** A complete mainnet configuration that every rule accepts; each test breaks one thing. */
const MAINNET: Env = {
  STELLAR_NETWORK: 'public',
  PUBLIC_URL: 'https://anchor.example',
  PAYSTACK_SECRET_KEY: LIVE_KEY,
  JWT_SECRET: STRONG_SECRET,
  DATABASE_URL: `postgres://rampart:${STRONG_PASSWORD}@db.example:5432/rampart`,
  REDIS_URL: `rediss://:${STRONG_PASSWORD}@cache.example:6380`,
  SEP10_SIGNING_SECRET: Keypair.random().secret(),
  STELLAR_DISTRIBUTION_SECRET: Keypair.random().secret(),
  PII_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
};

describe('loadConfig: defaults', () => {
  it('loads an empty environment with the documented defaults', () => {
    const config = loaded({});
    expect(config.port).toBe(8000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.rateLimitPerMinute).toBe(300);
    expect(config.bodyLimitBytes).toBe(65536);
    expect(config.logLevel).toBe('info');
    expect(config.stellarNetwork).toBe('testnet');
    expect(config.paystackBaseUrl.toString()).toBe('https://api.paystack.co/');
    expect(config.corsOrigins).toEqual([]);
    expect(config.migrateOnStart).toBe(false);
  });

  it('leaves settings without a default undefined', () => {
    const config = loaded({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.horizonUrl).toBeUndefined();
    expect(config.metricsPort).toBeUndefined();
    expect(config.paystackSecretKey).toBeUndefined();
    expect(config.jwtSecret).toBeUndefined();
  });

  it('treats an empty or blank value as unset and trims surrounding whitespace', () => {
    expect(loaded({ PORT: '', LOG_LEVEL: '   ' })).toMatchObject({ port: 8000, logLevel: 'info' });
    expect(loaded({ PORT: ' 9000 ' }).port).toBe(9000);
  });

  it('parses every kind of setting', () => {
    const config = loaded({
      PORT: '9000',
      PUBLIC_URL: 'https://anchor.example',
      LOG_LEVEL: 'DEBUG',
      MIGRATE_ON_START: 'yes',
      CORS_ORIGINS: 'https://wallet.example, http://localhost:5173',
      RATE_LIMIT_ALLOW_LIST: '10.0.0.1,192.168.0.0/16',
    });
    expect(config.port).toBe(9000);
    expect(config.publicUrl.hostname).toBe('anchor.example');
    expect(config.logLevel).toBe('debug');
    expect(config.migrateOnStart).toBe(true);
    expect(config.corsOrigins).toEqual(['https://wallet.example', 'http://localhost:5173']);
    expect(config.rateLimitAllowList).toEqual(['10.0.0.1', '192.168.0.0/16']);
  });
});

describe('loadConfig: one clear problem per bad value', () => {
  it.each([
    ['PORT', 'eighty'],
    ['PORT', '0'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PUBLIC_URL', 'not a url'],
    ['PUBLIC_URL', 'ftp://anchor.example'],
    ['HORIZON_URL', 'horizon.stellar.org'],
    ['DATABASE_URL', 'mysql://db.example/rampart'],
    ['REDIS_URL', 'http://cache.example'],
    // The drivers would throw decoding these when connecting.
    ['DATABASE_URL', 'postgres://rampart:%zz@db.example/rampart'],
    ['REDIS_URL', 'redis://%E0%A4%A@cache.example'],
    ['LOG_LEVEL', 'verbose'],
    ['MIGRATE_ON_START', 'maybe'],
    ['CORS_ORIGINS', 'wallet.example'],
    ['CORS_ORIGINS', 'https://wallet.example,https://other.example/path'],
    ['RATE_LIMIT_ALLOW_LIST', 'monitoring-host'],
    ['STELLAR_NETWORK', 'futurenet'],
    // Names on Object.prototype must not slip through the alias table.
    ['STELLAR_NETWORK', '__proto__'],
    ['STELLAR_NETWORK', 'constructor'],
    ['REDIS_KEY_PREFIX', 'Rampart Prod'],
    ['PAYSTACK_SECRET_KEY', 'pk_live_abc123'],
    ['TRUST_PROXY', 'everyone'],
    ['BODY_LIMIT_BYTES', '100'],
  ])('refuses %s=%j with exactly one one-line problem naming it', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name} `));
    expect(problems[0]).not.toContain('\n');
  });

  it('reports every bad value in one result, in schema order', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'verbose',
      CORS_ORIGINS: 'wallet.example',
      MIGRATE_ON_START: 'maybe',
    });
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'PORT',
      'CORS_ORIGINS',
      'MIGRATE_ON_START',
      'LOG_LEVEL',
    ]);
  });

  it('never echoes a secret in a problem', () => {
    const [keyProblem] = problemsOf({ PAYSTACK_SECRET_KEY: 'sk_bogus_hunter2hunter2' });
    expect(keyProblem).not.toContain('hunter2');
    const [urlProblem] = problemsOf({
      DATABASE_URL: 'postgres://rampart:hunter2hunter2@[db.example/rampart',
    });
    expect(urlProblem).toMatch(/^DATABASE_URL /);
    expect(urlProblem).not.toContain('hunter2');
  });
});

describe('STELLAR_NETWORK', () => {
  it.each(['mainnet', 'MAINNET', 'public'])('maps %j to public', (value) => {
    const config = loaded({ ...MAINNET, STELLAR_NETWORK: value });
    expect(config.stellarNetwork).toBe('public');
    expect(isMainnet(config)).toBe(true);
  });

  it('uses the network passphrase and SDF Horizon for the chosen network', () => {
    const mainnet = networkOf(loaded(MAINNET));
    expect(mainnet.passphrase).toBe('Public Global Stellar Network ; September 2015');
    expect(mainnet.horizonUrl.toString()).toBe('https://horizon.stellar.org/');
    expect(networkOf(loaded({ STELLAR_NETWORK: 'sandbox' })).passphrase).toBe(
      'Test SDF Network ; September 2015',
    );
  });
});

describe('mainnet safety rules', () => {
  it('accepts a complete, safe mainnet configuration', () => {
    expect(loadConfig(MAINNET)).toMatchObject({ ok: true });
  });

  it('refuses a Paystack test key with a one-line reason', () => {
    const problems = problemsOf({ ...MAINNET, PAYSTACK_SECRET_KEY: TEST_KEY });
    expect(problems).toEqual([expect.stringMatching(/^PAYSTACK_SECRET_KEY is a test key \(sk_test_…\)/)]);
  });

  it('refuses a missing Paystack key and a missing JWT secret', () => {
    const { PAYSTACK_SECRET_KEY: _key, JWT_SECRET: _secret, ...rest } = MAINNET;
    expect(problemsOf(rest)).toEqual([
      'PAYSTACK_SECRET_KEY is required on mainnet',
      'JWT_SECRET is required on mainnet',
    ]);
  });

  it('requires managed keys on mainnet, and a signing key apart from the distribution key', () => {
    const {
      SEP10_SIGNING_SECRET: _s,
      PII_ENCRYPTION_KEYS: _p,
      STELLAR_DISTRIBUTION_SECRET: _d,
      ...rest
    } = MAINNET;
    expect(problemsOf(rest)).toEqual([
      'SEP10_SIGNING_SECRET is required on mainnet',
      'PII_ENCRYPTION_KEYS is required on mainnet',
      'STELLAR_DISTRIBUTION_SECRET is required on mainnet',
    ]);
    const same = { ...MAINNET, SEP10_SIGNING_SECRET: MAINNET['STELLAR_DISTRIBUTION_SECRET'] ?? '' };
    expect(problemsOf(same)).toEqual(["SEP10_SIGNING_SECRET must not be the distribution account's secret"]);
  });

  it('refuses the in-memory store on mainnet', () => {
    const { REDIS_URL: _redis, ...rest } = MAINNET;
    expect(problemsOf(rest)).toEqual([expect.stringMatching(/^REDIS_URL is required on mainnet/)]);
  });

  it('refuses the embedded database on mainnet', () => {
    const { DATABASE_URL: _db, ...rest } = MAINNET;
    expect(problemsOf(rest)).toEqual([expect.stringMatching(/^DATABASE_URL is required on mainnet/)]);
  });

  it(`refuses a JWT_SECRET shorter than ${SECRET_LENGTH_MIN} characters and accepts exactly ${SECRET_LENGTH_MIN}`, () => {
    const problems = problemsOf({ ...MAINNET, JWT_SECRET: 'x'.repeat(SECRET_LENGTH_MIN - 1) });
    expect(problems).toEqual([`JWT_SECRET is 31 characters; mainnet needs at least ${SECRET_LENGTH_MIN}`]);
    expect(loadConfig({ ...MAINNET, JWT_SECRET: 'x'.repeat(SECRET_LENGTH_MIN) }).ok).toBe(true);
  });

  it('refuses a plain-HTTP PUBLIC_URL, including the unset default', () => {
    expect(problemsOf({ ...MAINNET, PUBLIC_URL: 'http://anchor.example' })).toEqual([
      expect.stringMatching(/^PUBLIC_URL must use https on mainnet/),
    ]);
    const { PUBLIC_URL: _url, ...unset } = MAINNET;
    expect(problemsOf(unset)).toEqual([expect.stringMatching(/^PUBLIC_URL must use https on mainnet/)]);
  });

  it('refuses a plain-HTTP Horizon', () => {
    expect(problemsOf({ ...MAINNET, HORIZON_URL: 'http://horizon.example' })).toEqual([
      expect.stringMatching(/^HORIZON_URL must use https on mainnet/),
    ]);
  });

  it.each([
    'https://127.0.0.1:8001',
    'https://localhost:8001',
    'https://localhost.:8001',
    'https://api.localhost',
    'https://[::1]:8001',
    'https://[::ffff:127.0.0.1]:8001',
    'https://10.0.0.5',
    'https://192.168.1.10',
    'https://172.20.0.2',
  ])('refuses the sandbox doubles at %s for HORIZON_URL and PAYSTACK_BASE_URL', (url) => {
    for (const name of ['HORIZON_URL', 'PAYSTACK_BASE_URL']) {
      const problems = problemsOf({ ...MAINNET, [name]: url });
      expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name} points at .*sandbox doubles`))]);
    }
  });

  it('refuses the sandbox doubles over plain HTTP with both reasons', () => {
    const problems = problemsOf({ ...MAINNET, HORIZON_URL: 'http://127.0.0.1:8001' });
    expect(problems).toHaveLength(2);
    expect(problems.every((p) => p.startsWith('HORIZON_URL '))).toBe(true);
  });

  it('refuses short connection-URL passwords, wherever the password is written', () => {
    expect(problemsOf({ ...MAINNET, DATABASE_URL: 'postgres://rampart:short@db.example/rampart' })).toEqual([
      `DATABASE_URL password is 5 characters; mainnet needs at least ${SECRET_LENGTH_MIN}`,
    ]);
    expect(
      problemsOf({ ...MAINNET, DATABASE_URL: 'postgres://rampart@db.example/rampart?password=short' }),
    ).toEqual([
      `DATABASE_URL password parameter is 5 characters; mainnet needs at least ${SECRET_LENGTH_MIN}`,
    ]);
    expect(problemsOf({ ...MAINNET, REDIS_URL: 'redis://:short@cache.example' })).toEqual([
      `REDIS_URL password is 5 characters; mainnet needs at least ${SECRET_LENGTH_MIN}`,
    ]);
  });

  it('accepts a connection URL without a password', () => {
    expect(loadConfig({ ...MAINNET, DATABASE_URL: 'postgres://rampart@db.example/rampart' }).ok).toBe(true);
  });

  it('reports every mainnet problem at once', () => {
    const problems = problemsOf({
      ...MAINNET,
      PUBLIC_URL: 'http://anchor.example',
      PAYSTACK_SECRET_KEY: TEST_KEY,
      JWT_SECRET: 'short',
    });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['PUBLIC_URL', 'PAYSTACK_SECRET_KEY', 'JWT_SECRET']);
  });

  it('does not apply to testnet: a test key and a short secret are fine there', () => {
    const config = loaded({
      PAYSTACK_SECRET_KEY: TEST_KEY,
      JWT_SECRET: 'dev',
      PUBLIC_URL: 'http://localhost:8000',
    });
    expect(config.paystackSecretKey).toBe(TEST_KEY);
    expect(config.jwtSecret).toBe('dev');
  });

  it('does not apply to the sandbox: the doubles run over plain HTTP on this machine', () => {
    const config = loaded({
      STELLAR_NETWORK: 'sandbox',
      HORIZON_URL: 'http://127.0.0.1:8001',
      PAYSTACK_BASE_URL: 'http://127.0.0.1:8002',
    });
    expect(config.horizonUrl?.hostname).toBe('127.0.0.1');
  });
});

describe('isLocalHost', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'localhost.',
    'printer.local',
    '127.0.0.2',
    '[::1]',
    '[::ffff:7f00:1]',
    '[fd00::1]',
  ])('treats %s as local', (host) => {
    expect(isLocalHost(host)).toBe(true);
  });

  it.each([
    'horizon.stellar.org',
    'api.paystack.co',
    '8.8.8.8',
    '172.32.0.1',
    '[2001:db8::1]',
    '[::ffff:808:808]',
  ])('treats %s as public', (host) => {
    expect(isLocalHost(host)).toBe(false);
  });
});

describe('redactedConfig', () => {
  const secrets = {
    jwt: 'jwt-secret-do-not-print-0123456789',
    key: `sk_live_${'DoNotPrint'.repeat(4)}`,
    dbPassword: 'db-password-do-not-print-0123456789',
    redisPassword: 'redis-password-do-not-print-0123456789',
  };
  const config = loaded({
    ...MAINNET,
    JWT_SECRET: secrets.jwt,
    PAYSTACK_SECRET_KEY: secrets.key,
    DATABASE_URL: `postgres://rampart:${secrets.dbPassword}@db.internal.example:5432/rampart`,
    REDIS_URL: `rediss://default:${secrets.redisPassword}@cache.internal.example:6380`,
    CORS_ORIGINS: 'https://wallet.example,https://other.example',
  });
  const shown = redactedConfig(config);

  it('never contains a secret value', () => {
    const json = JSON.stringify(shown);
    for (const secret of Object.values(secrets)) expect(json).not.toContain(secret);
    expect(shown['JWT_SECRET']).toBe(REDACTED);
    expect(shown['PAYSTACK_SECRET_KEY']).toBe(REDACTED);
  });

  it('shows the database and Redis hosts an operator needs, without their passwords', () => {
    expect(shown['DATABASE_URL']).toBe('postgres://rampart:***@db.internal.example:5432/rampart');
    expect(shown['REDIS_URL']).toBe('rediss://default:***@cache.internal.example:6380');
  });

  it('shows ordinary settings as they are and unset ones as null', () => {
    expect(shown['PORT']).toBe(8000);
    expect(shown['STELLAR_NETWORK']).toBe('public');
    expect(shown['CORS_ORIGINS']).toBe('https://wallet.example,https://other.example');
    expect(shown['METRICS_PORT']).toBeNull();
    expect(redactedConfig(loaded({}))['JWT_SECRET']).toBeNull();
  });

  it('hides a password given as a query parameter or inside a non-secret URL', () => {
    const other = redactedConfig(
      loaded({
        DATABASE_URL: 'postgres://rampart@db.example/rampart?password=query-password-0123&sslmode=require',
        HORIZON_URL: 'https://user:horizon-api-key-0123@horizon.provider.example',
      }),
    );
    const json = JSON.stringify(other);
    expect(json).not.toContain('query-password-0123');
    expect(json).not.toContain('horizon-api-key-0123');
    expect(other['DATABASE_URL']).toContain('db.example');
    expect(other['HORIZON_URL']).toContain('horizon.provider.example');
  });

  it('never contains any random secret, however it is written', () => {
    const printable = fc
      .string({ unit: 'grapheme-ascii', minLength: SECRET_LENGTH_MIN, maxLength: 80 })
      .filter((s) => s.trim() === s);
    const alphanumeric = fc.stringMatching(/^[A-Za-z0-9]{32,80}$/);
    fc.assert(
      fc.property(printable, alphanumeric, printable, printable, (jwt, key, dbPassword, redisPassword) => {
        const randomConfig = loaded({
          ...MAINNET,
          JWT_SECRET: jwt,
          PAYSTACK_SECRET_KEY: `sk_live_${key}`,
          DATABASE_URL: `postgres://rampart:${encodeURIComponent(dbPassword)}@db.example/rampart`,
          REDIS_URL: `redis://:${encodeURIComponent(redisPassword)}@cache.example`,
        });
        const randomShown = redactedConfig(randomConfig);
        const json = JSON.stringify(randomShown);
        const texts = Object.values(randomShown).filter((v): v is string => typeof v === 'string');
        for (const secret of [jwt, key, dbPassword, redisPassword]) {
          for (const written of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
            expect(json).not.toContain(written);
            expect(texts.some((t) => t.includes(written))).toBe(false);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('environmentWithDotenv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-config-'));
  const dotenvPath = join(dir, '.env');
  writeFileSync(dotenvPath, 'PORT=9100\nLOG_LEVEL=debug\nJWT_SECRET="from the file"\n');
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses values from the .env file in development', () => {
    const config = loaded(environmentWithDotenv({}, dotenvPath));
    expect(config.port).toBe(9100);
    expect(config.logLevel).toBe('debug');
    expect(config.jwtSecret).toBe('from the file');
  });

  it('lets the real environment win over the file', () => {
    const env = environmentWithDotenv({ NODE_ENV: 'development', LOG_LEVEL: 'warn' }, dotenvPath);
    expect(env['LOG_LEVEL']).toBe('warn');
    expect(env['PORT']).toBe('9100');
  });

  it('ignores the file when NODE_ENV=production', () => {
    const env = environmentWithDotenv({ NODE_ENV: 'production' }, dotenvPath);
    expect(env).toEqual({ NODE_ENV: 'production' });
    expect(loaded(env).port).toBe(8000);
  });

  it('returns the environment unchanged when there is no file', () => {
    expect(environmentWithDotenv({ PORT: '9200' }, join(dir, 'missing.env'))).toEqual({ PORT: '9200' });
  });
});
