/** The Horizon client's outcome mapping: only result codes are `failed`; everything else unknown. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHorizonClient, type HorizonPort } from '../../src/rails/stellar/horizon.js';

interface Canned {
  status: number;
  body: unknown;
  delayMs?: number;
}

const HASH = 'a'.repeat(64);
let next: Canned = { status: 200, body: {} };
let server: Server;
let client: HorizonPort;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const canned = next;
      setTimeout(() => {
        response.writeHead(canned.status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(canned.body));
      }, canned.delayMs ?? 0).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = createHorizonClient({
    url: new URL(`http://127.0.0.1:${port}`),
    network: 'sandbox',
    readTimeoutMs: 300,
    submitTimeoutMs: 300,
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('Horizon client', () => {
  it('submit: 200 is success with hash and ledger', async () => {
    next = { status: 200, body: { hash: HASH, ledger: 7, successful: true, result_xdr: 'AAAA' } };
    expect(await client.submit('AAAA')).toEqual({
      kind: 'success',
      hash: HASH,
      ledger: 7,
      resultXdr: 'AAAA',
    });
  });

  it('submit: 400 with result codes is failed, codes typed', async () => {
    next = {
      status: 400,
      body: {
        type: 'https://stellar.org/horizon-errors/transaction_failed',
        extras: {
          result_xdr: 'BBBB',
          result_codes: { transaction: 'tx_failed', operations: ['op_no_trust'] },
        },
      },
    };
    expect(await client.submit('AAAA')).toMatchObject({
      kind: 'failed',
      transactionCode: 'tx_failed',
      operationCodes: ['op_no_trust'],
      resultXdr: 'BBBB',
    });
    next = { status: 400, body: { extras: { result_codes: { transaction: 'tx_brand_new' } } } };
    expect(await client.submit('AAAA')).toMatchObject({ kind: 'failed', transactionCode: 'tx_unrecognized' });
  });

  it('submit: 504, 503, 500, 429, a timeout and a refused connection are unknown, never failed', async () => {
    for (const status of [504, 503, 500, 429]) {
      next = { status, body: { type: 'https://stellar.org/horizon-errors/transaction_submission_timeout' } };
      expect((await client.submit('AAAA')).kind).toBe('unknown');
    }
    next = { status: 200, body: { hash: HASH, ledger: 7, result_xdr: 'AAAA' }, delayMs: 1000 };
    const timedOut = await client.submit('AAAA');
    expect(timedOut).toMatchObject({ kind: 'unknown' });
    const refused = createHorizonClient({
      url: new URL('http://127.0.0.1:1'),
      network: 'sandbox',
      readTimeoutMs: 300,
      submitTimeoutMs: 300,
    });
    expect((await refused.submit('AAAA')).kind).toBe('unknown');
    expect((await refused.transactionByHash(HASH)).kind).toBe('unknown');
  });

  it('transactionByHash: found (successful or not), 404 not_found, other errors unknown', async () => {
    next = { status: 200, body: { hash: HASH, ledger: 9, successful: false, result_xdr: 'CCCC' } };
    expect(await client.transactionByHash(HASH)).toEqual({
      kind: 'found',
      hash: HASH,
      successful: false,
      ledger: 9,
      resultXdr: 'CCCC',
    });
    next = { status: 404, body: { type: 'https://stellar.org/horizon-errors/not_found' } };
    expect(await client.transactionByHash(HASH)).toEqual({ kind: 'not_found' });
    next = { status: 503, body: {} };
    expect((await client.transactionByHash(HASH)).kind).toBe('unknown');
  });

  it('loadAccount and latestLedger parse the fields they need', async () => {
    next = {
      status: 200,
      body: {
        account_id: 'GABC',
        sequence: '4294967301',
        balances: [{ asset_type: 'native', balance: '1.0000000' }],
        thresholds: { low_threshold: 0, med_threshold: 2, high_threshold: 3 },
        signers: [
          { key: 'GABC', weight: 1, type: 'ed25519_public_key' },
          { key: 'GDEF', weight: 1, type: 'ed25519_public_key' },
        ],
      },
    };
    expect(await client.loadAccount('GABC')).toEqual({
      kind: 'found',
      id: 'GABC',
      sequence: 4294967301n,
      balances: [{ asset: 'native', balance: '1.0000000' }],
      signers: [
        { key: 'GABC', weight: 1 },
        { key: 'GDEF', weight: 1 },
      ],
      mediumThreshold: 2,
    });
    // Without thresholds and signers the record is not Horizon's: unknown, never a guess.
    next = { status: 200, body: { account_id: 'GABC', sequence: '1', balances: [] } };
    expect(await client.loadAccount('GABC')).toMatchObject({ kind: 'unknown' });
    next = {
      status: 200,
      body: { history_latest_ledger: 12, history_latest_ledger_closed_at: '2025-01-01T00:00:10Z' },
    };
    expect(await client.latestLedger()).toEqual({ kind: 'ok', sequence: 12, closedAtS: 1735689610 });
  });

  it('refuses plain HTTP for the public network', () => {
    expect(() =>
      createHorizonClient({
        url: new URL('http://127.0.0.1:1'),
        network: 'public',
        readTimeoutMs: 1,
        submitTimeoutMs: 1,
      }),
    ).toThrow(/https/);
  });
});
