/** HTTP metrics by route and status, and the Prometheus scrape endpoint. */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../metrics.js';
import type {} from '@fastify/swagger'; // the `hide` schema keyword

/** Records every answered request. Unmatched URLs share one label so scanners cannot blow up cardinality. */
export function instrumentRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
}

export const metricsRoute: FastifyPluginAsync<{ metrics: Metrics }> = async (app, { metrics }) => {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
};
