/**
 * Withdrawals: where the customer sends the asset, where the naira goes, and the payout.
 *
 * - `withdraw_anchor_account` / `withdraw_memo` (an id memo, random 64-bit) are what the wallet
 *   sends to. The memo is unique among withdrawals still waiting for their payment — by a partial
 *   unique index, not by chance — so an observed payment names one withdrawal at most.
 * - The bank account is personal data: `payout_account_ciphertext` holds `{bankCode, accountNumber,
 *   accountName}` encrypted with the PII keyring; only the bank code and the last four digits are in
 *   clear, for operators and the status page.
 * - `payout_reference` is ours, made once with the row: every Paystack transfer call, verify and
 *   webhook about this payout names it, so an unknown outcome is settled by verify, never by a
 *   second transfer. `stellar_payment_id` is the observed payment that funded the withdrawal.
 * - `refund_memo` / `refund_memo_type`: where a refund goes back to (SEP-24/6), when given.
 */
export const withdrawals = {
  version: 9,
  name: 'withdrawals',
  sql: /* sql */ `
alter table transactions
  add column withdraw_anchor_account text check (withdraw_anchor_account ~ '^G[A-Z2-7]{55}$'),
  add column withdraw_memo text check (withdraw_memo ~ '^[0-9]{1,20}$'),
  add column bank_code text check (bank_code ~ '^[0-9A-Za-z-]{2,20}$'),
  add column bank_account_last4 text check (bank_account_last4 ~ '^[0-9]{4}$'),
  add column payout_account_ciphertext text check (length(payout_account_ciphertext) <= 4000),
  add column payout_reference text unique check (payout_reference ~ '^[a-z0-9_-]{8,100}$'),
  add column payout_transfer_code text check (length(payout_transfer_code) <= 100),
  add column stellar_payment_id uuid references stellar_payments (id),
  add column refund_memo text check (length(refund_memo) <= 64),
  add column refund_memo_type text check (refund_memo_type in ('text', 'id', 'hash')),
  add column payout_checked_at timestamptz,
  -- The Stellar refund that settles this withdrawal, while it is owed (the job's payload): a
  -- withdrawal being refunded is never paid out, and the sweep re-sends a stalled refund.
  add column pending_refund jsonb;

-- A payment sent back whole (late, wrong asset, for a withdrawal already funded) stays linked to the
-- withdrawal it named, for the audit trail, but never counts toward what that withdrawal received.
alter table stellar_payments add column returned boolean not null default false;

create unique index transactions_open_withdraw_memo on transactions (withdraw_memo)
  where kind = 'withdrawal' and status in ('incomplete', 'pending_user_transfer_start', 'pending_user');
create index transactions_withdraw_memo on transactions (withdraw_memo) where withdraw_memo is not null;
create index transactions_payouts_open on transactions (payout_checked_at)
  where kind = 'withdrawal' and status = 'pending_external';
`,
} as const;
