/**
 * SEP-10 session tokens: compact JWS with HS256 over JWT_SECRET (node:crypto, no library), issued by
 * `POST /auth` and verified by every authenticated endpoint. Claims as SEP-10 specifies: `iss` (the
 * web auth endpoint), `sub` (account, `account:memo`, or a muxed M… account), `iat`, `exp`, `jti`
 * (the challenge hash), and `client_domain` / `home_domain` when present.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Sep10Claims {
  readonly iss: string;
  readonly sub: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly client_domain?: string;
  readonly home_domain?: string;
}

/** Who a token speaks for: the Stellar account, and the memo or muxed id that narrows it. */
export interface Sep10Identity {
  readonly sub: string;
  /** The G… account (for a muxed M… subject, its underlying G… account). */
  readonly account: string;
  readonly memo: string | null;
  /** The M… account when the subject is muxed. */
  readonly muxedAccount: string | null;
  readonly clientDomain: string | null;
  readonly homeDomain: string | null;
  readonly jti: string;
  readonly expiresAt: number;
}

export type VerifyResult = { ok: true; claims: Sep10Claims } | { ok: false; error: string };

const TOKEN_LENGTH_MAX = 4096;
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

function signature(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signSep10Jwt(claims: Sep10Claims, secret: string): string {
  const payload = base64url(JSON.stringify(claims));
  const input = `${HEADER}.${payload}`;
  return `${input}.${signature(input, secret).toString('base64url')}`;
}

export function verifySep10Jwt(token: string, secret: string, nowSeconds: number): VerifyResult {
  if (token.length > TOKEN_LENGTH_MAX) return { ok: false, error: 'token is too long' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, error: 'token is not a JWT' };
  const [header, payload, sig] = parts as [string, string, string];
  // Only our own header is accepted: no "alg: none", no algorithm confusion.
  if (header !== HEADER) return { ok: false, error: 'token algorithm is not accepted' };
  const expected = signature(`${header}.${payload}`, secret);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, error: 'token signature is invalid' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, error: 'token payload is not JSON' };
  }
  if (!isClaims(claims)) return { ok: false, error: 'token claims are incomplete' };
  if (claims.exp <= nowSeconds) return { ok: false, error: 'token has expired' };
  if (claims.iat > nowSeconds + 60) return { ok: false, error: 'token is issued in the future' };
  return { ok: true, claims };
}

function isClaims(value: unknown): value is Sep10Claims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const optionalText = (v: unknown) => v === undefined || typeof v === 'string';
  return (
    typeof c['iss'] === 'string' &&
    typeof c['sub'] === 'string' &&
    typeof c['jti'] === 'string' &&
    Number.isInteger(c['iat']) &&
    Number.isInteger(c['exp']) &&
    optionalText(c['client_domain']) &&
    optionalText(c['home_domain'])
  );
}
