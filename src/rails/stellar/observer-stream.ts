/**
 * One payment stream session: records arrive from Horizon's SSE stream into a bounded buffer and
 * are handled one at a time, in order. The session ends — and the observer goes back to paging
 * from its stored cursor — on the first stream error, on silence (no record for `silenceMs`), when
 * the buffer overflows, or when aborted. Ending instead of letting the client reconnect on its own
 * keeps every resumption on the durable cursor: nothing between two sessions can be skipped.
 */
import type { HorizonPort } from './horizon.js';
import type { ObservableRecord } from './observer-parse.js';

export type StreamEnd = 'silence' | 'error' | 'overflow' | 'aborted';

export interface StreamSession {
  readonly horizon: Pick<HorizonPort, 'streamPayments'>;
  readonly account: string;
  readonly cursor: string;
  readonly silenceMs: number;
  readonly bufferMax: number;
  readonly signal: AbortSignal;
  /** Handles one record; a throw ends the session and is rethrown. */
  readonly handle: (record: ObservableRecord) => Promise<void>;
  readonly onStreamError?: (error: unknown) => void;
}

export async function runStreamSession(session: StreamSession): Promise<StreamEnd> {
  const buffer: ObservableRecord[] = [];
  let end: StreamEnd | null = null;
  // Read through a function: `end` changes in callbacks, which control-flow narrowing cannot see.
  const ended = (): StreamEnd | null => end;
  let notify: () => void = () => undefined;
  let watchdog: NodeJS.Timeout | undefined;

  function finish(reason: StreamEnd): void {
    if (end !== null) return;
    end = reason;
    clearTimeout(watchdog);
    stop();
    notify();
  }
  function armWatchdog(): void {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      finish('silence');
    }, session.silenceMs);
  }
  const onAbort = (): void => {
    finish('aborted');
  };

  const stop = session.horizon.streamPayments(
    { account: session.account, cursor: session.cursor },
    {
      onPayment(record) {
        if (end !== null) return;
        if (buffer.length >= session.bufferMax) {
          finish('overflow');
          return;
        }
        buffer.push(record);
        armWatchdog();
        notify();
      },
      onError(error) {
        session.onStreamError?.(error);
        finish('error');
      },
      // Our watchdog ends the session first; the client's own timer is only a backstop.
      reconnectTimeoutMs: session.silenceMs * 2,
    },
  );
  armWatchdog();
  session.signal.addEventListener('abort', onAbort, { once: true });
  if (session.signal.aborted) finish('aborted');
  try {
    for (;;) {
      // Records already received are in order and valid: drain them unless aborted.
      const record = ended() === 'aborted' ? undefined : buffer.shift();
      if (record !== undefined) {
        await session.handle(record);
        continue;
      }
      const reason = ended();
      if (reason !== null) return reason;
      await new Promise<void>((resolve) => {
        notify = resolve;
      });
      notify = () => undefined;
    }
  } finally {
    finish('aborted');
    session.signal.removeEventListener('abort', onAbort);
  }
}
