/**
 * What every check receives: the host, the database (when it could be opened), the configuration
 * as the service would see it, and a per-run memo so several checks can share one reading (one
 * `sshd -T`, one parse of the unit files) without running it twice.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { settings, type Config } from '../../config/schema.js';
import type { Setting } from '../../config/setting.js';
import { consistencyProblems } from '../../config/consistency.js';
import { mainnetProblems } from '../../config/mainnet-rules.js';
import type { Env } from '../../config/load.js';
import type { FileRead, HostProbe } from './host-probe.js';
import type { SqlProbe } from './sql-probe.js';

export type DatabaseAccess =
  | { readonly kind: 'open'; readonly sql: SqlProbe }
  | { readonly kind: 'unavailable'; readonly reason: string; readonly embedded: boolean };

export interface EnvFile {
  readonly path: string;
  readonly read: FileRead;
}

export interface CheckContext {
  readonly host: HostProbe;
  /** The configuration, best effort: a setting that does not parse takes its default. */
  readonly config: Config;
  /** Settings that did not parse, or do not fit together (one line each). */
  readonly configProblems: readonly string[];
  /** The environment the configuration came from (env file underneath the shell's variables). */
  readonly env: Env;
  readonly envFile: EnvFile;
  readonly database: DatabaseAccess;
  /** The Rampart installation: the folder holding package.json, dist/, docs/ and deploy/. */
  readonly root: string;
  /** Memoises a reading for the rest of this run. */
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
}

/** Unlike loadConfig, keeps going: the doctor reports problems as items instead of refusing to run. */
export function bestEffortConfig(env: Env): { config: Config; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings) as [string, Setting<unknown>][]) {
    const raw = env[setting.env]?.trim();
    values[key] = setting.fallback;
    if (raw === undefined || raw === '') continue;
    const parsed = setting.parse(raw);
    if (parsed.ok) values[key] = parsed.value;
    else problems.push(`${setting.env} ${parsed.error}`);
  }
  const config = values as Config;
  problems.push(...consistencyProblems(config));
  return { config, problems };
}

/** The mainnet rules as if STELLAR_NETWORK were public: what production will refuse. */
export function productionProblems(config: Config): string[] {
  return mainnetProblems({ ...config, stellarNetwork: 'public' });
}

/**
 * The environment the service runs with: its env file (when readable) underneath the variables of
 * this shell, as a .env file sits underneath them in development.
 */
export function serviceEnvironment(shell: Env, envFile: FileRead): Env {
  if (envFile.kind !== 'ok') return shell;
  return { ...parseEnv(envFile.text), ...shell };
}

const ROOT_SEARCH_DEPTH_MAX = 6;

/** The folder holding Rampart's package.json above this module (src/ or dist/src/). */
export function installationRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < ROOT_SEARCH_DEPTH_MAX; depth += 1) {
    dir = dirname(dir);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json within ${ROOT_SEARCH_DEPTH_MAX} folders above ${import.meta.url}`);
}

export function memo(): CheckContext['once'] {
  const readings = new Map<string, Promise<unknown>>();
  return <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let reading = readings.get(key) as Promise<T> | undefined;
    if (reading === undefined) {
      reading = read();
      readings.set(key, reading);
    }
    return reading;
  };
}
