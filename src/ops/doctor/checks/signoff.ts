/** The Go/No-Go approvals, read from the sign-offs recorded with `rampart doctor --sign`. */
import type { SignoffRole } from '../../../platform/db/schema.js';
import type { CheckContext } from '../context.js';
import { fail, manual, pass, type Outcome } from '../outcome.js';
import { sqlState, UNDEFINED_TABLE } from '../sql-probe.js';
import { withDatabase, type Check } from './check.js';

export const SIGNOFF_SQL =
  'select distinct on (role) role, name, decision, report_sha256, signed_at from signoffs order by role, id desc';

interface LatestRow {
  role: SignoffRole;
  name: string;
  decision: 'go' | 'no-go';
  report_sha256: string;
  signed_at: Date | string;
}

type Latest = { kind: 'ok'; byRole: ReadonlyMap<SignoffRole, LatestRow> } | { kind: 'no-table' };

function latest(
  context: CheckContext,
  query: (text: string) => Promise<readonly LatestRow[]>,
): Promise<Latest> {
  return context.once('signoffs', async () => {
    try {
      const rows = await query(SIGNOFF_SQL);
      return { kind: 'ok', byRole: new Map(rows.map((row) => [row.role, row])) };
    } catch (error) {
      if (sqlState(error) === UNDEFINED_TABLE) return { kind: 'no-table' };
      throw error;
    }
  });
}

function day(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString().slice(0, 10);
}

function signoffCheck(role: SignoffRole, title: string): Check {
  const sign = `rampart doctor --sign "${role}: <name>" --decision go|no-go`;
  return {
    id: `signoff.${role.toLowerCase()}`,
    verifies: `the latest ${title} sign-off recorded with \`rampart doctor --sign\` is go`,
    run: (context) =>
      withDatabase(context, async (sql): Promise<Outcome> => {
        const found = await latest(context, (text) => sql.query<LatestRow>(text));
        if (found.kind === 'no-table') return fail('the signoffs table is missing', 'rampart migrate up');
        const row = found.byRole.get(role);
        if (row === undefined)
          return manual(
            `no ${title} sign-off recorded`,
            `after reviewing this report: ${sign} (docs/signoff.md)`,
          );
        const who = `${row.name} on ${day(row.signed_at)}, report ${row.report_sha256.slice(0, 12)}…`;
        return row.decision === 'go'
          ? pass(`go by ${who}`)
          : fail(`no-go by ${who}`, `resolve what ${row.name} raised, then sign again: ${sign}`);
      }),
  };
}

export const signoffChecks: readonly Check[] = [
  signoffCheck('Technical', 'Technical Lead'),
  signoffCheck('Product', 'Product Owner'),
  signoffCheck('Security', 'Security Lead'),
  signoffCheck('Operations', 'Operations Lead'),
];
