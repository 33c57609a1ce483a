import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { BackupError } from '../../src/ops/backup/errors.js';
import { offsiteSettingsOf, uploadOffsite, type OffsiteSettings } from '../../src/ops/backup/offsite.js';
import { startS3Double, type S3Double } from './backup-support.js';

const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('off-site copy to S3-compatible storage', () => {
  let s3: S3Double;
  const dir = mkdtempSync(join(tmpdir(), 'rampart-offsite-'));
  const saved: Record<string, string | undefined> = {};
  const settings = (): OffsiteSettings => ({
    bucket: 'backups',
    endpoint: new URL(s3.endpoint),
    region: 'us-east-1',
    prefix: 'rampart/prod/',
    timeoutMs: 10_000,
  });

  beforeAll(async () => {
    s3 = await startS3Double();
    for (const [name, value] of Object.entries(CREDENTIALS)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a small file in one signed PUT under the prefix, with its SHA-256 as metadata', async () => {
    const path = join(dir, 'rampart-20250101T020000Z.dump.enc');
    const content = randomBytes(10_000);
    writeFileSync(path, content);
    const urls = await uploadOffsite(settings(), [
      { path, contentType: 'application/octet-stream', sha256: 'a'.repeat(64) },
    ]);
    expect(urls).toEqual(['s3://backups/rampart/prod/rampart-20250101T020000Z.dump.enc']);
    const stored = s3.objects.get('backups/rampart/prod/rampart-20250101T020000Z.dump.enc');
    expect(stored?.body.equals(content)).toBe(true);
    expect(stored?.metadata['sha256']).toBe('a'.repeat(64));
    expect(stored?.contentType).toBe('application/octet-stream');
  });

  it('uploads a large file in parts and completes the multipart upload in order', async () => {
    const path = join(dir, 'rampart-20250102T020000Z.dump.enc');
    const content = randomBytes(2_500_000);
    writeFileSync(path, content);
    s3.requests.length = 0;
    await uploadOffsite(settings(), [{ path, contentType: 'application/octet-stream', sha256: undefined }], {
      singlePutBytesMax: 1_000_000,
      partBytes: 1_000_000,
    });
    expect(
      s3.objects.get('backups/rampart/prod/rampart-20250102T020000Z.dump.enc')?.body.equals(content),
    ).toBe(true);
    expect(s3.requests.filter((r) => r.includes('partNumber='))).toHaveLength(3);
  });

  it('fails with one line naming the object when the service keeps failing', async () => {
    const path = join(dir, 'rampart-20250103T020000Z.manifest.json');
    writeFileSync(path, '{}');
    s3.failing = true;
    try {
      const error = await uploadOffsite(settings(), [
        { path, contentType: 'application/json', sha256: undefined },
      ]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackupError);
      const message = (error as Error).message;
      expect(message).toMatch(
        /^off-site copy to s3:\/\/backups\/rampart\/prod\/rampart-20250103T020000Z\.manifest\.json failed: /,
      );
      expect(message).not.toContain('\n');
      expect(message).not.toContain(CREDENTIALS.AWS_SECRET_ACCESS_KEY);
    } finally {
      s3.failing = false;
    }
  });

  it('reads its settings, and refuses an endpoint or prefix without a bucket', () => {
    const config = (env: Record<string, string>) => {
      const result = loadConfig(env);
      if (!result.ok) throw new Error(result.problems.join('; '));
      return result.config;
    };
    expect(offsiteSettingsOf(config({}))).toBeUndefined();
    expect(offsiteSettingsOf(config({ BACKUP_S3_BUCKET: 'b-1', BACKUP_S3_PREFIX: 'x/' }))).toEqual({
      bucket: 'b-1',
      endpoint: undefined,
      region: 'us-east-1',
      prefix: 'x/',
      timeoutMs: 900_000,
    });
    expect(() => offsiteSettingsOf(config({ BACKUP_S3_ENDPOINT: 'https://s3.example' }))).toThrow(
      /BACKUP_S3_BUCKET is not/,
    );
    expect(loadConfig({ BACKUP_S3_BUCKET: 'Bad_Bucket' }).ok).toBe(false);
  });
});
