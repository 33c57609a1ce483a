import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisTestUrl } from '../support/services.js';
import { databaseKinds } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/app.js';

const redisUrl = redisTestUrl();

describe.runIf(redisUrl !== undefined)('rate limits shared through Redis', () => {
  const apps: TestApp[] = [];
  beforeAll(async () => {
    // Two instances, as two processes behind one proxy would be: same Redis, same key prefix.
    const env = {
      REDIS_URL: redisUrl ?? '',
      REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}:`,
      RATE_LIMIT_PER_MINUTE: '6',
    };
    const kind = databaseKinds.includes('postgres') ? 'postgres' : 'pglite';
    apps.push(await startTestApp(kind, env), await startTestApp(kind, env));
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
  });

  it('shares one budget per client across instances', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const t = apps[i % 2]!;
      const response = await t.app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.1.0.1' });
      codes.push(response.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  });

  it('reports Redis in readiness', async () => {
    const response = await apps[0]!.app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ checks: Record<string, { ok: boolean }> }>().checks['redis']?.ok).toBe(true);
  });
});
