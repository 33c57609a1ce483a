import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { journal } from '../../src/domain/ledger.js';
import { ledgerBalances, ledgerImbalance, postJournal } from '../../src/platform/ledger-store.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

describe.each(databaseKinds)('ledger store on %s', (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  const deposit = (reference: string, kobo: bigint) =>
    journal(
      [
        { account: 'assets:paystack:clearing', currency: 'NGN', amountMinor: kobo },
        { account: 'liabilities:customers:c1', currency: 'NGN', amountMinor: -kobo + 100n },
        { account: 'income:fees', currency: 'NGN', amountMinor: -100n },
      ],
      { reference },
    );

  it('commits a balanced journal and derives balances from its postings', async () => {
    const posted = await test.database.db
      .transaction()
      .execute((trx) => postJournal(trx, deposit('ps_ref_1', 500_000n), { kind: 'deposit.funded' }));
    expect(posted.created).toBe(true);
    const balances = await ledgerBalances(test.database.db);
    expect(balances).toEqual([
      { account: 'assets:paystack:clearing', currency: 'NGN', balanceMinor: 500_000n },
      { account: 'income:fees', currency: 'NGN', balanceMinor: -100n },
      { account: 'liabilities:customers:c1', currency: 'NGN', balanceMinor: -499_900n },
    ]);
    expect(await ledgerBalances(test.database.db, 'income:')).toEqual([
      { account: 'income:fees', currency: 'NGN', balanceMinor: -100n },
    ]);
  });

  it('posts a journal once however often its event is replayed', async () => {
    const db = test.database.db;
    const first = await db
      .transaction()
      .execute((trx) => postJournal(trx, deposit('ps_ref_dup', 1000n), { kind: 'deposit.funded' }));
    const second = await db
      .transaction()
      .execute((trx) => postJournal(trx, deposit('ps_ref_dup', 1000n), { kind: 'deposit.funded' }));
    expect(second).toEqual({ journalId: first.journalId, created: false });
    const count = await db
      .selectFrom('ledger_postings')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('journal_id', '=', first.journalId)
      .executeTakeFirstOrThrow();
    expect(count.n).toBe('3');
  });

  it('refuses at commit an unbalanced journal written around the domain checks', async () => {
    const db = test.database.db;
    const attempt = db.transaction().execute(async (trx) => {
      const j = await trx
        .insertInto('ledger_journals')
        .values({ kind: 'forged', reference: 'forged-1' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('ledger_postings')
        .values([
          { journal_id: j.id, account: 'assets:paystack:clearing', currency: 'NGN', amount_minor: '1000' },
          { journal_id: j.id, account: 'liabilities:customers:c1', currency: 'NGN', amount_minor: '-999' },
        ])
        .execute();
    });
    await expect(attempt).rejects.toThrow(/does not balance/);
    const left = await db
      .selectFrom('ledger_journals')
      .selectAll()
      .where('reference', '=', 'forged-1')
      .execute();
    expect(left).toEqual([]);
  });

  it('refuses a journal balanced in total but not per currency', async () => {
    const attempt = test.database.db.transaction().execute(async (trx) => {
      const j = await trx
        .insertInto('ledger_journals')
        .values({ kind: 'forged', reference: 'forged-2' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('ledger_postings')
        .values([
          { journal_id: j.id, account: 'assets:paystack:clearing', currency: 'NGN', amount_minor: '1000' },
          { journal_id: j.id, account: 'liabilities:customers:c1', currency: 'USDC', amount_minor: '-1000' },
        ])
        .execute();
    });
    await expect(attempt).rejects.toThrow(/does not balance/);
  });

  it('refuses a journal with fewer than two postings, and one with none', async () => {
    const db = test.database.db;
    const single = db.transaction().execute(async (trx) => {
      const j = await trx
        .insertInto('ledger_journals')
        .values({ kind: 'forged', reference: 'forged-3' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('ledger_postings')
        .values({ journal_id: j.id, account: 'assets:x', currency: 'NGN', amount_minor: '0' })
        .execute();
    });
    await expect(single).rejects.toThrow();
    const empty = db
      .transaction()
      .execute((trx) =>
        trx.insertInto('ledger_journals').values({ kind: 'forged', reference: 'forged-4' }).execute(),
      );
    await expect(empty).rejects.toThrow(/at least 2 are required/);
  });

  it('keeps the journal append-only: postings cannot be edited or deleted', async () => {
    const db = test.database.db;
    await expect(sql`update ledger_postings set amount_minor = amount_minor * 2`.execute(db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from ledger_postings`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from ledger_journals`.execute(db)).rejects.toThrow(/append-only/);
    expect(await ledgerImbalance(db)).toEqual([]);
  });
});
