/**
 * Database checks: reachable, the right server, migrations current, extensions, pool sizing,
 * server settings and statistics. Every statement is a read, named here so fixtures can answer it.
 */
import { checksumOf } from '../../../platform/db/migrator.js';
import { migrations } from '../../../platform/db/migrations/index.js';
import type { CheckContext } from '../context.js';
import { errorText, fail, pass, warn } from '../outcome.js';
import { sqlState, UNDEFINED_TABLE, type SqlProbe } from '../sql-probe.js';
import { plural, usesEmbedded, withDatabase, type Check } from './check.js';
import { alertRules, findAlert } from './monitoring.js';

export const SQL = {
  ping: 'select 1 as ok',
  version: 'show server_version_num',
  database: 'select current_database() as name, current_user as role',
  migrations: 'select version, checksum from schema_migrations order by version',
  migrationsTable: "select to_regclass('schema_migrations') is not null as present",
  extensions:
    "select extname from pg_extension where extname in ('pgcrypto', 'pg_stat_statements') order by extname",
  statStatements: 'select count(*) as n from pg_stat_statements',
  settings:
    "select name, setting, unit from pg_settings where name in ('max_connections', 'superuser_reserved_connections', 'shared_buffers', 'effective_cache_size', 'work_mem', 'log_min_duration_statement', 'autovacuum', 'track_counts', 'listen_addresses') order by name",
  connections: 'select count(*) as n from pg_stat_activity',
  tableStats:
    'select relname, n_live_tup, seq_scan, idx_scan, last_analyze, last_autoanalyze from pg_stat_user_tables order by relname',
  slowStatements: (thresholdMs: number) =>
    `select count(*) as n, coalesce(max(mean_exec_time), 0) as worst_ms from pg_stat_statements where calls >= 5 and mean_exec_time > ${String(Math.floor(thresholdMs))}`,
  replication:
    'select pg_is_in_recovery() as standby, (select count(*) from pg_stat_replication) as replicas',
} as const;

const POSTGRES_MAJOR_MIN = 14;
/** Connections left for psql, backups and migrations beyond Rampart's pools. */
const CONNECTION_HEADROOM = 5;
/** A table this big should be read through its indexes, not scanned. */
const LARGE_TABLE_ROWS = 10_000;
/** Analyzed at least once once it holds this many rows. */
const ANALYZE_ROWS = 1000;

export interface SettingRow {
  name: string;
  setting: string;
  unit: string | null;
}

export async function serverSettings(
  context: CheckContext,
  sql: SqlProbe,
): Promise<ReadonlyMap<string, SettingRow>> {
  const rows = await context.once('sql:settings', () => sql.query<SettingRow>(SQL.settings));
  return new Map(rows.map((row) => [row.name, row]));
}

/** A pg_settings size in bytes (shared_buffers is counted in 8kB pages, work_mem in kB). */
export function settingBytes(row: SettingRow | undefined): number | undefined {
  if (row === undefined) return undefined;
  const value = Number(row.setting);
  const unit = row.unit ?? '';
  const scale: Record<string, number> = { B: 1, kB: 1024, '8kB': 8192, MB: 1024 ** 2, GB: 1024 ** 3 };
  return Number.isFinite(value) && scale[unit] !== undefined ? value * scale[unit] : undefined;
}

const reachable: Check = {
  id: 'db.reachable',
  verifies: 'the database at DATABASE_URL (or the embedded one) answers a query',
  async run(context) {
    const access = context.database;
    if (access.kind === 'unavailable') {
      return fail(
        access.reason,
        access.embedded
          ? 'set DATABASE_URL to PostgreSQL 14+ (docs/deployment.md)'
          : 'check DATABASE_URL, pg_hba.conf and that PostgreSQL runs',
      );
    }
    return withDatabase(context, async (sql) => {
      await sql.query(SQL.ping);
      const where = sql.url === undefined ? 'embedded PGlite' : `${sql.url.hostname}${sql.url.pathname}`;
      return pass(`answers (${where})`);
    });
  },
};

const version: Check = {
  id: 'db.version',
  verifies: 'the server is PostgreSQL 14 or later (not the embedded database)',
  async run(context) {
    if (usesEmbedded(context)) {
      return fail(
        'DATABASE_URL is unset: the embedded database (PGlite) is for development',
        'install PostgreSQL 14+ and set DATABASE_URL',
      );
    }
    return withDatabase(context, async (sql) => {
      const rows = await sql.query<{ server_version_num: string }>(SQL.version);
      const number = Number(rows[0]?.server_version_num ?? '0');
      const major = Math.floor(number / 10_000);
      return major >= POSTGRES_MAJOR_MIN
        ? pass(`PostgreSQL ${major} (${number})`)
        : fail(
            `PostgreSQL ${major} is older than ${POSTGRES_MAJOR_MIN}`,
            'upgrade PostgreSQL (pg_upgradecluster)',
          );
    });
  },
};

const production: Check = {
  id: 'db.production',
  verifies: 'Rampart uses a dedicated PostgreSQL database (not the embedded one, not `postgres`)',
  async run(context) {
    if (usesEmbedded(context)) {
      return fail(
        'DATABASE_URL is unset: the embedded database is for development',
        'createdb -O rampart_owner rampart and set DATABASE_URL (docs/deployment.md)',
      );
    }
    return withDatabase(context, async (sql) => {
      const row = (await sql.query<{ name: string; role: string }>(SQL.database))[0];
      const name = row?.name ?? '?';
      return ['postgres', 'template0', 'template1'].includes(name)
        ? fail(
            `Rampart's tables live in the ${name} database`,
            'create a database of its own: createdb -O rampart_owner rampart',
          )
        : pass(`database ${name}`);
    });
  },
};

const migrationsCurrent: Check = {
  id: 'db.migrations',
  verifies: 'every migration of this version is applied unchanged and the database has none it does not know',
  run: (context) =>
    withDatabase(context, async (sql) => {
      const present = (await sql.query<{ present: boolean }>(SQL.migrationsTable))[0]?.present === true;
      if (!present)
        return fail('no schema_migrations table: the database was never migrated', 'rampart migrate up');
      const rows = await sql.query<{ version: number; checksum: string }>(SQL.migrations);
      const applied = new Map(rows.map((r) => [r.version, r.checksum]));
      const pending = migrations.filter((m) => !applied.has(m.version)).map((m) => `${m.version} ${m.name}`);
      const changed = migrations
        .filter((m) => applied.has(m.version) && applied.get(m.version) !== checksumOf(m))
        .map((m) => `${m.version} ${m.name}`);
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...applied.keys()].filter((v) => !known.has(v));
      if (changed.length > 0 || unknown.length > 0) {
        return fail(
          [
            changed.length > 0 ? `changed after applying: ${changed.join(', ')}` : '',
            unknown.length > 0 ? `unknown to this version: ${unknown.join(', ')}` : '',
          ]
            .filter((s) => s !== '')
            .join('; '),
          'deploy the Rampart version that matches the database (docs/rollback.md)',
        );
      }
      if (pending.length > 0)
        return fail(`pending: ${pending.join(', ')}`, 'rampart migrate up (as the owner role)');
      return pass(`all ${migrations.length} migrations applied`);
    }),
};

const extensions: Check = {
  id: 'db.extensions',
  verifies: 'the pgcrypto and pg_stat_statements extensions are created',
  run: (context) =>
    withDatabase(context, async (sql) => {
      const found = new Set((await sql.query<{ extname: string }>(SQL.extensions)).map((r) => r.extname));
      const missing = ['pgcrypto', 'pg_stat_statements'].filter((e) => !found.has(e));
      if (missing.length === 0) return pass('pgcrypto and pg_stat_statements');
      const embedded = sql.kind === 'pglite' && missing.length === 1 && missing[0] === 'pg_stat_statements';
      return embedded
        ? warn(
            'pgcrypto only: the embedded database has no pg_stat_statements',
            'use PostgreSQL in production (see db.production)',
          )
        : fail(
            `missing: ${missing.join(', ')}`,
            `as a superuser: ${missing.map((e) => `create extension ${e};`).join(' ')} (apt install postgresql-contrib)`,
          );
    }),
};

const statStatements: Check = {
  id: 'db.stat-statements',
  verifies: 'pg_stat_statements is loaded (shared_preload_libraries) and tracks query performance',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        try {
          const n = (await sql.query<{ n: string }>(SQL.statStatements))[0]?.n ?? '0';
          return pass(`tracking ${n} statements`);
        } catch (error) {
          if (sqlState(error) === UNDEFINED_TABLE)
            return fail(
              'the pg_stat_statements extension is not created',
              'create extension pg_stat_statements; (as a superuser)',
            );
          if (/shared_preload_libraries/.test(errorText(error))) {
            return fail(
              'pg_stat_statements is not loaded',
              "shared_preload_libraries = 'pg_stat_statements' in postgresql.conf, then restart PostgreSQL",
            );
          }
          throw error;
        }
      },
      { postgresOnly: true },
    ),
};

const pool: Check = {
  id: 'db.pool',
  verifies:
    'DATABASE_POOL_MAX × Rampart processes fits under max_connections, with room for backups and psql',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        const settings = await serverSettings(context, sql);
        const max = Number(settings.get('max_connections')?.setting ?? 'NaN');
        const reserved = Number(settings.get('superuser_reserved_connections')?.setting ?? '3');
        const processes = context.config.doctorDatabaseProcesses;
        const need = context.config.databasePoolMax * processes;
        const available = max - reserved;
        const inUse = (await sql.query<{ n: string }>(SQL.connections))[0]?.n ?? '?';
        const found = `pools ${context.config.databasePoolMax} × ${processes} processes = ${need}; max_connections ${max} (${reserved} reserved), ${inUse} in use`;
        if (!Number.isFinite(max))
          return warn('cannot read max_connections', 'SHOW max_connections as a superuser');
        if (need > available)
          return fail(found, 'lower DATABASE_POOL_MAX or raise max_connections (restart PostgreSQL)');
        if (need > available - CONNECTION_HEADROOM)
          return warn(found, `leave ${CONNECTION_HEADROOM}+ connections for backups and psql`);
        return pass(found);
      },
      { postgresOnly: true },
    ),
};

const MIB = 1024 ** 2;

const tuning: Check = {
  id: 'db.tuning',
  verifies:
    'shared_buffers is raised from the 128 MB default (about a quarter of memory), with effective_cache_size and work_mem shown',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        const settings = await serverSettings(context, sql);
        const shared = settingBytes(settings.get('shared_buffers'));
        const cache = settingBytes(settings.get('effective_cache_size'));
        const work = settingBytes(settings.get('work_mem'));
        const mb = (bytes: number | undefined): string =>
          bytes === undefined ? '?' : `${Math.round(bytes / MIB)} MB`;
        const found = `shared_buffers ${mb(shared)}, effective_cache_size ${mb(cache)}, work_mem ${mb(work)}`;
        if (shared === undefined)
          return warn('cannot read shared_buffers', 'SHOW shared_buffers as a superuser');
        return shared <= 128 * MIB
          ? warn(
              `${found}: the defaults`,
              'apply the tuned snippet from deploy/ (shared_buffers = 512MB for 2 GB), then restart PostgreSQL',
            )
          : pass(found);
      },
      { postgresOnly: true },
    ),
};

const slowLog: Check = {
  id: 'db.slow-log',
  verifies: 'PostgreSQL logs slow statements (log_min_duration_statement set)',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        const value = (await serverSettings(context, sql)).get('log_min_duration_statement')?.setting;
        if (value === undefined)
          return warn(
            'cannot read log_min_duration_statement',
            'SHOW log_min_duration_statement as a superuser',
          );
        const ms = Number(value);
        if (ms < 0)
          return fail(
            'log_min_duration_statement = -1: slow statements are not logged',
            `log_min_duration_statement = ${context.config.slowQueryMs} in postgresql.conf, then reload`,
          );
        if (ms === 0)
          return warn(
            'log_min_duration_statement = 0 logs every statement',
            `set it to ${context.config.slowQueryMs} (ms)`,
          );
        return pass(`statements slower than ${ms} ms are logged`);
      },
      { postgresOnly: true },
    ),
};

const autovacuum: Check = {
  id: 'db.autovacuum',
  verifies: 'autovacuum and track_counts are on',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        const settings = await serverSettings(context, sql);
        const off = ['autovacuum', 'track_counts'].filter((name) => settings.get(name)?.setting !== 'on');
        return off.length > 0
          ? fail(
              `${off.join(' and ')} off`,
              `${off.map((n) => `${n} = on`).join(', ')} in postgresql.conf, then reload`,
            )
          : pass('autovacuum on, track_counts on');
      },
      { postgresOnly: true },
    ),
};

interface TableStats {
  relname: string;
  n_live_tup: string;
  seq_scan: string;
  idx_scan: string | null;
  last_analyze: Date | null;
  last_autoanalyze: Date | null;
}

const statistics: Check = {
  id: 'db.statistics',
  verifies: `every table of ${ANALYZE_ROWS}+ rows has been analyzed (planner statistics exist)`,
  run: (context) =>
    withDatabase(context, async (sql) => {
      const tables = await sql.query<TableStats>(SQL.tableStats);
      const stale = tables.filter(
        (t) => Number(t.n_live_tup) >= ANALYZE_ROWS && t.last_analyze === null && t.last_autoanalyze === null,
      );
      return stale.length > 0
        ? warn(
            `never analyzed: ${stale.map((t) => t.relname).join(', ')}`,
            'ANALYZE; (and check autovacuum runs, see db.autovacuum)',
          )
        : pass(`${plural(tables.length, 'table')}; every large one analyzed`);
    }),
};

const indexes: Check = {
  id: 'db.indexes',
  verifies: `no table of ${LARGE_TABLE_ROWS}+ rows is read mostly by sequential scans`,
  run: (context) =>
    withDatabase(context, async (sql) => {
      const tables = await sql.query<TableStats>(SQL.tableStats);
      const scanned = tables.filter((t) => {
        const rows = Number(t.n_live_tup);
        const seq = Number(t.seq_scan);
        const idx = Number(t.idx_scan ?? '0');
        return rows >= LARGE_TABLE_ROWS && seq > idx;
      });
      return scanned.length > 0
        ? warn(
            `mostly scanned sequentially: ${scanned.map((t) => `${t.relname} (${t.seq_scan} seq, ${t.idx_scan ?? 0} idx)`).join(', ')}`,
            'find the queries (pg_stat_statements) and add the index they need in a migration',
          )
        : pass(`${plural(tables.length, 'table')}; large tables are read through indexes`);
    }),
};

const slowQueries: Check = {
  id: 'db.slow-queries',
  verifies: 'no repeated statement averages more than SLOW_QUERY_MS (pg_stat_statements)',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        try {
          const row = (
            await sql.query<{ n: string; worst_ms: string }>(SQL.slowStatements(context.config.slowQueryMs))
          )[0];
          const n = Number(row?.n ?? '0');
          return n > 0
            ? warn(
                `${plural(n, 'statement')} average over ${context.config.slowQueryMs} ms (worst ${Math.round(Number(row?.worst_ms ?? 0))} ms)`,
                'select query, calls, mean_exec_time from pg_stat_statements order by mean_exec_time desc limit 5; then EXPLAIN ANALYZE them',
              )
            : pass(`no repeated statement averages over ${context.config.slowQueryMs} ms`);
        } catch (error) {
          if (sqlState(error) === UNDEFINED_TABLE || /shared_preload_libraries/.test(errorText(error))) {
            return warn(
              'pg_stat_statements is not available (see db.stat-statements)',
              'load pg_stat_statements to find slow statements',
            );
          }
          throw error;
        }
      },
      { postgresOnly: true },
    ),
};

const replication: Check = {
  id: 'db.replication',
  verifies: 'when the server has replicas (or is one), an alert watches replication lag',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        const row = (await sql.query<{ standby: boolean; replicas: string }>(SQL.replication))[0];
        const replicas = Number(row?.replicas ?? '0');
        if (row?.standby !== true && replicas === 0)
          return pass('no replica: replication lag does not apply');
        const rules = await alertRules(context);
        const found = rules.kind === 'ok' ? findAlert(rules.rules, /replicat|lag/i) : undefined;
        return found !== undefined
          ? pass(
              `${plural(replicas, 'replica')}${row?.standby === true ? ' (this is a standby)' : ''}; alert ${found}`,
            )
          : warn(
              `${plural(replicas, 'replica')} without a replication-lag alert`,
              'add the replication lag alert from deploy/monitoring/rules.yml',
            );
      },
      { postgresOnly: true },
    ),
};

export const databaseChecks: readonly Check[] = [
  reachable,
  version,
  production,
  migrationsCurrent,
  extensions,
  statStatements,
  pool,
  tuning,
  slowLog,
  autovacuum,
  statistics,
  indexes,
  slowQueries,
  replication,
];
