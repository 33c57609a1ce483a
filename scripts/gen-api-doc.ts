/**
 * Writes docs/api.md from the OpenAPI document the running app serves at /openapi.json, or with
 * `--check` fails when the checked-in file differs from a fresh rendering (CI runs the check).
 *
 *   npm run docs:api          # regenerate
 *   npm run docs:api:check    # exit 1 when out of date
 *
 * The app is composed exactly as `rampart serve` composes it (buildApp, then registerSeps) on the
 * embedded defaults with an in-memory data directory, from a fixed environment — never the
 * caller's — so the rendering depends on the code alone. Which routes need a SEP-10 token is read
 * from Fastify's own route table (the `requireSep10` hook), because the route schemas do not
 * declare it.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig } from '../src/config/index.js';
import { buildApp } from '../src/platform/http/app.js';
import { openRuntime } from '../src/platform/runtime.js';
import { sep10Guard } from '../src/sep/auth.js';
import { registerSeps } from '../src/sep/index.js';
import { code, table, writeOrCheck } from './generated-doc.js';

export const API_DOC_PATH = 'docs/api.md';

/** The methods an OpenAPI path item may hold, in the order they are rendered. */
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
type Method = (typeof METHODS)[number];

/** Nesting deeper than this in a route schema is a bug in the schema or in this renderer. */
const SCHEMA_DEPTH_MAX = 8;

/** OpenAPI's placeholder when a route gives no description of a response. */
const DEFAULT_RESPONSE_DESCRIPTION = 'Default Response';

interface Schema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly patternProperties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean | Schema;
  readonly required?: readonly string[];
  readonly description?: string;
  readonly format?: string;
  readonly pattern?: string;
  readonly default?: unknown;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly maxProperties?: number;
}

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly description?: string;
  readonly schema?: Schema;
}

interface Content {
  readonly schema?: Schema;
}

interface Operation {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly deprecated?: boolean;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: {
    readonly required?: boolean;
    readonly content?: Readonly<Record<string, Content>>;
  };
  readonly responses?: Readonly<
    Record<string, { readonly description?: string; readonly content?: Readonly<Record<string, Content>> }>
  >;
}

interface OpenApiDocument {
  readonly info?: { readonly title?: string; readonly description?: string };
  readonly paths?: Readonly<Record<string, Partial<Record<Method, Operation>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, Schema>> };
}

interface ComposedApp {
  readonly document: OpenApiDocument;
  /** `GET /path` (OpenAPI path syntax) → names of the hook functions Fastify runs for it. */
  readonly hooks: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The app as `rampart serve` builds it, on embedded defaults in memory, from a fixed environment. */
async function composeApp(): Promise<ComposedApp> {
  const loaded = loadConfig({ RAMPART_DATA_DIR: 'memory://' });
  if (!loaded.ok) throw new Error(`default configuration is invalid: ${loaded.problems.join('; ')}`);
  const logger = pino({ level: 'silent' });
  const runtime = await openRuntime(loaded.config, logger, { migrate: true, requireCurrentSchema: true });
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp({ ...runtime, version: 'docs' });
    await registerSeps(app, runtime);
    await app.ready();
    const document = app.swagger() as unknown as OpenApiDocument;
    const hooks = routeHooks(app.printRoutes({ commonPrefix: false, includeHooks: true }));
    return { document, hooks };
  } finally {
    await app?.close();
    await runtime.close();
  }
}

/**
 * Reads Fastify's printed route tree (`printRoutes({ includeHooks: true })`): route lines
 * `<segment> (GET, POST)` nested four columns per level, each followed by its hook lines
 * `• (onRequest) ["name()", …]`. A route's path is its ancestors' segments joined.
 */
function routeHooks(printed: string): Map<string, Set<string>> {
  const hooks = new Map<string, Set<string>>();
  const segments: string[] = [];
  let current: string[] = [];
  for (const line of printed.split('\n')) {
    const column = line.search(/[^│├└─ ]/u);
    if (column < 0) continue;
    const content = line.slice(column);
    const hookLine = /^• \((\w+)\) (\[.*\])$/u.exec(content);
    if (hookLine !== null) {
      const names = (JSON.parse(hookLine[2] ?? '[]') as string[]).map((name) => name.replace(/\(\)$/u, ''));
      for (const key of current) for (const name of names) hooks.get(key)?.add(name);
      continue;
    }
    const routeLine = /^(.*) \(([A-Z, ]+)\)$/u.exec(content);
    if (routeLine === null) throw new Error(`unexpected line in Fastify's route tree: ${line}`);
    const depth = column / 4;
    if (!Number.isInteger(depth)) throw new Error(`unexpected indentation in Fastify's route tree: ${line}`);
    segments.length = depth;
    segments[depth] = routeLine[1] ?? '';
    const path = segments.join('').replace(/:(\w+)/gu, '{$1}');
    current = (routeLine[2] ?? '').split(', ').map((method) => `${method} ${path}`);
    for (const key of current) if (!hooks.has(key)) hooks.set(key, new Set());
  }
  return hooks;
}

async function renderApiDoc(): Promise<string> {
  const { document, hooks } = await composeApp();
  const guardName = sep10Guard('x'.repeat(64), () => 0).name;
  const operations = operationsOf(document);
  const lines = [...intro(document, guardName)];
  lines.push('## Endpoints', '');
  lines.push(
    ...table(
      ['Method', 'Path', 'Auth', 'Summary'],
      operations.map((op) => [
        op.method.toUpperCase(),
        code(op.path),
        authOf(op, hooks, guardName),
        op.operation.summary ?? '',
      ]),
    ),
    '',
  );
  let section = '';
  for (const op of operations) {
    const group = groupName(op.operation.tags?.[0] ?? 'other');
    if (group !== section) {
      section = group;
      lines.push(`## ${group}`, '');
    }
    lines.push(...operationSection(op, authOf(op, hooks, guardName)));
  }
  lines.push(...hiddenRoutes(document, hooks));
  lines.push(...sharedSchemas(document));
  return `${lines.join('\n')}\n`;
}

function intro(document: OpenApiDocument, guardName: string): string[] {
  return [
    '# API reference',
    '',
    '<!-- Generated from the OpenAPI document of the composed app by scripts/gen-api-doc.ts. Do not',
    '     edit by hand: run `npm run build && npm run docs:api`. CI fails when this file is out of date. -->',
    '',
    document.info?.description ?? '',
    '',
    '- Paths are relative to `PUBLIC_URL`. A running server serves the same document at',
    '  `/openapi.json` and an explorer at `/docs`.',
    '- Rendered with the default `SEPS_ENABLED`; a SEP that is not enabled has no routes.',
    '- **Auth** `SEP-10` means the request needs `Authorization: Bearer <token>`, the token from',
    `  \`POST /auth\`; Rampart's \`${guardName}\` hook refuses anything else with 403`,
    '  `authentication_required` (see [seps.md](seps.md)).',
    '- Besides the statuses listed, every route may answer 429 `rate_limited` (with `Retry-After`),',
    '  413 `body_too_large` and 500 `internal_error` (quote the `x-request-id` response header when',
    '  reporting it).',
    '',
  ];
}

interface OperationRef {
  readonly path: string;
  readonly method: Method;
  readonly operation: Operation;
}

/** Every operation, in the order the app registers its routes (health, then each SEP). */
function operationsOf(document: OpenApiDocument): OperationRef[] {
  const operations: OperationRef[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation !== undefined) operations.push({ path, method, operation });
    }
  }
  return operations;
}

function authOf(
  op: OperationRef,
  hooks: ReadonlyMap<string, ReadonlySet<string>>,
  guardName: string,
): string {
  const names = hooks.get(`${op.method.toUpperCase()} ${op.path}`);
  if (names === undefined)
    throw new Error(`${op.method} ${op.path} is in OpenAPI but not in Fastify's routes`);
  const declared = (op.operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
  if (names.has(guardName)) return 'SEP-10';
  return declared.length > 0 ? declared.join(', ') : 'none';
}

/** `sep12` and `SEP-12` both read `SEP-12`; other tags are capitalised. */
function groupName(tag: string): string {
  const sep = /^sep-?(\d+)$/iu.exec(tag);
  if (sep !== null) return `SEP-${sep[1] ?? ''}`;
  return `${tag.charAt(0).toUpperCase()}${tag.slice(1)}`;
}

function operationSection(op: OperationRef, auth: string): string[] {
  const { operation } = op;
  const lines = [`### ${op.method.toUpperCase()} ${op.path}`, ''];
  if (operation.summary !== undefined) lines.push(`${operation.summary}.`.replace(/\.\.$/u, '.'), '');
  if (operation.description !== undefined) lines.push(operation.description, '');
  if (operation.deprecated === true) lines.push('**Deprecated.**', '');
  lines.push(`Auth: ${auth === 'none' ? 'none' : code(auth)}.`, '');
  lines.push(...parametersSection(operation.parameters ?? []));
  lines.push(...requestBodySection(operation.requestBody));
  lines.push(...responsesSection(operation.responses ?? {}));
  return lines;
}

function parametersSection(parameters: readonly Parameter[]): string[] {
  if (parameters.length === 0) return [];
  const rows = parameters.map((p) => {
    const schema = p.schema ?? {};
    return [
      code(p.name),
      p.in,
      typeOf(schema),
      p.required === true ? 'yes' : 'no',
      rulesOf(schema),
      p.description ?? schema.description ?? '',
    ];
  });
  return [
    '**Parameters**',
    '',
    ...table(['Name', 'In', 'Type', 'Required', 'Rules', 'Description'], rows),
    '',
  ];
}

function requestBodySection(body: Operation['requestBody']): string[] {
  if (body?.content === undefined) return [];
  const lines: string[] = [];
  for (const [types, schema] of contentGroups(body.content)) {
    lines.push(
      `**Request body** (${types.map(code).join(', ')}${body.required === true ? ', required' : ''})`,
      '',
    );
    lines.push(...schemaTable(schema), '');
  }
  return lines;
}

function responsesSection(responses: NonNullable<Operation['responses']>): string[] {
  const statuses = Object.keys(responses).sort();
  if (statuses.length === 0) return [];
  const rows: string[][] = [];
  const bodies: string[] = [];
  /** Body schema (as JSON) → the first status that printed its fields, so repeats say "same as". */
  const printed = new Map<string, string>();
  for (const status of statuses) {
    const response = responses[status] ?? {};
    const groups = contentGroups(response.content ?? {});
    const description =
      response.description === DEFAULT_RESPONSE_DESCRIPTION ? '' : (response.description ?? '');
    if (groups.length === 0) rows.push([status, '', 'no body', description]);
    for (const [types, schema] of groups) {
      const error = errorShape(schema);
      if (error !== undefined) {
        // The error schema's own description ("the error shape of …") says nothing about this status.
        rows.push([status, types.join(', '), error, '']);
        continue;
      }
      const key = JSON.stringify(schema);
      const same = printed.get(key);
      if (same !== undefined) {
        rows.push([status, types.join(', '), `same fields as ${same}`, description]);
        continue;
      }
      if (fieldRows(schema, '', 0).length === 0) {
        rows.push([status, types.join(', '), typeOf(schema), description]);
        continue;
      }
      printed.set(key, status);
      rows.push([status, types.join(', '), 'fields below', description]);
      bodies.push(`**Response ${status}** (${types.map(code).join(', ')})`, '', ...schemaTable(schema), '');
    }
  }
  return ['**Responses**', '', ...table(['Status', 'Content', 'Body', 'Description'], rows), '', ...bodies];
}

/** Content types grouped by identical schema, so JSON and form bodies of one shape print once. */
function contentGroups(content: Readonly<Record<string, Content>>): [string[], Schema][] {
  const groups = new Map<string, [string[], Schema]>();
  for (const [type, { schema = {} }] of Object.entries(content)) {
    const key = JSON.stringify(schema);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [[type], schema]);
    else group[0].push(type);
  }
  return [...groups.values()];
}

/**
 * `error { error, code }` when the body is Rampart's error shape (referenced, or inlined by the
 * OpenAPI generator, possibly with SEP extras such as `type`); undefined for any other body.
 */
function errorShape(schema: Schema): string | undefined {
  if (schema.$ref !== undefined)
    return /(^|\/)ErrorBody$/u.test(schema.$ref) ? 'error `{ error, code }`' : undefined;
  const required = new Set(schema.required ?? []);
  if (!required.has('error') || !required.has('code')) return undefined;
  return `error \`{ ${Object.keys(schema.properties ?? {}).join(', ')} }\``;
}

function schemaTable(schema: Schema): string[] {
  const rows = fieldRows(schema, '', 0);
  if (rows.length === 0) return [`A ${typeOf(schema)}${describe(rulesOf(schema), schema.description)}.`];
  const rules = rulesOf(schema);
  const whole = rules === '' ? [] : ['', `The body as a whole: ${rules}.`];
  return [...table(['Field', 'Type', 'Required', 'Rules', 'Description'], rows), ...whole];
}

function describe(rules: string, description: string | undefined): string {
  const parts = [rules, description ?? ''].filter((part) => part !== '');
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}

/** One row per field, nested fields as `parent.child`, array items as `parent[].child`. */
function fieldRows(schema: Schema, prefix: string, depth: number): string[][] {
  if (depth > SCHEMA_DEPTH_MAX) throw new Error(`schema nested deeper than ${SCHEMA_DEPTH_MAX} at ${prefix}`);
  const rows: string[][] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    rows.push([
      code(path),
      typeOf(field),
      required.has(name) ? 'yes' : 'no',
      rulesOf(field),
      field.description ?? '',
    ]);
    rows.push(...nestedRows(field, path, depth + 1));
  }
  for (const field of Object.values(schema.patternProperties ?? {})) {
    const path = `${prefix}<key>`;
    rows.push([code(path), typeOf(field), 'no', rulesOf(field), field.description ?? '']);
    rows.push(...nestedRows(field, path, depth + 1));
  }
  if (typeof schema.additionalProperties === 'object') {
    const field = schema.additionalProperties;
    const path = `${prefix}<key>`;
    rows.push([code(path), typeOf(field), 'no', rulesOf(field), field.description ?? '']);
    rows.push(...nestedRows(field, path, depth + 1));
  }
  return rows;
}

function nestedRows(field: Schema, path: string, depth: number): string[][] {
  if (field.items !== undefined) return fieldRows(field.items, `${path}[].`, depth);
  return fieldRows(field, `${path}.`, depth);
}

function typeOf(schema: Schema): string {
  if (schema.$ref !== undefined) return schema.$ref.replace(/^.*\//u, '');
  if (schema.const !== undefined) return typeof schema.const;
  const union = schema.anyOf ?? schema.oneOf;
  if (union !== undefined) {
    const types = [...new Set(union.map(typeOf))];
    return types.join(' or ');
  }
  if (schema.allOf !== undefined) return schema.allOf.map(typeOf).join(' and ');
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  if (schema.type === 'array') return `${schema.items === undefined ? 'any' : typeOf(schema.items)}[]`;
  if (typeof schema.type === 'string') return schema.type;
  return 'any';
}

/** Constraints a client must meet or can rely on, in one short phrase. */
function rulesOf(schema: Schema): string {
  const rules: string[] = [];
  const values = literalValues(schema);
  if (values !== undefined) rules.push(`one of ${values.map((v) => code(String(v))).join(', ')}`);
  if (schema.format !== undefined) rules.push(`format ${schema.format}`);
  if (schema.pattern !== undefined) rules.push(`pattern ${code(schema.pattern)}`);
  rules.push(...range('length', schema.minLength, schema.maxLength));
  rules.push(...range('value', schema.minimum, schema.maximum));
  if (schema.exclusiveMinimum !== undefined) rules.push(`value > ${schema.exclusiveMinimum}`);
  if (schema.exclusiveMaximum !== undefined) rules.push(`value < ${schema.exclusiveMaximum}`);
  rules.push(...range('items', schema.minItems, schema.maxItems));
  if (schema.maxProperties !== undefined) rules.push(`at most ${schema.maxProperties} fields`);
  if (schema.additionalProperties === true && schema.properties !== undefined)
    rules.push('other fields accepted');
  if (schema.default !== undefined) rules.push(`default ${code(JSON.stringify(schema.default))}`);
  return rules.join('; ');
}

/** The allowed values when the schema is an enum, a const, or a union of those. */
function literalValues(schema: Schema): readonly unknown[] | undefined {
  if (schema.enum !== undefined) return schema.enum;
  if (schema.const !== undefined) return [schema.const];
  const union = schema.anyOf ?? schema.oneOf;
  if (union === undefined) return undefined;
  const values: unknown[] = [];
  for (const member of union) {
    const memberValues = literalValues(member);
    if (memberValues === undefined) return undefined;
    values.push(...memberValues);
  }
  return values;
}

function range(what: string, min: number | undefined, max: number | undefined): string[] {
  if (min !== undefined && max !== undefined) return [`${what} ${min}–${max}`];
  if (min !== undefined) return [`${what} ≥ ${min}`];
  if (max !== undefined) return [`${what} ≤ ${max}`];
  return [];
}

/**
 * Routes the app serves that the OpenAPI document hides (the document itself, the explorer,
 * metrics). HEAD and OPTIONS answers, which Fastify and CORS add to every route, are left out; a
 * hidden route's own sub-routes fold into `<route>/…`.
 */
function hiddenRoutes(document: OpenApiDocument, hooks: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const documented = new Set(operationsOf(document).map((op) => `${op.method.toUpperCase()} ${op.path}`));
  const hidden = [...hooks.keys()]
    .filter((key) => !documented.has(key) && !key.startsWith('HEAD ') && !key.startsWith('OPTIONS '))
    .map((key) => {
      const space = key.indexOf(' ');
      return { method: key.slice(0, space), path: key.slice(space + 1) };
    });
  const paths = new Set(hidden.map((route) => route.path));
  const folded = new Map<string, Set<string>>();
  for (const route of hidden) {
    const ancestor = [...paths].find((p) => p !== route.path && route.path.startsWith(`${p}/`));
    const path = ancestor === undefined ? route.path : `${ancestor}/…`;
    const methods = folded.get(path) ?? new Set<string>();
    methods.add(route.method);
    folded.set(path, methods);
  }
  const rows = [...folded.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, methods]) => [[...methods].sort().join(', '), code(path)]);
  if (rows.length === 0) return [];
  return [
    '## Routes outside the OpenAPI document',
    '',
    'Served by the same process but hidden from `/openapi.json`. `/metrics` moves to its own port when',
    '`METRICS_PORT` is set; keep it off the public internet either way.',
    '',
    ...table(['Method', 'Path'], rows),
    '',
  ];
}

function sharedSchemas(document: OpenApiDocument): string[] {
  const schemas = Object.entries(document.components?.schemas ?? {});
  if (schemas.length === 0) return [];
  const lines = ['## Shared schemas', ''];
  for (const [name, schema] of schemas.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`### ${name}`, '');
    if (schema.description !== undefined) lines.push(schema.description, '');
    lines.push(...schemaTable(schema), '');
  }
  return lines;
}

process.exitCode = await writeOrCheck(
  { generator: 'gen-api-doc', path: API_DOC_PATH, regenerate: 'docs:api', render: renderApiDoc },
  process.argv.slice(2),
);
