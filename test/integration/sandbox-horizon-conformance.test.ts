/**
 * The double's responses validated against Horizon's own OpenAPI (shared/reference/
 * horizon-openapi.yml). Where the real Horizon differs from its spec, the test follows the real
 * service and says so next to the adjustment.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Asset, Keypair, Memo, Operation } from '@stellar/stellar-sdk';
import { build, fetchJson, funded, startSandbox, submit, type Sandbox } from '../support/horizon-double.js';

const SPEC_PATH = '/work/shared/reference/horizon-openapi.yml';

type Schema = Record<string, unknown>;

const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
// Horizon's spec uses Go integer formats JSON Schema does not define; integers are checked by type.
// `link` marks (possibly templated) hrefs, which are not plain URIs.
for (const format of ['int32', 'int64', 'uint32', 'uint64', 'link']) ajv.addFormat(format, true);
// The spec gives transaction `signatures` the account-id pattern (G…); real Horizon sends the
// base64 signatures (go-stellar-sdk `Transaction.Signatures`), so the check follows the service.
const components = {
  ...spec.components,
  schemas: {
    ...spec.components.schemas,
    signatures: { type: 'array', items: { type: 'string', contentEncoding: 'base64' } },
  },
};
ajv.addSchema({ $id: 'horizon', components }, 'horizon');

/** Rewrites the spec's local `#/components/…` references to the registered document. */
function rooted(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rooted);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === '$ref' && typeof value === 'string' ? `horizon${value}` : rooted(value);
  }
  return out;
}

function compile(schema: unknown): ValidateFunction {
  return ajv.compile(rooted(schema) as Schema);
}

function responseSchema(path: string, method: string, status = '200'): Schema {
  const content = spec.paths[path]?.[method]?.responses[status]?.content;
  const schema = content?.['application/json']?.schema;
  if (schema === undefined) throw new Error(`no ${status} schema for ${method} ${path}`);
  return schema;
}

function expectValid(validate: ValidateFunction, body: unknown): void {
  const ok = validate(body);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
  expect(ok).toBe(true);
}

let sandbox: Sandbox;
let holder: Keypair;
let paymentHash: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  const issuer = await funded(sandbox);
  holder = await funded(sandbox);
  const usdc = new Asset('USDC', issuer.publicKey());
  await submit(sandbox, holder, [Operation.changeTrust({ asset: usdc })], { memo: Memo.text('trust') });
  const paid = await submit(sandbox, issuer, [
    Operation.payment({ destination: holder.publicKey(), asset: usdc, amount: '7' }),
  ]);
  paymentHash = paid.hash;
});

afterAll(async () => {
  await sandbox.double.close();
});

describe('responses conform to horizon-openapi.yml', () => {
  it('GET /accounts/{id} (Links + Account)', async () => {
    const { body } = await fetchJson(`${sandbox.double.url}/accounts/${holder.publicKey()}`);
    expectValid(compile(responseSchema('/accounts/{account_id}', 'get')), body);
  });

  it('GET /transactions/{hash} (Transaction-2)', async () => {
    const { body } = await fetchJson(`${sandbox.double.url}/transactions/${paymentHash}`);
    expectValid(compile(responseSchema('/transactions/{transaction_hash}', 'get')), body);
  });

  it('GET /payments: the page has Links and each record matches one payment schema', async () => {
    const { body } = await fetchJson(`${sandbox.double.url}/payments?limit=200&join=transactions`);
    // The spec puts the record schema (allOf Links + oneOf record types) on the whole response;
    // real Horizon returns a HAL page of such records, so the page and its records are checked apart.
    // Its oneOf is also ambiguous (CreateAccount and Payment do not exclude each other), so each
    // record is checked against the schema its `type` names.
    const schema = responseSchema('/payments', 'get') as { allOf: Schema[] };
    const [links] = schema.allOf;
    expectValid(compile(links), body);
    const page = body as { _embedded: { records: { type: string }[] } };
    const byType: Record<string, string> = {
      create_account: 'CreateAccount',
      payment: 'Payment',
      path_payment_strict_receive: 'PathPaymentStrictReceive',
      path_payment_strict_send: 'PathPaymentStrictSend',
    };
    expect(page._embedded.records.map((r) => r.type)).toEqual([
      'create_account',
      'create_account',
      'payment',
    ]);
    for (const item of page._embedded.records) {
      const name = byType[item.type] ?? 'missing';
      expectValid(compile({ allOf: [links, { $ref: `#/components/schemas/${name}` }] }), item);
    }
  });

  it('GET /fee_stats (FeeStats)', async () => {
    const { body } = await fetchJson(`${sandbox.double.url}/fee_stats`);
    expectValid(compile(responseSchema('/fee_stats', 'get')), body);
  });

  it('POST /transactions: 200 is the transaction record, 400 is a Problem', async () => {
    const tx = await build(sandbox, holder, [
      Operation.payment({ destination: sandbox.double.rootAccountId, asset: Asset.native(), amount: '1' }),
    ]);
    const ok = await fetchJson(`${sandbox.double.url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ tx: tx.toXdr() }).toString(),
    });
    expect(ok.status).toBe(200);
    // The spec wraps the record in `_embedded.records`; real Horizon (and the SDK, which reads
    // `response.data.result_xdr`) returns the record itself. It also lists `result_meta_xdr` as
    // required, which Horizon omits when transaction meta is disabled; the double never sends it.
    const submitted = spec.components.schemas['SubmitTransaction'] as {
      properties: { _embedded: { properties: { records: { items: Schema & { required: string[] } } } } };
    };
    const item = submitted.properties._embedded.properties.records.items;
    expectValid(
      compile({ ...item, required: item.required.filter((field) => field !== 'result_meta_xdr') }),
      ok.body,
    );

    const bad = await fetchJson(`${sandbox.double.url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ tx: tx.toXdr() }).toString().replace('tx=', 'tx=A'),
    });
    expect(bad.status).toBe(400);
    expectValid(compile({ $ref: '#/components/schemas/Problem' }), bad.body);
  });

  it('GET / has the fields of Horizon root (not described in the OpenAPI file)', async () => {
    const { body, headers } = await fetchJson(`${sandbox.double.url}/`);
    // horizon-openapi.yml has no `/` path; the fields come from go-stellar-sdk's `horizon.Root`.
    const root = compile({
      type: 'object',
      required: [
        '_links',
        'horizon_version',
        'core_version',
        'ingest_latest_ledger',
        'history_latest_ledger',
        'history_latest_ledger_closed_at',
        'history_elder_ledger',
        'core_latest_ledger',
        'network_passphrase',
        'current_protocol_version',
        'supported_protocol_version',
        'core_supported_protocol_version',
      ],
      properties: {
        history_latest_ledger: { type: 'integer' },
        core_latest_ledger: { type: 'integer' },
        network_passphrase: { const: 'Test SDF Network ; September 2015' },
        history_latest_ledger_closed_at: { type: 'string', format: 'date-time' },
      },
    });
    expectValid(root, body);
    expect(headers.get('content-type')).toContain('application/hal+json');
    expect(Number(headers.get('latest-ledger'))).toBeGreaterThan(1);
    expect(headers.get('date')).not.toBeNull();
  });

  it('POST /transactions_async (AsyncTransactionSubmissionResponse)', async () => {
    const tx = await build(sandbox, holder, [
      Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '1' }),
    ]);
    const response = await fetchJson(`${sandbox.double.url}/transactions_async`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ tx: tx.toXdr() }).toString(),
    });
    expect(response.status).toBe(201);
    expectValid(compile({ $ref: '#/components/schemas/AsyncTransactionSubmissionResponse' }), response.body);
  });
});
