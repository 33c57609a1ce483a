/**
 * A worker process for the outbox crash test (test/integration/outbox-postgres.test.ts). It runs
 * the COMPILED worker (dist/, built by `npx tsc -p tsconfig.build.json`) so it needs no TypeScript
 * loader, and is killed with SIGKILL mid-job by the test.
 *
 * Environment: OUTBOX_CHILD_DATABASE_URL (PostgreSQL), OUTBOX_CHILD_LEASE_MS (the worker's lease).
 * Handler `probe.slow` records `started` in outbox_probe_events, then sleeps far longer than any
 * test waits, then records `completed` (which a killed child never reaches).
 */
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import { sql } from 'kysely';
import pino from 'pino';
import { openDatabase } from '../../dist/src/platform/db/database.js';
import { createWorker } from '../../dist/src/platform/outbox/worker.js';

const SLEEP_MS = 10 * 60_000;
/** Whatever happens to the test, this process never outlives this. */
const LIFETIME_MS_MAX = 2 * 60_000;

function requiredEnv(name) {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

const url = new URL(requiredEnv('OUTBOX_CHILD_DATABASE_URL'));
const leaseMs = Number(requiredEnv('OUTBOX_CHILD_LEASE_MS'));
if (!Number.isInteger(leaseMs) || leaseMs < 30 || leaseMs > 60_000) {
  throw new Error(`OUTBOX_CHILD_LEASE_MS must be an integer between 30 and 60000, got ${leaseMs}`);
}

setTimeout(() => {
  process.stderr.write('outbox-child: lifetime exceeded, exiting\n');
  process.exit(3);
}, LIFETIME_MS_MAX).unref();
// Started with an IPC channel: when the test process goes away, so does this one.
process.on('disconnect', () => process.exit(4));

const logger = pino({ level: 'warn' }, pino.destination(2));
const database = await openDatabase({
  url,
  dataDir: 'memory://',
  poolMax: 2,
  statementTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  slowQueryMs: 10_000,
  logger,
});
const db = database.db;

const worker = createWorker(
  db,
  {
    'probe.slow': async (job, { signal }) => {
      await sql`insert into outbox_probe_events (job_id, event, worker)
        values (${job.id}, 'started', 'child')`.execute(db);
      await sleep(SLEEP_MS, undefined, { signal });
      await sql`insert into outbox_probe_events (job_id, event, worker)
        values (${job.id}, 'completed', 'child')`.execute(db);
    },
  },
  { concurrency: 1, pollMs: 50, leaseMs, logger },
);
worker.start();
process.send?.({ ready: true, workerId: worker.id });
