/**
 * Monitoring checks. With DOCTOR_PROMETHEUS_URL the doctor asks Prometheus what it has loaded and
 * what it measured; without it, it can only read deploy/monitoring/rules.yml, and a person must
 * confirm Prometheus loads it (MANUAL).
 */
import { join } from 'node:path';
import type { CheckContext } from '../context.js';
import { fail, manual, pass, warn, type Outcome } from '../outcome.js';
import { parsePrometheusRules, parseRulesFile, type AlertRule } from '../parse/alert-rules.js';
import { commandTimeoutMs, type Check } from './check.js';

export const RULES_FILE = 'deploy/monitoring/rules.yml';
const PROMETHEUS_HINT = 'set DOCTOR_PROMETHEUS_URL so the doctor can see what Prometheus loaded';
/** Rampart's HTTP latency budget: p99 under this. */
const LATENCY_P99_MAX_S = 0.2;
/** More than this share of 5xx answers over an hour fails; a tenth of it warns. */
const ERROR_RATIO_MAX = 0.01;

export type RulesRead =
  | { kind: 'ok'; rules: readonly AlertRule[]; source: 'prometheus' | 'file'; where: string }
  | { kind: 'missing'; detail: string };

/** The alert rules Prometheus has loaded, or (without a Prometheus to ask) those in the repository. */
export function alertRules(context: CheckContext): Promise<RulesRead> {
  return context.once('alert-rules', async () => {
    const prometheus = context.config.doctorPrometheusUrl;
    if (prometheus !== undefined) {
      const url = new URL('/api/v1/rules?type=alert', prometheus);
      const result = await context.host.httpGet(url, commandTimeoutMs(context));
      if (result.kind === 'error')
        return { kind: 'missing', detail: `Prometheus at ${prometheus.host}: ${result.message}` };
      const rules = parsePrometheusRules(result.body);
      if (rules === undefined)
        return {
          kind: 'missing',
          detail: `Prometheus at ${prometheus.host} answered ${result.status} without rules`,
        };
      return { kind: 'ok', rules, source: 'prometheus', where: `Prometheus at ${prometheus.host}` };
    }
    const path = join(context.root, RULES_FILE);
    const read = await context.host.readFile(path, 1024 * 1024);
    if (read.kind !== 'ok')
      return { kind: 'missing', detail: `${RULES_FILE} is missing from this installation` };
    return { kind: 'ok', rules: parseRulesFile(read.text), source: 'file', where: RULES_FILE };
  });
}

/** The name of the first alert whose name or expression matches. */
export function findAlert(rules: readonly AlertRule[], pattern: RegExp): string | undefined {
  return rules.find((rule) => pattern.test(rule.name) || pattern.test(rule.expr))?.name;
}

/** One check per alerting item: an alert matching `pattern` is loaded (or at least defined). */
function alertCheck(topic: string, what: string, pattern: RegExp): Check {
  return {
    id: `monitoring.alert-${topic}`,
    verifies: `an alert rule for ${what} is loaded in Prometheus (or, without DOCTOR_PROMETHEUS_URL, defined in ${RULES_FILE})`,
    async run(context): Promise<Outcome> {
      const rules = await alertRules(context);
      if (rules.kind === 'missing')
        return fail(rules.detail, `load ${RULES_FILE} into Prometheus (docs/monitoring.md)`);
      const name = findAlert(rules.rules, pattern);
      if (name === undefined) {
        return fail(
          `no alert for ${what} in ${rules.where}`,
          `add one (see ${RULES_FILE} and docs/monitoring.md)`,
        );
      }
      return rules.source === 'prometheus'
        ? pass(`${name} loaded in ${rules.where}`)
        : manual(`${name} is defined in ${RULES_FILE}`, `confirm Prometheus loads it, or ${PROMETHEUS_HINT}`);
    },
  };
}

const ALERTS: readonly Check[] = [
  alertCheck('errors', 'the error rate (5xx answers, failed or dead jobs)', /error|5\.\.|dead/i),
  alertCheck('disk', 'disk space', /disk|filesystem/i),
  alertCheck('memory', 'memory', /memory|mem_/i),
  alertCheck('cpu', 'CPU', /cpu/i),
  alertCheck('db-connections', 'database connections', /connection/i),
  alertCheck('backup', 'missing or failed backups', /backup/i),
  alertCheck('down', 'the service being down', /down|unavailable|absent\(|\bup\s*==\s*0/i),
];

interface QueryBody {
  status?: string;
  data?: { result?: { value?: [number, string]; health?: string }[] };
}

/** One instant query; undefined when there is no sample (no traffic), a string when it failed. */
async function instantQuery(context: CheckContext, query: string): Promise<number | undefined | string> {
  const prometheus = context.config.doctorPrometheusUrl;
  if (prometheus === undefined) return 'no Prometheus';
  const url = new URL('/api/v1/query', prometheus);
  url.searchParams.set('query', query);
  const result = await context.host.httpGet(url, commandTimeoutMs(context));
  if (result.kind === 'error') return `Prometheus at ${prometheus.host}: ${result.message}`;
  let body: QueryBody;
  try {
    body = JSON.parse(result.body) as QueryBody;
  } catch {
    return `Prometheus answered ${result.status} without JSON`;
  }
  if (body.status !== 'success') return `Prometheus refused the query (${result.status})`;
  const value = body.data?.result?.[0]?.value?.[1];
  if (value === undefined) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

const scrape: Check = {
  id: 'monitoring.scrape',
  verifies: 'Prometheus scrapes Rampart and the target is up',
  async run(context) {
    const prometheus = context.config.doctorPrometheusUrl;
    if (prometheus === undefined)
      return manual(
        'Prometheus is not configured for the doctor',
        `confirm Prometheus scrapes Rampart's /metrics, or ${PROMETHEUS_HINT}`,
      );
    const up = await instantQuery(context, 'min(up{job=~".*rampart.*"})');
    if (typeof up === 'string') return fail(up, 'check DOCTOR_PROMETHEUS_URL and that Prometheus runs');
    if (up === undefined)
      return fail(
        'no Rampart scrape target in Prometheus',
        'add the scrape config from deploy/monitoring/ (job name containing rampart)',
      );
    return up >= 1
      ? pass('every Rampart target is up')
      : fail(
          'a Rampart target is down',
          'see the Prometheus targets page; check METRICS_PORT and the firewall',
        );
  },
};

const latency: Check = {
  id: 'monitoring.latency',
  verifies: 'the p99 HTTP latency over the last hour is under 200 ms (Prometheus)',
  async run(context) {
    if (context.config.doctorPrometheusUrl === undefined)
      return manual(
        'Prometheus is not configured for the doctor',
        `confirm p99 latency < 200 ms on the dashboard, or ${PROMETHEUS_HINT}`,
      );
    const p99 = await instantQuery(
      context,
      'histogram_quantile(0.99, sum by (le) (rate(rampart_http_request_duration_seconds_bucket[1h])))',
    );
    if (typeof p99 === 'string') return fail(p99, 'check DOCTOR_PROMETHEUS_URL and that Prometheus runs');
    if (p99 === undefined || Number.isNaN(p99))
      return warn('no requests in the last hour', 'rerun once there is traffic');
    const ms = Math.round(p99 * 1000);
    return p99 < LATENCY_P99_MAX_S
      ? pass(`p99 ${ms} ms over the last hour`)
      : fail(
          `p99 ${ms} ms over the last hour (budget 200 ms)`,
          'find the slow routes on the dashboard; see db.slow-queries and docs/troubleshooting.md',
        );
  },
};

const errorRate: Check = {
  id: 'monitoring.error-rate',
  verifies: 'under 1% of answers over the last hour are 5xx (Prometheus)',
  async run(context) {
    if (context.config.doctorPrometheusUrl === undefined)
      return manual(
        'Prometheus is not configured for the doctor',
        `confirm the 5xx rate on the dashboard, or ${PROMETHEUS_HINT}`,
      );
    const ratio = await instantQuery(
      context,
      'sum(rate(rampart_http_requests_total{status=~"5.."}[1h])) / sum(rate(rampart_http_requests_total[1h]))',
    );
    if (typeof ratio === 'string') return fail(ratio, 'check DOCTOR_PROMETHEUS_URL and that Prometheus runs');
    if (ratio === undefined || Number.isNaN(ratio)) return pass('no 5xx answers in the last hour');
    const percent = `${(ratio * 100).toFixed(2)}%`;
    if (ratio > ERROR_RATIO_MAX)
      return fail(
        `${percent} of answers were 5xx in the last hour`,
        'journalctl -u rampart | grep "request failed"; docs/runbook.md',
      );
    if (ratio > ERROR_RATIO_MAX / 10)
      return warn(
        `${percent} of answers were 5xx in the last hour`,
        'look at the errors in journalctl -u rampart',
      );
    return pass(`${percent} 5xx in the last hour`);
  },
};

export const monitoringChecks: readonly Check[] = [...ALERTS, scrape, latency, errorRate];
