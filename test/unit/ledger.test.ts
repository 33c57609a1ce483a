import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { AssertionError } from '../../src/domain/assert.js';
import { balancesOf, journal, type Posting } from '../../src/domain/ledger.js';

const meta = { reference: 'paystack:charge:ref_123' };
const clearing = 'assets:paystack:clearing';
const customer = 'liabilities:customers:cus_1';

describe('journal', () => {
  it('accepts a balanced journal and freezes it', () => {
    const entry = journal(
      [
        { account: clearing, currency: 'NGN', amountMinor: 100_000n },
        { account: customer, currency: 'NGN', amountMinor: -100_000n },
      ],
      meta,
    );
    expect(entry.postings).toHaveLength(2);
    expect(Object.isFrozen(entry.postings)).toBe(true);
    expect(Object.isFrozen(entry.postings[0])).toBe(true);
    expect(entry.meta).toEqual(meta);
  });

  it('keeps its own copy so later edits to the input cannot unbalance it', () => {
    const postings: Posting[] = [
      { account: clearing, currency: 'NGN', amountMinor: 5n },
      { account: customer, currency: 'NGN', amountMinor: -5n },
    ];
    const entry = journal(postings, meta);
    postings[0] = { account: clearing, currency: 'NGN', amountMinor: 6n };
    expect(entry.postings[0]?.amountMinor).toBe(5n);
  });

  it('balances each currency of a multi-currency journal on its own', () => {
    const entry = journal(
      [
        { account: clearing, currency: 'NGN', amountMinor: 153_025n },
        { account: 'equity:fx:ngn-usdc', currency: 'NGN', amountMinor: -153_025n },
        { account: 'equity:fx:ngn-usdc', currency: 'USDC', amountMinor: 10_000_000n },
        { account: 'assets:stellar:distribution', currency: 'USDC', amountMinor: -10_000_000n },
      ],
      meta,
    );
    expect(entry.postings).toHaveLength(4);
  });

  it('refuses a journal that does not balance', () => {
    const postings = [
      { account: clearing, currency: 'NGN', amountMinor: 100n },
      { account: customer, currency: 'NGN', amountMinor: -99n },
    ];
    expect(() => journal(postings, meta)).toThrow(/balance per currency: NGN is off by 1/);
  });

  it('refuses currencies that only balance when added together', () => {
    const postings = [
      { account: clearing, currency: 'NGN', amountMinor: 5n },
      { account: customer, currency: 'USDC', amountMinor: -5n },
    ];
    expect(() => journal(postings, meta)).toThrow(AssertionError);
  });

  it('refuses a zero posting', () => {
    const postings = [
      { account: clearing, currency: 'NGN', amountMinor: 5n },
      { account: customer, currency: 'NGN', amountMinor: -5n },
      { account: 'income:fees', currency: 'NGN', amountMinor: 0n },
    ];
    expect(() => journal(postings, meta)).toThrow(/zero posting/);
  });

  it('refuses fewer than two postings', () => {
    expect(() => journal([], meta)).toThrow(AssertionError);
    expect(() => journal([{ account: clearing, currency: 'NGN', amountMinor: 5n }], meta)).toThrow(
      AssertionError,
    );
  });

  it('refuses a journal that debits and credits one account only', () => {
    const postings = [
      { account: clearing, currency: 'NGN', amountMinor: 5n },
      { account: clearing, currency: 'NGN', amountMinor: -5n },
    ];
    expect(() => journal(postings, meta)).toThrow(/at least two accounts/);
  });

  it('refuses more postings than the limit', () => {
    const postings = Array.from({ length: 65 }, (_, index) => ({
      account: `assets:bucket:b${index}`,
      currency: 'NGN',
      amountMinor: index === 64 ? -64n : 1n,
    }));
    expect(() => journal(postings, meta)).toThrow(/at most 64 postings/);
  });

  it('refuses a posting whose amount is not a bigint', () => {
    const postings = [
      { account: clearing, currency: 'NGN', amountMinor: 5 as unknown as bigint },
      { account: customer, currency: 'NGN', amountMinor: -5n },
    ];
    expect(() => journal(postings, meta)).toThrow(AssertionError);
  });

  it.each([
    'Assets:paystack:clearing',
    'assets',
    'assets:',
    'assets::clearing',
    'cash:paystack',
    'assets:paystack clearing',
    'assets:paystack:clearing:',
    `assets:${'x'.repeat(130)}`,
  ])('refuses the account name %j', (account) => {
    const postings = [
      { account, currency: 'NGN', amountMinor: 5n },
      { account: customer, currency: 'NGN', amountMinor: -5n },
    ];
    expect(() => journal(postings, meta)).toThrow(AssertionError);
  });

  it.each(['', 'ngn!', 'N G N', 'stellar:USDC:G:extra'])('refuses the currency %j', (currency) => {
    const postings = [
      { account: clearing, currency, amountMinor: 5n },
      { account: customer, currency, amountMinor: -5n },
    ];
    expect(() => journal(postings, meta)).toThrow(AssertionError);
  });

  it('refuses a journal without the reference of its cause', () => {
    const postings = [
      { account: clearing, currency: 'NGN', amountMinor: 5n },
      { account: customer, currency: 'NGN', amountMinor: -5n },
    ];
    expect(() => journal(postings, { reference: '' })).toThrow(AssertionError);
    expect(() => journal(postings, { reference: 'r'.repeat(201) })).toThrow(AssertionError);
  });
});

describe('balancesOf', () => {
  it('derives a balance per account and currency, sorted', () => {
    const deposit = journal(
      [
        { account: clearing, currency: 'NGN', amountMinor: 100_000n },
        { account: customer, currency: 'NGN', amountMinor: -98_500n },
        { account: 'income:fees:deposit', currency: 'NGN', amountMinor: -1_500n },
      ],
      meta,
    );
    const settle = journal(
      [
        { account: customer, currency: 'NGN', amountMinor: 98_500n },
        { account: 'liabilities:stellar:ngnc', currency: 'NGN', amountMinor: -98_500n },
      ],
      { reference: 'stellar:tx:abc' },
    );
    expect(balancesOf([...deposit.postings, ...settle.postings])).toEqual([
      { account: clearing, currency: 'NGN', balanceMinor: 100_000n },
      { account: 'income:fees:deposit', currency: 'NGN', balanceMinor: -1_500n },
      { account: customer, currency: 'NGN', balanceMinor: 0n },
      { account: 'liabilities:stellar:ngnc', currency: 'NGN', balanceMinor: -98_500n },
    ]);
  });

  it('returns nothing for no postings', () => {
    expect(balancesOf([])).toEqual([]);
  });
});

/** A balanced group in one currency: debits on some accounts, one credit for their sum elsewhere. */
const balancedGroup = fc
  .record({
    currency: fc.constantFrom('NGN', 'USDC', 'stellar:NGNC:GABC'),
    debits: fc.array(
      fc.record({
        account: fc.constantFrom('assets:paystack:clearing', 'assets:stellar:hot', 'expenses:fees'),
        amountMinor: fc.bigInt({ min: 1n, max: 10n ** 20n }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    creditAccount: fc.constantFrom('liabilities:customers:a', 'income:fees', 'equity:fx'),
    flip: fc.boolean(),
  })
  .map(({ currency, debits, creditAccount, flip }) => {
    const sign = flip ? -1n : 1n;
    const total = debits.reduce((sum, debit) => sum + debit.amountMinor, 0n);
    const postings: Posting[] = debits.map((debit) => ({
      ...debit,
      currency,
      amountMinor: sign * debit.amountMinor,
    }));
    postings.push({ account: creditAccount, currency, amountMinor: -sign * total });
    return postings;
  });

const balancedJournalPostings = fc
  .array(balancedGroup, { minLength: 1, maxLength: 3 })
  .chain((groups) => fc.shuffledSubarray(groups.flat(), { minLength: groups.flat().length }));

describe('balanced journals (property)', () => {
  it('random balanced journals are accepted and their balances sum to zero per currency', () => {
    fc.assert(
      fc.property(fc.array(balancedJournalPostings, { minLength: 1, maxLength: 8 }), (journals) => {
        const all = journals.flatMap(
          (postings, index) => journal(postings, { reference: `ref-${index}` }).postings,
        );
        const totals = new Map<string, bigint>();
        for (const balance of balancesOf(all)) {
          totals.set(balance.currency, (totals.get(balance.currency) ?? 0n) + balance.balanceMinor);
        }
        for (const total of totals.values()) expect(total).toBe(0n);
      }),
    );
  });

  it('removing any one posting from a balanced journal makes it refused', () => {
    fc.assert(
      fc.property(balancedJournalPostings, fc.nat(), (postings, pick) => {
        const without = postings.filter((_, index) => index !== pick % postings.length);
        expect(() => journal(without, meta)).toThrow(AssertionError);
      }),
    );
  });
});
