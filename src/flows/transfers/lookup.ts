/**
 * Reading transactions for the wallet that owns them (SEP-24 / SEP-6 `GET /transaction(s)`): a
 * transaction belongs to the SEP-10 subject that opened it, and another subject's transaction is
 * as unknown as no transaction.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Tables, TransactionsTable } from '../../platform/db/schema.js';
import type { Sep10Identity } from '../../sep/sep10/jwt.js';

type Row = Selectable<TransactionsTable>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const TRANSACTIONS_PAGE_MAX = 100;

function owned(db: Kysely<Tables>, identity: Sep10Identity) {
  const account = identity.muxedAccount ?? identity.account;
  let query = db.selectFrom('transactions').selectAll().where('auth_account', '=', account);
  query =
    identity.memo === null
      ? query.where('auth_memo', 'is', null)
      : query.where('auth_memo', '=', identity.memo);
  return query;
}

export type TransactionKey =
  | { readonly id: string }
  | { readonly stellarTransactionId: string }
  | { readonly externalTransactionId: string };

export async function findOwnedTransaction(
  db: Kysely<Tables>,
  identity: Sep10Identity,
  key: TransactionKey,
): Promise<Row | undefined> {
  if ('id' in key) {
    if (!UUID.test(key.id)) return undefined;
    return owned(db, identity).where('id', '=', key.id).executeTakeFirst();
  }
  if ('stellarTransactionId' in key)
    return owned(db, identity)
      .where('stellar_transaction_id', '=', key.stellarTransactionId.toLowerCase())
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
  return owned(db, identity)
    .where('external_transaction_id', '=', key.externalTransactionId)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export interface TransactionFilter {
  readonly assetCode: string;
  readonly kind?: 'deposit' | 'withdrawal' | undefined;
  /** Only transactions started before this one was (paging, newest first). */
  readonly pagingId?: string | undefined;
  readonly noOlderThan?: Date | undefined;
  readonly limit: number;
}

export async function listOwnedTransactions(
  db: Kysely<Tables>,
  identity: Sep10Identity,
  filter: TransactionFilter,
): Promise<Row[]> {
  let query = owned(db, identity).where('asset_code', '=', filter.assetCode);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.noOlderThan !== undefined) query = query.where('created_at', '>=', filter.noOlderThan);
  if (filter.pagingId !== undefined) {
    if (!UUID.test(filter.pagingId)) return [];
    const anchor = await owned(db, identity).where('id', '=', filter.pagingId).executeTakeFirst();
    if (anchor === undefined) return [];
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', anchor.created_at),
        eb.and([eb('created_at', '=', anchor.created_at), eb('id', '<', anchor.id)]),
      ]),
    );
  }
  return query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(filter.limit, 1), TRANSACTIONS_PAGE_MAX))
    .execute();
}

/** Anyone holding the id (an unguessable UUID) may read the status page: no personal data is on it. */
export async function transactionById(db: Kysely<Tables>, id: string): Promise<Row | undefined> {
  if (!UUID.test(id)) return undefined;
  return db.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirst();
}
