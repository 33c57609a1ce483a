/**
 * Pure double-entry journals (GUIDE.md §4.6). Every movement is a balanced journal; balances are
 * derived from postings, never stored or overwritten.
 *
 * Sign convention: a posting's `amountMinor` is positive for a DEBIT and negative for a CREDIT.
 * So an asset account (money we hold, e.g. `assets:paystack:clearing`) normally has a positive
 * balance, and a liability (money we owe, e.g. `liabilities:customers:<id>`) a negative one.
 */
import { assert } from './assert.js';

export interface Posting {
  readonly account: string;
  /** What is counted: an ISO 4217 or asset code ("NGN", "USDC") or a SEP-38 asset id ("stellar:USDC:G…"). */
  readonly currency: string;
  /** Minor units of `currency`; positive = debit, negative = credit, never zero. */
  readonly amountMinor: bigint;
}

export interface JournalMeta {
  /** The event that caused the journal (e.g. a Paystack reference); stores keep it unique. */
  readonly reference: string;
  readonly description?: string;
}

export interface Journal {
  readonly postings: readonly Posting[];
  readonly meta: JournalMeta;
}

export interface Balance {
  readonly account: string;
  readonly currency: string;
  readonly balanceMinor: bigint;
}

/** A journal is a handful of legs; hundreds means a loop went wrong upstream. */
export const JOURNAL_POSTINGS_MAX = 64;
export const ACCOUNT_LENGTH_MAX = 128;
export const REFERENCE_LENGTH_MAX = 200;
export const DESCRIPTION_LENGTH_MAX = 500;

/**
 * `type:segment[:segment…]`, lowercase. The first segment is the account type, so the sign of a
 * balance can be read without a lookup table. Later segments may carry ids (`cus_abc`, UUIDs).
 */
const accountPattern = /^(assets|liabilities|equity|income|expenses)(:[a-z0-9][a-z0-9_-]*)+$/;

/** A code ("NGN", "USDC") or a SEP-38 asset id: up to three ':'-separated alphanumeric parts. */
const currencyPattern = /^[A-Za-z0-9]{1,12}(:[A-Za-z0-9]{1,56}){0,2}$/;

export function isAccountName(account: string): boolean {
  return account.length <= ACCOUNT_LENGTH_MAX && accountPattern.test(account);
}

function assertPosting(posting: Posting): void {
  assert(isAccountName(posting.account), `not a ledger account name: ${posting.account}`);
  assert(currencyPattern.test(posting.currency), `not a ledger currency: ${posting.currency}`);
  // A driver handing back a string or number for a BIGINT would break the sums silently.
  assert(typeof posting.amountMinor === 'bigint', 'posting amount must be a bigint');
  assert(posting.amountMinor !== 0n, 'a zero posting hides a bug upstream');
}

function assertMeta(meta: JournalMeta): void {
  assert(meta.reference.length > 0, 'a journal needs the reference of the event that caused it');
  assert(meta.reference.length <= REFERENCE_LENGTH_MAX, 'journal reference is too long');
  const descriptionLength = meta.description?.length ?? 0;
  assert(descriptionLength <= DESCRIPTION_LENGTH_MAX, 'journal description is too long');
}

/**
 * Validates and freezes a journal. A failure is a programmer error (a flow built a wrong journal):
 * posting it would corrupt the books, so it throws.
 */
export function journal(postings: readonly Posting[], meta: JournalMeta): Journal {
  assert(postings.length >= 2, 'a journal moves money between at least two accounts');
  assert(postings.length <= JOURNAL_POSTINGS_MAX, `a journal has at most ${JOURNAL_POSTINGS_MAX} postings`);
  assertMeta(meta);
  const sumByCurrency = new Map<string, bigint>();
  const accountsByCurrency = new Map<string, Set<string>>();
  for (const posting of postings) {
    assertPosting(posting);
    sumByCurrency.set(posting.currency, (sumByCurrency.get(posting.currency) ?? 0n) + posting.amountMinor);
    const accounts = accountsByCurrency.get(posting.currency) ?? new Set<string>();
    accounts.add(posting.account);
    accountsByCurrency.set(posting.currency, accounts);
  }
  for (const [currency, sumMinor] of sumByCurrency) {
    assert(sumMinor === 0n, `journal must balance per currency: ${currency} is off by ${sumMinor}`);
  }
  for (const [currency, accounts] of accountsByCurrency) {
    // Debiting and crediting the same account moves nothing: a bug, not a movement.
    assert(accounts.size >= 2, `${currency} postings must touch at least two accounts`);
  }
  const frozenPostings = Object.freeze(postings.map((posting) => Object.freeze({ ...posting })));
  return Object.freeze({ postings: frozenPostings, meta: Object.freeze({ ...meta }) });
}

/**
 * Derives the balance of every (account, currency) touched by the postings, sorted by account then
 * currency so the output is deterministic. Zero balances are kept: the account was touched.
 */
export function balancesOf(postings: Iterable<Posting>): Balance[] {
  const byAccount = new Map<string, Map<string, bigint>>();
  for (const posting of postings) {
    const byCurrency = byAccount.get(posting.account) ?? new Map<string, bigint>();
    byCurrency.set(posting.currency, (byCurrency.get(posting.currency) ?? 0n) + posting.amountMinor);
    byAccount.set(posting.account, byCurrency);
  }
  const balances: Balance[] = [];
  for (const [account, byCurrency] of byAccount) {
    for (const [currency, balanceMinor] of byCurrency) balances.push({ account, currency, balanceMinor });
  }
  return balances.sort((a, b) => compareText(a.account, b.account) || compareText(a.currency, b.currency));
}

function compareText(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
