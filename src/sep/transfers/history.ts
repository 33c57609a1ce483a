/**
 * `GET /transaction` and `GET /transactions`, written once for SEP-24 and SEP-6 (sep-0024.md
 * "Transaction History" / "Single Historical Transaction", sep-0006.md the same): registered by each
 * plugin with its own transaction schema, `kind` vocabulary and rendering. A transaction is the
 * caller's when its SEP-10 subject opened it; another's is answered 404, exactly as an unknown one.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import type { TSchema } from 'typebox';
import type { TransactionRow } from '../../flows/state-machine.js';
import type { TransferDeps } from '../../flows/transfers/deps.js';
import {
  findOwnedTransaction,
  listOwnedTransactions,
  TRANSACTIONS_PAGE_MAX,
  type TransactionFilter,
  type TransactionKey,
} from '../../flows/transfers/lookup.js';
import type { Tables } from '../../platform/db/schema.js';
import { HttpError } from '../../platform/http/errors.js';
import { anchoredAssets } from '../assets.js';
import { SEP10_SECURITY } from '../auth.js';
import type { Sep10Identity } from '../sep10/jwt.js';
import { given, identityOf, isOwnAccount, refuse } from './request.js';
import {
  AuthError,
  ErrorRef,
  TransactionQuery,
  transactionResponse,
  transactionsQuery,
  transactionsResponse,
} from './schemas.js';

export const TRANSACTIONS_PAGE_DEFAULT = 50;
/**
 * Pages of TRANSACTIONS_PAGE_MAX read at most to fill one answer when a `kind` filter is finer than
 * the stored kinds (SEP-6 `deposit` vs `deposit-exchange`): bounds the work of one request.
 */
const SCAN_PAGES_MAX = 5;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export interface TransactionRoutesOptions {
  readonly deps: TransferDeps;
  readonly requireSep10: onRequestAsyncHookHandler;
  readonly tags: readonly string[];
  /** The transaction object's schema (SEP-24's or SEP-6's). */
  readonly transaction: TSchema;
  /** Every kind a transaction may show as, which a `kind` filter may name. */
  readonly kinds: readonly string[];
  /** How the OpenAPI document describes `kind`. */
  readonly kindHelp: string;
  /** Whether `kind` may name several kinds (SEP-6) or one (SEP-24). */
  readonly kindList: boolean;
  readonly kindOf: (row: TransactionRow) => string;
  readonly render: (row: TransactionRow) => Promise<unknown>;
}

type StoredKind = TransactionRow['kind'];

function readKinds(
  raw: string | string[] | undefined,
  options: TransactionRoutesOptions,
): Set<string> | undefined {
  if (raw === undefined) return undefined;
  const listed = (Array.isArray(raw) ? raw : [raw]).flatMap((item) => item.split(',')).map((k) => k.trim());
  const kinds = new Set(listed.filter((k) => k !== ''));
  if (kinds.size === 0) return undefined;
  if (!options.kindList && kinds.size > 1) throw refuse('kind: give one kind');
  for (const kind of kinds)
    if (!options.kinds.includes(kind)) throw refuse(`kind: must be ${options.kinds.join(' or ')}`);
  return kinds;
}

/** The stored kind a shown kind belongs to (`deposit-exchange` → deposit). */
const storedKindOfOne = (kind: string): StoredKind => (kind.startsWith('deposit') ? 'deposit' : 'withdrawal');

/** The stored kind every requested kind belongs to, if they share one. */
function storedKindOf(kinds: ReadonlySet<string>): StoredKind | undefined {
  const stored = new Set([...kinds].map(storedKindOfOne));
  return stored.size === 1 ? [...stored][0] : undefined;
}

/** True when filtering on the stored kind selects exactly the requested kinds: no row needs a second look. */
function storedKindSuffices(kinds: ReadonlySet<string>, every: readonly string[]): boolean {
  const stored = storedKindOf(kinds);
  return every
    .filter((k) => stored === undefined || storedKindOfOne(k) === stored)
    .every((k) => kinds.has(k));
}

function readLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return TRANSACTIONS_PAGE_DEFAULT;
  const limit = Number(raw);
  if (limit < 1) throw refuse('limit: must be at least 1');
  return Math.min(limit, TRANSACTIONS_PAGE_MAX);
}

function readTimestamp(raw: string | undefined, field: string): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!TIMESTAMP.test(raw)) throw refuse(`${field}: must be a UTC ISO 8601 date and time`);
  // SEP asks for UTC: a time without a zone is read as UTC, never as the server's local time.
  const hasZone = raw.length === 10 || /(Z|[+-]\d{2}:\d{2})$/.test(raw);
  const ms = Date.parse(hasZone ? raw : `${raw}Z`);
  // V8 rolls 2024-02-30 over to March 1st: the day must exist in its month.
  const [year, month, day] = raw.slice(0, 10).split('-').map(Number);
  const monthDays = new Date(Date.UTC(year ?? 0, month ?? 0, 0)).getUTCDate();
  if (!Number.isFinite(ms) || (day ?? 0) > monthDays) throw refuse(`${field}: not a real date and time`);
  return new Date(ms);
}

function keyOf(query: {
  id?: string;
  stellar_transaction_id?: string;
  external_transaction_id?: string;
}): TransactionKey {
  const id = given(query.id);
  const stellarTransactionId = given(query.stellar_transaction_id);
  const externalTransactionId = given(query.external_transaction_id);
  const count = [id, stellarTransactionId, externalTransactionId].filter((v) => v !== undefined).length;
  if (count !== 1) throw refuse('give exactly one of id, stellar_transaction_id and external_transaction_id');
  if (id !== undefined) return { id };
  if (stellarTransactionId !== undefined) return { stellarTransactionId };
  return { externalTransactionId: externalTransactionId ?? '' };
}

/**
 * The caller's transactions, newest first, at most `limit`. When `matches` is finer than the stored
 * kind, pages are read until the answer is full or the history ends — at most SCAN_PAGES_MAX pages.
 */
async function collect(
  db: Kysely<Tables>,
  identity: Sep10Identity,
  filter: TransactionFilter,
  matches: ((row: TransactionRow) => boolean) | undefined,
): Promise<TransactionRow[]> {
  if (matches === undefined) return listOwnedTransactions(db, identity, filter);
  const found: TransactionRow[] = [];
  let pagingId = filter.pagingId;
  for (let page = 0; page < SCAN_PAGES_MAX; page++) {
    const rows = await listOwnedTransactions(db, identity, {
      ...filter,
      pagingId,
      limit: TRANSACTIONS_PAGE_MAX,
    });
    for (const row of rows) {
      if (found.length < filter.limit && matches(row)) found.push(row);
    }
    const last = rows.at(-1);
    if (found.length >= filter.limit || rows.length < TRANSACTIONS_PAGE_MAX || last === undefined) break;
    pagingId = last.id;
  }
  return found;
}

export const transactionRoutes: FastifyPluginAsyncTypebox<TransactionRoutesOptions> = async (
  app,
  options,
) => {
  const { deps } = options;
  const tags = [...options.tags];
  const security = [...SEP10_SECURITY];

  app.get(
    '/transaction',
    {
      onRequest: options.requireSep10,
      schema: {
        security,
        tags,
        summary:
          'One transaction of the authenticated account, by id, stellar_transaction_id or external_transaction_id',
        querystring: TransactionQuery,
        response: {
          200: transactionResponse(options.transaction),
          400: ErrorRef,
          403: AuthError,
          404: ErrorRef,
        },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const row = await findOwnedTransaction(deps.db, identity, keyOf(request.query));
      if (row === undefined) throw new HttpError(404, 'not_found', 'transaction not found');
      return { transaction: await options.render(row) };
    },
  );

  app.get(
    '/transactions',
    {
      onRequest: options.requireSep10,
      schema: {
        security,
        tags,
        summary: "The authenticated account's transactions in one asset, newest first",
        querystring: transactionsQuery(options.kindHelp),
        response: { 200: transactionsResponse(options.transaction), 400: ErrorRef, 403: AuthError },
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const query = request.query;
      if (!anchoredAssets(deps.config).some((asset) => asset.code === query.asset_code))
        throw refuse(`asset_code: ${query.asset_code} is not an asset this anchor transfers`);
      const account = given(query.account);
      if (account !== undefined && !isOwnAccount(identity, account))
        throw new HttpError(403, 'forbidden', 'account: must be the authenticated account');
      const kinds = readKinds(query.kind, options);
      const filter: TransactionFilter = {
        assetCode: query.asset_code,
        kind: kinds === undefined ? undefined : storedKindOf(kinds),
        pagingId: given(query.paging_id),
        noOlderThan: readTimestamp(query.no_older_than, 'no_older_than'),
        limit: readLimit(query.limit),
      };
      const matches =
        kinds === undefined || storedKindSuffices(kinds, options.kinds)
          ? undefined
          : (row: TransactionRow) => kinds.has(options.kindOf(row));
      const rows = await collect(deps.db, identity, filter, matches);
      const transactions: unknown[] = [];
      for (const row of rows) transactions.push(await options.render(row));
      return { transactions };
    },
  );
};
