/**
 * One stream session of the observer against a scripted port (no I/O): how it ends — silence,
 * error, overflow, abort, a failing handler — and that records already received are handled in
 * order before it ends (except on abort), and the stream is always closed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { PaymentStreamHandlers } from '../../src/rails/stellar/horizon.js';
import type { ObservableRecord } from '../../src/rails/stellar/observer-parse.js';
import { runStreamSession, type StreamSession } from '../../src/rails/stellar/observer-stream.js';

function record(n: number): ObservableRecord {
  return {
    id: String(n),
    pagingToken: String(n),
    type: 'payment',
    transactionHash: '00'.repeat(32),
    transactionSuccessful: true,
    from: null,
    to: null,
    asset: 'native',
    amount: '1.0000000',
    createdAt: '2026-01-01T00:00:00Z',
    memoType: 'none',
    memo: null,
  };
}

/** A port whose stream the test drives through `handlers`. */
function scripted() {
  const port = { handlers: undefined as PaymentStreamHandlers | undefined, cursor: '', stops: 0 };
  const horizon: StreamSession['horizon'] = {
    streamPayments(query, handlers) {
      port.handlers = handlers;
      port.cursor = query.cursor ?? '';
      return () => {
        port.stops += 1;
      };
    },
  };
  return { port, horizon };
}

function session(horizon: StreamSession['horizon'], overrides: Partial<StreamSession> = {}) {
  const handled: string[] = [];
  const options: StreamSession = {
    horizon,
    account: 'G',
    cursor: '42',
    silenceMs: 100,
    bufferMax: 3,
    signal: new AbortController().signal,
    handle: async (r) => {
      await sleep(5);
      handled.push(r.pagingToken);
    },
    ...overrides,
  };
  return { handled, run: runStreamSession(options) };
}

describe('observer stream session', () => {
  it('streams from the cursor and ends on silence, after handling what arrived', async () => {
    const { port, horizon } = scripted();
    const { handled, run } = session(horizon);
    expect(port.cursor).toBe('42');
    port.handlers?.onPayment(record(43));
    port.handlers?.onPayment(record(44));
    const startedMs = Date.now();
    expect(await run).toBe('silence');
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(90);
    expect(handled).toEqual(['43', '44']);
    expect(port.stops).toBe(1);
  });

  it('ends on the first stream error, after handling what arrived', async () => {
    const { port, horizon } = scripted();
    const { handled, run } = session(horizon);
    port.handlers?.onPayment(record(43));
    port.handlers?.onError(new Error('connection reset'));
    port.handlers?.onPayment(record(44)); // after the end: not taken
    expect(await run).toBe('error');
    expect(handled).toEqual(['43']);
    expect(port.stops).toBe(1);
  });

  it('ends on overflow instead of buffering without bound', async () => {
    const { port, horizon } = scripted();
    const { handled, run } = session(horizon);
    for (let n = 43; n <= 50; n++) port.handlers?.onPayment(record(n));
    expect(await run).toBe('overflow');
    // Three fill the buffer; the fourth overflows it and ends the session.
    expect(handled).toEqual(['43', '44', '45']);
    expect(port.stops).toBe(1);
  });

  it('ends at once when aborted, leaving buffered records to the next backfill', async () => {
    const { port, horizon } = scripted();
    const controller = new AbortController();
    const { handled, run } = session(horizon, { signal: controller.signal });
    port.handlers?.onPayment(record(43));
    port.handlers?.onPayment(record(44));
    controller.abort();
    expect(await run).toBe('aborted');
    expect(handled.length).toBeLessThanOrEqual(1);
    expect(port.stops).toBe(1);
  });

  it('rethrows a failing handler and closes the stream', async () => {
    const { port, horizon } = scripted();
    const { run } = session(horizon, { handle: () => Promise.reject(new Error('database down')) });
    port.handlers?.onPayment(record(43));
    await expect(run).rejects.toThrow('database down');
    expect(port.stops).toBe(1);
  });
});
