/** Configuration checks: what the service runs with, read from its env file and the environment. */
import { SECRET_LENGTH_MIN } from '../../../config/mainnet-rules.js';
import { settings, type Config } from '../../../config/schema.js';
import { PASSWORD_PARAMS } from '../../../config/setting.js';
import { productionProblems, type CheckContext } from '../context.js';
import { fail, needsRoot, pass, warn } from '../outcome.js';
import { parsePasswd } from '../parse/key-value.js';
import { plural, type Check } from './check.js';

/** Circle's USDC issuers: the testnet one on mainnet is a configuration mistake that loses money. */
export const USDC_ISSUER_PUBLIC = 'GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN';
export const USDC_ISSUER_TESTNET = 'GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5';

/** A secret with fewer distinct characters than this is a pattern, not randomness. */
const DISTINCT_CHARACTERS_MIN = 10;
const PLACEHOLDERS = /change.?me|password|secret|example|default|placeholder|xxxx|1234/i;

/** Settings production cannot run without (mainnet refuses most of them missing, too). */
const REQUIRED_IN_PRODUCTION = [
  settings.databaseUrl,
  settings.redisUrl,
  settings.publicUrl,
  settings.paystackSecretKey,
  settings.jwtSecret,
  settings.sep10SigningSecret,
  settings.piiEncryptionKeys,
  settings.stellarDistributionSecret,
];
/** An anchor offers only the assets whose issuer is configured: at least one must be. */
const ASSET_ISSUERS = [settings.assetNgnIssuer, settings.assetUsdcIssuer];

function source(context: CheckContext): string {
  return context.envFile.read.kind === 'ok'
    ? `${context.envFile.path} and the environment`
    : `the environment (${context.envFile.path} not readable)`;
}

const required: Check = {
  id: 'config.required',
  verifies:
    'every setting parses, the settings production needs (and an asset issuer) are set, and on mainnet its rules hold',
  async run(context) {
    if (context.configProblems.length > 0) {
      return fail(
        `${plural(context.configProblems.length, 'invalid setting')}: ${context.configProblems.join('; ')}`,
        'fix each setting in the env file (docs/configuration.md), then rerun',
      );
    }
    const unset = (s: { env: string }): boolean => (context.env[s.env] ?? '').trim() === '';
    const missing = REQUIRED_IN_PRODUCTION.filter(unset).map((s) => s.env);
    if (ASSET_ISSUERS.every(unset)) missing.push(`one of ${ASSET_ISSUERS.map((s) => s.env).join(' or ')}`);
    if (missing.length > 0) {
      return fail(
        `unset in ${source(context)}: ${missing.join(', ')}`,
        `set them in ${context.envFile.path} (docs/configuration.md)`,
      );
    }
    // Off mainnet a test key is right; the rest of the mainnet rules have checks of their own.
    const unsafe = context.config.stellarNetwork === 'public' ? productionProblems(context.config) : [];
    if (unsafe.length > 0) {
      return fail(
        `production would refuse: ${unsafe.join('; ')}`,
        'fix each one in the env file (docs/configuration.md)',
      );
    }
    return pass(
      `all ${REQUIRED_IN_PRODUCTION.length} required settings and an asset issuer set and valid (from ${source(context)})`,
    );
  },
};

interface SecretFinding {
  readonly name: string;
  readonly problem: string | undefined;
}

function judgeSecret(name: string, value: string): SecretFinding {
  if (value.length < SECRET_LENGTH_MIN) {
    return { name, problem: `${name} is ${value.length} characters (needs ${SECRET_LENGTH_MIN}+)` };
  }
  if (new Set(value).size < DISTINCT_CHARACTERS_MIN)
    return { name, problem: `${name} repeats a few characters` };
  if (PLACEHOLDERS.test(value)) return { name, problem: `${name} looks like a placeholder` };
  return { name, problem: undefined };
}

function urlPasswords(env: string, url: URL | undefined): [string, string][] {
  if (url === undefined) return [];
  const found: [string, string][] = [];
  if (url.password !== '') found.push([`${env} password`, decodeURIComponent(url.password)]);
  for (const name of PASSWORD_PARAMS) {
    const value = url.searchParams.get(name);
    if (value !== null) found.push([`${env} ${name}`, value]);
  }
  return found;
}

const secrets: Check = {
  id: 'config.secrets',
  verifies: `JWT_SECRET and the passwords in DATABASE_URL and REDIS_URL are ${SECRET_LENGTH_MIN}+ characters and not patterns or placeholders`,
  async run({ config }) {
    if (config.jwtSecret === undefined) {
      return fail('JWT_SECRET is unset', 'generate one: openssl rand -hex 32');
    }
    const candidates: [string, string][] = [
      ['JWT_SECRET', config.jwtSecret],
      ...urlPasswords('DATABASE_URL', config.databaseUrl),
      ...urlPasswords('REDIS_URL', config.redisUrl),
    ];
    const findings = candidates.map(([name, value]) => judgeSecret(name, value));
    const weak = findings.filter((f) => f.problem !== undefined);
    if (weak.length > 0) {
      return fail(
        weak.map((f) => f.problem).join('; '),
        'replace each with a random value: openssl rand -hex 32',
      );
    }
    return pass(`${findings.map((f) => f.name).join(', ')}: ${SECRET_LENGTH_MIN}+ random-looking characters`);
  },
};

/** A URL that reaches PostgreSQL over its Unix socket, where peer authentication needs no password. */
function usesSocket(url: URL): boolean {
  return url.hostname === '' || (url.searchParams.get('host') ?? '').startsWith('/');
}

export function databasePassword(config: Config): string | undefined {
  const url = config.databaseUrl;
  if (url === undefined) return undefined;
  if (url.password !== '') return decodeURIComponent(url.password);
  return url.searchParams.get('password') ?? undefined;
}

const databasePasswordCheck: Check = {
  id: 'config.db-password',
  verifies: `the password in DATABASE_URL is ${SECRET_LENGTH_MIN}+ characters (or the socket's peer authentication is used)`,
  async run({ config }) {
    const url = config.databaseUrl;
    if (url === undefined) {
      return fail(
        'DATABASE_URL is unset (embedded database)',
        'create the rampart_app role and set DATABASE_URL (docs/deployment.md)',
      );
    }
    const password = databasePassword(config);
    if (password === undefined) {
      return usesSocket(url)
        ? pass('no password: peer authentication over the Unix socket')
        : fail(
            'DATABASE_URL has no password over TCP',
            'give the role a random password: openssl rand -hex 32',
          );
    }
    const finding = judgeSecret('the database password', password);
    return finding.problem === undefined
      ? pass(`the database password has ${password.length} characters`)
      : fail(
          finding.problem,
          "set a random one: ALTER ROLE … PASSWORD '<openssl rand -hex 32>', then update DATABASE_URL",
        );
  },
};

const paystack: Check = {
  id: 'config.paystack',
  verifies: 'PAYSTACK_SECRET_KEY is set and is a live key on mainnet, a test key elsewhere',
  async run({ config }) {
    const key = config.paystackSecretKey;
    if (key === undefined) {
      return fail(
        'PAYSTACK_SECRET_KEY is unset',
        'copy the secret key from the Paystack dashboard (Settings → API Keys)',
      );
    }
    const live = key.startsWith('sk_live_');
    if (config.stellarNetwork === 'public' && !live) {
      return fail('a Paystack test key (sk_test_…) on mainnet', 'use the live secret key (sk_live_…)');
    }
    if (config.stellarNetwork !== 'public' && live) {
      return fail(
        `a live Paystack key on ${config.stellarNetwork}: real naira against test assets`,
        'use the test key (sk_test_…) off mainnet, or set STELLAR_NETWORK=public',
      );
    }
    return pass(`${live ? 'live' : 'test'} key on ${config.stellarNetwork}`);
  },
};

const network: Check = {
  id: 'config.network',
  verifies: "STELLAR_NETWORK is public, Horizon is not a testnet one, and USDC is Circle's mainnet issuer",
  async run({ config }) {
    if (config.stellarNetwork !== 'public') {
      return fail(`STELLAR_NETWORK is ${config.stellarNetwork}`, 'set STELLAR_NETWORK=public for production');
    }
    if (config.horizonUrl?.hostname.includes('testnet') === true) {
      return fail(
        `HORIZON_URL ${config.horizonUrl.hostname} is a testnet Horizon`,
        'unset HORIZON_URL or point it at a mainnet Horizon',
      );
    }
    if (config.assetUsdcIssuer === USDC_ISSUER_TESTNET) {
      return fail(
        "ASSET_USDC_ISSUER is Circle's testnet issuer",
        `set ASSET_USDC_ISSUER=${USDC_ISSUER_PUBLIC}`,
      );
    }
    if (config.assetUsdcIssuer !== undefined && config.assetUsdcIssuer !== USDC_ISSUER_PUBLIC) {
      return warn(
        `ASSET_USDC_ISSUER ${config.assetUsdcIssuer.slice(0, 8)}… is not Circle's USDC issuer`,
        `confirm the asset is the one you mean (Circle's is ${USDC_ISSUER_PUBLIC})`,
      );
    }
    return pass('mainnet (public network)');
  },
};

const logLevel: Check = {
  id: 'config.log-level',
  verifies: 'LOG_LEVEL is info or warn (debug and trace are verbose; error, fatal and silent hide problems)',
  async run({ config }) {
    const level = config.logLevel;
    if (level === 'info' || level === 'warn') return pass(`LOG_LEVEL=${level}`);
    if (level === 'silent') return fail('LOG_LEVEL=silent: nothing is logged', 'set LOG_LEVEL=info');
    return warn(
      `LOG_LEVEL=${level}: ${level === 'debug' || level === 'trace' ? 'verbose in production' : 'warnings are not logged'}`,
      'set LOG_LEVEL=info',
    );
  },
};

const requestLogging: Check = {
  id: 'config.request-logging',
  verifies: 'the log level keeps the one-line-per-request log (written at info)',
  async run({ config }) {
    const level = config.logLevel;
    if (level === 'info' || level === 'debug' || level === 'trace') {
      return pass(`one line per request (method, route, status, duration, request id) at LOG_LEVEL=${level}`);
    }
    if (level === 'warn') {
      return warn(
        'LOG_LEVEL=warn drops the per-request lines (written at info); only nginx logs requests',
        'set LOG_LEVEL=info',
      );
    }
    return fail(`LOG_LEVEL=${level}: requests are not logged`, 'set LOG_LEVEL=info');
  },
};

const envFile: Check = {
  id: 'config.env-file',
  verifies:
    'the env file exists (DOCTOR_ENV_FILE, default /etc/rampart/rampart.env) and sets NODE_ENV=production',
  async run({ envFile: file }) {
    const read = file.read;
    if (read.kind === 'missing') {
      return fail(
        `${file.path} does not exist`,
        'create it from the deploy kit (docs/deployment.md), mode 0600, owner rampart',
      );
    }
    if (read.kind === 'denied') return needsRoot(file.path, `${file.path} exists and holds the settings`);
    if (read.kind === 'error')
      return warn(`cannot read ${file.path}: ${read.message}`, 'check the path and rerun');
    const count = read.text.split('\n').filter((line) => /^\s*[A-Z_][A-Z0-9_]*\s*=/.test(line)).length;
    if (!/^\s*NODE_ENV\s*=\s*["']?production["']?\s*$/m.test(read.text)) {
      return warn(
        `${file.path} (${plural(count, 'setting')}) does not set NODE_ENV=production`,
        `add NODE_ENV=production to ${file.path}, so no .env file is ever read`,
      );
    }
    return pass(`${file.path}: ${plural(count, 'setting')}, NODE_ENV=production`);
  },
};

async function serviceUid(context: CheckContext): Promise<number | undefined> {
  const passwd = await context.once('file:/etc/passwd', () =>
    context.host.readFile('/etc/passwd', 1024 * 1024),
  );
  if (passwd.kind !== 'ok') return undefined;
  return parsePasswd(passwd.text).get(context.config.doctorServiceUser);
}

export function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

const envFileMode: Check = {
  id: 'config.env-file-mode',
  verifies: 'the env file is mode 0600 and owned by the service user (or root)',
  async run(context) {
    const path = context.envFile.path;
    const info = await context.host.stat(path);
    if (info.kind === 'missing')
      return fail(`${path} does not exist`, 'create it (docs/deployment.md), mode 0600, owner rampart');
    if (info.kind === 'denied') return needsRoot(path, `${path} is mode 0600, owner rampart`);
    if (info.kind === 'error')
      return warn(`cannot stat ${path}: ${info.message}`, 'check the path and rerun');
    const user = context.config.doctorServiceUser;
    const uid = await serviceUid(context);
    const problems: string[] = [];
    if ((info.mode & 0o077) !== 0) problems.push(`mode ${octal(info.mode)} lets others read it`);
    if (info.uid !== 0 && info.uid !== uid) problems.push(`owned by uid ${info.uid}, not ${user} or root`);
    if (problems.length > 0)
      return fail(`${path}: ${problems.join(', ')}`, `chown ${user}: ${path} && chmod 600 ${path}`);
    return pass(`${path}: mode ${octal(info.mode)}, owner ${info.uid === 0 ? 'root' : user}`);
  },
};

export const configChecks: readonly Check[] = [
  required,
  secrets,
  databasePasswordCheck,
  paystack,
  network,
  logLevel,
  requestLogging,
  envFile,
  envFileMode,
];

export { serviceUid };
