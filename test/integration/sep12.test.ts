/**
 * SEP-12 over HTTP on both backends, with the Paystack double resolving bank accounts and a tiny
 * local server receiving signed callbacks. The outbox worker runs the SEP-12 jobs for real.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Account, Keypair, MuxedAccount } from '@stellar/stellar-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerJobHandlers } from '../../src/flows/customer-callback.js';
import { createWorker, type Worker } from '../../src/platform/outbox/worker.js';
import { PiiKeyring } from '../../src/platform/pii-crypto.js';
import { createPaystackDouble, type PaystackDouble } from '../../src/sandbox/paystack/index.js';
import { createSepContext } from '../../src/sep/context.js';
import { signSep10Jwt } from '../../src/sep/sep10/jwt.js';
import { sep12, sep12Deps } from '../../src/sep/sep12/plugin.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { databaseKinds, silentLogger } from '../support/databases.js';

const JWT_SECRET = 'sep12-integration-secret-0123456789abcdef';
const PAYSTACK_KEY = 'sk_test_sep12integration0123456789';
const PII_KEY = `it1:${randomBytes(32).toString('base64')}`;
const UPLOAD_BYTES_MAX = 20 * 1024;
const SIGNING_KEY = Keypair.random();

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  host: string;
}

/** Stringifies rows for a plaintext search: bigints as text, bytes as latin1 so any plaintext shows. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  const asBuffer = value as { type?: unknown; data?: unknown } | null;
  if (asBuffer?.type === 'Buffer' && Array.isArray(asBuffer.data))
    return Buffer.from(asBuffer.data as number[]).toString('latin1');
  return value;
}

function tokenFor(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signSep10Jwt(
    { iss: 'http://localhost:8000/auth', sub, iat: now, exp: now + 600, jti: randomBytes(8).toString('hex') },
    JWT_SECRET,
  );
}

function jpeg(bytes: number): Buffer {
  const data = randomBytes(bytes);
  data[0] = 0xff;
  data[1] = 0xd8;
  data[2] = 0xff;
  return data;
}

function multipart(
  fields: Record<string, string>,
  files: Record<string, Buffer>,
): { body: Buffer; contentType: string } {
  const boundary = `----rampart${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  for (const [name, data] of Object.entries(files)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
    );
    parts.push(data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const identityFields = {
  first_name: 'Adaeze',
  last_name: 'Okafor',
  mobile_number: '0803 123 4567',
  birth_date: '1990-04-12',
  id_type: 'bvn',
  id_number: '22123456789',
};

describe.each(databaseKinds)('SEP-12 on %s', (kind) => {
  let test: TestApp;
  let double: PaystackDouble;
  let worker: Worker;
  let callbackServer: Server;
  let callbackUrl: string;
  const received: Received[] = [];

  async function call(
    method: string,
    url: string,
    sub: string | null,
    payload?: unknown,
    contentType = 'application/json',
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (sub !== null) headers['authorization'] = `Bearer ${tokenFor(sub)}`;
    let body: string | Buffer | undefined;
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      body = Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : JSON.stringify(payload);
    }
    const response = await test.app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(body === undefined ? {} : { payload: body }),
    });
    return {
      status: response.statusCode,
      json: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>),
    };
  }

  async function runDueJobs(): Promise<void> {
    await sql`update jobs set run_at = now() where state = 'pending'`.execute(test.runtime.database.db);
    while ((await worker.runOnce()) > 0) {
      /* drain */
    }
  }

  beforeAll(async () => {
    double = await createPaystackDouble({ secretKey: PAYSTACK_KEY });
    callbackServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          host: req.headers.host ?? '',
        });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/kyc-callback`;
    test = await startTestApp(
      kind,
      {
        STELLAR_NETWORK: 'sandbox',
        JWT_SECRET,
        PAYSTACK_BASE_URL: double.url,
        PAYSTACK_SECRET_KEY: PAYSTACK_KEY,
        PII_ENCRYPTION_KEYS: PII_KEY,
        SEP12_MOBILE_VERIFICATION: 'true',
        SEP12_UPLOAD_BYTES_MAX: String(UPLOAD_BYTES_MAX),
        RATE_LIMIT_PER_MINUTE: '100000',
      },
      {
        register: async (app, runtime) => {
          const ctx = createSepContext(runtime, JWT_SECRET);
          await app.register(sep12, { ...ctx, prefix: '/sep12' });
          worker = createWorker(
            runtime.database.db,
            customerJobHandlers({ ...sep12Deps(ctx), signingKey: SIGNING_KEY, callbackTimeoutMs: 2000 }),
            { concurrency: 4, pollMs: 50, leaseMs: 10_000, logger: silentLogger },
          );
        },
      },
    );
    console.info(`sep12 suite backend: ${kind}`);
  });

  afterAll(async () => {
    await test.close();
    await double.close();
    await new Promise((resolve) => callbackServer.close(resolve));
  });

  it('refuses every route without a token (403)', async () => {
    const g = Keypair.random().publicKey();
    for (const [method, url] of [
      ['GET', '/sep12/customer'],
      ['PUT', '/sep12/customer'],
      ['PUT', '/sep12/customer/verification'],
      ['PUT', '/sep12/customer/callback'],
      ['DELETE', `/sep12/customer/${g}`],
    ] as const) {
      const answer = await call(method, url, null, method === 'GET' || method === 'DELETE' ? undefined : {});
      expect(answer.status, `${method} ${url}`).toBe(403);
    }
  });

  it('tells a new customer what each type requires, without an id', async () => {
    const g = Keypair.random().publicKey();
    const deposit = await call('GET', '/sep12/customer?type=sep24-deposit', g);
    expect(deposit.status).toBe(200);
    expect(deposit.json['id']).toBeUndefined();
    expect(deposit.json['status']).toBe('NEEDS_INFO');
    const fields = deposit.json['fields'] as Record<string, Record<string, unknown>>;
    expect(fields['first_name']).toEqual({ type: 'string', description: expect.any(String) as string });
    expect(fields['bank_account_number']?.['optional']).toBe(true);
    expect(fields['photo_id_front']).toMatchObject({ type: 'binary', optional: true });
    const withdraw = await call('GET', '/sep12/customer?type=sep6-withdraw', g);
    expect(
      (withdraw.json['fields'] as Record<string, Record<string, unknown>>)['bank_account_number']?.[
        'optional'
      ],
    ).toBeUndefined();
    const unknown = await call('GET', '/sep12/customer?type=sep31-sender', g);
    expect(unknown.status).toBe(400);
    expect(unknown.json['error']).toContain('type');
  });

  it('stores fields encrypted, asks for the mobile code, and accepts the customer once verified', async () => {
    const g = Keypair.random().publicKey();
    const put = await call('PUT', '/sep12/customer', g, {
      type: 'sep24-deposit',
      ...identityFields,
      email_address: 'Ada@Example.com',
    });
    expect(put.status).toBe(202);
    const id = put.json['id'] as string;
    const before = await call('GET', `/sep12/customer?id=${id}&type=sep24-deposit`, g);
    expect(before.json).toMatchObject({ id, status: 'NEEDS_INFO' });
    const provided = before.json['provided_fields'] as Record<string, Record<string, unknown>>;
    expect(provided['mobile_number']?.['status']).toBe('VERIFICATION_REQUIRED');
    expect(provided['first_name']?.['status']).toBe('ACCEPTED');
    expect(before.json['fields']).not.toHaveProperty('first_name');

    const wrong = await call('PUT', '/sep12/customer/verification', g, {
      id,
      mobile_number_verification: '000000',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json['error']).toContain('mobile_number_verification');
    const right = await call('PUT', '/sep12/customer/verification', g, {
      id,
      mobile_number_verification: '123456',
    });
    expect(right.status).toBe(200);
    expect(right.json).toMatchObject({ id, status: 'ACCEPTED' });
    expect(
      (right.json['provided_fields'] as Record<string, Record<string, unknown>>)['mobile_number']?.['status'],
    ).toBe('ACCEPTED');

    // Idempotent: the same number again stays verified.
    expect((await call('PUT', '/sep12/customer', g, { id, mobile_number: '+2348031234567' })).status).toBe(
      202,
    );
    expect((await call('GET', '/sep12/customer?type=sep24-deposit', g)).json['status']).toBe('ACCEPTED');

    const rows = await test.runtime.database.db
      .selectFrom('customer_fields')
      .selectAll()
      .where('customer_id', '=', id)
      .execute();
    const keyring = PiiKeyring.fromItems([PII_KEY]);
    const mobile = rows.find((r) => r.name === 'mobile_number');
    expect(keyring.decryptText(mobile?.value_ciphertext ?? '', `customer:${id}:mobile_number`)).toBe(
      '+2348031234567',
    );
    const email = rows.find((r) => r.name === 'email_address');
    expect(keyring.decryptText(email?.value_ciphertext ?? '', `customer:${id}:email_address`)).toBe(
      'ada@example.com',
    );
    const dump = JSON.stringify(
      (await sql`select * from customer_fields where customer_id = ${id}`.execute(test.runtime.database.db))
        .rows,
      jsonSafe,
    );
    for (const plain of ['Adaeze', 'Okafor', '22123456789', '8031234567', 'ada@example.com'])
      expect(dump).not.toContain(plain);
  });

  it('accepts form-urlencoded bodies', async () => {
    const g = Keypair.random().publicKey();
    const form = new URLSearchParams({
      type: 'sep6-deposit',
      first_name: 'Tunde',
      last_name: 'Bakare',
    }).toString();
    const put = await call('PUT', '/sep12/customer', g, form, 'application/x-www-form-urlencoded');
    expect(put.status).toBe(202);
    const got = await call('GET', '/sep12/customer?type=sep6-deposit', g);
    expect(Object.keys(got.json['provided_fields'] as object).sort()).toEqual(['first_name', 'last_name']);
  });

  it('names the field in every validation error and changes nothing', async () => {
    const g = Keypair.random().publicKey();
    const cases: [Record<string, unknown>, string][] = [
      [{ mobile_number: '12345' }, 'mobile_number'],
      [{ id_number: '22123456789' }, 'id_number'],
      [{ id_type: 'bvn', id_number: '12345' }, 'id_number'],
      [{ birth_date: '2015-01-01' }, 'birth_date'],
      [{ bank_account_number: '123' }, 'bank_account_number'],
      [{ first_name: 42 }, 'first_name'],
      [{ photo_id_front: 'aGVsbG8=' }, 'photo_id_front'],
      [{ state_or_province: 'Texas' }, 'state_or_province'],
    ];
    for (const [body, field] of cases) {
      const answer = await call('PUT', '/sep12/customer', g, body);
      expect(answer.status, field).toBe(400);
      expect(answer.json['error'], field).toContain(field);
    }
    expect((await call('GET', '/sep12/customer', g)).json['id']).toBeUndefined();
  });

  it('answers 404 for another subject’s id: other accounts, memo and muxed identities are distinct', async () => {
    const g = Keypair.random().publicKey();
    const memoSub = `${g}:7`;
    const muxed = new MuxedAccount(new Account(g, '0'), '7').accountId();
    const put = await call('PUT', '/sep12/customer', memoSub, { first_name: 'Ngozi' });
    const id = put.json['id'] as string;
    expect((await call('GET', `/sep12/customer?id=${id}`, memoSub)).status).toBe(200);
    for (const sub of [Keypair.random().publicKey(), g, `${g}:8`, muxed]) {
      expect((await call('GET', `/sep12/customer?id=${id}`, sub)).status, sub).toBe(404);
      expect((await call('PUT', '/sep12/customer', sub, { id, last_name: 'Eze' })).status, sub).toBe(404);
      expect((await call('PUT', '/sep12/customer/callback', sub, { id, url: callbackUrl })).status, sub).toBe(
        404,
      );
    }
    const plain = await call('GET', '/sep12/customer', g);
    expect(plain.json['id']).toBeUndefined();
    expect((await call('GET', '/sep12/customer?id=not-a-uuid', g)).status).toBe(404);
    // A memo or account that is not the token's own is refused.
    expect((await call('GET', '/sep12/customer?memo=8', memoSub)).status).toBe(403);
    expect((await call('GET', '/sep12/customer?memo=7', g)).status).toBe(403);
    expect((await call('GET', `/sep12/customer?account=${Keypair.random().publicKey()}`, g)).status).toBe(
      403,
    );
    expect((await call('GET', '/sep12/customer?memo=7', muxed)).status).toBe(200);
  });

  it('answers 404 for another account’s transaction_id', async () => {
    const owner = Keypair.random().publicKey();
    const row = await test.runtime.database.db
      .insertInto('transactions')
      .values({
        kind: 'deposit',
        protocol: 'sep6',
        status: 'incomplete',
        status_message: null,
        asset_code: 'NGNC',
        asset_issuer: null,
        stellar_account: owner,
        stellar_memo: null,
        amount_in_minor: null,
        amount_out_minor: null,
        amount_fee_minor: null,
        funds_received_at: null,
        updated_at: new Date(),
        completed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(
      (await call('GET', `/sep12/customer?type=sep6-deposit&transaction_id=${row.id}`, owner)).status,
    ).toBe(200);
    expect(
      (
        await call(
          'GET',
          `/sep12/customer?type=sep6-deposit&transaction_id=${row.id}`,
          Keypair.random().publicKey(),
        )
      ).status,
    ).toBe(404);
    expect(
      (await call('GET', `/sep12/customer?type=sep6-deposit&transaction_id=${row.id}`, `${owner}:1`)).status,
    ).toBe(404);
    expect((await call('GET', `/sep12/customer?transaction_id=${row.id}`, owner)).status).toBe(400);
  });

  it('accepts documents by content within the size limit, refusing others with the field named', async () => {
    const g = Keypair.random().publicKey();
    const ok = multipart({ type: 'sep24-deposit', first_name: 'Adaeze' }, { photo_id_front: jpeg(4000) });
    const put = await call('PUT', '/sep12/customer', g, ok.body, ok.contentType);
    expect(put.status).toBe(202);
    const got = await call('GET', '/sep12/customer?type=sep24-deposit', g);
    expect(
      (got.json['provided_fields'] as Record<string, Record<string, unknown>>)['photo_id_front'],
    ).toMatchObject({ type: 'binary', status: 'PROCESSING' });
    const stored = await test.runtime.database.db
      .selectFrom('customer_fields')
      .select(['content_type', 'size_bytes', 'file_ciphertext'])
      .where('name', '=', 'photo_id_front')
      .where('customer_id', '=', put.json['id'] as string)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ content_type: 'image/jpeg', size_bytes: 4000 });

    const big = multipart({}, { photo_id_back: jpeg(UPLOAD_BYTES_MAX + 1) });
    const tooBig = await call('PUT', '/sep12/customer', g, big.body, big.contentType);
    expect(tooBig.status).toBe(413);
    expect(tooBig.json['error']).toContain('photo_id_back');

    const gif = multipart({}, { photo_id_front: Buffer.from('GIF89a........') });
    const wrongType = await call('PUT', '/sep12/customer', g, gif.body, gif.contentType);
    expect(wrongType.status).toBe(400);
    expect(wrongType.json['error']).toContain('photo_id_front');

    const huge = multipart({}, { photo_id_front: jpeg(UPLOAD_BYTES_MAX * 5) });
    expect((await call('PUT', '/sep12/customer', g, huge.body, huge.contentType)).status).toBe(413);
    const unknownField = multipart({}, { selfie: jpeg(100) });
    expect(
      (await call('PUT', '/sep12/customer', g, unknownField.body, unknownField.contentType)).json['error'],
    ).toContain('selfie');
  });

  it('accepts bank details whose account name matches the KYC name', async () => {
    const g = Keypair.random().publicKey();
    const put = await call('PUT', '/sep12/customer', g, {
      type: 'sep24-withdraw',
      first_name: 'Adaeze',
      last_name: 'Okafor',
      bank_account_number: '0123456789',
      bank_number: '058',
    });
    const got = await call('GET', '/sep12/customer?type=sep24-withdraw', g);
    const provided = got.json['provided_fields'] as Record<string, Record<string, unknown>>;
    expect(provided['bank_account_number']?.['status']).toBe('ACCEPTED');
    expect(provided['bank_number']?.['status']).toBe('ACCEPTED');
    const row = await test.runtime.database.db
      .selectFrom('customers')
      .select(['bank_check', 'bank_check_score', 'bank_checked_name'])
      .where('id', '=', put.json['id'] as string)
      .executeTakeFirstOrThrow();
    expect(row.bank_check).toBe('matched');
    expect(Number(row.bank_check_score)).toBe(1);
    expect(row.bank_checked_name).not.toContain('OKAFOR');
  });

  it('rejects bank details named for someone else, with a clear message (NEEDS_INFO)', async () => {
    const g = Keypair.random().publicKey();
    await call('PUT', '/sep12/customer', g, {
      type: 'sep24-withdraw',
      ...identityFields,
      first_name: 'Ngozi',
      last_name: 'Eze',
      bank_account_number: '0123456789',
      bank_number: '058',
    });
    const got = await call('GET', '/sep12/customer?type=sep24-withdraw', g);
    expect(got.json['status']).toBe('NEEDS_INFO');
    const provided = got.json['provided_fields'] as Record<string, Record<string, unknown>>;
    expect(provided['bank_account_number']).toMatchObject({
      status: 'REJECTED',
      error: expect.stringContaining('does not match your name') as string,
    });
    expect(JSON.stringify(got.json)).not.toContain('ADAEZE');
    const unknownAccount = await call('PUT', '/sep12/customer', g, { bank_account_number: '9999999999' });
    expect(unknownAccount.status).toBe(202);
    const after = await call('GET', '/sep12/customer?type=sep24-withdraw', g);
    expect(
      (after.json['provided_fields'] as Record<string, Record<string, unknown>>)['bank_account_number']?.[
        'error'
      ],
    ).toContain('No account');
  });

  it('keeps an unsettled bank check PROCESSING and settles it from the retry job', async () => {
    const g = Keypair.random().publicKey();
    double.control.setFaults({ failNext: { path: '/bank/resolve', status: 500 } });
    await call('PUT', '/sep12/customer', g, {
      type: 'sep24-withdraw',
      first_name: 'Adaeze',
      last_name: 'Okafor',
      bank_account_number: '0123456789',
      bank_number: '058',
    });
    const pending = await call('GET', '/sep12/customer?type=sep24-withdraw', g);
    expect(
      (pending.json['provided_fields'] as Record<string, Record<string, unknown>>)['bank_account_number']?.[
        'status'
      ],
    ).toBe('PROCESSING');
    await runDueJobs();
    const settled = await call('GET', '/sep12/customer?type=sep24-withdraw', g);
    expect(
      (settled.json['provided_fields'] as Record<string, Record<string, unknown>>)['bank_account_number']?.[
        'status'
      ],
    ).toBe('ACCEPTED');
  });

  it('posts signed status changes to the callback URL through the outbox', async () => {
    const g = Keypair.random().publicKey();
    const put = await call('PUT', '/sep12/customer', g, { type: 'sep6-deposit', first_name: 'Adaeze' });
    const id = put.json['id'] as string;
    const https = await call('PUT', '/sep12/customer/callback', g, { id, url: 'ftp://example.com/x' });
    expect(https.status).toBe(400);
    expect(https.json['error']).toContain('url');
    expect((await call('PUT', '/sep12/customer/callback', g, { id, url: callbackUrl })).status).toBe(200);
    received.length = 0;
    await call('PUT', '/sep12/customer', g, { ...identityFields, type: 'sep6-deposit' });
    await call('PUT', '/sep12/customer/verification', g, { id, mobile_number_verification: '123456' });
    const jobs = await test.runtime.database.db
      .selectFrom('jobs')
      .select(['type', 'state'])
      .where('type', '=', 'sep12.callback')
      .where(sql<string>`payload->>'customerId'`, '=', id)
      .execute();
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    await runDueJobs();
    expect(received.length).toBeGreaterThanOrEqual(1);
    const last = received.at(-1)!;
    const header = String(last.headers['signature']);
    const match = /^t=(\d+), s=(.+)$/.exec(header);
    expect(match).not.toBeNull();
    const payload = Buffer.from(`${match![1]}.${last.host}.${last.body}`);
    expect(
      Keypair.fromPublicKey(SIGNING_KEY.publicKey()).verify(payload, Buffer.from(match![2]!, 'base64')),
    ).toBe(true);
    expect(Math.abs(Number(match![1]) - Date.now() / 1000)).toBeLessThan(60);
    const body = JSON.parse(last.body) as Record<string, unknown>;
    expect(body).toMatchObject({ id, status: 'ACCEPTED' });
    expect(body).toEqual((await call('GET', '/sep12/customer?type=sep6-deposit', g)).json);
    // ACCEPTED is final: the callback is cleared, as SEP-12 says.
    const customer = await test.runtime.database.db
      .selectFrom('customers')
      .select('callback_url')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(customer.callback_url).toBeNull();
  });

  it('erases personal data on DELETE, keeping a tombstone; the customer is new again', async () => {
    const g = Keypair.random().publicKey();
    const form = multipart(
      {
        type: 'sep24-withdraw',
        ...identityFields,
        bank_account_number: '0123456789',
        bank_number: '058',
        address: '12 Marina',
        city: 'Lagos',
        state_or_province: 'Lagos',
      },
      { photo_id_front: jpeg(2000) },
    );
    const put = await call('PUT', '/sep12/customer', g, form.body, form.contentType);
    expect(put.status).toBe(202);
    const id = put.json['id'] as string;
    await call('PUT', '/sep12/customer/callback', g, { id, url: callbackUrl });
    expect((await call('DELETE', `/sep12/customer/${Keypair.random().publicKey()}`, g)).status).toBe(404);
    expect((await call('DELETE', `/sep12/customer/${g}`, `${g}:5`)).status).toBe(404);

    const deleted = await call('DELETE', `/sep12/customer/${g}`, g);
    expect(deleted.status).toBe(200);
    const db = test.runtime.database.db;
    expect(
      await db.selectFrom('customer_fields').selectAll().where('customer_id', '=', id).execute(),
    ).toEqual([]);
    const tombstone = await db
      .selectFrom('customers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(tombstone).toMatchObject({
      subject: null,
      stellar_account: null,
      memo: null,
      callback_url: null,
      bank_checked_name: null,
      id_type: null,
    });
    expect(tombstone.subject_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(tombstone.erased_at).not.toBeNull();
    const everything =
      JSON.stringify((await sql`select * from customers where id = ${id}`.execute(db)).rows, jsonSafe) +
      JSON.stringify(
        (await sql`select * from customer_events where customer_id = ${id}`.execute(db)).rows,
        jsonSafe,
      );
    for (const plain of [g, 'Adaeze', 'Okafor', '22123456789', '0123456789', 'Marina', callbackUrl])
      expect(everything).not.toContain(plain);
    const events = await db
      .selectFrom('customer_events')
      .select('kind')
      .where('customer_id', '=', id)
      .execute();
    expect(events.map((e) => e.kind)).toContain('erased');

    const again = await call('GET', '/sep12/customer?type=sep24-withdraw', g);
    expect(again.json['id']).toBeUndefined();
    expect(again.json['status']).toBe('NEEDS_INFO');
    expect((await call('GET', `/sep12/customer?id=${id}`, g)).status).toBe(404);
    expect((await call('DELETE', `/sep12/customer/${g}`, g)).status).toBe(404);
  });
});
