/**
 * Withdrawals in one process: the deposit harness (both doubles over real HTTP, `drain()` for the
 * outbox) plus the real withdrawal observer, and the steps every withdrawal test plays — open a
 * withdrawal with its bank account and memo, pay it from the wallet on Stellar, wait for a status
 * while the outbox runs, and look at the Paystack double's transfers.
 */
import { createWithdrawalObserver } from '../../src/flows/withdrawal/observer.js';
import {
  openWithdrawal,
  requestWithdrawalPayment,
  setPayoutAccount,
} from '../../src/flows/withdrawal/open.js';
import { receivingAccountOf } from '../../src/flows/withdrawal/receiving.js';
import type { TransactionRow } from '../../src/flows/state-machine.js';
import type { Env } from '../../src/config/index.js';
import type { DatabaseKind } from '../../src/platform/db/database.js';
import { startDepositHarness, type DepositHarness } from './deposit-harness.js';
import { sendPayment } from './stellar-wallet.js';

/** Resolves on the Paystack double to ADAEZE CHIOMA OKAFOR, the name `verify()` gives the wallet's owner. */
export const PAYOUT_BANK = { bankCode: '058', accountNumber: '0123456789' } as const;
const PAYOUT_NAME = 'ADAEZE CHIOMA OKAFOR';

/** How often `settle` drains the outbox and looks again, waiting 100 ms between rounds. */
const SETTLE_ROUNDS_MAX = 100;

/** A transfer as the Paystack double's snapshot shows it (the fields the tests read). */
export interface DoubleTransfer {
  readonly reference: string;
  readonly status: string;
  readonly transfer_code: string;
}

export interface WithdrawalHarness extends DepositHarness {
  /** The anchor's account the wallet pays withdrawals into. */
  readonly receiving: string;
  row(id: string): Promise<TransactionRow>;
  /** A SEP-24 withdrawal of `amount` NGNC with its bank account set and its memo issued. */
  awaitingPayment(amount?: string): Promise<TransactionRow>;
  /** The wallet pays `amount` NGNC to the receiving account under the withdrawal's memo (or `memo`). */
  walletPays(w: Pick<TransactionRow, 'withdraw_memo'>, amount: string, memo?: string | null): Promise<void>;
  /** Waits for the observer and runs the outbox (retries due at once) until `done` holds. */
  settle(done: () => Promise<boolean>, what: string): Promise<void>;
  statusIs(id: string, status: string): () => Promise<boolean>;
  /** Every transfer the Paystack double holds. */
  transfers(): readonly DoubleTransfer[];
  /** The double's transfers under one payout reference: exactly one per paid withdrawal. */
  transfersOf(reference: string | null): readonly DoubleTransfer[];
}

export async function startWithdrawalHarness(kind: DatabaseKind, env: Env = {}): Promise<WithdrawalHarness> {
  const h = await startDepositHarness(kind, env);
  const observer = createWithdrawalObserver(h.context);
  if (observer === undefined) {
    await h.close();
    throw new Error('no withdrawal observer: is the receiving account configured?');
  }
  try {
    await h.verify(h.wallet.publicKey());
    await observer.start();
  } catch (error) {
    await h.close();
    throw error;
  }
  const receiving = receivingAccountOf(h.test.runtime.config) ?? '';
  const db = () => h.test.runtime.database.db;
  const row = async (id: string): Promise<TransactionRow> =>
    db().selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const transfers = (): readonly DoubleTransfer[] =>
    (h.sandbox.paystack.control.snapshot() as { transfers: DoubleTransfer[] }).transfers;
  return {
    ...h,
    receiving,
    row,
    async awaitingPayment(amount = '5000') {
      const opened = await openWithdrawal(h.deps, {
        protocol: 'sep24',
        identity: h.identityOf(h.wallet.publicKey()),
        assetCode: 'NGNC',
        amount,
      });
      const bank = await setPayoutAccount(h.deps, opened.id, PAYOUT_BANK);
      if (!bank.ok || bank.accountName !== PAYOUT_NAME)
        throw new Error(`the payout account was not accepted: ${JSON.stringify(bank)}`);
      return requestWithdrawalPayment(h.deps, opened.id, { actor: 'test', receivingAccount: receiving });
    },
    async walletPays(w, amount, memo = w.withdraw_memo) {
      await sendPayment(h.sandbox.horizon.url, h.sandbox.horizon.networkPassphrase, h.wallet, {
        to: receiving,
        asset: h.ngnAsset,
        amount,
        memoId: memo,
      });
    },
    async settle(done, what) {
      for (let round = 0; round < SETTLE_ROUNDS_MAX; round += 1) {
        await h.drain();
        if (await done()) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
        await db().updateTable('jobs').set({ run_at: new Date() }).where('state', '=', 'pending').execute();
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    statusIs: (id, status) => async () => (await row(id)).status === status,
    transfers,
    transfersOf: (reference) => transfers().filter((t) => t.reference === reference),
    async close() {
      await observer.stop();
      await h.close();
    },
  };
}
