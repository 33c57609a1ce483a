/**
 * Binding a firm SEP-38 quote to a transfer opened without one (a customer buying USDC with naira,
 * or selling USDC for naira, on the hosted pages): the quote is used (`consumeQuote`) and named on
 * the transaction in one database transaction, so a quote is never used without its transfer nor a
 * transfer priced by a quote it did not use. A transfer keeps the first quote it was given: another
 * one is refused.
 */
import type { TransactionKind } from '../domain/transaction-status.js';
import type { TransferDeps } from '../flows/transfers/deps.js';
import { HttpError } from '../platform/http/errors.js';
import { NGN_OFFCHAIN_ID } from '../sep/assets.js';
import { consumeQuote, type QuoteRefusal } from '../sep/sep38/store.js';

const refuse = (message: string): HttpError => new HttpError(400, 'invalid_request', message);

const REFUSALS: Readonly<Record<QuoteRefusal, string>> = {
  not_found: 'quote_id: no such quote',
  wrong_account: 'quote_id: no such quote',
  used: 'quote_id: the quote has already been used',
  expired: 'quote_id: the price has expired; ask for a new one',
};

export interface QuoteAttachment {
  /** A deposit's quote sells naira for the asset; a withdrawal's sells the asset for naira. */
  readonly kind: TransactionKind;
  readonly transactionId: string;
  /** The SEP-10 subject the transfer belongs to: a quote is used only by the account it was made for. */
  readonly subject: string;
  readonly quoteId: string;
  /** The SEP-38 id of the Stellar asset the transfer moves. */
  readonly assetId: string;
  readonly now: Date;
}

/** What the quote must sell and buy for a transfer of this kind. */
function sidesOf(kind: TransactionKind, assetId: string): { sell: string; buy: string } {
  return kind === 'deposit'
    ? { sell: NGN_OFFCHAIN_ID, buy: assetId }
    : { sell: assetId, buy: NGN_OFFCHAIN_ID };
}

export async function attachQuote(deps: Pick<TransferDeps, 'db'>, input: QuoteAttachment): Promise<void> {
  const expected = sidesOf(input.kind, input.assetId);
  await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('transactions')
      .select(['id', 'kind', 'status', 'quote_id'])
      .where('id', '=', input.transactionId)
      .forUpdate()
      .executeTakeFirst();
    if (row?.kind !== input.kind) throw new HttpError(404, 'not_found', 'transaction not found');
    if (row.status !== 'incomplete') throw refuse(`the ${input.kind} is already ${row.status}`);
    if (row.quote_id !== null) {
      if (row.quote_id === input.quoteId) return;
      throw refuse(`quote_id: the ${input.kind} already has another quote`);
    }
    const consumed = await consumeQuote(trx, {
      quoteId: input.quoteId,
      account: input.subject,
      now: input.now,
      transactionId: input.transactionId,
    });
    if (!consumed.ok) throw refuse(REFUSALS[consumed.refusal]);
    const quote = consumed.quote;
    // Thrown inside the transaction: the quote's use above is rolled back with it.
    if (quote.sellAsset !== expected.sell || quote.buyAsset !== expected.buy)
      throw refuse(
        `quote_id: the quote sells ${quote.sellAsset} for ${quote.buyAsset}, not ${expected.sell} for ${expected.buy}`,
      );
    // What the customer pays in: naira (kobo) for a deposit, the asset (stroops) for a withdrawal.
    await trx
      .updateTable('transactions')
      .set({ quote_id: quote.id, amount_expected_minor: quote.sellAmountMinor })
      .where('id', '=', input.transactionId)
      .execute();
  });
}
