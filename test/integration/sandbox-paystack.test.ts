/**
 * The Paystack double over real HTTP: each endpoint's answers and refusals, the transfer lifecycle
 * with its balance effects, OTP, and the one-shot API faults (`failNext`, `timeoutNext`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';
import { controlPost, paystackCaller, type ApiAnswer } from '../support/paystack-double-support.js';

let double: PaystackDouble;
let call: ReturnType<typeof paystackCaller>;

beforeAll(async () => {
  double = await createPaystackDouble({ balanceKobo: 10_000_000, timeoutHangMs: 100 });
  call = paystackCaller(double.url, double.secretKey);
});
afterAll(async () => {
  await double.close();
});
beforeEach(() => {
  double.control.reset();
});

function dataOf(answer: ApiAnswer): Record<string, unknown> {
  return answer.json.data as Record<string, unknown>;
}

async function recipientFor(accountNumber = '0123456789', bankCode = '058'): Promise<string> {
  const answer = await call('POST', '/transferrecipient', {
    type: 'nuban',
    name: 'Adaeze Okafor',
    account_number: accountNumber,
    bank_code: bankCode,
    currency: 'NGN',
  });
  expect(answer.status).toBe(201);
  return dataOf(answer).recipient_code as string;
}

async function balance(): Promise<number> {
  const answer = await call('GET', '/balance');
  return ((answer.json.data as { balance: number }[])[0] ?? { balance: -1 }).balance;
}

describe('authentication', () => {
  it('generates an sk_test_ key and answers 401 "Invalid key" for a missing, wrong or public key', async () => {
    expect(double.secretKey).toMatch(/^sk_test_[0-9a-f]{40}$/);
    const missing = await fetch(`${double.url}/balance`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ status: false, message: 'Invalid key' });
    for (const key of ['sk_test_wrong0000000', 'pk_test_0000000000000', `${double.secretKey}x`]) {
      const answer = await call('GET', '/balance', undefined, key);
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({ status: false, message: 'Invalid key' });
    }
  });

  it('needs no key for the control API and the checkout page, and binds to 127.0.0.1', async () => {
    expect(new URL(double.url).hostname).toBe('127.0.0.1');
    const state = await fetch(`${double.url}/_sandbox/state`);
    expect(state.status).toBe(200);
  });
});

describe('transactions', () => {
  it('initializes with an integer or string amount, generates a reference, and points at its checkout', async () => {
    const answer = await call('POST', '/transaction/initialize', {
      email: 'ada@example.com',
      amount: '500000',
      metadata: { quote_id: 'q-1' },
      callback_url: 'https://wallet.example/return',
    });
    expect(answer.status).toBe(200);
    expect(answer.json.message).toBe('Authorization URL created');
    const data = dataOf(answer);
    expect(data.reference).toMatch(/^[a-z0-9]{10}$/);
    expect(data.authorization_url).toBe(`${double.url}/checkout/${String(data.access_code)}`);

    const verify = await call('GET', `/transaction/verify/${String(data.reference)}`);
    expect(verify.status).toBe(200);
    expect(verify.json.message).toBe('Verification successful');
    const tx = dataOf(verify);
    expect(tx).toMatchObject({
      status: 'abandoned',
      amount: 500000,
      requested_amount: 500000,
      currency: 'NGN',
      paid_at: null,
      metadata: { quote_id: 'q-1' },
      gateway_response: 'The transaction was not completed',
    });
    expect((tx.customer as Record<string, unknown>).email).toBe('ada@example.com');
    expect(tx.id as number).toBeGreaterThan(2 ** 32);
  });

  it('refuses a reused reference with 400 duplicate_reference and changes nothing', async () => {
    const body = { email: 'ada@example.com', amount: 10000, reference: 'dep-0001.a=b' };
    expect((await call('POST', '/transaction/initialize', body)).status).toBe(200);
    const again = await call('POST', '/transaction/initialize', { ...body, amount: 99999 });
    expect(again.status).toBe(400);
    expect(again.json).toMatchObject({
      status: false,
      message: 'Duplicate Transaction Reference',
      type: 'validation_error',
      code: 'duplicate_reference',
    });
    const verify = await call('GET', '/transaction/verify/dep-0001.a=b');
    expect(dataOf(verify).amount).toBe(10000);
  });

  it.each([
    [{ amount: 10000 }, 'Email is required'],
    [{ email: 'not-an-email', amount: 10000 }, 'Invalid Email Address Passed'],
    [{ email: 'a@b.co' }, 'Amount is required'],
    [{ email: 'a@b.co', amount: 100.5 }, 'Invalid Amount Sent'],
    [{ email: 'a@b.co', amount: '1e5' }, 'Invalid Amount Sent'],
    [{ email: 'a@b.co', amount: -100 }, 'Invalid Amount Sent'],
    [{ email: 'a@b.co', amount: 99 }, 'Invalid Amount Sent'],
    [{ email: 'a@b.co', amount: 1_000_000_001 }, 'Invalid Amount Sent'],
    [{ email: 'a@b.co', amount: 10000, currency: 'USD' }, 'Currency not supported by merchant'],
    [{ email: 'a@b.co', amount: 10000, reference: 'has space' }, 'Invalid transaction reference'],
    [{ email: 'a@b.co', amount: 10000, callback_url: 'javascript:alert(1)' }, 'Invalid callback_url'],
  ])('refuses initialize %j with 400', async (body, message) => {
    const answer = await call('POST', '/transaction/initialize', body);
    expect(answer.status).toBe(400);
    expect(answer.json.status).toBe(false);
    expect(answer.json.message).toContain(message);
  });

  it('answers 400 "Transaction reference not found" for an unknown reference, as live does', async () => {
    const answer = await call('GET', '/transaction/verify/nope-123');
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ status: false, message: 'Transaction reference not found' });
  });

  it('lists newest first with offset meta, filters by status, and fetches by numeric id', async () => {
    const references: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call('POST', '/transaction/initialize', {
        email: `p${i}@example.com`,
        amount: 10000 * (i + 1),
      });
      references.push(dataOf(answer).reference as string);
    }
    double.control.payTransaction(references[1]!);
    const page = await call('GET', '/transaction?perPage=2&page=1');
    expect(page.json.message).toBe('Transactions retrieved');
    expect((page.json.data as { reference: string }[]).map((t) => t.reference)).toEqual([
      references[2],
      references[1],
    ]);
    expect(page.json.meta).toEqual({
      total: 3,
      total_volume: 20000,
      skipped: 0,
      perPage: 2,
      page: 1,
      pageCount: 2,
    });
    const second = await call('GET', '/transaction?perPage=2&page=2');
    expect((second.json.data as unknown[]).length).toBe(1);
    const success = await call('GET', '/transaction?status=success');
    expect((success.json.data as { reference: string }[]).map((t) => t.reference)).toEqual([references[1]]);
    expect((await call('GET', '/transaction?status=weird')).status).toBe(400);
    expect((await call('GET', '/transaction?perPage=0')).status).toBe(400);

    const id = (success.json.data as { id: number }[])[0]!.id;
    const fetched = await call('GET', `/transaction/${id}`);
    expect(fetched.status).toBe(200);
    expect(dataOf(fetched)).toMatchObject({ id, status: 'success', channel: 'card' });
    const missing = await call('GET', '/transaction/1');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ status: false, message: 'Transaction not found' });
  });

  it('moves through the statuses through control: pay, reverse; fail; and refuses impossible moves', async () => {
    const init = async (reference: string) =>
      call('POST', '/transaction/initialize', { email: 'a@b.co', amount: 250000, reference });
    await init('tx-pay');
    await init('tx-fail');
    await init('tx-walk');
    const ongoing = await controlPost(double.url, '/_sandbox/transactions/tx-walk/ongoing');
    expect(ongoing.json).toMatchObject({ status: 'ongoing' });
    const abandoned = await controlPost(double.url, '/_sandbox/transactions/tx-walk/abandon');
    expect(abandoned.json).toMatchObject({
      status: 'abandoned',
      gateway_response: 'The transaction was not completed',
    });
    for (const action of ['explode', 'constructor', 'toString'])
      expect((await controlPost(double.url, `/_sandbox/transactions/tx-walk/${action}`)).status).toBe(404);
    const paid = await controlPost(double.url, '/_sandbox/transactions/tx-pay/pay', { amount: 200000 });
    expect(paid.status).toBe(200);
    expect(paid.json).toMatchObject({
      status: 'success',
      amount: 200000,
      requested_amount: 250000,
      channel: 'card',
    });
    expect(typeof paid.json.paid_at).toBe('string');
    expect((await controlPost(double.url, '/_sandbox/transactions/tx-pay/pay')).status).toBe(409);
    const reversed = await controlPost(double.url, '/_sandbox/transactions/tx-pay/reverse');
    expect(reversed.json.status).toBe('reversed');
    const failed = await controlPost(double.url, '/_sandbox/transactions/tx-fail/fail');
    expect(failed.json).toMatchObject({ status: 'failed', gateway_response: 'Declined' });
    expect((await controlPost(double.url, '/_sandbox/transactions/tx-fail/pay')).status).toBe(409);
    expect((await controlPost(double.url, '/_sandbox/transactions/unknown/pay')).status).toBe(404);
  });

  it('accepts form-encoded bodies, as Paystack does for most POSTs', async () => {
    const response = await fetch(`${double.url}/transaction/initialize`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${double.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'email=form%40example.com&amount=20000&reference=form-1',
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { reference: string } }).data.reference).toBe('form-1');
  });

  it('refuses malformed JSON and oversized bodies in the envelope', async () => {
    const bad = await fetch(`${double.url}/transaction/initialize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${double.secretKey}`, 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: false });
    const huge = await call('POST', '/transaction/initialize', {
      email: 'a@b.co',
      amount: 10000,
      metadata: { blob: 'x'.repeat(70_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.json.status).toBe(false);
  });
});

describe('customers and dedicated accounts', () => {
  it('creates a customer, assigns a Test Bank NUBAN, and fetches it', async () => {
    const customer = await call('POST', '/customer', {
      email: 'dva@example.com',
      first_name: 'Chioma',
      last_name: 'Okafor',
      phone: '+2348012345678',
    });
    expect(customer.status).toBe(200);
    expect(customer.json.message).toBe('Customer created');
    const code = dataOf(customer).customer_code as string;
    expect(code).toMatch(/^CUS_[a-z0-9]{15}$/);
    const again = await call('POST', '/customer', { email: 'DVA@example.com' });
    expect(dataOf(again).customer_code).toBe(code);

    const dva = await call('POST', '/dedicated_account', { customer: code });
    expect(dva.status).toBe(200);
    expect(dva.json.message).toBe('NUBAN successfully created');
    const account = dataOf(dva);
    expect(account).toMatchObject({
      bank: { name: 'Test Bank', slug: 'test-bank' },
      account_name: 'RAMPARTSANDBOX/CHIOMA OKAFOR',
      assigned: true,
      active: true,
      currency: 'NGN',
    });
    expect(account.account_number).toMatch(/^[0-9]{10}$/);
    const wema = await call('POST', '/dedicated_account', { customer: code, preferred_bank: 'wema-bank' });
    expect((dataOf(wema).bank as { name: string }).name).toBe('Wema Bank');

    const fetched = await call('GET', `/dedicated_account/${String(account.id)}`);
    expect(dataOf(fetched)).toMatchObject({ account_number: account.account_number, assigned: true });
    expect((await call('GET', '/dedicated_account/77')).status).toBe(404);
  });

  it('refuses an unknown customer, an unknown provider and a bad email', async () => {
    expect((await call('POST', '/dedicated_account', { customer: 'CUS_nope' })).status).toBe(404);
    const code = dataOf(await call('POST', '/customer', { email: 'x@example.com' })).customer_code;
    for (const preferred_bank of ['no-bank', 'constructor', '__proto__']) {
      const badBank = await call('POST', '/dedicated_account', { customer: code, preferred_bank });
      expect(badBank.status).toBe(400);
    }
    expect((await call('POST', '/customer', { email: 'nope' })).status).toBe(400);
    expect((await call('POST', '/customer', {})).status).toBe(400);
  });

  it('turns a control bank transfer into a successful dedicated_nuban transaction', async () => {
    const code = dataOf(
      await call('POST', '/customer', { email: 'dep@example.com', first_name: 'A', last_name: 'B' }),
    ).customer_code as string;
    const accountNumber = dataOf(await call('POST', '/dedicated_account', { customer: code }))
      .account_number as string;
    const deposit = await controlPost(double.url, `/_sandbox/dedicated_accounts/${accountNumber}/transfer`, {
      amount: 1_500_000,
      sender_name: 'TUNDE BAKARE',
    });
    expect(deposit.status).toBe(200);
    expect(deposit.json).toMatchObject({
      status: 'success',
      amount: 1_500_000,
      channel: 'dedicated_nuban',
      fees: 15000,
      authorization: {
        channel: 'dedicated_nuban',
        card_type: 'transfer',
        sender_name: 'TUNDE BAKARE',
        receiver_bank_account_number: accountNumber,
        receiver_bank: 'Test Bank',
      },
      customer: { customer_code: code },
    });
    const verify = await call('GET', `/transaction/verify/${String(deposit.json.reference)}`);
    expect(dataOf(verify).status).toBe('success');
    expect(
      (await controlPost(double.url, '/_sandbox/dedicated_accounts/0000000000/transfer', { amount: 100 }))
        .status,
    ).toBe(404);
    expect(
      (
        await controlPost(double.url, `/_sandbox/dedicated_accounts/${accountNumber}/transfer`, {
          amount: 1.5,
        })
      ).status,
    ).toBe(400);
  });
});

describe('banks and account resolution', () => {
  it('lists Nigerian banks with their real codes and pages with the cursor', async () => {
    const all = await call('GET', '/bank?country=nigeria&currency=NGN');
    expect(all.json.message).toBe('Banks retrieved');
    const banks = all.json.data as { code: string; name: string }[];
    const byCode = new Map(banks.map((b) => [b.code, b.name]));
    expect(byCode.get('058')).toBe('Guaranty Trust Bank');
    expect(byCode.get('044')).toBe('Access Bank');
    expect(byCode.get('011')).toBe('First Bank of Nigeria');
    expect(byCode.get('057')).toBe('Zenith Bank');
    expect(byCode.get('033')).toBe('United Bank For Africa');
    expect(byCode.has('001')).toBe(false);
    expect(all.json.meta).toEqual({ next: null, previous: null, perPage: 50 });

    const first = await call('GET', '/bank?country=nigeria&use_cursor=true&perPage=10');
    expect((first.json.data as unknown[]).length).toBe(10);
    const meta = first.json.meta as { next: string; previous: null };
    expect(meta.previous).toBeNull();
    const second = await call('GET', `/bank?country=nigeria&use_cursor=true&perPage=10&next=${meta.next}`);
    const secondBanks = second.json.data as { code: string }[];
    expect(secondBanks[0]!.code).toBe(banks[10]!.code);
    const back = await call(
      'GET',
      `/bank?country=nigeria&use_cursor=true&perPage=10&previous=${(second.json.meta as { previous: string }).previous}`,
    );
    expect((back.json.data as { code: string }[])[0]!.code).toBe(banks[0]!.code);
    expect((await call('GET', '/bank?country=ghana')).json.data).toEqual([]);
    expect((await call('GET', '/bank?next=garbage')).status).toBe(400);
  });

  it('resolves known accounts and bank 001, and refuses others with the live 422', async () => {
    const known = await call('GET', '/bank/resolve?account_number=0123456789&bank_code=058');
    expect(known.status).toBe(200);
    expect(known.json).toEqual({
      status: true,
      message: 'Account number resolved',
      data: { account_number: '0123456789', account_name: 'ADAEZE CHIOMA OKAFOR', bank_id: 9 },
    });
    const test = await call('GET', '/bank/resolve?account_number=5550001111&bank_code=001');
    expect(dataOf(test).account_name).toBe('TEST ACCOUNT 5550001111');
    for (const query of [
      'account_number=0123456789&bank_code=044',
      'account_number=9999999999&bank_code=058',
      'account_number=12345&bank_code=058',
      'account_number=0123456789&bank_code=999',
    ]) {
      const answer = await call('GET', `/bank/resolve?${query}`);
      expect(answer.status).toBe(422);
      expect(answer.json).toEqual({
        status: false,
        message: 'Could not resolve account name. Check parameters or try again.',
      });
    }
    expect((await call('GET', '/bank/resolve?bank_code=058')).status).toBe(400);
  });

  it('resolves an account added through control', async () => {
    const added = await controlPost(double.url, '/_sandbox/accounts', {
      account_number: '3000000001',
      bank_code: '232',
      account_name: 'EMEKA NWOSU',
    });
    expect(added.status).toBe(200);
    const answer = await call('GET', '/bank/resolve?account_number=3000000001&bank_code=232');
    expect(dataOf(answer).account_name).toBe('EMEKA NWOSU');
  });

  it('enforces the test-mode daily resolve quota when configured, except for bank 001', async () => {
    const limited = await createPaystackDouble({ resolveQuotaPerDay: 2 });
    try {
      const limitedCall = paystackCaller(limited.url, limited.secretKey);
      const path = '/bank/resolve?account_number=0123456789&bank_code=058';
      expect((await limitedCall('GET', path)).status).toBe(200);
      expect((await limitedCall('GET', path)).status).toBe(200);
      const third = await limitedCall('GET', path);
      expect(third.status).toBe(400);
      expect(third.json.message).toMatch(/^Test mode daily limit of 3 live bank resolves exceeded/);
      expect((await limitedCall('GET', '/bank/resolve?account_number=0123456789&bank_code=001')).status).toBe(
        200,
      );
    } finally {
      await limited.close();
    }
  });
});

describe('transfer recipients', () => {
  it('creates an RCP_ recipient with the resolved name and returns the same one for the same account', async () => {
    const first = await call('POST', '/transferrecipient', {
      type: 'nuban',
      name: 'Ada',
      account_number: '0123456789',
      bank_code: '058',
    });
    expect(first.status).toBe(201);
    expect(first.json.message).toBe('Transfer recipient created successfully');
    const data = dataOf(first);
    expect(data.recipient_code).toMatch(/^RCP_[a-z0-9]{15}$/);
    expect(data.details).toEqual({
      authorization_code: null,
      account_number: '0123456789',
      account_name: 'ADAEZE CHIOMA OKAFOR',
      bank_code: '058',
      bank_name: 'Guaranty Trust Bank',
    });
    const again = await call('POST', '/transferrecipient', {
      type: 'nuban',
      name: 'Someone Else',
      account_number: '0123456789',
      bank_code: '058',
    });
    expect(again.status).toBe(201);
    expect(dataOf(again)).toEqual(data);
    const fetched = await call('GET', `/transferrecipient/${String(data.recipient_code)}`);
    expect(fetched.status).toBe(200);
    expect(dataOf(fetched)).toEqual(data);
    expect((await call('GET', `/transferrecipient/${String(data.id)}`)).status).toBe(200);
    expect((await call('GET', '/transferrecipient/RCP_nope')).status).toBe(404);
  });

  it.each([
    [{ type: 'mobile_money', name: 'A', account_number: '0123456789', bank_code: '058' }],
    [{ type: 'nuban', account_number: '0123456789', bank_code: '058' }],
    [{ type: 'nuban', name: 'A', account_number: '123', bank_code: '058' }],
    [{ type: 'nuban', name: 'A', account_number: '0123456789', bank_code: '999' }],
    [{ type: 'nuban', name: 'A', account_number: '0123456789', bank_code: '058', currency: 'GHS' }],
  ])('refuses %j with 400', async (body) => {
    const answer = await call('POST', '/transferrecipient', body);
    expect(answer.status).toBe(400);
    expect(answer.json.status).toBe(false);
  });
});

describe('transfers', () => {
  it('queues as pending, debits amount + fee, and settles to success with the money gone', async () => {
    const recipient = await recipientFor();
    const before = await balance();
    const answer = await call('POST', '/transfer', {
      source: 'balance',
      amount: 250000,
      recipient,
      reference: 'payout_0001-abc',
      reason: 'Withdrawal',
      currency: 'NGN',
    });
    expect(answer.status).toBe(200);
    expect(answer.json.message).toBe('Transfer has been queued');
    const created = dataOf(answer);
    expect(created).toMatchObject({
      status: 'pending',
      amount: 250000,
      reference: 'payout_0001-abc',
      source: 'balance',
    });
    expect(created.transfer_code).toMatch(/^TRF_[a-z0-9]{15}$/);
    expect(typeof created.recipient).toBe('number');
    expect(await balance()).toBe(before - 250000 - 1000);

    const verify = await call('GET', '/transfer/verify/payout_0001-abc');
    expect(verify.json.message).toBe('Transfer retrieved');
    expect(dataOf(verify)).toMatchObject({
      status: 'pending',
      fee_charged: 1000,
      recipient: { recipient_code: recipient },
      session: { provider: 'nip' },
    });
    const settled = await controlPost(double.url, '/_sandbox/transfers/payout_0001-abc/succeed');
    expect(settled.json).toMatchObject({ status: 'success' });
    expect(typeof settled.json.transferred_at).toBe('string');
    expect(await balance()).toBe(before - 251000);
    const byCode = await call('GET', `/transfer/${String(created.transfer_code)}`);
    expect(dataOf(byCode).status).toBe('success');
    const byId = await call('GET', `/transfer/${String(created.id)}`);
    expect(dataOf(byId).reference).toBe('payout_0001-abc');

    // A success can still turn into a reversal, which refunds.
    const reversed = await controlPost(double.url, '/_sandbox/transfers/payout_0001-abc/reverse');
    expect(reversed.json.status).toBe('reversed');
    expect(await balance()).toBe(before);
    expect((await controlPost(double.url, '/_sandbox/transfers/payout_0001-abc/fail')).status).toBe(409);
  });

  it('credits the balance back when a pending transfer fails or is reversed', async () => {
    const recipient = await recipientFor();
    const before = await balance();
    for (const [reference, action, status] of [
      ['payout-fail', 'fail', 'failed'],
      ['payout-rev', 'reverse', 'reversed'],
    ] as const) {
      await call('POST', '/transfer', { source: 'balance', amount: 600000, recipient, reference });
      expect(await balance()).toBe(before - 600000 - 2500);
      const answer = await controlPost(double.url, `/_sandbox/transfers/${reference}/${action}`);
      expect(answer.json.status).toBe(status);
      expect(await balance()).toBe(before);
    }
    const failed = await call('GET', '/transfer/verify/payout-fail');
    expect(dataOf(failed).failures).not.toBeNull();
    expect((await controlPost(double.url, '/_sandbox/transfers/payout-fail/succeed')).status).toBe(409);
    expect((await controlPost(double.url, '/_sandbox/transfers/payout-fail/explode')).status).toBe(404);
    expect((await controlPost(double.url, '/_sandbox/transfers/nope/succeed')).status).toBe(404);
  });

  it('refuses a reused reference without returning the original, and leaves the balance alone', async () => {
    const recipient = await recipientFor();
    await call('POST', '/transfer', { source: 'balance', amount: 10000, recipient, reference: 'payout-dup' });
    const after = await balance();
    const again = await call('POST', '/transfer', {
      source: 'balance',
      amount: 10000,
      recipient,
      reference: 'payout-dup',
    });
    expect(again.status).toBe(400);
    expect(again.json).toEqual({
      status: false,
      message: 'This reference has already been used on a prior transfer',
    });
    expect(await balance()).toBe(after);
  });

  it('refuses a transfer the balance cannot cover (fee included) with the live message', async () => {
    const recipient = await recipientFor();
    double.control.setBalance(10_000n);
    const answer = await call('POST', '/transfer', {
      source: 'balance',
      amount: 9_500,
      recipient,
      reference: 'payout-poor',
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      status: false,
      message: 'Your balance is not enough to fulfil this request',
    });
    expect(await balance()).toBe(10_000);
    expect((await call('GET', '/transfer/verify/payout-poor')).status).toBe(404);
    const top = await controlPost(double.url, '/_sandbox/balance', { amount: 1_000_000 });
    expect(top.json).toEqual({ balance: 1_000_000 });
  });

  it.each([
    [{ source: 'card', amount: 100 }, 'Invalid source'],
    [{ source: 'balance', amount: 0 }, 'Invalid amount'],
    [{ source: 'balance', amount: 10.5 }, 'Invalid amount'],
    [{ source: 'balance', amount: 100, recipient: 'RCP_unknown' }, 'Recipient specified is invalid'],
    [{ source: 'balance', amount: 100, reference: 'UPPER-case' }, 'Invalid transfer reference'],
  ])('refuses %j with 400', async (body, message) => {
    const recipient = await recipientFor();
    const answer = await call('POST', '/transfer', { recipient, ...body });
    expect(answer.status).toBe(400);
    expect(answer.json.message).toContain(message);
  });

  it('answers 404 "Transfer not found" for unknown references and codes', async () => {
    for (const path of ['/transfer/verify/nope', '/transfer/TRF_nope', '/transfer/123']) {
      const answer = await call('GET', path);
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ status: false, message: 'Transfer not found' });
    }
  });

  it('stops at otp when OTP is on, debits only once finalized, and refuses a wrong OTP', async () => {
    const recipient = await recipientFor();
    expect((await controlPost(double.url, '/_sandbox/otp', { enabled: true })).json).toEqual({
      otpEnabled: true,
    });
    const before = await balance();
    const answer = await call('POST', '/transfer', {
      source: 'balance',
      amount: 50000,
      recipient,
      reference: 'payout-otp',
    });
    expect(answer.json.message).toBe('Transfer requires OTP to continue');
    const code = dataOf(answer).transfer_code as string;
    expect(dataOf(answer).status).toBe('otp');
    expect(await balance()).toBe(before);
    expect((await controlPost(double.url, '/_sandbox/transfers/payout-otp/succeed')).status).toBe(409);

    const wrong = await call('POST', '/transfer/finalize_transfer', { transfer_code: code, otp: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual({ status: false, message: 'Invalid OTP' });
    const unknown = await call('POST', '/transfer/finalize_transfer', {
      transfer_code: 'TRF_nope',
      otp: '123456',
    });
    expect(unknown.json).toEqual({ status: false, message: 'Transfer code is invalid' });

    const finalized = await call('POST', '/transfer/finalize_transfer', {
      transfer_code: code,
      otp: '123456',
    });
    expect(finalized.status).toBe(200);
    expect(finalized.json.message).toBe('Transfer has been queued');
    expect(dataOf(finalized).status).toBe('pending');
    expect(await balance()).toBe(before - 50000 - 1000);
    const twice = await call('POST', '/transfer/finalize_transfer', { transfer_code: code, otp: '123456' });
    expect(twice.status).toBe(400);
    expect(await balance()).toBe(before - 51000);
  });

  it('settles queued transfers by itself when autoSettleTransfersMs is set', async () => {
    const auto = await createPaystackDouble({ autoSettleTransfersMs: 20 });
    try {
      const autoCall = paystackCaller(auto.url, auto.secretKey);
      const recipient = dataOf(
        await autoCall('POST', '/transferrecipient', {
          type: 'nuban',
          name: 'A',
          account_number: '0123456789',
          bank_code: '058',
        }),
      ).recipient_code;
      await autoCall('POST', '/transfer', {
        source: 'balance',
        amount: 10000,
        recipient,
        reference: 'payout-auto',
      });
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(dataOf(await autoCall('GET', '/transfer/verify/payout-auto')).status).toBe('success');
    } finally {
      await auto.close();
    }
  });
});

describe('API faults', () => {
  it('failNext answers the next request to that path with the status, once, and does nothing', async () => {
    const recipient = await recipientFor();
    await controlPost(double.url, '/_sandbox/faults', { failNext: { path: '/transfer', status: 500 } });
    const before = await balance();
    const failed = await call('POST', '/transfer', {
      source: 'balance',
      amount: 10000,
      recipient,
      reference: 'payout-500',
    });
    expect(failed.status).toBe(500);
    expect(failed.json.status).toBe(false);
    expect((await call('GET', '/transfer/verify/payout-500')).status).toBe(404);
    expect(await balance()).toBe(before);
    const retried = await call('POST', '/transfer', {
      source: 'balance',
      amount: 10000,
      recipient,
      reference: 'payout-500',
    });
    expect(retried.status).toBe(200);
  });

  it('an unauthenticated request does not use up a fault', async () => {
    double.control.setFaults({ failNext: { path: '/balance', status: 429 } });
    expect((await call('GET', '/balance', undefined, 'sk_test_wrong0000000')).status).toBe(401);
    expect((await call('GET', '/balance')).status).toBe(429);
    expect((await call('GET', '/balance')).status).toBe(200);
  });

  it('timeoutNext landed: hangs, answers a gateway 504, and the transfer exists', async () => {
    const recipient = await recipientFor();
    const before = await balance();
    double.control.setFaults({ timeoutNext: { path: '/transfer', landed: true } });
    const started = Date.now();
    const answer = await call('POST', '/transfer', {
      source: 'balance',
      amount: 10000,
      recipient,
      reference: 'payout-landed',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(answer.status).toBe(504);
    expect(answer.headers.get('content-type')).toMatch(/text\/html/);
    expect(answer.text).toContain('504 Gateway Time-out');
    const verify = await call('GET', '/transfer/verify/payout-landed');
    expect(verify.status).toBe(200);
    expect(dataOf(verify).status).toBe('pending');
    expect(await balance()).toBe(before - 11000);
    // Retrying with the same reference is safe: refused as a duplicate, never paid twice.
    const retry = await call('POST', '/transfer', {
      source: 'balance',
      amount: 10000,
      recipient,
      reference: 'payout-landed',
    });
    expect(retry.status).toBe(400);
    expect(await balance()).toBe(before - 11000);
  });

  it('timeoutNext not landed: hangs, answers 504, and nothing happened', async () => {
    const recipient = await recipientFor();
    const before = await balance();
    await controlPost(double.url, '/_sandbox/faults', {
      timeoutNext: { path: '/transfer', landed: false, hangMs: 50 },
    });
    const answer = await call('POST', '/transfer', {
      source: 'balance',
      amount: 10000,
      recipient,
      reference: 'payout-lost',
    });
    expect(answer.status).toBe(504);
    expect((await call('GET', '/transfer/verify/payout-lost')).status).toBe(404);
    expect(await balance()).toBe(before);
    const retry = await call('POST', '/transfer', {
      source: 'balance',
      amount: 10000,
      recipient,
      reference: 'payout-lost',
    });
    expect(retry.status).toBe(200);
  });

  it('a client that gives up before the 504 still leaves a landed transfer behind', async () => {
    const recipient = await recipientFor();
    double.control.setFaults({ timeoutNext: { path: '/transfer', landed: true, hangMs: 2_000 } });
    const aborted = fetch(`${double.url}/transfer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${double.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'balance', amount: 10000, recipient, reference: 'payout-gaveup' }),
      signal: AbortSignal.timeout(100),
    });
    await expect(aborted).rejects.toThrow();
    expect(dataOf(await call('GET', '/transfer/verify/payout-gaveup')).status).toBe('pending');
  });

  it('refuses malformed fault settings and changes nothing', async () => {
    for (const body of [
      { webhooks: 'sometimes' },
      { delayMs: -1 },
      { failNext: { path: '/transfer', status: 200 } },
      { failNext: { path: 'transfer', status: 500 } },
      { timeoutNext: { path: '/transfer' } },
    ]) {
      const answer = await controlPost(double.url, '/_sandbox/faults', body);
      expect(answer.status).toBe(400);
      expect(typeof answer.json.error).toBe('string');
    }
    expect((double.control.snapshot().faults as { armed: unknown[] }).armed).toEqual([]);
  });
});

describe('control API', () => {
  it('reports and resets the whole state', async () => {
    await recipientFor();
    await controlPost(double.url, '/_sandbox/otp', { enabled: true });
    await controlPost(double.url, '/_sandbox/webhook-url', { url: 'http://127.0.0.1:9/hook' });
    const state = (await (await fetch(`${double.url}/_sandbox/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({
      otpEnabled: true,
      webhookUrl: 'http://127.0.0.1:9/hook',
      balance: 10_000_000,
    });
    expect((state.recipients as unknown[]).length).toBe(1);
    expect((await controlPost(double.url, '/_sandbox/reset')).json).toEqual({ reset: true });
    const after = double.control.snapshot();
    expect(after).toMatchObject({ otpEnabled: false, webhookUrl: null, recipients: [], transfers: [] });
    expect((await controlPost(double.url, '/_sandbox/webhook-url', { url: 'ftp://x' })).status).toBe(400);
    expect((await controlPost(double.url, '/_sandbox/otp', { enabled: 'yes' })).status).toBe(400);
    expect((await controlPost(double.url, '/_sandbox/balance', { amount: -5 })).status).toBe(400);
    expect((await controlPost(double.url, '/_sandbox/nothing')).status).toBe(404);
  });
});
