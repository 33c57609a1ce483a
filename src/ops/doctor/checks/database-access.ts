/**
 * Who may reach the database and with what: the application role's privileges, superusers,
 * pg_hba.conf methods and the listen address. The role checked is the one in DATABASE_URL (the
 * session's current_user), which is what the service connects as.
 */
import { isLocalHost } from '../../../config/mainnet-rules.js';
import type { CheckContext } from '../context.js';
import { fail, manual, needsRoot, pass, warn, type Outcome } from '../outcome.js';
import { describeRule, isOpenToAll, judgeMethod, parseHba, type HbaRule } from '../parse/pg-hba.js';
import { INSUFFICIENT_PRIVILEGE, sqlState, type SqlProbe } from '../sql-probe.js';
import { plural, withDatabase, type Check } from './check.js';
import { serverMajor } from './host.js';
import { serverSettings } from './database.js';

export const ACCESS_SQL = {
  role: 'select current_user as role, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls from pg_roles where rolname = current_user',
  /** Per table of the current schema: ownership, the privileges least privilege forbids, audit status. */
  tables: `select c.relname as table_name,
  pg_get_userbyid(c.relowner) = current_user as owned,
  has_table_privilege(current_user, c.oid, 'UPDATE') as can_update,
  has_table_privilege(current_user, c.oid, 'DELETE') as can_delete,
  has_table_privilege(current_user, c.oid, 'TRUNCATE') as can_truncate,
  has_table_privilege(current_user, c.oid, 'TRIGGER') as can_trigger,
  has_table_privilege(current_user, c.oid, 'REFERENCES') as can_reference,
  exists (select 1 from pg_trigger t join pg_proc p on p.oid = t.tgfoid
          where t.tgrelid = c.oid and p.proname = 'rampart_forbid_change') as append_only
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and n.nspname = current_schema()
order by c.relname`,
  create:
    "select has_schema_privilege(current_user, current_schema(), 'CREATE') as on_schema, has_database_privilege(current_user, current_database(), 'CREATE') as on_database",
  superusers: 'select rolname from pg_roles where rolsuper and rolcanlogin order by rolname',
  hbaRules:
    "select line_number, type, array_to_string(database, ',') as database, array_to_string(user_name, ',') as user_name, coalesce(address, '') as address, coalesce(netmask, '') as netmask, coalesce(auth_method, '') as auth_method, error from pg_hba_file_rules order by line_number",
  hbaFile: 'show hba_file',
} as const;

interface RoleRow {
  role: string;
  rolsuper: boolean;
  rolcreatedb: boolean;
  rolcreaterole: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
}

interface TableRow {
  table_name: string;
  owned: boolean;
  can_update: boolean;
  can_delete: boolean;
  can_truncate: boolean;
  can_trigger: boolean;
  can_reference: boolean;
  append_only: boolean;
}

async function roleOf(context: CheckContext, sql: SqlProbe): Promise<RoleRow | undefined> {
  const rows = await context.once('sql:role', () => sql.query<RoleRow>(ACCESS_SQL.role));
  return rows[0];
}

function roleAttributes(role: RoleRow): string[] {
  const found: string[] = [];
  if (role.rolsuper) found.push('SUPERUSER');
  if (role.rolcreatedb) found.push('CREATEDB');
  if (role.rolcreaterole) found.push('CREATEROLE');
  if (role.rolreplication) found.push('REPLICATION');
  if (role.rolbypassrls) found.push('BYPASSRLS');
  return found;
}

const privileges: Check = {
  id: 'db.privileges',
  verifies:
    'the role in DATABASE_URL is no superuser, has no CREATEDB/CREATEROLE, owns no table, cannot create, truncate or add triggers, and cannot UPDATE or DELETE the append-only (audit) tables',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        const role = await roleOf(context, sql);
        if (role === undefined)
          return warn('cannot read the current role from pg_roles', 'rerun with the application role');
        const tables = await sql.query<TableRow>(ACCESS_SQL.tables);
        const create = (await sql.query<{ on_schema: boolean; on_database: boolean }>(ACCESS_SQL.create))[0];
        const problems: string[] = [];
        const attributes = roleAttributes(role);
        if (attributes.length > 0) problems.push(`role ${role.role} has ${attributes.join(', ')}`);
        const owned = tables.filter((t) => t.owned).map((t) => t.table_name);
        if (owned.length > 0)
          problems.push(`owns ${plural(owned.length, 'table')} (and could drop their triggers)`);
        if (create?.on_schema === true) problems.push('may CREATE in the schema');
        if (create?.on_database === true) problems.push('may CREATE schemas in the database');
        const extra = tables
          .filter((t) => !t.owned && (t.can_truncate || t.can_trigger || t.can_reference))
          .map((t) => t.table_name);
        if (extra.length > 0) problems.push(`TRUNCATE/TRIGGER/REFERENCES on ${extra.join(', ')}`);
        const audit = tables.filter((t) => t.append_only);
        const writable = audit.filter((t) => t.can_update || t.can_delete).map((t) => t.table_name);
        if (writable.length > 0) problems.push(`UPDATE/DELETE on append-only ${writable.join(', ')}`);
        if (problems.length > 0) {
          return fail(
            `${role.role}: ${problems.join('; ')}`,
            'run the app as rampart_app and migrate as rampart_owner, with the grants from the deploy kit’s PostgreSQL setup script (docs/deployment.md)',
          );
        }
        return pass(
          `${role.role}: DML only, no CREATE, no table owned; ${plural(audit.length, 'append-only table')} read and insert only`,
        );
      },
      { postgresOnly: true },
    ),
};

const dedicatedUser: Check = {
  id: 'db.dedicated-user',
  verifies: 'Rampart connects as a role of its own, not postgres or another superuser',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        const role = await roleOf(context, sql);
        if (role === undefined)
          return warn('cannot read the current role', 'rerun with the application role');
        if (role.role === 'postgres' || role.rolsuper) {
          return fail(
            `Rampart connects as ${role.role}${role.rolsuper ? ' (a superuser)' : ''}`,
            'create rampart_app (deploy kit) and put it in DATABASE_URL',
          );
        }
        return pass(`connects as ${role.role}`);
      },
      { postgresOnly: true },
    ),
};

const superusers: Check = {
  id: 'db.superusers',
  verifies: 'only postgres can log in as a superuser (and Rampart’s role is not one)',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        const names = (await sql.query<{ rolname: string }>(ACCESS_SQL.superusers)).map((r) => r.rolname);
        const role = await roleOf(context, sql);
        if (role?.rolsuper === true)
          return fail(
            `Rampart's role ${role.role} is a superuser`,
            `ALTER ROLE ${role.role} NOSUPERUSER; (as postgres)`,
          );
        const others = names.filter((n) => n !== 'postgres');
        return others.length > 0
          ? warn(
              `superusers that can log in: ${names.join(', ')}`,
              `ALTER ROLE <name> NOSUPERUSER (or NOLOGIN) unless each is needed`,
            )
          : pass(`login superusers: ${names.join(', ') || 'none'}`);
      },
      { postgresOnly: true },
    ),
};

/** True when the database runs on this machine (so its files and listen address are ours to check). */
function databaseIsLocal(sql: SqlProbe): boolean {
  const url = sql.url;
  if (url === undefined) return true;
  const host = url.hostname || (url.searchParams.get('host') ?? '');
  return host === '' || host.startsWith('/') || isLocalHost(host);
}

interface HbaRow {
  line_number: number;
  type: string;
  database: string;
  user_name: string;
  address: string;
  netmask: string;
  auth_method: string;
  error: string | null;
}

function rowToRule(row: HbaRow): HbaRule {
  const anywhere = row.netmask === '0.0.0.0' || row.netmask === '::';
  return {
    line: row.line_number,
    type: row.type,
    database: row.database,
    user: row.user_name,
    address: anywhere ? `${row.address}/0` : row.address,
    method: row.auth_method,
  };
}

function judgeHba(rules: readonly HbaRule[], source: string): Outcome {
  const unsafe = rules.filter((r) => judgeMethod(r) === 'unsafe');
  const weak = rules.filter((r) => judgeMethod(r) === 'weak');
  const open = rules.filter((r) => isOpenToAll(r) && r.method !== 'reject');
  if (unsafe.length > 0) {
    return fail(
      `${source}: ${unsafe.map(describeRule).join('; ')}`,
      'use scram-sha-256 (peer for local), never trust or password; then reload PostgreSQL',
    );
  }
  if (open.length > 0)
    return warn(
      `${source}: open to any address: ${open.map(describeRule).join('; ')}`,
      'limit host rules to 127.0.0.1/32 and ::1/128',
    );
  if (weak.length > 0)
    return warn(
      `${source}: ${weak.map(describeRule).join('; ')}`,
      'prefer scram-sha-256 to md5/ident (password_encryption = scram-sha-256)',
    );
  return pass(
    `${source}: ${plural(rules.length, 'rule')}, ${[...new Set(rules.map((r) => r.method))].join('/')} only`,
  );
}

async function hbaFromFile(context: CheckContext, sql: SqlProbe): Promise<Outcome> {
  let path: string | undefined;
  try {
    path = (await sql.query<{ hba_file: string }>(ACCESS_SQL.hbaFile))[0]?.hba_file;
  } catch (error) {
    if (sqlState(error) !== INSUFFICIENT_PRIVILEGE) throw error;
  }
  if (path === undefined) {
    const major = await serverMajor(context);
    if (major === undefined)
      return manual('cannot locate pg_hba.conf', 'confirm pg_hba.conf uses scram-sha-256 and no trust');
    path = `/etc/postgresql/${major}/main/pg_hba.conf`;
  }
  const read = await context.host.readFile(path, 256 * 1024);
  if (read.kind === 'denied')
    return needsRoot(path, 'pg_hba.conf uses scram-sha-256 (peer for local), no trust');
  if (read.kind !== 'ok')
    return manual(`cannot read ${path}`, 'confirm pg_hba.conf uses scram-sha-256 (peer for local), no trust');
  return judgeHba(parseHba(read.text), path);
}

const hba: Check = {
  id: 'db.hba',
  verifies:
    'pg_hba.conf uses scram-sha-256 (or md5, peer for local sockets), never trust or password, and no rule is open to every address',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        if (!databaseIsLocal(sql)) {
          return manual(
            `the database runs on ${sql.url?.hostname ?? '?'}`,
            'confirm its pg_hba.conf admits only this server, with scram-sha-256',
          );
        }
        try {
          const rows = await sql.query<HbaRow>(ACCESS_SQL.hbaRules);
          const broken = rows.filter((r) => r.error !== null);
          if (broken.length > 0) {
            return fail(
              `pg_hba.conf has errors: ${broken.map((r) => `line ${r.line_number}: ${r.error ?? ''}`).join('; ')}`,
              'fix the lines, then reload PostgreSQL',
            );
          }
          return judgeHba(rows.map(rowToRule), 'pg_hba_file_rules');
        } catch (error) {
          if (sqlState(error) !== INSUFFICIENT_PRIVILEGE) throw error;
          return hbaFromFile(context, sql);
        }
      },
      { postgresOnly: true },
    ),
};

const LOCAL_ADDRESSES = new Set(['localhost', '127.0.0.1', '::1', '']);

const listen: Check = {
  id: 'db.listen',
  verifies: 'PostgreSQL listens on localhost only (listen_addresses)',
  run: (context) =>
    withDatabase(
      context,
      async (sql) => {
        if (!databaseIsLocal(sql)) {
          return manual(
            `the database runs on ${sql.url?.hostname ?? '?'}`,
            'confirm its firewall and pg_hba admit only this server',
          );
        }
        const value = (await serverSettings(context, sql)).get('listen_addresses')?.setting;
        if (value === undefined)
          return warn('cannot read listen_addresses', 'SHOW listen_addresses as a superuser');
        const addresses = value.split(',').map((a) => a.trim());
        if (addresses.some((a) => a === '*' || a === '0.0.0.0' || a === '::')) {
          return fail(
            `listen_addresses = '${value}': every interface`,
            "listen_addresses = 'localhost' in postgresql.conf, then restart PostgreSQL",
          );
        }
        const other = addresses.filter((a) => !LOCAL_ADDRESSES.has(a));
        return other.length > 0
          ? warn(
              `listen_addresses = '${value}'`,
              'confirm each non-local address is firewalled to this server only',
            )
          : pass(`listen_addresses = '${value}'`);
      },
      { postgresOnly: true },
    ),
};

export const databaseAccessChecks: readonly Check[] = [privileges, dedicatedUser, superusers, hba, listen];
