import { describe, expect, it } from 'vitest';
import { judgePayment, type ExpectedPayment } from '../../src/rails/paystack/confirm.js';
import type { PaystackTransaction } from '../../src/rails/paystack/models.js';

const REFERENCE = 'dep-2026-000001';
const expected: ExpectedPayment = { amountKobo: 150_000n, currency: 'NGN' };

function transaction(overrides: Partial<PaystackTransaction> = {}): PaystackTransaction {
  return {
    id: '4099260516',
    reference: REFERENCE,
    status: 'success',
    amountKobo: 150_000n,
    currency: 'NGN',
    channel: 'card',
    gatewayResponse: 'Successful',
    paidAt: '2026-11-26T10:00:00.000Z',
    customerCode: 'CUS_abc',
    metadata: null,
    ...overrides,
  };
}

describe('judgePayment: credit only success with exact amount, currency and reference', () => {
  it('success with everything matching is paid', () => {
    expect(judgePayment(transaction(), REFERENCE, expected)).toMatchObject({ outcome: 'paid' });
  });

  it.each([
    ['one kobo short', 149_999n],
    ['one kobo over', 150_001n],
    ['zero', 0n],
  ])('success with the amount %s is a mismatch', (_name, amountKobo) => {
    expect(judgePayment(transaction({ amountKobo }), REFERENCE, expected)).toMatchObject({
      outcome: 'mismatch',
      reason: expect.stringContaining('amount') as string,
    });
  });

  it('success in another currency is a mismatch, even for the same number', () => {
    expect(judgePayment(transaction({ currency: 'GHS' }), REFERENCE, expected)).toMatchObject({
      outcome: 'mismatch',
      reason: expect.stringContaining('currency') as string,
    });
  });

  it('success for another reference is a mismatch', () => {
    expect(judgePayment(transaction({ reference: 'dep-2026-000002' }), REFERENCE, expected)).toMatchObject({
      outcome: 'mismatch',
      reason: expect.stringContaining('reference') as string,
    });
  });

  it('a reference differing only in case is a mismatch', () => {
    expect(
      judgePayment(transaction({ reference: REFERENCE.toUpperCase() }), REFERENCE, expected).outcome,
    ).toBe('mismatch');
  });

  it.each([
    'abandoned',
    'failed',
    'reversed',
    'ongoing',
    'pending',
    'processing',
    'queued',
    'SUCCESS',
    'successful',
    '',
  ])('status %j is not_paid', (status) => {
    expect(judgePayment(transaction({ status }), REFERENCE, expected)).toMatchObject({
      outcome: 'not_paid',
      status,
    });
  });

  it('a reversed payment with a different amount is still only not_paid', () => {
    expect(
      judgePayment(transaction({ status: 'reversed', amountKobo: 1n }), REFERENCE, expected).outcome,
    ).toBe('not_paid');
  });
});
