/**
 * Settings of SEP-10 (web authentication), composed into the one schema (src/config/schema.ts).
 *
 * Mainnet rule (src/config/mainnet-rules.ts): SEP10_SIGNING_SECRET is required on mainnet — the
 * development fallback derives the signing key from the JWT secret, which is fine for a laptop and
 * wrong for real money (rotating one would rotate the other, and the key would not be in the
 * operator's key inventory).
 */
import { boolean, integer, list, text, type Setting } from './setting.js';

const GROUP = 'SEP-10 web authentication';
const STELLAR_SECRET = /^S[A-Z2-7]{55}$/;
/**
 * A domain as SEP-10 uses it: a lower-case host name with an optional port. At most 59 characters,
 * because the challenge's first operation key is `<home domain> auth` and a manage-data key holds
 * 64 bytes.
 */
export const SEP10_DOMAIN =
  /^(?=.{1,59}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/;
const DOMAIN_DOC = 'a lower-case host name with an optional :port, at most 59 characters';

function domainItem(item: string): string | null {
  return SEP10_DOMAIN.test(item) ? null : `"${item}" is not ${DOMAIN_DOC}`;
}

export const sep10Settings = {
  sep10SigningSecret: text({
    env: 'SEP10_SIGNING_SECRET',
    group: GROUP,
    doc: "Secret seed (S…) of the SEP-10 server account: signs challenges; its public key is stellar.toml's SIGNING_KEY. Required on mainnet. Unset elsewhere: derived from the JWT secret (stable as long as that is, which is persisted under RAMPART_DATA_DIR). Use a key that holds no funds.",
    secret: true,
    pattern: STELLAR_SECRET,
    patternDoc: 'a Stellar secret seed (S followed by 55 base32 characters)',
  }),
  sep10HomeDomains: list({
    env: 'SEP10_HOME_DOMAINS',
    group: GROUP,
    doc: 'Home domains challenges are issued for (comma-separated, exact match; the first is the default when a wallet sends no home_domain). Unset: the host[:port] of PUBLIC_URL.',
    item: domainItem,
  }),
  sep10WebAuthDomain: text({
    env: 'SEP10_WEB_AUTH_DOMAIN',
    group: GROUP,
    doc: "Value of the challenge's `web_auth_domain` operation: the domain serving /auth. Unset: PUBLIC_URL's host, with the port when it is not the default. On a non-default port the official wallet SDK compares against the host without the port, other clients against host:port; set this to the bare host to serve the wallet SDK there.",
    pattern: SEP10_DOMAIN,
    patternDoc: DOMAIN_DOC,
  }),
  sep10ChallengeTtlSeconds: integer({
    env: 'SEP10_CHALLENGE_TTL_S',
    group: GROUP,
    doc: 'How long a challenge may be signed and returned (its time bounds). A challenge is accepted once.',
    fallback: 900,
    min: 30,
    max: 3600,
  }),
  sep10JwtTtlSeconds: integer({
    env: 'SEP10_JWT_TTL_S',
    group: GROUP,
    doc: 'Lifetime of a session token. Short is safer: signers of an account can change after the token is issued.',
    fallback: 3600,
    min: 60,
    max: 86_400,
  }),
  sep10ClientAttributionRequired: boolean({
    env: 'SEP10_CLIENT_ATTRIBUTION_REQUIRED',
    group: GROUP,
    doc: 'Require every wallet to prove its client_domain (a signature by the SIGNING_KEY of its stellar.toml).',
    fallback: false,
  }),
  sep10ClientDomainAllowList: list({
    env: 'SEP10_CLIENT_DOMAIN_ALLOW_LIST',
    group: GROUP,
    doc: 'Client domains whose attribution is verified (comma-separated, exact match). Empty: any. With attribution required, other domains are refused; otherwise they are ignored, as SEP-10 says.',
    fallback: [],
    item: domainItem,
  }),
  sep10ClientDomainTimeoutMs: integer({
    env: 'SEP10_CLIENT_DOMAIN_TIMEOUT_MS',
    group: GROUP,
    doc: "Time limit for fetching a client domain's stellar.toml (connect and read).",
    fallback: 5000,
    min: 200,
    max: 30_000,
  }),
  sep10RateLimitPerMinute: integer({
    env: 'SEP10_RATE_LIMIT_PER_MINUTE',
    group: GROUP,
    doc: 'Requests per minute per client IP to GET and POST /auth (each counted separately), below the global limit because a challenge costs a signature and possibly a Horizon read and a client-domain fetch.',
    fallback: 60,
    min: 1,
    max: 100_000,
  }),
} satisfies Record<string, Setting<unknown>>;
