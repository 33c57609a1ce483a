/** Rampart's version, read from the package.json above this file (in src/ or in dist/). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SEARCH_DEPTH_MAX = 5;

export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < SEARCH_DEPTH_MAX; depth += 1) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'rampart' && typeof parsed.version === 'string') return parsed.version;
    }
    dir = dirname(dir);
  }
  return '0.0.0-unknown';
}
