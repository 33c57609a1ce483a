/**
 * Every doctor check against a passing and a failing fixture host (and database). The good world is
 * a production-like server where all checks pass; each failing fixture breaks one thing in it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/ops/doctor/checks/index.js';
import { SQL } from '../../src/ops/doctor/checks/database.js';
import { ACCESS_SQL } from '../../src/ops/doctor/checks/database-access.js';
import { SIGNOFF_SQL } from '../../src/ops/doctor/checks/signoff.js';
import { bestEffortConfig } from '../../src/ops/doctor/context.js';
import type { Outcome, Status } from '../../src/ops/doctor/outcome.js';
import {
  contextOf,
  DUMP_BYTES,
  exited,
  GOOD_RULES,
  goodWorld,
  manifest,
  metricsText,
  NOW,
  ROOT,
  settingRows,
  sqlError,
  STAMP,
  TCP_HEADER,
  tcpLine,
  unitText,
  type World,
} from './doctor-fixtures.js';

const DAY_MS = 86_400_000;
const BACKUPS = '/var/lib/rampart/backups';
const METRICS = '/var/lib/prometheus/node-exporter/rampart_backup.prom';

async function outcomeOf(id: string, change: (world: World) => void = () => undefined): Promise<Outcome> {
  const world = goodWorld();
  change(world);
  const check = CHECKS.find((c) => c.id === id);
  if (check === undefined) throw new Error(`no check ${id}`);
  return check.run(await contextOf(world));
}

function sql(world: World): Record<string, readonly unknown[] | Error | undefined> {
  if (world.sql === undefined) throw new Error('this world has no database');
  return world.sql;
}

interface Case {
  /** Breaks the good world so the check must not pass. */
  readonly fail: (world: World) => void;
  readonly status: Exclude<Status, 'PASS'>;
  /** A word the failing detail names. */
  readonly names: RegExp;
}

const CASES: Record<string, Case> = {
  'host.resources': {
    fail: (w) => (w.host.files['/proc/meminfo'] = 'MemTotal: 1000000 kB\nMemAvailable: 500000 kB\n'),
    status: 'FAIL',
    names: /memory under 2 GB/,
  },
  'host.os-updates': {
    fail: (w) =>
      (w.host.commands['apt-get -s -o Debug::NoLocking=true upgrade'] =
        'Inst openssl [3.0.1] (3.0.2 Debian-Security:12/stable-security [amd64])\n'),
    status: 'FAIL',
    names: /1 security update/,
  },
  'host.firewall': {
    fail: (w) => (w.host.commands['ufw status verbose'] = 'Status: inactive\n'),
    status: 'FAIL',
    names: /inactive/,
  },
  'host.fail2ban': {
    fail: (w) => (w.host.commands['fail2ban-client status'] = undefined),
    status: 'FAIL',
    names: /not installed/,
  },
  'host.timezone': {
    fail: (w) => (w.host.commands['timedatectl show'] = 'Timezone=\nNTP=yes\nNTPSynchronized=yes\n'),
    status: 'FAIL',
    names: /no time zone/,
  },
  'host.ntp': {
    fail: (w) => (w.host.commands['timedatectl show'] = 'Timezone=UTC\nNTP=yes\nNTPSynchronized=no\n'),
    status: 'FAIL',
    names: /NTPSynchronized=no/,
  },
  'host.tools': {
    fail: (w) => (w.host.commands['pg_dump --version'] = 'pg_dump (PostgreSQL) 14.1\n'),
    status: 'FAIL',
    names: /older than the server \(16\)/,
  },
  'host.ports': {
    fail: (w) =>
      (w.host.files['/proc/net/tcp'] = [TCP_HEADER, tcpLine('0.0.0.0', 22), tcpLine('0.0.0.0', 5432)].join(
        '\n',
      )),
    status: 'FAIL',
    names: /0\.0\.0\.0:5432/,
  },
  'host.sudo': {
    fail: (w) => (w.host.files['/etc/group'] = 'sudo:x:27:ada,rampart\n'),
    status: 'FAIL',
    names: /rampart can use sudo/,
  },
  'host.disk': {
    fail: (w) => (w.host.disks[BACKUPS] = { totalBytes: 40 * 1024 ** 3, freeBytes: 1024 ** 3 }),
    status: 'FAIL',
    names: /backups .*3% free/,
  },
  'host.memory': {
    fail: (w) => (w.host.files['/proc/meminfo'] = 'MemTotal: 4000000 kB\nMemAvailable: 100000 kB\n'),
    status: 'FAIL',
    names: /3% available/,
  },
  'host.ssh-keys': {
    fail: (w) => (w.host.files['/etc/ssh/sshd_config.d/rampart.conf'] = 'PubkeyAuthentication no\n'),
    status: 'FAIL',
    names: /PubkeyAuthentication no/,
  },
  'host.ssh-root': {
    fail: (w) =>
      (w.host.files['/etc/ssh/sshd_config.d/rampart.conf'] =
        'PermitRootLogin yes\nPasswordAuthentication no\n'),
    status: 'FAIL',
    names: /PermitRootLogin yes/,
  },
  'host.ssh-password': {
    fail: (w) => (w.host.files['/etc/ssh/sshd_config.d/rampart.conf'] = 'PermitRootLogin no\n'),
    status: 'FAIL',
    names: /PasswordAuthentication yes/,
  },
  'config.required': { fail: (w) => (w.env['JWT_SECRET'] = undefined), status: 'FAIL', names: /JWT_SECRET/ },
  'config.secrets': {
    fail: (w) => (w.env['JWT_SECRET'] = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
    status: 'FAIL',
    names: /repeats/,
  },
  'config.db-password': {
    fail: (w) => (w.env['DATABASE_URL'] = 'postgres://rampart_app:hunter2@127.0.0.1:5432/rampart'),
    status: 'FAIL',
    names: /7 characters/,
  },
  'config.paystack': {
    fail: (w) => (w.env['PAYSTACK_SECRET_KEY'] = 'sk_test_abcdefghijklmnopqrstuvwxyz0123456789'),
    status: 'FAIL',
    names: /test key/,
  },
  'config.network': { fail: (w) => (w.env['STELLAR_NETWORK'] = 'testnet'), status: 'FAIL', names: /testnet/ },
  'config.log-level': { fail: (w) => (w.env['LOG_LEVEL'] = 'silent'), status: 'FAIL', names: /silent/ },
  'config.request-logging': {
    fail: (w) => (w.env['LOG_LEVEL'] = 'error'),
    status: 'FAIL',
    names: /not logged/,
  },
  'config.env-file': {
    fail: (w) => (w.host.files['/etc/rampart/rampart.env'] = undefined),
    status: 'FAIL',
    names: /does not exist/,
  },
  'config.env-file-mode': {
    fail: (w) =>
      (w.host.files['/etc/rampart/rampart.env'] = { text: 'NODE_ENV=production\n', mode: 0o644, uid: 999 }),
    status: 'FAIL',
    names: /mode 0644/,
  },
  'service.unit': {
    fail: (w) => (w.host.files['/etc/systemd/system/rampart-worker.service'] = undefined),
    status: 'FAIL',
    names: /rampart-worker.service does not exist/,
  },
  'service.loaded': {
    fail: (w) => (units(w)['rampart.service'] = { LoadState: 'not-found' }),
    status: 'FAIL',
    names: /not-found/,
  },
  'service.enabled': {
    fail: (w) => patchUnit(w, 'rampart-worker.service', { UnitFileState: 'disabled' }),
    status: 'FAIL',
    names: /disabled/,
  },
  'service.active': {
    fail: (w) => patchUnit(w, 'rampart.service', { ActiveState: 'failed', SubState: 'failed' }),
    status: 'FAIL',
    names: /failed/,
  },
  'service.restart': {
    fail: (w) => (w.host.files['/etc/systemd/system/rampart.service'] = unitText('serve', { Restart: 'no' })),
    status: 'FAIL',
    names: /Restart=no/,
  },
  'service.journald': {
    fail: (w) =>
      (w.host.files['/etc/systemd/system/rampart.service'] = unitText('serve', {
        StandardOutput: 'file:/var/log/rampart.log',
      })),
    status: 'FAIL',
    names: /StandardOutput=file/,
  },
  'service.user': {
    fail: (w) =>
      (w.host.files['/etc/systemd/system/rampart.service'] = unitText('serve', { User: undefined })),
    status: 'FAIL',
    names: /runs as root/,
  },
  'service.hardening': {
    fail: (w) =>
      (w.host.files['/etc/systemd/system/rampart-worker.service'] = unitText('worker', {
        ProtectSystem: undefined,
        CapabilityBoundingSet: undefined,
      })),
    status: 'FAIL',
    names: /ProtectSystem=strict, CapabilityBoundingSet=/,
  },
  'db.reachable': { fail: (w) => (w.sql = undefined), status: 'FAIL', names: /unreachable/ },
  'db.version': {
    fail: (w) => (sql(w)[SQL.version] = [{ server_version_num: '130011' }]),
    status: 'FAIL',
    names: /PostgreSQL 13/,
  },
  'db.production': {
    fail: (w) => (sql(w)[SQL.database] = [{ name: 'postgres', role: 'rampart_app' }]),
    status: 'FAIL',
    names: /postgres database/,
  },
  'db.migrations': {
    fail: (w) => (sql(w)[SQL.migrations] = (sql(w)[SQL.migrations] as unknown[]).slice(0, -1)),
    status: 'FAIL',
    names: /pending: \d+ [a-z-]+/,
  },
  'db.extensions': {
    fail: (w) => (sql(w)[SQL.extensions] = [{ extname: 'pgcrypto' }]),
    status: 'FAIL',
    names: /missing: pg_stat_statements/,
  },
  'db.stat-statements': {
    fail: (w) =>
      (sql(w)[SQL.statStatements] = sqlError(
        '55000',
        'pg_stat_statements must be loaded via shared_preload_libraries',
      )),
    status: 'FAIL',
    names: /not loaded/,
  },
  'db.pool': {
    fail: (w) => (sql(w)[SQL.settings] = settingRows({ max_connections: ['20', null] })),
    status: 'FAIL',
    names: /max_connections 20/,
  },
  'db.tuning': {
    fail: (w) => (sql(w)[SQL.settings] = settingRows({ shared_buffers: ['16384', '8kB'] })),
    status: 'WARN',
    names: /shared_buffers 128 MB/,
  },
  'db.slow-log': {
    fail: (w) => (sql(w)[SQL.settings] = settingRows({ log_min_duration_statement: ['-1', 'ms'] })),
    status: 'FAIL',
    names: /-1/,
  },
  'db.autovacuum': {
    fail: (w) => (sql(w)[SQL.settings] = settingRows({ autovacuum: ['off', null] })),
    status: 'FAIL',
    names: /autovacuum off/,
  },
  'db.statistics': {
    fail: (w) =>
      (sql(w)[SQL.tableStats] = [
        {
          relname: 'ledger_postings',
          n_live_tup: '5000',
          seq_scan: '1',
          idx_scan: '1',
          last_analyze: null,
          last_autoanalyze: null,
        },
      ]),
    status: 'WARN',
    names: /never analyzed: ledger_postings/,
  },
  'db.indexes': {
    fail: (w) =>
      (sql(w)[SQL.tableStats] = [
        {
          relname: 'jobs',
          n_live_tup: '50000',
          seq_scan: '900',
          idx_scan: '10',
          last_analyze: NOW,
          last_autoanalyze: null,
        },
      ]),
    status: 'WARN',
    names: /jobs \(900 seq/,
  },
  'db.slow-queries': {
    fail: (w) => (sql(w)[SQL.slowStatements(500)] = [{ n: '3', worst_ms: '2400.5' }]),
    status: 'WARN',
    names: /3 statements .*worst 2401 ms/,
  },
  'db.replication': {
    fail: (w) => (sql(w)[SQL.replication] = [{ standby: false, replicas: '1' }]),
    status: 'WARN',
    names: /without a replication-lag alert/,
  },
  'db.privileges': {
    fail: (w) =>
      (sql(w)[ACCESS_SQL.tables] = [
        {
          table_name: 'transaction_events',
          owned: false,
          can_update: true,
          can_delete: true,
          can_truncate: false,
          can_trigger: false,
          can_reference: false,
          append_only: true,
        },
      ]),
    status: 'FAIL',
    names: /UPDATE\/DELETE on append-only transaction_events/,
  },
  'db.dedicated-user': {
    fail: (w) =>
      (sql(w)[ACCESS_SQL.role] = [
        {
          role: 'postgres',
          rolsuper: true,
          rolcreatedb: true,
          rolcreaterole: true,
          rolreplication: true,
          rolbypassrls: true,
        },
      ]),
    status: 'FAIL',
    names: /connects as postgres/,
  },
  'db.superusers': {
    fail: (w) =>
      (sql(w)[ACCESS_SQL.role] = [
        {
          role: 'rampart_app',
          rolsuper: true,
          rolcreatedb: false,
          rolcreaterole: false,
          rolreplication: false,
          rolbypassrls: false,
        },
      ]),
    status: 'FAIL',
    names: /rampart_app is a superuser/,
  },
  'db.hba': {
    fail: (w) =>
      (w.host.files['/etc/postgresql/16/main/pg_hba.conf'] =
        'local all all peer\nhost all all 127.0.0.1/32 trust\n'),
    status: 'FAIL',
    names: /line 2: host all all 127.0.0.1\/32 trust/,
  },
  'db.listen': {
    fail: (w) => (sql(w)[SQL.settings] = settingRows({ listen_addresses: ['*', null] })),
    status: 'FAIL',
    names: /every interface/,
  },
  'backup.dir': {
    fail: (w) => (w.host.files[BACKUPS] = { dir: true, mode: 0o755, uid: 999 }),
    status: 'FAIL',
    names: /mode 0755/,
  },
  'backup.recent': {
    fail: (w) => {
      w.host.now = new Date(NOW.getTime() + 3 * DAY_MS);
    },
    status: 'FAIL',
    names: /3\.4 days old/,
  },
  'backup.verified': {
    fail: (w) =>
      (w.host.files[METRICS] = metricsText({
        rampart_backup_last_status: 1,
        rampart_backup_last_verify_status: 0,
      })),
    status: 'FAIL',
    names: /last restore test failed/,
  },
  'backup.timer': {
    fail: (w) => patchUnit(w, 'rampart-backup.timer', { UnitFileState: 'disabled', ActiveState: 'inactive' }),
    status: 'FAIL',
    names: /disabled, inactive/,
  },
  'backup.verify-timer': {
    fail: (w) => (units(w)['rampart-restore-verify.timer'] = undefined as never),
    status: 'FAIL',
    names: /not installed/,
  },
  'backup.retention': {
    fail: (w) => (w.env['BACKUP_KEEP_DAILY'] = '3'),
    status: 'FAIL',
    names: /under 7 days/,
  },
  'backup.offsite': {
    fail: (w) => (w.env['BACKUP_S3_BUCKET'] = undefined),
    status: 'FAIL',
    names: /BACKUP_S3_BUCKET is unset/,
  },
  'net.tls': {
    fail: (w) => {
      const cert = w.host.tls['anchor.example.com:443'];
      if (cert?.kind === 'certificate')
        w.host.tls['anchor.example.com:443'] = { ...cert, validTo: new Date(NOW.getTime() + 3 * DAY_MS) };
    },
    status: 'FAIL',
    names: /\(3 days\)/,
  },
  'net.https-redirect': {
    fail: (w) =>
      (w.host.http['http://anchor.example.com/health/live'] = {
        kind: 'response',
        status: 200,
        headers: {},
        body: '{}',
      }),
    status: 'FAIL',
    names: /answers 200 without redirecting/,
  },
  'net.headers': {
    fail: (w) =>
      (w.host.http['https://anchor.example.com/health/live'] = {
        kind: 'response',
        status: 200,
        headers: { 'x-content-type-options': 'nosniff' },
        body: '',
      }),
    status: 'FAIL',
    names: /Strict-Transport-Security/,
  },
  'net.health': {
    fail: (w) =>
      (w.host.http['https://anchor.example.com/health/ready'] = {
        kind: 'response',
        status: 503,
        headers: {},
        body: JSON.stringify({
          status: 'unavailable',
          checks: { database: { ok: false, detail: 'connect ECONNREFUSED' } },
        }),
      }),
    status: 'FAIL',
    names: /database: connect ECONNREFUSED/,
  },
  'net.metrics-private': {
    fail: (w) =>
      (w.host.http['https://anchor.example.com/metrics'] = {
        kind: 'response',
        status: 200,
        headers: {},
        body: '# HELP rampart_http_requests_total x\n',
      }),
    status: 'FAIL',
    names: /serves metrics to anyone/,
  },
  'net.reverse-proxy': {
    fail: (w) => (w.env['TRUST_PROXY'] = 'false'),
    status: 'FAIL',
    names: /TRUST_PROXY=false/,
  },
  'net.access-log': {
    fail: (w) =>
      (w.host.files['/etc/nginx/sites-available/rampart'] =
        'server { access_log off; proxy_pass http://127.0.0.1:8000; }'),
    status: 'FAIL',
    names: /access_log off/,
  },
  'net.dns': {
    fail: (w) => (w.host.dns['anchor.example.com'] = undefined),
    status: 'FAIL',
    names: /does not resolve/,
  },
  'redis.reachable': {
    fail: (w) => (w.host.redis['127.0.0.1:6379'] = '5.0.7'),
    status: 'FAIL',
    names: /older than 6/,
  },
  'build.node': {
    fail: (w) => (w.host.system = { ...w.host.system, nodeVersion: '20.11.0' }),
    status: 'FAIL',
    names: /20\.11\.0/,
  },
  'build.artifact': {
    fail: (w) => (w.host.files[`${ROOT}/dist/src/cli/main.js`] = undefined),
    status: 'FAIL',
    names: /main\.js is missing/,
  },
  'build.production-deps': {
    fail: (w) => (w.host.files[`${ROOT}/node_modules/typescript/package.json`] = '{}'),
    status: 'WARN',
    names: /typescript/,
  },
  'build.audit': {
    fail: (w) =>
      (w.host.files[`${ROOT}/dist/audit.json`] = JSON.stringify({
        metadata: { vulnerabilities: { high: 2, critical: 0, moderate: 1, low: 0 } },
      })),
    status: 'FAIL',
    names: /high 2/,
  },
  'build.licenses': {
    fail: (w) =>
      (w.host.files[`${ROOT}/package-lock.json`] = JSON.stringify({
        packages: { '': {}, 'node_modules/copyleft': { license: 'AGPL-3.0-only' } },
      })),
    status: 'FAIL',
    names: /copyleft \(AGPL-3\.0-only\)/,
  },
  'monitoring.alert-errors': {
    fail: (w) => withoutAlert(w, 'RampartHighErrorRate'),
    status: 'FAIL',
    names: /no alert for the error rate/,
  },
  'monitoring.alert-disk': {
    fail: (w) => withoutAlert(w, 'RampartDiskSpaceLow'),
    status: 'FAIL',
    names: /disk space/,
  },
  'monitoring.alert-memory': {
    fail: (w) => withoutAlert(w, 'RampartMemoryHigh'),
    status: 'FAIL',
    names: /memory/,
  },
  'monitoring.alert-cpu': { fail: (w) => withoutAlert(w, 'RampartCpuHigh'), status: 'FAIL', names: /CPU/ },
  'monitoring.alert-db-connections': {
    fail: (w) => withoutAlert(w, 'RampartDbConnectionsNearLimit'),
    status: 'FAIL',
    names: /database connections/,
  },
  'monitoring.alert-backup': {
    fail: (w) => withoutAlert(w, 'RampartBackupMissing'),
    status: 'FAIL',
    names: /backups/,
  },
  'monitoring.alert-down': {
    fail: (w) => withoutAlert(w, 'RampartDown'),
    status: 'FAIL',
    names: /being down/,
  },
  'monitoring.scrape': { fail: (w) => prometheus(w, { up: 0 }), status: 'FAIL', names: /target is down/ },
  'monitoring.latency': { fail: (w) => prometheus(w, { p99: 0.35 }), status: 'FAIL', names: /p99 350 ms/ },
  'monitoring.error-rate': {
    fail: (w) => prometheus(w, { errorRatio: 0.05 }),
    status: 'FAIL',
    names: /5\.00% of answers/,
  },
  'signoff.technical': {
    fail: (w) => noGo(w, 'Technical'),
    status: 'FAIL',
    names: /no-go by Technical person/,
  },
  'signoff.product': { fail: (w) => noGo(w, 'Product'), status: 'FAIL', names: /no-go by Product person/ },
  'signoff.security': { fail: (w) => noGo(w, 'Security'), status: 'FAIL', names: /no-go by Security person/ },
  'signoff.operations': {
    fail: (w) => noGo(w, 'Operations'),
    status: 'FAIL',
    names: /no-go by Operations person/,
  },
};

function units(world: World): Record<string, Record<string, string>> {
  if (world.host.units === false) throw new Error('no systemd in this world');
  return world.host.units;
}

function patchUnit(world: World, name: string, values: Record<string, string>): World {
  units(world)[name] = { ...units(world)[name], ...values };
  return world;
}

function withoutAlert(world: World, name: string): World {
  const current = world.host.prometheus;
  if (current !== undefined)
    world.host.prometheus = { ...current, rules: current.rules.filter((r) => r.name !== name) };
  return world;
}

function prometheus(world: World, values: { up?: number; p99?: number; errorRatio?: number }): World {
  const current = world.host.prometheus;
  if (current !== undefined) world.host.prometheus = { ...current, ...values };
  return world;
}

function noGo(world: World, role: string): World {
  const rows = sql(world)[SIGNOFF_SQL] as { role: string; decision: string }[];
  sql(world)[SIGNOFF_SQL] = rows.map((row) => (row.role === role ? { ...row, decision: 'no-go' } : row));
  return world;
}

describe('the good world', () => {
  it('is a valid production configuration', () => {
    expect(bestEffortConfig(goodWorld().env).problems).toEqual([]);
  });

  it('has a passing and a failing fixture for every check', () => {
    expect(Object.keys(CASES).sort()).toEqual(CHECKS.map((c) => c.id).sort());
  });
});

describe.each(Object.entries(CASES))('%s', (id, testCase) => {
  it('passes on a production-like host', async () => {
    const outcome = await outcomeOf(id);
    expect(outcome, outcome.detail).toMatchObject({ status: 'PASS', fix: '' });
    expect(outcome.detail).not.toMatch(/\n/);
  });

  it(`is ${testCase.status} when the fixture breaks it, naming the problem and the fix`, async () => {
    const outcome = await outcomeOf(id, testCase.fail);
    expect(outcome.status, outcome.detail).toBe(testCase.status);
    expect(outcome.detail).toMatch(testCase.names);
    expect(outcome.fix).not.toBe('');
    expect(`${outcome.detail}${outcome.fix}`).not.toMatch(/\n/);
  });
});

describe('checks that lack access say so', () => {
  it('asks for root when ufw refuses to answer', async () => {
    const outcome = await outcomeOf('host.firewall', (w) => {
      w.host.commands['ufw status verbose'] = exited(1, '', 'ERROR: You need to be root to run this script');
    });
    expect(outcome.status).toBe('MANUAL');
    expect(outcome.fix).toMatch(/run as root/);
  });

  it('asks for root when the env file cannot be read', async () => {
    const outcome = await outcomeOf('config.env-file-mode', (w) => {
      w.host.files['/etc/rampart/rampart.env'] = { denied: true };
    });
    expect(outcome).toMatchObject({
      status: 'MANUAL',
      detail: expect.stringMatching(/needs root/) as unknown,
    });
  });

  it('asks for root when pg_hba.conf is unreadable, after the view and SHOW hba_file were refused', async () => {
    const outcome = await outcomeOf('db.hba', (w) => {
      w.host.files['/etc/postgresql/16/main/pg_hba.conf'] = { denied: true };
    });
    expect(outcome.status).toBe('MANUAL');
    expect(outcome.fix).toMatch(/run as root/);
  });

  it('reports MANUAL, not FAIL, where systemd does not run', async () => {
    const outcome = await outcomeOf('service.active', (w) => {
      w.host.units = false;
    });
    expect(outcome.status).toBe('MANUAL');
    expect(outcome.detail).toMatch(/not been booted with systemd/);
  });

  it('makes alert items MANUAL without a Prometheus to ask, naming the rule found in the repository', async () => {
    const outcome = await outcomeOf('monitoring.alert-disk', (w) => {
      w.env['DOCTOR_PROMETHEUS_URL'] = undefined;
    });
    expect(outcome).toMatchObject({
      status: 'MANUAL',
      detail: 'RampartDiskSpaceLow is defined in deploy/monitoring/rules.yml',
    });
  });

  it('fails alert items when neither Prometheus nor the rules file is there', async () => {
    const outcome = await outcomeOf('monitoring.alert-down', (w) => {
      w.env['DOCTOR_PROMETHEUS_URL'] = undefined;
      w.host.files[`${ROOT}/deploy/monitoring/rules.yml`] = undefined;
    });
    expect(outcome.status).toBe('FAIL');
  });
});

describe('other branches', () => {
  it('reads sshd -T when it answers (root), in preference to the files', async () => {
    const outcome = await outcomeOf('host.ssh-root', (w) => {
      w.host.commands['sshd -T'] = 'port 22\npermitrootlogin prohibit-password\npasswordauthentication no\n';
    });
    expect(outcome).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(/prohibit-password.*\(sshd -T\)/) as unknown,
    });
  });

  it('stops reading sshd_config at the first Match block', async () => {
    const outcome = await outcomeOf('host.ssh-password', (w) => {
      w.host.files['/etc/ssh/sshd_config.d/rampart.conf'] =
        'PermitRootLogin no\nMatch User deploy\n  PasswordAuthentication no\n';
    });
    expect(outcome.status).toBe('FAIL');
  });

  it('judges pg_hba through pg_hba_file_rules when the role may read it', async () => {
    const outcome = await outcomeOf('db.hba', (w) => {
      sql(w)[ACCESS_SQL.hbaRules] = [
        {
          line_number: 90,
          type: 'local',
          database: 'all',
          user_name: 'all',
          address: '',
          netmask: '',
          auth_method: 'peer',
          error: null,
        },
        {
          line_number: 92,
          type: 'host',
          database: 'all',
          user_name: 'all',
          address: '0.0.0.0',
          netmask: '0.0.0.0',
          auth_method: 'scram-sha-256',
          error: null,
        },
      ];
    });
    expect(outcome).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(/open to any address: line 92/) as unknown,
    });
  });

  it('takes md5 for the checklist’s method but suggests scram-sha-256', async () => {
    const outcome = await outcomeOf('db.hba', (w) => {
      w.host.files['/etc/postgresql/16/main/pg_hba.conf'] =
        'local all all peer\nhost all all 127.0.0.1/32 md5\n';
    });
    expect(outcome.status).toBe('WARN');
    expect(outcome.fix).toMatch(/scram-sha-256/);
  });

  it('leaves a remote database’s pg_hba and listen address to a person', async () => {
    const world = goodWorld();
    world.sql = undefined;
    const context = await contextOf({ ...goodWorld(), kind: 'postgres' });
    const remote = {
      ...context,
      database: {
        kind: 'open' as const,
        sql: {
          ...(context.database.kind === 'open' ? context.database.sql : never()),
          url: new URL('postgres://db.internal:5432/rampart'),
        },
      },
    };
    for (const id of ['db.hba', 'db.listen']) {
      const outcome = await CHECKS.find((c) => c.id === id)!.run(remote);
      expect(outcome.status, id).toBe('MANUAL');
      expect(outcome.detail).toMatch(/db\.internal/);
    }
  });

  it('fails the privileges of a role that owns the tables or may create in the schema', async () => {
    const outcome = await outcomeOf('db.privileges', (w) => {
      sql(w)[ACCESS_SQL.tables] = [
        {
          table_name: 'jobs',
          owned: true,
          can_update: true,
          can_delete: true,
          can_truncate: true,
          can_trigger: true,
          can_reference: true,
          append_only: false,
        },
      ];
      sql(w)[ACCESS_SQL.create] = [{ on_schema: true, on_database: false }];
    });
    expect(outcome.status).toBe('FAIL');
    expect(outcome.detail).toMatch(/owns 1 table.*may CREATE in the schema/);
  });

  it('treats the embedded database as development: version and production fail, server settings do not apply', async () => {
    const results = new Map<string, Outcome>();
    for (const id of ['db.version', 'db.production', 'db.pool', 'db.hba', 'db.migrations']) {
      results.set(
        id,
        await outcomeOf(id, (w) => {
          w.kind = 'pglite';
        }),
      );
    }
    expect(results.get('db.version')?.status).toBe('FAIL');
    expect(results.get('db.production')?.status).toBe('FAIL');
    expect(results.get('db.pool')).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(/not applicable to the embedded/) as unknown,
    });
    expect(results.get('db.hba')?.status).toBe('WARN');
    expect(results.get('db.migrations')?.status).toBe('PASS');
  });

  it('explains a database that is not there instead of failing every database item', async () => {
    const outcome = await outcomeOf('db.migrations', (w) => {
      w.sql = undefined;
    });
    expect(outcome).toMatchObject({ status: 'WARN', detail: 'not checked: unreachable' });
  });

  it('finds the restore test in systemd’s record when there is no metrics file', async () => {
    const outcome = await outcomeOf('backup.verified', (w) => {
      w.env['BACKUP_METRICS_FILE'] = undefined;
    });
    expect(outcome).toMatchObject({
      status: 'PASS',
      detail: expect.stringMatching(/2\.0 days ago \(systemd/) as unknown,
    });
  });

  it('fails a backup whose file does not match its manifest', async () => {
    const outcome = await outcomeOf('backup.verified', (w) => {
      w.host.files[`${BACKUPS}/rampart-${STAMP}.dump.enc`] = { size: DUMP_BYTES - 1 };
    });
    expect(outcome).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/its manifest says 123456/) as unknown,
    });
  });

  it('fails a manifest that is not one', async () => {
    const outcome = await outcomeOf('backup.verified', (w) => {
      w.host.files[`${BACKUPS}/rampart-${STAMP}.manifest.json`] = manifest({ sha256: 'not-a-hash' });
    });
    expect(outcome.status).toBe('FAIL');
    expect(outcome.detail).toMatch(/not a Rampart backup manifest/);
  });

  it('fails when the last backup run failed, even with an older backup on disk', async () => {
    const outcome = await outcomeOf('backup.recent', (w) => {
      w.host.files[METRICS] = metricsText({ rampart_backup_last_status: 0 });
    });
    expect(outcome).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/last backup failed/) as unknown,
    });
  });

  it('warns about a certificate within DOCTOR_CERT_WARN_DAYS, fails an untrusted one', async () => {
    const soon = await outcomeOf('net.tls', (w) => {
      const cert = w.host.tls['anchor.example.com:443'];
      if (cert?.kind === 'certificate')
        w.host.tls['anchor.example.com:443'] = { ...cert, validTo: new Date(NOW.getTime() + 10 * DAY_MS) };
    });
    expect(soon.status).toBe('WARN');
    const untrusted = await outcomeOf('net.tls', (w) => {
      const cert = w.host.tls['anchor.example.com:443'];
      if (cert?.kind === 'certificate')
        w.host.tls['anchor.example.com:443'] = {
          ...cert,
          authorized: false,
          authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        };
    });
    expect(untrusted).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/SELF_SIGNED/) as unknown,
    });
  });

  it('fails every PUBLIC_URL check up front for plain http', async () => {
    for (const id of ['net.tls', 'net.https-redirect', 'net.headers']) {
      const outcome = await outcomeOf(id, (w) => {
        w.env['PUBLIC_URL'] = 'http://anchor.example.com';
      });
      expect(outcome.detail, id).toMatch(/not https/);
    }
  });

  it('runs npm audit when no audit data ships and DOCTOR_NPM_AUDIT allows, and warns when the registry is unreachable', async () => {
    const found = await outcomeOf('build.audit', (w) => {
      w.host.files[`${ROOT}/dist/audit.json`] = undefined;
      w.env['DOCTOR_NPM_AUDIT'] = 'true';
      w.host.commands['npm audit --omit=dev --json'] = exited(
        1,
        JSON.stringify({ metadata: { vulnerabilities: { critical: 1 } } }),
      );
    });
    expect(found).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/^npm audit: critical 1/) as unknown,
    });
    const offline = await outcomeOf('build.audit', (w) => {
      w.host.files[`${ROOT}/dist/audit.json`] = undefined;
      w.env['DOCTOR_NPM_AUDIT'] = 'true';
      w.host.commands['npm audit --omit=dev --json'] = exited(
        1,
        JSON.stringify({
          error: { code: 'ENOTFOUND', summary: 'request to https://registry.npmjs.org failed' },
        }),
      );
    });
    expect(offline).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(/could not reach the registry \(ENOTFOUND\)/) as unknown,
    });
    const off = await outcomeOf('build.audit', (w) => {
      w.host.files[`${ROOT}/dist/audit.json`] = undefined;
    });
    expect(off).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(/DOCTOR_NPM_AUDIT=false/) as unknown,
    });
  });

  it('warns about stale audit data', async () => {
    const outcome = await outcomeOf('build.audit', (w) => {
      w.host.files[`${ROOT}/dist/audit.json`] = {
        text: JSON.stringify({ metadata: { vulnerabilities: { high: 0 } } }),
        mtime: new Date(NOW.getTime() - 30 * DAY_MS),
      };
    });
    expect(outcome).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(/30 days old/) as unknown,
    });
  });

  it('accepts a dual licence with a permissive alternative', async () => {
    const outcome = await outcomeOf('build.licenses');
    expect(outcome.detail).toMatch(/\(MIT OR GPL-3\.0\)/);
    expect(outcome.status).toBe('PASS');
  });

  it('catches the testnet USDC issuer on mainnet', async () => {
    const outcome = await outcomeOf('config.network', (w) => {
      w.env['ASSET_USDC_ISSUER'] = 'GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5';
    });
    expect(outcome).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/testnet issuer/) as unknown,
    });
  });

  it('refuses a live Paystack key off mainnet', async () => {
    const outcome = await outcomeOf('config.paystack', (w) => {
      w.env['STELLAR_NETWORK'] = 'testnet';
    });
    expect(outcome).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/live Paystack key on testnet/) as unknown,
    });
  });

  it('names invalid settings in config.required', async () => {
    const outcome = await outcomeOf('config.required', (w) => {
      w.env['PORT'] = 'eighty';
    });
    expect(outcome).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/PORT must be a whole number/) as unknown,
    });
  });

  it('requires at least one anchored asset issuer', async () => {
    const outcome = await outcomeOf('config.required', (w) => {
      w.env['ASSET_NGN_ISSUER'] = undefined;
      w.env['ASSET_USDC_ISSUER'] = undefined;
    });
    expect(outcome).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/one of ASSET_NGN_ISSUER or ASSET_USDC_ISSUER/) as unknown,
    });
  });

  it('lists the replication alert when replicas exist and one is loaded', async () => {
    const outcome = await outcomeOf('db.replication', (w) => {
      sql(w)[SQL.replication] = [{ standby: false, replicas: '1' }];
      w.host.prometheus = {
        rules: [
          ...GOOD_RULES,
          { name: 'RampartReplicationLag', expr: 'rampart_db_replication_lag_seconds > 30' },
        ],
        up: 1,
      };
    });
    expect(outcome).toMatchObject({ status: 'PASS', detail: '1 replica; alert RampartReplicationLag' });
  });

  it('asks for the first sign-off of a role as MANUAL', async () => {
    const outcome = await outcomeOf('signoff.security', (w) => {
      sql(w)[SIGNOFF_SQL] = [];
    });
    expect(outcome.status).toBe('MANUAL');
    expect(outcome.fix).toMatch(/rampart doctor --sign "Security: <name>" --decision go\|no-go/);
  });

  it('fails the sign-off items when the signoffs table is missing', async () => {
    const outcome = await outcomeOf('signoff.technical', (w) => {
      sql(w)[SIGNOFF_SQL] = sqlError('42P01', 'relation "signoffs" does not exist');
    });
    expect(outcome).toMatchObject({ status: 'FAIL', fix: 'rampart migrate up' });
  });
});

function never(): never {
  throw new Error('unreachable');
}

describe('the deploy kit passes the checks that read its files', () => {
  const repository = new URL('../../', import.meta.url);
  const read = (path: string): string | undefined => {
    const file = new URL(path, repository);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  const kit = {
    serve: read('deploy/systemd/rampart.service'),
    worker: read('deploy/systemd/rampart-worker.service'),
    nginx: read('deploy/nginx/rampart.conf'),
    rules: read('deploy/monitoring/rules.yml'),
  };

  it.skipIf(kit.serve === undefined || kit.worker === undefined)(
    'systemd units: installed, non-root, hardened, restarting, journald',
    async () => {
      for (const id of [
        'service.unit',
        'service.user',
        'service.hardening',
        'service.restart',
        'service.journald',
      ]) {
        const outcome = await outcomeOf(id, (w) => {
          w.host.files['/etc/systemd/system/rampart.service'] = kit.serve;
          w.host.files['/etc/systemd/system/rampart-worker.service'] = kit.worker;
        });
        expect(outcome.status, `${id}: ${outcome.detail}`).toBe('PASS');
      }
    },
  );

  it.skipIf(kit.nginx === undefined)(
    'nginx site: proxies to Rampart on loopback with forwarded headers, keeps its access log',
    async () => {
      for (const id of ['net.reverse-proxy', 'net.access-log']) {
        const outcome = await outcomeOf(id, (w) => {
          w.host.files['/etc/nginx/sites-available/rampart'] = kit.nginx;
        });
        expect(outcome.status, `${id}: ${outcome.detail}`).toBe('PASS');
      }
    },
  );

  it.skipIf(kit.rules === undefined)('alert rules: one for every alerting item', async () => {
    const alerts = CHECKS.filter((c) => c.id.startsWith('monitoring.alert-'));
    for (const check of alerts) {
      const outcome = await outcomeOf(check.id, (w) => {
        w.env['DOCTOR_PROMETHEUS_URL'] = undefined;
        w.host.files[`${ROOT}/deploy/monitoring/rules.yml`] = kit.rules;
      });
      expect(outcome.status, `${check.id}: ${outcome.detail}`).toBe('MANUAL');
      expect(outcome.detail).toMatch(/^Rampart\w+ is defined in deploy\/monitoring\/rules\.yml$/);
    }
  });
});
