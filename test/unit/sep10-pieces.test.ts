import { describe, expect, it } from 'vitest';
import { Account, Keypair, MuxedAccount } from '@stellar/stellar-sdk';
import { loadConfig } from '../../src/config/index.js';
import { HttpError } from '../../src/platform/http/errors.js';
import { renderToml, tomlString } from '../../src/sep/sep1/toml.js';
import { parseAccountSigners } from '../../src/rails/stellar/horizon.js';
import { chooseHomeDomain, parseClientAccount } from '../../src/sep/sep10/challenge.js';
import { sep10Domains } from '../../src/sep/sep10/domains.js';
import { parseFormBody } from '../../src/sep/sep10/form-body.js';
import { sep10SigningKeypair } from '../../src/sep/sep10/signing-key.js';

function config(env: Record<string, string>) {
  const loaded = loadConfig({ RAMPART_DATA_DIR: 'memory://', ...env });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return loaded.config;
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error.code;
    throw error;
  }
  return undefined;
}

describe('SEP-10 domains', () => {
  it('defaults home and web auth domain to PUBLIC_URL host, keeping a non-default port', () => {
    expect(sep10Domains(config({ PUBLIC_URL: 'https://Anchor.Example/' }))).toEqual({
      webAuthEndpoint: 'https://anchor.example/auth',
      homeDomains: ['anchor.example'],
      webAuthDomain: 'anchor.example',
    });
    expect(sep10Domains(config({ PUBLIC_URL: 'http://localhost:8000/base/' }))).toEqual({
      webAuthEndpoint: 'http://localhost:8000/base/auth',
      homeDomains: ['localhost:8000'],
      webAuthDomain: 'localhost:8000',
    });
  });

  it('takes the configured lists, and refuses domains that do not fit a manage-data key', () => {
    const domains = sep10Domains(
      config({ SEP10_HOME_DOMAINS: 'a.example, b.example', SEP10_WEB_AUTH_DOMAIN: 'auth.a.example' }),
    );
    expect(domains.homeDomains).toEqual(['a.example', 'b.example']);
    expect(domains.webAuthDomain).toBe('auth.a.example');
    expect(loadConfig({ SEP10_HOME_DOMAINS: `${'a'.repeat(56)}.com` }).ok).toBe(false);
    expect(loadConfig({ SEP10_HOME_DOMAINS: 'Upper.Example' }).ok).toBe(false);
    expect(loadConfig({ SEP10_WEB_AUTH_DOMAIN: 'https://x.example' }).ok).toBe(false);
  });

  it('picks the requested home domain when served, the first otherwise', () => {
    const domains = sep10Domains(config({ SEP10_HOME_DOMAINS: 'a.example,b.example' }));
    expect(chooseHomeDomain(undefined, domains)).toBe('a.example');
    expect(chooseHomeDomain('B.example', domains)).toBe('b.example');
    expect(codeOf(() => chooseHomeDomain('c.example', domains))).toBe('invalid_home_domain');
  });
});

describe('SEP-10 signing key', () => {
  it('uses SEP10_SIGNING_SECRET when set', () => {
    const key = Keypair.random();
    expect(sep10SigningKeypair(config({ SEP10_SIGNING_SECRET: key.secret() }), 'x').publicKey()).toBe(
      key.publicKey(),
    );
  });

  it('derives a stable key from the JWT secret otherwise, different per secret', () => {
    const settings = config({});
    const a = sep10SigningKeypair(settings, 'secret-a').publicKey();
    expect(sep10SigningKeypair(settings, 'secret-a').publicKey()).toBe(a);
    expect(sep10SigningKeypair(settings, 'secret-b').publicKey()).not.toBe(a);
  });
});

describe('SEP-10 client account', () => {
  const g = Keypair.random().publicKey();
  const m = new MuxedAccount(new Account(g, '0'), '3').accountId();

  it('accepts G… with or without an ID memo, and M… without one', () => {
    expect(parseClientAccount(g, undefined)).toEqual({ account: g, memo: null });
    expect(parseClientAccount(g, '0')).toEqual({ account: g, memo: '0' });
    expect(parseClientAccount(g, '18446744073709551615').memo).toBe('18446744073709551615');
    expect(parseClientAccount(m, undefined)).toEqual({ account: m, memo: null });
  });

  it('refuses other accounts and memos', () => {
    expect(codeOf(() => parseClientAccount('GABC', undefined))).toBe('invalid_account');
    expect(codeOf(() => parseClientAccount(Keypair.random().secret(), undefined))).toBe('invalid_account');
    expect(codeOf(() => parseClientAccount(m, '1'))).toBe('invalid_memo');
    for (const memo of ['18446744073709551616', '01', '-1', ' 1', 'x'])
      expect(
        codeOf(() => parseClientAccount(g, memo)),
        memo,
      ).toBe('invalid_memo');
  });
});

describe('TOML writer', () => {
  it('escapes quotes, backslashes and control characters', () => {
    expect(tomlString('a"b\\c\n\t\u0001\u007f é')).toBe('"a\\"b\\\\c\\n\\t\\u0001\\u007f é"');
  });

  it('writes root keys, tables and arrays of tables, omitting absent values', () => {
    expect(
      renderToml({
        root: { VERSION: '2.7.0', ABSENT: undefined },
        tables: { DOCUMENTATION: { ORG_NAME: 'X' } },
        arrays: { CURRENCIES: [{ code: 'A', display_decimals: 2, is_asset_anchored: true }] },
      }),
    ).toBe(
      'VERSION = "2.7.0"\n\n[DOCUMENTATION]\nORG_NAME = "X"\n\n[[CURRENCIES]]\ncode = "A"\ndisplay_decimals = 2\nis_asset_anchored = true\n',
    );
  });

  it('refuses keys that are not bare keys (a programmer error)', () => {
    expect(() => renderToml({ root: { 'A B': 'x' }, tables: {}, arrays: {} })).toThrow(/bare key/);
  });
});

describe('form body', () => {
  it('decodes fields, keeping __proto__ a plain field', () => {
    const body = parseFormBody('transaction=AA%2B%2F%3D&__proto__=x');
    expect(body['transaction']).toBe('AA+/=');
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.hasOwn(body, '__proto__')).toBe(true);
  });

  it('refuses repeated and too many fields', () => {
    expect(() => parseFormBody('transaction=a&transaction=b')).toThrow(/repeated/);
    expect(() => parseFormBody(Array.from({ length: 17 }, (_, i) => `f${i}=1`).join('&'))).toThrow(
      /too many/,
    );
  });
});

describe('Horizon account signers', () => {
  const master = Keypair.random().publicKey();
  const record = {
    thresholds: { low_threshold: 1, med_threshold: 2, high_threshold: 3 },
    signers: [
      { key: master, weight: 1, type: 'ed25519_public_key' },
      { key: 'TABC', weight: 1, type: 'preauth_tx' },
      { key: Keypair.random().publicKey(), weight: 0, type: 'ed25519_public_key' },
    ],
  };

  it('keeps ed25519 signers with weight, and the medium threshold', () => {
    expect(parseAccountSigners(record)).toEqual({
      mediumThreshold: 2,
      signers: [{ key: master, weight: 1 }],
    });
  });

  it('refuses records with missing or out-of-range fields', () => {
    expect(parseAccountSigners({})).toBeNull();
    expect(parseAccountSigners({ ...record, thresholds: { med_threshold: 256 } })).toBeNull();
    expect(
      parseAccountSigners({ ...record, signers: [{ key: master, weight: -1, type: 'ed25519_public_key' }] }),
    ).toBeNull();
    expect(
      parseAccountSigners({ ...record, signers: Array.from({ length: 22 }, () => record.signers[0]) }),
    ).toBeNull();
  });
});
