/**
 * The Horizon double against the real SDK (`Horizon.Server`, `TransactionBuilder`): account
 * shapes, payments and trustlines, every validation branch an anchor meets, path payments at the
 * configured rate, claimable balances, fee bumps, paging and streaming.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Asset,
  Claimant,
  Keypair,
  Memo,
  NotFoundError,
  Operation,
  TransactionBuilder,
  xdr,
  type Horizon,
} from '@stellar/stellar-sdk';
import {
  balanceOf,
  build,
  fetchJson,
  funded,
  hashOf,
  startSandbox,
  submit,
  submitFailing,
  waitFor,
  type Sandbox,
} from '../support/horizon-double.js';

let sandbox: Sandbox;
let issuer: Keypair;
let usdc: Asset;
let ngnc: Asset;

beforeAll(async () => {
  sandbox = await startSandbox({ rates: { 'USDC/NGNC': '1530.25' } });
  issuer = await funded(sandbox);
  usdc = new Asset('USDC', issuer.publicKey());
  ngnc = new Asset('NGNC', issuer.publicKey());
});

afterAll(async () => {
  await sandbox.double.close();
});

/** A funded account trusting USDC and NGNC, holding `usdcBalance` USDC. */
async function holder(usdcBalance = '0'): Promise<Keypair> {
  const keypair = await funded(sandbox);
  await submit(sandbox, keypair, [
    Operation.changeTrust({ asset: usdc }),
    Operation.changeTrust({ asset: ngnc }),
  ]);
  if (usdcBalance !== '0')
    await submit(sandbox, issuer, [
      Operation.payment({ destination: keypair.publicKey(), asset: usdc, amount: usdcBalance }),
    ]);
  return keypair;
}

describe('reads', () => {
  it('root names the testnet passphrase and the latest ledger', async () => {
    const root = await sandbox.server.root();
    expect(root.network_passphrase).toBe('Test SDF Network ; September 2015');
    expect(root.history_latest_ledger).toBeGreaterThan(1);
    expect(root.current_protocol_version).toBeGreaterThan(0);
    expect(await sandbox.server.fetchBaseFee()).toBe(100);
  });

  it('an unfunded account is a 404 problem the SDK turns into NotFoundError', async () => {
    const error: unknown = await sandbox.server
      .loadAccount(Keypair.random().publicKey())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    const raw = await fetchJson(`${sandbox.double.url}/accounts/${Keypair.random().publicKey()}`);
    expect(raw.status).toBe(404);
    expect(raw.headers.get('content-type')).toContain('application/problem+json');
    expect(raw.body).toMatchObject({ type: 'https://stellar.org/horizon-errors/not_found', status: 404 });
  });

  it('friendbot funds 10,000 XLM once and refuses an account that exists', async () => {
    const keypair = await funded(sandbox);
    expect(await balanceOf(sandbox, keypair.publicKey(), Asset.native())).toBe('10000.0000000');
    const again = await fetchJson(`${sandbox.double.url}/friendbot?addr=${keypair.publicKey()}`);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({
      extras: { result_codes: { transaction: 'tx_failed', operations: ['op_already_exists'] } },
    });
  });

  it('loadAccount has sequence, thresholds, flags, signers, trustlines with limits and a usable builder source', async () => {
    const keypair = await holder('5');
    const account = await sandbox.server.loadAccount(keypair.publicKey());
    expect(BigInt(account.sequence)).toBeGreaterThan(0n);
    expect(account.subentry_count).toBe(2);
    expect(account.thresholds).toEqual({ low_threshold: 0, med_threshold: 0, high_threshold: 0 });
    expect(account.flags).toMatchObject({ auth_required: false, auth_revocable: false });
    expect(account.signers).toEqual([{ weight: 1, key: keypair.publicKey(), type: 'ed25519_public_key' }]);
    expect(account.paging_token).toBe(keypair.publicKey());
    const line = account.balances.find((b) => 'asset_code' in b && b.asset_code === 'USDC');
    expect(line).toMatchObject({
      balance: '5.0000000',
      limit: '922337203685.4775807',
      asset_issuer: issuer.publicKey(),
      is_authorized: true,
    });
    expect(account.data_attr).toEqual({});
  });
});

describe('payments and trustlines', () => {
  it('change trust adds, limits and removes a trustline', async () => {
    const keypair = await funded(sandbox);
    await submit(sandbox, keypair, [Operation.changeTrust({ asset: usdc, limit: '100' })]);
    let account = await sandbox.server.loadAccount(keypair.publicKey());
    expect(account.balances.find((b) => 'limit' in b)).toMatchObject({
      limit: '100.0000000',
      balance: '0.0000000',
    });
    await submit(sandbox, keypair, [Operation.changeTrust({ asset: usdc, limit: '0' })]);
    account = await sandbox.server.loadAccount(keypair.publicKey());
    expect(account.balances).toHaveLength(1);
    expect(account.subentry_count).toBe(0);
  });

  it('the issuer pays its own asset without a trustline or a limit, and the holder receives it', async () => {
    const keypair = await holder();
    const response = await submit(sandbox, issuer, [
      Operation.payment({ destination: keypair.publicKey(), asset: usdc, amount: '1000000' }),
    ]);
    expect(response.successful).toBe(true);
    expect(await balanceOf(sandbox, keypair.publicKey(), usdc)).toBe('1000000.0000000');
    const result = xdr.TransactionResult.fromXdr(response.result_xdr, 'base64');
    expect(result.result.type).toBe('txSuccess');
    // The legacy name the anchor code and rails-notes use decodes to the same value.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    expect(xdr.TransactionResult.fromXDR(response.result_xdr, 'base64').equals(result)).toBe(true);
  });

  it('a payment past the trustline limit fails op_line_full and moves nothing', async () => {
    const keypair = await funded(sandbox);
    await submit(sandbox, keypair, [Operation.changeTrust({ asset: usdc, limit: '10' })]);
    const tx = await build(sandbox, issuer, [
      Operation.payment({ destination: keypair.publicKey(), asset: usdc, amount: '11' }),
    ]);
    const failure = await submitFailing(sandbox, tx);
    expect(failure.data.extras?.result_codes).toEqual({
      transaction: 'tx_failed',
      operations: ['op_line_full'],
    });
    expect(await balanceOf(sandbox, keypair.publicKey(), usdc)).toBe('0.0000000');
  });

  it('no trustline at the destination is op_no_trust; a missing destination is op_no_destination', async () => {
    const stranger = await funded(sandbox);
    const noTrust = await submitFailing(
      sandbox,
      await build(sandbox, issuer, [
        Operation.payment({ destination: stranger.publicKey(), asset: usdc, amount: '1' }),
      ]),
    );
    expect(noTrust.data.extras?.result_codes?.operations).toEqual(['op_no_trust']);
    const missing = await submitFailing(
      sandbox,
      await build(sandbox, issuer, [
        Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '1' }),
      ]),
    );
    expect(missing.data.extras?.result_codes?.operations).toEqual(['op_no_destination']);
  });

  it('an underfunded payment fails, yet is included: the fee is charged and the sequence consumed', async () => {
    const sender = await holder('1');
    const receiver = await holder();
    const before = await sandbox.server.loadAccount(sender.publicKey());
    const tx = await build(sandbox, sender, [
      Operation.payment({ destination: receiver.publicKey(), asset: usdc, amount: '2' }),
    ]);
    const failure = await submitFailing(sandbox, tx);
    expect(failure.status).toBe(400);
    expect(failure.data.type).toBe('https://stellar.org/horizon-errors/transaction_failed');
    expect(failure.data.extras?.result_codes).toEqual({
      transaction: 'tx_failed',
      operations: ['op_underfunded'],
    });
    const decoded = xdr.TransactionResult.fromXdr(failure.data.extras?.result_xdr ?? '', 'base64');
    expect(decoded.result.type).toBe('txFailed');
    expect(decoded.feeCharged).toBe(100n);
    const after = await sandbox.server.loadAccount(sender.publicKey());
    expect(BigInt(after.sequence)).toBe(BigInt(before.sequence) + 1n);
    expect(await balanceOf(sandbox, sender.publicKey(), Asset.native())).toBe('9999.9999700');
    const record = await sandbox.server.transactions().transaction(hashOf(tx)).call();
    expect(record.successful).toBe(false);
  });

  it('native payments respect the reserve: (2 + subentries) × 0.5 XLM stays behind', async () => {
    const sender = await funded(sandbox);
    const receiver = await funded(sandbox);
    const tx = await build(sandbox, sender, [
      Operation.payment({ destination: receiver.publicKey(), asset: Asset.native(), amount: '9999.5' }),
    ]);
    const failure = await submitFailing(sandbox, tx);
    expect(failure.data.extras?.result_codes?.operations).toEqual(['op_underfunded']);
    const tooPoor = await submitFailing(
      sandbox,
      await build(sandbox, sender, [
        Operation.createAccount({ destination: Keypair.random().publicKey(), startingBalance: '0.5' }),
      ]),
    );
    expect(tooPoor.data.extras?.result_codes?.operations).toEqual(['op_low_reserve']);
  });

  it('an operation failure rolls back the operations before it (atomic)', async () => {
    const sender = await holder('10');
    const receiver = await holder();
    const tx = await build(sandbox, sender, [
      Operation.payment({ destination: receiver.publicKey(), asset: usdc, amount: '4' }),
      Operation.payment({ destination: receiver.publicKey(), asset: usdc, amount: '7' }),
    ]);
    const failure = await submitFailing(sandbox, tx);
    expect(failure.data.extras?.result_codes?.operations).toEqual(['op_success', 'op_underfunded']);
    expect(await balanceOf(sandbox, receiver.publicKey(), usdc)).toBe('0.0000000');
    expect(await balanceOf(sandbox, sender.publicKey(), usdc)).toBe('10.0000000');
  });
});

describe('validation before inclusion', () => {
  it('a wrong sequence is tx_bad_seq and consumes nothing', async () => {
    const keypair = await funded(sandbox);
    const account = await sandbox.server.loadAccount(keypair.publicKey());
    account.incrementSequenceNumber();
    const tx = new TransactionBuilder(account, {
      fee: '100',
      networkPassphrase: sandbox.double.networkPassphrase,
    })
      .addOperation(
        Operation.payment({ destination: issuer.publicKey(), asset: Asset.native(), amount: '1' }),
      )
      .setTimeout(60)
      .build();
    tx.sign(keypair);
    const failure = await submitFailing(sandbox, tx);
    expect(failure.data.extras?.result_codes?.transaction).toBe('tx_bad_seq');
    expect(xdr.TransactionResult.fromXdr(failure.data.extras?.result_xdr ?? '', 'base64').result.type).toBe(
      'txBadSeq',
    );
    expect(await balanceOf(sandbox, keypair.publicKey(), Asset.native())).toBe('10000.0000000');
    expect((await fetchJson(`${sandbox.double.url}/transactions/${hashOf(tx)}`)).status).toBe(404);
  });

  it('a missing signature is tx_bad_auth; an extra unused one is tx_bad_auth_extra', async () => {
    const keypair = await funded(sandbox);
    const op = Operation.payment({ destination: issuer.publicKey(), asset: Asset.native(), amount: '1' });
    const unsigned = await build(sandbox, keypair, [op], { signers: [] });
    expect((await submitFailing(sandbox, unsigned)).data.extras?.result_codes?.transaction).toBe(
      'tx_bad_auth',
    );
    const wrong = await build(sandbox, keypair, [op], { signers: [Keypair.random()] });
    expect((await submitFailing(sandbox, wrong)).data.extras?.result_codes?.transaction).toBe('tx_bad_auth');
    const extra = await build(sandbox, keypair, [op], { signers: [keypair, Keypair.random()] });
    expect((await submitFailing(sandbox, extra)).data.extras?.result_codes?.transaction).toBe(
      'tx_bad_auth_extra',
    );
  });

  it('a wrong network passphrase fails the signature check (tx_bad_auth), as on the real network', async () => {
    const keypair = await funded(sandbox);
    const account = await sandbox.server.loadAccount(keypair.publicKey());
    const tx = new TransactionBuilder(account, {
      fee: '100',
      networkPassphrase: 'Public Global Stellar Network ; September 2015',
    })
      .addOperation(
        Operation.payment({ destination: issuer.publicKey(), asset: Asset.native(), amount: '1' }),
      )
      .setTimeout(60)
      .build();
    tx.sign(keypair);
    expect((await submitFailing(sandbox, tx)).data.extras?.result_codes?.transaction).toBe('tx_bad_auth');
  });

  it('a fee under 100 stroops per operation is tx_insufficient_fee; an expired one tx_too_late', async () => {
    const keypair = await funded(sandbox);
    const op = Operation.payment({ destination: issuer.publicKey(), asset: Asset.native(), amount: '1' });
    const cheap = await build(sandbox, keypair, [op, op], { fee: '99' });
    expect((await submitFailing(sandbox, cheap)).data.extras?.result_codes?.transaction).toBe(
      'tx_insufficient_fee',
    );
    const account = await sandbox.server.loadAccount(keypair.publicKey());
    const late = new TransactionBuilder(account, {
      fee: '100',
      networkPassphrase: sandbox.double.networkPassphrase,
      timebounds: { minTime: 0, maxTime: Math.floor(Date.now() / 1000) - 10 },
    })
      .addOperation(op)
      .build();
    late.sign(keypair);
    expect((await submitFailing(sandbox, late)).data.extras?.result_codes?.transaction).toBe('tx_too_late');
  });

  it('multisig: medium weight for payments, high for signer changes, per the account thresholds', async () => {
    const account = await funded(sandbox);
    const cosigner = Keypair.random();
    await submit(sandbox, account, [
      Operation.setOptions({
        signer: { ed25519PublicKey: cosigner.publicKey(), weight: 1 },
        lowThreshold: 1,
        medThreshold: 2,
        highThreshold: 3,
        masterWeight: 2,
      }),
    ]);
    const loaded = await sandbox.server.loadAccount(account.publicKey());
    expect(loaded.thresholds).toEqual({ low_threshold: 1, med_threshold: 2, high_threshold: 3 });
    expect(loaded.signers).toHaveLength(2);

    const pay = Operation.payment({ destination: issuer.publicKey(), asset: Asset.native(), amount: '1' });
    // The cosigner alone (weight 1) meets low (the transaction) but not medium (the payment).
    const weak = await build(sandbox, account, [pay], { signers: [cosigner] });
    expect((await submitFailing(sandbox, weak)).data.extras?.result_codes).toEqual({
      transaction: 'tx_failed',
      operations: ['op_bad_auth'],
    });
    expect((await submit(sandbox, account, [pay])).successful).toBe(true);

    const removeSigner = Operation.setOptions({
      signer: { ed25519PublicKey: cosigner.publicKey(), weight: 0 },
    });
    const medium = await build(sandbox, account, [removeSigner]);
    expect((await submitFailing(sandbox, medium)).data.extras?.result_codes?.operations).toEqual([
      'op_bad_auth',
    ]);
    expect(
      (await submit(sandbox, account, [removeSigner], { signers: [account, cosigner] })).successful,
    ).toBe(true);
  });

  it('a malformed envelope is a 400 transaction_malformed echoing the envelope', async () => {
    const response = await fetchJson(`${sandbox.double.url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'tx=AAAA',
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      type: 'https://stellar.org/horizon-errors/transaction_malformed',
      extras: { envelope_xdr: 'AAAA' },
    });
  });

  it('refuses an oversized envelope, an unsupported media type and an over-limit page', async () => {
    const big = await fetchJson(`${sandbox.double.url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `tx=${'A'.repeat(140_000)}`,
    });
    expect(big.status).toBe(400);
    const tooLarge = await fetchJson(`${sandbox.double.url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `tx=${'A'.repeat(300_000)}`,
    });
    expect(tooLarge.status).toBe(413);
    const json = await fetchJson(`${sandbox.double.url}/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(415);
    expect((await fetchJson(`${sandbox.double.url}/payments?limit=201`)).status).toBe(400);
  });
});

describe('path payments at the configured rate', () => {
  it('strict send converts USDC to NGNC at 1530.25 and honours destMin', async () => {
    const sender = await holder('10');
    const receiver = await holder();
    const response = await submit(sandbox, sender, [
      Operation.pathPaymentStrictSend({
        sendAsset: usdc,
        sendAmount: '2',
        destination: receiver.publicKey(),
        destAsset: ngnc,
        destMin: '3000',
        path: [],
      }),
    ]);
    expect(response.successful).toBe(true);
    expect(await balanceOf(sandbox, receiver.publicKey(), ngnc)).toBe('3060.5000000');
    expect(await balanceOf(sandbox, sender.publicKey(), usdc)).toBe('8.0000000');
    const under = await submitFailing(
      sandbox,
      await build(sandbox, sender, [
        Operation.pathPaymentStrictSend({
          sendAsset: usdc,
          sendAmount: '1',
          destination: receiver.publicKey(),
          destAsset: ngnc,
          destMin: '1530.26',
          path: [],
        }),
      ]),
    );
    expect(under.data.extras?.result_codes?.operations).toEqual(['op_under_dest_min']);
  });

  it('strict receive buys an exact NGNC amount, rounding the USDC cost up, and honours sendMax', async () => {
    const sender = await holder('10');
    const receiver = await holder();
    await submit(sandbox, sender, [
      Operation.pathPaymentStrictReceive({
        sendAsset: usdc,
        sendMax: '1',
        destination: receiver.publicKey(),
        destAsset: ngnc,
        destAmount: '1000',
        path: [],
      }),
    ]);
    expect(await balanceOf(sandbox, receiver.publicKey(), ngnc)).toBe('1000.0000000');
    // 1000 / 1530.25 = 0.65348799… → 0.6534880 USDC (rounded up for the sender).
    expect(await balanceOf(sandbox, sender.publicKey(), usdc)).toBe('9.3465120');
    const over = await submitFailing(
      sandbox,
      await build(sandbox, sender, [
        Operation.pathPaymentStrictReceive({
          sendAsset: usdc,
          sendMax: '0.5',
          destination: receiver.publicKey(),
          destAsset: ngnc,
          destAmount: '1000',
          path: [],
        }),
      ]),
    );
    expect(over.data.extras?.result_codes?.operations).toEqual(['op_over_source_max']);
    const page = await sandbox.server
      .payments()
      .forAccount(receiver.publicKey())
      .order('desc')
      .limit(1)
      .call();
    expect(page.records[0]).toMatchObject({
      type: 'path_payment_strict_receive',
      amount: '1000.0000000',
      source_amount: '0.6534880',
      source_asset_code: 'USDC',
      asset_code: 'NGNC',
    });
  });
});

describe('claimable balances', () => {
  it('creates one for an account without a trustline, which claims it after trusting the asset', async () => {
    const distributor = await holder('50');
    const user = await funded(sandbox);
    const tx = await build(sandbox, distributor, [
      Operation.createClaimableBalance({
        asset: usdc,
        amount: '20',
        claimants: [
          new Claimant(user.publicKey(), Claimant.predicateUnconditional()),
          new Claimant(
            distributor.publicKey(),
            Claimant.predicateNot(Claimant.predicateBeforeRelativeTime('2592000')),
          ),
        ],
      }),
    ]);
    const balanceId = tx.getClaimableBalanceId(0);
    const response = await sandbox.server.submitTransaction(tx);
    const result = xdr.TransactionResult.fromXdr(response.result_xdr, 'base64');
    expect(result.result.type).toBe('txSuccess');
    const page = await sandbox.server.claimableBalances().claimant(user.publicKey()).call();
    expect(page.records.map((r) => r.id)).toEqual([balanceId]);
    expect(page.records[0]).toMatchObject({
      amount: '20.0000000',
      asset: `USDC:${issuer.publicKey()}`,
      sponsor: distributor.publicKey(),
    });
    // The creator cannot claim yet (its predicate opens in 30 days); the user without a trustline cannot either.
    const early = await submitFailing(
      sandbox,
      await build(sandbox, distributor, [Operation.claimClaimableBalance({ balanceId })]),
    );
    expect(early.data.extras?.result_codes?.operations).toEqual(['op_cannot_claim']);
    const noTrust = await submitFailing(
      sandbox,
      await build(sandbox, user, [Operation.claimClaimableBalance({ balanceId })]),
    );
    expect(noTrust.data.extras?.result_codes?.operations).toEqual(['op_no_trust']);
    await submit(sandbox, user, [
      Operation.changeTrust({ asset: usdc }),
      Operation.claimClaimableBalance({ balanceId }),
    ]);
    expect(await balanceOf(sandbox, user.publicKey(), usdc)).toBe('20.0000000');
    expect((await sandbox.server.claimableBalances().claimant(user.publicKey()).call()).records).toHaveLength(
      0,
    );
  });
});

describe('fee bumps', () => {
  it('a fee account pays for an inner transaction signed by its source', async () => {
    const feePayer = await funded(sandbox);
    const user = await funded(sandbox);
    const inner = await build(sandbox, user, [
      Operation.payment({ destination: issuer.publicKey(), asset: Asset.native(), amount: '5' }),
    ]);
    const bump = TransactionBuilder.buildFeeBumpTransaction(
      feePayer,
      '200',
      inner,
      sandbox.double.networkPassphrase,
    );
    bump.sign(feePayer);
    const response = await sandbox.server.submitTransaction(bump);
    expect(response.successful).toBe(true);
    expect(await balanceOf(sandbox, feePayer.publicKey(), Asset.native())).toBe('9999.9999800');
    expect(await balanceOf(sandbox, user.publicKey(), Asset.native())).toBe('9995.0000000');
    const record = await sandbox.server.transactions().transaction(hashOf(bump)).call();
    expect(record.fee_account).toBe(feePayer.publicKey());
    expect(record.inner_transaction?.hash).toBe(hashOf(inner));
    const unsigned = TransactionBuilder.buildFeeBumpTransaction(
      feePayer,
      '200',
      await build(sandbox, user, [Operation.bumpSequence({ bumpTo: '0' })]),
      sandbox.double.networkPassphrase,
    );
    expect((await submitFailing(sandbox, unsigned)).data.extras?.result_codes?.transaction).toBe(
      'tx_bad_auth',
    );
  });
});

describe('history: paging and streaming', () => {
  it('pages payments with cursor, order and limit, and joins the transaction with its memo', async () => {
    const sender = await holder('10');
    const receiver = await holder();
    for (const amount of ['1', '2', '3'])
      await submit(
        sandbox,
        sender,
        [Operation.payment({ destination: receiver.publicKey(), asset: usdc, amount })],
        { memo: Memo.id(`7${amount}`) },
      );
    const first = await sandbox.server
      .payments()
      .forAccount(receiver.publicKey())
      .limit(2)
      .join('transactions')
      .call();
    expect(first.records.map((r) => r.type)).toEqual(['create_account', 'payment']);
    const second = await first.next();
    const payments = second.records as Horizon.ServerApi.PaymentOperationRecord[];
    expect(payments.map((r) => r.amount)).toEqual(['2.0000000', '3.0000000']);
    // The SDK moves the joined `transaction` to `transaction_attr` (its link keeps the name).
    expect((payments[0] as unknown as { transaction_attr?: unknown }).transaction_attr).toMatchObject({
      memo_type: 'id',
      memo: '72',
    });
    const desc = await sandbox.server
      .payments()
      .forAccount(receiver.publicKey())
      .order('desc')
      .limit(1)
      .call();
    expect((desc.records[0] as Horizon.ServerApi.PaymentOperationRecord).amount).toBe('3.0000000');
    const back = await desc.prev();
    expect(back.records).toHaveLength(0);
    const tokens = [...first.records, ...second.records].map((r) => BigInt(r.paging_token));
    expect([...tokens].sort((a, b) => (a < b ? -1 : 1))).toEqual(tokens);
  });

  it('a stream from cursor=now receives the next payment to the account', async () => {
    const receiver = await holder();
    const received = waitFor<Horizon.ServerApi.PaymentOperationRecord>(
      (resolve) => {
        const close = sandbox.server
          .payments()
          .forAccount(receiver.publicKey())
          .cursor('now')
          .stream({
            onmessage: (record) => {
              close();
              resolve(record as Horizon.ServerApi.PaymentOperationRecord);
            },
          });
      },
      10_000,
      'the streamed payment',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await submit(sandbox, issuer, [
      Operation.payment({ destination: receiver.publicKey(), asset: usdc, amount: '42' }),
    ]);
    const record = await received;
    expect(record).toMatchObject({
      type: 'payment',
      to: receiver.publicKey(),
      from: issuer.publicKey(),
      amount: '42.0000000',
      asset_code: 'USDC',
      transaction_hash: response.hash,
      transaction_successful: true,
    });
  });
});
