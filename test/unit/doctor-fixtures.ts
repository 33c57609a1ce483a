/**
 * Fixture hosts and databases for the doctor's tests: a fake HostProbe answering from a map of
 * files, commands, URLs and facts, a fake SqlProbe answering statements by their text, and a
 * production-like "good" world in which every check passes — each failing fixture changes one thing.
 * Nothing here reads the machine the tests run on.
 */
import { Keypair } from '@stellar/stellar-sdk';
import { checksumOf } from '../../src/platform/db/migrator.js';
import { migrations } from '../../src/platform/db/migrations/index.js';
import type { Env } from '../../src/config/load.js';
import type {
  CommandResult,
  DirList,
  DiskResult,
  FileRead,
  FileStat,
  HostProbe,
  HttpResult,
  SystemFacts,
  TlsResult,
} from '../../src/ops/doctor/host-probe.js';
import {
  bestEffortConfig,
  memo,
  type CheckContext,
  type DatabaseAccess,
} from '../../src/ops/doctor/context.js';
import type { SqlProbe } from '../../src/ops/doctor/sql-probe.js';
import type { AlertRule } from '../../src/ops/doctor/parse/alert-rules.js';
import { SQL } from '../../src/ops/doctor/checks/database.js';
import { ACCESS_SQL } from '../../src/ops/doctor/checks/database-access.js';
import { SIGNOFF_SQL } from '../../src/ops/doctor/checks/signoff.js';
import { USDC_ISSUER_PUBLIC } from '../../src/ops/doctor/checks/config.js';

export const NOW = new Date('2025-06-02T12:00:00Z');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const GIB = 1024 ** 3;

export interface FileFixture {
  readonly text?: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly dir?: boolean;
  readonly denied?: boolean;
  readonly mtime?: Date;
  readonly size?: number;
}

export interface PrometheusFixture {
  readonly rules: readonly AlertRule[];
  readonly up?: number;
  readonly p99?: number;
  readonly errorRatio?: number;
}

export interface HostFixture {
  files: Record<string, FileFixture | string | undefined>;
  commands: Record<string, CommandResult | string | undefined>;
  /** `systemctl show <unit>` answers; `false` when systemd does not run. */
  units: Record<string, Record<string, string>> | false;
  http: Record<string, HttpResult | undefined>;
  prometheus: PrometheusFixture | undefined;
  tls: Record<string, TlsResult | undefined>;
  dns: Record<string, readonly string[] | undefined>;
  redis: Record<string, string | undefined>;
  disks: Record<string, { totalBytes: number; freeBytes: number } | undefined>;
  system: SystemFacts;
  now: Date;
}

const ok = (stdout: string): CommandResult => ({ kind: 'exited', code: 0, stdout, stderr: '' });
export const exited = (code: number, stdout: string, stderr = ''): CommandResult => ({
  kind: 'exited',
  code,
  stdout,
  stderr,
});

function fileOf(entry: FileFixture | string | undefined): FileFixture | undefined {
  return typeof entry === 'string' ? { text: entry } : entry;
}

export function fakeHost(fixture: HostFixture): HostProbe {
  const files = (): [string, FileFixture][] =>
    Object.entries(fixture.files).flatMap(([path, entry]) => {
      const file = fileOf(entry);
      return file === undefined ? [] : [[path, file] as [string, FileFixture]];
    });
  const isDirectory = (path: string): boolean =>
    fileOf(fixture.files[path])?.dir === true || files().some(([p]) => p.startsWith(`${path}/`));
  return {
    async readFile(path): Promise<FileRead> {
      const file = fileOf(fixture.files[path]);
      if (file === undefined || file.dir === true) return { kind: 'missing' };
      if (file.denied === true) return { kind: 'denied' };
      return { kind: 'ok', text: file.text ?? '' };
    },
    async stat(path): Promise<FileStat> {
      const file = fileOf(fixture.files[path]);
      if (file === undefined && !isDirectory(path)) return { kind: 'missing' };
      if (file?.denied === true) return { kind: 'denied' };
      return {
        kind: 'ok',
        isDirectory: file === undefined || file.dir === true,
        mode: file?.mode ?? (file === undefined || file.dir === true ? 0o755 : 0o644),
        uid: file?.uid ?? 0,
        gid: file?.uid ?? 0,
        sizeBytes: file?.size ?? file?.text?.length ?? 0,
        modifiedAt: file?.mtime ?? fixture.now,
      };
    },
    async listDir(path): Promise<DirList> {
      if (fileOf(fixture.files[path])?.denied === true) return { kind: 'denied' };
      if (!isDirectory(path)) return { kind: 'missing' };
      const names = new Set<string>();
      for (const [p] of files()) {
        if (!p.startsWith(`${path}/`)) continue;
        const name = p.slice(path.length + 1).split('/')[0];
        if (name !== undefined && name !== '') names.add(name);
      }
      return { kind: 'ok', names: [...names].sort() };
    },
    async run(program, args): Promise<CommandResult> {
      if (program === 'systemctl' && args[0] === 'show') return systemctl(fixture, args[1] ?? '');
      const answer = fixture.commands[[program, ...args].join(' ')];
      if (answer === undefined) return { kind: 'not-found' };
      return typeof answer === 'string' ? ok(answer) : answer;
    },
    async httpGet(url): Promise<HttpResult> {
      if (fixture.prometheus !== undefined && url.host === '127.0.0.1:9090')
        return prometheus(fixture.prometheus, url);
      return fixture.http[url.toString()] ?? { kind: 'error', message: 'fetch failed: connect ECONNREFUSED' };
    },
    async tlsCertificate(host, port): Promise<TlsResult> {
      return fixture.tls[`${host}:${port}`] ?? { kind: 'error', message: 'connect ECONNREFUSED' };
    },
    async resolve(name) {
      const addresses = fixture.dns[name];
      return addresses === undefined
        ? { kind: 'error', message: `getaddrinfo ENOTFOUND ${name}` }
        : { kind: 'ok', addresses };
    },
    async redisVersion(url) {
      const version = fixture.redis[url.host];
      return version === undefined
        ? { kind: 'error', message: 'connect ECONNREFUSED' }
        : { kind: 'ok', version };
    },
    async disk(path): Promise<DiskResult> {
      const disk = fixture.disks[path];
      return disk === undefined ? { kind: 'missing' } : { kind: 'ok', ...disk };
    },
    system: () => fixture.system,
    now: () => fixture.now,
  };
}

function systemctl(fixture: HostFixture, unit: string): CommandResult {
  if (fixture.units === false) {
    return exited(1, '', "System has not been booted with systemd as init system (PID 1). Can't operate.");
  }
  const values = fixture.units[unit] ?? {
    LoadState: 'not-found',
    UnitFileState: '',
    ActiveState: 'inactive',
    SubState: 'dead',
  };
  return ok(
    `${Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
}

function json(body: unknown, status = 200): HttpResult {
  return {
    kind: 'response',
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

function prometheus(fixture: PrometheusFixture, url: URL): HttpResult {
  if (url.pathname === '/api/v1/rules') {
    const rules = fixture.rules.map((r) => ({ type: 'alerting', name: r.name, query: r.expr }));
    return json({ status: 'success', data: { groups: [{ name: 'rampart', rules }] } });
  }
  const query = url.searchParams.get('query') ?? '';
  const value = query.startsWith('min(up')
    ? fixture.up
    : query.startsWith('histogram_quantile')
      ? fixture.p99
      : fixture.errorRatio;
  const result = value === undefined ? [] : [{ metric: {}, value: [NOW.getTime() / 1000, String(value)] }];
  return json({ status: 'success', data: { resultType: 'vector', result } });
}

/** An error as pg and PGlite raise them, with a SQLSTATE. */
export function sqlError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export type SqlFixture = Record<string, readonly unknown[] | Error | undefined>;

export function fakeSql(kind: 'postgres' | 'pglite', answers: SqlFixture, url?: URL): SqlProbe {
  return {
    kind,
    url: kind === 'postgres' ? (url ?? new URL('postgres://rampart_app@127.0.0.1:5432/rampart')) : undefined,
    async query<Row>(text: string): Promise<readonly Row[]> {
      const answer = answers[text];
      if (answer === undefined) throw new Error(`the fixture has no answer for: ${text.slice(0, 80)}`);
      if (answer instanceof Error) throw answer;
      return answer as Row[];
    },
  };
}

export interface World {
  host: HostFixture;
  env: Record<string, string | undefined>;
  sql: SqlFixture | undefined;
  /** Why the database is unavailable when `sql` is undefined. */
  unavailable: { reason: string; embedded: boolean };
  kind: 'postgres' | 'pglite';
}

export const ROOT = '/opt/rampart';
export const ENV_FILE = '/etc/rampart/rampart.env';
const BACKUPS = '/var/lib/rampart/backups';
const METRICS_FILE = '/var/lib/prometheus/node-exporter/rampart_backup.prom';
export const STAMP = '20250602T030000Z';
export const DUMP_BYTES = 123_456;

function random(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length }, (_, i) => alphabet[(i * 7 + 3) % alphabet.length]).join('');
}

export function goodEnv(): Record<string, string | undefined> {
  return {
    NODE_ENV: 'production',
    STELLAR_NETWORK: 'public',
    PUBLIC_URL: 'https://anchor.example.com',
    DATABASE_URL: `postgres://rampart_app:${random(40)}@127.0.0.1:5432/rampart`,
    REDIS_URL: `redis://:${random(36)}@127.0.0.1:6379`,
    PAYSTACK_SECRET_KEY: `sk_live_${random(40)}`,
    JWT_SECRET: random(64),
    SEP10_SIGNING_SECRET: Keypair.random().secret(),
    STELLAR_DISTRIBUTION_SECRET: Keypair.random().secret(),
    PII_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    ASSET_NGN_ISSUER: Keypair.random().publicKey(),
    ASSET_USDC_ISSUER: USDC_ISSUER_PUBLIC,
    LOG_LEVEL: 'info',
    TRUST_PROXY: '127.0.0.1',
    RAMPART_DATA_DIR: '/var/lib/rampart',
    BACKUP_DIR: BACKUPS,
    BACKUP_METRICS_FILE: METRICS_FILE,
    BACKUP_S3_BUCKET: 'rampart-backups',
    DOCTOR_PROMETHEUS_URL: 'http://127.0.0.1:9090',
    DOCTOR_NPM_AUDIT: 'false',
  };
}

export function envText(env: Record<string, string | undefined>): string {
  return Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v ?? ''}`)
    .join('\n');
}

export function unitText(verb: 'serve' | 'worker', extra: Record<string, string | undefined> = {}): string {
  const service: Record<string, string | undefined> = {
    Type: 'exec',
    User: 'rampart',
    Group: 'rampart',
    EnvironmentFile: ENV_FILE,
    ExecStart: `/opt/rampart/.node/bin/node /opt/rampart/dist/src/cli/main.js ${verb}`,
    Restart: 'on-failure',
    RestartSec: '5s',
    StandardOutput: 'journal',
    MemoryMax: '768M',
    NoNewPrivileges: 'yes',
    ProtectSystem: 'strict',
    ReadWritePaths: '/var/lib/rampart',
    ProtectHome: 'yes',
    PrivateTmp: 'yes',
    CapabilityBoundingSet: '',
    ...extra,
  };
  const lines = Object.entries(service)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v ?? ''}`);
  return [
    '[Unit]',
    'Description=Rampart',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Environment=NODE_ENV=production',
    ...lines,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function manifest(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    format: 'rampart-backup-manifest',
    format_version: 1,
    kind: 'postgres',
    file: `rampart-${STAMP}.dump.enc`,
    created_at: '2025-06-02T03:00:00.000Z',
    duration_ms: 1234,
    rampart_version: '0.1.0',
    server_version: '16.4',
    database: 'rampart',
    pg_dump_version: '16.4',
    schema_version: {
      latest: migrations.length,
      migrations: migrations.map((m) => ({ version: m.version, name: m.name, checksum: checksumOf(m) })),
    },
    encryption: { cipher: 'aes-256-gcm', file_format_version: 1, key_id: '0123456789abcdef' },
    size_bytes: DUMP_BYTES,
    sha256: 'a'.repeat(64),
    plaintext_size_bytes: 200_000,
    plaintext_sha256: 'b'.repeat(64),
    row_counts: { transactions: 10 },
    ledger_imbalance: [],
    ...overrides,
  });
}

export function metricsText(values: Record<string, number>): string {
  return `${Object.entries(values)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join('\n')}\n`;
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

export const GOOD_RULES: readonly AlertRule[] = [
  { name: 'RampartDown', expr: 'up{job="rampart"} == 0' },
  { name: 'RampartHighErrorRate', expr: 'sum(rate(rampart_http_requests_total{status=~"5.."}[5m])) > 0.05' },
  { name: 'RampartDiskSpaceLow', expr: 'node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1' },
  { name: 'RampartMemoryHigh', expr: 'node_memory_MemAvailable_bytes < 100e6' },
  { name: 'RampartCpuHigh', expr: 'rate(node_cpu_seconds_total{mode!="idle"}[5m]) > 0.9' },
  {
    name: 'RampartDbConnectionsNearLimit',
    expr: 'rampart_db_connections > 0.8 * rampart_db_connections_max',
  },
  { name: 'RampartBackupMissing', expr: 'time() - rampart_backup_last_success_timestamp_seconds > 93600' },
];

export const RULES_YAML = `groups:
  - name: rampart
    rules:
${GOOD_RULES.map((r) => `      - alert: ${r.name}\n        expr: ${r.expr}\n        for: 5m`).join('\n')}
`;

const NGINX_SITE = `server {
  listen 80;
  server_name anchor.example.com;
  location /.well-known/acme-challenge/ { root /var/www/letsencrypt; }
  location / { return 301 https://$host$request_uri; }
}
server {
  listen 443 ssl;
  server_name anchor.example.com;
  access_log /var/log/nginx/rampart.access.log;
  location /metrics { return 404; }
  location / {
    proxy_pass http://127.0.0.1:8000;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
  }
}
`;

export const TCP_HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
/** A LISTEN line of /proc/net/tcp for an IPv4 address and port. */
export function tcpLine(address: string, port: number): string {
  const hex = address
    .split('.')
    .map((b) => Number(b).toString(16).padStart(2, '0'))
    .reverse()
    .join('')
    .toUpperCase();
  return `   0: ${hex}:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0`;
}

const LOCKFILE = JSON.stringify({
  name: 'rampart',
  lockfileVersion: 3,
  packages: {
    '': { name: 'rampart' },
    'node_modules/fastify': { version: '5.0.0', license: 'MIT' },
    'node_modules/pg': { version: '8.0.0', license: 'MIT' },
    'node_modules/typebox': { version: '1.0.0', license: '(MIT OR GPL-3.0)' },
    'node_modules/vitest': { version: '4.0.0', license: 'MIT', dev: true },
    'node_modules/some-gpl-tool': { version: '1.0.0', license: 'GPL-3.0', dev: true },
  },
});

const DOCS = [
  'api',
  'architecture',
  'backup-restore',
  'configuration',
  'data-retention-privacy',
  'database-schema',
  'deployment',
  'disaster-recovery',
  'incident-response',
  'maintenance',
  'monitoring',
  'rollback',
  'runbook',
  'troubleshooting',
];

function unit(values: Record<string, string>): Record<string, string> {
  return {
    LoadState: 'loaded',
    UnitFileState: 'enabled',
    ActiveState: 'active',
    SubState: 'running',
    NRestarts: '0',
    Result: 'success',
    ExecMainExitTimestamp: '',
    ...values,
  };
}

export function goodHost(env: Record<string, string | undefined> = goodEnv()): HostFixture {
  const files: Record<string, FileFixture | string> = {
    [ENV_FILE]: { text: envText(env), mode: 0o600, uid: 999 },
    '/etc/passwd':
      'root:x:0:0:root:/root:/bin/bash\nrampart:x:999:999::/var/lib/rampart:/usr/sbin/nologin\nada:x:1000:1000::/home/ada:/bin/bash\n',
    '/etc/group': 'root:x:0:\nsudo:x:27:\nrampart:x:999:\n',
    '/proc/meminfo':
      'MemTotal:        4000000 kB\nMemFree:          500000 kB\nMemAvailable:    2000000 kB\n',
    '/etc/systemd/system/rampart.service': unitText('serve'),
    '/etc/systemd/system/rampart-worker.service': unitText('worker'),
    '/etc/ssh/sshd_config':
      'Include /etc/ssh/sshd_config.d/*.conf\nPort 22\nKbdInteractiveAuthentication no\nUsePAM yes\n',
    '/etc/ssh/sshd_config.d/rampart.conf': 'PermitRootLogin no\nPasswordAuthentication no\n',
    '/etc/apt/apt.conf.d/20auto-upgrades':
      'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
    '/proc/net/tcp': [
      TCP_HEADER,
      tcpLine('0.0.0.0', 22),
      tcpLine('0.0.0.0', 80),
      tcpLine('0.0.0.0', 443),
      tcpLine('127.0.0.1', 8000),
      tcpLine('127.0.0.1', 5432),
      tcpLine('127.0.0.1', 6379),
    ].join('\n'),
    '/etc/nginx/sites-available/rampart': NGINX_SITE,
    '/etc/nginx/sites-enabled/rampart': NGINX_SITE,
    '/etc/postgresql/16/main/pg_hba.conf':
      'local all postgres peer\nlocal all all peer\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n',
    [BACKUPS]: { dir: true, mode: 0o700, uid: 999 },
    [`${BACKUPS}/rampart-20250601T030000Z.dump.enc`]: { size: DUMP_BYTES, uid: 999, mode: 0o600 },
    [`${BACKUPS}/rampart-20250601T030000Z.manifest.json`]: manifest({
      file: 'rampart-20250601T030000Z.dump.enc',
    }),
    [`${BACKUPS}/rampart-${STAMP}.dump.enc`]: { size: DUMP_BYTES, uid: 999, mode: 0o600 },
    [`${BACKUPS}/rampart-${STAMP}.manifest.json`]: manifest(),
    [METRICS_FILE]: metricsText({
      rampart_backup_last_success_timestamp_seconds: seconds(new Date(NOW.getTime() - 9 * HOUR_MS)),
      rampart_backup_last_status: 1,
      rampart_backup_last_verify_success_timestamp_seconds: seconds(new Date(NOW.getTime() - 2 * DAY_MS)),
      rampart_backup_last_verify_status: 1,
    }),
    [`${ROOT}/dist/src/cli/main.js`]: '#!/usr/bin/env node\n',
    [`${ROOT}/package-lock.json`]: LOCKFILE,
    [`${ROOT}/dist/audit.json`]: {
      text: JSON.stringify({
        metadata: { vulnerabilities: { info: 0, low: 1, moderate: 0, high: 0, critical: 0, total: 1 } },
      }),
      mtime: new Date(NOW.getTime() - DAY_MS),
    },
    [`${ROOT}/deploy/monitoring/rules.yml`]: RULES_YAML,
    [`${ROOT}/node_modules/fastify/package.json`]: '{}',
  };
  for (const name of DOCS) files[`${ROOT}/docs/${name}.md`] = `# ${name}\n`;
  const securityHeaders = {
    'strict-transport-security': 'max-age=63072000; includeSubDomains',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    server: 'nginx',
  };
  return {
    files,
    commands: {
      'apt-get -s -o Debug::NoLocking=true upgrade':
        'Reading package lists...\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n',
      'ufw status verbose':
        'Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW IN    Anywhere\n80/tcp                     ALLOW IN    Anywhere\n443/tcp                    ALLOW IN    Anywhere\n22/tcp (v6)                ALLOW IN    Anywhere (v6)\n',
      'fail2ban-client status': 'Status\n|- Number of jail:\t2\n`- Jail list:\tnginx-limit-req, sshd\n',
      'timedatectl show': 'Timezone=Africa/Lagos\nLocalRTC=no\nNTP=yes\nNTPSynchronized=yes\n',
      'pg_dump --version': 'pg_dump (PostgreSQL) 16.4 (Debian 16.4-1)\n',
      'pg_restore --version': 'pg_restore (PostgreSQL) 16.4 (Debian 16.4-1)\n',
    },
    units: {
      'rampart.service': unit({ FragmentPath: '/etc/systemd/system/rampart.service' }),
      'rampart-worker.service': unit({ FragmentPath: '/etc/systemd/system/rampart-worker.service' }),
      'rampart-backup.timer': unit({
        SubState: 'waiting',
        FragmentPath: '/etc/systemd/system/rampart-backup.timer',
      }),
      'rampart-restore-verify.timer': unit({
        SubState: 'waiting',
        FragmentPath: '/etc/systemd/system/rampart-restore-verify.timer',
      }),
      'rampart-restore-verify.service': unit({
        ActiveState: 'inactive',
        SubState: 'dead',
        UnitFileState: 'static',
        ExecMainExitTimestamp: `@${seconds(new Date(NOW.getTime() - 2 * DAY_MS))}`,
      }),
    },
    http: {
      'https://anchor.example.com/health/live': {
        kind: 'response',
        status: 200,
        headers: securityHeaders,
        body: '{"status":"ok"}',
      },
      'http://anchor.example.com/health/live': {
        kind: 'response',
        status: 301,
        headers: { location: 'https://anchor.example.com/health/live' },
        body: '',
      },
      'https://anchor.example.com/health/ready': json({
        status: 'ok',
        checks: {
          database: { ok: true, latencyMs: 1 },
          migrations: { ok: true, latencyMs: 2 },
          redis: { ok: true, latencyMs: 1 },
        },
      }),
      'https://anchor.example.com/metrics': { kind: 'response', status: 404, headers: {}, body: 'not found' },
    },
    prometheus: { rules: GOOD_RULES, up: 1, p99: 0.08, errorRatio: 0.0001 },
    tls: {
      'anchor.example.com:443': {
        kind: 'certificate',
        authorized: true,
        authorizationError: undefined,
        validTo: new Date(NOW.getTime() + 60 * DAY_MS),
        issuer: "Let's Encrypt",
        subject: 'anchor.example.com',
        protocol: 'TLSv1.3',
      },
    },
    dns: { 'anchor.example.com': ['203.0.113.10'] },
    redis: { '127.0.0.1:6379': '7.0.15' },
    disks: {
      '/var/lib/rampart': { totalBytes: 40 * GIB, freeBytes: 30 * GIB },
      [BACKUPS]: { totalBytes: 40 * GIB, freeBytes: 30 * GIB },
    },
    system: {
      cpus: 2,
      nodeVersion: '24.21.0',
      uid: 0,
      hostname: 'anchor-1',
      addresses: ['127.0.0.1', '203.0.113.10'],
    },
    now: NOW,
  };
}

export function settingRows(
  overrides: Record<string, [string, string | null]> = {},
): { name: string; setting: string; unit: string | null }[] {
  const base: Record<string, [string, string | null]> = {
    autovacuum: ['on', null],
    effective_cache_size: ['196608', '8kB'],
    listen_addresses: ['localhost', null],
    log_min_duration_statement: ['500', 'ms'],
    max_connections: ['100', null],
    shared_buffers: ['65536', '8kB'],
    superuser_reserved_connections: ['3', null],
    track_counts: ['on', null],
    work_mem: ['4096', 'kB'],
    ...overrides,
  };
  return Object.entries(base).map(([name, [setting, unit]]) => ({ name, setting, unit }));
}

export function goodSql(): SqlFixture {
  const denied = sqlError('42501', 'permission denied for view pg_hba_file_rules');
  return {
    [SQL.ping]: [{ ok: 1 }],
    [SQL.version]: [{ server_version_num: '160004' }],
    [SQL.database]: [{ name: 'rampart', role: 'rampart_app' }],
    [SQL.migrationsTable]: [{ present: true }],
    [SQL.migrations]: migrations.map((m) => ({ version: m.version, checksum: checksumOf(m) })),
    [SQL.extensions]: [{ extname: 'pg_stat_statements' }, { extname: 'pgcrypto' }],
    [SQL.statStatements]: [{ n: '42' }],
    [SQL.settings]: settingRows(),
    [SQL.connections]: [{ n: '7' }],
    [SQL.tableStats]: [
      {
        relname: 'transactions',
        n_live_tup: '50000',
        seq_scan: '3',
        idx_scan: '9000',
        last_analyze: null,
        last_autoanalyze: NOW,
      },
      {
        relname: 'jobs',
        n_live_tup: '20',
        seq_scan: '500',
        idx_scan: '2',
        last_analyze: null,
        last_autoanalyze: null,
      },
    ],
    [SQL.slowStatements(500)]: [{ n: '0', worst_ms: '0' }],
    [SQL.replication]: [{ standby: false, replicas: '0' }],
    [ACCESS_SQL.role]: [
      {
        role: 'rampart_app',
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
      },
    ],
    [ACCESS_SQL.tables]: [
      {
        table_name: 'transactions',
        owned: false,
        can_update: true,
        can_delete: true,
        can_truncate: false,
        can_trigger: false,
        can_reference: false,
        append_only: false,
      },
      {
        table_name: 'transaction_events',
        owned: false,
        can_update: false,
        can_delete: false,
        can_truncate: false,
        can_trigger: false,
        can_reference: false,
        append_only: true,
      },
    ],
    [ACCESS_SQL.create]: [{ on_schema: false, on_database: false }],
    [ACCESS_SQL.superusers]: [{ rolname: 'postgres' }],
    [ACCESS_SQL.hbaRules]: denied,
    [ACCESS_SQL.hbaFile]: denied,
    [SIGNOFF_SQL]: ['Operations', 'Product', 'Security', 'Technical'].map((role) => ({
      role,
      name: `${role} person`,
      decision: 'go',
      report_sha256: 'c'.repeat(64),
      signed_at: NOW,
    })),
  };
}

export function goodWorld(): World {
  const env = goodEnv();
  return {
    host: goodHost(env),
    env,
    sql: goodSql(),
    unavailable: { reason: 'unreachable', embedded: false },
    kind: 'postgres',
  };
}

/** The check context a world gives: its env file read through the fake host, as the command does. */
export async function contextOf(world: World): Promise<CheckContext> {
  const host = fakeHost(world.host);
  const envFile = {
    path: world.env['DOCTOR_ENV_FILE'] ?? ENV_FILE,
    read: await host.readFile(world.env['DOCTOR_ENV_FILE'] ?? ENV_FILE, 1024 * 1024),
  };
  const env: Env = world.env;
  const { config, problems } = bestEffortConfig(env);
  const database: DatabaseAccess =
    world.sql === undefined
      ? { kind: 'unavailable', reason: world.unavailable.reason, embedded: world.unavailable.embedded }
      : { kind: 'open', sql: fakeSql(world.kind, world.sql) };
  return { host, config, configProblems: problems, env, envFile, database, root: ROOT, once: memo() };
}
