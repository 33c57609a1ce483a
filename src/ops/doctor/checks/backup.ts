/**
 * Backup checks: the folder, the newest backup and its manifest, the metrics `rampart backup` and
 * `rampart restore --verify` leave behind, the timers, retention and the off-site copy. The names
 * and formats are the backup module's own (src/ops/backup/), imported rather than restated.
 */
import { join } from 'node:path';
import { dateOfStamp } from '../../backup/files.js';
import { parseManifest, type Manifest } from '../../backup/manifest.js';
import { parseMetrics, type MetricValues } from '../../backup/metrics-file.js';
import type { CheckContext } from '../context.js';
import { errorText, fail, needsRoot, pass, warn, type Outcome } from '../outcome.js';
import { serviceUid, octal } from './config.js';
import { plural, type Check } from './check.js';
import { unitState } from './service.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BACKUP_NAME = /^rampart-(\d{8}T\d{6}Z)\.(dump\.enc|manifest\.json)$/;
const MANIFEST_BYTES_MAX = 1024 * 1024;
/** The checklist's retention range, in days of daily backups. */
const RETENTION_DAYS_MIN = 7;
const RETENTION_DAYS_MAX = 30;

export function backupDir(context: CheckContext): string {
  return context.config.backupDir ?? join(context.config.dataDir, 'backups');
}

interface Listing {
  readonly dir: string;
  /** Stamps of complete backups (dump and manifest), oldest first. */
  readonly complete: readonly string[];
  /** Dumps without a manifest. */
  readonly orphans: readonly string[];
}

type ListingRead = { kind: 'ok'; listing: Listing } | { kind: 'outcome'; outcome: Outcome };

function listing(context: CheckContext): Promise<ListingRead> {
  return context.once('backups', async () => {
    const dir = backupDir(context);
    const read = await context.host.listDir(dir);
    if (read.kind === 'missing') {
      return {
        kind: 'outcome',
        outcome: fail(
          `${dir} does not exist: no backups`,
          'rampart backup (and enable rampart-backup.timer)',
        ),
      };
    }
    if (read.kind === 'denied')
      return { kind: 'outcome', outcome: needsRoot(dir, `${dir} holds a backup from the last day`) };
    if (read.kind === 'error')
      return { kind: 'outcome', outcome: warn(`cannot list ${dir}: ${read.message}`, 'check BACKUP_DIR') };
    const dumps = new Set<string>();
    const manifests = new Set<string>();
    for (const name of read.names) {
      const match = BACKUP_NAME.exec(name);
      if (match?.[1] === undefined) continue;
      (match[2] === 'dump.enc' ? dumps : manifests).add(match[1]);
    }
    const stamps = [...dumps].sort();
    return {
      kind: 'ok',
      listing: {
        dir,
        complete: stamps.filter((s) => manifests.has(s)),
        orphans: stamps.filter((s) => !manifests.has(s)),
      },
    };
  });
}

/** The values in BACKUP_METRICS_FILE, when it is configured and readable. */
function metrics(context: CheckContext): Promise<MetricValues | undefined> {
  return context.once('backup-metrics', async () => {
    const path = context.config.backupMetricsFile;
    if (path === undefined) return undefined;
    const read = await context.host.readFile(path, MANIFEST_BYTES_MAX);
    return read.kind === 'ok' ? parseMetrics(read.text) : undefined;
  });
}

function ageText(ms: number): string {
  return ms < 2 * DAY_MS ? `${(ms / HOUR_MS).toFixed(1)} h` : `${(ms / DAY_MS).toFixed(1)} days`;
}

const directory: Check = {
  id: 'backup.dir',
  verifies: 'BACKUP_DIR exists, is private (no group or other access) and belongs to the service user',
  async run(context) {
    const dir = backupDir(context);
    const info = await context.host.stat(dir);
    if (info.kind === 'missing')
      return fail(
        `${dir} does not exist`,
        `rampart backup creates it (mode 0700); or: install -d -m 700 -o rampart ${dir}`,
      );
    if (info.kind === 'denied') return needsRoot(dir, `${dir} is mode 0700, owner rampart`);
    if (info.kind === 'error') return warn(`cannot stat ${dir}: ${info.message}`, 'check BACKUP_DIR');
    if (!info.isDirectory) return fail(`${dir} is not a directory`, 'point BACKUP_DIR at a directory');
    const user = context.config.doctorServiceUser;
    const uid = await serviceUid(context);
    const problems: string[] = [];
    if ((info.mode & 0o077) !== 0) problems.push(`mode ${octal(info.mode)} lets others in`);
    if (info.uid !== uid && info.uid !== 0) problems.push(`owned by uid ${info.uid}, not ${user}`);
    return problems.length > 0
      ? fail(`${dir}: ${problems.join(', ')}`, `chown ${user}: ${dir} && chmod 700 ${dir}`)
      : pass(`${dir}: mode ${octal(info.mode)}, owner ${info.uid === 0 ? 'root' : user}`);
  },
};

const recent: Check = {
  id: 'backup.recent',
  verifies:
    'the newest complete backup (dump and manifest) is younger than DOCTOR_BACKUP_MAX_AGE_H and the last run did not fail',
  async run(context) {
    const read = await listing(context);
    if (read.kind === 'outcome') return read.outcome;
    const newest = read.listing.complete.at(-1);
    if (newest === undefined)
      return fail(
        `no complete backup in ${read.listing.dir}`,
        'rampart backup, then systemctl enable --now rampart-backup.timer',
      );
    const age = context.host.now().getTime() - dateOfStamp(newest).getTime();
    const maxHours = context.config.doctorBackupMaxAgeHours;
    const found = `newest rampart-${newest} is ${ageText(age)} old`;
    const last = await metrics(context);
    if (last?.rampart_backup_last_status === 0) {
      return fail(
        `the last backup failed (${found})`,
        'journalctl -u rampart-backup -n 50; docs/backup-restore.md',
      );
    }
    return age > maxHours * HOUR_MS
      ? fail(
          `${found} (limit ${maxHours} h)`,
          'systemctl status rampart-backup.timer rampart-backup; journalctl -u rampart-backup',
        )
      : pass(found);
  },
};

function manifestOrOutcome(text: string, path: string): Manifest | Outcome {
  try {
    return parseManifest(text, path);
  } catch (error) {
    return fail(errorText(error), 'take a new backup: rampart backup');
  }
}

async function newestManifest(
  context: CheckContext,
  dir: string,
  stamp: string,
): Promise<Outcome | undefined> {
  const manifestPath = join(dir, `rampart-${stamp}.manifest.json`);
  const read = await context.host.readFile(manifestPath, MANIFEST_BYTES_MAX);
  if (read.kind !== 'ok')
    return fail(`cannot read ${manifestPath}`, 'rampart backup writes it; rerun rampart backup');
  const manifest = manifestOrOutcome(read.text, manifestPath);
  if (!('file' in manifest)) return manifest;
  const dump = await context.host.stat(join(dir, manifest.file));
  if (dump.kind !== 'ok')
    return fail(`${manifest.file} is missing beside its manifest`, 'take a new backup: rampart backup');
  if (dump.sizeBytes !== manifest.size_bytes) {
    return fail(
      `${manifest.file} is ${dump.sizeBytes} bytes, its manifest says ${manifest.size_bytes}`,
      'the file is damaged: take a new backup and investigate the disk',
    );
  }
  if (manifest.ledger_imbalance.length > 0) {
    return fail(
      `the backed-up ledger does not balance (${manifest.ledger_imbalance.map((l) => l.currency).join(', ')})`,
      'investigate the ledger now (docs/runbook.md)',
    );
  }
  return undefined;
}

/** When the last restore test succeeded: the metrics file, or else systemd's record of the service. */
async function lastVerify(
  context: CheckContext,
): Promise<{ at: Date | undefined; failed: boolean; source: string }> {
  const values = await metrics(context);
  if (values !== undefined) {
    const seconds = values.rampart_backup_last_verify_success_timestamp_seconds;
    return {
      at: seconds === undefined ? undefined : new Date(seconds * 1000),
      failed: values.rampart_backup_last_verify_status === 0,
      source: 'BACKUP_METRICS_FILE',
    };
  }
  const state = await unitState(context, 'rampart-restore-verify.service');
  if (state.kind !== 'ok') return { at: undefined, failed: false, source: 'no record' };
  const exited = /^@(\d+)/.exec(state.values.get('ExecMainExitTimestamp') ?? '')?.[1];
  const result = state.values.get('Result');
  return {
    at: exited !== undefined && result === 'success' ? new Date(Number(exited) * 1000) : undefined,
    failed: result !== undefined && result !== 'success' && exited !== undefined,
    source: 'systemd (rampart-restore-verify.service)',
  };
}

const verified: Check = {
  id: 'backup.verified',
  verifies:
    'the newest backup’s manifest is valid and matches its file, and `rampart restore --verify` succeeded within DOCTOR_VERIFY_MAX_AGE_D',
  async run(context) {
    const read = await listing(context);
    if (read.kind === 'outcome') return read.outcome;
    const newest = read.listing.complete.at(-1);
    if (newest === undefined)
      return fail(
        `no complete backup in ${read.listing.dir} to verify`,
        'rampart backup, then rampart restore --verify latest',
      );
    const manifestProblem = await newestManifest(context, read.listing.dir, newest);
    if (manifestProblem !== undefined) return manifestProblem;
    const verify = await lastVerify(context);
    if (verify.failed)
      return fail(
        `the last restore test failed (${verify.source})`,
        'journalctl -u rampart-restore-verify -n 50; docs/backup-restore.md',
      );
    if (verify.at === undefined) {
      return fail(
        `manifest of rampart-${newest} is valid, but no successful restore test is recorded (${verify.source})`,
        'rampart restore --verify latest; enable rampart-restore-verify.timer; set BACKUP_METRICS_FILE',
      );
    }
    const age = context.host.now().getTime() - verify.at.getTime();
    const maxDays = context.config.doctorVerifyMaxAgeDays;
    const found = `manifest of rampart-${newest} valid; last restore test ${ageText(age)} ago (${verify.source})`;
    return age > maxDays * DAY_MS
      ? fail(
          `${found}, limit ${maxDays} days`,
          'systemctl status rampart-restore-verify.timer; rampart restore --verify latest',
        )
      : pass(found);
  },
};

function timerCheck(id: string, timer: string, what: string): Check {
  return {
    id,
    verifies: `${timer} is enabled and active (${what})`,
    async run(context) {
      const state = await unitState(context, timer);
      if (state.kind !== 'ok') return state.outcome;
      const enabled = state.values.get('UnitFileState');
      const activeState = state.values.get('ActiveState');
      if (enabled === 'enabled' && activeState === 'active') return pass(`${timer} enabled and active`);
      return fail(
        `${timer}: ${enabled || 'not installed'}, ${activeState ?? '?'}`,
        `install it from deploy/systemd/ and systemctl enable --now ${timer}`,
      );
    },
  };
}

const retention: Check = {
  id: 'backup.retention',
  verifies: `the retention policy keeps ${RETENTION_DAYS_MIN}–${RETENTION_DAYS_MAX} daily backups (BACKUP_KEEP_DAILY, plus BACKUP_KEEP_WEEKLY) and the folder holds no more than it allows`,
  async run(context) {
    const daily = context.config.backupKeepDaily;
    const weekly = context.config.backupKeepWeekly;
    const policy = `keeps ${daily} daily and ${weekly} weekly backups`;
    if (daily < RETENTION_DAYS_MIN)
      return fail(
        `${policy}: under ${RETENTION_DAYS_MIN} days`,
        `BACKUP_KEEP_DAILY=14 (${RETENTION_DAYS_MIN}–${RETENTION_DAYS_MAX})`,
      );
    const read = await listing(context);
    if (read.kind === 'outcome')
      return read.outcome.status === 'FAIL'
        ? warn(`${policy}; ${read.outcome.detail}`, read.outcome.fix)
        : read.outcome;
    const { complete, orphans } = read.listing;
    const notes: string[] = [];
    if (complete.length > daily + weekly + 1)
      notes.push(`${plural(complete.length, 'backup')} exceed the policy: retention is not pruning`);
    if (orphans.length > 0)
      notes.push(`${plural(orphans.length, 'dump')} without a manifest (interrupted runs)`);
    if (daily > RETENTION_DAYS_MAX)
      notes.push(`${daily} daily backups is more than ${RETENTION_DAYS_MAX} days`);
    const oldest = complete[0];
    const span =
      oldest === undefined
        ? ''
        : `, oldest ${ageText(context.host.now().getTime() - dateOfStamp(oldest).getTime())}`;
    return notes.length > 0
      ? warn(
          `${policy}; ${notes.join('; ')}`,
          'check the rampart backup logs; remove leftovers by hand (docs/backup-restore.md)',
        )
      : pass(`${policy}; ${plural(complete.length, 'backup')} on disk${span}`);
  },
};

const offsite: Check = {
  id: 'backup.offsite',
  verifies: 'backups are also copied off the server (BACKUP_S3_BUCKET)',
  async run({ config }) {
    if (config.backupS3Bucket === undefined) {
      return fail(
        'no off-site copy: BACKUP_S3_BUCKET is unset',
        'set BACKUP_S3_BUCKET (and credentials) so each backup is uploaded (docs/backup-restore.md)',
      );
    }
    const where = config.backupS3Endpoint === undefined ? 'AWS S3' : config.backupS3Endpoint.host;
    return pass(`uploaded to s3://${config.backupS3Bucket}/${config.backupS3Prefix ?? ''} (${where})`);
  },
};

export const backupChecks: readonly Check[] = [
  directory,
  recent,
  verified,
  timerCheck('backup.timer', 'rampart-backup.timer', 'a backup every day'),
  timerCheck('backup.verify-timer', 'rampart-restore-verify.timer', 'a restore test every week'),
  retention,
  offsite,
];
