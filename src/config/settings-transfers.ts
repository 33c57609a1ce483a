/**
 * Settings of SEP-24 / SEP-6 transfers (deposits first), composed into the one schema
 * (src/config/schema.ts): the windows a transaction may wait in, what happens to a payment that
 * arrives late, how a destination without an account or trustline is served, and how often the
 * reconciliation and re-check passes run.
 */
import { integer, oneOf, text, type Setting } from './setting.js';

const GROUP = 'Deposits and withdrawals (SEP-24, SEP-6)';
const MINUTE_S = 60;
const HOUR_S = 60 * MINUTE_S;

export const transferSettings = {
  depositExpirySeconds: integer({
    env: 'DEPOSIT_EXPIRY_S',
    group: GROUP,
    doc: 'How long a deposit may wait for its naira before it is `expired`. A payment that arrives later is never lost: see DEPOSIT_LATE_PAYMENT.',
    fallback: 2 * HOUR_S,
    min: 5 * MINUTE_S,
    max: 30 * 24 * HOUR_S,
  }),
  depositLatePayment: oneOf({
    env: 'DEPOSIT_LATE_PAYMENT',
    group: GROUP,
    doc: "What happens to naira that arrives after its deposit expired: `refund` (through Paystack's refund API, automatically) or `hold` (`on_hold` for an operator, with an alert).",
    values: ['refund', 'hold'],
    fallback: 'refund',
  }),
  depositTrustWaitSeconds: integer({
    env: 'DEPOSIT_TRUST_WAIT_S',
    group: GROUP,
    doc: 'How long a paid deposit waits in `pending_trust` for the wallet to add a trustline before it goes to `error` for an operator (the naira is kept, never lost).',
    fallback: 24 * HOUR_S,
    min: MINUTE_S,
    max: 30 * 24 * HOUR_S,
  }),
  depositRecheckSeconds: integer({
    env: 'DEPOSIT_RECHECK_S',
    group: GROUP,
    doc: 'How often waiting deposits are looked at again: trustlines in `pending_trust`, deliveries held back for liquidity, and unpaid deposits verified with Paystack in case a webhook was lost.',
    fallback: 30,
    min: 1,
    max: HOUR_S,
  }),
  depositReconcileLookbackSeconds: integer({
    env: 'DEPOSIT_RECONCILE_LOOKBACK_S',
    group: GROUP,
    doc: 'How far back expired deposits are still verified with Paystack, so a late payment whose webhook was lost is found.',
    fallback: 7 * 24 * HOUR_S,
    min: HOUR_S,
    max: 90 * 24 * HOUR_S,
  }),
  depositReconcileBatch: integer({
    env: 'DEPOSIT_RECONCILE_BATCH',
    group: GROUP,
    doc: 'Deposits verified with Paystack per reconciliation pass (bounds the calls a pass makes).',
    fallback: 50,
    min: 1,
    max: 1000,
  }),
  stellarCreateAccountStartingXlm: text({
    env: 'STELLAR_CREATE_ACCOUNT_XLM',
    group: GROUP,
    doc: 'Starting XLM balance for a deposit to an account that does not exist yet (e.g. `2.5`), paid by the distribution account. Unset: such a deposit goes to `error` with a message instead.',
    pattern: /^[0-9]{1,7}(\.[0-9]{1,7})?$/,
    patternDoc: 'an XLM amount such as 2.5 (at most 7 decimal places)',
  }),
  interactiveTokenTtlSeconds: integer({
    env: 'SEP24_INTERACTIVE_TOKEN_TTL_S',
    group: GROUP,
    doc: 'Lifetime of the single-use token in a SEP-24 interactive URL.',
    fallback: 5 * MINUTE_S,
    min: 30,
    max: HOUR_S,
  }),
  webSessionTtlSeconds: integer({
    env: 'WEB_SESSION_TTL_S',
    group: GROUP,
    doc: 'Lifetime of the session the hosted pages give after the interactive token is used.',
    fallback: HOUR_S,
    min: 5 * MINUTE_S,
    max: 24 * HOUR_S,
  }),
  transferCallbackTimeoutMs: integer({
    env: 'TRANSFER_CALLBACK_TIMEOUT_MS',
    group: GROUP,
    doc: "Timeout of one POST to a wallet's `on_change_callback`; failures are retried by the outbox.",
    fallback: 10_000,
    min: 500,
    max: 60_000,
  }),
  paystackDedicatedAccountProvider: text({
    env: 'PAYSTACK_DEDICATED_ACCOUNT_PROVIDER',
    group: GROUP,
    doc: "Paystack's preferred bank for dedicated virtual accounts (e.g. `wema-bank`, `titan-paystack`; `test-bank` on test keys). Set: SEP-6 deposits with `funding_method=bank_transfer` pay into the customer's own account number. Unset: bank transfer goes through Paystack checkout.",
    pattern: /^[a-z0-9-]{2,40}$/,
    patternDoc: 'a Paystack provider slug such as wema-bank',
  }),
  withdrawExpirySeconds: integer({
    env: 'WITHDRAW_EXPIRY_S',
    group: GROUP,
    doc: 'How long a withdrawal waits for the Stellar payment before it is `expired`. A payment that arrives later is refunded on Stellar, never kept.',
    fallback: 2 * HOUR_S,
    min: 5 * MINUTE_S,
    max: 30 * 24 * HOUR_S,
  }),
  withdrawUnderpayment: oneOf({
    env: 'WITHDRAW_UNDERPAYMENT',
    group: GROUP,
    doc: 'What happens when a withdrawal receives less than asked: `wait` (`pending_user`, telling the customer what is missing, until the deadline; a second payment with the same memo tops it up) or `refund` (sent back on Stellar at once).',
    values: ['wait', 'refund'],
    fallback: 'refund',
  }),
  observerLeaseTtlMs: integer({
    env: 'OBSERVER_LEASE_TTL_MS',
    group: GROUP,
    doc: 'Lease of the one Stellar observer across instances: a leader that stops renewing is replaced after this long.',
    fallback: 15_000,
    min: 1_000,
    max: 300_000,
  }),
  observerSilenceMs: integer({
    env: 'OBSERVER_SILENCE_MS',
    group: GROUP,
    doc: "The observer reconnects when Horizon's payment stream has said nothing for this long.",
    fallback: 60_000,
    min: 1_000,
    max: 600_000,
  }),
  paystackCustomerEmailDomain: text({
    env: 'PAYSTACK_CUSTOMER_EMAIL_DOMAIN',
    group: GROUP,
    doc: "Paystack needs an email for every payment. A customer who gave `email_address` (SEP-12) is asked with it; otherwise an address `customer-<id>@<this domain>` is used, which reaches nobody. Unset: PUBLIC_URL's host when it has a dot, else example.com.",
    pattern: /^[a-z0-9.-]{3,200}$/,
    patternDoc: 'a domain name such as pay.example.ng',
  }),
} satisfies Record<string, Setting<unknown>>;
