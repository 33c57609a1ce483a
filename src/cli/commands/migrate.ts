/** `rampart migrate up|status`. */
import { migrateUp, migrationStatus } from '../../platform/db/migrator.js';
import { migrations } from '../../platform/db/migrations/index.js';
import { openRuntime } from '../../platform/runtime.js';
import type { CommandContext } from '../context.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit-codes.js';

export async function migrate(context: CommandContext, action: string | undefined): Promise<number> {
  if (action !== 'up' && action !== 'status') throw new UsageError('migrate needs an action: up or status');
  const runtime = await openRuntime(context.config, context.logger, {
    migrate: false,
    requireCurrentSchema: false,
  });
  try {
    if (action === 'up') {
      const { applied } = await migrateUp(runtime.database.db, migrations);
      context.stdout(
        applied.length === 0
          ? 'nothing to apply: schema is current'
          : applied.map((m) => `applied ${m.version} ${m.name}`).join('\n'),
      );
      return EXIT_OK;
    }
    const report = await migrationStatus(runtime.database.db, migrations);
    for (const m of report.migrations) {
      context.stdout(
        `${String(m.version).padStart(4, '0')}  ${m.name.padEnd(24)} ${m.state.padEnd(8)} ${m.appliedAt?.toISOString() ?? ''}`.trimEnd(),
      );
    }
    context.stdout(report.current ? 'schema is current' : 'schema is NOT current: run `rampart migrate up`');
    return report.current ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await runtime.close();
  }
}
