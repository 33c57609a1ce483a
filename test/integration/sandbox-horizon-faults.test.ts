/**
 * Fault switches and the control API: submissions that time out after landing (or not), injected
 * result codes, ingestion delay, async submission states, dropped streams resumed with
 * Last-Event-ID, slow responses, limits, and direct seeding for `rampart sandbox`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Keypair, Operation, xdr } from '@stellar/stellar-sdk';
import {
  balanceOf,
  build,
  failureOf,
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

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.double.close();
});

async function setFaults(body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  return fetchJson(`${sandbox.double.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function pollTransaction(hash: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await fetchJson(`${sandbox.double.url}/transactions/${hash}`);
    if (status !== 404 || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('submission timeouts (rails-notes B3.4)', () => {
  it('timeout_landed: 504 with the hash, the transaction appears, and resubmitting the same envelope returns the earlier result', async () => {
    const sender = await funded(sandbox);
    const receiver = await funded(sandbox);
    const tx = await build(sandbox, sender, [
      Operation.payment({ destination: receiver.publicKey(), asset: Asset.native(), amount: '25' }),
    ]);
    expect((await setFaults({ submit: 'timeout_landed', timeoutMs: 200 })).status).toBe(200);
    const failure = await submitFailing(sandbox, tx);
    expect(failure.status).toBe(504);
    expect(failure.data.type).toBe('https://stellar.org/horizon-errors/transaction_submission_timeout');
    expect(failure.data.extras?.hash).toBe(hashOf(tx));
    await setFaults({ submit: 'none' });
    expect(await pollTransaction(hashOf(tx), 2_000)).toBe(200);
    // Horizon's txsub looks the hash up before submitting, so the identical envelope is idempotent:
    // the stored result comes back (not tx_bad_seq), and the money moved once.
    const again = await sandbox.server.submitTransaction(tx);
    const stored = await sandbox.server.transactions().transaction(hashOf(tx)).call();
    expect(again.hash).toBe(hashOf(tx));
    expect(again.ledger).toBe(stored.ledger_attr);
    expect(await balanceOf(sandbox, receiver.publicKey(), Asset.native())).toBe('10025.0000000');
  });

  it('timeout_dropped: 504, the hash never appears, nothing moves, and the same envelope can still land once', async () => {
    const sender = await funded(sandbox);
    const receiver = await funded(sandbox);
    const tx = await build(sandbox, sender, [
      Operation.payment({ destination: receiver.publicKey(), asset: Asset.native(), amount: '25' }),
    ]);
    sandbox.double.control.setFaults({ submit: 'timeout_dropped', timeoutMs: 150 });
    const failure = await submitFailing(sandbox, tx);
    expect(failure.status).toBe(504);
    sandbox.double.control.setFaults({ submit: 'none' });
    expect(await pollTransaction(hashOf(tx), 300)).toBe(404);
    expect(await balanceOf(sandbox, receiver.publicKey(), Asset.native())).toBe('10000.0000000');
    expect((await sandbox.server.submitTransaction(tx)).successful).toBe(true);
    expect(await balanceOf(sandbox, receiver.publicKey(), Asset.native())).toBe('10025.0000000');
  });
});

describe('injected result codes', () => {
  it('nextResultCode tx_bad_seq rejects the next submission once, without consuming the sequence', async () => {
    const sender = await funded(sandbox);
    sandbox.double.control.setFaults({ nextResultCode: 'tx_bad_seq' });
    const op = Operation.payment({
      destination: sandbox.double.rootAccountId,
      asset: Asset.native(),
      amount: '1',
    });
    const tx = await build(sandbox, sender, [op]);
    const failure = await submitFailing(sandbox, tx);
    expect(failure.data.extras?.result_codes?.transaction).toBe('tx_bad_seq');
    expect(sandbox.double.control.faults().nextResultCode).toBeNull();
    expect((await sandbox.server.submitTransaction(tx)).successful).toBe(true);
  });

  it('nextResultCode op_underfunded fails the first payment that can carry it, charging the fee', async () => {
    const sender = await funded(sandbox);
    sandbox.double.control.setFaults({ nextResultCode: 'op_underfunded' });
    const tx = await build(sandbox, sender, [
      Operation.payment({ destination: sandbox.double.rootAccountId, asset: Asset.native(), amount: '1' }),
    ]);
    const failure = await submitFailing(sandbox, tx);
    expect(failure.data.extras?.result_codes).toEqual({
      transaction: 'tx_failed',
      operations: ['op_underfunded'],
    });
    const decoded = xdr.TransactionResult.fromXdr(failure.data.extras?.result_xdr ?? '', 'base64');
    expect(decoded.result.type).toBe('txFailed');
    expect(await balanceOf(sandbox, sender.publicKey(), Asset.native())).toBe('9999.9999900');
  });

  it('refuses unknown faults and codes', async () => {
    expect((await setFaults({ submit: 'explode' })).status).toBe(400);
    expect((await setFaults({ nextResultCode: 'op_imaginary' })).status).toBe(400);
    expect((await setFaults({ ingestionDelayMs: 3_600_000 })).status).toBe(400);
    expect((await setFaults({ typo: true })).status).toBe(400);
  });
});

describe('async submission and ingestion (manual ledger close)', () => {
  let manual: Sandbox;
  beforeAll(async () => {
    manual = await startSandbox({ ledgerCloseMs: 0 });
  });
  afterAll(async () => {
    await manual.double.close();
  });

  it('PENDING, then DUPLICATE while open, visible only after close plus the ingestion delay, then ERROR tx_bad_seq', async () => {
    const sender = Keypair.random();
    manual.double.control.createAccount({ accountId: sender.publicKey(), balance: '100' });
    const tx = await build(manual, sender, [
      Operation.payment({ destination: manual.double.rootAccountId, asset: Asset.native(), amount: '1' }),
    ]);
    expect(await manual.server.submitAsyncTransaction(tx)).toEqual({
      tx_status: 'PENDING',
      hash: hashOf(tx),
    });
    const duplicate = failureOf(await manual.server.submitAsyncTransaction(tx).catch((e: unknown) => e));
    expect(duplicate.status).toBe(409);
    expect(duplicate.data).toMatchObject({ tx_status: 'DUPLICATE' });
    manual.double.control.setFaults({ ingestionDelayMs: 150 });
    manual.double.control.closeLedger();
    expect((await fetchJson(`${manual.double.url}/transactions/${hashOf(tx)}`)).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await fetchJson(`${manual.double.url}/transactions/${hashOf(tx)}`)).status).toBe(200);
    const late = failureOf(await manual.server.submitAsyncTransaction(tx).catch((e: unknown) => e));
    expect(late.status).toBe(400);
    const body = late.data as { tx_status?: string; error_result_xdr?: string };
    expect(body.tx_status).toBe('ERROR');
    expect(xdr.TransactionResult.fromXdr(body.error_result_xdr ?? '', 'base64').result.type).toBe('txBadSeq');
  });
});

describe('streams', () => {
  it('a dropped stream reconnects with Last-Event-ID and resumes without loss or duplicates', async () => {
    const receiver = await funded(sandbox);
    const payer = await funded(sandbox);
    const pay = (amount: string) =>
      submit(sandbox, payer, [
        Operation.payment({ destination: receiver.publicKey(), asset: Asset.native(), amount }),
      ]);
    const seen: string[] = [];
    let close = (): void => undefined;
    const done = waitFor<true>(
      (resolve) => {
        close = sandbox.server
          .payments()
          .forAccount(receiver.publicKey())
          .stream({
            onmessage: (record) => {
              seen.push(record.paging_token);
              if (seen.length === 5) resolve(true);
            },
            onerror: () => undefined,
          });
      },
      10_000,
      'five streamed records',
    );
    await pay('1');
    await pay('2');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await setFaults({ dropStream: true });
    await pay('3');
    await pay('4');
    await done;
    close();
    const page = await sandbox.server.payments().forAccount(receiver.publicKey()).limit(10).call();
    expect(seen).toEqual(page.records.map((r) => r.paging_token));
    expect(new Set(seen).size).toBe(5);
  });

  it('the raw stream speaks Horizon SSE and honours Last-Event-ID over cursor', async () => {
    const receiver = await funded(sandbox);
    const page = await sandbox.server.payments().forAccount(receiver.publicKey()).call();
    const created = page.records[0]!;
    const controller = new AbortController();
    const response = await fetch(`${sandbox.double.url}/accounts/${receiver.publicKey()}/payments?cursor=0`, {
      headers: { accept: 'text/event-stream', 'last-event-id': created.paging_token },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value as Uint8Array);
    expect(first).toBe('retry: 1000\nevent: open\ndata: "hello"\n\n');
    await submit(sandbox, receiver, [
      Operation.payment({ destination: receiver.publicKey(), asset: Asset.native(), amount: '1' }),
    ]);
    const next = new TextDecoder().decode((await reader.read()).value as Uint8Array);
    expect(next).toMatch(/^id: \d+\ndata: \{.*"type":"payment".*\}\n\n$/s);
    controller.abort();
  });
});

describe('control API and limits', () => {
  it('seeds an issuer, distribution, channels and a wallet directly, usable by the SDK at once', async () => {
    const control = sandbox.double.control;
    const [issuerKey, distribution, channel, wallet] = [
      Keypair.random(),
      Keypair.random(),
      Keypair.random(),
      Keypair.random(),
    ];
    for (const key of [issuerKey, distribution, channel, wallet])
      control.createAccount({ accountId: key.publicKey() });
    const ngnc = `NGNC:${issuerKey.publicKey()}`;
    control.setTrustline({ accountId: distribution.publicKey(), asset: ngnc, balance: '1000000' });
    control.setTrustline({ accountId: wallet.publicKey(), asset: ngnc, balance: '5000' });
    const asset = new Asset('NGNC', issuerKey.publicKey());
    // Channel pattern: the channel is the transaction source, the distribution account the payer.
    await submit(
      sandbox,
      channel,
      [
        Operation.payment({
          source: distribution.publicKey(),
          destination: wallet.publicKey(),
          asset,
          amount: '250',
        }),
      ],
      { signers: [channel, distribution] },
    );
    expect(await balanceOf(sandbox, wallet.publicKey(), asset)).toBe('5250.0000000');
    const state = (await fetchJson(`${sandbox.double.url}/_sandbox/state`)).body as {
      accounts: { id: string }[];
      latestLedger: number;
    };
    expect(state.accounts.map((a) => a.id)).toContain(wallet.publicKey());
    expect(() => {
      control.createAccount({ accountId: wallet.publicKey() });
    }).toThrow(/exists/);
    const refused = await fetchJson(`${sandbox.double.url}/_sandbox/trustlines`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: wallet.publicKey(), asset: 'NGNC:nobody' }),
    });
    expect(refused.status).toBe(400);
  });

  it('slowResponseMs delays Horizon routes but not the control API', async () => {
    await setFaults({ slowResponseMs: 200 });
    const started = Date.now();
    await sandbox.server.root();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await setFaults({ slowResponseMs: 0 });
  });

  it('bounds open streams and resets to genesis', async () => {
    const small = await startSandbox({ streamsMax: 1 });
    try {
      const controller = new AbortController();
      const open = await fetch(`${small.double.url}/payments`, {
        headers: { accept: 'text/event-stream' },
        signal: controller.signal,
      });
      expect(open.status).toBe(200);
      const refused = await fetchJson(`${small.double.url}/payments`, {
        headers: { accept: 'text/event-stream' },
      });
      expect(refused.status).toBe(503);
      controller.abort();
      const keypair = await funded(small);
      const reset = await fetchJson(`${small.double.url}/_sandbox/reset`, { method: 'POST' });
      expect(reset.status).toBe(200);
      expect((await fetchJson(`${small.double.url}/accounts/${keypair.publicKey()}`)).status).toBe(404);
      expect((await small.server.payments().call()).records).toHaveLength(0);
    } finally {
      await small.double.close();
    }
  });
});
