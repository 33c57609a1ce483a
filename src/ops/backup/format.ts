/**
 * The encrypted backup file (docs/backup-restore.md, "File format"). Designed to be written and read
 * as a stream, in one pass, without knowing the length in advance:
 *
 *   offset  size  field
 *        0     8  magic "RAMPARTB"
 *        8     1  format version (1)
 *        9     1  cipher (1 = AES-256-GCM)
 *       10     1  content (1 = pg_dump custom archive, 2 = PGlite data directory tarball)
 *       11     1  reserved, 0
 *       12     8  key id (fingerprint of the key, see key.ts)
 *       20    12  nonce (random for every file)
 *       32     n  ciphertext (n = plaintext length)
 *   32 + n    16  GCM authentication tag
 *
 * The 32 header bytes are GCM's additional authenticated data: changing any of them (say, the
 * content kind) fails authentication just like changing the ciphertext does. Nothing decrypted may
 * be used before `final()` has verified the tag, so readers decrypt into a private file first.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { BackupError, BackupIntegrityError } from './errors.js';
import { writeAll } from './files.js';
import { KEY_ID_BYTES, type BackupKey, type BackupKeyring } from './key.js';

export const MAGIC = Buffer.from('RAMPARTB', 'ascii');
export const FORMAT_VERSION = 1;
const CIPHER_AES_256_GCM = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const HEADER_BYTES = 32;
/** GCM's limit for one nonce: 2^39 − 256 bits of plaintext. */
export const PLAINTEXT_BYTES_MAX = 2 ** 36 - 32;

export type ContentKind = 'pg_dump' | 'pglite';
const CONTENT_CODES: Readonly<Record<ContentKind, number>> = { pg_dump: 1, pglite: 2 };

export interface Header {
  readonly version: number;
  readonly content: ContentKind;
  readonly keyId: string;
  readonly nonce: Buffer;
}

export function encodeHeader(header: Header): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt8(header.version, 8);
  bytes.writeUInt8(CIPHER_AES_256_GCM, 9);
  bytes.writeUInt8(CONTENT_CODES[header.content], 10);
  const keyId = Buffer.from(header.keyId, 'hex');
  if (keyId.length !== KEY_ID_BYTES || header.nonce.length !== NONCE_BYTES)
    throw new Error('header fields have the wrong length');
  keyId.copy(bytes, 12);
  header.nonce.copy(bytes, 20);
  return bytes;
}

export function decodeHeader(bytes: Buffer): Header {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw new BackupIntegrityError('not a Rampart backup (wrong magic bytes)');
  const version = bytes.readUInt8(8);
  if (version !== FORMAT_VERSION)
    throw new BackupError(
      `backup file format version ${version} is not supported by this Rampart (reads ${FORMAT_VERSION})`,
    );
  if (bytes.readUInt8(9) !== CIPHER_AES_256_GCM)
    throw new BackupError(`backup cipher ${bytes.readUInt8(9)} is not supported`);
  const code = bytes.readUInt8(10);
  const content = (Object.keys(CONTENT_CODES) as ContentKind[]).find((k) => CONTENT_CODES[k] === code);
  if (content === undefined) throw new BackupError(`backup content kind ${code} is not supported`);
  return {
    version,
    content,
    keyId: bytes.subarray(12, 20).toString('hex'),
    nonce: Buffer.from(bytes.subarray(20, 32)),
  };
}

export interface StreamDigest {
  readonly bytes: number;
  readonly sha256: string;
}

export interface EncryptionResult {
  readonly plaintext: StreamDigest;
  readonly encrypted: StreamDigest;
}

class Counter {
  readonly #hash: Hash = createHash('sha256');
  bytes = 0;
  add(chunk: Buffer): Buffer {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    return chunk;
  }
  digest(): StreamDigest {
    return { bytes: this.bytes, sha256: this.#hash.digest('hex') };
  }
}

/**
 * A pipeline stage turning plaintext into the encrypted file's bytes, hashing both sides on the way.
 * `result()` is available once the stage has finished.
 */
export function encryptingStage(
  key: BackupKey,
  content: ContentKind,
  onPlaintextBytes: (total: number) => void = () => undefined,
): {
  stage: (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>;
  result: () => EncryptionResult;
} {
  let finished: EncryptionResult | undefined;
  async function* stage(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const nonce = randomBytes(NONCE_BYTES);
    const header = encodeHeader({ version: FORMAT_VERSION, content, keyId: key.id, nonce });
    const cipher = createCipheriv('aes-256-gcm', key.bytes, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(header);
    const plaintext = new Counter();
    const encrypted = new Counter();
    yield encrypted.add(header);
    for await (const chunk of source) {
      plaintext.add(chunk);
      if (plaintext.bytes > PLAINTEXT_BYTES_MAX)
        throw new BackupError(`backup exceeds ${PLAINTEXT_BYTES_MAX} bytes, the most one file can encrypt`);
      onPlaintextBytes(plaintext.bytes);
      const out = cipher.update(chunk);
      if (out.length > 0) yield encrypted.add(out);
    }
    const last = cipher.final();
    if (last.length > 0) yield encrypted.add(last);
    yield encrypted.add(cipher.getAuthTag());
    finished = { plaintext: plaintext.digest(), encrypted: encrypted.digest() };
  }
  return {
    stage,
    result: () => {
      if (finished === undefined) throw new Error('encryption result read before the stream finished');
      return finished;
    },
  };
}

async function readExactly(file: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new BackupIntegrityError('backup file is truncated');
  return buffer;
}

/** Reads and checks the header of an open backup file. */
export async function readHeader(file: FileHandle, sizeBytes: number): Promise<Header> {
  if (sizeBytes < HEADER_BYTES + TAG_BYTES) throw new BackupIntegrityError('backup file is truncated');
  return decodeHeader(await readExactly(file, HEADER_BYTES, 0));
}

/** SHA-256 of the whole open file (read from its start, whatever its current position). */
export async function sha256OfFile(file: FileHandle, sizeBytes: number): Promise<string> {
  const hash = createHash('sha256');
  if (sizeBytes === 0) return hash.digest('hex');
  const stream = file.createReadStream({ start: 0, end: sizeBytes - 1, autoClose: false });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Decrypts an open backup file into `destination`, which must not be trusted until this resolves:
 * the authentication tag is checked only at the end. Throws BackupIntegrityError when the file was
 * modified, truncated or encrypted with another key of the same id (which cannot happen by chance).
 */
export async function decryptTo(
  file: FileHandle,
  sizeBytes: number,
  keyring: BackupKeyring,
  destination: FileHandle,
  onPlaintextBytes: (total: number) => void = () => undefined,
): Promise<{ header: Header; plaintext: StreamDigest }> {
  if (sizeBytes < HEADER_BYTES + TAG_BYTES) throw new BackupIntegrityError('backup file is truncated');
  // The bytes as read, not as re-encoded, are authenticated: every header bit counts, reserved ones too.
  const headerBytes = await readExactly(file, HEADER_BYTES, 0);
  const header = decodeHeader(headerBytes);
  const key = keyring.find(header.keyId);
  if (key === undefined) {
    const have = keyring.ids.length === 0 ? 'no backup key is configured' : `have ${keyring.ids.join(', ')}`;
    throw new BackupError(
      `backup was encrypted with key id ${header.keyId}, which is not BACKUP_ENCRYPTION_KEY or one of BACKUP_DECRYPTION_KEYS (${have})`,
    );
  }
  const tag = await readExactly(file, TAG_BYTES, sizeBytes - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, header.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(headerBytes);
  decipher.setAuthTag(tag);
  const plaintext = new Counter();
  const ciphertextEnd = sizeBytes - TAG_BYTES - 1;
  async function* decrypt(): AsyncGenerator<Buffer> {
    if (ciphertextEnd >= HEADER_BYTES) {
      const source = file.createReadStream({ start: HEADER_BYTES, end: ciphertextEnd, autoClose: false });
      for await (const chunk of source) {
        const out = decipher.update(chunk as Buffer);
        plaintext.add(out);
        onPlaintextBytes(plaintext.bytes);
        yield out;
      }
    }
    let last: Buffer;
    try {
      last = decipher.final();
    } catch {
      throw new BackupIntegrityError(
        'backup failed authentication (AES-GCM tag mismatch): the file was modified or damaged',
      );
    }
    if (last.length > 0) yield plaintext.add(last);
  }
  await writeAll(destination, decrypt());
  return { header, plaintext: plaintext.digest() };
}
