/**
 * Helpers for the Paystack double's tests: an authenticated JSON caller, a tiny webhook receiver
 * that keeps raw bodies, and validators built from Paystack's official OpenAPI document.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

export interface ApiAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly text: string;
  readonly headers: Headers;
}

/** Calls the double as a Paystack client would: JSON bodies, bearer key, a timeout on every call. */
export function paystackCaller(baseUrl: string, secretKey: string) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    key = secretKey,
  ): Promise<ApiAnswer> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON (a checkout page, a gateway 504): keep the text.
    }
    return { status: response.status, json, text, headers: response.headers };
  };
}

/** POSTs JSON to the control API (no auth). */
export async function controlPost(baseUrl: string, path: string, body: unknown = {}): Promise<ApiAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: JSON.parse(text) as Record<string, unknown>,
    text,
    headers: response.headers,
  };
}

export interface ReceivedWebhook {
  readonly rawBody: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly event: string;
  readonly data: Record<string, unknown>;
  readonly answeredStatus: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Statuses to answer, in order; once used up every request gets 200. */
  answerWith(statuses: readonly number[]): void;
  /** Resolves once `count` requests arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let statuses: number[] = [];
  let waiters: (() => void)[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const parsed = JSON.parse(rawBody.toString('utf8')) as { event: string; data: Record<string, unknown> };
      const answeredStatus = statuses.shift() ?? 200;
      received.push({
        rawBody,
        headers: request.headers,
        event: parsed.event,
        data: parsed.data,
        answeredStatus,
      });
      response.writeHead(answeredStatus).end();
      const current = waiters;
      waiters = [];
      for (const wake of current) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/paystack`,
    received,
    answerWith(next) {
      statuses = [...next];
    },
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} webhooks, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

type SchemaNode = Record<string, unknown>;

/**
 * OpenAPI 3.0 → JSON Schema for Ajv: `nullable: true` becomes a `null` alternative, and
 * `$ref`s into components are kept (the whole components tree is registered with Ajv).
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node as SchemaNode)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    out[key] = toJsonSchema(value);
  }
  if ((node as SchemaNode).nullable !== true) return out;
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'], ...nullableEnum(out) };
  if (out.type === undefined && Object.keys(out).length === 0) return {};
  return { anyOf: [out, { type: 'null' }] };
}

function nullableEnum(schema: SchemaNode): SchemaNode {
  return Array.isArray(schema.enum) ? { enum: [...(schema.enum as unknown[]), null] } : {};
}

export interface SchemaCheck {
  /** Ajv errors as `path: message`, minus those at the paths a known live difference explains. */
  errors(schemaName: string, value: unknown, liveDifferences?: Readonly<Record<string, string>>): string[];
}

/** Validators for `#/components/schemas/<name>` of Paystack's OpenAPI document. */
export function paystackSchemas(specPath = '/work/shared/reference/paystack-openapi.yaml'): SchemaCheck {
  const document = parse(readFileSync(specPath, 'utf8')) as { components: { schemas: SchemaNode } };
  const schemas = toJsonSchema(document.components.schemas) as SchemaNode;
  const ajv = new Ajv({ strict: false, allErrors: true });
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addSchema({ $id: 'paystack', components: { schemas } });
  const compiled = new Map<string, ValidateFunction>();
  return {
    errors(schemaName, value, liveDifferences = {}) {
      let validate = compiled.get(schemaName);
      if (validate === undefined) {
        validate = ajv.compile({ $ref: `paystack#/components/schemas/${schemaName}` });
        compiled.set(schemaName, validate);
      }
      if (validate(value)) return [];
      const explained = Object.keys(liveDifferences);
      return (validate.errors ?? [])
        .filter(
          (e) => !explained.some((path) => e.instancePath === path || e.instancePath.startsWith(`${path}/`)),
        )
        .map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
    },
  };
}
