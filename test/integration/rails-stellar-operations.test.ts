/**
 * The submitter's other deliveries — `create_account` and `claimable_balance` — end to end over
 * HTTP against the Horizon double, on every database backend, with the same exactly-once checks as
 * payments: counted on the double's ledger (`/accounts/{id}/payments`, `/claimable_balances`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import {
  Account,
  Asset,
  Keypair,
  MuxedAccount,
  Operation,
  TransactionBuilder,
  type xdr,
} from '@stellar/stellar-sdk';
import { createHorizonDouble, type HorizonDouble } from '../../src/sandbox/horizon/index.js';
import { AssertionError } from '../../src/domain/assert.js';
import { createChannelPool } from '../../src/rails/stellar/channels.js';
import { destinationReadiness } from '../../src/rails/stellar/destination.js';
import { createHorizonClient, type HorizonPort } from '../../src/rails/stellar/horizon.js';
import { KeypairSigner } from '../../src/rails/stellar/signer.js';
import {
  createSubmitter,
  type PaymentRequest,
  type Submitter,
  type SubmitterOptions,
} from '../../src/rails/stellar/submitter.js';
import { createTestDatabase, databaseKinds, silentLogger, type TestDatabase } from '../support/databases.js';

const VALIDITY_S = 30;
const FEE_MAX = 5000n;
/** 2 XLM: above the 1 XLM minimum (two base reserves) a new account needs. */
const STARTING_BALANCE_STROOPS = 20_000_000n;
const AMOUNT_STROOPS = 250_000_000n;
const BALANCE_ID_PATTERN = /^00000000[0-9a-f]{64}$/;

interface Network {
  readonly double: HorizonDouble;
  readonly horizon: HorizonPort;
  /** Added to the double's clock: the network's time runs ahead of ours. */
  offsetMs: number;
}

async function startNetwork(): Promise<Network> {
  const network = { offsetMs: 0 } as { offsetMs: number; double: HorizonDouble; horizon: HorizonPort };
  network.double = await createHorizonDouble({
    ledgerCloseMs: 50,
    clockMs: () => Date.now() + network.offsetMs,
  });
  network.double.control.setFaults({ timeoutMs: 100 });
  network.horizon = createHorizonClient({
    url: new URL(network.double.url),
    network: 'sandbox',
    readTimeoutMs: 5000,
    submitTimeoutMs: 10_000,
  });
  return network;
}

async function friendbot(network: Network, accountId: string): Promise<void> {
  const response = await fetch(`${network.double.url}/friendbot?addr=${accountId}`, {
    signal: AbortSignal.timeout(5000),
  });
  expect(response.status).toBe(200);
}

async function submitDirect(network: Network, source: Keypair, ops: xdr.Operation[]): Promise<void> {
  const account = await network.horizon.loadAccount(source.publicKey());
  if (account.kind !== 'found') throw new Error('source account missing');
  let builder = new TransactionBuilder(new Account(source.publicKey(), account.sequence.toString()), {
    fee: '100',
    networkPassphrase: network.double.networkPassphrase,
  }).setTimeout(60);
  for (const op of ops) builder = builder.addOperation(op);
  const tx = builder.build();
  tx.sign(source);
  const outcome = await network.horizon.submit(tx.toXdr());
  if (outcome.kind !== 'success') throw new Error(`set-up transaction failed: ${JSON.stringify(outcome)}`);
}

interface ClaimableBalanceRecord {
  readonly id: string;
  readonly asset: string;
  readonly amount: string;
  readonly sponsor: string;
  readonly claimants: readonly { destination: string; predicate: unknown }[];
}

interface Anchor {
  readonly network: Network;
  readonly database: TestDatabase;
  readonly distribution: string;
  /** `CODE:ISSUER`. */
  readonly asset: string;
  submitter(overrides?: Partial<SubmitterOptions>): Promise<Submitter>;
  /** A new keypair's account id, not on the ledger. */
  stranger(): string;
  /** A friendbot-funded account without a trustline to the asset. */
  untrusting(): Promise<string>;
  createAccount(destination: string, key: string, startingBalanceStroops?: bigint): PaymentRequest;
  claimable(destination: string, key: string, amountStroops?: bigint): PaymentRequest;
  accountCreations(accountId: string): Promise<number>;
  claimableBalances(claimant: string): Promise<ClaimableBalanceRecord[]>;
}

async function createAnchor(network: Network, database: TestDatabase, channelCount: number): Promise<Anchor> {
  const issuer = Keypair.random();
  const distributionKey = Keypair.random();
  const channelKeys = Array.from({ length: channelCount }, () => Keypair.random());
  const distribution = KeypairSigner.fromSecret(distributionKey.secret(), 'STELLAR_DISTRIBUTION_SECRET');
  const channels = channelKeys.map((k) => KeypairSigner.fromSecret(k.secret(), 'STELLAR_CHANNEL_SECRETS'));
  await Promise.all([issuer, distributionKey, ...channelKeys].map((k) => friendbot(network, k.publicKey())));
  const stellarAsset = new Asset('NGNC', issuer.publicKey());
  await submitDirect(network, distributionKey, [Operation.changeTrust({ asset: stellarAsset })]);
  await submitDirect(network, issuer, [
    Operation.payment({
      destination: distributionKey.publicKey(),
      asset: stellarAsset,
      amount: '1000000.0000000',
    }),
  ]);
  const asset = `NGNC:${issuer.publicKey()}`;
  const pool = createChannelPool(database.database.db, { signers: channels, waitMsMax: 20_000, pollMs: 20 });
  await pool.register();

  return {
    network,
    database,
    distribution: distribution.publicKey,
    asset,
    async submitter(overrides = {}) {
      return createSubmitter({
        db: database.database.db,
        horizon: network.horizon,
        channels: pool,
        distribution,
        networkPassphrase: network.double.networkPassphrase,
        txValiditySeconds: VALIDITY_S,
        feeMaxStroops: FEE_MAX,
        pollMs: 50,
        resolveMsMax: 10_000,
        attemptsMax: 5,
        feeBumpsMax: 3,
        leaseMarginSeconds: 30,
        logger: silentLogger,
        ...overrides,
      });
    },
    stranger: () => Keypair.random().publicKey(),
    async untrusting() {
      const id = Keypair.random().publicKey();
      await friendbot(network, id);
      return id;
    },
    createAccount(destination, key, startingBalanceStroops = STARTING_BALANCE_STROOPS) {
      return {
        idempotencyKey: key,
        operation: 'create_account',
        destination,
        asset: 'native',
        amountStroops: startingBalanceStroops,
        startingBalanceStroops,
        memo: { type: 'text', value: key.slice(0, 28) },
      };
    },
    claimable(destination, key, amountStroops = AMOUNT_STROOPS) {
      return {
        idempotencyKey: key,
        operation: 'claimable_balance',
        destination,
        asset,
        amountStroops,
        memo: { type: 'id', value: '77' },
      };
    },
    async accountCreations(accountId) {
      const page = await network.horizon.payments({ account: accountId, order: 'asc', limit: 200 });
      if (page.kind !== 'ok') throw new Error(page.cause);
      return page.records.filter((p) => p.type === 'create_account' && p.to === accountId).length;
    },
    async claimableBalances(claimant) {
      const response = await fetch(
        `${network.double.url}/claimable_balances?claimant=${claimant}&limit=200`,
        {
          signal: AbortSignal.timeout(5000),
        },
      );
      expect(response.status).toBe(200);
      const page = (await response.json()) as { _embedded: { records: ClaimableBalanceRecord[] } };
      return page._embedded.records;
    },
  };
}

/** A logger keeping warnings, to tell the result-XDR path from the envelope fallback. */
function warningLog(): { logger: pino.Logger; messages: string[] } {
  const messages: string[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => void messages.push(String((JSON.parse(line) as { msg: unknown }).msg)) },
  );
  return { logger, messages };
}

async function nativeBalance(network: Network, accountId: string): Promise<string | undefined> {
  const account = await network.horizon.loadAccount(accountId);
  if (account.kind !== 'found') return undefined;
  return account.balances.find((b) => b.asset === 'native')?.balance;
}

describe.each(databaseKinds)('Stellar submitter operations against the Horizon double on %s', (kind) => {
  let database: TestDatabase;
  let network: Network;
  let anchor: Anchor;
  beforeAll(async () => {
    database = await createTestDatabase(kind, { poolMax: 10 });
    network = await startNetwork();
    anchor = await createAnchor(network, database, 4);
  });
  afterAll(async () => {
    await network.double.close();
    await database.drop();
  });

  it('create_account: creates the missing destination once, with the starting balance and nothing else', async () => {
    const user = anchor.stranger();
    expect(destinationReadiness(await network.horizon.loadAccount(user), anchor.asset)).toBe('missing');
    const submitter = await anchor.submitter();
    const result = await submitter.submitPayment(anchor.createAccount(user, 'o-1:create'));
    expect(result).toMatchObject({
      operation: 'create_account',
      state: 'succeeded',
      attempt: 1,
      claimableBalanceId: null,
    });
    const account = await network.horizon.loadAccount(user);
    expect(account.kind === 'found' ? account.balances : []).toEqual([
      { asset: 'native', balance: '2.0000000' },
    ]);
    // The asset waits for the trustline: the flow learns that from the same readiness check.
    expect(destinationReadiness(account, anchor.asset)).toBe('no_trustline');
    expect(await anchor.accountCreations(user)).toBe(1);
    const row = await database.database.db
      .selectFrom('stellar_submissions')
      .select(['operation', 'asset', 'amount_stroops', 'starting_balance_stroops'])
      .where('idempotency_key', '=', 'o-1:create')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      operation: 'create_account',
      asset: 'native',
      amount_stroops: STARTING_BALANCE_STROOPS.toString(),
      starting_balance_stroops: STARTING_BALANCE_STROOPS.toString(),
    });
  });

  it('claimable_balance: lands once and persists the id the double lists for the claimant', async () => {
    const user = await anchor.untrusting();
    expect(destinationReadiness(await network.horizon.loadAccount(user), anchor.asset)).toBe('no_trustline');
    const submitter = await anchor.submitter();
    const result = await submitter.submitPayment(anchor.claimable(user, 'o-2:claimable'));
    expect(result).toMatchObject({ operation: 'claimable_balance', state: 'succeeded', attempt: 1 });
    expect(result.claimableBalanceId).toMatch(BALANCE_ID_PATTERN);
    expect((await submitter.get('o-2:claimable'))?.claimableBalanceId).toBe(result.claimableBalanceId);
    const listed = await anchor.claimableBalances(user);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: result.claimableBalanceId,
      asset: anchor.asset,
      amount: '25.0000000',
      sponsor: anchor.distribution,
      claimants: [{ destination: user, predicate: { unconditional: true } }],
    });
    const byId = await fetch(`${network.double.url}/claimable_balances/${result.claimableBalanceId ?? ''}`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(byId.status).toBe(200);
  });

  it('timeout_landed: create_account and claimable_balance each still land exactly once', async () => {
    const [created, claimant] = [anchor.stranger(), await anchor.untrusting()];
    const log = warningLog();
    const submitter = await anchor.submitter({ logger: log.logger });
    network.double.control.setFaults({ submit: 'timeout_landed' });
    let results;
    try {
      results = await Promise.all([
        submitter.submitPayment(anchor.createAccount(created, 'o-3:create')),
        submitter.submitPayment(anchor.claimable(claimant, 'o-3:claimable')),
      ]);
    } finally {
      network.double.control.setFaults({ submit: 'none' });
    }
    expect(results.map((r) => [r.state, r.attempt])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    expect(results[0].lastError).toBeNull();
    expect(await nativeBalance(network, created)).toBe('2.0000000');
    expect(await anchor.accountCreations(created)).toBe(1);
    // Resolved through the hash lookup: the id comes from the looked-up transaction's result.
    const listed = await anchor.claimableBalances(claimant);
    expect(listed.map((b) => b.id)).toEqual([results[1].claimableBalanceId]);
    expect(log.messages.filter((m) => m.includes('claimable balance id'))).toEqual([]);
  });

  it('fee surge: a fee-bumped claimable balance keeps the id its inner transaction defines', async () => {
    const user = await anchor.untrusting();
    const log = warningLog();
    const submitter = await anchor.submitter({ logger: log.logger });
    network.double.control.setFaults({ nextResultCode: 'tx_insufficient_fee' });
    const result = await submitter.submitPayment(anchor.claimable(user, 'o-4:claimable'));
    expect(result).toMatchObject({ state: 'succeeded', attempt: 1, feeBumps: 1 });
    expect(result.hash).not.toBe(result.innerHash);
    const listed = await anchor.claimableBalances(user);
    expect(listed.map((b) => b.id)).toEqual([result.claimableBalanceId]);
    expect(log.messages).toEqual(['stellar payment fee-bumped']);
  });

  it('the same key again, in sequence and at once, returns the same submission and delivers once', async () => {
    const [created, claimant] = [anchor.stranger(), await anchor.untrusting()];
    const submitter = await anchor.submitter();
    for (const request of [
      anchor.createAccount(created, 'o-5:create'),
      anchor.claimable(claimant, 'o-5:claimable'),
    ]) {
      const both = await Promise.all([submitter.submitPayment(request), submitter.submitPayment(request)]);
      const again = await submitter.submitPayment(request);
      expect(again.state).toBe('succeeded');
      expect(both).toEqual([again, again]);
    }
    expect(await anchor.accountCreations(created)).toBe(1);
    expect(await anchor.claimableBalances(claimant)).toHaveLength(1);
  });

  it('refuses a key reused for another operation, amount or starting balance, and delivers nothing more', async () => {
    const [created, claimant] = [anchor.stranger(), await anchor.untrusting()];
    const submitter = await anchor.submitter();
    await submitter.submitPayment(anchor.createAccount(created, 'o-6:create'));
    const claim = anchor.claimable(claimant, 'o-6:claimable');
    await submitter.submitPayment(claim);
    const { operation: _claimable, ...asPayment } = claim;
    const { startingBalanceStroops: _start, ...createBody } = anchor.createAccount(created, 'o-6:create');
    const reused: PaymentRequest[] = [
      asPayment,
      { ...claim, operation: 'payment' },
      { ...claim, amountStroops: AMOUNT_STROOPS + 1n },
      anchor.createAccount(created, 'o-6:create', STARTING_BALANCE_STROOPS + 1n),
      { ...createBody, operation: 'claimable_balance' },
      anchor.claimable(claimant, 'o-6:create'),
    ];
    for (const request of reused)
      await expect(submitter.submitPayment(request)).rejects.toThrow(AssertionError);
    expect(await anchor.accountCreations(created)).toBe(1);
    expect(await anchor.claimableBalances(claimant)).toHaveLength(1);
    expect(await nativeBalance(network, created)).toBe('2.0000000');
  });

  it('refuses malformed requests before building anything', async () => {
    const user = anchor.stranger();
    const muxed = new MuxedAccount(new Account(user, '0'), '42').accountId();
    const submitter = await anchor.submitter();
    const create = anchor.createAccount(user, 'o-7:bad');
    const { startingBalanceStroops: _start, ...createWithoutStart } = create;
    const { operation: _claimable, ...claimBody } = anchor.claimable(user, 'o-7:bad');
    const bad: PaymentRequest[] = [
      createWithoutStart,
      { ...create, asset: anchor.asset },
      { ...create, amountStroops: STARTING_BALANCE_STROOPS + 1n },
      { ...create, destination: muxed },
      { ...anchor.claimable(user, 'o-7:bad'), destination: muxed },
      { ...anchor.claimable(user, 'o-7:bad'), startingBalanceStroops: STARTING_BALANCE_STROOPS },
      { ...claimBody, startingBalanceStroops: 1n },
      { ...anchor.claimable(user, 'o-7:bad'), operation: 'merge' } as unknown as PaymentRequest,
    ];
    for (const request of bad) await expect(submitter.submitPayment(request)).rejects.toThrow(AssertionError);
    expect(await submitter.get('o-7:bad')).toBeUndefined();
    expect(await network.horizon.loadAccount(user)).toEqual({ kind: 'not_found' });
  });

  it('create_account for an account that already exists is a definitive included failure', async () => {
    const existing = await anchor.untrusting();
    const submitter = await anchor.submitter();
    const result = await submitter.submitPayment(anchor.createAccount(existing, 'o-8:create'));
    expect(result).toMatchObject({ state: 'failed', transactionCode: 'tx_failed', attempt: 1 });
    expect(result.operationCodes).toHaveLength(1);
    expect(await nativeBalance(network, existing)).toBe('10000.0000000');
  });

  it('the schema refuses rows that break the operation rules', async () => {
    const submitter = await anchor.submitter();
    await submitter.submitPayment(anchor.createAccount(anchor.stranger(), 'o-9:create'));
    await submitter.submitPayment(anchor.claimable(await anchor.untrusting(), 'o-9:claimable'));
    const db = database.database.db;
    const update = (key: string) => db.updateTable('stellar_submissions').where('idempotency_key', '=', key);
    // A create_account without its starting balance, or moving anything but that much XLM.
    await expect(update('o-9:create').set({ starting_balance_stroops: null }).execute()).rejects.toThrow();
    await expect(update('o-9:create').set({ amount_stroops: 1n }).execute()).rejects.toThrow();
    await expect(update('o-9:create').set({ asset: anchor.asset }).execute()).rejects.toThrow();
    // A succeeded claimable balance always names its id; nothing else carries one.
    await expect(update('o-9:claimable').set({ claimable_balance_id: null }).execute()).rejects.toThrow();
    await expect(update('o-9:create').set({ claimable_balance_id: '00' }).execute()).rejects.toThrow();
    await expect(
      update('o-9:create')
        .set({ operation: 'transfer' as 'payment' })
        .execute(),
    ).rejects.toThrow();
  });

  it('timeout_dropped: dead envelopes are rebuilt as the same operation, each delivered once', async () => {
    // A network of its own: its clock is moved forward, which would expire everyone else's envelopes.
    const own = await startNetwork();
    try {
      const ownAnchor = await createAnchor(own, database, 2);
      const [created, claimant] = [ownAnchor.stranger(), await ownAnchor.untrusting()];
      const submitter = await ownAnchor.submitter({ resolveMsMax: 500 });
      own.double.control.setFaults({ submit: 'timeout_dropped' });
      const first = await Promise.all([
        submitter.submitPayment(ownAnchor.createAccount(created, 'o-10:create')),
        submitter.submitPayment(ownAnchor.claimable(claimant, 'o-10:claimable')),
      ]);
      expect(first.map((s) => [s.state, s.attempt, s.claimableBalanceId])).toEqual([
        ['pending', 1, null],
        ['pending', 1, null],
      ]);
      own.double.control.setFaults({ submit: 'none' });
      own.offsetMs = (VALIDITY_S + 5) * 1000;
      await new Promise((resolve) => setTimeout(resolve, 200)); // a ledger closes on the new clock
      // A patient driver: settling and rebuilding under load may outlast the first one's 500 ms.
      const patient = await ownAnchor.submitter();
      const final = await Promise.all([patient.resume('o-10:create'), patient.resume('o-10:claimable')]);
      for (const [i, submission] of final.entries()) {
        expect(submission).toMatchObject({ state: 'succeeded', attempt: 2, operation: first[i]?.operation });
        expect(submission?.hash).not.toBe(first[i]?.hash);
        expect(await own.horizon.transactionByHash(first[i]?.hash ?? '')).toEqual({ kind: 'not_found' });
      }
      expect(await nativeBalance(own, created)).toBe('2.0000000');
      expect(await ownAnchor.accountCreations(created)).toBe(1);
      // The rebuilt envelope has a new sequence, hence a new balance id: the persisted one is the live one.
      const listed = await ownAnchor.claimableBalances(claimant);
      expect(listed.map((b) => b.id)).toEqual([final[1]?.claimableBalanceId]);
      expect(listed[0]?.amount).toBe('25.0000000');
    } finally {
      await own.double.close();
    }
  });
});
