/**
 * Erasure (SEP-12 DELETE /customer/{account}): every personal value and document of the customer is
 * deleted, and the row becomes a tombstone that keeps only the id, the subject's hash, timestamps
 * and the last status, for the audit trail. Queued callbacks (which would name the customer's id to
 * the wallet) and bank checks are dropped with it.
 */
import { sql } from 'kysely';
import { CUSTOMER_BANK_CHECK_JOB_TYPE, CUSTOMER_CALLBACK_JOB_TYPE, type Sep12Deps } from './service.js';

export async function eraseCustomer(
  deps: Pick<Sep12Deps, 'db'>,
  subject: string,
  actor: string,
): Promise<string | null> {
  return deps.db.transaction().execute(async (trx) => {
    const customer = await trx
      .selectFrom('customers')
      .select(['id', 'last_type', 'last_status'])
      .where('subject', '=', subject)
      .forUpdate()
      .executeTakeFirst();
    if (customer === undefined) return null;
    await trx.deleteFrom('customer_fields').where('customer_id', '=', customer.id).execute();
    await trx
      .updateTable('customers')
      .set({
        subject: null,
        stellar_account: null,
        memo: null,
        id_type: null,
        callback_url: null,
        bank_check: null,
        bank_check_score: null,
        bank_checked_name: null,
        bank_checked_at: null,
        erased_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', customer.id)
      .execute();
    await trx
      .insertInto('customer_events')
      .values({
        customer_id: customer.id,
        kind: 'erased',
        customer_type: customer.last_type,
        from_status: customer.last_status,
        to_status: null,
        actor,
      })
      .execute();
    await trx
      .deleteFrom('jobs')
      .where('type', 'in', [CUSTOMER_CALLBACK_JOB_TYPE, CUSTOMER_BANK_CHECK_JOB_TYPE])
      .where('state', '=', 'pending')
      .where(sql<string>`payload->>'customerId'`, '=', customer.id)
      .execute();
    return customer.id;
  });
}
