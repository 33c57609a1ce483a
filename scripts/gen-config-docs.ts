/**
 * Writes docs/configuration.md from the configuration schema, or with `--check` fails when the
 * checked-in file differs from a fresh rendering (CI runs the check so the reference stays current).
 *
 *   npm run docs:config          # regenerate
 *   npm run docs:config:check    # exit 1 when out of date
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIGURATION_DOC_PATH, renderConfigurationDoc } from '../src/config/docs.js';

/** Compiled, this runs from dist/scripts/; from source, from scripts/. Both sit below the root. */
const ROOT_SEARCH_DEPTH_MAX = 4;

/** The repository root: the nearest directory above this script holding package.json, not the cwd. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < ROOT_SEARCH_DEPTH_MAX; depth++) {
    dir = dirname(dir);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json within ${ROOT_SEARCH_DEPTH_MAX} directories above ${import.meta.url}`);
}

function main(args: readonly string[]): number {
  const unknown = args.filter((arg) => arg !== '--check');
  if (unknown.length > 0) {
    console.error(
      `gen-config-docs: unknown argument ${unknown.join(' ')} (usage: gen-config-docs [--check])`,
    );
    return 2;
  }
  const path = join(repositoryRoot(), CONFIGURATION_DOC_PATH);
  const rendered = renderConfigurationDoc();
  if (args.includes('--check')) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (current === rendered) return 0;
    console.error(`${CONFIGURATION_DOC_PATH} is out of date: run npm run docs:config`);
    return 1;
  }
  writeFileSync(path, rendered);
  console.log(`wrote ${CONFIGURATION_DOC_PATH}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
