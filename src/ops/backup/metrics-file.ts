/**
 * The backup metrics, as a file for node_exporter's textfile collector. Alert rules depend on these
 * exact names. Backup and verification each update their own lines and keep the others', so one
 * file serves both; a "last success" value survives failures, which is what lets an alert tell
 * "failing since" from "never ran".
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './files.js';

export const BACKUP_METRICS = {
  rampart_backup_last_success_timestamp_seconds: 'Unix time of the last successful rampart backup.',
  rampart_backup_last_status: 'Outcome of the last rampart backup: 1 success, 0 failure.',
  rampart_backup_last_size_bytes: 'Size of the last successful backup file, in bytes.',
  rampart_backup_last_duration_seconds: 'How long the last rampart backup ran, in seconds.',
  rampart_backup_last_verify_success_timestamp_seconds:
    'Unix time of the last backup that restored and verified in a scratch database.',
  rampart_backup_last_verify_status: 'Outcome of the last rampart restore --verify: 1 success, 0 failure.',
  rampart_backup_last_verify_duration_seconds:
    'How long the last rampart restore --verify ran (decrypt, restore, checks), in seconds.',
} as const;

export type BackupMetric = keyof typeof BACKUP_METRICS;
export type MetricValues = Partial<Record<BackupMetric, number>>;

/** Mode 0644: node_exporter runs as its own user and must read it; nothing in it is secret. */
const METRICS_FILE_MODE = 0o644;

export function parseMetrics(text: string): MetricValues {
  const values: MetricValues = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+) (-?[0-9.eE+-]+)$/.exec(line.trim());
    if (m?.[1] === undefined || m[2] === undefined || !Object.hasOwn(BACKUP_METRICS, m[1])) continue;
    const value = Number(m[2]);
    if (Number.isFinite(value)) values[m[1] as BackupMetric] = value;
  }
  return values;
}

export function renderMetrics(values: MetricValues): string {
  const lines: string[] = [];
  for (const [name, help] of Object.entries(BACKUP_METRICS) as [BackupMetric, string][]) {
    const value = values[name];
    if (value === undefined) continue;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${String(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Merges `updates` into the file and rewrites it atomically (node_exporter never reads half a file).
 * Backup and verification run at different times; if two ever raced, the loser's lines would be
 * restored by its next run — acceptable for metrics, and simpler than a lock.
 */
export async function updateMetricsFile(path: string, updates: MetricValues): Promise<void> {
  let current: MetricValues = {};
  try {
    current = parseMetrics(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await writeFileAtomic(path, renderMetrics({ ...current, ...updates }), METRICS_FILE_MODE);
}
