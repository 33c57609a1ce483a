/**
 * Where SEP-10 lives and which names it answers to, derived from configuration in one place so
 * stellar.toml, the challenge and the verification cannot disagree.
 *
 * - `WEB_AUTH_ENDPOINT` is `${PUBLIC_URL}/auth` (the route is mounted at the root, as the issue asks).
 * - Home domains: SEP10_HOME_DOMAINS, else PUBLIC_URL's host (`URL.host`: with the port when it
 *   is not the scheme's default), which is what a wallet types as the anchor's domain.
 * - `web_auth_domain`: SEP10_WEB_AUTH_DOMAIN, else the same `URL.host`. SEP-10 says the value is
 *   "the Server's domain that the client requested the challenge from"; with a non-default port we
 *   keep the port, as the Go and Java SDKs compare, while the TypeScript wallet SDK compares the
 *   bare hostname — on ports 80 and 443 the two agree (GUIDE §5). An operator on an odd port who
 *   serves the wallet SDK sets SEP10_WEB_AUTH_DOMAIN to the bare host.
 */
import type { Config } from '../../config/index.js';

export const SEP10_PATH = '/auth';

export interface Sep10Domains {
  readonly webAuthEndpoint: string;
  /** Non-empty; the first is the default home domain. */
  readonly homeDomains: readonly string[];
  readonly webAuthDomain: string;
}

/** PUBLIC_URL without its trailing slash, the base every advertised endpoint is built on. */
export function publicBase(config: Pick<Config, 'publicUrl'>): string {
  return config.publicUrl.toString().replace(/\/+$/, '');
}

export function sep10Domains(
  config: Pick<Config, 'publicUrl' | 'sep10HomeDomains' | 'sep10WebAuthDomain'>,
): Sep10Domains {
  const host = config.publicUrl.host.toLowerCase();
  const listed = config.sep10HomeDomains ?? [];
  return {
    webAuthEndpoint: `${publicBase(config)}${SEP10_PATH}`,
    homeDomains: listed.length > 0 ? listed : [host],
    webAuthDomain: config.sep10WebAuthDomain ?? host,
  };
}
