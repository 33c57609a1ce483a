import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PiiDecryptError,
  PiiKeyConfigError,
  PiiKeyring,
  piiKeyProblem,
  resolvePiiKeyring,
} from '../../src/platform/pii-crypto.js';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('PiiKeyring', () => {
  const k1 = key('k1');
  const k2 = key('k2');

  it('round-trips text and bytes, with a fresh nonce every time', () => {
    const ring = PiiKeyring.fromItems([k1]);
    const a = ring.encryptText('Adaeze Okafor', 'customer:1:first_name');
    const b = ring.encryptText('Adaeze Okafor', 'customer:1:first_name');
    expect(a).not.toBe(b);
    expect(ring.decryptText(a, 'customer:1:first_name')).toBe('Adaeze Okafor');
    const bytes = randomBytes(1000);
    expect(ring.decrypt(ring.encrypt(bytes, 'f'), 'f').equals(bytes)).toBe(true);
  });

  it('never holds the plaintext in the envelope, and the envelope names its key', () => {
    const ring = PiiKeyring.fromItems([k1]);
    const envelope = ring.encrypt('22123456789', 'ctx');
    expect(envelope.includes(Buffer.from('22123456789'))).toBe(false);
    expect(envelope.subarray(2, 4).toString()).toBe('k1');
  });

  it('refuses a value under an unknown key', () => {
    const stored = PiiKeyring.fromItems([k1]).encryptText('x', 'ctx');
    const other = PiiKeyring.fromItems([key('k9')]);
    expect(() => other.decryptText(stored, 'ctx')).toThrow(PiiDecryptError);
    try {
      other.decryptText(stored, 'ctx');
    } catch (error) {
      expect((error as PiiDecryptError).reason).toBe('unknown_key');
    }
  });

  it('refuses a wrong key with the same id, a tampered byte, and a moved ciphertext', () => {
    const ring = PiiKeyring.fromItems([k1]);
    const stored = ring.encrypt('secret', 'customer:1:id_number');
    expect(() => PiiKeyring.fromItems([key('k1')]).decrypt(stored, 'customer:1:id_number')).toThrow(
      /failed authentication/,
    );
    for (const at of [stored.length - 1, stored.length - 20, 5]) {
      const tampered = Buffer.from(stored);
      tampered[at] = (tampered[at] ?? 0) ^ 0x01;
      expect(() => ring.decrypt(tampered, 'customer:1:id_number')).toThrow(PiiDecryptError);
    }
    expect(() => ring.decrypt(stored, 'customer:2:id_number')).toThrow(/failed authentication/);
    expect(() => ring.decrypt(Buffer.from('not an envelope'), 'x')).toThrow(/not a PII envelope/);
  });

  it('rotates: the new first key encrypts, the old one still decrypts, and old values are flagged', () => {
    const before = PiiKeyring.fromItems([k1]);
    const old = before.encryptText('Lagos', 'ctx');
    const after = PiiKeyring.fromItems([k2, k1]);
    expect(after.currentKeyId).toBe('k2');
    expect(after.decryptText(old, 'ctx')).toBe('Lagos');
    expect(after.needsRotation(old)).toBe(true);
    const fresh = after.encryptText('Lagos', 'ctx');
    expect(after.needsRotation(fresh)).toBe(false);
    expect(() => before.decryptText(fresh, 'ctx')).toThrow(PiiDecryptError);
  });

  it('checks keyed hashes across a rotation', () => {
    const before = PiiKeyring.fromItems([k1]);
    const mac = before.mac('ctx', '123456');
    const after = PiiKeyring.fromItems([k2, k1]);
    expect(after.macMatches(mac, 'ctx', '123456')).toBe(true);
    expect(after.macMatches(mac, 'ctx', '123457')).toBe(false);
    expect(PiiKeyring.fromItems([k2]).macMatches(mac, 'ctx', '123456')).toBe(false);
  });

  it('shows no key material when logged or serialised', () => {
    const ring = PiiKeyring.fromItems([k1]);
    const secret = k1.slice(3);
    expect(JSON.stringify({ ring })).not.toContain(secret);
    expect(String(Object.values(ring))).not.toContain(secret);
  });

  it('refuses malformed key settings without echoing the key', () => {
    expect(piiKeyProblem('k1:short')).toContain('32 bytes');
    expect(piiKeyProblem('nocolon')).toContain('id:base64key');
    expect(piiKeyProblem('bad id!:' + randomBytes(32).toString('base64'))).toContain('key id');
    expect(() => PiiKeyring.fromItems([k1, k1])).toThrow(PiiKeyConfigError);
    expect(() => PiiKeyring.fromItems([])).toThrow(PiiKeyConfigError);
  });
});

describe('resolvePiiKeyring', () => {
  it('uses PII_ENCRYPTION_KEYS when set', () => {
    const ring = resolvePiiKeyring({
      piiEncryptionKeys: [key('prod1')],
      dataDir: 'memory://',
      stellarNetwork: 'testnet',
    });
    expect(ring.currentKeyId).toBe('prod1');
  });

  it('refuses mainnet without keys', () => {
    expect(() =>
      resolvePiiKeyring({ piiEncryptionKeys: undefined, dataDir: 'memory://', stellarNetwork: 'public' }),
    ).toThrow(/required on mainnet/);
  });

  it('persists a generated development key under the data directory (mode 0600) and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-pii-'));
    const first = resolvePiiKeyring({
      piiEncryptionKeys: undefined,
      dataDir: dir,
      stellarNetwork: 'testnet',
    });
    const stored = first.encryptText('x', 'ctx');
    const second = resolvePiiKeyring({
      piiEncryptionKeys: undefined,
      dataDir: dir,
      stellarNetwork: 'testnet',
    });
    expect(second.decryptText(stored, 'ctx')).toBe('x');
    expect(statSync(join(dir, 'pii-key')).mode & 0o777).toBe(0o600);
    expect(piiKeyProblem(readFileSync(join(dir, 'pii-key'), 'utf8').trim())).toBeNull();
  });

  it('gives one configuration one in-memory key', () => {
    const config = { piiEncryptionKeys: undefined, dataDir: 'memory://', stellarNetwork: 'sandbox' };
    expect(resolvePiiKeyring(config)).toBe(resolvePiiKeyring(config));
  });
});
