/**
 * Where the pages' templates and static files are read from. `tsc` compiles only TypeScript, so the
 * `.eta` templates and the stylesheet stay in `src/web/`: run from source (tests, `tsx`) they sit
 * next to this module; run compiled (`dist/src/web/`), three levels up is the checkout's root, whose
 * `src/web/` ships with every build (deployments build in the checkout: docs/deployment.md). No copy
 * step, so the build can never ship templates older than the code that renders them.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OperatorError } from '../platform/operator-error.js';

export type WebAssetDir = 'templates' | 'static';

export function webAssetDir(name: WebAssetDir): string {
  return webAssetDirOf(import.meta.url, name);
}

/** The directory as seen from a module at `moduleUrl` (this one, compiled or not). */
export function webAssetDirOf(moduleUrl: string | URL, name: WebAssetDir): string {
  const candidates = [new URL(`./${name}/`, moduleUrl), new URL(`../../../src/web/${name}/`, moduleUrl)].map(
    (url) => fileURLToPath(url),
  );
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined)
    throw new OperatorError(`the hosted pages' ${name} are missing: looked in ${candidates.join(' and ')}`);
  return found;
}
