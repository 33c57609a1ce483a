/**
 * Prometheus metrics. One registry per process (created in main, passed down), so tests can build
 * as many apps as they like without metrics colliding.
 */
import client from 'prom-client';

export interface Metrics {
  readonly registry: client.Registry;
  readonly httpRequests: client.Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  readonly jobAttempts: client.Counter<'type'>;
  readonly jobFailures: client.Counter<'type'>;
  readonly jobsDead: client.Counter<'type'>;
  readonly jobDuration: client.Histogram<'type' | 'outcome'>;
  /** Registers a gauge whose value is read when Prometheus scrapes. */
  gaugeOnScrape<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<readonly { labels: Record<L, string>; value: number }[]>,
  ): void;
}

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service: 'rampart' });
  // Process memory, CPU, file descriptors, event-loop lag and GC, as prom-client defines them.
  client.collectDefaultMetrics({ register: registry, prefix: 'rampart_', eventLoopMonitoringPrecision: 20 });
  const registers = [registry];
  return {
    registry,
    httpRequests: new client.Counter({
      name: 'rampart_http_requests_total',
      help: 'HTTP requests answered, by route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new client.Histogram({
      name: 'rampart_http_request_duration_seconds',
      help: 'HTTP request latency, by route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    jobAttempts: new client.Counter({
      name: 'rampart_job_attempts_total',
      help: 'Outbox job attempts started, by job type.',
      labelNames: ['type'],
      registers,
    }),
    jobFailures: new client.Counter({
      name: 'rampart_job_failures_total',
      help: 'Outbox job attempts that failed, by job type.',
      labelNames: ['type'],
      registers,
    }),
    jobsDead: new client.Counter({
      name: 'rampart_jobs_dead_total',
      help: 'Outbox jobs parked as dead after their last attempt, by job type.',
      labelNames: ['type'],
      registers,
    }),
    jobDuration: new client.Histogram({
      name: 'rampart_job_duration_seconds',
      help: 'Outbox job run time, by job type and outcome.',
      labelNames: ['type', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
      registers,
    }),
    gaugeOnScrape(name, help, labelNames, read) {
      new client.Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers,
        async collect() {
          this.reset();
          for (const sample of await read()) this.set(sample.labels, sample.value);
        },
      });
    },
  };
}
