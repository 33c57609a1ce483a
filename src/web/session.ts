/**
 * The hosted pages' session: after the single-use interactive token is redeemed, a cookie names the
 * one transaction and the SEP-10 subject the pages may act for, until it expires. The cookie is
 * `payload.mac`: the payload is readable (nothing secret in it), the MAC (HMAC-SHA256) proves we
 * wrote it. The MAC key is derived from the JWT secret, never the secret itself, so a cookie can
 * never be replayed as a SEP-10 token nor a token as a cookie.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface WebSession {
  readonly transactionId: string;
  /** The SEP-10 subject: `G…`, `G…:memo` or `M…`. */
  readonly subject: string;
  readonly lang: string;
  /** Unix seconds; checked here as well as by the cookie's Max-Age, which a client may ignore. */
  readonly expiresAtS: number;
}

/** A session cookie is far below this; anything longer is not ours and is not even parsed. */
export const SESSION_COOKIE_LENGTH_MAX = 600;
const MAC_BYTES = 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SUBJECT = /^(G[A-Z2-7]{55}(:\d{1,20})?|M[A-Z2-7]{68})$/;
const LANG = /^[a-z]{2}$/;

/** Domain separation: each purpose gets its own key out of the one secret. */
export function derivedKey(jwtSecret: string, purpose: 'web-session' | 'web-csrf'): Buffer {
  return createHmac('sha256', jwtSecret).update(`rampart:${purpose}:v1`).digest();
}

/** Secure cookies get the `__Host-` prefix: the browser then refuses them without Secure, Path=/ or with a Domain. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-rampart_session' : 'rampart_session';
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

export function sealSession(key: Buffer, session: WebSession): string {
  const payload = Buffer.from(
    JSON.stringify({ t: session.transactionId, s: session.subject, l: session.lang, e: session.expiresAtS }),
  ).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The session a cookie names, or undefined when it is absent, forged, malformed or expired. */
export function openSession(key: Buffer, cookie: string | undefined, nowS: number): WebSession | undefined {
  if (cookie === undefined || cookie.length > SESSION_COOKIE_LENGTH_MAX) return undefined;
  const [payload, tag, extra] = cookie.split('.');
  if (payload === undefined || tag === undefined || extra !== undefined) return undefined;
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== MAC_BYTES || !timingSafeEqual(given, mac(key, payload))) return undefined;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof fields !== 'object' || fields === null) return undefined;
  const { t, s, l, e } = fields as Record<string, unknown>;
  if (typeof t !== 'string' || !UUID.test(t)) return undefined;
  if (typeof s !== 'string' || !SUBJECT.test(s)) return undefined;
  if (typeof l !== 'string' || !LANG.test(l)) return undefined;
  if (typeof e !== 'number' || !Number.isInteger(e) || e <= nowS) return undefined;
  return { transactionId: t, subject: s, lang: l, expiresAtS: e };
}
