/**
 * Ledger entries the double keeps (accounts with trustlines and signers, claimable balances) and a
 * copy-on-write overlay so a transaction's operations apply all-or-nothing: a failed transaction
 * discards its overlay, a successful one commits it.
 */
import { assert } from '../../domain/assert.js';
import type { AssetKey } from './assets.js';
import { BASE_RESERVE_STROOPS } from './amounts.js';

export interface Thresholds {
  low: number;
  med: number;
  high: number;
}

export interface AuthFlags {
  authRequired: boolean;
  authRevocable: boolean;
  authImmutable: boolean;
  authClawbackEnabled: boolean;
}

export interface Trustline {
  balanceStroops: bigint;
  limitStroops: bigint;
  authorized: boolean;
  lastModifiedLedger: number;
}

export interface AccountEntry {
  readonly id: string;
  balanceStroops: bigint;
  sequence: bigint;
  sequenceLedger: number;
  sequenceTimeSec: number;
  masterWeight: number;
  thresholds: Thresholds;
  flags: AuthFlags;
  homeDomain: string;
  /** Extra signers (the master key is `masterWeight`): signer key (G… for ed25519) → weight. */
  signers: Map<string, number>;
  trustlines: Map<AssetKey, Trustline>;
  data: Map<string, string>;
  /** Reserves this account locks for entries it sponsors (one per claimable-balance claimant). */
  numSponsoring: number;
  lastModifiedLedger: number;
  lastModifiedTimeSec: number;
}

/** Claim predicate with relative times already turned into absolute ones at creation, as Stellar does. */
export type Predicate =
  | { readonly kind: 'unconditional' }
  | { readonly kind: 'and'; readonly predicates: readonly Predicate[] }
  | { readonly kind: 'or'; readonly predicates: readonly Predicate[] }
  | { readonly kind: 'not'; readonly predicate: Predicate }
  | { readonly kind: 'before'; readonly epochSec: bigint };

export interface Claimant {
  readonly destination: string;
  readonly predicate: Predicate;
}

export interface ClaimableBalanceEntry {
  /** 72 hex characters: the 4-byte type (0) then the 32-byte hash, as Horizon shows it. */
  readonly id: string;
  readonly asset: AssetKey;
  readonly amountStroops: bigint;
  readonly sponsor: string;
  readonly claimants: readonly Claimant[];
  readonly lastModifiedLedger: number;
  readonly lastModifiedTimeSec: number;
}

/** Every trustline, extra signer and data entry is one subentry (Stellar's reserve rule). */
export function subentryCount(account: AccountEntry): number {
  return account.trustlines.size + account.signers.size + account.data.size;
}

/** Minimum native balance: (2 + subentries + sponsoring) × base reserve. */
export function minBalanceStroops(account: AccountEntry, extraEntries = 0): bigint {
  const entries = 2 + subentryCount(account) + account.numSponsoring + extraEntries;
  return BigInt(entries) * BASE_RESERVE_STROOPS;
}

/** Native balance that can leave the account without breaking its reserve. */
export function availableNativeStroops(account: AccountEntry, extraEntries = 0): bigint {
  return account.balanceStroops - minBalanceStroops(account, extraEntries);
}

export function newAccount(
  id: string,
  balanceStroops: bigint,
  ledger: number,
  timeSec: number,
): AccountEntry {
  return {
    id,
    balanceStroops,
    sequence: BigInt(ledger) << 32n,
    sequenceLedger: ledger,
    sequenceTimeSec: timeSec,
    masterWeight: 1,
    thresholds: { low: 0, med: 0, high: 0 },
    flags: { authRequired: false, authRevocable: false, authImmutable: false, authClawbackEnabled: false },
    homeDomain: '',
    signers: new Map(),
    trustlines: new Map(),
    data: new Map(),
    numSponsoring: 0,
    lastModifiedLedger: ledger,
    lastModifiedTimeSec: timeSec,
  };
}

function cloneAccount(account: AccountEntry): AccountEntry {
  const trustlines = new Map<AssetKey, Trustline>();
  for (const [key, line] of account.trustlines) trustlines.set(key, { ...line });
  return {
    ...account,
    thresholds: { ...account.thresholds },
    flags: { ...account.flags },
    signers: new Map(account.signers),
    trustlines,
    data: new Map(account.data),
  };
}

/** The ledger's current entries. Only `Overlay.commit()` and the control API write to it. */
export class LedgerEntries {
  readonly accounts = new Map<string, AccountEntry>();
  readonly claimableBalances = new Map<string, ClaimableBalanceEntry>();

  clear(): void {
    this.accounts.clear();
    this.claimableBalances.clear();
  }
}

/**
 * Pending changes of one transaction's operations. Reads fall through to the ledger; the first
 * write to an entry copies it. `null` marks a deletion.
 */
export class Overlay {
  private readonly accounts = new Map<string, AccountEntry | null>();
  private readonly balances = new Map<string, ClaimableBalanceEntry | null>();

  constructor(private readonly entries: LedgerEntries) {}

  account(id: string): AccountEntry | undefined {
    const pending = this.accounts.get(id);
    if (pending === null) return undefined;
    return pending ?? this.entries.accounts.get(id);
  }

  /** A writable copy of an existing account. */
  mutableAccount(id: string): AccountEntry | undefined {
    const pending = this.accounts.get(id);
    if (pending === null) return undefined;
    if (pending !== undefined) return pending;
    const base = this.entries.accounts.get(id);
    if (base === undefined) return undefined;
    const copy = cloneAccount(base);
    this.accounts.set(id, copy);
    return copy;
  }

  createAccount(account: AccountEntry): void {
    assert(this.account(account.id) === undefined, 'an account is created once');
    this.accounts.set(account.id, account);
  }

  deleteAccount(id: string): void {
    assert(this.account(id) !== undefined, 'only an existing account is deleted');
    this.accounts.set(id, null);
  }

  claimableBalance(id: string): ClaimableBalanceEntry | undefined {
    const pending = this.balances.get(id);
    if (pending === null) return undefined;
    return pending ?? this.entries.claimableBalances.get(id);
  }

  putClaimableBalance(entry: ClaimableBalanceEntry): void {
    this.balances.set(entry.id, entry);
  }

  deleteClaimableBalance(id: string): void {
    assert(this.claimableBalance(id) !== undefined, 'only an existing claimable balance is deleted');
    this.balances.set(id, null);
  }

  commit(ledger: number, timeSec: number): void {
    for (const [id, account] of this.accounts) {
      if (account === null) {
        this.entries.accounts.delete(id);
        continue;
      }
      account.lastModifiedLedger = ledger;
      account.lastModifiedTimeSec = timeSec;
      this.entries.accounts.set(id, account);
    }
    for (const [id, entry] of this.balances) {
      if (entry === null) this.entries.claimableBalances.delete(id);
      else this.entries.claimableBalances.set(id, entry);
    }
    this.accounts.clear();
    this.balances.clear();
  }
}
