/**
 * The Stellar rail end to end over HTTP: the Horizon client, channel pool and submitter against the
 * Horizon double (src/sandbox/horizon), on every database backend. Accounts come from friendbot, the
 * asset is issued with real transactions, and "exactly one payment" is counted on the double's
 * ledger through `/accounts/{id}/payments`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, Asset, Keypair, Operation, TransactionBuilder, type xdr } from '@stellar/stellar-sdk';
import { createHorizonDouble, type HorizonDouble } from '../../src/sandbox/horizon/index.js';
import { createChannelPool, type ChannelPool } from '../../src/rails/stellar/channels.js';
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

async function friendbot(network: Network, signer: { publicKey: string }): Promise<void> {
  const response = await fetch(`${network.double.url}/friendbot?addr=${signer.publicKey}`, {
    signal: AbortSignal.timeout(5000),
  });
  expect(response.status).toBe(200);
}

/** Builds, signs and submits a transaction from `source` directly (set-up, or "another process"). */
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

interface Anchor {
  readonly network: Network;
  readonly channels: readonly KeypairSigner[];
  readonly channelKeys: readonly Keypair[];
  readonly issuer: Keypair;
  readonly asset: Asset;
  pool(): Promise<ChannelPool>;
  submitter(overrides?: Partial<SubmitterOptions>, pool?: ChannelPool): Promise<Submitter>;
  user(): Promise<string>;
  paymentsTo(user: string): Promise<number>;
}

async function createAnchor(network: Network, database: TestDatabase, channelCount: number): Promise<Anchor> {
  const issuer = Keypair.random();
  const distributionKey = Keypair.random();
  const channelKeys = Array.from({ length: channelCount }, () => Keypair.random());
  const distribution = KeypairSigner.fromSecret(distributionKey.secret(), 'STELLAR_DISTRIBUTION_SECRET');
  const channels = channelKeys.map((k) => KeypairSigner.fromSecret(k.secret(), 'STELLAR_CHANNEL_SECRETS'));
  await Promise.all(
    [issuer, distributionKey, ...channelKeys].map((k) => friendbot(network, { publicKey: k.publicKey() })),
  );
  const asset = new Asset('NGNC', issuer.publicKey());
  // Issue the asset: the distribution account trusts it and the issuer pays it in.
  await submitDirect(network, distributionKey, [Operation.changeTrust({ asset })]);
  await submitDirect(network, issuer, [
    Operation.payment({ destination: distributionKey.publicKey(), asset, amount: '1000000.0000000' }),
  ]);

  async function pool(): Promise<ChannelPool> {
    const created = createChannelPool(database.database.db, {
      signers: channels,
      waitMsMax: 20_000,
      pollMs: 20,
    });
    await created.register();
    return created;
  }

  return {
    network,
    channels,
    channelKeys,
    issuer,
    asset,
    pool,
    async submitter(overrides = {}, existing) {
      return createSubmitter({
        db: database.database.db,
        horizon: network.horizon,
        channels: existing ?? (await pool()),
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
    async user() {
      const key = Keypair.random();
      await friendbot(network, { publicKey: key.publicKey() });
      await submitDirect(network, key, [Operation.changeTrust({ asset })]);
      return key.publicKey();
    },
    async paymentsTo(user) {
      const page = await network.horizon.payments({ account: user, order: 'asc', limit: 200 });
      if (page.kind !== 'ok') throw new Error(page.cause);
      return page.records.filter(
        (p) => p.type === 'payment' && p.to === user && p.asset === `NGNC:${issuer.publicKey()}`,
      ).length;
    },
  };
}

function payment(
  anchor: Anchor,
  destination: string,
  key: string,
  amountStroops = 250_000_000n,
): PaymentRequest {
  return {
    idempotencyKey: key,
    destination,
    asset: `${anchor.asset.getCode()}:${anchor.asset.getIssuer()}`,
    amountStroops,
    memo: { type: 'text', value: key.slice(0, 28) },
  };
}

describe.each(databaseKinds)('Stellar rail against the Horizon double on %s', (kind) => {
  let database: TestDatabase;
  let network: Network;
  let anchor: Anchor;
  beforeAll(async () => {
    database = await createTestDatabase(kind, { poolMax: 10 });
    network = await startNetwork();
    anchor = await createAnchor(network, database, 8);
  });
  afterAll(async () => {
    await network.double.close();
    await database.drop();
  });

  it('pays a friendbot-funded user in an issued asset, once', async () => {
    const user = await anchor.user();
    const submitter = await anchor.submitter();
    const result = await submitter.submitPayment(payment(anchor, user, 'd-1:payout'));
    expect(result.state).toBe('succeeded');
    expect(result.attempt).toBe(1);
    expect(await anchor.paymentsTo(user)).toBe(1);
    const found = await network.horizon.transactionByHash(result.hash);
    expect(found).toMatchObject({ kind: 'found', successful: true, ledger: result.ledger });
  });

  it('timeout_landed: exactly one payment, succeeded without rebuilding', async () => {
    const user = await anchor.user();
    const submitter = await anchor.submitter();
    network.double.control.setFaults({ submit: 'timeout_landed' });
    try {
      const result = await submitter.submitPayment(payment(anchor, user, 'd-2:payout'));
      expect(result.state).toBe('succeeded');
      expect(result.attempt).toBe(1);
    } finally {
      network.double.control.setFaults({ submit: 'none' });
    }
    expect(await anchor.paymentsTo(user)).toBe(1);
  });

  it('tx_bad_seq injected (sequence not consumed): resubmits the same envelope and recovers', async () => {
    const user = await anchor.user();
    const submitter = await anchor.submitter();
    network.double.control.setFaults({ nextResultCode: 'tx_bad_seq' });
    const result = await submitter.submitPayment(payment(anchor, user, 'd-3:payout'));
    expect(result.state).toBe('succeeded');
    expect(result.attempt).toBe(1);
    expect(await anchor.paymentsTo(user)).toBe(1);
  });

  it('tx_bad_seq after another process used every channel: refreshes the sequence and rebuilds once', async () => {
    const user = await anchor.user();
    const submitter = await anchor.submitter();
    await Promise.all(
      anchor.channelKeys.map((key) =>
        submitDirect(network, key, [
          Operation.payment({
            destination: anchor.issuer.publicKey(),
            asset: Asset.native(),
            amount: '0.0000001',
          }),
        ]),
      ),
    );
    const result = await submitter.submitPayment(payment(anchor, user, 'd-4:payout'));
    expect(result.state).toBe('succeeded');
    expect(result.attempt).toBe(2);
    expect(await anchor.paymentsTo(user)).toBe(1);
  });

  it('fee surge (tx_insufficient_fee): fee-bumps the persisted inner transaction within the maximum', async () => {
    const user = await anchor.user();
    const submitter = await anchor.submitter();
    network.double.control.setFaults({ nextResultCode: 'tx_insufficient_fee' });
    const result = await submitter.submitPayment(payment(anchor, user, 'd-5:payout'));
    expect(result.state).toBe('succeeded');
    expect(result.feeBumps).toBe(1);
    expect(result.hash).not.toBe(result.innerHash);
    expect(result.feeStroops).toBeLessThanOrEqual(FEE_MAX * 2n);
    expect(await anchor.paymentsTo(user)).toBe(1);
    const found = await network.horizon.transactionByHash(result.hash);
    expect(found.kind).toBe('found');
  });

  it('the same idempotency key twice, in sequence and at once, pays once', async () => {
    const user = await anchor.user();
    const submitter = await anchor.submitter();
    const request = payment(anchor, user, 'd-6:payout');
    const both = await Promise.all([submitter.submitPayment(request), submitter.submitPayment(request)]);
    const again = await submitter.submitPayment(request);
    expect(new Set([both[0].hash, both[1].hash, again.hash]).size).toBe(1);
    expect(again.state).toBe('succeeded');
    expect(await anchor.paymentsTo(user)).toBe(1);
  });

  it('crash after persisting, before submitting: resume submits the same envelope, one payment', async () => {
    const user = await anchor.user();
    const crashing: HorizonPort = {
      ...network.horizon,
      submit: () => Promise.reject(new Error('process died')),
    };
    const dying = await anchor.submitter({ horizon: crashing });
    await expect(dying.submitPayment(payment(anchor, user, 'd-7:payout'))).rejects.toThrow('process died');
    const persisted = await dying.get('d-7:payout');
    expect(persisted?.state).toBe('submitted');
    expect(await anchor.paymentsTo(user)).toBe(0);
    const restarted = await anchor.submitter();
    const resumed = await restarted.resume('d-7:payout');
    expect(resumed?.state).toBe('succeeded');
    expect(resumed?.hash).toBe(persisted?.hash);
    expect(await anchor.paymentsTo(user)).toBe(1);
  });

  it('500 concurrent payments over 8 channels (two processes) all land once, with no sequence error', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => anchor.user()));
    const [a, b] = [await anchor.submitter(), await anchor.submitter()];
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        (i % 2 === 0 ? a : b).submitPayment(payment(anchor, users[i % 5]!, `d-bulk-${i}`, 10_000_000n)),
      ),
    );
    const elapsedMs = performance.now() - started;
    console.info(`[${kind}] double: 500 payments over 8 channels in ${Math.round(elapsedMs)} ms`);
    expect(results.filter((r) => r.state !== 'succeeded')).toEqual([]);
    expect(results.filter((r) => r.attempt !== 1 || r.lastError !== null)).toEqual([]);
    const counts = await Promise.all(users.map((u) => anchor.paymentsTo(u)));
    expect(counts.reduce((x, y) => x + y, 0)).toBe(500);
  }, 60_000);

  it('timeout_dropped: pending until the network passes max time and the hash is absent, then rebuilt once', async () => {
    // A network of its own: its clock is moved forward, which would expire everyone else's envelopes.
    const own = await startNetwork();
    try {
      const ownAnchor = await createAnchor(own, database, 2);
      const user = await ownAnchor.user();
      const submitter = await ownAnchor.submitter({ resolveMsMax: 500 });
      own.double.control.setFaults({ submit: 'timeout_dropped' });
      const first = await submitter.submitPayment(payment(ownAnchor, user, 'd-8:payout'));
      expect(first.state).toBe('pending');
      expect(first.attempt).toBe(1);
      own.double.control.setFaults({ submit: 'none' });
      own.offsetMs = (VALIDITY_S + 5) * 1000;
      await new Promise((resolve) => setTimeout(resolve, 200)); // a ledger closes on the new clock
      const final = await submitter.resume('d-8:payout');
      expect(final?.state).toBe('succeeded');
      expect(final?.attempt).toBe(2);
      expect(final?.hash).not.toBe(first.hash);
      expect(await ownAnchor.paymentsTo(user)).toBe(1);
      expect(await own.horizon.transactionByHash(first.hash)).toEqual({ kind: 'not_found' });
    } finally {
      await own.double.close();
    }
  });

  it('pages and streams payments with their memo, resuming from a paging token', async () => {
    const user = await anchor.user();
    const submitter = await anchor.submitter();
    const received: string[] = [];
    const errors: unknown[] = [];
    const stop = network.horizon.streamPayments(
      { account: user, cursor: 'now' },
      {
        onPayment: (p) => {
          if (p.type === 'payment') received.push(`${p.amount ?? ''}|${p.memo ?? ''}|${p.asset ?? ''}`);
        },
        onError: (error) => errors.push(error),
      },
    );
    try {
      const first = await submitter.submitPayment(payment(anchor, user, 'stream-1', 12_345_000n));
      expect(first.state).toBe('succeeded');
      const asset = `${anchor.asset.getCode()}:${anchor.asset.getIssuer()}`;
      const deadline = Date.now() + 10_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(received).toEqual([`1.2345000|stream-1|${asset}`]);
    } finally {
      stop();
    }
    const page = await network.horizon.payments({ account: user, order: 'desc', limit: 1 });
    if (page.kind !== 'ok') throw new Error(page.cause);
    expect(page.records[0]).toMatchObject({
      type: 'payment',
      to: user,
      amount: '1.2345000',
      memo: 'stream-1',
      memoType: 'text',
    });
    // Everything after the newest token: nothing yet, then exactly the next payment.
    const token = page.records[0]!.pagingToken;
    const after = await network.horizon.payments({ account: user, order: 'asc', limit: 10, cursor: token });
    expect(after).toMatchObject({ kind: 'ok', records: [] });
    await submitter.submitPayment(payment(anchor, user, 'stream-2', 1_000_000n));
    const next = await network.horizon.payments({ account: user, order: 'asc', limit: 10, cursor: token });
    if (next.kind !== 'ok') throw new Error(next.cause);
    expect(next.records.map((r) => r.memo)).toEqual(['stream-2']);
  });
});
