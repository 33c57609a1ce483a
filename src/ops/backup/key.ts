/**
 * Backup encryption keys: 32 random bytes, written as base64 (`openssl rand -base64 32`) or hex
 * (`openssl rand -hex 32`). A backup names its key by a fingerprint (the key id) so that a restore
 * picks the right key after a rotation and says which key it needs when it has none — the
 * fingerprint is a truncated hash under a fixed label and reveals nothing usable about the key.
 */
import { createHash } from 'node:crypto';

export const KEY_BYTES = 32;
export const KEY_ID_BYTES = 8;
const KEY_ID_LABEL = 'rampart-backup-key-id\u0000';

export interface BackupKey {
  /** 16 hex characters, stored in every backup's header and manifest. */
  readonly id: string;
  readonly bytes: Buffer;
}

/** The key's bytes, or null when `raw` is neither 64 hex digits nor base64 of 32 bytes. */
function decodeKey(raw: string): Buffer | null {
  const text = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    return bytes.length === KEY_BYTES ? bytes : null;
  }
  return null;
}

/** Null when `raw` is a usable key, else what is wrong with it (never the key itself). */
export function backupKeyProblem(raw: string): string | null {
  return decodeKey(raw) === null
    ? 'must be 32 random bytes as base64 (`openssl rand -base64 32`) or hex (`openssl rand -hex 32`)'
    : null;
}

export function keyIdOf(bytes: Buffer): string {
  return createHash('sha256')
    .update(KEY_ID_LABEL)
    .update(bytes)
    .digest()
    .subarray(0, KEY_ID_BYTES)
    .toString('hex');
}

export function parseBackupKey(raw: string): BackupKey {
  const bytes = decodeKey(raw);
  // Settings validate keys when the configuration loads; reaching here with a bad one is a bug.
  if (bytes === null) throw new Error('backup key failed validation after the configuration accepted it');
  return { id: keyIdOf(bytes), bytes };
}

/** The keys a restore may use: the current one first, then older ones kept for old backups. */
export class BackupKeyring {
  readonly #keys = new Map<string, BackupKey>();
  constructor(
    readonly current: BackupKey | undefined,
    previous: readonly BackupKey[],
  ) {
    for (const key of [...(current === undefined ? [] : [current]), ...previous]) this.#keys.set(key.id, key);
  }

  find(id: string): BackupKey | undefined {
    return this.#keys.get(id);
  }

  get ids(): readonly string[] {
    return [...this.#keys.keys()];
  }
}
