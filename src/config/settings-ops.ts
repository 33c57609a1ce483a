/**
 * Settings of `rampart doctor` (src/ops/doctor/, docs/production-readiness.md), composed into the
 * one schema (src/config/schema.ts). The defaults are the deploy kit's paths, so a server set up
 * with deploy/ needs none of them.
 */
import { boolean, integer, list, text, url, type Setting } from './setting.js';

const GROUP = 'Doctor';
/** The deploy kit's paths, the defaults of the settings below. */
export const DEFAULT_ENV_FILE = '/etc/rampart/rampart.env';
export const DEFAULT_SYSTEMD_DIR = '/etc/systemd/system';

function portList(item: string): string | null {
  if (!/^\d{1,5}$/.test(item)) return `"${item}" is not a port number`;
  const port = Number(item);
  return port >= 1 && port <= 65535 ? null : `${item} is not between 1 and 65535`;
}

export const opsSettings = {
  doctorEnvFile: text({
    env: 'DOCTOR_ENV_FILE',
    group: GROUP,
    doc: "The service's environment file. `rampart doctor` checks its mode and owner, and reads the configuration from it (underneath the shell's environment) when it can, so it checks what the service runs with.",
    fallback: DEFAULT_ENV_FILE,
  }),
  doctorSystemdDir: text({
    env: 'DOCTOR_SYSTEMD_DIR',
    group: GROUP,
    doc: 'Where the systemd units `rampart.service` and `rampart-worker.service` are installed.',
    fallback: DEFAULT_SYSTEMD_DIR,
  }),
  doctorNginxSite: text({
    env: 'DOCTOR_NGINX_SITE',
    group: GROUP,
    doc: 'The nginx site of Rampart (checked for the proxy to HOST:PORT, forwarded headers and access logs).',
    fallback: '/etc/nginx/sites-available/rampart',
  }),
  doctorServiceUser: text({
    env: 'DOCTOR_SERVICE_USER',
    group: GROUP,
    doc: 'The system user the service runs as; it owns the environment file and the backups.',
    fallback: 'rampart',
    pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
    patternDoc: 'a user name (lower case letters, digits, _ and -)',
  }),
  doctorPublicPorts: list({
    env: 'DOCTOR_PUBLIC_PORTS',
    group: GROUP,
    doc: 'TCP ports allowed to listen on a non-loopback address (comma-separated). Anything else listening publicly fails the check.',
    fallback: ['22', '80', '443'],
    item: portList,
  }),
  doctorDatabaseProcesses: integer({
    env: 'DOCTOR_DATABASE_PROCESSES',
    group: GROUP,
    doc: 'Rampart processes sharing the database (serve and worker: 2). DATABASE_POOL_MAX times this must fit under max_connections.',
    fallback: 2,
    min: 1,
    max: 64,
  }),
  doctorCheckTimeoutMs: integer({
    env: 'DOCTOR_CHECK_TIMEOUT_MS',
    group: GROUP,
    doc: 'Longest one check may take (a command, a connection, a request); a check past it is reported as WARN.',
    fallback: 10_000,
    min: 500,
    max: 120_000,
  }),
  doctorCertWarnDays: integer({
    env: 'DOCTOR_CERT_WARN_DAYS',
    group: GROUP,
    doc: 'The TLS certificate at PUBLIC_URL warns when it expires within this many days (certbot renews at 30) and fails within 7.',
    fallback: 14,
    min: 7,
    max: 90,
  }),
  doctorBackupMaxAgeHours: integer({
    env: 'DOCTOR_BACKUP_MAX_AGE_H',
    group: GROUP,
    doc: 'The newest backup must be younger than this (a daily timer plus slack).',
    fallback: 26,
    min: 1,
    max: 24 * 31,
  }),
  doctorVerifyMaxAgeDays: integer({
    env: 'DOCTOR_VERIFY_MAX_AGE_D',
    group: GROUP,
    doc: 'The last successful `rampart restore --verify` must be younger than this (a weekly timer plus slack).',
    fallback: 8,
    min: 1,
    max: 92,
  }),
  doctorDiskFreeMinPercent: integer({
    env: 'DOCTOR_DISK_FREE_MIN_PERCENT',
    group: GROUP,
    doc: 'Free space required on the file systems of the data and backup folders; below it warns, below two thirds of it fails.',
    fallback: 15,
    min: 1,
    max: 90,
  }),
  doctorMemoryAvailableMinPercent: integer({
    env: 'DOCTOR_MEMORY_AVAILABLE_MIN_PERCENT',
    group: GROUP,
    doc: 'Available memory required (MemAvailable of MemTotal); below it warns, below half of it fails.',
    fallback: 10,
    min: 1,
    max: 90,
  }),
  doctorPrometheusUrl: url({
    env: 'DOCTOR_PROMETHEUS_URL',
    group: GROUP,
    doc: 'Prometheus that scrapes Rampart (e.g. `http://127.0.0.1:9090`). When set, the doctor checks that the alert rules are loaded, the scrape is up, and reads p99 latency and error rate; when unset those items are MANUAL.',
    protocols: ['http:', 'https:'],
  }),
  doctorNpmAudit: boolean({
    env: 'DOCTOR_NPM_AUDIT',
    group: GROUP,
    doc: 'When no audit report ships with the build (`dist/audit.json`), run `npm audit --omit=dev` (needs the npm registry). `false` keeps the doctor off the network.',
    fallback: true,
  }),
} satisfies Record<string, Setting<unknown>>;
