/**
 * The Paystack double's webhooks and hosted checkout: signatures over the raw body, retries on the
 * (compressed) live cadence, the duplicate/delay/reorder/drop faults, and paying or cancelling
 * through the page's own forms.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';
import { retryDelayMs } from '../../src/sandbox/paystack/webhooks.js';
import {
  controlPost,
  paystackCaller,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/paystack-double-support.js';

/** 3 minutes → 1.8 ms, 1 hour → 36 ms: the live cadence, compressed. */
const TIME_SCALE = 0.00001;

let double: PaystackDouble;
let receiver: WebhookReceiver;
let call: ReturnType<typeof paystackCaller>;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  double = await createPaystackDouble({
    webhookUrl: receiver.url,
    timeScale: TIME_SCALE,
    webhookAttemptsMax: 8,
  });
  call = paystackCaller(double.url, double.secretKey);
});
afterAll(async () => {
  await double.close();
  await receiver.close();
});
beforeEach(() => {
  double.control.reset();
  receiver.received.length = 0;
  receiver.answerWith([]);
});
afterEach(async () => {
  await double.control.webhooksIdle();
});

async function initialize(
  reference: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, string>> {
  const answer = await call('POST', '/transaction/initialize', {
    email: 'payer@example.com',
    amount: 123456,
    reference,
    ...extra,
  });
  expect(answer.status).toBe(200);
  return answer.json.data as Record<string, string>;
}

function verifySignature(rawBody: Buffer, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const expected = createHmac('sha512', secret).update(rawBody).digest();
  const given = Buffer.from(header, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function newTransfer(reference: string): Promise<void> {
  const recipient = (
    (
      await call('POST', '/transferrecipient', {
        type: 'nuban',
        name: 'A',
        account_number: '0123456789',
        bank_code: '058',
      })
    ).json.data as { recipient_code: string }
  ).recipient_code;
  const answer = await call('POST', '/transfer', { source: 'balance', amount: 20000, recipient, reference });
  expect(answer.status).toBe(200);
}

describe('webhook delivery', () => {
  it('signs charge.success with hex HMAC-SHA512 of the raw body keyed with the secret key', async () => {
    await initialize('wh-sign', { metadata: { quote: 'q-7' } });
    await controlPost(double.url, '/_sandbox/transactions/wh-sign/pay');
    const [hook] = await receiver.waitFor(1);
    expect(hook!.headers['content-type']).toBe('application/json');
    expect(verifySignature(hook!.rawBody, hook!.headers['x-paystack-signature'], double.secretKey)).toBe(
      true,
    );
    expect(verifySignature(hook!.rawBody, hook!.headers['x-paystack-signature'], 'sk_test_other')).toBe(
      false,
    );
    // A re-serialised body is not what was signed if a single byte differs.
    const tampered = Buffer.from(hook!.rawBody.toString('utf8').replace('123456', '123457'));
    expect(verifySignature(tampered, hook!.headers['x-paystack-signature'], double.secretKey)).toBe(false);
    expect(hook!.event).toBe('charge.success');
    expect(hook!.data).toMatchObject({
      reference: 'wh-sign',
      status: 'success',
      amount: 123456,
      currency: 'NGN',
      channel: 'card',
      metadata: { quote: 'q-7' },
      customer: { email: 'payer@example.com' },
      authorization: { channel: 'card', reusable: true },
    });
  });

  it('retries after non-200 answers on the compressed cadence until a 200', async () => {
    receiver.answerWith([500, 404, 302]);
    await initialize('wh-retry');
    double.control.payTransaction('wh-retry');
    const hooks = await receiver.waitFor(4);
    expect(hooks.map((h) => h.answeredStatus)).toEqual([500, 404, 302, 200]);
    expect(new Set(hooks.map((h) => h.rawBody.toString('utf8'))).size).toBe(1);
    await double.control.webhooksIdle();
    const [record] = double.control.webhookDeliveries();
    expect(record).toMatchObject({ status: 'delivered', attempts: 4, responses: [500, 404, 302, 200] });
  });

  it('gives up after the attempt limit and records it', async () => {
    receiver.answerWith(Array.from({ length: 20 }, () => 503));
    await initialize('wh-giveup');
    double.control.payTransaction('wh-giveup');
    await receiver.waitFor(8);
    await double.control.webhooksIdle();
    expect(receiver.received.length).toBe(8);
    expect(double.control.webhookDeliveries()[0]).toMatchObject({ status: 'gave_up', attempts: 8 });
  });

  it('follows the live cadence: four retries 3 minutes apart, then hourly', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs('live', n))).toEqual([
      180_000, 180_000, 180_000, 180_000, 3_600_000, 3_600_000,
    ]);
    expect(retryDelayMs('test', 1)).toBe(3_600_000);
  });

  it('sends transfer.success, transfer.failed and transfer.reversed with the integration object', async () => {
    await newTransfer('wh-trf-ok');
    await newTransfer('wh-trf-bad');
    await newTransfer('wh-trf-rev');
    double.control.settleTransfer('wh-trf-ok', 'success');
    double.control.settleTransfer('wh-trf-bad', 'failed');
    double.control.settleTransfer('wh-trf-rev', 'reversed');
    const hooks = await receiver.waitFor(3);
    const byReference = new Map(hooks.map((h) => [h.data.reference, h]));
    expect(byReference.get('wh-trf-ok')!.event).toBe('transfer.success');
    expect(byReference.get('wh-trf-bad')!.event).toBe('transfer.failed');
    expect(byReference.get('wh-trf-rev')!.event).toBe('transfer.reversed');
    const data = byReference.get('wh-trf-ok')!.data;
    expect(data).toMatchObject({
      status: 'success',
      amount: 20000,
      integration: { is_live: false, business_name: 'Rampart Sandbox' },
      recipient: { recipient_code: expect.stringMatching(/^RCP_/) as unknown, details: { bank_code: '058' } },
      session: { provider: 'nip', id: expect.stringMatching(/^[0-9]{30}$/) as unknown },
    });
    expect(typeof data.created_at).toBe('string');
    expect(typeof data.updated_at).toBe('string');
  });

  it('sends dedicatedaccount.assign.success and a dedicated_nuban charge.success for a deposit', async () => {
    const code = (
      (await call('POST', '/customer', { email: 'dva@example.com', first_name: 'A', last_name: 'B' })).json
        .data as { customer_code: string }
    ).customer_code;
    const account = (await call('POST', '/dedicated_account', { customer: code })).json.data as {
      account_number: string;
    };
    const [assigned] = await receiver.waitFor(1);
    expect(assigned!.event).toBe('dedicatedaccount.assign.success');
    expect(assigned!.data).toMatchObject({
      customer: { customer_code: code },
      dedicated_account: { account_number: account.account_number, bank: { slug: 'test-bank' } },
      identification: { status: 'success' },
    });
    await controlPost(double.url, `/_sandbox/dedicated_accounts/${account.account_number}/transfer`, {
      amount: 700000,
    });
    const hooks = await receiver.waitFor(2);
    const deposit = hooks[1]!;
    expect(deposit.event).toBe('charge.success');
    expect(deposit.data).toMatchObject({
      status: 'success',
      channel: 'dedicated_nuban',
      amount: 700000,
      customer: { customer_code: code },
      authorization: {
        channel: 'dedicated_nuban',
        receiver_bank_account_number: account.account_number,
        sender_bank_account_number: expect.stringMatching(/^X+[0-9]{4}$/) as unknown,
      },
    });
    expect(verifySignature(deposit.rawBody, deposit.headers['x-paystack-signature'], double.secretKey)).toBe(
      true,
    );
  });

  it('sends nothing for failed or abandoned charges, as Paystack does', async () => {
    await initialize('wh-none');
    double.control.moveTransaction('wh-none', 'ongoing');
    double.control.moveTransaction('wh-none', 'failed');
    await double.control.webhooksIdle();
    expect(receiver.received).toEqual([]);
  });

  it('records events without a URL and sends to a URL set later through control', async () => {
    await controlPost(double.url, '/_sandbox/webhook-url', { url: null });
    await initialize('wh-nourl');
    double.control.payTransaction('wh-nourl');
    expect(double.control.webhookDeliveries()[0]!.status).toBe('no_url');
    await controlPost(double.url, '/_sandbox/webhook-url', { url: receiver.url });
    await initialize('wh-url');
    double.control.payTransaction('wh-url');
    const [hook] = await receiver.waitFor(1);
    expect(hook!.data.reference).toBe('wh-url');
  });
});

describe('webhook faults', () => {
  it('duplicate: every event arrives twice with identical bytes and signature', async () => {
    await controlPost(double.url, '/_sandbox/faults', { webhooks: 'duplicate' });
    await initialize('wh-dup');
    double.control.payTransaction('wh-dup');
    const [first, second] = await receiver.waitFor(2);
    expect(first!.rawBody.equals(second!.rawBody)).toBe(true);
    expect(first!.headers['x-paystack-signature']).toBe(second!.headers['x-paystack-signature']);
  });

  it('drop: the event is never sent', async () => {
    double.control.setFaults({ webhooks: 'drop' });
    await initialize('wh-drop');
    double.control.payTransaction('wh-drop');
    await double.control.webhooksIdle();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(receiver.received).toEqual([]);
    expect(double.control.webhookDeliveries()[0]!.status).toBe('dropped');
  });

  it('delay: the first attempt waits delayMs', async () => {
    double.control.setFaults({ webhooks: 'delay', delayMs: 150 });
    await initialize('wh-delay');
    const paidAt = Date.now();
    double.control.payTransaction('wh-delay');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(receiver.received).toEqual([]);
    await receiver.waitFor(1);
    expect(Date.now() - paidAt).toBeGreaterThanOrEqual(140);
  });

  it('reorder: events are held, then sent newest first on flush', async () => {
    double.control.setFaults({ webhooks: 'reorder' });
    await newTransfer('wh-ord-1');
    await newTransfer('wh-ord-2');
    await newTransfer('wh-ord-3');
    double.control.settleTransfer('wh-ord-1', 'success');
    double.control.settleTransfer('wh-ord-2', 'success');
    double.control.settleTransfer('wh-ord-3', 'failed');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(receiver.received).toEqual([]);
    expect((await controlPost(double.url, '/_sandbox/webhooks/flush')).json).toEqual({ flushed: true });
    const hooks = await receiver.waitFor(3);
    expect(hooks.map((h) => h.data.reference)).toEqual(['wh-ord-3', 'wh-ord-2', 'wh-ord-1']);
  });

  it('reorder: leaving the mode releases what it held', async () => {
    double.control.setFaults({ webhooks: 'reorder' });
    await newTransfer('wh-rel-1');
    await newTransfer('wh-rel-2');
    double.control.settleTransfer('wh-rel-1', 'success');
    double.control.settleTransfer('wh-rel-2', 'success');
    await controlPost(double.url, '/_sandbox/faults', { webhooks: 'none' });
    const hooks = await receiver.waitFor(2);
    expect(hooks.map((h) => h.data.reference)).toEqual(['wh-rel-2', 'wh-rel-1']);
  });
});

describe('hosted checkout page', () => {
  it('renders amount in naira, email, and Pay/Cancel forms, with everything escaped and no scripts', async () => {
    const data = await initialize('page-1', { email: 'o"brien<x>@example.com' });
    const response = await fetch(data.authorization_url!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain('<dd id="amount">₦1,234.56</dd>');
    expect(html).toContain('o&quot;brien&lt;x&gt;@example.com');
    expect(html).not.toContain('<x>');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(`<form id="pay-form" method="post" action="/checkout/${data.access_code!}/pay">`);
    expect(html).toContain('id="pay-button"');
    expect(html).toContain('id="cancel-button"');
  });

  it('Pay (form POST) marks success by card, sends charge.success and redirects to the callback', async () => {
    const data = await initialize('page-pay', { callback_url: 'https://wallet.example/done?session=7' });
    const response = await fetch(`${double.url}/checkout/${data.access_code!}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(
      'https://wallet.example/done?session=7&trxref=page-pay&reference=page-pay',
    );
    expect(response.headers.get('content-security-policy')).toContain('https://wallet.example');
    const verify = await call('GET', '/transaction/verify/page-pay');
    expect(verify.json.data).toMatchObject({
      status: 'success',
      channel: 'card',
      gateway_response: 'Successful',
    });
    const [hook] = await receiver.waitFor(1);
    expect(hook!.event).toBe('charge.success');
    // Pressing Pay again neither charges twice nor sends a second webhook.
    const again = await fetch(`${double.url}/checkout/${data.access_code!}/pay`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(again.status).toBe(303);
    await double.control.webhooksIdle();
    expect(receiver.received.length).toBe(1);
    const page = await (await fetch(data.authorization_url!)).text();
    expect(page).toContain('data-status="success"');
  });

  it('Cancel leaves it abandoned, closes the page and sends no webhook', async () => {
    const data = await initialize('page-cancel');
    const response = await fetch(`${double.url}/checkout/${data.access_code!}/cancel`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Payment cancelled');
    const verify = await call('GET', '/transaction/verify/page-cancel');
    expect((verify.json.data as { status: string }).status).toBe('abandoned');
    const pay = await fetch(`${double.url}/checkout/${data.access_code!}/pay`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(pay.status).toBe(409);
    await double.control.webhooksIdle();
    expect(receiver.received).toEqual([]);
  });

  it('Cancel goes to metadata.cancel_action when the merchant set one', async () => {
    const data = await initialize('page-cancel-action', {
      metadata: { cancel_action: 'https://wallet.example/cancelled' },
    });
    const response = await fetch(`${double.url}/checkout/${data.access_code!}/cancel`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('https://wallet.example/cancelled');
  });

  it('pay through control completes the same checkout', async () => {
    const data = await initialize('page-control');
    const paid = await controlPost(double.url, '/_sandbox/transactions/page-control/pay');
    expect(paid.json.status).toBe('success');
    const html = await (await fetch(data.authorization_url!)).text();
    expect(html).toContain('Payment successful');
    expect(html).not.toContain('id="pay-button"');
    await receiver.waitFor(1);
  });

  it('answers 404 for an unknown access code', async () => {
    const response = await fetch(`${double.url}/checkout/nope`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('not valid');
  });
});
