/**
 * GET /auth, the challenge (SEP-10 "Challenge"): the request is checked here (account, memo, home
 * domain) and the transaction is built by the SDK's `WebAuth.buildChallengeTx`: sequence 0, source
 * the server account, time bounds now…now+TTL, a `<home domain> auth` manage-data op with a 48-byte
 * random nonce sourced by the client account, `web_auth_domain` sourced by the server account,
 * `client_domain` sourced by the client domain's SIGNING_KEY when attribution is verified, the ID
 * memo when given, and the server's signature.
 */
import { Keypair, StrKey, WebAuth } from '@stellar/stellar-sdk';
import { HttpError } from '../../platform/http/errors.js';
import type { Sep10Domains } from './domains.js';

/** A canonical uint64: no sign, no leading zeros (so `sub` and the transaction's memo agree). */
const MEMO_ID = /^(0|[1-9]\d{0,19})$/;
const UINT64_MAX = 2n ** 64n - 1n;
/** A manage-data value holds 64 bytes. */
export const CLIENT_DOMAIN_LENGTH_MAX = 64;

export function badRequest(code: string, message: string): HttpError {
  return new HttpError(400, code, message);
}

export interface ClientAccount {
  /** As given: a G… account or an M… muxed account. */
  readonly account: string;
  readonly memo: string | null;
}

/** Checks `account` and `memo` as SEP-10 defines them; throws a 400 naming the problem. */
export function parseClientAccount(account: string, memo: string | undefined): ClientAccount {
  const muxed = StrKey.isValidMed25519PublicKey(account);
  if (!muxed && !StrKey.isValidEd25519PublicKey(account))
    throw badRequest('invalid_account', 'account must be a Stellar account (G…) or a muxed account (M…)');
  if (memo === undefined) return { account, memo: null };
  if (muxed)
    throw badRequest(
      'invalid_memo',
      'memo cannot be combined with a muxed account (M…): the muxed id already names the user',
    );
  if (!MEMO_ID.test(memo) || BigInt(memo) > UINT64_MAX)
    throw badRequest(
      'invalid_memo',
      'memo must be an ID memo: an unsigned 64-bit integer without leading zeros',
    );
  return { account, memo };
}

/** The home domain the challenge is for: the one asked for when served here, else the default. */
export function chooseHomeDomain(requested: string | undefined, domains: Sep10Domains): string {
  const fallback = domains.homeDomains[0];
  if (fallback === undefined) throw new Error('SEP-10 needs at least one home domain');
  if (requested === undefined) return fallback;
  const normalised = requested.toLowerCase();
  if (!domains.homeDomains.includes(normalised))
    throw badRequest(
      'invalid_home_domain',
      `home_domain ${requested} is not served here; use one of: ${domains.homeDomains.join(', ')}`,
    );
  return normalised;
}

export interface ChallengeInput {
  readonly client: ClientAccount;
  readonly homeDomain: string;
  readonly clientDomain: { readonly domain: string; readonly signingKey: string } | null;
}

export interface ChallengeSettings {
  readonly serverKeypair: Keypair;
  readonly networkPassphrase: string;
  readonly webAuthDomain: string;
  readonly ttlSeconds: number;
}

export function buildChallenge(settings: ChallengeSettings, input: ChallengeInput): string {
  return WebAuth.buildChallengeTx(
    settings.serverKeypair,
    input.client.account,
    input.homeDomain,
    settings.ttlSeconds,
    settings.networkPassphrase,
    settings.webAuthDomain,
    input.client.memo,
    input.clientDomain?.domain ?? null,
    input.clientDomain?.signingKey ?? null,
  );
}
