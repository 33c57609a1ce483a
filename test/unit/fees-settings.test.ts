/** The fee, limit and rate settings of SEP-38: validated when the configuration loads, read exactly. */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { Keypair } from '@stellar/stellar-sdk';
import { loadConfig, type Config, type Env } from '../../src/config/index.js';
import { sep38ConsistencyProblems } from '../../src/config/settings-sep38.js';
import { OperatorError } from '../../src/platform/operator-error.js';
import { buildCatalog, USDC_NGN } from '../../src/sep/sep38/catalog.js';
import { rateSourceFor } from '../../src/sep/sep38/rates.js';

const logger = pino({ level: 'silent' });
const NOW = new Date('2025-05-01T12:00:00Z');
const issuers = {
  ASSET_NGN_ISSUER: Keypair.random().publicKey(),
  ASSET_USDC_ISSUER: Keypair.random().publicKey(),
};

function config(env: Env): Config {
  const loaded = loadConfig({ RAMPART_DATA_DIR: 'memory://', ...env });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return loaded.config;
}
function problems(env: Env): readonly string[] {
  const loaded = loadConfig({ RAMPART_DATA_DIR: 'memory://', ...env });
  return loaded.ok ? [] : loaded.problems;
}

describe('fee settings', () => {
  it('default to Paystack-like schedules, in kobo', () => {
    const catalog = buildCatalog(config(issuers));
    const usdc = catalog.pairs.find((p) => p.pricing.kind === 'market');
    expect(usdc?.fees.deposit).toEqual({ fixedMinor: 10_000n, bps: 150, minMinor: 0n, maxMinor: 200_000n });
    expect(usdc?.fees.withdrawal).toEqual({ fixedMinor: 5_000n, bps: 0, minMinor: 0n, maxMinor: null });
  });

  it('are read per asset and direction', () => {
    const catalog = buildCatalog(
      config({ ...issuers, FEES_NGN_DEPOSIT: 'bps:10', FEES_USDC_WITHDRAWAL: 'none' }),
    );
    const par = catalog.pairs.find((p) => p.pricing.kind === 'par');
    expect(par?.fees.deposit).toEqual({ fixedMinor: 0n, bps: 10, minMinor: 0n, maxMinor: null });
    const usdc = catalog.pairs.find((p) => p.pricing.kind === 'market');
    expect(usdc?.fees.withdrawal.bps).toBe(0);
    expect(usdc?.fees.withdrawal.fixedMinor).toBe(0n);
  });

  it.each([
    ['FEES_NGN_DEPOSIT', 'bps:9999'],
    ['FEES_NGN_WITHDRAWAL', 'fixed:1.5'],
    ['FEES_USDC_DEPOSIT', 'min:10,max:1'],
    ['FEES_USDC_WITHDRAWAL', 'percent:1'],
  ])('refuse %s=%s at start, naming the variable', (env, value) => {
    const found = problems({ ...issuers, [env]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${env} `));
  });
});

describe('limit settings', () => {
  it('are read in whole units and scaled to each asset’s precision', () => {
    const catalog = buildCatalog(
      config({ ...issuers, SEP38_LIMITS_NGN: 'min:100.50,max:1000', SEP38_LIMITS_USDC: 'min:0.5,max:20' }),
    );
    expect(catalog.fiat.limits).toEqual({ minMinor: 10_050n, maxMinor: 100_000n });
    const [ngnToken, usdc] = catalog.stellarAssets;
    expect(ngnToken?.limits).toEqual({ minMinor: 1_005_000_000n, maxMinor: 10_000_000_000n });
    expect(usdc?.limits).toEqual({ minMinor: 5_000_000n, maxMinor: 200_000_000n });
  });

  it.each([
    ['SEP38_LIMITS_NGN', 'min:1.001,max:5'],
    ['SEP38_LIMITS_NGN', 'min:10,max:5'],
    ['SEP38_LIMITS_USDC', 'max:5'],
    ['SEP38_LIMITS_USDC', 'min:1,max:0'],
  ])('refuse %s=%s', (env, value) => {
    expect(problems({ ...issuers, [env]: value })[0]).toMatch(new RegExp(`^${env} `));
  });
});

describe('rate settings', () => {
  it('refuse a rate that is not a positive plain decimal, and unknown delivery methods', () => {
    expect(problems({ SEP38_USDC_NGN_RATE: '1e3' })[0]).toMatch(/^SEP38_USDC_NGN_RATE /);
    expect(problems({ SEP38_USDC_NGN_RATE: '0' })[0]).toMatch(/^SEP38_USDC_NGN_RATE /);
    expect(problems({ SEP38_SELL_DELIVERY_METHODS: 'card,cash' })[0]).toMatch(
      /^SEP38_SELL_DELIVERY_METHODS /,
    );
    expect(problems({ SEP38_COUNTRY_CODES: 'NGA' })[0]).toMatch(/^SEP38_COUNTRY_CODES /);
  });

  it('a fixed rate prices USDC/NGN exactly; without one the pair has no price', async () => {
    const fixed = rateSourceFor(config({ SEP38_USDC_NGN_RATE: '1530.25' }), logger);
    expect(await fixed.price(USDC_NGN, NOW)).toMatchObject({
      ok: true,
      rate: { numerator: 153025n, denominator: 100n },
    });
    const none = rateSourceFor(config({}), logger);
    expect(await none.price(USDC_NGN, NOW)).toMatchObject({ ok: false, reason: 'unsupported_pair' });
  });

  it('a feed without a URL fails at start with an operator error', () => {
    // Built by hand past loadConfig, to prove the plugin refuses it too.
    const c: Config = { ...config({}), sep38RateSource: 'feed' };
    expect(() => rateSourceFor(c, logger)).toThrow(OperatorError);
    expect(sep38ConsistencyProblems(c)).toEqual(['SEP38_RATE_SOURCE=feed needs SEP38_RATE_FEED_URL']);
    // loadConfig applies the same rules, so such a configuration never starts.
    expect(problems({ SEP38_RATE_SOURCE: 'feed' })).toEqual([
      'SEP38_RATE_SOURCE=feed needs SEP38_RATE_FEED_URL',
    ]);
    expect(problems({ SEP38_QUOTE_TTL_S: '600', SEP38_QUOTE_TTL_MAX_S: '300' })).toHaveLength(1);
  });
});
