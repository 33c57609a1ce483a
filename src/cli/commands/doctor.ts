/**
 * `rampart doctor`: the production-readiness checklist (209 items), checked on this deployment.
 * The work is in src/ops/doctor/; this file reads the command line.
 */
import { parseArgs } from 'node:util';
import { environmentWithDotenv } from '../../config/index.js';
import { doctorCommand, type Format } from '../../ops/doctor/command.js';
import { installationRoot } from '../../ops/doctor/context.js';
import { nodeHostProbe } from '../../ops/doctor/node-host-probe.js';
import { openDoctorDatabase } from '../../ops/doctor/open-database.js';
import { packageVersion } from '../../platform/version.js';
import type { OperationsCommand } from '../command.js';
import { EXIT_OK, UsageError } from '../exit-codes.js';

export const DOCTOR_HELP = `rampart doctor — check the 209 production-readiness items on this deployment

Usage:
  rampart doctor [--json | --markdown] [--only SECTION] [--env-file PATH]
  rampart doctor --sign "ROLE: NAME" --decision go|no-go [--note TEXT]
  rampart doctor --signoffs [--json]

Each item is PASS, WARN, FAIL or MANUAL (a person must confirm it), with a one-line detail and,
unless it passes, a one-line fix. Exit 1 when any item FAILs, 0 otherwise.

Options:
  --json              The report as JSON: { summary, items: [{ id, section, title, status, detail, fix, … }], sha256 }
  --markdown          The report as Markdown, for the launch record
  --only SECTION      One section: its name ("Database") or short name (infra, db, app, sec, mon, perf,
                      rel, docs, test, comp, ops, team, prelaunch, postlaunch), or an id prefix (db.backup)
  --env-file PATH     The service's env file (default DOCTOR_ENV_FILE, /etc/rampart/rampart.env)
  --sign "ROLE: NAME" Record a go/no-go sign-off for this report (ROLE: Technical, Operations,
                      Security or Product), with --decision go|no-go and an optional --note
  --signoffs          List the recorded sign-offs

Run it as root to check what only root can read (sshd, the firewall, pg_hba.conf, the env file);
without root those items say so. Items: docs/production-readiness.md. Sign-off: docs/signoff.md.`;

export const run: OperationsCommand = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      only: { type: 'string' },
      sign: { type: 'string' },
      decision: { type: 'string' },
      note: { type: 'string' },
      signoffs: { type: 'boolean', default: false },
      'env-file': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(DOCTOR_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0)
    throw new UsageError(
      `doctor takes no arguments, got "${positionals.join(' ')}"; see rampart doctor --help`,
    );
  if (values.json && values.markdown) throw new UsageError('choose one of --json and --markdown');
  const format: Format = values.json ? 'json' : values.markdown ? 'markdown' : 'table';
  return doctorCommand(
    {
      format,
      only: values.only,
      sign: values.sign,
      decision: values.decision,
      note: values.note,
      signoffs: values.signoffs,
      envFile: values['env-file'],
    },
    {
      host: nodeHostProbe(),
      shellEnv: environmentWithDotenv(process.env),
      root: installationRoot(),
      version: packageVersion(),
      openDatabase: openDoctorDatabase,
      io,
    },
  );
};
