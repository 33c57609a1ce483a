/** `rampart jobs list|replay|probe`: look at the outbox, replay dead jobs, prove a worker runs. */
import { PROBE_JOB_TYPE } from '../../flows/probe.js';
import type { JobState } from '../../platform/db/schema.js';
import { enqueue, listJobs, replayDeadJob } from '../../platform/outbox/jobs.js';
import { openRuntime } from '../../platform/runtime.js';
import type { CommandContext } from '../context.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit-codes.js';

const STATES: readonly JobState[] = ['pending', 'running', 'succeeded', 'dead'];

export interface JobsArgs {
  readonly action: string | undefined;
  readonly id: string | undefined;
  readonly state: string | undefined;
  readonly limit: string | undefined;
  readonly sleepMs: string | undefined;
}

export async function jobs(context: CommandContext, args: JobsArgs): Promise<number> {
  const { action } = args;
  if (action !== 'list' && action !== 'replay' && action !== 'probe')
    throw new UsageError('jobs needs an action: list, replay or probe');
  const state = args.state === undefined ? undefined : STATES.find((s) => s === args.state);
  if (args.state !== undefined && state === undefined)
    throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
  if (action === 'replay' && (args.id === undefined || !/^\d{1,18}$/.test(args.id)))
    throw new UsageError('jobs replay needs a job id');
  const limit = integerArg(args.limit, '--limit', 50);
  const sleepMs = integerArg(args.sleepMs, '--sleep-ms', 0);
  const runtime = await openRuntime(context.config, context.logger, {
    migrate: false,
    requireCurrentSchema: true,
  });
  try {
    const db = runtime.database.db;
    if (action === 'list') {
      const rows = await listJobs(db, state === undefined ? { limit } : { state, limit });
      for (const job of rows) {
        context.stdout(
          [
            job.id,
            job.type,
            job.state,
            `${job.attempts}/${job.maxAttempts}`,
            job.runAt.toISOString(),
            job.lastError ?? '',
          ]
            .join('\t')
            .trimEnd(),
        );
      }
      return EXIT_OK;
    }
    if (action === 'replay') {
      const replayed = await replayDeadJob(db, args.id ?? '');
      context.stdout(
        replayed
          ? `job ${args.id ?? ''} queued again`
          : `job ${args.id ?? ''} is not dead (or does not exist): nothing replayed`,
      );
      return replayed ? EXIT_OK : EXIT_FAILURE;
    }
    const { id } = await enqueue(
      db,
      { type: PROBE_JOB_TYPE, payload: { sleepMs } },
      runtime.config.jobMaxAttempts,
    );
    context.stdout(`probe job ${id} enqueued; watch it with: rampart jobs list`);
    return EXIT_OK;
  } finally {
    await runtime.close();
  }
}

function integerArg(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new UsageError(`${name} must be a whole number`);
  return Number(raw);
}
