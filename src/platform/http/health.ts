/**
 * Liveness and readiness. Live: the process answers. Ready: it can do its job — the database
 * answers, its schema is current, and Redis answers when configured. Each check is bounded in time
 * and reports its latency; failures name the check, not internals.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves with an optional detail when healthy; throws (with a safe message) when not. */
  run(): Promise<string | undefined>;
}

const CheckResult = Type.Object({
  ok: Type.Boolean(),
  latencyMs: Type.Number(),
  detail: Type.Optional(Type.String()),
});
const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), CheckResult),
});

export const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck): Promise<{ ok: boolean; latencyMs: number; detail?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`));
    }, CHECK_TIMEOUT_MS);
  });
  try {
    const detail = await Promise.race([check.run(), timeout]);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return detail === undefined ? { ok: true, latencyMs } : { ok: true, latencyMs, detail };
  } catch (error) {
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return { ok: false, latencyMs, detail: error instanceof Error ? error.message : 'failed' };
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<{ checks: readonly ReadinessCheck[] }> = async (
  app,
  { checks },
) => {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Database reachable, migrations current, Redis reachable when configured',
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (request, reply) => {
      const results = await Promise.all(
        checks.map(async (check) => [check.name, await runCheck(check)] as const),
      );
      const ok = results.every(([, result]) => result.ok);
      if (!ok) request.log.warn({ checks: Object.fromEntries(results) }, 'not ready');
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'unavailable', checks: Object.fromEntries(results) });
    },
  );
};
