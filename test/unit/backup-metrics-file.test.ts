import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMetrics, renderMetrics, updateMetricsFile } from '../../src/ops/backup/metrics-file.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-backup-metrics-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('backup metrics file', () => {
  it('renders the exact metric names alert rules use, each with HELP and TYPE gauge', () => {
    const text = renderMetrics({
      rampart_backup_last_success_timestamp_seconds: 1_700_000_000,
      rampart_backup_last_status: 1,
      rampart_backup_last_size_bytes: 51_027,
      rampart_backup_last_duration_seconds: 1.25,
    });
    expect(text).toBe(
      [
        '# HELP rampart_backup_last_success_timestamp_seconds Unix time of the last successful rampart backup.',
        '# TYPE rampart_backup_last_success_timestamp_seconds gauge',
        'rampart_backup_last_success_timestamp_seconds 1700000000',
        '# HELP rampart_backup_last_status Outcome of the last rampart backup: 1 success, 0 failure.',
        '# TYPE rampart_backup_last_status gauge',
        'rampart_backup_last_status 1',
        '# HELP rampart_backup_last_size_bytes Size of the last successful backup file, in bytes.',
        '# TYPE rampart_backup_last_size_bytes gauge',
        'rampart_backup_last_size_bytes 51027',
        '# HELP rampart_backup_last_duration_seconds How long the last rampart backup ran, in seconds.',
        '# TYPE rampart_backup_last_duration_seconds gauge',
        'rampart_backup_last_duration_seconds 1.25',
        '',
      ].join('\n'),
    );
    expect(parseMetrics(text)).toEqual({
      rampart_backup_last_success_timestamp_seconds: 1_700_000_000,
      rampart_backup_last_status: 1,
      rampart_backup_last_size_bytes: 51_027,
      rampart_backup_last_duration_seconds: 1.25,
    });
  });

  it('keeps the other lines when one run updates its own, and a failure keeps the last success time', async () => {
    const file = join(dir, 'keep.prom');
    await updateMetricsFile(file, {
      rampart_backup_last_success_timestamp_seconds: 100,
      rampart_backup_last_status: 1,
      rampart_backup_last_size_bytes: 10,
      rampart_backup_last_duration_seconds: 2,
    });
    await updateMetricsFile(file, {
      rampart_backup_last_verify_success_timestamp_seconds: 200,
      rampart_backup_last_verify_status: 1,
    });
    await updateMetricsFile(file, { rampart_backup_last_status: 0, rampart_backup_last_duration_seconds: 3 });
    expect(parseMetrics(await readFile(file, 'utf8'))).toEqual({
      rampart_backup_last_success_timestamp_seconds: 100,
      rampart_backup_last_status: 0,
      rampart_backup_last_size_bytes: 10,
      rampart_backup_last_duration_seconds: 3,
      rampart_backup_last_verify_success_timestamp_seconds: 200,
      rampart_backup_last_verify_status: 1,
    });
  });

  it('replaces the file atomically, readable by node_exporter (0644), leaving no temporary file', async () => {
    const file = join(dir, 'atomic.prom');
    await writeFile(file, 'garbage that is not a metric\nrampart_backup_last_status 1\nother_metric 5\n');
    await updateMetricsFile(file, { rampart_backup_last_verify_status: 0 });
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('garbage');
    expect(text).not.toContain('other_metric');
    expect(parseMetrics(text)).toEqual({
      rampart_backup_last_status: 1,
      rampart_backup_last_verify_status: 0,
    });
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('fails loudly when the folder does not exist', async () => {
    await expect(
      updateMetricsFile(join(dir, 'missing', 'x.prom'), { rampart_backup_last_status: 1 }),
    ).rejects.toThrow(/ENOENT/);
  });
});
