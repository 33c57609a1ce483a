/**
 * The installed build: the runtime, the compiled artifact, what node_modules holds, known
 * vulnerabilities (npm audit data shipped with the build, or asked of the registry) and licences.
 */
import { join } from 'node:path';
import { fail, manual, pass, warn, type Outcome } from '../outcome.js';
import { commandTrouble, plural, runCommand, type Check } from './check.js';

const NODE_MAJOR_SUPPORTED = 24;
/** Audit data older than this says little about today's advisories. */
const AUDIT_AGE_DAYS_MAX = 7;
const DAY_MS = 86_400_000;
export const AUDIT_FILE = 'dist/audit.json';
const LOCKFILE_BYTES_MAX = 16 * 1024 * 1024;
/** Licences that would oblige the operator to publish their own code, or forbid commercial use. */
const RESTRICTIVE_LICENSE = /\b(AGPL|GPL-[23]|GPL$|SSPL|BUSL|CC-BY-NC)/i;

const node: Check = {
  id: 'build.node',
  verifies: `Node.js ${NODE_MAJOR_SUPPORTED} LTS runs Rampart (the runtime that replaces the Rust toolchain)`,
  async run(context) {
    const version = context.host.system().nodeVersion;
    const major = Number(version.split('.')[0]);
    if (major === NODE_MAJOR_SUPPORTED) return pass(`Node.js ${version}`);
    if (major > NODE_MAJOR_SUPPORTED)
      return warn(
        `Node.js ${version} is newer than Rampart supports (${NODE_MAJOR_SUPPORTED})`,
        `run Node.js ${NODE_MAJOR_SUPPORTED} LTS (package.json engines)`,
      );
    return fail(
      `Node.js ${version} is past its end of life`,
      `install Node.js ${NODE_MAJOR_SUPPORTED} LTS (scripts/node24.sh fetches one)`,
    );
  },
};

const artifact: Check = {
  id: 'build.artifact',
  verifies:
    'the compiled build (`npm ci && npm run build`: dist/src/cli/main.js) and the lockfile are present',
  async run(context) {
    const main = await context.host.stat(join(context.root, 'dist/src/cli/main.js'));
    if (main.kind !== 'ok')
      return fail('dist/src/cli/main.js is missing', 'npm ci && npm run build in the installation');
    const lock = await context.host.stat(join(context.root, 'package-lock.json'));
    if (lock.kind !== 'ok')
      return fail(
        'package-lock.json is missing: the dependencies are not pinned',
        'deploy from a release checkout and install with npm ci',
      );
    return pass(`dist/ built ${main.modifiedAt.toISOString().slice(0, 16)}Z in ${context.root}`);
  },
};

const productionDependencies: Check = {
  id: 'build.production-deps',
  verifies: 'node_modules holds production dependencies only (the devDependencies pruned after building)',
  async run(context) {
    const dev = ['typescript', 'vitest', 'eslint'];
    const present: string[] = [];
    for (const name of dev) {
      const info = await context.host.stat(join(context.root, 'node_modules', name));
      if (info.kind === 'ok') present.push(name);
    }
    return present.length > 0
      ? warn(
          `development tools installed (${present.join(', ')})`,
          'after npm run build: npm prune --omit=dev (smaller, fewer packages to patch)',
        )
      : pass('production dependencies only');
  },
};

interface AuditReport {
  metadata?: {
    vulnerabilities?: Partial<Record<'info' | 'low' | 'moderate' | 'high' | 'critical' | 'total', number>>;
  };
  error?: { code?: string; summary?: string };
}

/** The severities an `npm audit --json` report counts, or its error. */
export function judgeAudit(text: string, source: string): Outcome {
  let report: AuditReport;
  try {
    report = JSON.parse(text) as AuditReport;
  } catch {
    return warn(`${source}: not an npm audit report`, 'npm audit --omit=dev --json > dist/audit.json');
  }
  if (report.error !== undefined) {
    return warn(
      `${source}: npm audit could not reach the registry (${report.error.code ?? report.error.summary ?? 'error'})`,
      'run npm audit --omit=dev where the registry is reachable, and ship dist/audit.json with the build',
    );
  }
  const counts = report.metadata?.vulnerabilities;
  if (counts === undefined)
    return warn(`${source}: no vulnerability counts`, 'npm audit --omit=dev --json > dist/audit.json');
  const high = (counts.high ?? 0) + (counts.critical ?? 0);
  const summary = `critical ${counts.critical ?? 0}, high ${counts.high ?? 0}, moderate ${counts.moderate ?? 0}, low ${counts.low ?? 0}`;
  if (high > 0)
    return fail(
      `${source}: ${summary}`,
      'npm audit fix --omit=dev (or update the packages), rebuild and redeploy',
    );
  if ((counts.moderate ?? 0) > 0)
    return warn(`${source}: ${summary}`, 'review with npm audit --omit=dev; update when a fix exists');
  return pass(`${source}: no known vulnerabilities in production dependencies`);
}

const audit: Check = {
  id: 'build.audit',
  verifies: `production dependencies have no high or critical advisories (npm audit data in ${AUDIT_FILE}, or npm audit when DOCTOR_NPM_AUDIT allows)`,
  async run(context) {
    const path = join(context.root, AUDIT_FILE);
    const shipped = await context.host.readFile(path, LOCKFILE_BYTES_MAX);
    if (shipped.kind === 'ok') {
      const info = await context.host.stat(path);
      const ageDays =
        info.kind === 'ok' ? (context.host.now().getTime() - info.modifiedAt.getTime()) / DAY_MS : 0;
      const outcome = judgeAudit(shipped.text, AUDIT_FILE);
      if (outcome.status === 'PASS' && ageDays > AUDIT_AGE_DAYS_MAX) {
        return warn(
          `${outcome.detail}, but the data is ${Math.floor(ageDays)} days old`,
          'rerun npm audit --omit=dev --json > dist/audit.json',
        );
      }
      return outcome;
    }
    if (!context.config.doctorNpmAudit) {
      return warn(
        `no ${AUDIT_FILE} shipped with the build, and DOCTOR_NPM_AUDIT=false`,
        'at build time: npm audit --omit=dev --json > dist/audit.json',
      );
    }
    const result = await runCommand(context, 'npm', ['audit', '--omit=dev', '--json'], context.root);
    // npm audit exits 1 when it finds advisories; its JSON is on stdout either way.
    if (result.kind === 'exited' && result.stdout.trim().startsWith('{'))
      return judgeAudit(result.stdout, 'npm audit');
    return warn(
      `npm audit did not run: ${commandTrouble('npm', result)}`,
      'run npm audit --omit=dev where the registry is reachable, and ship dist/audit.json',
    );
  },
};

/** Restrictive only when every alternative of an `A OR B` expression is. */
export function isRestrictive(license: string): boolean {
  const alternatives = license.replace(/[()]/g, '').split(/\s+OR\s+/i);
  return alternatives.every(
    (alternative) => RESTRICTIVE_LICENSE.test(alternative) && !/LGPL/i.test(alternative),
  );
}

interface LockPackage {
  license?: string;
  dev?: boolean;
}

const licenses: Check = {
  id: 'build.licenses',
  verifies:
    'no production dependency in package-lock.json carries a copyleft or non-commercial licence, and every one names its licence',
  async run(context) {
    const read = await context.host.readFile(join(context.root, 'package-lock.json'), LOCKFILE_BYTES_MAX);
    if (read.kind !== 'ok') return fail('package-lock.json is missing', 'deploy from a release checkout');
    let packages: Record<string, LockPackage>;
    try {
      packages = (JSON.parse(read.text) as { packages?: Record<string, LockPackage> }).packages ?? {};
    } catch {
      return warn('package-lock.json is not JSON', 'restore it from the release');
    }
    const production = Object.entries(packages).filter(([path, entry]) => path !== '' && entry.dev !== true);
    const restrictive = production.filter(
      ([, entry]) => entry.license !== undefined && isRestrictive(entry.license),
    );
    const unnamed = production.filter(([, entry]) => entry.license === undefined);
    const name = (path: string): string => path.replace(/^.*node_modules\//, '');
    if (restrictive.length > 0) {
      return fail(
        `restrictive licences: ${restrictive.map(([path, entry]) => `${name(path)} (${entry.license ?? ''})`).join(', ')}`,
        'replace the package or get legal sign-off on its licence',
      );
    }
    const kinds = [
      ...new Set(production.map(([, entry]) => entry.license).filter((l) => l !== undefined)),
    ].sort();
    if (unnamed.length > 0) {
      return manual(
        `${plural(unnamed.length, 'package')} without a licence in the lockfile: ${unnamed
          .slice(0, 5)
          .map(([path]) => name(path))
          .join(', ')}`,
        'read their licence files in node_modules and confirm they allow commercial use',
      );
    }
    return pass(`${plural(production.length, 'production package')}: ${kinds.join(', ')}`);
  },
};

export const buildChecks: readonly Check[] = [node, artifact, productionDependencies, audit, licenses];
