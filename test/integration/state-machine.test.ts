import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  createTransaction,
  transition,
  transitionWithRetry,
  type TransactionRow,
} from '../../src/flows/state-machine.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

const options = { jobMaxAttempts: 5 };
const ACCOUNT = 'GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H';

describe.each(databaseKinds)('state machine on %s', (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  const newDeposit = () =>
    test.database.db.transaction().execute((trx) =>
      createTransaction(trx, {
        kind: 'deposit',
        protocol: 'sep24',
        assetCode: 'NGNC',
        assetIssuer: null,
        stellarAccount: ACCOUNT,
        stellarMemo: null,
        actor: 'test',
      }),
    );
  const eventsOf = (id: string) =>
    test.database.db
      .selectFrom('transaction_events')
      .selectAll()
      .where('transaction_id', '=', id)
      .orderBy('version')
      .execute();

  it('moves a legal step: new status, next version, one audit event and its jobs, atomically', async () => {
    const tx = await newDeposit();
    expect(tx.status).toBe('incomplete');
    const result = await test.database.db.transaction().execute((trx) =>
      transition(
        trx,
        {
          transactionId: tx.id,
          to: 'pending_user_transfer_start',
          expectedVersion: tx.version,
          reason: 'amount chosen',
          actor: 'test',
          data: { amountKobo: '500000' },
          jobs: [
            { type: 'paystack.initialize', payload: { transactionId: tx.id }, dedupeKey: `init:${tx.id}` },
          ],
        },
        options,
      ),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.transaction.status).toBe('pending_user_transfer_start');
    expect(result.transaction.version).toBe(tx.version + 1);
    const events = await eventsOf(tx.id);
    expect(events.map((e) => [e.from_status, e.to_status, e.version])).toEqual([
      ['none', 'incomplete', 1],
      ['incomplete', 'pending_user_transfer_start', 2],
    ]);
    expect(events[1]?.data).toEqual({ amountKobo: '500000' });
    const jobs = await test.database.db
      .selectFrom('jobs')
      .selectAll()
      .where('dedupe_key', '=', `init:${tx.id}`)
      .execute();
    expect(jobs).toHaveLength(1);
  });

  it('refuses an illegal move and changes nothing', async () => {
    const tx = await newDeposit();
    const result = await test.database.db.transaction().execute((trx) =>
      transition(
        trx,
        {
          transactionId: tx.id,
          to: 'completed',
          expectedVersion: tx.version,
          reason: 'skip ahead',
          actor: 'test',
        },
        options,
      ),
    );
    expect(result).toMatchObject({ ok: false, error: 'illegal' });
    const row = await test.database.db
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', tx.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('incomplete');
    expect(row.version).toBe(1);
    expect(await eventsOf(tx.id)).toHaveLength(1);
  });

  it('applies the funded guard: completing requires the funds to be received', async () => {
    const tx = await newDeposit();
    const db = test.database.db;
    const step = (current: TransactionRow, to: TransactionRow['status'], fundsReceived = false) =>
      db.transaction().execute((trx) =>
        transition(
          trx,
          {
            transactionId: current.id,
            to: to as never,
            expectedVersion: current.version,
            reason: `to ${to}`,
            actor: 'test',
            fundsReceived,
          },
          options,
        ),
      );
    const a = await step(tx, 'pending_user_transfer_start');
    if (!a.ok) throw new Error(a.message);
    const unfunded = await step(a.transaction, 'pending_anchor');
    expect(unfunded).toMatchObject({ ok: false, error: 'illegal' });
    const funded = await step(a.transaction, 'pending_anchor', true);
    expect(funded.ok).toBe(true);
    if (!funded.ok) return;
    expect(funded.transaction.funds_received_at).not.toBeNull();
    const expired = await step(funded.transaction, 'expired');
    expect(expired).toMatchObject({ ok: false, error: 'illegal' });
  });

  it('fails a stale writer and lets it retry on the fresh row', async () => {
    const tx = await newDeposit();
    const db = test.database.db;
    const first = await db.transaction().execute((trx) =>
      transition(
        trx,
        {
          transactionId: tx.id,
          to: 'pending_user_transfer_start',
          expectedVersion: 1,
          reason: 'first',
          actor: 'a',
        },
        options,
      ),
    );
    expect(first.ok).toBe(true);
    const stale = await db
      .transaction()
      .execute((trx) =>
        transition(
          trx,
          { transactionId: tx.id, to: 'error', expectedVersion: 1, reason: 'late', actor: 'b' },
          options,
        ),
      );
    expect(stale).toMatchObject({ ok: false, error: 'stale' });
    const retried = await transitionWithRetry(
      db,
      tx.id,
      () => ({ to: 'error', reason: 'late, retried', actor: 'b', statusMessage: 'Paystack refused' }),
      options,
    );
    expect(retried.ok).toBe(true);
    if (retried.ok) expect(retried.transaction.version).toBe(3);
  });

  it('serialises concurrent writers: each version is written exactly once', async () => {
    const tx = await newDeposit();
    const db = test.database.db;
    await transitionWithRetry(
      db,
      tx.id,
      () => ({ to: 'pending_user_transfer_start', reason: 'pay', actor: 't' }),
      options,
    );
    await transitionWithRetry(
      db,
      tx.id,
      () => ({ to: 'pending_anchor', reason: 'paid', actor: 't', fundsReceived: true }),
      options,
    );
    // Eight writers race to bump the amounts (pending_anchor → pending_anchor); optimistic locking
    // turns every collision into a retry, never a lost or duplicated version.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        transitionWithRetry(
          db,
          tx.id,
          () => ({ to: 'pending_anchor', reason: `update ${i}`, actor: `w${i}` }),
          { jobMaxAttempts: 5 },
        ),
      ),
    );
    const succeeded = results.filter((r) => r.ok).length;
    const row = await db
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', tx.id)
      .executeTakeFirstOrThrow();
    const events = await eventsOf(tx.id);
    expect(row.version).toBe(3 + succeeded);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: row.version }, (_, i) => i + 1));
    expect(succeeded).toBeGreaterThanOrEqual(1);
  });

  it('rolls the status, event and jobs back together when the surrounding transaction fails', async () => {
    const tx = await newDeposit();
    const db = test.database.db;
    await expect(
      db.transaction().execute(async (trx) => {
        await transition(
          trx,
          {
            transactionId: tx.id,
            to: 'pending_user_transfer_start',
            expectedVersion: 1,
            reason: 'x',
            actor: 't',
            jobs: [{ type: 'never.runs', payload: {}, dedupeKey: `rollback:${tx.id}` }],
          },
          options,
        );
        throw new Error('crash after transition');
      }),
    ).rejects.toThrow('crash after transition');
    const row = await db
      .selectFrom('transactions')
      .selectAll()
      .where('id', '=', tx.id)
      .executeTakeFirstOrThrow();
    expect([row.status, row.version]).toEqual(['incomplete', 1]);
    expect(await eventsOf(tx.id)).toHaveLength(1);
    expect(
      await db.selectFrom('jobs').selectAll().where('dedupe_key', '=', `rollback:${tx.id}`).execute(),
    ).toEqual([]);
  });

  it('keeps the audit trail append-only', async () => {
    await newDeposit();
    await expect(
      sql`update transaction_events set reason = 'rewritten'`.execute(test.database.db),
    ).rejects.toThrow(/append-only/);
    await expect(sql`delete from transaction_events`.execute(test.database.db)).rejects.toThrow(
      /append-only/,
    );
  });

  it('refuses an unknown status in the database itself', async () => {
    const tx = await newDeposit();
    await expect(
      sql`update transactions set status = 'paid' where id = ${tx.id}`.execute(test.database.db),
    ).rejects.toThrow();
  });
});
