/**
 * `rampart doctor`: assemble what the service runs with (its unit's Environment=, its env file,
 * this shell), open the database read-only when there is one, run the checks, print the report,
 * and on `--sign` record a sign-off against the report's hash. Everything outside this process
 * arrives through `DoctorDeps`, so tests run the whole command against fixtures.
 */
import { join } from 'node:path';
import type { Env } from '../../config/load.js';
import { settings, type Config } from '../../config/schema.js';
import { DEFAULT_ENV_FILE, DEFAULT_SYSTEMD_DIR } from '../../config/settings-ops.js';
import type { CommandIo } from '../../cli/command.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../../cli/exit-codes.js';
import { OperatorError } from '../../platform/operator-error.js';
import type { Database } from '../../platform/db/database.js';
import {
  bestEffortConfig,
  memo,
  serviceEnvironment,
  type CheckContext,
  type DatabaseAccess,
} from './context.js';
import type { HostProbe } from './host-probe.js';
import { unitEnvironment } from './parse/systemd-unit.js';
import { renderJson, renderMarkdown, renderSignoffs, renderTable, signoffsJson } from './render.js';
import { runDoctor, selectItems, UnknownSectionError, type DoctorReport } from './run.js';
import {
  listSignoffs,
  parseDecision,
  parseSigner,
  recordSignoff,
  type Decision,
  type Signer,
} from './signoffs.js';
import { kyselySqlProbe } from './sql-probe.js';

export type Format = 'table' | 'json' | 'markdown';

export interface DoctorOptions {
  readonly format: Format;
  readonly only: string | undefined;
  readonly sign: string | undefined;
  readonly decision: string | undefined;
  readonly note: string | undefined;
  readonly signoffs: boolean;
  readonly envFile: string | undefined;
}

export type DatabaseSession =
  | {
      readonly kind: 'open';
      readonly database: Pick<Database, 'db' | 'kind'>;
      readonly url: URL | undefined;
      close(): Promise<void>;
    }
  | { readonly kind: 'unavailable'; readonly reason: string; readonly embedded: boolean };

export interface DoctorDeps {
  readonly host: HostProbe;
  /** This shell's environment (with a development .env underneath it). */
  readonly shellEnv: Env;
  readonly root: string;
  readonly version: string;
  openDatabase(config: Config): Promise<DatabaseSession>;
  readonly io: CommandIo;
}

const ENV_FILE_BYTES_MAX = 1024 * 1024;

interface SignRequest {
  readonly signer: Signer;
  readonly decision: Decision;
  readonly note: string | undefined;
}

/** Options that only make sense together, checked before anything runs. */
function signRequest(options: DoctorOptions): SignRequest | undefined {
  if (options.sign === undefined) {
    if (options.decision !== undefined || options.note !== undefined)
      throw new UsageError('--decision and --note go with --sign');
    return undefined;
  }
  if (options.only !== undefined) throw new UsageError('--sign signs the whole checklist: drop --only');
  if (options.signoffs) throw new UsageError('--sign and --signoffs are separate: record, or list');
  return { signer: parseSigner(options.sign), decision: parseDecision(options.decision), note: options.note };
}

/** The service's environment: its unit's Environment= lines, its env file, then this shell. */
async function serviceEnv(
  deps: DoctorDeps,
  options: DoctorOptions,
): Promise<{ env: Env; envFile: CheckContext['envFile'] }> {
  const shell = deps.shellEnv;
  const envFilePath = options.envFile ?? shell[settings.doctorEnvFile.env] ?? DEFAULT_ENV_FILE;
  const read = await deps.host.readFile(envFilePath, ENV_FILE_BYTES_MAX);
  const fromFile = serviceEnvironment({}, read);
  const systemdDir =
    shell[settings.doctorSystemdDir.env] ?? fromFile[settings.doctorSystemdDir.env] ?? DEFAULT_SYSTEMD_DIR;
  const unit = await deps.host.readFile(join(systemdDir, 'rampart.service'), ENV_FILE_BYTES_MAX);
  const fromUnit = unit.kind === 'ok' ? unitEnvironment(unit.text) : {};
  return { env: { ...fromUnit, ...fromFile, ...shell }, envFile: { path: envFilePath, read } };
}

function databaseAccess(session: DatabaseSession): DatabaseAccess {
  if (session.kind === 'unavailable')
    return { kind: 'unavailable', reason: session.reason, embedded: session.embedded };
  return { kind: 'open', sql: kyselySqlProbe(session.database.db, session.database.kind, session.url) };
}

function render(report: DoctorReport, format: Format): string[] {
  if (format === 'json') return renderJson(report);
  if (format === 'markdown') return renderMarkdown(report);
  return renderTable(report);
}

async function listCommand(deps: DoctorDeps, session: DatabaseSession, format: Format): Promise<number> {
  if (session.kind === 'unavailable') throw new OperatorError(`cannot read the sign-offs: ${session.reason}`);
  const signoffs = await listSignoffs(session.database.db);
  for (const line of format === 'json' ? signoffsJson(signoffs) : renderSignoffs(signoffs))
    deps.io.stdout(line);
  return EXIT_OK;
}

async function sign(
  deps: DoctorDeps,
  session: Extract<DatabaseSession, { kind: 'open' }>,
  report: DoctorReport,
  request: SignRequest,
): Promise<number> {
  const recorded = await recordSignoff(session.database.db, {
    signer: request.signer,
    decision: request.decision,
    reportSha256: report.sha256,
    counts: report.summary,
    note: request.note,
    host: report.host,
    rampartVersion: deps.version,
  });
  if (request.decision === 'go' && report.summary.FAIL > 0) {
    deps.io.stderr(`rampart doctor: warning: "go" recorded with ${report.summary.FAIL} items failing`);
  }
  deps.io.stderr(
    `rampart doctor: recorded ${recorded.decision} by ${recorded.role}: ${recorded.name} at ${recorded.signedAt.toISOString()} for report ${recorded.reportSha256}`,
  );
  return EXIT_OK;
}

/** An unknown --only is a usage error, reported before anything is opened. */
function checkSelection(only: string | undefined): void {
  try {
    selectItems(only);
  } catch (error) {
    if (error instanceof UnknownSectionError) throw new UsageError(error.message);
    throw error;
  }
}

export async function doctorCommand(options: DoctorOptions, deps: DoctorDeps): Promise<number> {
  const request = signRequest(options);
  checkSelection(options.only);
  const { env, envFile } = await serviceEnv(deps, options);
  const { config, problems } = bestEffortConfig(env);
  const session = await deps.openDatabase(config);
  try {
    // A sign-off that cannot be stored is refused before the checks run, not after.
    if (request !== undefined && session.kind === 'unavailable') {
      throw new OperatorError(`cannot record the sign-off: ${session.reason}`);
    }
    if (options.signoffs) return await listCommand(deps, session, options.format);
    const context: CheckContext = {
      host: deps.host,
      config,
      configProblems: problems,
      env,
      envFile,
      database: databaseAccess(session),
      root: deps.root,
      once: memo(),
    };
    const report = await runDoctor(context, { only: options.only, version: deps.version });
    for (const line of render(report, options.format)) deps.io.stdout(line);
    if (request !== undefined && session.kind === 'open') return await sign(deps, session, report, request);
    return report.summary.FAIL > 0 ? EXIT_FAILURE : EXIT_OK;
  } finally {
    if (session.kind === 'open') await session.close();
  }
}
