/**
 * Settings of `rampart backup` and `rampart restore` (docs/backup-restore.md), composed into the
 * one schema (src/config/schema.ts).
 */
import { backupKeyProblem } from '../ops/backup/key.js';
import { integer, list, text, url, type Setting } from './setting.js';

const GROUP = 'Backups';
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** A secret key setting, checked when the configuration loads; the error never shows the value. */
function keySetting(env: string, doc: string): Setting<string, true> {
  return {
    env,
    optional: true,
    group: GROUP,
    doc,
    secret: true,
    fallback: undefined,
    fallbackDoc: '(unset)',
    parse: (raw) => {
      const problem = backupKeyProblem(raw);
      return problem === null ? { ok: true, value: raw } : { ok: false, error: problem };
    },
  };
}

export const backupSettings = {
  backupDir: text({
    env: 'BACKUP_DIR',
    group: GROUP,
    doc: 'Where `rampart backup` writes encrypted backups and their manifests (created with mode 0700). Restores also decrypt into a private temporary folder here, so leave room for one more dump.',
    fallbackDoc: '`<RAMPART_DATA_DIR>/backups`',
  }),
  backupEncryptionKey: keySetting(
    'BACKUP_ENCRYPTION_KEY',
    'Key that encrypts backups (AES-256-GCM): 32 random bytes as base64 (`openssl rand -base64 32`) or hex. Required by `rampart backup`; keep a copy off the server, or the backups cannot be read.',
  ),
  backupDecryptionKeys: list({
    env: 'BACKUP_DECRYPTION_KEYS',
    group: GROUP,
    doc: 'Earlier backup keys (comma-separated, same format), used only to read backups made before a key rotation. A backup names the key it needs by its key id.',
    secret: true,
    item: (item) => {
      const problem = backupKeyProblem(item);
      return problem === null ? null : `each key ${problem}`;
    },
  }),
  backupDatabaseUrl: url({
    env: 'BACKUP_DATABASE_URL',
    group: GROUP,
    doc: 'PostgreSQL URL that `rampart backup` dumps through and `rampart restore --verify` creates its scratch database through. Unset: DATABASE_URL. Use a role that can read every table and sequence (e.g. the migration role, or one granted `pg_read_all_data`) and, for verification, has CREATEDB.',
    secret: true,
    protocols: ['postgres:', 'postgresql:'],
  }),
  backupKeepDaily: integer({
    env: 'BACKUP_KEEP_DAILY',
    group: GROUP,
    doc: 'Retention: keep the newest backup of each of this many most recent days that have one.',
    fallback: 14,
    min: 1,
    max: 3660,
  }),
  backupKeepWeekly: integer({
    env: 'BACKUP_KEEP_WEEKLY',
    group: GROUP,
    doc: 'Retention: also keep the newest backup of each of this many most recent ISO weeks that have one.',
    fallback: 8,
    min: 0,
    max: 520,
  }),
  backupCompression: integer({
    env: 'BACKUP_COMPRESSION',
    group: GROUP,
    doc: 'pg_dump compression level (0 none … 9 smallest). Compression happens before encryption: encrypted data does not compress.',
    fallback: 6,
    min: 0,
    max: 9,
  }),
  backupTimeoutMs: integer({
    env: 'BACKUP_TIMEOUT_MS',
    group: GROUP,
    doc: 'Longest a pg_dump or pg_restore run may take before it is stopped and the backup or restore fails.',
    fallback: 2 * HOUR_MS,
    min: 10_000,
    max: 48 * HOUR_MS,
  }),
  backupPgBinDir: text({
    env: 'BACKUP_PG_BIN_DIR',
    group: GROUP,
    doc: 'Folder holding the pg_dump and pg_restore to use (e.g. `/usr/lib/postgresql/16/bin`); they must be at least the server’s major version. Unset: found on PATH.',
  }),
  backupMetricsFile: text({
    env: 'BACKUP_METRICS_FILE',
    group: GROUP,
    doc: "A `.prom` file for node_exporter's textfile collector (e.g. `/var/lib/prometheus/node-exporter/rampart_backup.prom`), rewritten atomically after every backup and verification.",
    pattern: /\.prom$/,
    patternDoc: 'a path ending in .prom',
  }),
  backupS3Bucket: text({
    env: 'BACKUP_S3_BUCKET',
    group: GROUP,
    doc: 'When set, every backup and its manifest are also uploaded to this S3 bucket (off-site copy). Credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or a profile/role). Rampart never deletes uploaded copies: expire them with a bucket lifecycle rule.',
    pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    patternDoc: 'an S3 bucket name (3–63 characters of a-z, 0-9, dot and dash)',
  }),
  backupS3Endpoint: url({
    env: 'BACKUP_S3_ENDPOINT',
    group: GROUP,
    doc: 'Endpoint of an S3-compatible service (MinIO, Backblaze B2, Cloudflare R2, Wasabi, …); path-style addressing is used when set. Unset: AWS S3.',
    protocols: ['https:', 'http:'],
  }),
  backupS3Region: text({
    env: 'BACKUP_S3_REGION',
    group: GROUP,
    doc: 'Region of the bucket (S3-compatible services often accept any value).',
    fallback: 'us-east-1',
    pattern: /^[a-z0-9-]{1,32}$/,
    patternDoc: 'a region name such as eu-west-1',
  }),
  backupS3Prefix: text({
    env: 'BACKUP_S3_PREFIX',
    group: GROUP,
    doc: 'Key prefix of uploaded objects, e.g. `rampart/production/`.',
    pattern: /^[A-Za-z0-9!_.*'()/-]{1,200}$/,
    patternDoc: "up to 200 characters of letters, digits and !_.*'()/-",
  }),
  backupS3TimeoutMs: integer({
    env: 'BACKUP_S3_TIMEOUT_MS',
    group: GROUP,
    doc: 'Longest one upload to S3 (a file, or one part of a large file) may take.',
    fallback: 15 * MINUTE_MS,
    min: 5000,
    max: 6 * HOUR_MS,
  }),
} satisfies Record<string, Setting<unknown>>;
