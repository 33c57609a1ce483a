/**
 * Submission operations: besides a `payment`, the submitter delivers a deposit as `create_account`
 * (the destination does not exist yet: it is created with XLM, the asset follows once it trusts it)
 * or as `claimable_balance` (the destination cannot receive the asset: it claims it later).
 *
 * - `asset` / `amount_stroops` keep meaning "what leaves the distribution account": for
 *   `create_account` that is XLM, the starting balance, so a row always says what it moved.
 * - `starting_balance_stroops` is set exactly for `create_account` (what a rebuild creates again).
 * - `claimable_balance_id` is Horizon's hex of the ClaimableBalanceID XDR, set exactly when a
 *   claimable balance succeeded: the id a wallet needs to claim it.
 */
export const submissionOperations = {
  version: 7,
  name: 'submission-operations',
  sql: /* sql */ `
alter table stellar_submissions
  add column operation text not null default 'payment'
    check (operation in ('payment', 'create_account', 'claimable_balance')),
  add column starting_balance_stroops numeric(20, 0)
    check (starting_balance_stroops > 0 and starting_balance_stroops <= 9223372036854775807),
  add column claimable_balance_id text check (length(claimable_balance_id) between 1 and 100),
  add constraint stellar_submissions_starting_balance
    check ((operation = 'create_account') = (starting_balance_stroops is not null)),
  add constraint stellar_submissions_create_account_moves_xlm
    check (operation <> 'create_account' or (asset = 'native' and amount_stroops = starting_balance_stroops)),
  add constraint stellar_submissions_claimable_balance_id
    check ((operation = 'claimable_balance' and state = 'succeeded') = (claimable_balance_id is not null));
`,
} as const;
