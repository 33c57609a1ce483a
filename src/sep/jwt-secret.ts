/**
 * The secret SEP-10 tokens are signed with. JWT_SECRET in production (mainnet requires it). In
 * development without one, a random secret is created once under the data directory (mode 0600), so
 * tokens survive a restart; with an in-memory data directory it lives as long as the process.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';

const SECRET_BYTES = 32;

export function resolveJwtSecret(config: Pick<Config, 'jwtSecret' | 'dataDir'>): string {
  if (config.jwtSecret !== undefined) return config.jwtSecret;
  if (config.dataDir.startsWith('memory://')) return randomBytes(SECRET_BYTES).toString('hex');
  const dir = resolve(config.dataDir);
  const path = join(dir, 'jwt-secret');
  if (existsSync(path)) {
    const stored = readFileSync(path, 'utf8').trim();
    if (stored.length >= 2 * SECRET_BYTES) return stored;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(SECRET_BYTES).toString('hex');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}
