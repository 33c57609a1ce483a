/**
 * Test support for the Paystack client: `startFaultProxy`, a loopback proxy placed in front of a
 * Paystack (the sandbox double in our suites) that counts requests and injects faults — a hang
 * with or without forwarding the request, a 5xx, a malformed or non-Paystack body — so the client's
 * unknown-outcome branches run over real HTTP independently of the upstream's own knobs, and the
 * suite can prove what reached Paystack (e.g. exactly one transfer POST).
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

type Headers = Record<string, string | string[] | undefined>;

export type ProxyFault =
  /** Hold the client past its timeout; forward the request first (`landed`) or never. */
  | { readonly kind: 'hang'; readonly landed: boolean }
  /** Answer with this status and raw body without forwarding. */
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly body: string;
      readonly contentType?: string;
    };

export interface FaultProxy {
  readonly url: URL;
  /** Every request the client sent, in order ("GET /bank"). */
  readonly received: readonly string[];
  /** Requests that reached the upstream. */
  readonly forwarded: readonly string[];
  count(line: string, list?: 'received' | 'forwarded'): number;
  /** Applies to the next request whose "METHOD /path" (no query) equals `line`. */
  armNext(line: string, fault: ProxyFault): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: URL): Promise<FaultProxy> {
  const received: string[] = [];
  const forwarded: string[] = [];
  const armed = new Map<string, ProxyFault>();
  const hanging = new Set<ServerResponse>();

  async function forward(
    request: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const target = new URL(request.url ?? '/', upstream);
    return await new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        target,
        // No pooled sockets: a test's upstream is gone after it, and its port may be reused by the next.
        { method: request.method, headers: { ...request.headers, host: target.host }, agent: false },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            resolve({
              status: answer.statusCode ?? 502,
              headers: answer.headers,
              body: Buffer.concat(chunks),
            });
          });
          answer.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const line = `${request.method ?? 'GET'} ${new URL(request.url ?? '/', 'http://proxy').pathname}`;
    received.push(line);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const fault = armed.get(line);
    armed.delete(line);
    if (fault?.kind === 'answer') {
      response.writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/json' });
      response.end(fault.body);
    }
    if (fault?.kind === 'hang') {
      if (fault.landed) {
        forwarded.push(line);
        await forward(request, body);
      }
      // Never answer: the client's timeout fires. close() ends the socket.
      hanging.add(response);
      return;
    }
    forwarded.push(line);
    const answer = await forward(request, body);
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers['connection'];
    response.writeHead(answer.status, headers as Record<string, string>);
    response.end(answer.body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (response.headersSent) return;
      response.writeHead(502);
      response.end();
    });
  });
  const url = await listen(server);
  return {
    url,
    received,
    forwarded,
    count: (line, list = 'received') =>
      (list === 'received' ? received : forwarded).filter((l) => l === line).length,
    armNext: (line, fault) => armed.set(line, fault),
    close: async () => {
      for (const response of hanging) response.destroy();
      await closeServer(server);
    },
  };
}

async function listen(server: Server): Promise<URL> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return new URL(`http://127.0.0.1:${address.port}`);
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}
