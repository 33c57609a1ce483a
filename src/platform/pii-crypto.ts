/**
 * Personal data at rest: AES-256-GCM with a random 96-bit nonce per value, and a context (the
 * customer and field a value belongs to) bound in as additional authenticated data, so a
 * ciphertext copied to another row or field does not decrypt.
 *
 * Keys come from PII_ENCRYPTION_KEYS = `id:base64key[,id:base64key…]`: the first encrypts, all of
 * them decrypt, so a key is rotated by putting a new one first and re-encrypting at leisure
 * (`needsRotation`). Every stored value carries its key id and nonce:
 *
 *   envelope = 0x01 | idLength | id | nonce(12) | tag(16) | ciphertext
 *
 * In development without the setting a key is generated once under the data directory (mode 0600),
 * like the JWT secret; mainnet refuses to start without it. Keys live in private fields so a
 * logged or serialised keyring shows nothing.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OperatorError } from './operator-error.js';

const VERSION = 1;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Largest value encrypted at once: a KYC document upload is far below it. */
export const PII_PLAINTEXT_BYTES_MAX = 32 * 1024 * 1024;
const KEY_FILE = 'pii-key';

export class PiiDecryptError extends Error {
  override readonly name = 'PiiDecryptError';
  constructor(
    readonly reason: 'malformed' | 'unknown_key' | 'tampered',
    message: string,
  ) {
    super(message);
  }
}

export class PiiKeyConfigError extends OperatorError {
  override readonly name = 'PiiKeyConfigError';
}

/** Null when `item` is a valid `id:base64key` of a 256-bit key, else what is wrong (never the key). */
export function piiKeyProblem(item: string): string | null {
  const colon = item.indexOf(':');
  if (colon < 0) return 'PII_ENCRYPTION_KEYS items must be id:base64key';
  const id = item.slice(0, colon);
  if (!KEY_ID.test(id)) return `PII key id "${id.slice(0, 40)}" must be 1–32 letters, digits, _ or -`;
  const encoded = item.slice(colon + 1);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || Buffer.from(encoded, 'base64').length !== KEY_BYTES)
    return `PII key "${id}" must be 32 bytes in base64 (generate with \`openssl rand -base64 32\`)`;
  return null;
}

export class PiiKeyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;

  private constructor(keys: ReadonlyMap<string, Buffer>, currentKeyId: string) {
    this.#keys = keys;
    this.currentKeyId = currentKeyId;
  }

  /** From the setting's items (`id:base64key`), first is current. Throws PiiKeyConfigError. */
  static fromItems(items: readonly string[]): PiiKeyring {
    if (items.length === 0) throw new PiiKeyConfigError('PII_ENCRYPTION_KEYS holds no key');
    const keys = new Map<string, Buffer>();
    for (const item of items) {
      const wrong = piiKeyProblem(item);
      if (wrong !== null) throw new PiiKeyConfigError(wrong);
      const colon = item.indexOf(':');
      const id = item.slice(0, colon);
      if (keys.has(id)) throw new PiiKeyConfigError(`PII key id "${id}" appears twice`);
      keys.set(id, Buffer.from(item.slice(colon + 1), 'base64'));
    }
    return new PiiKeyring(keys, items[0]?.slice(0, items[0].indexOf(':')) ?? '');
  }

  encrypt(plaintext: Uint8Array | string, context: string): Buffer {
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    if (data.length > PII_PLAINTEXT_BYTES_MAX)
      throw new RangeError('personal data value is too large to encrypt');
    const key = this.#keys.get(this.currentKeyId);
    if (key === undefined) throw new PiiKeyConfigError('current PII key is missing');
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(data), cipher.final()]);
    const id = Buffer.from(this.currentKeyId, 'ascii');
    return Buffer.concat([Buffer.from([VERSION, id.length]), id, nonce, cipher.getAuthTag(), body]);
  }

  decrypt(envelope: Uint8Array, context: string): Buffer {
    const { keyId, nonce, tag, body } = parseEnvelope(envelope);
    const key = this.#keys.get(keyId);
    if (key === undefined)
      throw new PiiDecryptError('unknown_key', `no PII key with id "${keyId}" is configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new PiiDecryptError(
        'tampered',
        'personal data failed authentication (altered, moved or wrong key)',
      );
    }
  }

  /** Text values as base64 of the envelope, for text columns. */
  encryptText(plaintext: string, context: string): string {
    return this.encrypt(plaintext, context).toString('base64');
  }

  decryptText(stored: string, context: string): string {
    return this.decrypt(Buffer.from(stored, 'base64'), context).toString('utf8');
  }

  /** True when the value was encrypted under an older key: re-encrypt it to finish a rotation. */
  needsRotation(envelope: Uint8Array | string): boolean {
    const bytes = typeof envelope === 'string' ? Buffer.from(envelope, 'base64') : envelope;
    return parseEnvelope(bytes).keyId !== this.currentKeyId;
  }

  /**
   * A keyed hash (HMAC-SHA256 under the current key) for secrets we only ever compare, such as
   * verification codes: `keyId.hex`, so it can still be checked after a rotation.
   */
  mac(context: string, value: string): string {
    return `${this.currentKeyId}.${this.#hmac(this.currentKeyId, context, value)}`;
  }

  macMatches(stored: string, context: string, value: string): boolean {
    const dot = stored.indexOf('.');
    const keyId = stored.slice(0, dot);
    const expected = Buffer.from(stored.slice(dot + 1), 'hex');
    const actual = Buffer.from(this.#hmac(keyId, context, value) ?? '', 'hex');
    return expected.length === actual.length && expected.length > 0 && timingSafeEqual(expected, actual);
  }

  #hmac(keyId: string, context: string, value: string): string | undefined {
    const key = this.#keys.get(keyId);
    if (key === undefined) return undefined;
    return createHmac('sha256', key).update(`${context}\u0000${value}`).digest('hex');
  }

  toJSON(): string {
    return `[PiiKeyring ${this.currentKeyId}]`;
  }
}

function parseEnvelope(envelope: Uint8Array): { keyId: string; nonce: Buffer; tag: Buffer; body: Buffer } {
  const bytes = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  const idLength = bytes[1] ?? 0;
  const headerBytes = 2 + idLength + NONCE_BYTES + TAG_BYTES;
  if (bytes[0] !== VERSION || idLength === 0 || bytes.length < headerBytes)
    throw new PiiDecryptError('malformed', 'stored personal data is not a PII envelope');
  const keyId = bytes.subarray(2, 2 + idLength).toString('ascii');
  const nonceAt = 2 + idLength;
  return {
    keyId,
    nonce: bytes.subarray(nonceAt, nonceAt + NONCE_BYTES),
    tag: bytes.subarray(nonceAt + NONCE_BYTES, headerBytes),
    body: bytes.subarray(headerBytes),
  };
}

export interface PiiKeySettings {
  readonly piiEncryptionKeys: readonly string[] | undefined;
  readonly dataDir: string;
  readonly stellarNetwork: string;
}

// One generated development keyring per configuration: the HTTP plugin and the in-process worker
// of one server must agree, or a value written by one could not be read by the other.
const generated = new WeakMap<object, PiiKeyring>();

/**
 * The keyring from PII_ENCRYPTION_KEYS; in development a generated key persisted under the data
 * directory (in memory with `memory://`). Mainnet without the setting is an operator error.
 */
export function resolvePiiKeyring(config: PiiKeySettings): PiiKeyring {
  if (config.piiEncryptionKeys !== undefined && config.piiEncryptionKeys.length > 0)
    return PiiKeyring.fromItems(config.piiEncryptionKeys);
  if (config.stellarNetwork === 'public')
    throw new PiiKeyConfigError('PII_ENCRYPTION_KEYS is required on mainnet (id:base64key, 32 bytes)');
  const known = generated.get(config);
  if (known !== undefined) return known;
  const keyring = PiiKeyring.fromItems([developmentKeyItem(config.dataDir)]);
  generated.set(config, keyring);
  return keyring;
}

function developmentKeyItem(dataDir: string): string {
  const fresh = () => `dev-${randomBytes(4).toString('hex')}:${randomBytes(KEY_BYTES).toString('base64')}`;
  if (dataDir.startsWith('memory://')) return fresh();
  const dir = resolve(dataDir);
  const path = join(dir, KEY_FILE);
  if (existsSync(path)) {
    const stored = readFileSync(path, 'utf8').trim();
    if (piiKeyProblem(stored) === null) return stored;
    // Never overwrite a key that may still be needed to read stored data.
    throw new PiiKeyConfigError(`${path} does not hold a valid PII key; fix or move it`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const item = fresh();
  writeFileSync(path, `${item}\n`, { mode: 0o600 });
  return item;
}
