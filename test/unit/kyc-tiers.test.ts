import { describe, expect, it } from 'vitest';
import {
  EMPTY_SNAPSHOT,
  customerView,
  limitsFor,
  statusOf,
  tierLimitTable,
  tierOf,
  type FieldName,
  type FieldStatus,
  type KycSnapshot,
} from '../../src/domain/kyc/index.js';

const identity: FieldName[] = [
  'first_name',
  'last_name',
  'mobile_number',
  'birth_date',
  'id_type',
  'id_number',
];
const address: FieldName[] = ['address', 'city', 'state_or_province', 'photo_id_front'];

function snapshot(
  fields: FieldName[],
  overrides: Partial<KycSnapshot> = {},
  status: FieldStatus = 'ACCEPTED',
): KycSnapshot {
  const provided: Partial<Record<FieldName, { status: FieldStatus; error: null }>> = {};
  for (const name of fields) provided[name] = { status, error: null };
  return { id: 'c1', provided, idType: 'bvn', rejectedMessage: null, ...overrides };
}

const table = tierLimitTable({
  tier1: { perTransaction: 50_000, perDay: 200_000, perMonth: 1_000_000 },
  tier2: { perTransaction: 1_000_000, perDay: 5_000_000, perMonth: 20_000_000 },
});

describe('tierOf', () => {
  it('is 0 with nothing, 1 with the identity fields, 2 with address and photo ID', () => {
    expect(tierOf(EMPTY_SNAPSHOT)).toBe(0);
    expect(tierOf(snapshot(identity.slice(0, 5)))).toBe(0);
    expect(tierOf(snapshot(identity))).toBe(1);
    expect(tierOf(snapshot([...identity, ...address.slice(0, 3)]))).toBe(1);
    expect(tierOf(snapshot([...identity, ...address]))).toBe(2);
  });

  it('needs a BVN or NIN for tier 1: a passport number alone is not enough', () => {
    expect(tierOf(snapshot(identity, { idType: 'nin' }))).toBe(1);
    expect(tierOf(snapshot(identity, { idType: 'passport' }))).toBe(0);
  });

  it('counts only accepted fields, and a rejected customer is tier 0', () => {
    expect(tierOf(snapshot(identity, {}, 'PROCESSING'))).toBe(0);
    expect(tierOf(snapshot(identity, {}, 'VERIFICATION_REQUIRED'))).toBe(0);
    expect(tierOf(snapshot([...identity, ...address], { rejectedMessage: 'sanctioned' }))).toBe(0);
  });
});

describe('limitsFor', () => {
  it('gives tier 0 nothing and converts naira settings to kobo', () => {
    expect(limitsFor(0, table)).toEqual({ perTransactionKobo: 0n, perDayKobo: 0n, perMonthKobo: 0n });
    expect(limitsFor(1, table)).toEqual({
      perTransactionKobo: 5_000_000n,
      perDayKobo: 20_000_000n,
      perMonthKobo: 100_000_000n,
    });
    expect(limitsFor(2, table).perMonthKobo).toBe(2_000_000_000n);
  });
});

describe('statusOf and customerView', () => {
  it('asks a new customer for the identity fields and offers the rest as optional', () => {
    const view = customerView(EMPTY_SNAPSHOT, 'sep24-deposit');
    expect(view).not.toHaveProperty('id');
    expect(view.status).toBe('NEEDS_INFO');
    expect(view.fields?.['first_name']).toEqual({
      type: 'string',
      description: expect.any(String) as string,
    });
    expect(view.fields?.['birth_date']?.type).toBe('date');
    expect(view.fields?.['id_type']?.choices).toContain('bvn');
    expect(view.fields?.['photo_id_front']).toMatchObject({ type: 'binary', optional: true });
    expect(view.fields?.['bank_account_number']?.optional).toBe(true);
    expect(view.provided_fields).toBeUndefined();
  });

  it('requires bank details for a withdrawal', () => {
    const view = customerView(snapshot(identity), 'sep6-withdraw');
    expect(view.status).toBe('NEEDS_INFO');
    expect(view.fields?.['bank_account_number']?.optional).toBeUndefined();
    expect(customerView(snapshot(identity), 'sep6-deposit').status).toBe('ACCEPTED');
  });

  it('is PROCESSING while a required field is checked, NEEDS_INFO when one is rejected or unverified', () => {
    const bankPending = snapshot(identity);
    const processing: KycSnapshot = {
      ...bankPending,
      provided: {
        ...bankPending.provided,
        bank_account_number: { status: 'PROCESSING', error: null },
        bank_number: { status: 'PROCESSING', error: null },
      },
    };
    expect(statusOf(processing, 'sep24-withdraw')).toBe('PROCESSING');
    const rejected: KycSnapshot = {
      ...processing,
      provided: { ...processing.provided, bank_account_number: { status: 'REJECTED', error: 'mismatch' } },
    };
    const view = customerView(rejected, 'sep24-withdraw');
    expect(view.status).toBe('NEEDS_INFO');
    expect(view.provided_fields?.['bank_account_number']).toMatchObject({
      status: 'REJECTED',
      error: 'mismatch',
    });
    expect(view.message).toContain('bank_account_number');
    const unverified = snapshot(identity);
    expect(
      statusOf(
        {
          ...unverified,
          provided: {
            ...unverified.provided,
            mobile_number: { status: 'VERIFICATION_REQUIRED', error: null },
          },
        },
        'default',
      ),
    ).toBe('NEEDS_INFO');
  });

  it('is REJECTED with a message and no fields when an operator rejected the customer', () => {
    const view = customerView(snapshot(identity, { rejectedMessage: 'on a sanctions list' }), 'default');
    expect(view).toEqual({ id: 'c1', status: 'REJECTED', message: 'on a sanctions list' });
  });
});
