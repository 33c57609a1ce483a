/** `rampart restore <file|latest>` and `rampart restore --verify <file|latest>`. */
import { parseArgs } from 'node:util';
import { redactUrl } from '../../config/setting.js';
import { JOBS_MAX, runRestore, runVerify } from '../../ops/backup/restore.js';
import { terminalProgress } from '../../ops/backup/progress.js';
import type { OperationsCommand } from '../command.js';
import { loadContext } from '../context.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';

const HELP = `Usage: rampart restore <file|latest> [--target URL] [--force] [--jobs N]
       rampart restore <file|latest> --data-dir DIR [--force]      (embedded-database backups)
       rampart restore --verify <file|latest> [--target URL]

<file> is a rampart-<timestamp>.dump.enc (its .manifest.json must sit beside it); latest is the
newest complete backup in BACKUP_DIR. Every restore first checks the file against its manifest
(size, SHA-256), then decrypts and authenticates it; nothing reaches a database before that.

  --target URL   PostgreSQL database to restore into (default DATABASE_URL). With --verify: the
                 server to create the scratch database on (default BACKUP_DATABASE_URL, then
                 DATABASE_URL); the role needs CREATEDB.
  --force        restore over a database that already has tables (pg_restore --clean --if-exists);
                 an embedded database is moved aside, never deleted.
  --jobs N       parallel pg_restore jobs (1–${JOBS_MAX}); 1, the default, restores in one transaction
                 so a failure leaves the target untouched.
  --data-dir DIR data directory for an embedded-database backup (default RAMPART_DATA_DIR).
  --verify       restore into a scratch database (rampart_verify_…), compare row counts, ledger
                 balance and schema version with the manifest, drop it; exit 0 when all match.
See docs/backup-restore.md.`;

function parseTarget(raw: string | undefined): URL | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--target must be a postgres:// URL, got "${redactUrl(raw)}"`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new UsageError(`--target must be a postgres:// URL, got ${url.protocol}`);
  return url;
}

function parseJobs(raw: string | undefined): number {
  if (raw === undefined) return 1;
  if (!/^\d{1,2}$/.test(raw) || Number(raw) < 1 || Number(raw) > JOBS_MAX)
    throw new UsageError(`--jobs must be between 1 and ${JOBS_MAX}`);
  return Number(raw);
}

export const run: OperationsCommand = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      verify: { type: 'boolean', default: false },
      target: { type: 'string' },
      'data-dir': { type: 'string' },
      force: { type: 'boolean', default: false },
      jobs: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  const [source, ...extra] = positionals;
  if (source === undefined || extra.length > 0)
    throw new UsageError(
      'rampart restore needs one backup: a .dump.enc file or latest; see rampart restore --help',
    );
  if (values.verify && (values.force || values['data-dir'] !== undefined))
    throw new UsageError(
      '--force and --data-dir do not apply to --verify, which never touches a live database',
    );
  const request = {
    source,
    target: parseTarget(values.target),
    dataDir: values['data-dir'],
    force: values.force,
    jobs: parseJobs(values.jobs),
  };
  const context = loadContext();
  const run = {
    config: context.config,
    logger: context.logger,
    progress: terminalProgress(),
    stdout: io.stdout,
  };
  if (!values.verify) {
    await runRestore(run, request);
    return EXIT_OK;
  }
  const outcome = await runVerify(run, request);
  io.stdout(
    `verified ${outcome.manifest.file} (taken ${outcome.manifest.created_at}) in ${outcome.scratch}: checksums, row counts, ledger balance and schema version ${outcome.facts.schemaVersion.latest ?? 'none'} match, in ${outcome.durationSeconds} s`,
  );
  return EXIT_OK;
};
