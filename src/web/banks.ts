/**
 * The banks a customer may be paid at, from Paystack's list (cached by the Paystack client, so a
 * page view is not a Paystack call): the withdrawal's bank `<select>`, and a bank's name where a
 * page shows only a code.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { WebDeps } from './context.js';

/** Nigeria has a few hundred banks and fintechs: a list longer than this is not one to draw. */
export const BANKS_SHOWN_MAX = 1000;

export interface BankOption {
  readonly code: string;
  readonly name: string;
}

export type BankList = { readonly ok: true; readonly banks: readonly BankOption[] } | { readonly ok: false };

/** Active banks Paystack can transfer to, by name; `ok: false` when Paystack is absent or did not answer. */
export async function payoutBanks(
  deps: Pick<WebDeps, 'transfers'>,
  logger: FastifyBaseLogger,
): Promise<BankList> {
  const paystack = deps.transfers.paystack;
  if (paystack === undefined) return { ok: false };
  const listed = await paystack.listBanks();
  if (!listed.ok) {
    logger.warn({ error: listed.error.kind }, 'paystack bank list unavailable');
    return { ok: false };
  }
  const banks = listed.value
    .filter((bank) => bank.active && bank.supportsTransfer !== false)
    .slice(0, BANKS_SHOWN_MAX)
    .map((bank) => ({ code: bank.code, name: bank.name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
  return { ok: true, banks };
}

/** A bank's name for a page, or its code when the list cannot be read (never an error page for it). */
export async function bankNameOf(
  deps: Pick<WebDeps, 'transfers'>,
  logger: FastifyBaseLogger,
  code: string,
): Promise<string> {
  const list = await payoutBanks(deps, logger);
  const bank = list.ok ? list.banks.find((b) => b.code === code) : undefined;
  return bank?.name ?? code;
}
