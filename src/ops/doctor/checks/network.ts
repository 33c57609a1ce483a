/**
 * Checks against PUBLIC_URL as a wallet reaches it (through nginx), the nginx site, DNS and Redis.
 * Every request and handshake carries the check's timeout.
 */
import { isIP } from 'node:net';
import { isLocalHost } from '../../../config/mainnet-rules.js';
import type { CheckContext } from '../context.js';
import type { HttpResult } from '../host-probe.js';
import { fail, needsRoot, pass, warn, type Outcome } from '../outcome.js';
import { commandTimeoutMs, type Check } from './check.js';

const DAY_MS = 86_400_000;
/** Below this many days a certificate fails outright; DOCTOR_CERT_WARN_DAYS warns earlier. */
const CERT_FAIL_DAYS = 7;
/** HSTS shorter than this (180 days) is not worth much; hstspreload.org asks for a year. */
const HSTS_MAX_AGE_MIN_S = 15_552_000;
const SITE_BYTES_MAX = 256 * 1024;

function publicUrl(context: CheckContext): URL {
  return context.config.publicUrl;
}

function get(context: CheckContext, url: URL): Promise<HttpResult> {
  return context.once(`http:${url.toString()}`, () => context.host.httpGet(url, commandTimeoutMs(context)));
}

function requireHttps(context: CheckContext): Outcome | undefined {
  const url = publicUrl(context);
  if (url.protocol === 'https:') return undefined;
  return fail(
    `PUBLIC_URL is ${url.origin}, not https`,
    'obtain a certificate (certbot --nginx) and set PUBLIC_URL=https://your.domain',
  );
}

const tls: Check = {
  id: 'net.tls',
  verifies:
    'the certificate at PUBLIC_URL is trusted, names the host, uses TLS 1.2+ and is not expiring soon',
  async run(context) {
    const notHttps = requireHttps(context);
    if (notHttps !== undefined) return notHttps;
    const url = publicUrl(context);
    const port = url.port === '' ? 443 : Number(url.port);
    const result = await context.once(`tls:${url.host}`, () =>
      context.host.tlsCertificate(url.hostname, port, commandTimeoutMs(context)),
    );
    if (result.kind === 'error')
      return fail(
        `no TLS at ${url.host}: ${result.message}`,
        'check nginx is running and listens on 443 (nginx -t)',
      );
    const days = Math.floor((result.validTo.getTime() - context.host.now().getTime()) / DAY_MS);
    const found = `${result.issuer}, ${result.protocol}, expires ${result.validTo.toISOString().slice(0, 10)} (${days} days)`;
    if (!result.authorized) {
      return fail(
        `certificate not trusted: ${result.authorizationError ?? 'unknown reason'} (${found})`,
        'certbot --nginx -d your.domain',
      );
    }
    if (result.protocol === 'TLSv1' || result.protocol === 'TLSv1.1') {
      return fail(`negotiated ${result.protocol}`, 'ssl_protocols TLSv1.2 TLSv1.3; in the nginx site');
    }
    if (days < CERT_FAIL_DAYS)
      return fail(found, 'certbot renew now; check the certbot timer: systemctl list-timers certbot');
    if (days < context.config.doctorCertWarnDays)
      return warn(found, 'check certbot renews it: certbot renew --dry-run');
    return pass(found);
  },
};

const httpsRedirect: Check = {
  id: 'net.https-redirect',
  verifies: 'plain HTTP at the PUBLIC_URL host redirects to https (301/308)',
  async run(context) {
    const notHttps = requireHttps(context);
    if (notHttps !== undefined) return notHttps;
    const http = new URL(publicUrl(context).toString());
    http.protocol = 'http:';
    http.port = '';
    http.pathname = '/health/live';
    const result = await get(context, http);
    if (result.kind === 'error') {
      return warn(
        `nothing answers on ${http.origin}: ${result.message}`,
        'serve port 80 with a redirect to https (and the ACME challenge path)',
      );
    }
    const location = result.headers['location'] ?? '';
    if ([301, 302, 307, 308].includes(result.status) && location.startsWith('https://')) {
      return pass(`${http.origin} answers ${result.status} → ${location}`);
    }
    return fail(
      `${http.origin} answers ${result.status} without redirecting to https`,
      'return 301 https://$host$request_uri; in the port-80 server block',
    );
  },
};

const headers: Check = {
  id: 'net.headers',
  verifies:
    'responses at PUBLIC_URL carry HSTS, Content-Security-Policy, nosniff, a framing ban and Referrer-Policy, and hide the nginx version',
  async run(context) {
    const notHttps = requireHttps(context);
    if (notHttps !== undefined) return notHttps;
    const url = new URL('/health/live', publicUrl(context));
    const result = await get(context, url);
    if (result.kind === 'error')
      return fail(
        `cannot reach ${url.toString()}: ${result.message}`,
        'start nginx and rampart (see net.health)',
      );
    const h = result.headers;
    const missing: string[] = [];
    const hsts = /max-age=(\d+)/.exec(h['strict-transport-security'] ?? '');
    if (hsts?.[1] === undefined || Number(hsts[1]) < HSTS_MAX_AGE_MIN_S)
      missing.push('Strict-Transport-Security (max-age ≥ 180 days)');
    if (h['content-security-policy'] === undefined) missing.push('Content-Security-Policy');
    if ((h['x-content-type-options'] ?? '').toLowerCase() !== 'nosniff')
      missing.push('X-Content-Type-Options: nosniff');
    const frameBan =
      h['x-frame-options'] !== undefined || /frame-ancestors/.test(h['content-security-policy'] ?? '');
    if (!frameBan) missing.push('X-Frame-Options or frame-ancestors');
    if (h['referrer-policy'] === undefined) missing.push('Referrer-Policy');
    if (missing.length > 0) {
      return fail(
        `missing: ${missing.join(', ')}`,
        'use the nginx site from deploy/ (add_header … always) and keep PUBLIC_URL https so Rampart sends HSTS',
      );
    }
    if (/\/\d/.test(h['server'] ?? ''))
      return warn(`Server: ${h['server'] ?? ''} reveals the version`, 'server_tokens off; in nginx.conf');
    return pass('HSTS, CSP, nosniff, framing ban and Referrer-Policy present');
  },
};

interface ReadyBody {
  status?: string;
  checks?: Record<string, { ok?: boolean; detail?: string }>;
}

const health: Check = {
  id: 'net.health',
  verifies: 'GET PUBLIC_URL/health/ready answers 200 with status ok (database, migrations, Redis)',
  async run(context) {
    const url = new URL('/health/ready', publicUrl(context));
    const result = await get(context, url);
    if (result.kind === 'error')
      return fail(
        `${url.toString()}: ${result.message}`,
        'systemctl status rampart nginx; journalctl -u rampart -n 50',
      );
    let body: ReadyBody = {};
    try {
      body = JSON.parse(result.body) as ReadyBody;
    } catch {
      return fail(
        `${url.toString()} answered ${result.status} without JSON`,
        'check the nginx site proxies to Rampart (HOST:PORT)',
      );
    }
    const failing = Object.entries(body.checks ?? {})
      .filter(([, check]) => check.ok !== true)
      .map(([name, check]) => `${name}: ${check.detail ?? 'failed'}`);
    if (result.status === 200 && body.status === 'ok')
      return pass(`ready: ${Object.keys(body.checks ?? {}).join(', ')}`);
    return fail(
      `${result.status} ${body.status ?? ''}: ${failing.join('; ') || 'not ready'}`,
      'fix the failing check (docs/troubleshooting.md)',
    );
  },
};

const metricsPrivate: Check = {
  id: 'net.metrics-private',
  verifies: 'GET PUBLIC_URL/metrics is refused: metrics stay off the public site',
  async run(context) {
    const url = new URL('/metrics', publicUrl(context));
    const result = await get(context, url);
    if (result.kind === 'error')
      return warn(`cannot reach ${url.toString()}: ${result.message}`, 'see net.health');
    if (result.status === 200 && /^# (HELP|TYPE) /m.test(result.body)) {
      return fail(
        `${url.toString()} serves metrics to anyone`,
        'set METRICS_PORT (scraped on 127.0.0.1) and deny /metrics in the nginx site',
      );
    }
    return pass(`${url.pathname} answers ${result.status}`);
  },
};

async function nginxSite(
  context: CheckContext,
): Promise<{ kind: 'ok'; text: string } | { kind: 'outcome'; outcome: Outcome }> {
  const path = context.config.doctorNginxSite;
  const read = await context.once(`file:${path}`, () => context.host.readFile(path, SITE_BYTES_MAX));
  if (read.kind === 'ok') return { kind: 'ok', text: read.text.replace(/#.*$/gm, '') };
  if (read.kind === 'denied')
    return { kind: 'outcome', outcome: needsRoot(path, 'the nginx site proxies to Rampart') };
  return {
    kind: 'outcome',
    outcome: fail(
      `${path} ${read.kind === 'missing' ? 'does not exist' : `cannot be read: ${read.message}`}`,
      'install the nginx site from deploy/ (docs/deployment.md)',
    ),
  };
}

const reverseProxy: Check = {
  id: 'net.reverse-proxy',
  verifies:
    'the nginx site is enabled, proxies to HOST:PORT on loopback with X-Forwarded-*, and TRUST_PROXY trusts it',
  async run(context) {
    const site = await nginxSite(context);
    if (site.kind === 'outcome') return site.outcome;
    const problems: string[] = [];
    const upstream = /proxy_pass\s+https?:\/\/([^\s;/]+)/.exec(site.text)?.[1];
    const port = String(context.config.port);
    if (upstream === undefined) problems.push('no proxy_pass');
    else if (
      !/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(upstream) &&
      !new RegExp(`upstream\\s+${upstream}\\s*\\{[^}]*(127\\.0\\.0\\.1|localhost):${port}`).test(site.text)
    ) {
      problems.push(`proxy_pass to ${upstream}, not 127.0.0.1:${port}`);
    }
    if (!/X-Forwarded-For/i.test(site.text)) problems.push('no X-Forwarded-For');
    if (!/X-Forwarded-Proto/i.test(site.text)) problems.push('no X-Forwarded-Proto');
    const siteName = context.config.doctorNginxSite.split('/').at(-1) ?? 'rampart';
    const enabled = await context.host.stat(`/etc/nginx/sites-enabled/${siteName}`);
    if (enabled.kind === 'missing') problems.push(`not enabled (/etc/nginx/sites-enabled/${siteName})`);
    if (context.config.trustProxy === 'false')
      problems.push('TRUST_PROXY=false: every client looks like nginx to the rate limiter');
    return problems.length > 0
      ? fail(
          problems.join('; '),
          'use the nginx site from deploy/, ln -s it into sites-enabled, set TRUST_PROXY=127.0.0.1',
        )
      : pass(
          `nginx proxies to ${upstream ?? '?'} with X-Forwarded-*, TRUST_PROXY=${context.config.trustProxy}`,
        );
  },
};

const accessLog: Check = {
  id: 'net.access-log',
  verifies: 'the nginx site keeps its access log (no `access_log off`)',
  async run(context) {
    const site = await nginxSite(context);
    if (site.kind === 'outcome') return site.outcome;
    if (/access_log\s+off\s*;/.test(site.text)) {
      return fail(
        'access_log off in the nginx site',
        'remove access_log off; (logs go to /var/log/nginx/access.log, rotated by logrotate)',
      );
    }
    const explicit = /access_log\s+([^\s;]+)/.exec(site.text)?.[1];
    return pass(`nginx access log: ${explicit ?? '/var/log/nginx/access.log (default)'}`);
  },
};

const dns: Check = {
  id: 'net.dns',
  verifies: 'the PUBLIC_URL host resolves in DNS (and says whether to this server)',
  async run(context) {
    const host = publicUrl(context).hostname;
    if (isLocalHost(host) || isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
      return fail(
        `PUBLIC_URL host is ${host}, not a domain name`,
        'point an A/AAAA record at the server and set PUBLIC_URL=https://that.name',
      );
    }
    const result = await context.host.resolve(host, commandTimeoutMs(context));
    if (result.kind === 'error')
      return fail(`${host} does not resolve: ${result.message}`, `create an A record for ${host}`);
    const local = new Set(context.host.system().addresses);
    const here = result.addresses.filter((a) => local.has(a));
    return pass(
      `${host} → ${result.addresses.join(', ')}${here.length > 0 ? ' (this server)' : ' (not an address of this server: fine behind NAT or a load balancer)'}`,
    );
  },
};

const REDIS_MAJOR_MIN = 6;

const redis: Check = {
  id: 'redis.reachable',
  verifies: 'REDIS_URL is set and answers, and Redis is version 6 or later',
  async run(context) {
    const url = context.config.redisUrl;
    if (url === undefined) {
      return fail(
        'REDIS_URL is unset: limits and leases live in one process’s memory',
        'apt install redis-server; set REDIS_URL=redis://127.0.0.1:6379',
      );
    }
    const result = await context.host.redisVersion(url, commandTimeoutMs(context));
    if (result.kind === 'error')
      return fail(
        `Redis at ${url.host}: ${result.message}`,
        'systemctl status redis-server; check REDIS_URL',
      );
    const major = Number(result.version.split('.')[0]);
    return major >= REDIS_MAJOR_MIN
      ? pass(`Redis ${result.version} at ${url.host}`)
      : fail(
          `Redis ${result.version} is older than ${REDIS_MAJOR_MIN}`,
          'install Redis 6+ (Debian 12 ships 7)',
        );
  },
};

export const networkChecks: readonly Check[] = [
  tls,
  httpsRedirect,
  headers,
  health,
  metricsPrivate,
  reverseProxy,
  accessLog,
  dns,
  redis,
];
