/**
 * The submitter's unknown-outcome algorithm (rails-notes B3.4, B3.5, B7) against the in-process
 * fake Horizon, on every database backend. "Exactly one payment" is counted on the fake's ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keypair, Networks } from '@stellar/stellar-sdk';
import { createChannelPool, type ChannelPool } from '../../src/rails/stellar/channels.js';
import type { HorizonPort } from '../../src/rails/stellar/horizon.js';
import { KeypairSigner } from '../../src/rails/stellar/signer.js';
import {
  createSubmitter,
  type PaymentRequest,
  type Submitter,
  type SubmitterOptions,
} from '../../src/rails/stellar/submitter.js';
import { AssertionError } from '../../src/domain/assert.js';
import { createTestDatabase, databaseKinds, silentLogger, type TestDatabase } from '../support/databases.js';
import { createFakeHorizon, type FakeHorizon } from './rails-stellar-fake.js';

const PASSPHRASE = Networks.TESTNET;
const XLM = 10_000_000n;
const VALIDITY_S = 30;

interface World {
  readonly test: TestDatabase;
  readonly horizon: FakeHorizon;
  readonly channels: readonly KeypairSigner[];
  readonly distribution: KeypairSigner;
  readonly asset: string;
  pool(): Promise<ChannelPool>;
  submitter(overrides?: Partial<SubmitterOptions>, pool?: ChannelPool): Promise<Submitter>;
  user(options?: { trust?: boolean }): string;
}

async function createWorld(test: TestDatabase, channelCount = 4): Promise<World> {
  const horizon = createFakeHorizon(PASSPHRASE);
  const channels = Array.from({ length: channelCount }, () =>
    KeypairSigner.fromSecret(Keypair.random().secret(), 'STELLAR_CHANNEL_SECRETS'),
  );
  for (const channel of channels) horizon.fund(channel.publicKey, 100n * XLM);
  const issuer = Keypair.random().publicKey();
  horizon.fund(issuer, 100n * XLM);
  const asset = `NGNC:${issuer}`;
  const distribution = KeypairSigner.fromSecret(Keypair.random().secret(), 'STELLAR_DISTRIBUTION_SECRET');
  horizon.fund(distribution.publicKey, 100n * XLM);
  horizon.trust(distribution.publicKey, asset);
  horizon.accounts.get(distribution.publicKey)?.balances.set(asset, 1_000_000n * XLM);

  async function pool(): Promise<ChannelPool> {
    const created = createChannelPool(test.database.db, { signers: channels, waitMsMax: 20_000, pollMs: 20 });
    await created.register();
    return created;
  }

  return {
    test,
    horizon,
    channels,
    distribution,
    asset,
    pool,
    async submitter(overrides = {}, existingPool) {
      return createSubmitter({
        db: test.database.db,
        horizon,
        channels: existingPool ?? (await pool()),
        distribution,
        networkPassphrase: PASSPHRASE,
        txValiditySeconds: VALIDITY_S,
        feeMaxStroops: 5000n,
        pollMs: 10,
        resolveMsMax: 5000,
        attemptsMax: 5,
        feeBumpsMax: 3,
        leaseMarginSeconds: 30,
        logger: silentLogger,
        ...overrides,
      });
    },
    user({ trust = true } = {}) {
      const id = Keypair.random().publicKey();
      horizon.fund(id, 10n * XLM);
      if (trust) horizon.trust(id, asset);
      return id;
    },
  };
}

function payment(world: World, destination: string, key: string, amountStroops = 25n * XLM): PaymentRequest {
  return {
    idempotencyKey: key,
    destination,
    asset: world.asset,
    amountStroops,
    memo: { type: 'id', value: '4242' },
  };
}

async function envelopeCount(world: World, key: string): Promise<number> {
  const rows = await world.test.database.db
    .selectFrom('stellar_submission_envelopes as e')
    .innerJoin('stellar_submissions as s', 's.id', 'e.submission_id')
    .select('e.hash')
    .where('s.idempotency_key', '=', key)
    .execute();
  return rows.length;
}

describe.each(databaseKinds)('Stellar submitter on %s', (kind) => {
  // One database for the file: every world has its own channel accounts and idempotency keys.
  let database: TestDatabase;
  let world: World | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind, { poolMax: 10 });
  });
  afterAll(async () => {
    await database.drop();
  });

  it('builds, persists and submits a payment that lands once, then releases the channel', async () => {
    world = await createWorld(database);
    const user = world.user();
    const submitter = await world.submitter();
    const result = await submitter.submitPayment(payment(world, user, 'tx-1:payout'));
    expect(result.state).toBe('succeeded');
    expect(result.attempt).toBe(1);
    expect(result.ledger).toBeGreaterThan(0);
    expect(world.horizon.paymentsTo(user)).toHaveLength(1);
    expect(world.horizon.balance(user, world.asset)).toBe(25n * XLM);
    expect(world.horizon.paymentsTo(user)[0]?.memo).toBe('4242');
    const channel = await world.test.database.db
      .selectFrom('stellar_channels')
      .selectAll()
      .where('account', '=', result.channelAccount)
      .executeTakeFirstOrThrow();
    expect(channel.leased_by).toBeNull();
    expect(BigInt(channel.sequence ?? '0')).toBe(result.sequence);
    expect(await envelopeCount(world, 'tx-1:payout')).toBe(1);
  });

  it('timeout that landed: resolves by hash as succeeded without rebuilding', async () => {
    world = await createWorld(database);
    const user = world.user();
    world.horizon.faults.push('timeout_landed');
    const submitter = await world.submitter();
    const result = await submitter.submitPayment(payment(world, user, 'tx-2:payout'));
    expect(result.state).toBe('succeeded');
    expect(result.attempt).toBe(1);
    expect(world.horizon.paymentsTo(user)).toHaveLength(1);
    expect(await envelopeCount(world, 'tx-2:payout')).toBe(1);
  });

  it('timeout that was dropped: stays pending until max time passes on the network, then rebuilds once', async () => {
    world = await createWorld(database);
    const user = world.user();
    for (let i = 0; i < 1000; i += 1) world.horizon.faults.push('timeout_dropped');
    const submitter = await world.submitter({ resolveMsMax: 100 });
    const first = await submitter.submitPayment(payment(world, user, 'tx-3:payout'));
    expect(first.state).toBe('pending');
    expect(first.attempt).toBe(1);
    // Before max time, resolution resubmits the same envelope and never rebuilds.
    const stillPending = await submitter.resume('tx-3:payout');
    expect(stillPending?.attempt).toBe(1);
    expect(stillPending?.hash).toBe(first.hash);
    expect(world.horizon.paymentsTo(user)).toHaveLength(0);
    // The network's clock passes max time; the hash is absent: the envelope is dead.
    world.horizon.faults.length = 0;
    world.horizon.clockOffsetS = VALIDITY_S + 10;
    const final = await submitter.resume('tx-3:payout');
    expect(final?.state).toBe('succeeded');
    expect(final?.attempt).toBe(2);
    expect(final?.hash).not.toBe(first.hash);
    expect(world.horizon.paymentsTo(user)).toHaveLength(1);
    expect(await envelopeCount(world, 'tx-3:payout')).toBe(2);
  });

  it('does not rebuild after max time by the local clock while the network says otherwise', async () => {
    world = await createWorld(database);
    const user = world.user();
    for (let i = 0; i < 1000; i += 1) world.horizon.faults.push('timeout_dropped');
    // Local clock far ahead: only Horizon's ledger time may declare the envelope dead.
    const submitter = await world.submitter({ resolveMsMax: 200, now: () => Date.now() + 3_600_000 });
    const result = await submitter.submitPayment(payment(world, user, 'tx-3b:payout'));
    expect(result.state).toBe('pending');
    expect(result.attempt).toBe(1);
    expect(await envelopeCount(world, 'tx-3b:payout')).toBe(1);
  });

  it('tx_bad_seq after another process used the channel: refreshes the sequence and rebuilds', async () => {
    world = await createWorld(database, 1);
    const user = world.user();
    const submitter = await world.submitter();
    expect((await submitter.submitPayment(payment(world, user, 'tx-4a:payout'))).state).toBe('succeeded');
    const channel = world.channels[0]!.publicKey;
    world.horizon.bumpSequence(channel);
    world.horizon.bumpSequence(channel);
    const result = await submitter.submitPayment(payment(world, user, 'tx-4b:payout'));
    expect(result.state).toBe('succeeded');
    expect(result.attempt).toBe(2);
    expect(world.horizon.paymentsTo(user)).toHaveLength(2);
  });

  it('tx_bad_seq while the channel is behind the envelope: waits and resubmits, never rebuilds', async () => {
    world = await createWorld(database);
    const user = world.user();
    world.horizon.faults.push({ code: 'tx_bad_seq' });
    const submitter = await world.submitter();
    const result = await submitter.submitPayment(payment(world, user, 'tx-4c:payout'));
    expect(result.state).toBe('succeeded');
    expect(result.attempt).toBe(1);
    expect(world.horizon.paymentsTo(user)).toHaveLength(1);
  });

  it('fee surge: fee-bumps the persisted inner transaction within the maximum', async () => {
    world = await createWorld(database);
    const user = world.user();
    world.horizon.minFeePerOpStroops = 1000n;
    const submitter = await world.submitter();
    const result = await submitter.submitPayment(payment(world, user, 'tx-5:payout'));
    expect(result.state).toBe('succeeded');
    expect(result.attempt).toBe(1);
    expect(result.feeBumps).toBe(1);
    expect(result.hash).not.toBe(result.innerHash);
    expect(result.feeStroops).toBeLessThanOrEqual(5000n * 2n);
    expect(world.horizon.paymentsTo(user)).toHaveLength(1);
    expect(await envelopeCount(world, 'tx-5:payout')).toBe(2);
  });

  it('fee surge above the maximum: bids the maximum, then waits without paying more', async () => {
    world = await createWorld(database);
    const user = world.user();
    world.horizon.minFeePerOpStroops = 50_000n;
    const submitter = await world.submitter({ resolveMsMax: 200 });
    const result = await submitter.submitPayment(payment(world, user, 'tx-5b:payout'));
    expect(result.state).toBe('pending');
    expect(result.feeStroops).toBe(5000n * 2n);
    expect(result.lastError).toMatch(/fee cap/);
    expect(world.horizon.paymentsTo(user)).toHaveLength(0);
  });

  it('the same idempotency key twice, in sequence or at once, pays once', async () => {
    world = await createWorld(database);
    const user = world.user();
    const submitter = await world.submitter();
    const request = payment(world, user, 'tx-6:payout');
    const first = await submitter.submitPayment(request);
    const second = await submitter.submitPayment(request);
    expect(second.hash).toBe(first.hash);
    expect(second.state).toBe('succeeded');
    const other = payment(world, user, 'tx-6b:payout');
    const both = await Promise.all([submitter.submitPayment(other), submitter.submitPayment(other)]);
    expect(both[0].hash).toBe(both[1].hash);
    expect(both.map((s) => s.state)).toEqual(['succeeded', 'succeeded']);
    expect(world.horizon.paymentsTo(user)).toHaveLength(2);
  });

  it('refuses an idempotency key reused for a different payment', async () => {
    world = await createWorld(database);
    const user = world.user();
    const submitter = await world.submitter();
    await submitter.submitPayment(payment(world, user, 'tx-7:payout'));
    await expect(submitter.submitPayment(payment(world, user, 'tx-7:payout', 26n * XLM))).rejects.toThrow(
      AssertionError,
    );
    expect(world.horizon.paymentsTo(user)).toHaveLength(1);
  });

  it('crash after persisting, before submitting: resume sends the same envelope, one payment', async () => {
    world = await createWorld(database);
    const user = world.user();
    const crashing: HorizonPort = {
      ...world.horizon,
      submit: () => Promise.reject(new Error('process died')),
    };
    const pool = await world.pool();
    const dying = await world.submitter({ horizon: crashing }, pool);
    await expect(dying.submitPayment(payment(world, user, 'tx-8:payout'))).rejects.toThrow('process died');
    const persisted = await dying.get('tx-8:payout');
    expect(persisted?.state).toBe('submitted');
    expect(world.horizon.submissions).toBe(0);
    const restarted = await world.submitter();
    const resumed = await restarted.resume('tx-8:payout');
    expect(resumed?.state).toBe('succeeded');
    expect(resumed?.hash).toBe(persisted?.hash);
    expect(world.horizon.paymentsTo(user)).toHaveLength(1);
    expect(await restarted.resume('unknown-key')).toBeUndefined();
  });

  it('an included failure (no trustline) is definitive and consumes the channel sequence', async () => {
    world = await createWorld(database, 1);
    const untrusting = world.user({ trust: false });
    const submitter = await world.submitter();
    const failed = await submitter.submitPayment(payment(world, untrusting, 'tx-9:payout'));
    expect(failed.state).toBe('failed');
    expect(failed.transactionCode).toBe('tx_failed');
    expect(failed.operationCodes).toEqual(['op_no_trust']);
    // The next payment on the same channel uses the next sequence without a tx_bad_seq.
    const next = await submitter.submitPayment(payment(world, world.user(), 'tx-9b:payout'));
    expect(next.state).toBe('succeeded');
    expect(next.attempt).toBe(1);
    expect(next.sequence).toBe(failed.sequence + 1n);
  });

  it('a rejected envelope (bad auth) fails without paying', async () => {
    world = await createWorld(database);
    const user = world.user();
    world.horizon.faults.push({ code: 'tx_bad_auth' });
    const submitter = await world.submitter();
    const result = await submitter.submitPayment(payment(world, user, 'tx-10:payout'));
    expect(result.state).toBe('failed');
    expect(result.transactionCode).toBe('tx_bad_auth');
    expect(world.horizon.paymentsTo(user)).toHaveLength(0);
  });

  it('500 concurrent payments over 8 channels and two processes all land, with no sequence error', async () => {
    world = await createWorld(database, 8);
    const users = Array.from({ length: 10 }, () => world!.user());
    const [a, b] = [await world.submitter(), await world.submitter()];
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        (i % 2 === 0 ? a : b).submitPayment(payment(world!, users[i % 10]!, `bulk-${i}`, 1n * XLM)),
      ),
    );
    const elapsedMs = performance.now() - started;
    console.info(`[${kind}] 500 payments over 8 channels: ${Math.round(elapsedMs)} ms`);
    expect(results.every((r) => r.state === 'succeeded')).toBe(true);
    expect(results.every((r) => r.attempt === 1 && r.lastError === null)).toBe(true);
    const landed = users.reduce((n, u) => n + world!.horizon.paymentsTo(u).length, 0);
    expect(landed).toBe(500);
    const leased = await world.test.database.db
      .selectFrom('stellar_channels')
      .select('account')
      .where(
        'account',
        'in',
        world.channels.map((c) => c.publicKey),
      )
      .where('leased_by', 'is not', null)
      .execute();
    expect(leased).toHaveLength(0);
  });
});
