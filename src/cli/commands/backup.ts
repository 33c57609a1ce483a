/** `rampart backup`: an encrypted backup with a manifest, retention and an optional off-site copy. */
import { parseArgs } from 'node:util';
import { runBackup } from '../../ops/backup/backup.js';
import { formatBytes, terminalProgress } from '../../ops/backup/progress.js';
import type { OperationsCommand } from '../command.js';
import { loadContext } from '../context.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';

const HELP = `Usage: rampart backup

Dumps the database (PostgreSQL with pg_dump, or the embedded database when DATABASE_URL is unset),
encrypts it with BACKUP_ENCRYPTION_KEY (AES-256-GCM) into BACKUP_DIR as
rampart-<UTC timestamp>.dump.enc with a .manifest.json, uploads both when BACKUP_S3_BUCKET is set,
then keeps the newest backup of each of the last BACKUP_KEEP_DAILY days and BACKUP_KEEP_WEEKLY
weeks. Writes BACKUP_METRICS_FILE when set. Exits 1 with one line when anything fails; a failed
backup deletes nothing. See docs/backup-restore.md.`;

export const run: OperationsCommand = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0)
    throw new UsageError('rampart backup takes no arguments; see rampart backup --help');
  const context = loadContext();
  const outcome = await runBackup({
    config: context.config,
    logger: context.logger,
    progress: terminalProgress(),
  });
  const { manifest } = outcome;
  io.stdout(
    `backup written: ${outcome.files.dump} (${formatBytes(manifest.size_bytes)}, sha256 ${manifest.sha256})`,
  );
  for (const url of outcome.uploaded) io.stdout(`copied off-site: ${url}`);
  if (outcome.expired.length > 0) io.stdout(`retention removed: ${outcome.expired.join(', ')}`);
  return EXIT_OK;
};
