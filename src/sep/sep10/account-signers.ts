/**
 * The signers and medium threshold of a client account, for SEP-10's threshold check, read through
 * the Horizon client (explicit timeout, size cap, no redirects). A timeout or 5xx stays `unknown`
 * (answered 503), never folded into "the account does not exist".
 */
import type { AccountSigner, HorizonPort } from '../../rails/stellar/horizon.js';

export type { AccountSigner } from '../../rails/stellar/horizon.js';

export type AccountSignersOutcome =
  | { readonly kind: 'found'; readonly signers: readonly AccountSigner[]; readonly mediumThreshold: number }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unknown'; readonly cause: string };

export type LoadAccountSigners = (accountId: string) => Promise<AccountSignersOutcome>;

export function horizonAccountSigners(horizon: Pick<HorizonPort, 'loadAccount'>): LoadAccountSigners {
  return async (accountId) => {
    const account = await horizon.loadAccount(accountId);
    if (account.kind !== 'found') return account;
    return { kind: 'found', signers: account.signers, mediumThreshold: account.mediumThreshold };
  };
}
