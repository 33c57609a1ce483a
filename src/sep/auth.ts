/**
 * The SEP-10 guard every authenticated endpoint uses: `preHandler: requireSep10` reads the bearer
 * token, verifies it and puts the identity on `request.sep10`. A missing or bad token is a 403 with
 * SEP's `{ "type": "authentication_required" }`-style error, as SEP-6/12/24/38 expect.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { MuxedAccount, StrKey } from '@stellar/stellar-sdk';
import { verifySep10Jwt, type Sep10Claims, type Sep10Identity } from './sep10/jwt.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireSep10`; absent on unauthenticated routes. */
    sep10?: Sep10Identity;
  }
}

/** Splits `sub` into account, memo and muxed account (SEP-10 §"JWT": `G…`, `G…:memo` or `M…`). */
export function identityOf(claims: Sep10Claims): Sep10Identity | null {
  const [subject, memo, extra] = claims.sub.split(':');
  if (subject === undefined || extra !== undefined) return null;
  const common = {
    sub: claims.sub,
    clientDomain: claims.client_domain ?? null,
    homeDomain: claims.home_domain ?? null,
    jti: claims.jti,
    expiresAt: claims.exp,
  };
  if (StrKey.isValidMed25519PublicKey(subject)) {
    if (memo !== undefined) return null;
    const muxed = MuxedAccount.fromAddress(subject, '0');
    return { ...common, account: muxed.baseAccount().accountId(), memo: null, muxedAccount: subject };
  }
  if (!StrKey.isValidEd25519PublicKey(subject)) return null;
  if (memo !== undefined && !/^\d{1,20}$/.test(memo)) return null;
  return { ...common, account: subject, memo: memo ?? null, muxedAccount: null };
}

function deny(reply: FastifyReply, message: string): FastifyReply {
  return reply
    .code(403)
    .send({ error: message, code: 'authentication_required', type: 'authentication_required' });
}

export function sep10Guard(
  jwtSecret: string,
  now: () => number = () => Math.floor(Date.now() / 1000),
): preHandlerAsyncHookHandler {
  return async function requireSep10(request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer '))
      return deny(reply, 'authentication required: send Authorization: Bearer <SEP-10 token>');
    const verified = verifySep10Jwt(header.slice('Bearer '.length).trim(), jwtSecret, now());
    if (!verified.ok) return deny(reply, verified.error);
    const identity = identityOf(verified.claims);
    if (identity === null) return deny(reply, 'token subject is not a Stellar account');
    request.sep10 = identity;
  };
}

/** How OpenAPI names the SEP-10 bearer token (components.securitySchemes in platform/http/openapi.ts). */
export const SEP10_SECURITY: readonly Record<string, string[]>[] = [{ sep10: [] }];
