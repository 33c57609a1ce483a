/**
 * Every Rampart setting, in one place. docs/configuration.md is generated from this object
 * (`npm run docs:config`) and CI checks it is current.
 */
import { boolean, integer, list, oneOf, text, url, type Setting } from './setting.js';
import { sep1Settings } from './settings-sep1.js';
import { sep10Settings } from './settings-sep10.js';
import { sep12Settings } from './settings-sep12.js';
import { transferSettings } from './settings-transfers.js';
import { sep38Settings } from './settings-sep38.js';
import { backupSettings } from './settings-backup.js';
import { opsSettings } from './settings-ops.js';

export type AnySetting = Setting<unknown>;

const MINUTE_MS = 60_000;
const STELLAR_SECRET = /^S[A-Z2-7]{55}$/;
const STELLAR_ACCOUNT = /^G[A-Z2-7]{55}$/;
const ASSET_CODE = /^[A-Za-z0-9]{1,12}$/;

function cidrOrIp(item: string): string | null {
  return /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(item) ? null : `"${item}" is not an IP address or CIDR range`;
}

export const settings = {
  // --- Server ---------------------------------------------------------------------------------
  host: text({
    env: 'HOST',
    group: 'Server',
    doc: 'Address the HTTP server listens on.',
    fallback: '127.0.0.1',
  }),
  port: integer({
    env: 'PORT',
    group: 'Server',
    doc: 'Port the HTTP server listens on.',
    fallback: 8000,
    min: 1,
    max: 65535,
  }),
  publicUrl: url({
    env: 'PUBLIC_URL',
    group: 'Server',
    doc: 'The URL wallets and customers reach Rampart at (behind the reverse proxy). HTTPS is required on mainnet; HSTS is sent when it is https.',
    protocols: ['http:', 'https:'],
    fallback: new URL('http://localhost:8000'),
  }),
  trustProxy: text({
    env: 'TRUST_PROXY',
    group: 'Server',
    doc: 'Which reverse proxies to trust for X-Forwarded-For/-Proto: `false`, `true`, a hop count, or a comma-separated list of proxy IPs/CIDRs (e.g. `127.0.0.1`).',
    fallback: 'false',
    pattern: /^(true|false|\d{1,2}|[0-9a-fA-F:.,/ ]+)$/,
    patternDoc: 'true, false, a hop count or a list of IPs/CIDRs',
  }),
  shutdownTimeoutMs: integer({
    env: 'SHUTDOWN_TIMEOUT_MS',
    group: 'Server',
    doc: 'On SIGTERM/SIGINT, how long in-flight requests and jobs may take to finish before the process exits.',
    fallback: 8000,
    min: 100,
    max: 120_000,
  }),

  // --- HTTP -----------------------------------------------------------------------------------
  bodyLimitBytes: integer({
    env: 'BODY_LIMIT_BYTES',
    group: 'HTTP',
    doc: 'Largest accepted request body; larger bodies are answered 413.',
    fallback: 64 * 1024,
    min: 1024,
    max: 16 * 1024 * 1024,
  }),
  rateLimitPerMinute: integer({
    env: 'RATE_LIMIT_PER_MINUTE',
    group: 'HTTP',
    doc: 'Requests per minute allowed per client IP (shared across instances through Redis when REDIS_URL is set). Excess is answered 429 with Retry-After.',
    fallback: 300,
    min: 1,
    max: 1_000_000,
  }),
  rateLimitAllowList: list({
    env: 'RATE_LIMIT_ALLOW_LIST',
    group: 'HTTP',
    doc: 'Client IPs exempt from rate limiting (comma-separated), e.g. a monitoring host.',
    fallback: [],
    item: cidrOrIp,
  }),
  corsOrigins: list({
    env: 'CORS_ORIGINS',
    group: 'HTTP',
    doc: 'Origins allowed to call the API from a browser (comma-separated, exact match such as `https://wallet.example`). Empty allows none.',
    fallback: [],
    item: (o) =>
      /^https?:\/\/[^/\s]+$/.test(o) ? null : `"${o}" is not an origin like https://wallet.example`,
  }),
  requestTimeoutMs: integer({
    env: 'REQUEST_TIMEOUT_MS',
    group: 'HTTP',
    doc: 'Longest time a request may take before the server gives up on it.',
    fallback: 30_000,
    min: 1000,
    max: 300_000,
  }),

  // --- Storage --------------------------------------------------------------------------------
  databaseUrl: url({
    env: 'DATABASE_URL',
    group: 'Storage',
    doc: 'PostgreSQL 14+ connection URL. When unset, Rampart uses embedded PostgreSQL (PGlite) under RAMPART_DATA_DIR.',
    secret: true,
    protocols: ['postgres:', 'postgresql:'],
  }),
  dataDir: text({
    env: 'RAMPART_DATA_DIR',
    group: 'Storage',
    doc: 'Directory for the embedded database (used when DATABASE_URL is unset). `memory://` keeps it in memory: nothing survives a restart (demos and tests only).',
    fallback: './data',
  }),
  databasePoolMax: integer({
    env: 'DATABASE_POOL_MAX',
    group: 'Storage',
    doc: 'Maximum connections in the PostgreSQL pool (per process). Keep the sum over processes below max_connections.',
    fallback: 10,
    min: 1,
    max: 200,
  }),
  databaseStatementTimeoutMs: integer({
    env: 'DATABASE_STATEMENT_TIMEOUT_MS',
    group: 'Storage',
    doc: 'PostgreSQL statement_timeout for every pooled connection (PostgreSQL only: the embedded database cannot cancel a running statement).',
    fallback: 15_000,
    min: 100,
    max: 600_000,
  }),
  databaseConnectTimeoutMs: integer({
    env: 'DATABASE_CONNECT_TIMEOUT_MS',
    group: 'Storage',
    doc: 'How long to wait for a PostgreSQL connection.',
    fallback: 5000,
    min: 100,
    max: 60_000,
  }),
  slowQueryMs: integer({
    env: 'SLOW_QUERY_MS',
    group: 'Storage',
    doc: 'Queries slower than this are logged with their duration (never their parameters).',
    fallback: 500,
    min: 1,
    max: 600_000,
  }),
  migrateOnStart: boolean({
    env: 'MIGRATE_ON_START',
    group: 'Storage',
    doc: 'Apply pending migrations when `rampart serve` starts (the embedded default always does).',
    fallback: false,
  }),

  // --- Redis ----------------------------------------------------------------------------------
  redisUrl: url({
    env: 'REDIS_URL',
    group: 'Redis',
    doc: 'Redis 6+ URL for cache, rate-limit counters and leases. When unset, an in-process memory store is used (one instance only).',
    secret: true,
    protocols: ['redis:', 'rediss:'],
  }),
  redisKeyPrefix: text({
    env: 'REDIS_KEY_PREFIX',
    group: 'Redis',
    doc: 'Prefix of every Redis key, so several deployments can share one Redis.',
    fallback: 'rampart:',
    pattern: /^[a-z0-9:_-]{1,32}$/,
    patternDoc: '1–32 characters of a-z, 0-9, colon, underscore or dash',
  }),
  redisTimeoutMs: integer({
    env: 'REDIS_TIMEOUT_MS',
    group: 'Redis',
    doc: 'Connect and command timeout for Redis.',
    fallback: 2000,
    min: 50,
    max: 60_000,
  }),

  // --- Logging and metrics --------------------------------------------------------------------
  logLevel: oneOf({
    env: 'LOG_LEVEL',
    group: 'Logging and metrics',
    doc: 'Minimum log level.',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    fallback: 'info',
  }),
  metricsPort: integer({
    env: 'METRICS_PORT',
    group: 'Logging and metrics',
    doc: 'When set, /metrics is served on this port (on HOST) instead of the main port, so it can stay private.',
    min: 1,
    max: 65535,
  }),

  // --- Outbox and workers ---------------------------------------------------------------------
  workerConcurrency: integer({
    env: 'WORKER_CONCURRENCY',
    group: 'Outbox and workers',
    doc: 'Jobs one worker process runs at once.',
    fallback: 4,
    min: 1,
    max: 64,
  }),
  workerPollMs: integer({
    env: 'WORKER_POLL_MS',
    group: 'Outbox and workers',
    doc: 'How often an idle worker looks for due jobs.',
    fallback: 1000,
    min: 10,
    max: MINUTE_MS,
  }),
  jobLeaseMs: integer({
    env: 'JOB_LEASE_MS',
    group: 'Outbox and workers',
    doc: 'How long a claimed job stays reserved without a heartbeat; after it, another worker may run the job again.',
    fallback: 30_000,
    min: 500,
    max: 30 * MINUTE_MS,
  }),
  jobMaxAttempts: integer({
    env: 'JOB_MAX_ATTEMPTS',
    group: 'Outbox and workers',
    doc: 'Attempts before a job is parked as dead (visible, replayable with `rampart jobs replay`).',
    fallback: 10,
    min: 1,
    max: 100,
  }),

  // --- Stellar --------------------------------------------------------------------------------
  stellarNetwork: oneOf({
    env: 'STELLAR_NETWORK',
    group: 'Stellar',
    doc: "`testnet`, `public` (alias `mainnet`) or `sandbox` (Rampart's local doubles with the testnet passphrase). Mainnet turns on the safety rules.",
    values: ['testnet', 'public', 'sandbox'],
    aliases: { mainnet: 'public' },
    fallback: 'testnet',
  }),
  horizonUrl: url({
    env: 'HORIZON_URL',
    group: 'Stellar',
    doc: "Horizon server. Defaults to SDF's Horizon for the chosen network.",
    protocols: ['http:', 'https:'],
  }),

  stellarDistributionSecret: text({
    env: 'STELLAR_DISTRIBUTION_SECRET',
    group: 'Stellar',
    doc: 'Secret seed (S…) of the distribution account, which holds the anchored assets and signs every payment operation. Never logged.',
    secret: true,
    pattern: STELLAR_SECRET,
    patternDoc: 'a Stellar secret seed (S followed by 55 base32 characters)',
  }),
  stellarChannelSecrets: list({
    env: 'STELLAR_CHANNEL_SECRETS',
    group: 'Stellar',
    doc: 'Secret seeds of the channel accounts (comma-separated): each is the source of one in-flight transaction, so payments submit in parallel without sequence collisions.',
    secret: true,
    item: (seed) =>
      STELLAR_SECRET.test(seed) ? null : 'STELLAR_CHANNEL_SECRETS must hold Stellar secret seeds',
  }),
  stellarHorizonTimeoutMs: integer({
    env: 'STELLAR_HORIZON_TIMEOUT_MS',
    group: 'Stellar',
    doc: 'Timeout of every Horizon read.',
    fallback: 10_000,
    min: 500,
    max: 120_000,
  }),
  stellarSubmitTimeoutMs: integer({
    env: 'STELLAR_SUBMIT_TIMEOUT_MS',
    group: 'Stellar',
    doc: "Timeout of a transaction submission; above Horizon's own 30 s so its 504 normally arrives first. A timeout is an unknown outcome, resolved by looking the hash up.",
    fallback: 40_000,
    min: 1000,
    max: 120_000,
  }),
  stellarTxValiditySeconds: integer({
    env: 'STELLAR_TX_VALIDITY_S',
    group: 'Stellar',
    doc: 'How long a signed transaction may land (its max time bound). A payment is rebuilt only after this has passed on the network and its hash is confirmed absent.',
    fallback: 120,
    min: 5,
    max: 3600,
  }),
  stellarSubmitPollMs: integer({
    env: 'STELLAR_SUBMIT_POLL_MS',
    group: 'Stellar',
    doc: 'Pause between tries while a submission outcome is unknown.',
    fallback: 2000,
    min: 10,
    max: 60_000,
  }),
  stellarSubmitResolveMs: integer({
    env: 'STELLAR_SUBMIT_RESOLVE_MS',
    group: 'Stellar',
    doc: "How long one submission call keeps resolving an unknown outcome before returning it as pending to the job, which retries later. Must exceed STELLAR_TX_VALIDITY_S; the job's lease must outlast it.",
    fallback: 180_000,
    min: 1000,
    max: 3_600_000,
  }),
  stellarSubmitAttemptsMax: integer({
    env: 'STELLAR_SUBMIT_ATTEMPTS_MAX',
    group: 'Stellar',
    doc: 'Envelopes built at most per payment (rebuilds after expiry or a stale sequence).',
    fallback: 5,
    min: 1,
    max: 50,
  }),
  stellarFeeMaxStroops: integer({
    env: 'STELLAR_FEE_MAX_STROOPS',
    group: 'Stellar',
    doc: 'Highest fee per operation Rampart bids, including fee bumps during surges (stroops; 10,000 = 0.001 XLM).',
    fallback: 10_000,
    min: 100,
    max: 10_000_000,
  }),
  stellarFeeBumpsMax: integer({
    env: 'STELLAR_FEE_BUMPS_MAX',
    group: 'Stellar',
    doc: 'Fee bumps at most per envelope during a fee surge.',
    fallback: 3,
    min: 0,
    max: 20,
  }),
  stellarChannelWaitMs: integer({
    env: 'STELLAR_CHANNEL_WAIT_MS',
    group: 'Stellar',
    doc: 'How long a payment waits for a free channel account before being retried later.',
    fallback: 30_000,
    min: 10,
    max: 600_000,
  }),
  stellarChannelPollMs: integer({
    env: 'STELLAR_CHANNEL_POLL_MS',
    group: 'Stellar',
    doc: 'How often a waiting payment looks for a free channel account.',
    fallback: 250,
    min: 10,
    max: 10_000,
  }),
  stellarChannelLeaseMarginSeconds: integer({
    env: 'STELLAR_CHANNEL_LEASE_MARGIN_S',
    group: 'Stellar',
    doc: "Extra time a channel stays leased after its envelope's validity ends.",
    fallback: 60,
    min: 0,
    max: 3600,
  }),
  assetNgnCode: text({
    env: 'ASSET_NGN_CODE',
    group: 'Stellar',
    doc: 'Code of the naira-backed token Rampart issues 1:1 against naira.',
    fallback: 'NGNC',
    pattern: ASSET_CODE,
    patternDoc: '1–12 letters or digits',
  }),
  assetNgnIssuer: text({
    env: 'ASSET_NGN_ISSUER',
    group: 'Stellar',
    doc: 'Issuing account (G…) of the naira-backed token.',
    pattern: STELLAR_ACCOUNT,
    patternDoc: 'a Stellar account id (G followed by 55 base32 characters)',
  }),
  assetUsdcCode: text({
    env: 'ASSET_USDC_CODE',
    group: 'Stellar',
    doc: 'Code of the USD stablecoin sold at a SEP-38 quote.',
    fallback: 'USDC',
    pattern: ASSET_CODE,
    patternDoc: '1–12 letters or digits',
  }),
  assetUsdcIssuer: text({
    env: 'ASSET_USDC_ISSUER',
    group: 'Stellar',
    doc: "Issuing account (G…) of the USD stablecoin (on mainnet, Circle's USDC issuer).",
    pattern: STELLAR_ACCOUNT,
    patternDoc: 'a Stellar account id (G followed by 55 base32 characters)',
  }),

  // --- Paystack -------------------------------------------------------------------------------
  paystackSecretKey: text({
    env: 'PAYSTACK_SECRET_KEY',
    group: 'Paystack',
    doc: 'Paystack secret key (`sk_test_…` or `sk_live_…`); also verifies webhook signatures. Test keys are refused on mainnet.',
    secret: true,
    pattern: /^sk_(test|live)_[A-Za-z0-9]+$/,
    patternDoc: 'a Paystack secret key (sk_test_… or sk_live_…)',
  }),
  paystackBaseUrl: url({
    env: 'PAYSTACK_BASE_URL',
    group: 'Paystack',
    doc: 'Paystack API base URL (the sandbox double in development).',
    protocols: ['http:', 'https:'],
    fallback: new URL('https://api.paystack.co'),
  }),

  paystackTimeoutMs: integer({
    env: 'PAYSTACK_TIMEOUT_MS',
    group: 'Paystack',
    doc: 'Timeout of every Paystack API call. A money-moving call that times out has an unknown outcome and is settled by verify, never by a second transfer.',
    fallback: 30_000,
    min: 1000,
    max: 120_000,
  }),
  paystackBankListTtlMs: integer({
    env: 'PAYSTACK_BANK_LIST_TTL_MS',
    group: 'Paystack',
    doc: "How long Paystack's bank list is cached.",
    fallback: 24 * 60 * MINUTE_MS,
    min: MINUTE_MS,
    max: 7 * 24 * 60 * MINUTE_MS,
  }),
  paystackRecipientTtlMs: integer({
    env: 'PAYSTACK_RECIPIENT_TTL_MS',
    group: 'Paystack',
    doc: 'How long a transfer recipient code is cached per bank account.',
    fallback: 30 * 24 * 60 * MINUTE_MS,
    min: MINUTE_MS,
    max: 30 * 24 * 60 * MINUTE_MS,
  }),
  paystackWebhookIpAllowList: list({
    env: 'PAYSTACK_WEBHOOK_IP_ALLOW_LIST',
    group: 'Paystack',
    doc: "Source addresses accepted for Paystack webhooks (IPs or CIDRs; Paystack's published addresses by default). Empty turns the check off, leaving the signature as the only gate.",
    fallback: ['52.31.139.75', '52.49.173.169', '52.214.14.220'],
    item: cidrOrIp,
  }),

  // --- Security -------------------------------------------------------------------------------
  jwtSecret: text({
    env: 'JWT_SECRET',
    group: 'Security',
    doc: 'Secret for signing session tokens (SEP-10 JWTs, interactive URLs). At least 32 characters on mainnet; generate with `openssl rand -hex 32`.',
    secret: true,
  }),

  // --- Wallet-facing protocols: each SEP keeps its settings in its own module -------------------
  sepsEnabled: list({
    env: 'SEPS_ENABLED',
    group: 'Wallet-facing protocols',
    doc: 'The SEPs Rampart serves (comma-separated numbers). SEP-10 is needed by every authenticated SEP.',
    fallback: ['1', '6', '10', '12', '24', '38'],
    item: (sep) =>
      ['1', '6', '10', '12', '24', '38'].includes(sep)
        ? null
        : `SEPS_ENABLED: "${sep}" is not a SEP Rampart serves (1, 6, 10, 12, 24, 38)`,
  }),
  ...sep1Settings,
  ...sep10Settings,
  ...sep12Settings,
  ...sep38Settings,
  ...transferSettings,

  // --- Operations: backups, doctor and database monitoring, each in its own module --------------
  ...backupSettings,
  ...opsSettings,
};

export type Settings = typeof settings;
type ValueOf<S> =
  S extends Setting<infer T, infer Optional> ? (Optional extends true ? T | undefined : T) : never;

/** The typed configuration: settings without a default are `undefined` when unset. */
export type Config = { readonly [K in keyof Settings]: ValueOf<Settings[K]> };
