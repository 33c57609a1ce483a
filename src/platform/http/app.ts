/**
 * Builds the Fastify application: the security baseline, request ids and logs, one error shape,
 * OpenAPI, health and metrics. Feature plugins (SEPs, webhooks, console) register on top.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { KvStore } from '../kv/kv-store.js';
import type { Metrics } from '../metrics.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { instrumentRequests, metricsRoute } from './metrics-routes.js';
import { registerOpenApi } from './openapi.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';
import { registerSecurity } from './security.js';

export interface AppDependencies {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly kv: KvStore;
  readonly readiness: readonly ReadinessCheck[];
  readonly version: string;
}

/** How the `trust proxy` setting reads: a boolean, a hop count, or a list of proxy addresses. */
export function trustProxyOf(
  setting: string,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  if (/^\d+$/.test(setting)) {
    // Trust the nearest N hops, as Express and Fastify read a number.
    const hops = Number(setting);
    return (_address, hop) => hop < hops;
  }
  return setting
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** One log line per request — method, route, status, duration, request id — instead of Fastify's two. */
class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    _error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  }
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, metrics } = deps;
  // Typed as Fastify's logger so the instance keeps Fastify's default generics.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    logController: new RequestLogController({ requestIdLogLabel: 'requestId' }),
    genReqId: requestIdOf,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxyOf(config.trustProxy),
    requestTimeout: config.requestTimeoutMs,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  }).setValidatorCompiler(TypeBoxValidatorCompiler);

  app.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  await registerSecurity(app, config, deps.kv);
  instrumentRequests(app, metrics);
  await registerOpenApi(app, config, deps.version);
  await app.register(healthRoutes, { checks: deps.readiness });
  if (config.metricsPort === undefined) await app.register(metricsRoute, { metrics });
  return app;
}

/** A bare server for /metrics on METRICS_PORT, so scraping stays off the public port. */
export async function buildMetricsApp(
  deps: Pick<AppDependencies, 'logger' | 'metrics'>,
): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    logController: new RequestLogController({ disableRequestLogging: true }),
  });
  app.setNotFoundHandler(notFoundHandler);
  await app.register(metricsRoute, { metrics: deps.metrics });
  return app;
}
