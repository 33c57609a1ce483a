/**
 * The single-use token in a SEP-24 interactive URL. Only its SHA-256 is stored; redeeming it is one
 * conditional update (unused and unexpired → used), so a URL replayed from a log, a proxy or the
 * browser history opens nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../../platform/db/schema.js';

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const digest = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export async function issueInteractiveToken(
  db: Kysely<Tables>,
  transactionId: string,
  expiresAt: Date,
): Promise<string> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  await db
    .insertInto('interactive_tokens')
    .values({ token_sha256: digest(token), transaction_id: transactionId, expires_at: expiresAt })
    .execute();
  return token;
}

/** The transaction the token opens, once; undefined for an unknown, used or expired token. */
export async function redeemInteractiveToken(
  db: Kysely<Tables>,
  token: string,
  now: Date,
): Promise<string | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const row = await db
    .updateTable('interactive_tokens')
    .set({ used_at: now })
    .where('token_sha256', '=', digest(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('transaction_id')
    .executeTakeFirst();
  return row?.transaction_id;
}
