import { describe, it, expect } from 'vitest';
import { AssertionError } from '../../src/domain/assert.js';
import {
  TRANSACTION_KINDS,
  TRANSACTION_STATUSES,
  isFinal,
  isTransactionStatus,
  type TransactionKind,
  type TransactionStatus,
} from '../../src/domain/transaction-status.js';
import { TRANSITION_TABLE, checkTransition, nextStatuses } from '../../src/domain/transition-table.js';

/**
 * The expected table, written out independently of the implementation: "from > to : guard", where
 * guard is any (always), funded (only after the user's funds arrived) or unfunded (only before).
 */
const depositEdges = [
  'incomplete > pending_user_transfer_start : unfunded',
  'incomplete > pending_anchor : any',
  'incomplete > pending_user : any',
  'incomplete > pending_customer_info_update : any',
  'pending_user_transfer_start > pending_anchor : funded',
  'pending_user_transfer_start > pending_external : unfunded',
  'pending_user_transfer_start > on_hold : funded',
  'pending_user_transfer_start > too_small : funded',
  'pending_user_transfer_start > too_large : funded',
  'pending_anchor > pending_anchor : funded',
  'pending_anchor > pending_user_transfer_start : unfunded',
  'pending_anchor > pending_stellar : funded',
  'pending_anchor > pending_trust : funded',
  'pending_anchor > completed : funded',
  'pending_anchor > pending_external : funded',
  'pending_anchor > refunded : funded',
  'pending_anchor > on_hold : funded',
  'pending_anchor > too_small : funded',
  'pending_anchor > too_large : funded',
  'pending_anchor > no_market : funded',
  'pending_anchor > pending_customer_info_update : any',
  'pending_anchor > pending_transaction_info_update : any',
  'pending_anchor > pending_user : any',
  'pending_stellar > completed : funded',
  'pending_stellar > pending_anchor : funded',
  'pending_external > pending_anchor : funded',
  'pending_external > refunded : funded',
  'pending_trust > pending_anchor : funded',
  'pending_user > pending_user_transfer_start : any',
  'pending_user > pending_anchor : any',
  'pending_customer_info_update > pending_anchor : any',
  'pending_customer_info_update > pending_user_transfer_start : unfunded',
  'pending_transaction_info_update > pending_anchor : any',
  'on_hold > pending_anchor : funded',
  'no_market > pending_anchor : funded',
  'too_small > pending_anchor : funded',
  'too_large > pending_anchor : funded',
  'error > pending_anchor : funded',
  'error > expired : unfunded',
  'expired > pending_anchor : funded',
];

const withdrawalEdges = [
  'incomplete > pending_user_transfer_start : unfunded',
  'incomplete > pending_anchor : any',
  'incomplete > pending_user : any',
  'incomplete > pending_customer_info_update : any',
  'pending_user_transfer_start > pending_anchor : funded',
  'pending_user_transfer_start > on_hold : funded',
  'pending_user_transfer_start > too_small : funded',
  'pending_user_transfer_start > too_large : funded',
  'pending_user_transfer_complete > completed : funded',
  'pending_user_transfer_complete > pending_anchor : funded',
  'pending_anchor > pending_anchor : funded',
  'pending_anchor > pending_user_transfer_start : unfunded',
  'pending_anchor > pending_external : funded',
  'pending_anchor > pending_user_transfer_complete : funded',
  'pending_anchor > completed : funded',
  'pending_anchor > pending_stellar : funded',
  'pending_anchor > refunded : funded',
  'pending_anchor > on_hold : funded',
  'pending_anchor > too_small : funded',
  'pending_anchor > too_large : funded',
  'pending_anchor > pending_customer_info_update : any',
  'pending_anchor > pending_transaction_info_update : any',
  'pending_anchor > pending_user : any',
  'pending_stellar > refunded : funded',
  'pending_stellar > pending_anchor : funded',
  'pending_external > completed : funded',
  'pending_external > pending_anchor : funded',
  'pending_user > pending_user_transfer_start : any',
  'pending_user > pending_anchor : any',
  'pending_customer_info_update > pending_anchor : any',
  'pending_customer_info_update > pending_user_transfer_start : unfunded',
  'pending_transaction_info_update > pending_anchor : any',
  'on_hold > pending_anchor : funded',
  'too_small > pending_anchor : funded',
  'too_large > pending_anchor : funded',
  'completed > pending_anchor : funded', // the bank reversed the payout after its success
  'error > pending_anchor : funded',
  'error > expired : unfunded',
  'expired > pending_anchor : funded',
];

/** Live statuses each kind uses: any of them may fail (→ error) or, unfunded, expire (→ expired). */
const depositLive = [
  'incomplete',
  'pending_user_transfer_start',
  'pending_anchor',
  'pending_stellar',
  'pending_external',
  'pending_trust',
  'pending_user',
  'pending_customer_info_update',
  'pending_transaction_info_update',
  'on_hold',
  'no_market',
  'too_small',
  'too_large',
];
const withdrawalLive = [
  'incomplete',
  'pending_user_transfer_start',
  'pending_user_transfer_complete',
  'pending_anchor',
  'pending_stellar',
  'pending_external',
  'pending_user',
  'pending_customer_info_update',
  'pending_transaction_info_update',
  'on_hold',
  'too_small',
  'too_large',
];

function buildExpected(specific: readonly string[], live: readonly string[]): ReadonlyMap<string, string> {
  const generic = live.flatMap((from) => [`${from} > error : any`, `${from} > expired : unfunded`]);
  const edges = new Map<string, string>();
  for (const line of [...specific, ...generic]) {
    const [pair, guard] = line.split(' : ');
    if (edges.has(pair!)) throw new Error(`duplicate expected edge ${pair}`);
    edges.set(pair!, guard!);
  }
  return edges;
}

const expectedByKind: Readonly<Record<TransactionKind, ReadonlyMap<string, string>>> = {
  deposit: buildExpected(depositEdges, depositLive),
  withdrawal: buildExpected(withdrawalEdges, withdrawalLive),
};

function expectedAllowed(kind: TransactionKind, from: string, to: string, funded: boolean): boolean {
  const guard = expectedByKind[kind].get(`${from} > ${to}`);
  if (guard === undefined) return false;
  if (guard === 'any') return true;
  return guard === 'funded' ? funded : !funded;
}

describe.each(TRANSACTION_KINDS)('%s transitions (exhaustive)', (kind) => {
  it.each(TRANSACTION_STATUSES)(`${kind} from %s allows exactly the expected moves`, (from) => {
    const mismatches: string[] = [];
    for (const to of TRANSACTION_STATUSES) {
      for (const funded of [false, true]) {
        const actual = checkTransition({ kind, from, to, funded }).ok;
        const expected = expectedAllowed(kind, from, to, funded);
        if (actual !== expected) mismatches.push(`${from} > ${to} (funded=${funded}): got ${actual}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('the table has no duplicate edges', () => {
    for (const from of TRANSACTION_STATUSES) {
      const targets = TRANSITION_TABLE[kind][from].map((edge) => edge.to);
      expect(new Set(targets).size).toBe(targets.length);
    }
  });

  it('refunded has no way out, funded or not', () => {
    expect(nextStatuses(kind, 'refunded', false)).toEqual([]);
    expect(nextStatuses(kind, 'refunded', true)).toEqual([]);
  });

  it('completed has no way out, except a withdrawal whose payout the bank reversed', () => {
    expect(nextStatuses(kind, 'completed', false)).toEqual([]);
    expect(nextStatuses(kind, 'completed', true)).toEqual(kind === 'withdrawal' ? ['pending_anchor'] : []);
  });

  it('expired has no way out unless late funds arrive, and then only to pending_anchor', () => {
    expect(nextStatuses(kind, 'expired', false)).toEqual([]);
    expect(nextStatuses(kind, 'expired', true)).toEqual(['pending_anchor']);
  });

  it('never expires a funded transaction', () => {
    for (const from of TRANSACTION_STATUSES) {
      const check = checkTransition({ kind, from, to: 'expired', funded: true });
      expect(check.ok, `${from} > expired`).toBe(false);
    }
  });

  it('recovers from error or expired only when funded', () => {
    for (const from of ['error', 'expired'] as const) {
      expect(checkTransition({ kind, from, to: 'pending_anchor', funded: true })).toEqual({ ok: true });
      const refused = checkTransition({ kind, from, to: 'pending_anchor', funded: false });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.reason).toContain('only after its funds are received');
    }
  });

  it('never completes or refunds an unfunded transaction', () => {
    for (const from of TRANSACTION_STATUSES) {
      for (const to of ['completed', 'refunded'] as const) {
        expect(checkTransition({ kind, from, to, funded: false }).ok, `${from} > ${to}`).toBe(false);
      }
    }
  });

  it('allows a self-transition only for pending_anchor (amounts updated)', () => {
    for (const status of TRANSACTION_STATUSES) {
      const allowed = checkTransition({ kind, from: status, to: status, funded: true }).ok;
      expect(allowed, status).toBe(status === 'pending_anchor');
    }
  });

  it('explains a refused move with the kind and both statuses', () => {
    const refused = checkTransition({ kind, from: 'refunded', to: 'pending_anchor', funded: true });
    expect(refused).toEqual({ ok: false, reason: `a ${kind} cannot move from refunded to pending_anchor` });
  });
});

describe('flows walk through the table', () => {
  function walk(kind: TransactionKind, steps: readonly [TransactionStatus, boolean][]): void {
    let from: TransactionStatus = 'incomplete';
    for (const [to, funded] of steps) {
      expect(checkTransition({ kind, from, to, funded }), `${kind}: ${from} > ${to}`).toEqual({ ok: true });
      from = to;
    }
  }

  it('deposit: pay with Paystack, receive the asset on Stellar', () => {
    walk('deposit', [
      ['pending_user_transfer_start', false],
      ['pending_anchor', true],
      ['pending_stellar', true],
      ['completed', true],
    ]);
  });

  it('deposit: no trustline, then refunded to the bank', () => {
    walk('deposit', [
      ['pending_user_transfer_start', false],
      ['pending_anchor', true],
      ['pending_trust', true],
      ['pending_anchor', true],
      ['pending_external', true],
      ['refunded', true],
    ]);
  });

  it('deposit: the customer never pays and it expires', () => {
    walk('deposit', [
      ['pending_user_transfer_start', false],
      ['expired', false],
    ]);
  });

  it('withdrawal: send the asset, receive naira in the bank', () => {
    walk('withdrawal', [
      ['pending_user_transfer_start', false],
      ['pending_anchor', true],
      ['pending_external', true],
      ['completed', true],
    ]);
  });

  it('withdrawal: transfer reversed, asset refunded on Stellar', () => {
    walk('withdrawal', [
      ['pending_user_transfer_start', false],
      ['pending_anchor', true],
      ['pending_external', true],
      ['pending_anchor', true],
      ['pending_stellar', true],
      ['refunded', true],
    ]);
  });
});

describe('status vocabulary', () => {
  it('has the 18 SEP-24/6 statuses', () => {
    expect(TRANSACTION_STATUSES).toHaveLength(18);
    expect(isTransactionStatus('pending_anchor')).toBe(true);
    expect(isTransactionStatus('pending_receiver')).toBe(false);
    expect(isTransactionStatus('COMPLETED')).toBe(false);
  });

  it('treats completed, refunded and expired as final, and error as not', () => {
    const finals = TRANSACTION_STATUSES.filter((status) => isFinal(status));
    expect(finals).toEqual(['completed', 'refunded', 'expired']);
  });

  it('treats an unknown status or kind from storage as corrupt state', () => {
    const corrupt = 'pending_receiver' as TransactionStatus;
    expect(() => checkTransition({ kind: 'deposit', from: corrupt, to: 'error', funded: false })).toThrow(
      AssertionError,
    );
    expect(() =>
      checkTransition({ kind: 'deposit', from: 'incomplete', to: corrupt, funded: false }),
    ).toThrow(AssertionError);
    const kind = 'swap' as TransactionKind;
    expect(() => checkTransition({ kind, from: 'incomplete', to: 'error', funded: false })).toThrow(
      AssertionError,
    );
  });
});
