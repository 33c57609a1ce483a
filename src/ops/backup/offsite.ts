/**
 * The off-site copy: the encrypted backup and its manifest, uploaded to an S3-compatible bucket with
 * the maintained AWS SDK. Only ciphertext leaves the server. Rampart uploads and never deletes:
 * expiry belongs to a bucket lifecycle rule, so credentials on the server can be put-only and a
 * compromised server cannot wipe its off-site history.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config/schema.js';
import { BackupError } from './errors.js';

/** Files up to this size go in one PUT (from memory); larger ones in parts of PART_BYTES. */
export const SINGLE_PUT_BYTES_MAX = 64 * 1024 * 1024;
export const PART_BYTES = 16 * 1024 * 1024;
/** S3 allows 10,000 parts: 16 MiB parts cover 156 GiB, beyond the 64 GiB one backup file can hold. */
const PARTS_MAX = 10_000;
const ATTEMPTS_MAX = 3;

export interface OffsiteSettings {
  readonly bucket: string;
  readonly endpoint: URL | undefined;
  readonly region: string;
  readonly prefix: string;
  readonly timeoutMs: number;
}

/** The off-site settings, undefined when no bucket is set; half a configuration is refused. */
export function offsiteSettingsOf(config: Config): OffsiteSettings | undefined {
  if (config.backupS3Bucket === undefined) {
    const stray = config.backupS3Endpoint === undefined ? config.backupS3Prefix : config.backupS3Endpoint;
    if (stray !== undefined)
      throw new BackupError('BACKUP_S3_ENDPOINT or BACKUP_S3_PREFIX is set but BACKUP_S3_BUCKET is not');
    return undefined;
  }
  return {
    bucket: config.backupS3Bucket,
    endpoint: config.backupS3Endpoint,
    region: config.backupS3Region,
    prefix: config.backupS3Prefix ?? '',
    timeoutMs: config.backupS3TimeoutMs,
  };
}

type S3Module = typeof import('@aws-sdk/client-s3');

/** Loads the SDK only when an off-site copy is configured, and says so when it is not installed. */
export async function loadS3(): Promise<S3Module> {
  try {
    return await import('@aws-sdk/client-s3');
  } catch {
    throw new BackupError(
      'BACKUP_S3_BUCKET is set but @aws-sdk/client-s3 is not installed: run npm install @aws-sdk/client-s3, or unset BACKUP_S3_*',
    );
  }
}

export interface Upload {
  readonly path: string;
  readonly contentType: string;
  readonly sha256: string | undefined;
}

export interface UploadLimits {
  readonly singlePutBytesMax: number;
  readonly partBytes: number;
}

function clientOf(s3: S3Module, settings: OffsiteSettings): S3Client {
  return new s3.S3Client({
    region: settings.region,
    ...(settings.endpoint === undefined
      ? {}
      : { endpoint: settings.endpoint.toString(), forcePathStyle: true }),
    maxAttempts: ATTEMPTS_MAX,
    // S3-compatible services do not all accept the SDK's newer default checksums; ask only when required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function failure(settings: OffsiteSettings, key: string, error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new BackupError(`off-site copy to s3://${settings.bucket}/${key} failed: ${detail}`);
}

async function putMultipart(
  s3: S3Module,
  client: S3Client,
  settings: OffsiteSettings,
  upload: Upload & { key: string; sizeBytes: number },
  partBytes: number,
): Promise<void> {
  const parts = Math.ceil(upload.sizeBytes / partBytes);
  if (parts > PARTS_MAX) throw new BackupError(`${upload.path} needs more than ${PARTS_MAX} upload parts`);
  const signal = (): AbortSignal => AbortSignal.timeout(settings.timeoutMs);
  const created = await client.send(
    new s3.CreateMultipartUploadCommand({
      Bucket: settings.bucket,
      Key: upload.key,
      ContentType: upload.contentType,
      ...(upload.sha256 === undefined ? {} : { Metadata: { sha256: upload.sha256 } }),
    }),
    { abortSignal: signal() },
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined)
    throw new BackupError(`s3://${settings.bucket}/${upload.key}: no upload id returned`);
  const file = await open(upload.path, 'r');
  try {
    const completed: { ETag: string; PartNumber: number }[] = [];
    const buffer = Buffer.alloc(Math.min(partBytes, upload.sizeBytes));
    for (let part = 1; part <= parts; part += 1) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, (part - 1) * partBytes);
      const sent = await client.send(
        new s3.UploadPartCommand({
          Bucket: settings.bucket,
          Key: upload.key,
          UploadId: uploadId,
          PartNumber: part,
          Body: buffer.subarray(0, bytesRead),
          ContentLength: bytesRead,
        }),
        { abortSignal: signal() },
      );
      if (sent.ETag === undefined) throw new BackupError(`part ${part} of ${upload.key}: no ETag returned`);
      completed.push({ ETag: sent.ETag, PartNumber: part });
    }
    await client.send(
      new s3.CompleteMultipartUploadCommand({
        Bucket: settings.bucket,
        Key: upload.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed },
      }),
      { abortSignal: signal() },
    );
  } catch (error) {
    // Parts of an abandoned upload are billed until aborted; the abort is best effort.
    await client
      .send(
        new s3.AbortMultipartUploadCommand({ Bucket: settings.bucket, Key: upload.key, UploadId: uploadId }),
        {
          abortSignal: signal(),
        },
      )
      .catch(() => undefined);
    throw error;
  } finally {
    await file.close();
  }
}

/** One PUT from memory (at most SINGLE_PUT_BYTES_MAX): a buffer, unlike a stream, can be retried. */
async function putSingle(
  s3: S3Module,
  client: S3Client,
  settings: OffsiteSettings,
  upload: Upload & { key: string },
): Promise<void> {
  const body = await readFile(upload.path);
  await client.send(
    new s3.PutObjectCommand({
      Bucket: settings.bucket,
      Key: upload.key,
      Body: body,
      ContentLength: body.length,
      ContentType: upload.contentType,
      ...(upload.sha256 === undefined ? {} : { Metadata: { sha256: upload.sha256 } }),
    }),
    { abortSignal: AbortSignal.timeout(settings.timeoutMs) },
  );
}

/** Uploads each file under the prefix, in order (the manifest last); returns the s3:// URLs. */
export async function uploadOffsite(
  settings: OffsiteSettings,
  uploads: readonly Upload[],
  limits: UploadLimits = { singlePutBytesMax: SINGLE_PUT_BYTES_MAX, partBytes: PART_BYTES },
): Promise<string[]> {
  const s3 = await loadS3();
  const client = clientOf(s3, settings);
  const done: string[] = [];
  try {
    for (const upload of uploads) {
      const key = `${settings.prefix}${basename(upload.path)}`;
      try {
        const sizeBytes = (await stat(upload.path)).size;
        const sized = { ...upload, key, sizeBytes };
        if (sizeBytes <= limits.singlePutBytesMax) await putSingle(s3, client, settings, sized);
        else await putMultipart(s3, client, settings, sized, limits.partBytes);
      } catch (error) {
        throw failure(settings, key, error);
      }
      done.push(`s3://${settings.bucket}/${key}`);
    }
    return done;
  } finally {
    client.destroy();
  }
}
