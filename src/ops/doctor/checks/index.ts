/**
 * Every check the doctor runs, by id. Meta checks judge the report itself (every other item), so
 * they run last.
 */
import { fail, manual, pass, warn, type Outcome, type Status } from '../outcome.js';
import { backupChecks } from './backup.js';
import { buildChecks } from './build.js';
import { plural, type Check } from './check.js';
import { configChecks } from './config.js';
import { databaseAccessChecks } from './database-access.js';
import { databaseChecks } from './database.js';
import { hostChecks } from './host.js';
import { monitoringChecks } from './monitoring.js';
import { networkChecks } from './network.js';
import { serviceChecks } from './service.js';
import { signoffChecks } from './signoff.js';
import { sshChecks } from './ssh.js';

export type { Check } from './check.js';

export const CHECKS: readonly Check[] = [
  ...hostChecks,
  ...sshChecks,
  ...configChecks,
  ...serviceChecks,
  ...databaseChecks,
  ...databaseAccessChecks,
  ...backupChecks,
  ...networkChecks,
  ...buildChecks,
  ...monitoringChecks,
  ...signoffChecks,
];

/** What a meta check sees of every other item. */
export interface Judged {
  readonly id: string;
  readonly status: Status;
}

export interface MetaCheck {
  readonly id: string;
  readonly verifies: string;
  evaluate(others: readonly Judged[]): Outcome;
}

const IDS_SHOWN_MAX = 8;

function ids(items: readonly Judged[]): string {
  const shown = items
    .slice(0, IDS_SHOWN_MAX)
    .map((i) => i.id)
    .join(', ');
  return items.length > IDS_SHOWN_MAX ? `${shown}, …` : shown;
}

function count(items: readonly Judged[], status: Status): Judged[] {
  return items.filter((i) => i.status === status);
}

export const META_CHECKS: readonly MetaCheck[] = [
  {
    id: 'report.complete',
    verifies: 'every other item of the checklist is PASS (FAILs block; MANUAL items need a person)',
    evaluate(others) {
      const failed = count(others, 'FAIL');
      if (failed.length > 0)
        return fail(
          `${plural(failed.length, 'item')} failing: ${ids(failed)}`,
          'fix each FAIL item; rerun rampart doctor',
        );
      const open = others.filter((i) => i.status !== 'PASS');
      if (open.length > 0) {
        return manual(
          `${others.length - open.length} of ${others.length} PASS; ${count(others, 'WARN').length} WARN and ${count(others, 'MANUAL').length} MANUAL to confirm`,
          'confirm each WARN and MANUAL item, then record the sign-offs (docs/signoff.md)',
        );
      }
      return pass(`all ${others.length} other items PASS`);
    },
  },
  {
    id: 'report.no-failures',
    verifies: 'no other item FAILs',
    evaluate(others) {
      const failed = count(others, 'FAIL');
      return failed.length > 0
        ? fail(
            `${plural(failed.length, 'item')} failing: ${ids(failed)}`,
            'fix each FAIL item (its fix is on its line); rerun rampart doctor',
          )
        : pass(`no item FAILs (${count(others, 'WARN').length} WARN)`);
    },
  },
  {
    id: 'report.no-warnings',
    verifies: 'no other item WARNs',
    evaluate(others) {
      const warned = count(others, 'WARN');
      return warned.length > 0
        ? warn(
            `${plural(warned.length, 'item')} warning: ${ids(warned)}`,
            'review each WARN item; fix or accept it in the sign-off note',
          )
        : pass('no item WARNs');
    },
  },
];

export function checkById(id: string): Check | undefined {
  return CHECKS.find((check) => check.id === id);
}

export function metaCheckById(id: string): MetaCheck | undefined {
  return META_CHECKS.find((check) => check.id === id);
}
