/** Query-string parsing for Horizon's collection parameters, with Horizon's limits. */
import type { Order } from './history.js';

/** Horizon's page size bounds: default 10, at most 200. */
export const PAGE_LIMIT_DEFAULT = 10;
export const PAGE_LIMIT_MAX = 200;

export interface PageParams {
  readonly cursor: bigint | 'now' | undefined;
  readonly order: Order;
  readonly limit: number;
  readonly includeFailed: boolean;
  readonly joinTransactions: boolean;
}

export type ParamsResult = { ok: true; params: PageParams } | { ok: false; field: string; reason: string };

const tokenPattern = /^[0-9]{1,19}$/;

function one(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

export function parsePageParams(
  query: Record<string, unknown>,
  lastEventId: string | undefined,
): ParamsResult {
  // Horizon lets the SSE Last-Event-ID header override the cursor on reconnect.
  const cursorText = lastEventId ?? one(query, 'cursor');
  let cursor: PageParams['cursor'];
  if (cursorText === undefined || cursorText === '') cursor = undefined;
  else if (cursorText === 'now') cursor = 'now';
  else if (tokenPattern.test(cursorText)) cursor = BigInt(cursorText);
  else return { ok: false, field: 'cursor', reason: 'cursor must be a paging token or "now"' };

  const orderText = one(query, 'order') ?? 'asc';
  if (orderText !== 'asc' && orderText !== 'desc')
    return { ok: false, field: 'order', reason: 'order must be "asc" or "desc"' };

  const limitText = one(query, 'limit');
  const limit = limitText === undefined || limitText === '' ? PAGE_LIMIT_DEFAULT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT_MAX)
    return { ok: false, field: 'limit', reason: `limit must be an integer from 1 to ${PAGE_LIMIT_MAX}` };

  const failedText = one(query, 'include_failed') ?? 'false';
  if (failedText !== 'true' && failedText !== 'false')
    return { ok: false, field: 'include_failed', reason: 'include_failed must be true or false' };

  const join = one(query, 'join');
  if (join !== undefined && join !== '' && join !== 'transactions')
    return { ok: false, field: 'join', reason: 'join accepts only "transactions"' };

  return {
    ok: true,
    params: {
      cursor,
      order: orderText,
      limit,
      includeFailed: failedText === 'true',
      joinTransactions: join === 'transactions',
    },
  };
}

export function queryString(query: Record<string, unknown>, name: string): string | undefined {
  return one(query, name);
}
