/**
 * SEP-1 through the real app: the stellar.toml content (read back by the SDK's own TOML resolver
 * over a real port), its headers, and escaping of operator-supplied text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Networks, StellarToml } from '@stellar/stellar-sdk';
import { databaseKinds } from '../support/databases.js';
import { startSandbox, type Sandbox } from '../support/horizon-double.js';
import { NGN_ISSUER, USDC_ISSUER, startSep10App, type Sep10App } from './sep10-support.js';

const TRICKY_NAME = 'Ada "Lovelace" \\ Sons\tLtd ]\n[evil]';

describe.each(databaseKinds)('SEP-1 stellar.toml on %s', (kind) => {
  let sandbox: Sandbox;
  let anchor: Sep10App;
  let origin: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    anchor = await startSep10App(kind, sandbox, {
      PUBLIC_URL: 'https://anchor.example:8443/',
      ORG_SUPPORT_EMAIL: 'support@anchor.example',
    });
    origin = await anchor.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await anchor.close();
    await sandbox.double.close();
  });

  it('publishes the network, the signing key, every served endpoint and the anchored assets', async () => {
    const toml = await StellarToml.Resolver.resolve(origin.replace('http://', ''), {
      allowHttp: true,
      timeout: 5000,
    });
    expect(toml).toMatchObject({
      VERSION: '2.7.0',
      NETWORK_PASSPHRASE: Networks.TESTNET,
      HORIZON_URL: sandbox.double.url.replace(/\/$/, ''),
      SIGNING_KEY: anchor.server.publicKey(),
      WEB_AUTH_ENDPOINT: 'https://anchor.example:8443/auth',
      KYC_SERVER: 'https://anchor.example:8443/sep12',
      ANCHOR_QUOTE_SERVER: 'https://anchor.example:8443/sep38',
      TRANSFER_SERVER: 'https://anchor.example:8443/sep6',
      TRANSFER_SERVER_SEP0024: 'https://anchor.example:8443/sep24',
    });
    expect(toml.DOCUMENTATION).toMatchObject({
      ORG_NAME: 'Rampart development anchor',
      ORG_URL: 'https://anchor.example:8443/',
      ORG_SUPPORT_EMAIL: 'support@anchor.example',
    });
    expect(toml.DOCUMENTATION).not.toHaveProperty('ORG_OFFICIAL_EMAIL');
    expect(toml.CURRENCIES).toEqual([
      expect.objectContaining({
        code: 'NGNC',
        issuer: NGN_ISSUER,
        status: 'test',
        display_decimals: 2,
        is_asset_anchored: true,
        anchor_asset_type: 'fiat',
        anchor_asset: 'NGN',
      }),
      expect.objectContaining({
        code: 'USDC',
        issuer: USDC_ISSUER,
        anchor_asset: 'USD',
        anchor_asset_type: 'fiat',
      }),
    ]);
    expect(String(toml.CURRENCIES?.[0]?.desc)).toMatch(/naira/);
  });

  it('serves text/plain, cacheable, to any origin, over GET and HEAD', async () => {
    const response = await anchor.app.inject({
      method: 'GET',
      url: '/.well-known/stellar.toml',
      headers: { origin: 'https://some-wallet.example' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.body.startsWith('VERSION = "2.7.0"\n')).toBe(true);
    const head = await anchor.app.inject({ method: 'HEAD', url: '/.well-known/stellar.toml' });
    expect(head.statusCode).toBe(200);
    // The rest of the API keeps its allow-list.
    const health = await anchor.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { origin: 'https://some-wallet.example' },
    });
    expect(health.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('SEP-1 stellar.toml escaping', () => {
  let sandbox: Sandbox;
  let anchor: Sep10App;
  beforeAll(async () => {
    sandbox = await startSandbox();
    anchor = await startSep10App('pglite', sandbox, {
      ORG_DESCRIPTION: TRICKY_NAME.replace(/[\t\n]/g, ' '),
      ORG_NAME: 'Ada "Lovelace" \\ Sons',
      STELLAR_NETWORK: 'sandbox',
      ASSET_USDC_ISSUER: '',
    });
  });
  afterAll(async () => {
    await anchor.close();
    await sandbox.double.close();
  });

  it('escapes quotes and backslashes so operator text cannot add keys or tables', async () => {
    const body = (await anchor.app.inject({ method: 'GET', url: '/.well-known/stellar.toml' })).body;
    expect(body).toContain('ORG_NAME = "Ada \\"Lovelace\\" \\\\ Sons"');
    expect(body).toContain('ORG_DESCRIPTION = "Ada \\"Lovelace\\" \\\\ Sons Ltd ] [evil]"');
    expect(body.match(/^\[\[CURRENCIES\]\]$/gm)).toHaveLength(1);
    expect(body).not.toMatch(/^\[evil\]/m);
  });

  it('refuses control characters in ORG_NAME at configuration time', async () => {
    const { loadConfig } = await import('../../src/config/index.js');
    const loaded = loadConfig({ RAMPART_DATA_DIR: 'memory://', ORG_NAME: 'a\nb' });
    expect(loaded.ok).toBe(false);
  });
});
