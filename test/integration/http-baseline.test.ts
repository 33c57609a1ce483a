import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { databaseKinds } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/app.js';

describe.each(databaseKinds)('HTTP baseline on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { CORS_ORIGINS: 'https://wallet.example', RATE_LIMIT_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers liveness and sends the security headers on every response', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    // PUBLIC_URL is http here: HSTS would be wrong on plain HTTP.
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it('is ready when the database answers and the schema is current, naming each check with its latency', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      status: string;
      checks: Record<string, { ok: boolean; latencyMs: number }>;
    }>();
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['database', 'migrations']);
    for (const check of Object.values(body.checks)) {
      expect(check.ok).toBe(true);
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('generates a request id, echoes a safe incoming one and replaces an unsafe one', async () => {
    const generated = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(String(generated.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
    const honoured = await t.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'wallet-trace.42' },
    });
    expect(honoured.headers['x-request-id']).toBe('wallet-trace.42');
    const unsafe = await t.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'a b\tc' },
    });
    expect(unsafe.headers['x-request-id']).not.toBe('a b\tc');
    expect(String(unsafe.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown path with a JSON 404 in the error shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'no route for GET /nope', code: 'not_found' });
  });

  it('refuses a 100 KiB body with 413 in the error shape', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/health/live',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'a'.repeat(100 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ error: 'request body is too large', code: 'body_too_large' });
  });

  it('allows CORS only for listed origins', async () => {
    const allowed = await t.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { origin: 'https://wallet.example' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://wallet.example');
    const other = await t.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves OpenAPI generated from the route schemas, and the explorer', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    expect(doc.paths['/metrics']).toBeUndefined();
    expect(doc.components.schemas).toHaveProperty('ErrorBody');
    const explorer = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(explorer.statusCode).toBe(200);
    expect(explorer.headers['content-type']).toContain('text/html');
  });

  it('exports HTTP histograms by route and status, process, pool and outbox gauges', async () => {
    await t.app.inject({ method: 'GET', url: '/health/live' });
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(text).toMatch(
      /rampart_http_request_duration_seconds_bucket\{[^}]*method="GET",route="\/health\/live",status="200"[^}]*\} \d+/,
    );
    expect(text).toMatch(
      /rampart_http_requests_total\{method="GET",route="\/health\/live",status="200",service="rampart"\} \d+/,
    );
    expect(text).toMatch(/rampart_outbox_jobs\{state="pending",service="rampart"\} 0/);
    expect(text).toMatch(/rampart_outbox_jobs\{state="dead",service="rampart"\} 0/);
    expect(text).toMatch(/rampart_db_pool_connections\{state="max",service="rampart"\} \d+/);
    expect(text).toContain('rampart_process_resident_memory_bytes');
    expect(text).toContain('rampart_nodejs_eventloop_lag_seconds');
  });

  it('labels unmatched URLs as one route so scanners cannot multiply the series', async () => {
    await t.app.inject({ method: 'GET', url: '/wp-admin/1' });
    await t.app.inject({ method: 'GET', url: '/wp-admin/2' });
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toContain('wp-admin');
    expect(text).toMatch(/route="unmatched",status="404"/);
  });

  it('reports not ready, naming the check, when the schema is not current', async () => {
    const db = t.runtime.database.db;
    await db
      .insertInto('schema_migrations')
      .values({ version: 999, name: 'from-the-future', checksum: 'x' })
      .execute();
    try {
      const response = await t.app.inject({ method: 'GET', url: '/health/ready' });
      expect(response.statusCode).toBe(503);
      const body = response.json<{
        status: string;
        checks: Record<string, { ok: boolean; detail?: string }>;
      }>();
      expect(body.status).toBe('unavailable');
      expect(body.checks['migrations']).toMatchObject({ ok: false, detail: 'schema is not current' });
      expect(body.checks['database']?.ok).toBe(true);
    } finally {
      await db.deleteFrom('schema_migrations').where('version', '=', 999).execute();
    }
  });
});

describe('HTTP errors and limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', { RATE_LIMIT_PER_MINUTE: '5', PUBLIC_URL: 'https://anchor.example' });
    t.app.log.level = 'silent';
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends HSTS when PUBLIC_URL is https', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.0.0.1' });
    expect(String(response.headers['strict-transport-security'])).toContain('max-age=63072000');
  });

  it('answers a burst beyond the limit with 429 and Retry-After, per client IP', async () => {
    const codes: number[] = [];
    let last;
    for (let i = 0; i < 7; i += 1) {
      last = await t.app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.0.0.2' });
      codes.push(last.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    const body = last?.json<{ code: string; error: string }>();
    expect(body?.code).toBe('rate_limited');
    expect(body?.error).toMatch(/^too many requests: retry in \d+ s$/);
    const otherClient = await t.app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.0.0.3' });
    expect(otherClient.statusCode).toBe(200);
  });
});

describe('HTTP error shape for feature routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', {}, {});
  });
  afterAll(async () => {
    await t.close();
  });

  it('names the field in a validation error and hides internals of a 500', async () => {
    // Routes added the way feature plugins add them, after the baseline.
    const app = await startTestAppWithRoutes();
    try {
      const missing = await app.inject({ method: 'POST', url: '/echo', payload: {} });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toEqual({
        error: 'body: missing required field amount',
        code: 'invalid_request',
      });
      const wrongType = await app.inject({ method: 'POST', url: '/echo', payload: { amount: 5 } });
      expect(wrongType.statusCode).toBe(400);
      expect(wrongType.json<{ error: string }>().error).toMatch(/^body\.amount: /);
      const badJson = await app.inject({
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"amount":',
      });
      expect(badJson.statusCode).toBe(400);
      expect(badJson.json()).toEqual({ error: 'body is not valid JSON', code: 'invalid_request' });
      const crash = await app.inject({ method: 'GET', url: '/crash' });
      expect(crash.statusCode).toBe(500);
      expect(crash.body).not.toContain('SELECT');
      expect(crash.body).not.toContain('at ');
      expect(crash.json()).toMatchObject({ code: 'internal_error' });
    } finally {
      await app.close();
    }
  });

  async function startTestAppWithRoutes() {
    const { buildApp } = await import('../../src/platform/http/app.js');
    const app = await buildApp({ ...t.runtime, version: 'test' });
    app.post(
      '/echo',
      { schema: { body: Type.Object({ amount: Type.String() }) } },
      (request) => request.body,
    );
    app.get('/crash', () => {
      throw new Error('SELECT secret FROM vault failed at 10.0.0.5');
    });
    await app.ready();
    return app;
  }
});

describe('behind a reverse proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', { TRUST_PROXY: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('limits by the forwarded client address only when the proxy is trusted', async () => {
    const viaProxy = (client: string) =>
      t.app.inject({
        method: 'GET',
        url: '/health/live',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': client },
      });
    expect((await viaProxy('203.0.113.1')).statusCode).toBe(200);
    expect((await viaProxy('203.0.113.1')).statusCode).toBe(200);
    expect((await viaProxy('203.0.113.1')).statusCode).toBe(429);
    // Another customer behind the same proxy has their own budget.
    expect((await viaProxy('203.0.113.2')).statusCode).toBe(200);
    // An untrusted peer cannot pick its identity with the header.
    const spoof = (client: string) =>
      t.app.inject({
        method: 'GET',
        url: '/health/live',
        remoteAddress: '198.51.100.7',
        headers: { 'x-forwarded-for': client },
      });
    expect((await spoof('203.0.113.50')).statusCode).toBe(200);
    expect((await spoof('203.0.113.51')).statusCode).toBe(200);
    expect((await spoof('203.0.113.52')).statusCode).toBe(429);
  });
});

describe('metrics on their own port', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', { METRICS_PORT: '9464' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps /metrics off the public app and serves it from the metrics app', async () => {
    const publicResponse = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(publicResponse.statusCode).toBe(404);
    const { buildMetricsApp } = await import('../../src/platform/http/app.js');
    const metricsApp = await buildMetricsApp(t.runtime);
    try {
      const response = await metricsApp.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('rampart_outbox_jobs');
    } finally {
      await metricsApp.close();
    }
  });
});
