/**
 * One-shot API faults, so a client's error and unknown-outcome branches can be driven for real:
 * `failNext` answers the next request to a path with an error status and does nothing else;
 * `timeoutNext` holds the next request to a path and then answers 504 like a gateway that gave
 * up — after performing it (`landed: true`, the transfer exists) or without (`landed: false`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isPublicPath } from './http.js';

export interface FailNext {
  readonly kind: 'fail';
  readonly path: string;
  readonly status: number;
}

export interface TimeoutNext {
  readonly kind: 'timeout';
  readonly path: string;
  readonly landed: boolean;
  readonly hangMs: number;
}

export type ApiFault = FailNext | TimeoutNext;

/** Armed faults at once; more is a test bug. */
export const FAULTS_MAX = 16;
export const HANG_MS_MAX = 60_000;

/** What a gateway in front of Paystack answers when the origin is too slow: HTML, not the envelope. */
const GATEWAY_TIMEOUT_PAGE =
  '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n';

const FAIL_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Invalid key',
  404: 'Entity not found',
  429: 'Too many requests. Please try again later.',
  500: 'An error occurred. Please try again later.',
  502: 'Bad gateway',
  503: 'Service unavailable. Please try again later.',
};

export class FaultSwitches {
  private armed: ApiFault[] = [];

  arm(fault: ApiFault): boolean {
    if (this.armed.length >= FAULTS_MAX) return false;
    this.armed.push(fault);
    return true;
  }

  /** Takes the first fault armed for this path (query string ignored), if any. */
  take(path: string): ApiFault | undefined {
    const index = this.armed.findIndex((f) => f.path === path);
    if (index < 0) return undefined;
    return this.armed.splice(index, 1)[0];
  }

  snapshot(): readonly ApiFault[] {
    return [...this.armed];
  }

  clear(): void {
    this.armed = [];
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

async function hang(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

/** Registered after authentication, so an unauthenticated request does not use up a fault. */
export function registerFaultHooks(app: FastifyInstance, faults: FaultSwitches, closing: AbortSignal): void {
  const landed = new WeakMap<FastifyRequest, TimeoutNext>();

  app.addHook('onRequest', async (request, reply) => {
    if (isPublicPath(request.url)) return;
    const fault = faults.take(pathOf(request.url));
    if (fault === undefined) return;
    if (fault.kind === 'fail') {
      const message = FAIL_MESSAGES[fault.status] ?? 'An error occurred';
      return reply.code(fault.status).send({ status: false, message });
    }
    if (fault.landed) {
      landed.set(request, fault);
      return;
    }
    await hang(fault.hangMs, closing);
    return reply.code(504).type('text/html').send(GATEWAY_TIMEOUT_PAGE);
  });

  // The request was performed; now the answer is lost behind a slow gateway.
  app.addHook('onSend', async (request, reply, payload) => {
    const fault = landed.get(request);
    if (fault === undefined) return payload;
    landed.delete(request);
    await hang(fault.hangMs, closing);
    void reply.code(504).type('text/html');
    return GATEWAY_TIMEOUT_PAGE;
  });
}
