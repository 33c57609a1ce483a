/**
 * The control surface: fault switches, manual ledger close, reset, inspection and direct seeding
 * of accounts and trustlines. The same operations back `/_sandbox/*` and the `control` object.
 *
 * Seeding writes ledger entries directly, like a genesis file: it records no transactions, so
 * seeded balances never show up in `/payments` (an observer sees only real submissions).
 */
import { StrKey } from '@stellar/stellar-sdk';
import { assetIssuer, isNative, parseAssetKey } from './assets.js';
import { formatStroops, parseStroops, STROOPS_MAX, STROOPS_PER_XLM } from './amounts.js';
import { applyPatch, NO_FAULTS, type FaultPatch, type FaultState } from './faults.js';
import type { Network } from './network.js';
import type { StreamHub } from './sse.js';
import { newAccount } from './state.js';

export interface SeedAccount {
  readonly accountId: string;
  /** Native balance as a 7-decimal string; default 10,000 XLM (friendbot's grant). */
  readonly balance?: string;
}

export interface SeedTrustline {
  readonly accountId: string;
  /** "CODE:ISSUER"; the issuer must exist. */
  readonly asset: string;
  /** Default: the maximum (922337203685.4775807), as `changeTrust` without a limit. */
  readonly limit?: string;
  /** Balance to hold; issued out of thin air by the issuer. Default 0. */
  readonly balance?: string;
}

export interface SandboxState {
  readonly networkPassphrase: string;
  readonly latestLedger: number;
  readonly ingestedLedger: number;
  readonly pendingTransactions: number;
  readonly transactions: number;
  readonly payments: number;
  readonly streams: number;
  readonly faults: FaultState;
  readonly rootAccount: string;
  readonly accounts: readonly { id: string; sequence: string; balances: Record<string, string> }[];
  readonly claimableBalances: number;
}

export interface HorizonControl {
  faults(): FaultState;
  setFaults(patch: FaultPatch): FaultState;
  /** Closes the open ledger now; its transactions become visible after the ingestion delay. */
  closeLedger(): number;
  reset(): void;
  state(): SandboxState;
  createAccount(seed: SeedAccount): void;
  setTrustline(seed: SeedTrustline): void;
}

/** Accounts listed by `/_sandbox/state`; inspection of more goes through `/accounts/{id}`. */
const STATE_ACCOUNTS_MAX = 200;
const DEFAULT_SEED_BALANCE = 10_000n * STROOPS_PER_XLM;

export class ControlError extends Error {
  override readonly name = 'ControlError';
}

function amount(text: string | undefined, fallback: bigint, what: string): bigint {
  if (text === undefined) return fallback;
  const stroops = parseStroops(text);
  if (stroops === undefined)
    throw new ControlError(`${what} must be a non-negative amount with at most 7 decimals`);
  return stroops;
}

export function createControl(network: Network, hub: StreamHub): HorizonControl {
  let faults: FaultState = NO_FAULTS;
  const control: HorizonControl = {
    faults: () => faults,
    setFaults(patch) {
      faults = applyPatch(faults, patch);
      network.ingestionDelayMs = faults.ingestionDelayMs;
      if (patch.dropStream === true) hub.dropAll();
      return faults;
    },
    closeLedger: () => network.closeLedger(),
    reset() {
      faults = NO_FAULTS;
      network.ingestionDelayMs = 0;
      hub.dropAll();
      network.reset();
    },
    state: () => stateOf(network, hub, faults),
    createAccount(seed) {
      if (!StrKey.isValidEd25519PublicKey(seed.accountId))
        throw new ControlError('accountId must be a G… account id');
      if (network.entries.accounts.has(seed.accountId))
        throw new ControlError(`account ${seed.accountId} exists`);
      const balance = amount(seed.balance, DEFAULT_SEED_BALANCE, 'balance');
      const account = newAccount(seed.accountId, balance, network.openLedger(), network.nowSec());
      network.entries.accounts.set(account.id, account);
    },
    setTrustline(seed) {
      const account = network.entries.accounts.get(seed.accountId);
      if (account === undefined) throw new ControlError(`account ${seed.accountId} does not exist`);
      const asset = parseAssetKey(seed.asset);
      if (asset === undefined || isNative(asset)) throw new ControlError('asset must be CODE:ISSUER');
      const issuer = assetIssuer(asset) ?? '';
      if (!network.entries.accounts.has(issuer)) throw new ControlError(`issuer ${issuer} does not exist`);
      if (issuer === account.id) throw new ControlError('an issuer holds no trustline to its own asset');
      const limit = amount(seed.limit, STROOPS_MAX, 'limit');
      const balance = amount(seed.balance, 0n, 'balance');
      if (balance > limit) throw new ControlError('balance is above the limit');
      account.trustlines.set(asset, {
        balanceStroops: balance,
        limitStroops: limit,
        authorized: true,
        lastModifiedLedger: network.status().closed,
      });
    },
  };
  return control;
}

function stateOf(network: Network, hub: StreamHub, faults: FaultState): SandboxState {
  const status = network.status();
  const accounts = [...network.entries.accounts.values()].slice(0, STATE_ACCOUNTS_MAX).map((account) => {
    const balances: Record<string, string> = { native: formatStroops(account.balanceStroops) };
    for (const [asset, line] of account.trustlines) balances[asset] = formatStroops(line.balanceStroops);
    return { id: account.id, sequence: account.sequence.toString(), balances };
  });
  return {
    networkPassphrase: network.passphrase,
    latestLedger: status.closed,
    ingestedLedger: status.ingested,
    pendingTransactions: status.pending,
    transactions: network.history.transactionCount(),
    payments: network.history.paymentCount(),
    streams: hub.size,
    faults,
    rootAccount: network.root.publicKey(),
    accounts,
    claimableBalances: network.entries.claimableBalances.size,
  };
}
