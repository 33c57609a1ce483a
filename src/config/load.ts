/**
 * Reads the configuration from the environment (plus a `.env` file outside production), collecting
 * one clear message per problem so an operator fixes them all in one go.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { settings, type Config } from './schema.js';
import type { Setting } from './setting.js';
import { mainnetProblems } from './mainnet-rules.js';
import { consistencyProblems } from './consistency.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type LoadResult = { ok: true; config: Config } | { ok: false; problems: readonly string[] };

export function loadConfig(env: Env): LoadResult {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings) as [string, Setting<unknown>][]) {
    const raw = env[setting.env]?.trim();
    if (raw === undefined || raw === '') {
      values[key] = setting.fallback;
      continue;
    }
    const parsed = setting.parse(raw);
    if (parsed.ok) values[key] = parsed.value;
    else problems.push(`${setting.env} ${parsed.error}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const config = values as Config;
  const inconsistent = consistencyProblems(config);
  if (inconsistent.length > 0) return { ok: false, problems: inconsistent };
  const unsafe = mainnetProblems(config);
  if (unsafe.length > 0) return { ok: false, problems: unsafe };
  return { ok: true, config };
}

/**
 * The process environment, with a development `.env` file underneath it (real environment
 * variables win). Production (NODE_ENV=production) reads the environment only: systemd's
 * EnvironmentFile is the place for its secrets.
 */
export function environmentWithDotenv(env: Env, dotenvPath = '.env'): Env {
  if (env['NODE_ENV'] === 'production' || !existsSync(dotenvPath)) return env;
  const fromFile = parseEnv(readFileSync(dotenvPath, 'utf8'));
  return { ...fromFile, ...env };
}
