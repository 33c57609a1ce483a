/**
 * Payout preparation (off-ramp): the bank list, account-name resolution, transfer recipients and
 * the balance. The bank list and recipients are cached in the KV store: the list changes rarely
 * (Paystack suggests a daily refresh) and a recipient is idempotent on (bank code, account number),
 * so both save a round trip on every withdrawal. The cache is an optimisation only: when the store
 * fails we log and go to Paystack.
 */
import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { KvStore } from '../../platform/kv/kv-store.js';
import type { PaystackError, PaystackResult } from './errors.js';
import { send, type PaystackTransport } from './http.js';
import {
  ACCOUNT_NUMBER_PATTERN,
  BANK_CODE_PATTERN,
  NAME_LENGTH_MAX,
  PAGE_SIZE_MAX,
  RECIPIENT_CODE_PATTERN,
  assertPattern,
  assertText,
  wireToKobo,
} from './inputs.js';
import { toBank, type Bank } from './models.js';
import { Schemas } from './schemas.js';

/** Banks in Nigeria fit in three pages of 100; more pages than this means a paging loop. */
export const BANK_PAGES_MAX = 10;

export interface PayoutCache {
  readonly kv: KvStore;
  readonly bankListTtlMs: number;
  readonly recipientTtlMs: number;
  /** 'test' or 'live', from the key: test and live recipients and banks must never mix. */
  readonly mode: 'test' | 'live';
}

export type AccountResolution =
  | { readonly outcome: 'resolved'; readonly accountName: string; readonly accountNumber: string }
  /** The account does not exist or cannot be named: tell the customer to check it. */
  | { readonly outcome: 'not_resolvable'; readonly reason: string; readonly httpStatus: number | null }
  /** Paystack did not answer usably (timeout, 5xx, bad key, quota): ask again later. */
  | { readonly outcome: 'unknown'; readonly error: PaystackError };

export interface CreateRecipientInput {
  /** The resolved account name. */
  readonly name: string;
  readonly accountNumber: string;
  readonly bankCode: string;
}

export interface Recipient {
  readonly recipientCode: string;
  /** True when served from the KV cache without calling Paystack. */
  readonly cached: boolean;
}

export interface Balance {
  readonly currency: string;
  readonly balanceKobo: bigint;
}

const CachedBanks = Compile(
  Type.Array(
    Type.Object({
      name: Type.String(),
      code: Type.String(),
      slug: Type.Union([Type.String(), Type.Null()]),
      active: Type.Boolean(),
      supportsTransfer: Type.Union([Type.Boolean(), Type.Null()]),
    }),
    { maxItems: BANK_PAGES_MAX * PAGE_SIZE_MAX },
  ),
);

export async function listBanks(
  transport: PaystackTransport,
  cache: PayoutCache,
): Promise<PaystackResult<readonly Bank[]>> {
  const key = `paystack:${cache.mode}:banks:NGN`;
  const cached = await cacheGet(transport, cache.kv, key);
  if (cached !== null) {
    const banks = parseJson(cached);
    if (CachedBanks.Check(banks)) return { ok: true, value: banks };
  }
  const fetched = await fetchBanks(transport);
  if (fetched.ok)
    await cacheSet(transport, cache.kv, key, JSON.stringify(fetched.value), cache.bankListTtlMs);
  return fetched;
}

async function fetchBanks(transport: PaystackTransport): Promise<PaystackResult<readonly Bank[]>> {
  const banks: Bank[] = [];
  let next: string | null = null;
  for (let page = 0; page < BANK_PAGES_MAX; page += 1) {
    const query: Record<string, string> = {
      country: 'nigeria',
      currency: 'NGN',
      use_cursor: 'true',
      perPage: String(PAGE_SIZE_MAX),
      ...(next === null ? {} : { next }),
    };
    const reply = await send(transport, { method: 'GET', path: '/bank', query }, Schemas.bankList);
    if (!reply.ok) return reply;
    banks.push(...reply.data.map(toBank));
    next = Schemas.cursorMeta.Check(reply.meta) ? (reply.meta.next ?? null) : null;
    if (next === null || next === '' || next === 'null') return { ok: true, value: banks };
  }
  return {
    ok: false,
    error: {
      kind: 'unknown',
      cause: 'invalid_response',
      detail: `bank list longer than ${BANK_PAGES_MAX} pages`,
      httpStatus: null,
    },
  };
}

/**
 * Resolves a customer-typed account. Malformed input is answered locally (no call, no quota
 * spent). Any 4xx about the account means "not resolvable" (422 live, 400 or 404 elsewhere), but a
 * bad key or an exhausted quota says nothing about the account, so those stay unknown.
 */
export async function resolveAccount(
  transport: PaystackTransport,
  accountNumber: string,
  bankCode: string,
): Promise<AccountResolution> {
  if (!ACCOUNT_NUMBER_PATTERN.test(accountNumber))
    return { outcome: 'not_resolvable', reason: 'account number must be 10 digits', httpStatus: null };
  if (!BANK_CODE_PATTERN.test(bankCode))
    return { outcome: 'not_resolvable', reason: 'bank code must be 3 to 6 digits', httpStatus: null };
  const reply = await send(
    transport,
    { method: 'GET', path: '/bank/resolve', query: { account_number: accountNumber, bank_code: bankCode } },
    Schemas.resolve,
  );
  if (reply.ok) {
    if (reply.data.account_number !== accountNumber)
      return {
        outcome: 'unknown',
        error: {
          kind: 'unknown',
          cause: 'invalid_response',
          detail: 'resolve answered for another account',
          httpStatus: reply.httpStatus,
        },
      };
    return { outcome: 'resolved', accountName: reply.data.account_name, accountNumber };
  }
  const error = reply.error;
  if (error.kind === 'refused' && (error.reason === 'rejected' || error.reason === 'not_found'))
    return { outcome: 'not_resolvable', reason: error.message, httpStatus: error.httpStatus };
  return { outcome: 'unknown', error };
}

export async function createRecipient(
  transport: PaystackTransport,
  cache: PayoutCache,
  input: CreateRecipientInput,
): Promise<PaystackResult<Recipient>> {
  assertPattern(input.accountNumber, ACCOUNT_NUMBER_PATTERN, 'account number');
  assertPattern(input.bankCode, BANK_CODE_PATTERN, 'bank code');
  assertText(input.name, NAME_LENGTH_MAX, 'recipient name');
  const key = recipientCacheKey(cache.mode, input.bankCode, input.accountNumber);
  const cached = await cacheGet(transport, cache.kv, key);
  if (cached !== null && RECIPIENT_CODE_PATTERN.test(cached))
    return { ok: true, value: { recipientCode: cached, cached: true } };
  const reply = await send(
    transport,
    {
      method: 'POST',
      path: '/transferrecipient',
      body: {
        type: 'nuban',
        name: input.name,
        account_number: input.accountNumber,
        bank_code: input.bankCode,
        currency: 'NGN',
      },
    },
    Schemas.recipient,
  );
  if (!reply.ok) return reply;
  await cacheSet(transport, cache.kv, key, reply.data.recipient_code, cache.recipientTtlMs);
  return { ok: true, value: { recipientCode: reply.data.recipient_code, cached: false } };
}

/**
 * The account number is hashed into the key so bank details never appear in the store's key space
 * (key listings, slow logs, monitoring).
 */
export function recipientCacheKey(mode: 'test' | 'live', bankCode: string, accountNumber: string): string {
  const digest = createHash('sha256').update(`${bankCode}:${accountNumber}`).digest('hex').slice(0, 40);
  return `paystack:${mode}:recipient:${digest}`;
}

export async function balance(transport: PaystackTransport): Promise<PaystackResult<readonly Balance[]>> {
  const reply = await send(transport, { method: 'GET', path: '/balance' }, Schemas.balance);
  if (!reply.ok) return reply;
  return {
    ok: true,
    value: reply.data.map((row) => ({ currency: row.currency, balanceKobo: wireToKobo(row.balance) })),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A cache that fails is a miss; a broken invariant (an AssertionError) still crashes. */
async function cacheGet(transport: PaystackTransport, kv: KvStore, key: string): Promise<string | null> {
  try {
    return await kv.get(key);
  } catch (error) {
    rethrowAssertion(error);
    transport.logger.warn({ err: error }, 'paystack cache read failed; calling Paystack');
    return null;
  }
}

async function cacheSet(
  transport: PaystackTransport,
  kv: KvStore,
  key: string,
  value: string,
  ttlMs: number,
): Promise<void> {
  try {
    await kv.set(key, value, ttlMs);
  } catch (error) {
    rethrowAssertion(error);
    transport.logger.warn({ err: error }, 'paystack cache write failed; the next call goes to Paystack');
  }
}

function rethrowAssertion(error: unknown): void {
  if (error instanceof Error && error.name === 'AssertionError') throw error;
}
