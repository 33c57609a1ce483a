#!/usr/bin/env node
/**
 * The `rampart` command. Problems an operator can fix (bad configuration, bad arguments, a database
 * that refuses) end with one clear line and a documented exit code — never a stack trace.
 */
import { parseArgs } from 'node:util';
import { redactedConfig } from '../config/index.js';
import { packageVersion } from '../platform/version.js';
import { OperatorError } from '../platform/operator-error.js';
import { loadContext } from './context.js';
import type { OperationsCommand } from './command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './exit-codes.js';

const HELP = `rampart — Stellar anchor server (Paystack ⇄ Stellar)

Usage: rampart <command> [options]

Commands:
  serve [--with-worker] [--migrate]   Run the HTTP server (with an outbox worker in the same process)
  worker                              Run an outbox worker (run as many as you like)
  migrate up                          Apply pending database migrations
  migrate status                      Show applied and pending migrations (exit 1 when not current)
  jobs list [--state S] [--limit N]   List outbox jobs (S: pending, running, succeeded, dead)
  jobs replay <id>                    Send a dead job back to the queue
  jobs probe [--sleep-ms N]           Enqueue a probe job to prove a worker is running
  sandbox [--port N] [--channels N]   Rampart with local Horizon and Paystack doubles, seeded accounts,
                                      and sandbox.json listing every URL and key (never on mainnet)
  backup [--help]                     Encrypted PostgreSQL backup with a manifest, retention, off-site copy
  restore <file> [--verify] [--help]  Restore a backup (or verify it in a scratch database and drop it)
  doctor [--json|--markdown] [--only SECTION]
                                      Check the 209 production-readiness items on this deployment
  doctor --sign "ROLE: NAME" --decision go|no-go [--note TEXT] | --signoffs
                                      Record or list the go/no-go sign-offs (docs/signoff.md)
  config                              Print the effective configuration, secrets redacted
  version                             Print the version
  help                                Print this help

Configuration comes from the environment (and .env outside production): see docs/configuration.md.
Without DATABASE_URL, Rampart uses an embedded PostgreSQL under RAMPART_DATA_DIR (default ./data).

Exit codes: 0 success, 1 failure, 2 wrong usage, 78 invalid configuration.`;

/** Operations commands parse their own options (they have many); the rest share the parser below. */
const SELF_PARSING: Readonly<Record<string, () => Promise<{ run: OperationsCommand }>>> = {
  backup: () => import('./commands/backup.js'),
  restore: () => import('./commands/restore.js'),
  doctor: () => import('./commands/doctor.js'),
};

async function run(argv: readonly string[]): Promise<number> {
  const selfParsing = argv[0] === undefined ? undefined : SELF_PARSING[argv[0]];
  if (selfParsing !== undefined) {
    const { run: command } = await selfParsing();
    return command(argv.slice(1), {
      stdout: (line) => process.stdout.write(`${line}\n`),
      stderr: (line) => process.stderr.write(`${line}\n`),
    });
  }
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      'with-worker': { type: 'boolean', default: false },
      migrate: { type: 'boolean', default: false },
      state: { type: 'string' },
      limit: { type: 'string' },
      'sleep-ms': { type: 'string' },
      port: { type: 'string' },
      channels: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  const [command, action, id] = positionals;
  if (values.version || command === 'version') {
    process.stdout.write(`rampart ${packageVersion()} (node ${process.version})\n`);
    return EXIT_OK;
  }
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined && !values.help ? EXIT_USAGE : EXIT_OK;
  }
  switch (command) {
    // Commands load on demand: `rampart version` should not pay for the HTTP server and database.
    case 'serve': {
      const { serve } = await import('./commands/serve.js');
      await serve(loadContext(), { withWorker: values['with-worker'], migrate: values.migrate });
      return EXIT_OK;
    }
    case 'worker': {
      const { worker } = await import('./commands/worker.js');
      await worker(loadContext());
      return EXIT_OK;
    }
    case 'migrate': {
      const { migrate } = await import('./commands/migrate.js');
      return migrate(loadContext(), action);
    }
    case 'jobs': {
      const { jobs } = await import('./commands/jobs.js');
      const sleepMs = values['sleep-ms'];
      return jobs(loadContext(), { action, id, state: values.state, limit: values.limit, sleepMs });
    }
    case 'sandbox': {
      const { sandbox } = await import('./commands/sandbox.js');
      await sandbox({ port: values.port, channels: values.channels }, (line) =>
        process.stdout.write(`${line}\n`),
      );
      return EXIT_OK;
    }
    case 'config': {
      const context = loadContext();
      context.stdout(JSON.stringify(redactedConfig(context.config), null, 2));
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown command "${command}"; see rampart help`);
  }
}

/** Operating errors become one line and an exit code; anything else is a bug and keeps its stack. */
function exitCodeOf(error: unknown): { code: number; message: string } | undefined {
  if (error instanceof OperatorError) return { code: error.exitCode, message: error.message };
  if (
    error instanceof Error &&
    (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') === true
  ) {
    return { code: EXIT_USAGE, message: error.message };
  }
  if (
    error instanceof Error &&
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|timeout|password authentication|does not exist/i.test(error.message)
  ) {
    return { code: EXIT_FAILURE, message: `cannot reach a required service: ${error.message}` };
  }
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return { code: EXIT_FAILURE, message: `cannot listen: ${(error as Error).message}` };
  }
  return undefined;
}

const NODE_MAJOR_SUPPORTED = 24;
if (Number(process.versions.node.split('.')[0]) < NODE_MAJOR_SUPPORTED) {
  process.stderr.write(
    `rampart: warning: Node.js ${process.version} is past its end of life; Rampart targets Node.js ${NODE_MAJOR_SUPPORTED} LTS (source scripts/node24.sh)\n`,
  );
}

run(process.argv.slice(2)).then(
  (code) => {
    // Long-running commands (serve, worker) keep the event loop alive; the others exit here.
    if (code !== EXIT_OK) process.exitCode = code;
  },
  (error: unknown) => {
    const known = exitCodeOf(error);
    const message =
      known === undefined
        ? `rampart: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`
        : `rampart: ${known.message}\n`;
    // Exit explicitly: a half-started server may hold pools or timers that would keep us alive.
    process.stderr.write(message, () => process.exit(known?.code ?? EXIT_FAILURE));
  },
);
