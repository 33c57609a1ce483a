/** The SEP-38 edge helpers around the quote math: shown prices, expiry bounds, the best-effort cache. */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { HttpError } from '../../src/platform/http/errors.js';
import type { KvStore } from '../../src/platform/kv/kv-store.js';
import { expiryFor } from '../../src/sep/sep38/plugin.js';
import { priceText } from '../../src/sep/sep38/pricing.js';
import { cacheQuote, cachedQuote } from '../../src/sep/sep38/store.js';

const NOW = new Date('2025-05-01T12:00:00.000Z');
const at = (seconds: number): string => new Date(NOW.getTime() + seconds * 1000).toISOString();

describe('priceText', () => {
  it('keeps ten significant fraction digits after leading zeros, rounded up, exact ones trimmed', () => {
    expect(priceText({ numerator: 3015n, denominator: 2n })).toBe('1507.5');
    expect(priceText({ numerator: 1n, denominator: 1n })).toBe('1');
    expect(priceText({ numerator: 2n, denominator: 2985n })).toBe('0.0006700167505');
    expect(priceText({ numerator: 1n, denominator: 3n })).toBe('0.3333333334');
    // never more than 18 fraction digits, however small
    expect(priceText({ numerator: 1n, denominator: 10n ** 30n })).toBe('0.000000000000000001');
  });
});

describe('expiryFor', () => {
  const expiry = (after: string | undefined) => expiryFor(after, NOW, 300, 3600).toISOString();

  it('gives the standard lifetime, or a later expire_after within the longest lifetime', () => {
    expect(expiry(undefined)).toBe(at(300));
    expect(expiry(at(60))).toBe(at(300));
    expect(expiry(at(-600))).toBe(at(300));
    expect(expiry(at(1200))).toBe(at(1200));
    expect(expiry(at(3600))).toBe(at(3600));
  });

  it('reads a time without a zone as UTC, as SEP-38 writes it', () => {
    expect(expiry('2025-05-01T12:30:00')).toBe('2025-05-01T12:30:00.000Z');
    expect(expiry('2025-05-01T13:30:00+01:00')).toBe('2025-05-01T12:30:00.000Z');
  });

  it.each([at(3601), 'tomorrow', '2025-05-01', '2025-02-30T25:00:00Z', `${at(600)} `])(
    'refuses %j with 400',
    (after) => {
      expect(() => expiry(after)).toThrow(HttpError);
    },
  );
});

describe('quote cache', () => {
  const broken: KvStore = {
    kind: 'redis',
    get: () => Promise.reject(new Error('connection lost')),
    set: () => Promise.reject(new Error('connection lost')),
    setIfAbsent: () => Promise.reject(new Error('connection lost')),
    delete: () => Promise.reject(new Error('connection lost')),
    increment: () => Promise.reject(new Error('connection lost')),
    acquireLease: () => Promise.reject(new Error('connection lost')),
    renewLease: () => Promise.reject(new Error('connection lost')),
    releaseLease: () => Promise.reject(new Error('connection lost')),
    ping: () => Promise.reject(new Error('connection lost')),
    close: () => Promise.resolve(),
  };
  const logger = pino({ level: 'silent' });
  const id = '7c1a7c1e-0000-4000-8000-000000000001';

  it('is best effort: a store that is down is a miss, never a failure', async () => {
    await expect(cacheQuote(broken, id, { account: 'G', body: {} }, 1000, logger)).resolves.toBeUndefined();
    await expect(cachedQuote(broken, id, logger)).resolves.toBeUndefined();
  });

  it('is never asked about an id that is not a UUID', async () => {
    await expect(cachedQuote(broken, '../../etc', logger)).resolves.toBeUndefined();
  });
});
