import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSeps } from '../../src/sep/index.js';
import { startTestApp, type TestApp } from '../support/app.js';

interface OpenApi {
  paths: Record<string, Record<string, { security?: unknown }>>;
  components: { securitySchemes?: Record<string, unknown> };
}

describe('OpenAPI of the SEP endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(
      'pglite',
      { STELLAR_NETWORK: 'sandbox' },
      {
        register: async (app, runtime) => {
          await registerSeps(app, runtime);
        },
      },
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists every SEP route and marks exactly the SEP-10-protected ones with the bearer scheme', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApi>();
    expect(doc.components.securitySchemes).toHaveProperty('sep10');
    const secured = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
      )
      .filter(({ op }) => op.security !== undefined)
      .map(({ route }) => route)
      .sort();
    expect(secured).toEqual([
      'DELETE /sep12/customer/{account}',
      'GET /sep12/customer',
      'GET /sep24/transaction',
      'GET /sep24/transactions',
      'GET /sep38/quote/{id}',
      'GET /sep6/deposit',
      'GET /sep6/deposit-exchange',
      'GET /sep6/transaction',
      'GET /sep6/transactions',
      'GET /sep6/withdraw',
      'GET /sep6/withdraw-exchange',
      'POST /sep24/transactions/deposit/interactive',
      'POST /sep24/transactions/withdraw/interactive',
      'POST /sep38/quote',
      'PUT /sep12/customer',
      'PUT /sep12/customer/callback',
      'PUT /sep12/customer/verification',
    ]);
    for (const open of [
      '/.well-known/stellar.toml',
      '/auth',
      '/sep6/info',
      '/sep24/info',
      '/sep38/info',
      '/sep38/prices',
      '/sep38/price',
    ]) {
      expect(doc.paths).toHaveProperty([open]);
    }
  });
});
