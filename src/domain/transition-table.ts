/**
 * Which status may follow which, per kind, as data. Built from the Anchor Platform RPC table
 * (reference/anchor-landscape.md §1.2) and Rampart's flows (GUIDE.md §2). The state machine's
 * single `transition()` checks every move here; a move the table refuses must not happen.
 *
 * `funded` means the user's funds have been received and recorded (deposit: Paystack payment
 * verified; withdrawal: Stellar payment observed), counting funds recorded in the same step as the
 * move. The guard blocks the moves that would lose money: paying out before being paid, asking to
 * be paid twice, expiring a transaction that holds someone's money.
 *
 * Statuses a kind never uses (deposit: pending_user_transfer_complete; withdrawal: pending_trust,
 * no_market) have no edges in or out, so they cannot be reached by mistake.
 */
import { assert } from './assert.js';
import {
  isTransactionKind,
  isTransactionStatus,
  TRANSACTION_STATUSES,
  type TransactionKind,
  type TransactionStatus,
} from './transaction-status.js';

export type FundingGuard = 'any' | 'funded' | 'unfunded';

export interface TransitionEdge {
  readonly to: TransactionStatus;
  readonly when: FundingGuard;
}

export type TransitionRows = Readonly<Record<TransactionStatus, readonly TransitionEdge[]>>;

function any(to: TransactionStatus): TransitionEdge {
  return { to, when: 'any' };
}
function funded(to: TransactionStatus): TransitionEdge {
  return { to, when: 'funded' };
}
function unfunded(to: TransactionStatus): TransitionEdge {
  return { to, when: 'unfunded' };
}

/**
 * Every live status can fail (notify_transaction_error) and, while no money was received, be
 * abandoned (notify_transaction_expired: the user never paid in time).
 */
const abandon: readonly TransitionEdge[] = [any('error'), unfunded('expired')];

/**
 * Recovery (notify_transaction_recovery) brings a funded transaction back to the anchor, which
 * then completes or refunds it; an unfunded one in error can still be expired.
 */
const afterError: readonly TransitionEdge[] = [funded('pending_anchor'), unfunded('expired')];
/** An expired transaction whose funds arrive late is recovered, never left holding the money. */
const afterExpired: readonly TransitionEdge[] = [funded('pending_anchor')];

const depositRows: TransitionRows = {
  incomplete: [
    unfunded('pending_user_transfer_start'), // interactive flow done / SEP-6 request accepted: pay now
    any('pending_anchor'), // KYC must be reviewed before we take the money
    any('pending_user'), // user must act first (e.g. confirm email)
    any('pending_customer_info_update'), // SEP-12 says NEEDS_INFO
    ...abandon,
  ],
  pending_user_transfer_start: [
    funded('pending_anchor'), // Paystack payment verified (notify_offchain_funds_received)
    unfunded('pending_external'), // payment started on the rail, not yet settled
    funded('on_hold'), // funds received but held for review (notify_transaction_on_hold)
    funded('too_small'), // funds received below the minimum
    funded('too_large'), // funds received above the maximum
    ...abandon,
  ],
  pending_user_transfer_complete: [], // withdrawal-only (cash pickup)
  pending_anchor: [
    funded('pending_anchor'), // amounts or fees updated (notify_amounts_updated)
    unfunded('pending_user_transfer_start'), // KYC cleared, now ask for the money (request_offchain_funds)
    funded('pending_stellar'), // Stellar payment submitted
    funded('pending_trust'), // destination has no trustline (request_trust)
    funded('completed'), // Stellar payment confirmed directly (notify_onchain_funds_sent)
    funded('pending_external'), // naira refund started (notify_refund_pending)
    funded('refunded'), // naira refund confirmed in full (notify_refund_sent)
    funded('on_hold'), // compliance review after funding
    funded('too_small'), // amount check failed below the minimum
    funded('too_large'), // amount check failed above the maximum
    funded('no_market'), // no market to create the destination account
    any('pending_customer_info_update'), // SEP-12 says NEEDS_INFO
    any('pending_transaction_info_update'), // SEP-6 transaction fields need correcting
    any('pending_user'), // user must act (e.g. 2FA confirmation)
    ...abandon,
  ],
  pending_stellar: [
    funded('completed'), // Stellar payment confirmed in a ledger (notify_onchain_funds_sent)
    // Only on a definitive failure (the envelope is known not to be in the ledger); an unknown
    // outcome stays here and is resolved by looking the hash up, never by paying again.
    funded('pending_anchor'),
    ...abandon,
  ],
  pending_external: [
    funded('pending_anchor'), // user's payment settled, or a partial refund confirmed (notify_refund_sent)
    funded('refunded'), // naira refund confirmed in full (notify_refund_sent)
    ...abandon,
  ],
  pending_trust: [
    funded('pending_anchor'), // trustline added (notify_trust_set)
    ...abandon,
  ],
  pending_user: [
    any('pending_user_transfer_start'), // user acted; now pay
    any('pending_anchor'), // user acted; anchor continues
    ...abandon,
  ],
  pending_customer_info_update: [
    any('pending_anchor'), // SEP-12 says ACCEPTED / PROCESSING (notify_customer_info_updated)
    unfunded('pending_user_transfer_start'), // KYC done, now ask for the money (request_offchain_funds)
    ...abandon,
  ],
  pending_transaction_info_update: [
    any('pending_anchor'), // user corrected the transaction fields
    ...abandon,
  ],
  on_hold: [
    funded('pending_anchor'), // review cleared (notify_offchain_funds_received)
    ...abandon,
  ],
  no_market: [
    funded('pending_anchor'), // market available again, or operator starts a refund
    ...abandon,
  ],
  too_small: [
    funded('pending_anchor'), // operator accepts the amount or starts a refund
    ...abandon,
  ],
  too_large: [
    funded('pending_anchor'), // operator accepts the amount or starts a refund
    ...abandon,
  ],
  completed: [], // final
  refunded: [], // final
  expired: afterExpired,
  error: afterError,
};

const withdrawalRows: TransitionRows = {
  incomplete: [
    unfunded('pending_user_transfer_start'), // memo issued: send the asset (request_onchain_funds)
    any('pending_anchor'), // KYC or account name must be reviewed first
    any('pending_user'), // user must act first (e.g. confirm email)
    any('pending_customer_info_update'), // SEP-12 says NEEDS_INFO
    ...abandon,
  ],
  pending_user_transfer_start: [
    funded('pending_anchor'), // observer saw the Stellar payment (notify_onchain_funds_received)
    funded('on_hold'), // payment received but held for review (notify_transaction_on_hold)
    funded('too_small'), // payment received below the minimum
    funded('too_large'), // payment received above the maximum
    ...abandon,
  ],
  pending_user_transfer_complete: [
    funded('completed'), // user picked the cash up (notify_offchain_funds_sent)
    funded('pending_anchor'), // pickup abandoned: refund pending (notify_refund_pending)
    ...abandon,
  ],
  pending_anchor: [
    funded('pending_anchor'), // amounts or fees updated (notify_amounts_updated)
    unfunded('pending_user_transfer_start'), // KYC cleared, now ask for the asset (request_onchain_funds)
    funded('pending_external'), // Paystack transfer initiated (notify_offchain_funds_pending)
    funded('pending_user_transfer_complete'), // cash ready for pickup (notify_offchain_funds_available)
    funded('completed'), // payout confirmed at once (notify_offchain_funds_sent)
    funded('pending_stellar'), // refund payment submitted on Stellar
    funded('refunded'), // refund confirmed in full (notify_refund_sent)
    funded('on_hold'), // compliance review after funding (notify_transaction_on_hold)
    funded('too_small'), // amount check failed below the minimum
    funded('too_large'), // amount check failed above the maximum
    any('pending_customer_info_update'), // SEP-12 says NEEDS_INFO
    any('pending_transaction_info_update'), // bank details need correcting
    any('pending_user'), // user must act (e.g. 2FA confirmation of the withdrawal)
    ...abandon,
  ],
  pending_stellar: [
    funded('refunded'), // refund confirmed in a ledger, in full (notify_refund_sent)
    // Partial refund confirmed, or a definitive failure (envelope known not to be in the ledger);
    // an unknown outcome stays here and is resolved by hash, never by refunding again.
    funded('pending_anchor'),
    ...abandon,
  ],
  pending_external: [
    funded('completed'), // Paystack transfer.success, confirmed by verify (notify_offchain_funds_sent)
    funded('pending_anchor'), // transfer failed or reversed: retry or refund (notify_refund_pending)
    ...abandon,
  ],
  pending_trust: [], // deposit-only: trustlines matter when we send the asset
  pending_user: [
    any('pending_user_transfer_start'), // user acted; now send the asset
    any('pending_anchor'), // user acted; anchor continues
    ...abandon,
  ],
  pending_customer_info_update: [
    any('pending_anchor'), // SEP-12 says ACCEPTED / PROCESSING (notify_customer_info_updated)
    unfunded('pending_user_transfer_start'), // KYC done, now ask for the asset (request_onchain_funds)
    ...abandon,
  ],
  pending_transaction_info_update: [
    any('pending_anchor'), // user corrected the bank details
    ...abandon,
  ],
  on_hold: [
    funded('pending_anchor'), // review cleared (notify_onchain_funds_received)
    ...abandon,
  ],
  no_market: [], // deposit-only: about creating the destination account
  too_small: [
    funded('pending_anchor'), // operator accepts the amount or starts a refund
    ...abandon,
  ],
  too_large: [
    funded('pending_anchor'), // operator accepts the amount or starts a refund
    ...abandon,
  ],
  // Final — with one exception the bank imposes: Paystack may reverse a transfer after reporting
  // its success (transfer.reversed). The naira came back to us, so the customer's asset must go
  // back to them: the withdrawal returns to the anchor to be refunded (decision 0010).
  completed: [funded('pending_anchor')],
  refunded: [], // final
  expired: afterExpired,
  error: afterError,
};

export const TRANSITION_TABLE: Readonly<Record<TransactionKind, TransitionRows>> = Object.freeze({
  deposit: Object.freeze(depositRows),
  withdrawal: Object.freeze(withdrawalRows),
});

export interface TransitionQuery {
  readonly kind: TransactionKind;
  readonly from: TransactionStatus;
  readonly to: TransactionStatus;
  readonly funded: boolean;
}

export type TransitionCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether the table allows `from → to` for this kind and funding. The caller (the state machine's
 * `transition()`) decides whether a refusal is a programmer error or a stale event to ignore.
 */
export function checkTransition(query: TransitionQuery): TransitionCheck {
  const { kind, from, to } = query;
  // Values come from storage at run time; an unknown one is corrupt state, not a refusal.
  assert(isTransactionKind(kind), `unknown transaction kind: ${kind}`);
  assert(isTransactionStatus(from), `unknown transaction status: ${from}`);
  assert(isTransactionStatus(to), `unknown transaction status: ${to}`);
  const edge = TRANSITION_TABLE[kind][from].find((candidate) => candidate.to === to);
  if (edge === undefined) return { ok: false, reason: `a ${kind} cannot move from ${from} to ${to}` };
  if (edge.when === 'funded' && !query.funded) {
    return { ok: false, reason: `a ${kind} moves from ${from} to ${to} only after its funds are received` };
  }
  if (edge.when === 'unfunded' && query.funded) {
    return { ok: false, reason: `a ${kind} moves from ${from} to ${to} only while no funds are received` };
  }
  return { ok: true };
}

/** The statuses a transaction may move to next: for the operator console and for tests. */
export function nextStatuses(
  kind: TransactionKind,
  from: TransactionStatus,
  isFunded: boolean,
): TransactionStatus[] {
  return TRANSACTION_STATUSES.filter((to) => checkTransition({ kind, from, to, funded: isFunded }).ok);
}
