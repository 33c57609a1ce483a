/**
 * Webhook delivery as Paystack does it: POST `{event, data}` serialised once, signed with
 * `x-paystack-signature` = hex HMAC-SHA512 of those exact bytes keyed with the secret key, retried
 * until a 200 on Paystack's cadence (rails-notes A5.1), compressed by `timeScale` for tests.
 *
 * Fault modes make the at-least-once, unordered nature observable: `duplicate` sends each event
 * twice (identical bytes), `delay` holds each first attempt for `delayMs`, `reorder` holds events
 * until `flush()` and then sends them newest first, `drop` never sends.
 */
import { createHmac } from 'node:crypto';
import { assert } from '../../domain/assert.js';

export type WebhookMode = 'none' | 'duplicate' | 'delay' | 'reorder' | 'drop';
export const WEBHOOK_MODES: readonly WebhookMode[] = ['none', 'duplicate', 'delay', 'reorder', 'drop'];

/** live: every 3 minutes for the first 4 retries, then hourly for 72 hours; test: hourly for 10 hours. */
export type WebhookCadence = 'live' | 'test';

export type DeliveryStatus =
  'scheduled' | 'held' | 'sending' | 'delivered' | 'dropped' | 'gave_up' | 'no_url';

export interface DeliveryRecord {
  readonly id: number;
  readonly event: string;
  /** `data.reference` (`data.transaction_reference` for refunds) when the event has one: what a receiver deduplicates on. */
  readonly reference: string | null;
  readonly body: string;
  readonly signature: string;
  status: DeliveryStatus;
  attempts: number;
  /** HTTP status or error name per attempt, the most recent `RESPONSES_KEPT` only. */
  readonly responses: (number | string)[];
}

export interface WebhookSenderOptions {
  readonly secretKey: string;
  readonly url: string | null;
  readonly timeScale: number;
  readonly cadence: WebhookCadence;
  /** At most the cadence's own count (77 live, 11 test). */
  readonly attemptsMax?: number;
  readonly attemptTimeoutMs: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const LIVE_ATTEMPTS_MAX = 1 + 4 + 72;
const TEST_ATTEMPTS_MAX = 1 + 10;
/** The delivery log keeps this many records; the oldest settled ones go first. */
export const DELIVERY_LOG_MAX = 1_000;
/** Held (reorder) events beyond this are released at once rather than pile up. */
export const HELD_MAX = 100;
/** `delay` mode waits at most this long. */
export const DELAY_MS_MAX = 60_000;
const RESPONSES_KEPT = 10;

export function cadenceAttemptsMax(cadence: WebhookCadence): number {
  return cadence === 'live' ? LIVE_ATTEMPTS_MAX : TEST_ATTEMPTS_MAX;
}

/** Real-time wait before attempt `attempt + 1`, after `attempt` (1-based) attempts failed. */
export function retryDelayMs(cadence: WebhookCadence, attempt: number): number {
  assert(attempt >= 1, 'a retry follows an attempt');
  if (cadence === 'test') return HOUR_MS;
  return attempt <= 4 ? 3 * MINUTE_MS : HOUR_MS;
}

export function signatureOf(body: string, secretKey: string): string {
  return createHmac('sha512', secretKey).update(body).digest('hex');
}

export class WebhookSender {
  url: string | null;
  mode: WebhookMode = 'none';
  delayMs = 0;
  private readonly records: DeliveryRecord[] = [];
  private held: DeliveryRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly attemptsMax: number;
  private pending = 0;
  private waiters: (() => void)[] = [];
  private nextRecordId = 1;
  /** Aborted on reset and close: cancels sends in flight and stops retries. */
  private generation = new AbortController();

  constructor(private readonly options: WebhookSenderOptions) {
    assert(options.timeScale > 0 && options.timeScale <= 1, 'timeScale compresses time: 0 < timeScale <= 1');
    const cadenceMax = cadenceAttemptsMax(options.cadence);
    this.attemptsMax = Math.min(options.attemptsMax ?? cadenceMax, cadenceMax);
    assert(this.attemptsMax >= 1, 'at least one attempt');
    this.url = options.url;
  }

  /** Records the event and starts its delivery according to the fault mode. */
  emit(event: string, data: Record<string, unknown>): void {
    const body = JSON.stringify({ event, data });
    const named = data.reference ?? data.transaction_reference;
    const reference = typeof named === 'string' ? named : null;
    const copies = this.mode === 'duplicate' ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) this.start(this.record(event, reference, body));
  }

  deliveries(): readonly DeliveryRecord[] {
    return this.records;
  }

  /** Sends held (reorder) events newest first, one after the other so the order is observable. */
  async flush(): Promise<void> {
    const released = this.held.reverse();
    this.held = [];
    const signal = this.generation.signal;
    this.pending++;
    try {
      for (const record of released) await this.attempt(record, signal);
    } finally {
      // Work of a generation that reset cancelled is no longer counted.
      if (!signal.aborted) this.settle();
    }
  }

  /** Resolves when nothing is scheduled or in flight (held events do not count). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Forgets every record and stops every delivery. */
  reset(): void {
    this.generation.abort();
    this.generation = new AbortController();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.records.length = 0;
    this.held = [];
    this.pending = 0;
    this.settle();
  }

  private record(event: string, reference: string | null, body: string): DeliveryRecord {
    const record: DeliveryRecord = {
      id: this.nextRecordId++,
      event,
      reference,
      body,
      signature: signatureOf(body, this.options.secretKey),
      status: 'scheduled',
      attempts: 0,
      responses: [],
    };
    this.records.push(record);
    this.trimLog();
    return record;
  }

  private trimLog(): void {
    while (this.records.length > DELIVERY_LOG_MAX) {
      const index = this.records.findIndex((r) => r.status !== 'scheduled' && r.status !== 'sending');
      if (index < 0) return;
      this.records.splice(index, 1);
    }
  }

  private start(record: DeliveryRecord): void {
    if (this.url === null) {
      record.status = 'no_url';
      return;
    }
    if (this.mode === 'drop') {
      record.status = 'dropped';
      return;
    }
    if (this.mode === 'reorder' && this.held.length < HELD_MAX) {
      record.status = 'held';
      this.held.push(record);
      return;
    }
    this.schedule(record, this.mode === 'delay' ? this.delayMs : 0);
  }

  private schedule(record: DeliveryRecord, delayMs: number): void {
    const signal = this.generation.signal;
    this.pending++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(record, signal).finally(() => {
        if (!signal.aborted) this.settle();
      });
    }, delayMs);
    this.timers.add(timer);
  }

  private settle(): void {
    if (this.pending > 0) this.pending--;
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** One attempt; a failure schedules the next on the cadence until the attempts run out. */
  private async attempt(record: DeliveryRecord, signal: AbortSignal): Promise<void> {
    const url = this.url;
    if (signal.aborted || url === null) return;
    record.status = 'sending';
    record.attempts++;
    const outcome = await this.post(url, record, signal);
    // A reset while the request was out started a new generation: this record is forgotten.
    if (signal !== this.generation.signal) return;
    record.responses.push(outcome);
    if (record.responses.length > RESPONSES_KEPT) record.responses.shift();
    if (outcome === 200) {
      record.status = 'delivered';
      return;
    }
    if (record.attempts >= this.attemptsMax) {
      record.status = 'gave_up';
      return;
    }
    record.status = 'scheduled';
    const waitMs = retryDelayMs(this.options.cadence, record.attempts) * this.options.timeScale;
    this.schedule(record, Math.max(1, Math.round(waitMs)));
  }

  private async post(url: string, record: DeliveryRecord, signal: AbortSignal): Promise<number | string> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Paystack-Double/1',
          'x-paystack-signature': record.signature,
        },
        body: record.body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.attemptTimeoutMs)]),
      });
      await response.body?.cancel();
      return response.status;
    } catch (error) {
      return error instanceof Error ? error.name : 'Error';
    }
  }
}
