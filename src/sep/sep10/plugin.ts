/**
 * SEP-10 web authentication at `/auth` (WEB_AUTH_ENDPOINT = `${PUBLIC_URL}/auth`):
 *
 * - `GET /auth?account=…[&memo][&home_domain][&client_domain]` → `{ transaction, network_passphrase }`
 * - `POST /auth` with `transaction` (JSON or form) → `{ token }`
 *
 * Both answer `Access-Control-Allow-Origin: *` (also on errors and preflight, as SEP-10 requires)
 * and have their own rate limit (SEP10_RATE_LIMIT_PER_MINUTE). A challenge is exchanged for a
 * token once: its hash is claimed in the KV store (SET NX) for as long as it could still be
 * accepted; the claim is made only after every check passed, so a bad submission cannot burn a
 * good challenge, and two concurrent good ones get one token between them.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { networkOf } from '../../config/index.js';
import { HttpError } from '../../platform/http/errors.js';
import type { SepContext } from '../context.js';
import { horizonAccountSigners } from './account-signers.js';
import { ANY_ORIGIN } from './any-origin.js';
import {
  CLIENT_DOMAIN_LENGTH_MAX,
  badRequest,
  buildChallenge,
  chooseHomeDomain,
  parseClientAccount,
  type ChallengeInput,
} from './challenge.js';
import { fetchClientSigningKey } from './client-domain.js';
import { SEP10_PATH, sep10Domains } from './domains.js';
import { registerFormBody } from './form-body.js';
import { signSep10Jwt, type Sep10Claims } from './jwt.js';
import { ChallengeQuery, ChallengeResponse, Sep10Error, TokenRequest, TokenResponse } from './schemas.js';
import { sep10SigningKeypair } from './signing-key.js';
import {
  CHALLENGE_XDR_CHARS_MAX,
  readChallenge,
  verifySignatures,
  type ReadChallenge,
} from './verification.js';
import { SEP10_DOMAIN } from '../../config/settings-sep10.js';

const MINUTE_MS = 60_000;
/** A form-encoded challenge: percent-encoding at most triples the base64 text. */
const TOKEN_BODY_BYTES_MAX = 3 * CHALLENGE_XDR_CHARS_MAX + 1024;
/** The replay claim outlives the challenge's max time by this much (clock differences between instances). */
const REPLAY_MARGIN_S = 60;
const REPLAY_KEY_PREFIX = 'sep10:challenge:';

function subjectOf(challenge: ReadChallenge): string {
  if (challenge.clientAccount !== challenge.baseAccount) return challenge.clientAccount;
  return challenge.memo === null ? challenge.baseAccount : `${challenge.baseAccount}:${challenge.memo}`;
}

export const sep10: FastifyPluginAsyncTypebox<SepContext> = async (app, ctx) => {
  const { config } = ctx;
  const network = networkOf(config);
  const domains = sep10Domains(config);
  const serverKeypair = sep10SigningKeypair(config, ctx.jwtSecret);
  const loadSigners = horizonAccountSigners(ctx.horizon);
  const challengeSettings = {
    serverKeypair,
    networkPassphrase: network.passphrase,
    webAuthDomain: domains.webAuthDomain,
    ttlSeconds: config.sep10ChallengeTtlSeconds,
  };
  const verifySettings = {
    serverAccountId: serverKeypair.publicKey(),
    networkPassphrase: network.passphrase,
    homeDomains: domains.homeDomains,
    webAuthDomain: domains.webAuthDomain,
    clientAttributionRequired: config.sep10ClientAttributionRequired,
    clientDomainAllowList: config.sep10ClientDomainAllowList,
  };
  const nowSeconds = (): number => Math.floor(ctx.now().getTime() / 1000);
  const routeConfig = {
    cors: ANY_ORIGIN,
    rateLimit: { max: config.sep10RateLimitPerMinute, timeWindow: MINUTE_MS },
  };

  /** The client domain to attribute, with its SIGNING_KEY; null when there is none to verify. */
  async function clientDomainFor(requested: string | undefined): Promise<ChallengeInput['clientDomain']> {
    if (requested === undefined) {
      if (config.sep10ClientAttributionRequired)
        throw badRequest('client_domain_required', 'client_domain is required by this server');
      return null;
    }
    const domain = requested.toLowerCase();
    if (domain.length > CLIENT_DOMAIN_LENGTH_MAX || !SEP10_DOMAIN.test(domain))
      throw badRequest('invalid_client_domain', 'client_domain must be a host name with an optional port');
    const allowList = config.sep10ClientDomainAllowList;
    if (allowList.length > 0 && !allowList.includes(domain)) {
      // SEP-10: a server with no use for a domain proceeds as if none was given — unless
      // attribution is required, when an unknown wallet is refused.
      if (!config.sep10ClientAttributionRequired) return null;
      throw new HttpError(403, 'client_domain_not_allowed', `client_domain ${domain} is not allowed here`);
    }
    const outcome = await fetchClientSigningKey(domain, {
      network: config.stellarNetwork,
      timeoutMs: config.sep10ClientDomainTimeoutMs,
    });
    if (!outcome.ok) throw badRequest('client_domain_unverified', outcome.error);
    return { domain, signingKey: outcome.signingKey };
  }

  async function claimChallenge(challenge: ReadChallenge): Promise<void> {
    const ttlMs = Math.max(1, challenge.maxTimeS - nowSeconds() + REPLAY_MARGIN_S) * 1000;
    let fresh: boolean;
    try {
      fresh = await ctx.runtime.kv.setIfAbsent(`${REPLAY_KEY_PREFIX}${challenge.hash}`, '1', ttlMs);
    } catch (error) {
      // Fail closed: a token without the replay guard would let a captured challenge in twice.
      app.log.warn({ err: error }, 'SEP-10 replay store unavailable');
      throw new HttpError(
        503,
        'replay_store_unavailable',
        'authentication is unavailable; try again shortly',
      );
    }
    if (!fresh)
      throw badRequest(
        'challenge_replayed',
        'this challenge was already exchanged for a token; request a new one',
      );
  }

  registerFormBody(app, TOKEN_BODY_BYTES_MAX);

  app.options(SEP10_PATH, { config: { cors: ANY_ORIGIN }, schema: { hide: true } }, async (_request, reply) =>
    reply.code(204).send(),
  );

  app.get(
    SEP10_PATH,
    {
      config: routeConfig,
      schema: {
        tags: ['SEP-10'],
        summary: 'Request a challenge transaction to sign',
        querystring: ChallengeQuery,
        response: { 200: ChallengeResponse, 400: Sep10Error, 403: Sep10Error, 429: Sep10Error },
      },
    },
    async (request) => {
      const query = request.query;
      const client = parseClientAccount(query.account, query.memo);
      const homeDomain = chooseHomeDomain(query.home_domain, domains);
      const clientDomain = await clientDomainFor(query.client_domain);
      const transaction = buildChallenge(challengeSettings, { client, homeDomain, clientDomain });
      return { transaction, network_passphrase: network.passphrase };
    },
  );

  app.post(
    SEP10_PATH,
    {
      config: routeConfig,
      bodyLimit: TOKEN_BODY_BYTES_MAX,
      schema: {
        tags: ['SEP-10'],
        summary: 'Exchange a signed challenge for a session token',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: TokenRequest,
        response: { 200: TokenResponse, 400: Sep10Error, 429: Sep10Error, 503: Sep10Error },
      },
    },
    async (request) => {
      // Base64 has no spaces: a space is a `+` that a client forgot to percent-encode in a form.
      const xdr = request.body.transaction.replaceAll(' ', '+');
      const challenge = readChallenge(xdr, verifySettings, nowSeconds());
      const account = await loadSigners(challenge.baseAccount);
      if (account.kind === 'unknown') {
        request.log.warn({ cause: account.cause }, 'SEP-10 could not read the client account from Horizon');
        throw new HttpError(
          503,
          'horizon_unavailable',
          'could not read the account from Horizon; try again shortly',
        );
      }
      verifySignatures(challenge, account, verifySettings);
      await claimChallenge(challenge);
      const issuedAt = nowSeconds();
      const claims: Sep10Claims = {
        iss: domains.webAuthEndpoint,
        sub: subjectOf(challenge),
        iat: issuedAt,
        exp: issuedAt + config.sep10JwtTtlSeconds,
        jti: challenge.hash,
        home_domain: challenge.homeDomain,
        ...(challenge.clientDomain === null ? {} : { client_domain: challenge.clientDomain.domain }),
      };
      return { token: signSep10Jwt(claims, ctx.jwtSecret) };
    },
  );
};
