/**
 * The 209 items of the production-readiness checklist (../shared/reference/
 * production-readiness-checklist.md), in its order, with its words, and how Rampart meets each:
 *
 *   check   a function `rampart doctor` runs against the deployment (checks/)
 *   code    met by the software: the module that does it and the test that proves it
 *   doc     a document or procedure in docs/
 *   manual  what a person must confirm (and where to record it)
 *
 * Item ids are `<section>.<subsection>.<item>` in lower case (e.g. `infra.server.firewall`). They
 * are stable: reports, sign-offs and docs/production-readiness.md refer to them; never reuse one.
 * The original checklist was written for a Rust binary; its Rust items are translated to what the
 * TypeScript build means (`cargo build --release` → the compiled dist/, `cargo audit` → npm audit).
 */

export type Route =
  | { readonly kind: 'check'; readonly checks: readonly string[] }
  | { readonly kind: 'code'; readonly module: string; readonly test: string; readonly how: string }
  | { readonly kind: 'doc'; readonly doc: string; readonly what: string }
  | { readonly kind: 'manual'; readonly confirm: string; readonly template?: string };

export type RouteKind = Route['kind'];

export interface Item {
  /** 1…209, the checklist's order. */
  readonly n: number;
  readonly id: string;
  readonly section: string;
  readonly subsection: string;
  /** The checklist's words, exactly. */
  readonly title: string;
  readonly route: Route;
}

export interface Section {
  readonly title: string;
  readonly slug: string;
}

const check = (...checks: string[]): Route => ({ kind: 'check', checks });
const code = (module: string, test: string, how: string): Route => ({ kind: 'code', module, test, how });
const doc = (path: string, what: string): Route => ({ kind: 'doc', doc: path, what });
const manual = (confirm: string, template?: string): Route =>
  template === undefined ? { kind: 'manual', confirm } : { kind: 'manual', confirm, template };

type Row = readonly [slug: string, title: string, route: Route];
type Subsection = readonly [title: string, slug: string, rows: readonly Row[]];
type SectionRows = readonly [title: string, slug: string, subsections: readonly Subsection[]];

const CI_GREEN =
  'the CI run of the deployed commit (`rampart version`) passed: .ci/run lints, type-checks and runs npm test with CI=true on real PostgreSQL and Redis';
const BENCH = 'bench/README.md';

// One row per item, as the checklist reads: kept as a table, not reflowed.
// prettier-ignore
const CHECKLIST: readonly SectionRows[] = [
  ['Infrastructure', 'infra', [
    ['Server Setup', 'server', [
      ['provisioned', 'Server provisioned (minimum 2GB RAM, 2 CPU cores, 20GB storage)', check('host.resources')],
      ['os-updated', 'Operating system updated (`sudo apt update && sudo apt upgrade`)', check('host.os-updates')],
      ['firewall', 'Firewall configured (UFW or iptables)', check('host.firewall')],
      ['ssh-keys', 'SSH key-based authentication enabled', check('host.ssh-keys')],
      ['root-login', 'Root login disabled', check('host.ssh-root')],
      ['fail2ban', 'Fail2ban installed and configured', check('host.fail2ban')],
      ['timezone', 'Time zone configured correctly', check('host.timezone')],
      ['ntp', 'NTP service running', check('host.ntp')],
    ]],
    ['Dependencies', 'deps', [
      ['postgresql', 'PostgreSQL 14+ installed', check('db.version')],
      ['redis', 'Redis 6+ installed', check('redis.reachable')],
      ['runtime', 'Rust toolchain installed', check('build.node')],
      ['system-libraries', 'Required system libraries installed', check('host.tools')],
      ['tls-certificate', "SSL certificates obtained (Let's Encrypt)", check('net.tls')],
      ['reverse-proxy', 'Reverse proxy configured (Nginx/Apache)', check('net.reverse-proxy', 'net.metrics-private')],
    ]],
  ]],
  ['Database', 'db', [
    ['Setup', 'setup', [
      ['database', 'Production database created', check('db.production')],
      ['user', 'Dedicated database user created with strong password', check('db.dedicated-user', 'config.db-password')],
      ['privileges', 'Database privileges properly configured', check('db.privileges')],
      ['migrations', 'Migrations applied successfully', check('db.migrations')],
      ['extensions', 'Database extensions enabled (pgcrypto, pg_stat_statements)', check('db.extensions')],
      ['pooling', 'Connection pooling configured', check('db.pool')],
      ['tuning', 'PostgreSQL optimized for production workload', check('db.tuning')],
    ]],
    ['Security', 'security', [
      ['password', 'Database password is strong (32+ characters)', check('config.db-password')],
      ['localhost', 'Database accessible only from localhost', check('db.listen')],
      ['pg-hba', 'pg_hba.conf configured for md5 authentication', check('db.hba')],
      ['minimal-privileges', 'Database user has minimal required privileges', check('db.privileges')],
      ['superuser', 'Superuser access restricted', check('db.superusers')],
    ]],
    ['Backup', 'backup', [
      ['directory', 'Backup directory created with proper permissions', check('backup.dir')],
      ['script', 'Backup script tested and working', check('backup.recent')],
      ['daily', 'Automated daily backups configured (cron)', check('backup.timer')],
      ['retention', 'Backup retention policy defined (7-30 days)', check('backup.retention')],
      ['restore-tested', 'Backup restoration tested successfully', check('backup.verified', 'backup.verify-timer')],
      ['offsite', 'Off-site backup configured (S3, etc.)', check('backup.offsite')],
      ['alerting', 'Backup monitoring/alerting set up', check('monitoring.alert-backup')],
    ]],
  ]],
  ['Application', 'app', [
    ['Build', 'build', [
      ['release', 'Release binary built (`cargo build --release`)', check('build.artifact')],
      ['tested-locally', 'Binary tested locally', manual('the release build ran locally against the doubles (`rampart sandbox`) and `npm test` passed on the same commit')],
      ['tests', 'All tests passing (`cargo test`)', manual(CI_GREEN)],
      ['warnings', 'No compilation warnings addressed', code('tsconfig.json', '.ci/run', 'strict TypeScript (tsc --noEmit) and ESLint with --max-warnings=0 fail CI on any warning')],
      ['audit', 'Dependencies audited (`cargo audit`)', check('build.audit')],
      ['size', 'Binary size optimized (strip enabled)', check('build.production-deps')],
    ]],
    ['Configuration', 'config', [
      ['env-file', '`.env.production` file created', check('config.env-file')],
      ['required', 'All required environment variables set', check('config.required')],
      ['api-keys', 'API keys configured (Paystack, etc.)', check('config.paystack')],
      ['database-url', 'Database URL correct', check('db.reachable')],
      ['redis-url', 'Redis URL correct', check('redis.reachable')],
      ['mainnet', 'Stellar network set to mainnet', check('config.network')],
      ['log-level', 'Log level set appropriately (info/warn)', check('config.log-level')],
      ['env-permissions', 'File permissions set correctly (600 for .env)', check('config.env-file-mode')],
    ]],
    ['Service', 'service', [
      ['unit', 'Systemd service file created', check('service.unit')],
      ['installed', 'Service file installed in /etc/systemd/system/', check('service.loaded')],
      ['enabled', 'Service enabled to start on boot', check('service.enabled')],
      ['starts', 'Service starts successfully', check('service.active')],
      ['restarts', 'Service restarts on failure', check('service.restart')],
      ['journald', 'Service logs to journald', check('service.journald')],
      ['non-root', 'Service runs as non-root user', check('service.user', 'service.hardening')],
    ]],
  ]],
  ['Security', 'sec', [
    ['Application Security', 'appsec', [
      ['secrets-env', 'All secrets stored in environment variables', code('src/config/load.ts', 'test/unit/config.test.ts', 'every setting, secrets included, is read from the environment only (no .env file in production) and redacted wherever it is shown')],
      ['secrets-repo', 'No secrets in code or git repository', manual('a secret scanner (e.g. `gitleaks detect`) finds nothing in the repository and its history, and the env file exists only on the server')],
      ['input-validation', 'Input validation implemented', code('src/platform/http/errors.ts', 'test/integration/http-baseline.test.ts', 'every route validates body, query and params against its schema; a bad field is answered 400 naming it, and changes nothing')],
      ['sql-injection', 'SQL injection prevention (parameterized queries)', code('src/platform/db/database.ts', 'test/integration/database.test.ts', 'all SQL goes through Kysely, which sends values as bind parameters: the logged SQL text never contains them')],
      ['xss', 'XSS prevention', code('src/platform/http/security.ts', 'test/integration/http-baseline.test.ts', "answers are JSON with a strict Content-Security-Policy (default-src 'none'), nosniff and no framing on every response")],
      ['csrf', 'CSRF protection', manual('the API authenticates with bearer tokens browsers never attach on their own, and this build serves no cookie-authenticated form; when the SEP-24 pages and the console land, their form posts carry @fastify/csrf-protection')],
      ['rate-limiting', 'Rate limiting implemented', code('src/platform/http/security.ts', 'test/integration/http-baseline.test.ts', 'per-client limits, shared across instances through Redis, answer 429 with Retry-After')],
      ['request-size', 'Request size limits configured', code('src/platform/http/app.ts', 'test/integration/http-baseline.test.ts', 'BODY_LIMIT_BYTES caps every request body (413 beyond it)')],
    ]],
    ['Network Security', 'network', [
      ['firewall-rules', 'Firewall rules configured', check('host.firewall')],
      ['ports', 'Only necessary ports open (22, 80, 443)', check('host.ports')],
      ['certificates', 'SSL/TLS certificates installed', check('net.tls')],
      ['https', 'HTTPS enforced', check('net.https-redirect')],
      ['headers', 'Security headers configured', check('net.headers')],
      ['ddos', 'DDoS protection considered', manual("a decision on upstream protection (a CDN or the provider's DDoS filtering) is recorded; nginx's rate-limit zone and Rampart's per-client limits only absorb small floods")],
    ]],
    ['Access Control', 'access', [
      ['passwords', 'Strong passwords enforced', check('config.secrets')],
      ['ssh-keys-only', 'SSH key-based authentication only', check('host.ssh-password')],
      ['sudo', 'Sudo access limited', check('host.sudo')],
      ['database', 'Database access restricted', check('db.hba', 'db.listen')],
      ['api-auth', 'API authentication implemented', code('src/sep/sep10/plugin.ts', 'test/integration/sep10.test.ts', 'SEP-10 challenge and response issue short-lived JWTs; authenticated SEP routes refuse requests without a valid one')],
      ['authorization', 'Authorization checks in place', code('src/sep/sep12/plugin.ts', 'test/integration/sep12.test.ts', "a customer, quote or transaction is visible only to the account that owns it (404 for any other)")],
    ]],
  ]],
  ['Monitoring', 'mon', [
    ['Application Monitoring', 'app', [
      ['health', 'Health check endpoint working', check('net.health')],
      ['request-logging', 'Request logging enabled', check('config.request-logging')],
      ['error-logging', 'Error logging configured', check('config.log-level', 'service.journald')],
      ['metrics', 'Performance metrics collected', check('monitoring.scrape')],
      ['slow-query-logging', 'Slow query logging enabled', code('src/platform/db/database.ts', 'test/integration/database.test.ts', 'queries slower than SLOW_QUERY_MS are logged with their duration and SQL text')],
      ['memory', 'Memory usage monitored', check('monitoring.alert-memory')],
      ['cpu', 'CPU usage monitored', check('monitoring.alert-cpu')],
    ]],
    ['Database Monitoring', 'db', [
      ['connections', 'Connection count monitored', code('src/platform/db-monitoring.ts', 'test/integration/db-monitoring.test.ts', 'server connections by state and the connection limit are exported as metrics')],
      ['query-performance', 'Query performance tracked', check('db.stat-statements')],
      ['slow-queries', 'Slow queries logged', check('db.slow-log')],
      ['size', 'Database size monitored', code('src/platform/db-monitoring.ts', 'test/integration/db-monitoring.test.ts', 'the database size is exported as a metric')],
      ['replication', 'Replication lag monitored (if applicable)', check('db.replication')],
      ['cache-hit', 'Cache hit ratio tracked', code('src/platform/db-monitoring.ts', 'test/integration/db-monitoring.test.ts', 'the buffer cache hit ratio is exported as a metric')],
    ]],
    ['Alerting', 'alerts', [
      ['errors', 'Critical error alerts configured', check('monitoring.alert-errors')],
      ['disk', 'Disk space alerts set up', check('monitoring.alert-disk')],
      ['memory', 'Memory alerts configured', check('monitoring.alert-memory')],
      ['db-connections', 'Database connection alerts', check('monitoring.alert-db-connections')],
      ['backup', 'Backup failure alerts', check('monitoring.alert-backup')],
      ['service-down', 'Service down alerts', check('monitoring.alert-down')],
    ]],
  ]],
  ['Performance', 'perf', [
    ['Application Performance', 'app', [
      ['load-test', 'Load testing completed', manual('`npm run bench` ran against a production-like server and its results are recorded', BENCH)],
      ['response-times', 'Response times acceptable (<200ms for most endpoints)', check('monitoring.latency')],
      ['concurrency', 'Concurrent user capacity tested', manual('a load test at the expected peak of concurrent wallets (autocannon connections) stayed within the latency budget', BENCH)],
      ['memory-leaks', 'Memory leaks checked', manual('an hour-long soak test left rampart_process_resident_memory_bytes flat', BENCH)],
      ['pool-tuning', 'Connection pooling optimized', check('db.pool')],
      ['caching', 'Caching strategy implemented', code('src/sep/sep38/store.ts', 'test/integration/sep38.test.ts', 'firm quotes are read through the key-value cache (Redis or memory) in front of PostgreSQL; bank lists and recipients are cached with TTLs')],
    ]],
    ['Database Performance', 'db', [
      ['indexes', 'Indexes created on frequently queried columns', check('db.indexes')],
      ['query-plans', 'Query plans analyzed (EXPLAIN ANALYZE)', manual('EXPLAIN (ANALYZE, BUFFERS) of the top statements in pg_stat_statements was read and recorded')],
      ['slow-queries', 'Slow queries optimized', check('db.slow-queries')],
      ['statistics', 'Database statistics updated', check('db.statistics')],
      ['vacuum', 'Vacuum strategy configured', check('db.autovacuum')],
      ['connection-limits', 'Connection limits appropriate', check('db.pool')],
    ]],
  ]],
  ['Reliability', 'rel', [
    ['High Availability', 'ha', [
      ['auto-restart', 'Service auto-restart configured', check('service.restart')],
      ['replication', 'Database replication considered', doc('docs/disaster-recovery.md', 'when to add a PostgreSQL standby, and how')],
      ['load-balancing', 'Load balancing considered (if needed)', doc('docs/maintenance.md', 'two instances behind nginx')],
      ['failover', 'Failover strategy defined', doc('docs/disaster-recovery.md', 'the failover strategy')],
      ['rto', 'Recovery time objective (RTO) defined', doc('docs/backup-restore.md', 'the RTO of the default setup')],
      ['rpo', 'Recovery point objective (RPO) defined', doc('docs/backup-restore.md', 'the RPO, and WAL archiving for a shorter one')],
    ]],
    ['Disaster Recovery', 'dr', [
      ['restore-tested', 'Backup restoration tested', check('backup.verified')],
      ['rollback-documented', 'Rollback procedure documented', doc('docs/rollback.md', 'the rollback procedure')],
      ['emergency-contacts', 'Emergency contacts documented', manual('the contacts table is filled in with names, phones and escalation order', 'docs/incident-response.md')],
      ['incident-plan', 'Incident response plan created', doc('docs/incident-response.md', 'severity levels, roles and communication')],
      ['retention-policy', 'Data retention policy defined', doc('docs/data-retention-privacy.md', 'retention periods per kind of data')],
      ['dr-tested', 'Disaster recovery plan tested', manual('the drill ran: a fresh server restored from the off-site copy, and its duration recorded against the RTO', 'docs/disaster-recovery.md')],
    ]],
  ]],
  ['Documentation', 'docs', [
    ['Technical Documentation', 'technical', [
      ['api', 'API documentation complete', doc('docs/api.md', 'the API reference, generated from OpenAPI')],
      ['schema', 'Database schema documented', doc('docs/database-schema.md', 'the schema, generated from the migrations')],
      ['deployment', 'Deployment guide written', doc('docs/deployment.md', 'fresh server to running, with the deploy kit')],
      ['configuration', 'Configuration guide created', doc('docs/configuration.md', 'every setting, generated from the schema')],
      ['troubleshooting', 'Troubleshooting guide available', doc('docs/troubleshooting.md', 'symptoms, causes and fixes')],
      ['architecture', 'Architecture diagram created', doc('docs/architecture.md', 'the architecture, with its diagram')],
    ]],
    ['Operational Documentation', 'operational', [
      ['runbook', 'Runbook created', doc('docs/runbook.md', 'each alert: what it means, what to do')],
      ['monitoring', 'Monitoring guide written', doc('docs/monitoring.md', 'metrics, dashboards and alert routing')],
      ['backup-restore', 'Backup/restore procedures documented', doc('docs/backup-restore.md', 'backup, restore and verification')],
      ['incident-response', 'Incident response procedures documented', doc('docs/incident-response.md', 'the incident procedure and templates')],
      ['maintenance', 'Maintenance procedures documented', doc('docs/maintenance.md', 'upgrades and routine maintenance')],
      ['contacts', 'Contact information updated', manual('the contacts in the incident-response document are current', 'docs/incident-response.md')],
    ]],
  ]],
  ['Testing', 'test', [
    ['Functional Testing', 'functional', [
      ['production-like', 'All features tested in production-like environment', manual('the end-to-end suite ran against a staging server built with deploy/ (same versions as production, testnet)')],
      ['integration', 'Integration tests passing', manual(CI_GREEN)],
      ['e2e', 'End-to-end tests passing', manual(CI_GREEN)],
      ['payments', 'Payment flows tested', manual('one deposit and one withdrawal completed end to end on testnet, and one small-value pair on mainnet')],
      ['error-handling', 'Error handling tested', code('src/rails/stellar/submitter.ts', 'test/integration/rails-stellar-submitter.test.ts', 'timeouts, refusals and unknown outcomes of every external call have their own tested branch (the Stellar submitter, the Paystack client, HTTP errors)')],
      ['edge-cases', 'Edge cases covered', code('src/domain/money.ts', 'test/unit/money.test.ts', 'property tests (fast-check) for money, fees and quotes; the transition table is tested exhaustively')],
    ]],
    ['Non-Functional Testing', 'nonfunctional', [
      ['load', 'Load testing completed', manual('`npm run bench` ran against a production-like server and its results are recorded', BENCH)],
      ['stress', 'Stress testing completed', manual('a load test past the expected peak showed how Rampart degrades (429s and 503s, no crash, no lost job)', BENCH)],
      ['security', 'Security testing completed', manual('an external scan (e.g. OWASP ZAP baseline against PUBLIC_URL) ran and its findings were triaged')],
      ['performance', 'Performance testing completed', manual('p99 latency per route under load is within 200 ms', BENCH)],
      ['backup-restore', 'Backup/restore tested', check('backup.verified')],
      ['failover', 'Failover tested', manual('an instance (and, if replicated, the database primary) was stopped and the recovery timed', 'docs/disaster-recovery.md')],
    ]],
  ]],
  ['Compliance', 'comp', [
    ['Legal', 'legal', [
      ['terms', 'Terms of service reviewed', manual('counsel reviewed the terms of service customers accept')],
      ['privacy', 'Privacy policy reviewed', manual('the privacy policy is written from the template and reviewed', 'docs/data-retention-privacy.md')],
      ['data-protection', 'Data protection compliance (GDPR, etc.)', manual('the Nigeria Data Protection Act and GDPR duties in the template are met (lawful basis, retention, DPO, breach notice)', 'docs/data-retention-privacy.md')],
      ['pci', 'Payment compliance (PCI DSS if applicable)', manual("card data never reaches Rampart (Paystack's checkout collects it): confirm with Paystack that SAQ-A applies, and file it")],
      ['licenses', 'License compliance checked', check('build.licenses')],
      ['third-party', 'Third-party agreements reviewed', manual('the Paystack merchant agreement, the stablecoin issuer terms and the hosting contract are reviewed')],
    ]],
    ['Audit', 'audit', [
      ['security-audit', 'Security audit completed', manual('an independent security audit is done and its findings resolved')],
      ['code-review', 'Code review completed', manual('every change in the deployed version was reviewed before it merged')],
      ['dependency-audit', 'Dependency audit completed', check('build.audit')],
      ['access-logs', 'Access logs enabled', check('net.access-log')],
      ['audit-trail', 'Audit trail implemented', code('src/flows/state-machine.ts', 'test/integration/state-machine.test.ts', 'every status change writes an append-only event in the same database transaction; ledger entries and sign-offs are append-only too')],
      ['compliance-docs', 'Compliance documentation ready', manual('the policies, this report and the recorded sign-offs are gathered for the regulator and partners', 'docs/data-retention-privacy.md')],
    ]],
  ]],
  ['Operations', 'ops', [
    ['Deployment', 'deploy', [
      ['procedure', 'Deployment procedure documented', doc('docs/deployment.md', 'the deployment procedure')],
      ['rollback-tested', 'Rollback procedure tested', manual('the rollback was rehearsed on staging: the previous release deployed and `rampart doctor` passed', 'docs/rollback.md')],
      ['zero-downtime', 'Zero-downtime deployment strategy', doc('docs/maintenance.md', 'rolling upgrades of two instances, backward-compatible migrations')],
      ['migrations', 'Database migration strategy', code('src/platform/db/migrator.ts', 'test/integration/migrations.test.ts', 'forward-only, checksummed migrations under an advisory lock; serve refuses a schema that is not current')],
      ['feature-flags', 'Feature flags implemented (if needed)', manual('SEPS_ENABLED switches whole protocols off; decide whether anything else needs a flag before launch')],
      ['canary', 'Canary deployment considered', doc('docs/maintenance.md', 'upgrading one instance first, as a canary')],
    ]],
    ['Maintenance', 'maintenance', [
      ['window', 'Maintenance window defined', manual('a weekly maintenance window is agreed and published', 'docs/maintenance.md')],
      ['update-procedure', 'Update procedure documented', doc('docs/maintenance.md', 'the update procedure')],
      ['monitoring', 'Monitoring during maintenance', doc('docs/maintenance.md', 'what to watch while maintaining')],
      ['downtime-comms', 'Communication plan for downtime', doc('docs/maintenance.md', 'how downtime is announced')],
      ['checklist', 'Maintenance checklist created', doc('docs/maintenance.md', 'the maintenance checklist')],
      ['verification', 'Post-maintenance verification', doc('docs/maintenance.md', 'verification after maintenance, ending with rampart doctor')],
    ]],
  ]],
  ['Team Readiness', 'team', [
    ['Knowledge Transfer', 'training', [
      ['deployment', 'Team trained on deployment', manual('each operator has deployed a staging server with the deploy kit', 'docs/deployment.md')],
      ['monitoring', 'Team trained on monitoring', manual('each operator can read the dashboard and silence an alert', 'docs/monitoring.md')],
      ['troubleshooting', 'Team trained on troubleshooting', manual('each operator has worked through the troubleshooting guide on staging', 'docs/troubleshooting.md')],
      ['incident-response', 'Team trained on incident response', manual('the team ran an incident drill', 'docs/incident-response.md')],
      ['docs-reviewed', 'Documentation reviewed by team', manual('the team read and corrected the documents in docs/')],
      ['on-call', 'On-call rotation defined', manual('the on-call rotation is set up and the pager reaches it', 'docs/incident-response.md')],
    ]],
    ['Communication', 'comms', [
      ['stakeholders', 'Stakeholders informed', manual('stakeholders know the launch plan')],
      ['launch-date', 'Launch date communicated', manual('the launch date is communicated to partners and wallets')],
      ['support-channels', 'Support channels established', manual('a staffed support address is published (ORG_SUPPORT_EMAIL in stellar.toml)')],
      ['escalation', 'Escalation path defined', doc('docs/incident-response.md', 'severity levels and the escalation path')],
      ['status-page', 'Status page set up (if needed)', manual('a status page exists, or the decision not to have one is recorded')],
      ['templates', 'Communication templates prepared', doc('docs/incident-response.md', 'communication templates')],
    ]],
  ]],
  ['Pre-Launch', 'prelaunch', [
    ['Final Checks', 'final', [
      ['all-items', 'All checklist items completed', check('report.complete')],
      ['staging-parity', 'Production environment matches staging', manual('`rampart config` and `rampart doctor --json` of staging and production differ only in secrets, URLs and network')],
      ['dns', 'DNS records configured', check('net.dns')],
      ['certificates', 'SSL certificates valid', check('net.tls')],
      ['dashboards', 'Monitoring dashboards set up', manual('the Grafana dashboard from deploy/monitoring/ is imported and shows live data', 'docs/monitoring.md')],
      ['alerts-tested', 'Alerts tested', manual('a test alert went through Alertmanager and reached the on-call person', 'docs/monitoring.md')],
      ['backup-verified', 'Backup verified', check('backup.verified')],
      ['team-ready', 'Team ready', manual('the on-call person and the launch team are available for the first 24 hours')],
    ]],
    ['Go/No-Go Decision', 'go', [
      ['technical', 'Technical lead approval', check('signoff.technical')],
      ['product', 'Product owner approval', check('signoff.product')],
      ['security', 'Security team approval', check('signoff.security')],
      ['operations', 'Operations team approval', check('signoff.operations')],
      ['critical-resolved', 'All critical issues resolved', check('report.no-failures')],
      ['launch-criteria', 'Launch criteria met', manual('the launch criteria agreed by the approvers are met')],
    ]],
  ]],
  ['Post-Launch', 'postlaunch', [
    ['Immediate (First 24 Hours)', 'day1', [
      ['error-rates', 'Monitor error rates', check('monitoring.error-rate')],
      ['response-times', 'Monitor response times', check('monitoring.latency')],
      ['resources', 'Monitor resource usage', check('host.disk', 'host.memory')],
      ['backup-completion', 'Check backup completion', check('backup.recent')],
      ['features', 'Verify all features working', manual('a real deposit and withdrawal completed on mainnet after launch')],
      ['critical-issues', 'Address any critical issues', check('report.no-failures')],
    ]],
    ['Short-term (First Week)', 'week1', [
      ['metrics-review', 'Review performance metrics', manual('the first week of latency, errors and resources was reviewed on the dashboard', 'docs/monitoring.md')],
      ['feedback', 'Analyze user feedback', manual('support requests and wallet feedback of the first week were read and triaged')],
      ['optimize', 'Optimize based on real usage', manual('pool sizes, limits and caches were adjusted to the observed load')],
      ['non-critical', 'Address non-critical issues', check('report.no-warnings')],
      ['docs-update', 'Update documentation', manual('what the launch taught is written into docs/')],
      ['retrospective', 'Team retrospective', manual('the launch retrospective was held and its actions recorded')],
    ]],
    ['Long-term (First Month)', 'month1', [
      ['performance-review', 'Performance review', manual('a month of performance data was reviewed against the budget', 'docs/monitoring.md')],
      ['security-review', 'Security review', manual('access, keys and dependencies were reviewed after a month (rerun rampart doctor)')],
      ['cost', 'Cost optimization', manual('hosting and provider costs were reviewed')],
      ['capacity', 'Capacity planning', manual('disk, database size and traffic trends project the next upgrade', 'docs/monitoring.md')],
      ['process', 'Process improvements', manual('the operations procedures were improved from the first month')],
      ['lessons', 'Lessons learned documentation', manual('lessons learned are written down', 'docs/incident-response.md')],
    ]],
  ]],
];

function build(): { items: Item[]; sections: Section[] } {
  const items: Item[] = [];
  const sections: Section[] = [];
  for (const [section, sectionSlug, subsections] of CHECKLIST) {
    sections.push({ title: section, slug: sectionSlug });
    for (const [subsection, subsectionSlug, rows] of subsections) {
      for (const [slug, title, route] of rows) {
        items.push({
          n: items.length + 1,
          id: `${sectionSlug}.${subsectionSlug}.${slug}`,
          section,
          subsection,
          title,
          route,
        });
      }
    }
  }
  return { items, sections };
}

const built = build();

/** The checklist's items, in order. */
export const ITEMS: readonly Item[] = built.items;
/** The checklist's sections, in order, with the short name `--only` and ids use. */
export const SECTIONS: readonly Section[] = built.sections;
export const ITEM_COUNT = 209;

/** The check ids an item needs (none for code, doc and manual items). */
export function checkIdsOf(item: Item): readonly string[] {
  return item.route.kind === 'check' ? item.route.checks : [];
}
