import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  PAYSTACK_WEBHOOK_IPS,
  WEBHOOK_BODY_BYTES_MAX,
  createWebhookSourceAllowList,
  parseWebhookEvent,
  verifyWebhookSignature,
  webhookDedupeKey,
  type WebhookEvent,
} from '../../src/rails/paystack/webhook.js';

const SECRET = 'sk_test_webhook_secret_0123456789';

function sign(body: Buffer, secret = SECRET): string {
  return createHmac('sha512', secret).update(body).digest('hex');
}

function body(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

const charge = {
  event: 'charge.success',
  data: {
    id: 302961,
    domain: 'live',
    status: 'success',
    reference: 'dep-qTPrJoy9Bx',
    amount: 10_000,
    currency: 'NGN',
    channel: 'dedicated_nuban',
    paid_at: '2026-11-26T10:00:00.000Z',
    customer: { id: 68324, customer_code: 'CUS_qo38as2hpsgk2r0', email: 'ada@example.com' },
    metadata: 0,
  },
};

const transfer = (event: string, status: string) => ({
  event,
  data: {
    amount: 30_000,
    currency: 'NGN',
    domain: 'test',
    failures: null,
    id: 37272792,
    integration: { id: 463433, is_live: true, business_name: 'Rampart' },
    reason: 'Rampart withdrawal',
    reference: 'rmp_payout_000000000001',
    source: 'balance',
    status,
    transfer_code: 'TRF_wpl1dem4967avzm',
    transferred_at: null,
    recipient: { recipient_code: 'RCP_7x3fmndw66yyu8c', details: { account_number: '0123456789' } },
    session: { provider: 'nip', id: '090267230207180937458394' },
    created_at: '2026-11-26T10:00:00.000Z',
    updated_at: '2026-11-26T10:00:01.000Z',
  },
});

const assigned = {
  event: 'dedicatedaccount.assign.success',
  data: {
    customer: { id: 1, customer_code: 'CUS_hcekca0j0bbg2m4', email: 'ada@example.com' },
    dedicated_account: {
      bank: { name: 'Test Bank', id: 20, slug: 'test-bank' },
      account_name: 'RAMPART/ADA LOVELACE',
      account_number: '9930000123',
      active: true,
    },
    identification: { status: 'success' },
  },
};

describe('verifyWebhookSignature', () => {
  const raw = body(charge);

  it('accepts the HMAC-SHA512 of the raw body', () => {
    expect(verifyWebhookSignature(raw, sign(raw), SECRET)).toBe(true);
  });

  it('accepts an upper-case hex signature of the same bytes', () => {
    expect(verifyWebhookSignature(raw, sign(raw).toUpperCase(), SECRET)).toBe(true);
  });

  it('rejects a tampered body', () => {
    const tampered = Buffer.from(raw.toString().replace('10000', '99999'));
    expect(verifyWebhookSignature(tampered, sign(raw), SECRET)).toBe(false);
  });

  it('rejects a re-serialised body (whitespace changes the bytes)', () => {
    const pretty = Buffer.from(JSON.stringify(charge, null, 2));
    expect(verifyWebhookSignature(pretty, sign(raw), SECRET)).toBe(false);
  });

  it('rejects a tampered signature', () => {
    const signature = sign(raw);
    const flipped = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    expect(verifyWebhookSignature(raw, flipped, SECRET)).toBe(false);
  });

  it('rejects a signature made with another key (test vs live)', () => {
    expect(verifyWebhookSignature(raw, sign(raw, 'sk_live_other'), SECRET)).toBe(false);
  });

  it('rejects a signature of the wrong length without comparing', () => {
    expect(verifyWebhookSignature(raw, sign(raw).slice(0, 127), SECRET)).toBe(false);
    expect(verifyWebhookSignature(raw, `${sign(raw)}00`, SECRET)).toBe(false);
    expect(verifyWebhookSignature(raw, createHmac('sha256', SECRET).update(raw).digest('hex'), SECRET)).toBe(
      false,
    );
  });

  it('rejects non-hex characters of the right length', () => {
    expect(verifyWebhookSignature(raw, 'z'.repeat(128), SECRET)).toBe(false);
  });

  it('rejects an empty or missing signature, and repeated headers', () => {
    expect(verifyWebhookSignature(raw, '', SECRET)).toBe(false);
    expect(verifyWebhookSignature(raw, undefined, SECRET)).toBe(false);
    expect(verifyWebhookSignature(raw, [sign(raw), sign(raw)], SECRET)).toBe(false);
  });

  it('verifies an empty body only against its own signature', () => {
    const empty = Buffer.alloc(0);
    expect(verifyWebhookSignature(empty, sign(empty), SECRET)).toBe(true);
    expect(verifyWebhookSignature(empty, sign(raw), SECRET)).toBe(false);
  });

  it('refuses an empty secret key as a programmer error', () => {
    expect(() => verifyWebhookSignature(raw, sign(raw), '')).toThrow(/secret key is empty/);
  });
});

describe('parseWebhookEvent', () => {
  it('parses charge.success with the amount in kobo', () => {
    const parsed = parseWebhookEvent(body(charge));
    expect(parsed).toEqual({
      ok: true,
      event: {
        type: 'charge.success',
        reference: 'dep-qTPrJoy9Bx',
        status: 'success',
        amountKobo: 10_000n,
        currency: 'NGN',
        channel: 'dedicated_nuban',
        customerCode: 'CUS_qo38as2hpsgk2r0',
        metadata: 0,
      },
    });
  });

  it.each([
    ['transfer.success', 'success'],
    ['transfer.failed', 'failed'],
    ['transfer.reversed', 'reversed'],
  ] as const)('parses %s (integration as an object, snake_case timestamps)', (event, status) => {
    const parsed = parseWebhookEvent(body(transfer(event, status)));
    expect(parsed).toEqual({
      ok: true,
      event: {
        type: event,
        reference: 'rmp_payout_000000000001',
        status,
        transferCode: 'TRF_wpl1dem4967avzm',
        amountKobo: 30_000n,
        currency: 'NGN',
        recipientCode: 'RCP_7x3fmndw66yyu8c',
        sessionId: '090267230207180937458394',
      },
    });
  });

  it('parses dedicatedaccount.assign.success', () => {
    expect(parseWebhookEvent(body(assigned))).toEqual({
      ok: true,
      event: {
        type: 'dedicatedaccount.assign.success',
        customerCode: 'CUS_hcekca0j0bbg2m4',
        accountNumber: '9930000123',
        accountName: 'RAMPART/ADA LOVELACE',
        bankName: 'Test Bank',
      },
    });
  });

  it('keeps other events raw as unknown', () => {
    const dispute = {
      event: 'charge.dispute.create',
      data: { id: 42, reference: 'dep-1', status: 'awaiting-merchant-feedback' },
    };
    expect(parseWebhookEvent(body(dispute))).toEqual({
      ok: true,
      event: { type: 'unknown', event: 'charge.dispute.create', data: dispute.data },
    });
  });

  it('accepts an amount sent as a digit string, exactly', () => {
    const parsed = parseWebhookEvent(
      body({ ...charge, data: { ...charge.data, amount: '9007199254740993' } }),
    );
    expect(parsed).toMatchObject({ ok: true, event: { amountKobo: 9_007_199_254_740_993n } });
  });

  it.each([
    ['not JSON', Buffer.from('{"event":')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['an array', body([charge])],
    ['no event', body({ data: charge.data })],
    ['data not an object', body({ event: 'charge.success', data: 'x' })],
    ['charge without reference', body({ ...charge, data: { ...charge.data, reference: undefined } })],
    ['charge with a fractional amount', body({ ...charge, data: { ...charge.data, amount: 100.5 } })],
    ['charge with a negative amount', body({ ...charge, data: { ...charge.data, amount: -1 } })],
    [
      'charge with an unsafe integer amount',
      Buffer.from(JSON.stringify(charge).replace('10000', '9007199254740993')),
    ],
    ['charge with an amount in exponent text', body({ ...charge, data: { ...charge.data, amount: '1e5' } })],
    [
      'transfer without transfer_code',
      body({
        ...transfer('transfer.success', 'success'),
        data: { ...transfer('transfer.success', 'success').data, transfer_code: undefined },
      }),
    ],
    [
      'assignment without an account',
      body({ ...assigned, data: { ...assigned.data, dedicated_account: null } }),
    ],
  ])('refuses %s', (_name, raw) => {
    const parsed = parseWebhookEvent(raw);
    expect(parsed.ok).toBe(false);
  });

  it('refuses a body over the size limit', () => {
    const parsed = parseWebhookEvent(Buffer.alloc(WEBHOOK_BODY_BYTES_MAX + 1, 0x20));
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining('over') as string });
  });
});

describe('webhookDedupeKey', () => {
  function parsed(value: unknown): WebhookEvent {
    const result = parseWebhookEvent(body(value));
    if (!result.ok) throw new Error(result.error);
    return result.event;
  }

  it('is event + reference + status, equal for a redelivery', () => {
    expect(webhookDedupeKey(parsed(charge))).toBe('charge.success:dep-qTPrJoy9Bx:success');
    expect(webhookDedupeKey(parsed(charge))).toBe(
      webhookDedupeKey(parsed(JSON.parse(JSON.stringify(charge)))),
    );
  });

  it('differs when the status moves (success then reversed)', () => {
    const success = webhookDedupeKey(parsed(transfer('transfer.success', 'success')));
    const reversed = webhookDedupeKey(parsed(transfer('transfer.reversed', 'reversed')));
    expect(success).not.toBe(reversed);
  });

  it('keys an assignment by customer and account', () => {
    expect(webhookDedupeKey(parsed(assigned))).toBe(
      'dedicatedaccount.assign.success:CUS_hcekca0j0bbg2m4:9930000123',
    );
  });

  it('keys unknown events by reference, id, or a digest of the data', () => {
    expect(webhookDedupeKey(parsed({ event: 'x.y', data: { reference: 'r1', status: 's' } }))).toBe(
      'x.y:r1:s',
    );
    expect(webhookDedupeKey(parsed({ event: 'x.y', data: { id: 42 } }))).toBe('x.y:id-42:');
    const a = webhookDedupeKey(parsed({ event: 'x.y', data: { a: 1 } }));
    expect(a).toMatch(/^x\.y:sha256-[0-9a-f]{64}$/);
    expect(webhookDedupeKey(parsed({ event: 'x.y', data: { a: 2 } }))).not.toBe(a);
  });
});

describe('createWebhookSourceAllowList', () => {
  const list = createWebhookSourceAllowList(PAYSTACK_WEBHOOK_IPS);

  it("allows Paystack's published addresses, also IPv4-mapped", () => {
    for (const ip of PAYSTACK_WEBHOOK_IPS) expect(list.allows(ip)).toBe(true);
    expect(list.allows('::ffff:52.31.139.75')).toBe(true);
  });

  it('refuses other, missing and malformed addresses', () => {
    expect(list.allows('52.31.139.76')).toBe(false);
    expect(list.allows('127.0.0.1')).toBe(false);
    expect(list.allows(undefined)).toBe(false);
    expect(list.allows('not an ip')).toBe(false);
  });

  it('supports CIDR ranges and IPv6', () => {
    const ranges = createWebhookSourceAllowList(['10.0.0.0/8', '2001:db8::/32']);
    expect(ranges.allows('10.1.2.3')).toBe(true);
    expect(ranges.allows('11.1.2.3')).toBe(false);
    expect(ranges.allows('2001:db8::1')).toBe(true);
  });

  it('an empty list is disabled and allows any source (the signature still decides)', () => {
    const off = createWebhookSourceAllowList([]);
    expect(off.enabled).toBe(false);
    expect(off.allows('203.0.113.9')).toBe(true);
  });

  it('refuses an invalid entry as a configuration error', () => {
    expect(() => createWebhookSourceAllowList(['52.31.139']).allows('1.1.1.1')).toThrow();
    expect(() => createWebhookSourceAllowList(['10.0.0.0/33'])).toThrow();
  });
});
