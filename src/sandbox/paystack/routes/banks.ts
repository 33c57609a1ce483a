/** `/bank` and `/bank/resolve` (rails-notes A4). */
import type { FastifyInstance } from 'fastify';
import {
  NIGERIAN_BANKS,
  RESOLVE_FAILED_MESSAGE,
  RESOLVE_QUOTA_MESSAGE,
  bankByCode,
  type BankRecord,
} from '../banks.js';
import type { DoubleContext } from '../context.js';
import { ok, queryOf, refuse } from '../http.js';
import { accountNameOf } from '../operations.js';
import { bankView } from '../views.js';
import { PER_PAGE_MAX, pageNumber } from './transactions.js';

const PER_PAGE_DEFAULT = 50;
/** The bank list's timestamps: reference data that does not change during a run. */
const BANKS_UPDATED_AT = new Date('2024-01-15T09:00:00.000Z');

/** Paystack's bank cursor is base64 of `bank:<id>` of the last bank on the page. */
function cursorFor(bank: BankRecord): string {
  return Buffer.from(`bank:${bank.id}`).toString('base64');
}

function offsetAfter(cursor: string, banks: readonly BankRecord[]): number {
  const match = /^bank:([0-9]{1,9})$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (match === null) refuse(400, 'Invalid cursor');
  const index = banks.findIndex((b) => b.id === Number(match[1]));
  if (index < 0) refuse(400, 'Invalid cursor');
  return index + 1;
}

function offsetBefore(cursor: string, banks: readonly BankRecord[], perPage: number): number {
  const firstOfNext = offsetAfter(cursor, banks) - 1;
  return Math.max(0, firstOfNext - perPage);
}

function listedBanks(query: Record<string, unknown>): readonly BankRecord[] {
  const country = typeof query.country === 'string' ? query.country.toLowerCase() : 'nigeria';
  const currency = typeof query.currency === 'string' ? query.currency.toUpperCase() : 'NGN';
  // The double knows Nigerian banks only; other countries list nothing rather than wrong banks.
  if (country !== 'nigeria' || currency !== 'NGN') return [];
  if (query.type !== undefined && query.type !== 'nuban') return [];
  return NIGERIAN_BANKS;
}

function todayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export async function bankRoutes(app: FastifyInstance, ctx: DoubleContext): Promise<void> {
  app.get('/bank', async (request) => {
    const query = queryOf(request);
    const banks = listedBanks(query);
    const perPage = pageNumber(query.perPage, PER_PAGE_DEFAULT, PER_PAGE_MAX);
    let start = (pageNumber(query.page, 1, 1_000) - 1) * perPage;
    if (typeof query.next === 'string' && query.next !== '') start = offsetAfter(query.next, banks);
    if (typeof query.previous === 'string' && query.previous !== '' && query.previous !== 'null')
      start = offsetBefore(query.previous, banks, perPage);
    const pageBanks = banks.slice(start, start + perPage);
    const last = pageBanks.at(-1);
    const first = pageBanks[0];
    const hasNext = last !== undefined && start + perPage < banks.length;
    return ok(
      'Banks retrieved',
      pageBanks.map((b) => bankView(b, BANKS_UPDATED_AT)),
      {
        next: hasNext ? cursorFor(last) : null,
        previous: first !== undefined && start > 0 ? cursorFor(first) : null,
        perPage,
      },
    );
  });

  app.get('/bank/resolve', async (request) => {
    const query = queryOf(request);
    const accountNumber = typeof query.account_number === 'string' ? query.account_number : '';
    const bankCode = typeof query.bank_code === 'string' ? query.bank_code : '';
    if (accountNumber === '' || bankCode === '')
      refuse(400, 'Account number and bank code are required', {
        type: 'validation_error',
        code: 'missing_params',
      });
    const bank = bankByCode(bankCode);
    if (bank === undefined) refuse(422, RESOLVE_FAILED_MESSAGE);
    const quota = ctx.settings.resolveQuotaPerDay;
    if (quota !== null && bankCode !== '001') {
      const day = todayOf(ctx.state.now());
      // Only today's count matters; dropping older days keeps the map at one entry.
      if (!ctx.resolvesByDay.has(day)) ctx.resolvesByDay.clear();
      const used = ctx.resolvesByDay.get(day) ?? 0;
      if (used >= quota) refuse(400, RESOLVE_QUOTA_MESSAGE);
      ctx.resolvesByDay.set(day, used + 1);
    }
    const accountName = accountNameOf(ctx, bankCode, accountNumber);
    if (accountName === null) refuse(422, RESOLVE_FAILED_MESSAGE);
    return ok('Account number resolved', {
      account_number: accountNumber,
      account_name: accountName,
      bank_id: bank.id,
    });
  });
}
