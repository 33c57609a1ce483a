import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import {
  FEED_BODY_BYTES_MAX,
  checkFresh,
  fixedRateSource,
  priceFeedSource,
  readPriceDocument,
  type PriceFeedOptions,
} from '../../src/rails/rates/index.js';
import { startPriceFeedDouble, type PriceFeedDouble } from '../../src/sandbox/rates/feed-double.js';

const logger = pino({ level: 'silent' });
const USDC_NGN = { base: 'USDC', counter: 'NGN' };
const NOW = new Date('2025-05-01T12:00:00.000Z');
const secondsBefore = (s: number): Date => new Date(NOW.getTime() - s * 1000);

describe('fixed rate source', () => {
  const source = fixedRateSource([{ pair: USDC_NGN, rate: { numerator: 153025n, denominator: 100n } }]);

  it('answers its exact rate, observed now', async () => {
    expect(await source.price(USDC_NGN, NOW)).toEqual({
      ok: true,
      rate: { numerator: 153025n, denominator: 100n },
      observedAt: NOW,
      source: 'fixed',
    });
  });

  it('knows no other pair', async () => {
    const answer = await source.price({ base: 'EURC', counter: 'NGN' }, NOW);
    expect(answer).toMatchObject({ ok: false, reason: 'unsupported_pair' });
  });
});

describe('checkFresh', () => {
  const observed = (at: Date) =>
    ({ ok: true, rate: { numerator: 1n, denominator: 1n }, observedAt: at, source: 't' }) as const;

  it('passes a price within the age limit, to the millisecond', () => {
    expect(checkFresh(observed(secondsBefore(60)), NOW, 60_000).ok).toBe(true);
  });

  it('refuses a price older than the limit as stale', () => {
    expect(checkFresh(observed(new Date(NOW.getTime() - 60_001)), NOW, 60_000)).toMatchObject({
      ok: false,
      reason: 'stale',
    });
  });

  it('refuses a price stamped well in the future (it would stretch the age limit)', () => {
    expect(checkFresh(observed(new Date(NOW.getTime() + 60_000)), NOW, 60_000)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });
});

describe('readPriceDocument', () => {
  it.each([
    ['{"price":"1530.25","timestamp":"2025-05-01T12:00:00Z"}', true],
    ['{"pair":"USDC/NGN","price":"1530.25","timestamp":"2025-05-01T13:00:00.123+01:00"}', true],
    ['not json', false],
    ['[1]', false],
    ['{"price":1530.25,"timestamp":"2025-05-01T12:00:00Z"}', false],
    ['{"price":"1530.25"}', false],
    ['{"price":"1530.25","timestamp":"2025-05-01 12:00"}', false],
    ['{"price":"1530.25","timestamp":"2025-05-01T12:00:00"}', false],
    ['{"price":"1530.25","timestamp":"2025-13-45T12:00:00Z"}', false],
    ['{"pair":"EURC/NGN","price":"1530.25","timestamp":"2025-05-01T12:00:00Z"}', false],
  ])('%s → accepted: %s', (text, accepted) => {
    expect(readPriceDocument(text, USDC_NGN).ok).toBe(accepted);
  });
});

describe('price feed over HTTP', () => {
  let feed: PriceFeedDouble;
  beforeAll(async () => {
    feed = await startPriceFeedDouble();
  });
  afterAll(async () => {
    await feed.close();
  });

  const source = (overrides: Partial<PriceFeedOptions> = {}) =>
    priceFeedSource({
      url: feed.url,
      pair: USDC_NGN,
      timeoutMs: 1000,
      maxAgeMs: 60_000,
      cacheMs: 0,
      logger,
      ...overrides,
    });

  it('answers a fresh price exactly, with the time the feed observed it', async () => {
    feed.quote('1530.25', secondsBefore(5));
    expect(await source().price(USDC_NGN, NOW)).toMatchObject({
      ok: true,
      rate: { numerator: 153025n, denominator: 100n },
      observedAt: secondsBefore(5),
    });
  });

  it('never answers a price older than the age limit', async () => {
    feed.quote('1530.25', secondsBefore(61));
    expect(await source().price(USDC_NGN, NOW)).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('gives up after its timeout on a hung feed', async () => {
    feed.quote('1530.25', secondsBefore(1));
    feed.answer({ delayMs: 2000 });
    const started = Date.now();
    expect(await source({ timeoutMs: 150 }).price(USDC_NGN, NOW)).toMatchObject({
      ok: false,
      reason: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it.each([
    ['a body that is not JSON', { body: '<html>', status: 200 }, 'malformed'],
    ['a numeric price', { body: { price: 1530.25, timestamp: NOW.toISOString() }, status: 200 }, 'malformed'],
    ['a zero price', { body: { price: '0', timestamp: NOW.toISOString() }, status: 200 }, 'malformed'],
    [
      'a price with a sign',
      { body: { price: '-1', timestamp: NOW.toISOString() }, status: 200 },
      'malformed',
    ],
    ['a missing timestamp', { body: { price: '1530.25' }, status: 200 }, 'malformed'],
    [
      'another pair',
      { body: { pair: 'NGN/USDC', price: '1', timestamp: NOW.toISOString() }, status: 200 },
      'malformed',
    ],
    ['an oversized body', { body: 'x'.repeat(FEED_BODY_BYTES_MAX + 1), status: 200 }, 'malformed'],
    ['HTTP 500', { body: { error: 'down' }, status: 500 }, 'http_status'],
    ['HTTP 302', { body: '', status: 302 }, 'http_status'],
  ])('refuses %s', async (_name, answer, reason) => {
    feed.answer({ ...answer, delayMs: 0 });
    expect(await source().price(USDC_NGN, NOW)).toMatchObject({ ok: false, reason });
  });

  it('reports an unreachable feed', async () => {
    const closed = await startPriceFeedDouble();
    await closed.close();
    const answer = await source({ url: closed.url }).price(USDC_NGN, NOW);
    expect(answer).toMatchObject({ ok: false, reason: 'unreachable' });
  });

  it('prices only its own pair', async () => {
    expect(await source().price({ base: 'EURC', counter: 'NGN' }, NOW)).toMatchObject({
      ok: false,
      reason: 'unsupported_pair',
    });
  });

  it('reuses one answer within cacheMs and shares one call among concurrent callers', async () => {
    feed.quote('1500', secondsBefore(1));
    const cached = source({ cacheMs: 10_000 });
    const before = feed.calls();
    const answers = await Promise.all([cached.price(USDC_NGN, NOW), cached.price(USDC_NGN, NOW)]);
    await cached.price(USDC_NGN, new Date(NOW.getTime() + 5000));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(feed.calls() - before).toBe(1);
  });

  it('applies the age limit to a kept answer at every use', async () => {
    feed.quote('1500', secondsBefore(55));
    const cached = source({ cacheMs: 30_000 });
    expect((await cached.price(USDC_NGN, NOW)).ok).toBe(true);
    expect(await cached.price(USDC_NGN, new Date(NOW.getTime() + 10_000))).toMatchObject({
      ok: false,
      reason: 'stale',
    });
  });

  it('asks again once the kept answer is older than cacheMs', async () => {
    feed.quote('1500', secondsBefore(1));
    const cached = source({ cacheMs: 1000 });
    const before = feed.calls();
    await cached.price(USDC_NGN, NOW);
    await cached.price(USDC_NGN, new Date(NOW.getTime() + 1000));
    expect(feed.calls() - before).toBe(2);
  });
});
