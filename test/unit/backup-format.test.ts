import { createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BackupError, BackupIntegrityError } from '../../src/ops/backup/errors.js';
import {
  decodeHeader,
  decryptTo,
  encodeHeader,
  encryptingStage,
  HEADER_BYTES,
  MAGIC,
  sha256OfFile,
  TAG_BYTES,
  type ContentKind,
} from '../../src/ops/backup/format.js';
import { createPrivateFile, writeAll } from '../../src/ops/backup/files.js';
import { BackupKeyring, backupKeyProblem, keyIdOf, parseBackupKey } from '../../src/ops/backup/key.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-backup-format-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const newKey = () => parseBackupKey(randomBytes(32).toString('base64'));
let counter = 0;
const path = (label: string) => join(dir, `${label}-${(counter += 1)}`);

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function encryptToFile(plaintext: Buffer, key = newKey(), content: ContentKind = 'pg_dump') {
  const file = path('enc');
  const stage = encryptingStage(key, content);
  const handle = await createPrivateFile(file);
  await writeAll(handle, stage.stage(chunked(plaintext, 7_919)));
  await handle.close();
  return { file, key, result: stage.result() };
}

async function decryptFile(file: string, keyring: BackupKeyring) {
  const out = path('dec');
  const source = await open(file, 'r');
  const destination = await createPrivateFile(out);
  try {
    const size = (await stat(file)).size;
    const result = await decryptTo(source, size, keyring, destination);
    return { ...result, bytes: await readFile(out) };
  } finally {
    await source.close();
    await destination.close();
  }
}

async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0x01;
  await writeFile(file, bytes);
}

describe('backup keys', () => {
  it('accepts 32 bytes as base64 or hex and gives both forms of one key the same id', () => {
    const bytes = randomBytes(32);
    expect(backupKeyProblem(bytes.toString('base64'))).toBeNull();
    expect(backupKeyProblem(bytes.toString('hex'))).toBeNull();
    expect(parseBackupKey(bytes.toString('base64')).id).toBe(parseBackupKey(bytes.toString('hex')).id);
    expect(keyIdOf(bytes)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(randomBytes(32))).not.toBe(keyIdOf(bytes));
  });

  it('refuses short, long and malformed keys without echoing them', () => {
    for (const raw of [
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(31).toString('hex'),
      'correct horse battery staple',
      `${randomBytes(32).toString('hex').slice(0, 63)}z`,
    ]) {
      const problem = backupKeyProblem(raw);
      expect(problem, raw).not.toBeNull();
      expect(problem).not.toContain(raw);
    }
  });
});

describe('backup file format', () => {
  it('round-trips any content, in any chunking, with matching digests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 40_000 }), async (data) => {
        const plaintext = Buffer.from(data);
        const { file, key, result } = await encryptToFile(plaintext);
        const size = (await stat(file)).size;
        expect(size).toBe(HEADER_BYTES + plaintext.length + TAG_BYTES);
        expect(result.encrypted.bytes).toBe(size);
        const handle = await open(file, 'r');
        expect(await sha256OfFile(handle, size)).toBe(result.encrypted.sha256);
        await handle.close();
        const decrypted = await decryptFile(file, new BackupKeyring(key, []));
        expect(decrypted.bytes.equals(plaintext)).toBe(true);
        expect(decrypted.plaintext.sha256).toBe(result.plaintext.sha256);
      }),
      { numRuns: 25 },
    );
  });

  it('lays out the documented header: magic, version, cipher, content, key id, nonce', async () => {
    const { file, key } = await encryptToFile(Buffer.from('PGDMP…'), newKey(), 'pglite');
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 8).equals(MAGIC)).toBe(true);
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('RAMPARTB');
    expect([bytes[8], bytes[9], bytes[10], bytes[11]]).toEqual([1, 1, 2, 0]);
    expect(bytes.subarray(12, 20).toString('hex')).toBe(key.id);
    const header = decodeHeader(bytes.subarray(0, HEADER_BYTES));
    expect(header).toMatchObject({ version: 1, content: 'pglite', keyId: key.id });
    expect(encodeHeader(header).equals(bytes.subarray(0, HEADER_BYTES))).toBe(true);
    // Decryptable with nothing but the documented layout and node:crypto.
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, bytes.subarray(20, 32));
    decipher.setAAD(bytes.subarray(0, HEADER_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(HEADER_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    expect(plain.toString()).toBe('PGDMP…');
  });

  it('uses a fresh nonce for every file, so equal content never encrypts equally', async () => {
    const key = newKey();
    const a = await readFile((await encryptToFile(Buffer.from('same'), key)).file);
    const b = await readFile((await encryptToFile(Buffer.from('same'), key)).file);
    expect(a.subarray(20, 32).equals(b.subarray(20, 32))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it.each([
    ['the ciphertext', HEADER_BYTES + 10],
    ['the tag', -3],
    ['the nonce', 25],
    ['the reserved header byte', 11],
  ])('fails authentication when %s is modified', async (_what, offset) => {
    const plaintext = randomBytes(5000);
    const { file, key } = await encryptToFile(plaintext);
    const size = (await stat(file)).size;
    await flipByte(file, offset < 0 ? size + offset : offset);
    await expect(decryptFile(file, new BackupKeyring(key, []))).rejects.toThrow(BackupIntegrityError);
  });

  it('refuses a changed content kind, a wrong magic and an unknown version before decrypting', async () => {
    const { file, key } = await encryptToFile(randomBytes(100));
    const keyring = new BackupKeyring(key, []);
    const copy = async (offset: number, value: number) => {
      const bytes = await readFile(file);
      bytes[offset] = value;
      const other = path('mod');
      await writeFile(other, bytes);
      return other;
    };
    await expect(decryptFile(await copy(10, 2), keyring)).rejects.toThrow(/authentication/);
    await expect(decryptFile(await copy(0, 0x41), keyring)).rejects.toThrow(/not a Rampart backup/);
    await expect(decryptFile(await copy(8, 9), keyring)).rejects.toThrow(/format version 9 is not supported/);
  });

  it('refuses a truncated file', async () => {
    const { file, key } = await encryptToFile(randomBytes(3000));
    const bytes = await readFile(file);
    const short = path('short');
    await writeFile(short, bytes.subarray(0, bytes.length - 100));
    await expect(decryptFile(short, new BackupKeyring(key, []))).rejects.toThrow(BackupIntegrityError);
    await writeFile(short, bytes.subarray(0, 20));
    await expect(decryptFile(short, new BackupKeyring(key, []))).rejects.toThrow(/truncated/);
  });

  it('names the key it needs when the keyring lacks it, in one line', async () => {
    const { file, key } = await encryptToFile(randomBytes(100));
    const other = newKey();
    const error = await decryptFile(file, new BackupKeyring(other, [])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    const message = (error as Error).message;
    expect(message).toContain(key.id);
    expect(message).toContain(other.id);
    expect(message).not.toContain('\n');
  });

  it('decrypts an old backup with a previous key after a rotation', async () => {
    const old = newKey();
    const { file } = await encryptToFile(Buffer.from('before rotation'), old);
    const decrypted = await decryptFile(file, new BackupKeyring(newKey(), [old]));
    expect(decrypted.bytes.toString()).toBe('before rotation');
  });

  it('writes private files (0600)', async () => {
    const { file } = await encryptToFile(Buffer.from('x'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
