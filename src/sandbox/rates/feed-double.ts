/**
 * A price feed double speaking the format of src/rails/rates/feed.ts over real HTTP, for tests and
 * local runs: it answers what it is told (a price and timestamp, any raw body or status) and can
 * hold its answer back to provoke a timeout.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedAnswer {
  readonly status: number;
  /** Sent as is: a JSON object is serialised, a string is sent raw (for malformed bodies). */
  readonly body: unknown;
  /** Held back this long before answering (a hung feed). */
  readonly delayMs: number;
}

export interface PriceFeedDouble {
  readonly url: URL;
  /** Requests answered so far. */
  readonly calls: () => number;
  answer(next: Partial<FeedAnswer>): void;
  /** Shorthand for a healthy answer. */
  quote(price: string, observedAt: Date, pair?: string): void;
  close(): Promise<void>;
}

/** A hung answer is never held longer than this, so a test cannot leave a socket open for ever. */
const DELAY_MS_MAX = 30_000;

export async function startPriceFeedDouble(host = '127.0.0.1'): Promise<PriceFeedDouble> {
  let current: FeedAnswer = {
    status: 200,
    body: { pair: 'USDC/NGN', price: '1500', timestamp: new Date().toISOString() },
    delayMs: 0,
  };
  let calls = 0;
  const timers = new Set<NodeJS.Timeout>();

  const respond = (answer: FeedAnswer, response: ServerResponse): void => {
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
  };
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    calls += 1;
    const answer = current;
    if (answer.delayMs <= 0) {
      respond(answer, response);
      return;
    }
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (!response.destroyed) respond(answer, response);
      },
      Math.min(answer.delayMs, DELAY_MS_MAX),
    );
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: new URL(`http://${host}:${port}/price`),
    calls: () => calls,
    answer(next) {
      current = { ...current, ...next };
    },
    quote(price, observedAt, pair = 'USDC/NGN') {
      current = { status: 200, body: { pair, price, timestamp: observedAt.toISOString() }, delayMs: 0 };
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
