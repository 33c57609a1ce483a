/**
 * Whether a SEP-6 deposit or withdrawal may move money yet, from the caller's SEP-12 standing, and
 * if not what SEP-6 tells the wallet (sep-0006.md "Customer information needed" and "Customer
 * Information Status"): the SEP-9 fields still needed for KYC tier 1, or that they are being
 * checked, or that the customer was refused. Pure: the standing is read by the caller.
 */
import { assert } from '../../domain/assert.js';
import { IDENTITY_FIELDS, REGISTERED_ID_TYPES, type FieldName } from '../../domain/kyc/index.js';
import type { CustomerStanding } from '../../flows/transfers/limits.js';
import type { Forbidden } from './schemas.js';

/** Undefined when the customer's tier lets money move; otherwise the 403 body. */
export function customerInfoNeeded(standing: CustomerStanding): Forbidden | undefined {
  if (standing.tier > 0) return undefined;
  const { snapshot } = standing;
  if (snapshot.rejectedMessage !== null)
    return {
      type: 'customer_info_status',
      status: 'denied',
      error: snapshot.rejectedMessage,
      code: 'customer_info_denied',
    };
  const statusOf = (name: FieldName) => snapshot.provided[name]?.status;
  // Missing, refused, or awaiting its confirmation code: the customer has to send it (again).
  const fields: FieldName[] = IDENTITY_FIELDS.filter((name) => {
    const status = statusOf(name);
    return status === undefined || status === 'REJECTED' || status === 'VERIFICATION_REQUIRED';
  });
  // Tier 1 needs a number a national register can check: a BVN or a NIN, not a passport.
  if (snapshot.idType === null || !REGISTERED_ID_TYPES.includes(snapshot.idType))
    for (const name of ['id_type', 'id_number'] as const) if (!fields.includes(name)) fields.push(name);
  if (fields.length > 0) {
    const unconfirmed = fields.filter((name) => statusOf(name) === 'VERIFICATION_REQUIRED');
    const notes = [
      ...(fields.includes('id_type') ? ['id_type bvn or nin'] : []),
      ...(unconfirmed.length === 0 ? [] : [`confirm ${unconfirmed.join(', ')} with the code sent`]),
    ];
    return {
      type: 'non_interactive_customer_info_needed',
      fields,
      error: `identity verification is needed first: send ${fields.join(', ')} through SEP-12 PUT /customer${notes.length === 0 ? '' : ` (${notes.join('; ')})`}`,
      code: 'customer_info_needed',
    };
  }
  assert(
    IDENTITY_FIELDS.some((name) => statusOf(name) === 'PROCESSING'),
    'a tier-0 customer with every identity field accepted and a registered id type: tierOf disagrees',
  );
  return {
    type: 'customer_info_status',
    status: 'pending',
    error: 'your details are being checked; try again in a few minutes',
    code: 'customer_info_pending',
  };
}
