/**
 * Persists ledger journals. The database refuses an unbalanced journal at commit (a deferred
 * constraint trigger), so even code that bypasses `domain/ledger.ts` cannot corrupt the books;
 * the journal's reference is unique, so posting the same event twice records it once.
 */
import type { Kysely } from 'kysely';
import type { Balance, Journal } from '../domain/ledger.js';
import type { Tables } from './db/schema.js';

export interface PostedJournal {
  readonly journalId: string;
  /** False when a journal with this reference was already posted: nothing was written. */
  readonly created: boolean;
}

export async function postJournal(
  trx: Kysely<Tables>,
  journal: Journal,
  options: { kind: string; transactionId?: string },
): Promise<PostedJournal> {
  const inserted = await trx
    .insertInto('ledger_journals')
    .values({
      kind: options.kind,
      transaction_id: options.transactionId ?? null,
      reference: journal.meta.reference,
      description: journal.meta.description ?? '',
    })
    .onConflict((oc) => oc.column('reference').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted === undefined) {
    const existing = await trx
      .selectFrom('ledger_journals')
      .select('id')
      .where('reference', '=', journal.meta.reference)
      .executeTakeFirstOrThrow();
    return { journalId: existing.id, created: false };
  }
  await trx
    .insertInto('ledger_postings')
    .values(
      journal.postings.map((p) => ({
        journal_id: inserted.id,
        account: p.account,
        currency: p.currency,
        amount_minor: p.amountMinor.toString(),
      })),
    )
    .execute();
  return { journalId: inserted.id, created: true };
}

/** Balances derived from every posting (optionally of accounts under a prefix such as `liabilities:`). */
export async function ledgerBalances(db: Kysely<Tables>, accountPrefix?: string): Promise<Balance[]> {
  let query = db
    .selectFrom('ledger_balances')
    .select(['account', 'currency', 'balance_minor'])
    .orderBy('account')
    .orderBy('currency');
  if (accountPrefix !== undefined)
    query = query.where('account', 'like', `${accountPrefix.replace(/[%_\\]/g, '\\$&')}%`);
  const rows = await query.execute();
  return rows.map((r) => ({
    account: r.account,
    currency: r.currency,
    balanceMinor: BigInt(r.balance_minor),
  }));
}

/** The sum of every posting per currency: zero in a healthy ledger. Used by readiness and reconciliation. */
export async function ledgerImbalance(db: Kysely<Tables>): Promise<{ currency: string; sumMinor: bigint }[]> {
  const rows = await db
    .selectFrom('ledger_postings')
    .select(['currency', (eb) => eb.fn.sum<string>('amount_minor').as('total')])
    .groupBy('currency')
    .execute();
  return rows
    .map((r) => ({ currency: r.currency, sumMinor: BigInt(r.total) }))
    .filter((r) => r.sumMinor !== 0n);
}
