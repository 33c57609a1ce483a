/**
 * Server-Sent Events the way Horizon writes them (`render/sse`): `retry: 1000` / `event: open` /
 * `data: "hello"` on connect, then `id: <paging_token>` / `data: <record>` per record. Streams
 * are a latency aid only; the bound on open streams and on each stream's unsent buffer keeps a
 * slow or stuck client from holding memory.
 */
import type { ServerResponse } from 'node:http';
import type { PaymentRecord } from './history.js';
import type { Json } from './render.js';

export interface StreamClient {
  readonly response: ServerResponse;
  readonly includeFailed: boolean;
  matches(record: PaymentRecord): boolean;
  render(record: PaymentRecord): Json;
}

/** A client whose socket buffer grows past this is cut off rather than buffered without end. */
const UNSENT_BYTES_MAX = 1024 * 1024;

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
  'Access-Control-Allow-Origin': '*',
} as const;

export function helloFrame(): string {
  return 'retry: 1000\nevent: open\ndata: "hello"\n\n';
}

export function recordFrame(record: PaymentRecord, json: Json): string {
  return `id: ${record.id.toString()}\ndata: ${JSON.stringify(json)}\n\n`;
}

export class StreamHub {
  private readonly clients = new Set<StreamClient>();

  constructor(private readonly clientsMax: number) {}

  get size(): number {
    return this.clients.size;
  }

  hasRoom(): boolean {
    return this.clients.size < this.clientsMax;
  }

  add(client: StreamClient): void {
    this.clients.add(client);
    client.response.once('close', () => this.clients.delete(client));
  }

  /** Writes newly ingested records to every stream they match, in paging order. */
  publish(records: readonly PaymentRecord[]): void {
    for (const client of this.clients) {
      for (const record of records) {
        if (!client.includeFailed && !record.transactionSuccessful) continue;
        if (!client.matches(record)) continue;
        client.response.write(recordFrame(record, client.render(record)));
      }
      if (client.response.writableLength > UNSENT_BYTES_MAX) this.drop(client);
    }
  }

  private drop(client: StreamClient): void {
    this.clients.delete(client);
    client.response.destroy();
  }

  /** Cuts every stream at the socket, as a proxy or network failure would (no `byebye`). */
  dropAll(): void {
    for (const client of [...this.clients]) this.drop(client);
  }
}
