/** The shape of a doctor check, and the helpers most checks share. */
import type { CheckContext } from '../context.js';
import type { CommandResult } from '../host-probe.js';
import { errorText, manual, warn, type Outcome } from '../outcome.js';
import { INSUFFICIENT_PRIVILEGE, sqlState, type SqlProbe } from '../sql-probe.js';

export interface Check {
  /** Stable id, e.g. `host.firewall`; items of the registry name it. */
  readonly id: string;
  /** What it verifies, one line, for docs/production-readiness.md. */
  readonly verifies: string;
  run(context: CheckContext): Promise<Outcome>;
}

/** Commands get most of the check's time budget, so the check can still describe a timeout. */
export function commandTimeoutMs(context: CheckContext): number {
  return Math.max(250, Math.floor(context.config.doctorCheckTimeoutMs * 0.8));
}

export function runCommand(
  context: CheckContext,
  program: string,
  args: readonly string[],
  cwd?: string,
): Promise<CommandResult> {
  const timeoutMs = commandTimeoutMs(context);
  return context.once(`run:${program} ${args.join(' ')}:${cwd ?? ''}`, () =>
    context.host.run(program, args, cwd === undefined ? { timeoutMs } : { timeoutMs, cwd }),
  );
}

/** One line describing a command that did not answer normally. */
export function commandTrouble(program: string, result: CommandResult): string {
  switch (result.kind) {
    case 'not-found':
      return `${program} is not installed`;
    case 'timed-out':
      return `${program} did not answer within ${result.timeoutMs} ms`;
    case 'error':
      return `${program} failed to start: ${result.message}`;
    case 'exited':
      return `${program} exited ${result.code}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}`;
  }
}

/** True when a command's complaint is that it needs root. */
export function complainsOfRoot(result: CommandResult): boolean {
  if (result.kind !== 'exited' || result.code === 0) return false;
  return /root|permission denied|must be run as|not permitted|privilege/i.test(
    `${result.stderr}\n${result.stdout}`,
  );
}

export interface DatabaseOptions {
  /** Settings of a PostgreSQL server that the embedded database does not have. */
  readonly postgresOnly?: boolean;
}

/** Runs a database check when there is a database to ask, and turns its errors into statuses. */
export async function withDatabase(
  context: CheckContext,
  check: (sql: SqlProbe) => Promise<Outcome>,
  options: DatabaseOptions = {},
): Promise<Outcome> {
  const access = context.database;
  const embedded = access.kind === 'unavailable' ? access.embedded : access.sql.kind === 'pglite';
  if (options.postgresOnly === true && embedded) {
    return warn(
      'not applicable to the embedded database (development only, see db.production)',
      'set DATABASE_URL to PostgreSQL 14+',
    );
  }
  if (access.kind === 'unavailable') {
    return warn(`not checked: ${access.reason}`, 'make the database reachable first (see db.reachable)');
  }
  try {
    return await check(access.sql);
  } catch (error) {
    if (sqlState(error) === INSUFFICIENT_PRIVILEGE) {
      return manual(
        `the database role cannot read this: ${errorText(error)}`,
        'run the doctor with a DATABASE_URL whose role may read it (e.g. granted pg_monitor), or confirm by hand',
      );
    }
    return warn(`could not query the database: ${errorText(error)}`, 'see db.reachable; rerun the doctor');
  }
}

/** True when Rampart runs on the embedded database (open or not): not a production setup. */
export function usesEmbedded(context: CheckContext): boolean {
  const access = context.database;
  return access.kind === 'unavailable' ? access.embedded : access.sql.kind === 'pglite';
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
