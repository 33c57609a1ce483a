/**
 * Writes docs/database-schema.md from the migrations, or with `--check` fails when the checked-in
 * file differs from a fresh rendering (CI runs the check so the reference stays current).
 *
 *   npm run docs:schema          # regenerate
 *   npm run docs:schema:check    # exit 1 when out of date
 *
 * The migrations are applied one at a time to an in-memory embedded PostgreSQL (PGlite), so each
 * table is attributed to the migration that created it; the catalog (pg_catalog) is then read back:
 * columns, types, nullability, defaults, constraints, indexes, triggers, views and functions. Every
 * list is sorted by name (columns by position), so the rendering depends on the migrations alone.
 */
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { openDatabase } from '../src/platform/db/database.js';
import { migrateUp } from '../src/platform/db/migrator.js';
import { migrations, type Migration } from '../src/platform/db/migrations/index.js';
import type { Tables } from '../src/platform/db/schema.js';
import { code, table, writeOrCheck } from './generated-doc.js';

export const SCHEMA_DOC_PATH = 'docs/database-schema.md';

/** Generous for one catalog query on the embedded database. */
const STATEMENT_TIMEOUT_MS = 60_000;

interface Relation {
  readonly name: string;
  readonly kind: 'table' | 'view';
  /** The migration that created it; 0 for `schema_migrations`, which the migrator itself creates. */
  readonly version: number;
}

interface Column {
  readonly relation: string;
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  readonly defaultValue: string | null;
  readonly identity: string;
}

interface NamedDefinition {
  readonly relation: string;
  readonly name: string;
  readonly definition: string;
}

interface Constraint extends NamedDefinition {
  readonly kind: string;
}

interface Catalog {
  readonly relations: readonly Relation[];
  readonly columns: readonly Column[];
  readonly constraints: readonly Constraint[];
  readonly indexes: readonly NamedDefinition[];
  readonly triggers: readonly NamedDefinition[];
  readonly views: readonly NamedDefinition[];
  readonly functions: readonly NamedDefinition[];
  readonly extensions: readonly string[];
}

const CONSTRAINT_KINDS: Readonly<Record<string, string>> = {
  p: 'primary key',
  f: 'foreign key',
  u: 'unique',
  c: 'check',
  x: 'exclusion',
};

/** Applies the migrations one by one to a fresh in-memory database and reads the catalog back. */
async function readCatalog(): Promise<Catalog> {
  const database = await openDatabase({
    url: undefined,
    dataDir: 'memory://',
    poolMax: 1,
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: STATEMENT_TIMEOUT_MS,
    slowQueryMs: STATEMENT_TIMEOUT_MS,
    logger: pino({ level: 'silent' }),
  });
  try {
    const { db } = database;
    const createdBy = new Map<string, number>();
    for (let count = 0; count <= migrations.length; count++) {
      // count 0 creates only schema_migrations (the migrator's own table); then one migration each.
      await migrateUp(db, migrations.slice(0, count));
      for (const relation of await relationNames(db)) {
        if (!createdBy.has(relation)) createdBy.set(relation, count);
      }
    }
    return {
      relations: await relations(db, createdBy),
      columns: await columns(db),
      constraints: await constraints(db),
      indexes: await indexes(db),
      triggers: await triggers(db),
      views: await views(db),
      functions: await functions(db),
      extensions: await extensions(db),
    };
  } finally {
    await database.close();
  }
}

/** Ordinary tables and views of the public schema, excluding those an extension owns. */
const OWN_RELATIONS = sql`
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'v', 'p')
    and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')`;

async function relationNames(db: Kysely<Tables>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select c.relname as name ${OWN_RELATIONS}`.execute(db);
  return rows.map((row) => row.name);
}

async function relations(db: Kysely<Tables>, createdBy: ReadonlyMap<string, number>): Promise<Relation[]> {
  const { rows } = await sql<{ name: string; relkind: string }>`
    select c.relname as name, c.relkind::text as relkind ${OWN_RELATIONS}`.execute(db);
  return rows
    .map((row) => ({
      name: row.name,
      kind: row.relkind === 'v' ? ('view' as const) : ('table' as const),
      version: createdBy.get(row.name) ?? 0,
    }))
    .sort((a, b) => orderOf(a) - orderOf(b) || compare(a.name, b.name));
}

/** Tables in the order of the migrations that created them; the migrator's own table last. */
function orderOf(relation: Relation): number {
  return relation.version === 0 ? Number.MAX_SAFE_INTEGER : relation.version;
}

async function columns(db: Kysely<Tables>): Promise<Column[]> {
  const { rows } = await sql<{
    relation: string;
    name: string;
    type: string;
    not_null: boolean;
    default_value: string | null;
    identity: string;
  }>`
    select c.relname as relation, a.attname as name,
           format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
           pg_get_expr(ad.adbin, ad.adrelid) as default_value, a.attidentity::text as identity
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
    where n.nspname = 'public' and c.relkind in ('r', 'v', 'p') and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`.execute(db);
  return rows.map((row) => ({
    relation: row.relation,
    name: row.name,
    type: row.type,
    notNull: row.not_null,
    defaultValue: row.default_value,
    identity: row.identity,
  }));
}

async function constraints(db: Kysely<Tables>): Promise<Constraint[]> {
  const { rows } = await sql<{ relation: string; name: string; kind: string; definition: string }>`
    select c.relname as relation, k.conname as name, k.contype::text as kind,
           pg_get_constraintdef(k.oid) as definition
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_namespace n on n.oid = c.relnamespace
    -- Not-null constraints show in the columns, constraint triggers under Triggers.
    where n.nspname = 'public' and k.contype not in ('n', 't')
    order by c.relname, k.conname`.execute(db);
  return rows.map((row) => ({ ...row, kind: CONSTRAINT_KINDS[row.kind] ?? row.kind }));
}

async function indexes(db: Kysely<Tables>): Promise<NamedDefinition[]> {
  const { rows } = await sql<NamedDefinition>`
    select tablename as relation, indexname as name, indexdef as definition
    from pg_indexes where schemaname = 'public'
    order by tablename, indexname`.execute(db);
  return rows;
}

async function triggers(db: Kysely<Tables>): Promise<NamedDefinition[]> {
  const { rows } = await sql<NamedDefinition>`
    select c.relname as relation, t.tgname as name, pg_get_triggerdef(t.oid) as definition
    from pg_trigger t
    join pg_class c on c.oid = t.tgrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and not t.tgisinternal
    order by c.relname, t.tgname`.execute(db);
  return rows;
}

async function views(db: Kysely<Tables>): Promise<NamedDefinition[]> {
  const { rows } = await sql<NamedDefinition>`
    select viewname as relation, viewname as name, definition
    from pg_views where schemaname = 'public'
    order by viewname`.execute(db);
  return rows;
}

/** Rampart's own functions (trigger functions); those of extensions such as pgcrypto are left out. */
async function functions(db: Kysely<Tables>): Promise<NamedDefinition[]> {
  const { rows } = await sql<NamedDefinition>`
    select p.proname as relation, p.proname as name,
           p.proname || '(' || pg_get_function_arguments(p.oid) || ') returns ' ||
             pg_get_function_result(p.oid) || ', language ' || l.lanname as definition
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    join pg_language l on l.oid = p.prolang
    where n.nspname = 'public'
      and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
    order by p.proname`.execute(db);
  return rows;
}

async function extensions(db: Kysely<Tables>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select extname as name from pg_extension where extname <> 'plpgsql' order by extname`.execute(db);
  return rows.map((row) => row.name);
}

/**
 * The `--` comment lines right above `create table <name>` (or `create view`) in a migration: the
 * authors' one-line explanation of the table, when they wrote one.
 */
function sqlCommentAbove(migration: Migration | undefined, relation: string): string {
  if (migration === undefined) return '';
  const lines = migration.sql.split('\n');
  const at = lines.findIndex((line) =>
    new RegExp(`^create (table|view) ${relation}\\b`, 'u').test(line.trim()),
  );
  const comment: string[] = [];
  for (let index = at - 1; index >= 0; index--) {
    const line = (lines[index] ?? '').trim();
    if (!line.startsWith('--')) break;
    comment.unshift(line.replace(/^--\s?/u, ''));
  }
  return comment.join(' ');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function renderSchemaDoc(): Promise<string> {
  const catalog = await readCatalog();
  const lines = [...intro(catalog), ...migrationsSection(catalog)];
  for (const relation of catalog.relations) lines.push(...relationSection(relation, catalog));
  lines.push(...functionsSection(catalog));
  return `${lines.join('\n')}\n`;
}

function intro(catalog: Catalog): string[] {
  return [
    '# Database schema',
    '',
    '<!-- Generated from src/platform/db/migrations/ by scripts/gen-schema-doc.ts. Do not edit by hand:',
    '     run `npm run build && npm run docs:schema`. CI fails when this file is out of date. -->',
    '',
    'The schema Rampart’s migrations build, read back from the PostgreSQL catalog after applying them',
    'to an empty database. Apply them with `rampart migrate up`; `rampart migrate status` shows what',
    'is applied. Migrations are forward-only: an applied migration is never edited, only followed',
    '(see [maintenance.md](maintenance.md)).',
    '',
    '- Money columns are `numeric(39,0)` (or `numeric(20,0)` for stroops) in minor units: kobo,',
    '  stroops. They arrive in the application as strings and become `bigint`.',
    '- Tables whose trigger calls `rampart_forbid_change()` are append-only: update and delete raise.',
    `- Extensions the migrations create: ${catalog.extensions.map(code).join(', ')}.`,
    '  `pg_stat_statements` is also enabled when the server offers it (it needs',
    '  `shared_preload_libraries`); this rendering comes from the embedded database, which does not.',
    '',
  ];
}

function migrationsSection(catalog: Catalog): string[] {
  const rows = migrations.map((m) => [
    String(m.version).padStart(4, '0'),
    code(m.name),
    catalog.relations
      .filter((r) => r.version === m.version)
      .map((r) => `[${code(r.name)}](#${r.name})`)
      .join(', '),
  ]);
  return ['## Migrations', '', ...table(['Version', 'Name', 'Creates'], rows), ''];
}

function relationSection(relation: Relation, catalog: Catalog): string[] {
  const { name } = relation;
  const migration = migrations.find((m) => m.version === relation.version);
  const origin =
    migration === undefined
      ? 'Created by the migrator itself: one row per applied migration, with a SHA-256 of its SQL.'
      : `${relation.kind === 'view' ? 'View' : 'Table'} created by migration ${String(migration.version).padStart(4, '0')} (${code(migration.name)}).`;
  const comment = sqlCommentAbove(migration, name);
  const lines = [`## ${name}`, '', comment === '' ? origin : `${origin} ${comment}`, ''];
  const own = <T extends { relation: string }>(items: readonly T[]): T[] =>
    items.filter((item) => item.relation === name);
  const columnRows = own(catalog.columns).map((c) =>
    // A view's columns have no nullability or default of their own.
    relation.kind === 'view'
      ? [code(c.name), code(c.type)]
      : [code(c.name), code(c.type), c.notNull ? 'not null' : 'null', defaultOf(c)],
  );
  const header = relation.kind === 'view' ? ['Column', 'Type'] : ['Column', 'Type', 'Null', 'Default'];
  lines.push(...table(header, columnRows), '');
  const constraintItems = own(catalog.constraints);
  if (constraintItems.length > 0) {
    lines.push('**Constraints**', '');
    for (const c of constraintItems) lines.push(`- ${code(c.name)} (${c.kind}): ${code(c.definition)}`);
    lines.push('');
  }
  lines.push(...definitionList('Indexes', own(catalog.indexes)));
  lines.push(...definitionList('Triggers', own(catalog.triggers)));
  if (relation.kind === 'view') lines.push(...viewDefinition(own(catalog.views)));
  return lines;
}

function defaultOf(column: Column): string {
  if (column.identity === 'a') return 'generated always as identity';
  if (column.identity === 'd') return 'generated by default as identity';
  return column.defaultValue === null ? '' : code(column.defaultValue);
}

function definitionList(title: string, items: readonly NamedDefinition[]): string[] {
  if (items.length === 0) return [];
  return [`**${title}**`, '', ...items.map((item) => `- ${code(item.name)}: ${code(item.definition)}`), ''];
}

function viewDefinition(items: readonly NamedDefinition[]): string[] {
  const lines: string[] = [];
  for (const item of items) {
    const body = item.definition
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trim();
    lines.push('**Definition**', '', '```sql', body, '```', '');
  }
  return lines;
}

function functionsSection(catalog: Catalog): string[] {
  if (catalog.functions.length === 0) return [];
  return [
    '## Functions',
    '',
    'Rampart’s own functions, used by the triggers above (those of extensions are left out).',
    '',
    ...catalog.functions.map((f) => `- ${code(f.definition)}`),
    '',
  ];
}

process.exitCode = await writeOrCheck(
  { generator: 'gen-schema-doc', path: SCHEMA_DOC_PATH, regenerate: 'docs:schema', render: renderSchemaDoc },
  process.argv.slice(2),
);
