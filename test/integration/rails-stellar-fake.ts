/**
 * A small in-process Horizon behind the submitter's `HorizonPort`, for tests that must not wait for
 * HTTP: accounts with sequences and balances, payments applied with the network's rules that matter
 * to the submitter (sequence, time bounds, fee, signatures, trustlines, balances), idempotent
 * resubmission by hash, and fault switches (timeout that landed / was dropped, forced result codes,
 * fee surge). The HTTP double in src/sandbox/horizon is the faithful one.
 */
import { FeeBumpTransaction, Keypair, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk';
import type {
  AccountOutcome,
  HorizonPort,
  LookupOutcome,
  PaymentRecord,
  SubmitOutcome,
  TransactionCode,
} from '../../src/rails/stellar/horizon.js';

export type SubmitFault =
  | 'timeout_landed'
  | 'timeout_dropped'
  | { readonly code: TransactionCode; readonly operations?: readonly string[] };

interface FakeAccount {
  sequence: bigint;
  /** asset (`native` or CODE:ISSUER) → stroops. */
  balances: Map<string, bigint>;
}

interface StoredTx {
  readonly hash: string;
  readonly innerHash: string;
  readonly successful: boolean;
  readonly ledger: number;
  readonly codes: { transaction: string; operations: string[] };
}

export interface FakeHorizon extends HorizonPort {
  readonly accounts: Map<string, FakeAccount>;
  readonly faults: SubmitFault[];
  /** Fee per operation below which submissions fail with tx_insufficient_fee. */
  minFeePerOpStroops: bigint;
  /** Seconds added to the wall clock: the network's time. */
  clockOffsetS: number;
  /** Submissions received (including resubmissions and faulted ones). */
  submissions: number;
  fund(account: string, stroops: bigint): void;
  trust(account: string, asset: string): void;
  balance(account: string, asset: string): bigint;
  /** Successful payment operations to `destination`, as on the ledger. */
  paymentsTo(destination: string): PaymentRecord[];
  /** Consumes a channel's next sequence with an unrelated transaction (another process). */
  bumpSequence(account: string): void;
}

function hashOf(tx: Transaction | FeeBumpTransaction): string {
  return Buffer.from(tx.hash()).toString('hex');
}

function signedBy(tx: Transaction | FeeBumpTransaction, account: string): boolean {
  const keypair = Keypair.fromPublicKey(account);
  const hint = Buffer.from(keypair.signatureHint());
  const hash = tx.hash();
  return tx.signatures.some(
    (sig) => Buffer.from(sig.hint.value).equals(hint) && keypair.verify(hash, sig.signature.value),
  );
}

export function createFakeHorizon(passphrase: string): FakeHorizon {
  const accounts = new Map<string, FakeAccount>();
  const txs = new Map<string, StoredTx>();
  const payments: PaymentRecord[] = [];
  let ledger = 2;
  const nowS = (): number => Math.floor(Date.now() / 1000) + fake.clockOffsetS;

  function failed(code: string, operations: string[] = []): SubmitOutcome {
    return {
      kind: 'failed',
      transactionCode: code as TransactionCode,
      innerTransactionCode: null,
      operationCodes: operations as never,
      resultXdr: null,
      detail: JSON.stringify({ transaction: code, operations }),
    };
  }

  function outcomeOf(stored: StoredTx): SubmitOutcome {
    if (stored.successful)
      return { kind: 'success', hash: stored.hash, ledger: stored.ledger, resultXdr: 'AAAA' };
    return failed(stored.codes.transaction, stored.codes.operations);
  }

  /** Validates and applies; undefined when the envelope is rejected (not included). */
  function apply(envelope: Transaction | FeeBumpTransaction): SubmitOutcome {
    const inner = envelope instanceof FeeBumpTransaction ? envelope.innerTransaction : envelope;
    const ops = BigInt(inner.operations.length);
    const hash = hashOf(envelope);
    const innerHash = hashOf(inner);
    const maxTime = Number(inner.timeBounds?.maxTime ?? '0');
    if (maxTime !== 0 && nowS() > maxTime) return failed('tx_too_late');
    const source = accounts.get(inner.source);
    if (source === undefined) return failed('tx_no_source_account');
    if (BigInt(inner.sequence) !== source.sequence + 1n) return failed('tx_bad_seq');
    const bidPerOp =
      envelope instanceof FeeBumpTransaction ? BigInt(envelope.fee) / (ops + 1n) : BigInt(inner.fee) / ops;
    if (bidPerOp < fake.minFeePerOpStroops) return failed('tx_insufficient_fee');
    if (envelope instanceof FeeBumpTransaction && !signedBy(envelope, envelope.feeSource))
      return failed('tx_bad_auth');
    const required = new Set([inner.source, ...inner.operations.map((op) => op.source ?? inner.source)]);
    for (const account of required) if (!signedBy(inner, account)) return failed('tx_bad_auth');
    // Included from here: the sequence is consumed whatever the operations do.
    source.sequence = BigInt(inner.sequence);
    ledger += 1;
    const opCodes: string[] = [];
    const moves: { from: string; to: string; asset: string; stroops: bigint }[] = [];
    for (const op of inner.operations) {
      if (op.type !== 'payment') {
        opCodes.push('op_not_supported');
        continue;
      }
      const from = op.source ?? inner.source;
      const asset = op.asset.isNative() ? 'native' : `${op.asset.getCode()}:${op.asset.getIssuer()}`;
      const stroops = BigInt(op.amount.replace('.', ''));
      const destination = accounts.get(op.destination);
      if (destination === undefined) opCodes.push('op_no_destination');
      else if (!destination.balances.has(asset) && op.asset.getIssuer() !== op.destination)
        opCodes.push('op_no_trust');
      else if (op.asset.getIssuer() !== from && (accounts.get(from)?.balances.get(asset) ?? 0n) < stroops)
        opCodes.push('op_underfunded');
      else {
        opCodes.push('op_success');
        moves.push({ from, to: op.destination, asset, stroops });
      }
    }
    const successful = opCodes.every((c) => c === 'op_success');
    const stored: StoredTx = {
      hash,
      innerHash,
      successful,
      ledger,
      codes: { transaction: successful ? 'tx_success' : 'tx_failed', operations: opCodes },
    };
    txs.set(hash, stored);
    if (innerHash !== hash) txs.set(innerHash, stored);
    if (successful) {
      for (const move of moves) {
        const fromAccount = accounts.get(move.from);
        const toAccount = accounts.get(move.to);
        if (fromAccount !== undefined && move.asset.split(':')[1] !== move.from)
          fromAccount.balances.set(move.asset, (fromAccount.balances.get(move.asset) ?? 0n) - move.stroops);
        if (toAccount !== undefined && move.asset.split(':')[1] !== move.to)
          toAccount.balances.set(move.asset, (toAccount.balances.get(move.asset) ?? 0n) + move.stroops);
        const token = String(payments.length + 1);
        payments.push({
          id: token,
          pagingToken: token,
          type: 'payment',
          transactionHash: hash,
          transactionSuccessful: true,
          from: move.from,
          to: move.to,
          asset: move.asset,
          amount: move.stroops.toString(),
          createdAt: new Date(nowS() * 1000).toISOString(),
          memoType: inner.memo.type,
          memo: inner.memo.value === null ? null : String(inner.memo.value),
        });
      }
    }
    return outcomeOf(stored);
  }

  const fake: FakeHorizon = {
    accounts,
    faults: [],
    minFeePerOpStroops: 100n,
    clockOffsetS: 0,
    submissions: 0,

    fund(account, stroops) {
      accounts.set(account, { sequence: BigInt(ledger) << 32n, balances: new Map([['native', stroops]]) });
    },
    trust(account, asset) {
      const entry = accounts.get(account);
      if (entry === undefined) throw new Error('trust: unfunded account');
      if (!entry.balances.has(asset)) entry.balances.set(asset, 0n);
    },
    balance(account, asset) {
      return accounts.get(account)?.balances.get(asset) ?? 0n;
    },
    paymentsTo(destination) {
      return payments.filter((p) => p.to === destination);
    },
    bumpSequence(account) {
      const entry = accounts.get(account);
      if (entry !== undefined) entry.sequence += 1n;
    },

    async loadAccount(accountId): Promise<AccountOutcome> {
      const entry = accounts.get(accountId);
      if (entry === undefined) return { kind: 'not_found' };
      return {
        kind: 'found',
        id: accountId,
        sequence: entry.sequence,
        balances: [...entry.balances].map(([asset, stroops]) => ({ asset, balance: stroops.toString() })),
        // A plain account: its master key alone, Stellar's default thresholds.
        signers: [{ key: accountId, weight: 1 }],
        mediumThreshold: 0,
      };
    },
    async feeStats() {
      const fee = fake.minFeePerOpStroops;
      return {
        kind: 'ok',
        stats: { lastLedgerBaseFeeStroops: 100n, feeChargedP90Stroops: 100n, feeChargedP99Stroops: fee },
      };
    },
    async latestLedger() {
      return { kind: 'ok', sequence: ledger, closedAtS: nowS() };
    },
    async submit(envelopeXdr) {
      fake.submissions += 1;
      await Promise.resolve();
      const envelope = TransactionBuilder.fromXdr(envelopeXdr, passphrase);
      const known = txs.get(hashOf(envelope));
      const fault = fake.faults.shift();
      if (fault === 'timeout_dropped') return { kind: 'unknown', cause: 'HTTP 504 (fake)' };
      if (known !== undefined)
        return fault === 'timeout_landed' ? { kind: 'unknown', cause: 'HTTP 504' } : outcomeOf(known);
      if (typeof fault === 'object') return failed(fault.code, [...(fault.operations ?? [])]);
      const outcome = apply(envelope);
      return fault === 'timeout_landed' ? { kind: 'unknown', cause: 'HTTP 504 (fake)' } : outcome;
    },
    async transactionByHash(hash): Promise<LookupOutcome> {
      const stored = txs.get(hash);
      if (stored === undefined) return { kind: 'not_found' };
      return {
        kind: 'found',
        hash: stored.hash,
        successful: stored.successful,
        ledger: stored.ledger,
        resultXdr: 'AAAA',
      };
    },
    async payments(query) {
      const records =
        query.account === undefined
          ? payments
          : payments.filter((p) => p.to === query.account || p.from === query.account);
      const page = records.slice(0, query.limit);
      return { kind: 'ok', records: page, nextCursor: page.at(-1)?.pagingToken ?? null };
    },
    streamPayments() {
      return () => undefined;
    },
  };
  return fake;
}
