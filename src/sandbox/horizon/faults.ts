/**
 * Fault switches: what the next submissions, ingestion and responses do wrong on purpose. Set
 * through `POST /_sandbox/faults` or `control.setFaults`, validated here for both.
 */
import { OP_KINDS, TX_CODES } from './results.js';

/**
 * `timeout_landed`: the transaction is applied but the submitter gets a 504 after `timeoutMs`.
 * `timeout_dropped`: the transaction is not applied and the submitter gets the same 504.
 */
export type SubmitFault = 'none' | 'timeout_landed' | 'timeout_dropped';

export interface FaultState {
  readonly submit: SubmitFault;
  /** One-shot: the next submission that can carry this code fails with it. */
  readonly nextResultCode: string | null;
  readonly ingestionDelayMs: number;
  readonly slowResponseMs: number;
  /** How long a `timeout_*` submission is held before its 504. */
  readonly timeoutMs: number;
}

export interface FaultPatch {
  readonly submit?: SubmitFault;
  readonly nextResultCode?: string | null;
  readonly ingestionDelayMs?: number;
  readonly slowResponseMs?: number;
  readonly timeoutMs?: number;
  /** Action, not state: cut every open event stream now (clients reconnect with Last-Event-ID). */
  readonly dropStream?: boolean;
}

/** No delay switch may hold a request longer than this. */
export const FAULT_DELAY_MS_MAX = 60_000;
export const DEFAULT_TIMEOUT_MS = 2_000;

export const NO_FAULTS: FaultState = {
  submit: 'none',
  nextResultCode: null,
  ingestionDelayMs: 0,
  slowResponseMs: 0,
  timeoutMs: DEFAULT_TIMEOUT_MS,
};

const submitFaults: readonly SubmitFault[] = ['none', 'timeout_landed', 'timeout_dropped'];

export function isKnownResultCode(code: string): boolean {
  if (code === 'tx_success' || code === 'op_success') return false;
  for (const name of TX_CODES.values()) if (name === code) return true;
  return OP_KINDS.some((kind) => kind.codes.includes(code));
}

function delay(value: unknown, name: string): number | string {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > FAULT_DELAY_MS_MAX)
    return `${name} must be an integer from 0 to ${FAULT_DELAY_MS_MAX}`;
  return value;
}

export type PatchParse = { ok: true; patch: FaultPatch } | { ok: false; error: string };

const knownKeys = new Set([
  'submit',
  'nextResultCode',
  'ingestionDelayMs',
  'slowResponseMs',
  'timeoutMs',
  'dropStream',
]);

/** Validates an untrusted patch (JSON body); unknown keys are refused so typos do not pass silently. */
export function parseFaultPatch(body: unknown): PatchParse {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, error: 'body must be a JSON object' };
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input))
    if (!knownKeys.has(key)) return { ok: false, error: `unknown fault: ${key}` };
  const patch: { -readonly [K in keyof FaultPatch]: FaultPatch[K] } = {};
  if ('submit' in input) {
    const submit = submitFaults.find((fault) => fault === input['submit']);
    if (submit === undefined) return { ok: false, error: `submit must be one of ${submitFaults.join(', ')}` };
    patch.submit = submit;
  }
  if ('nextResultCode' in input) {
    const code = input['nextResultCode'];
    if (code !== null && (typeof code !== 'string' || !isKnownResultCode(code)))
      return { ok: false, error: 'nextResultCode must be null or a tx_… / op_… failure code' };
    patch.nextResultCode = code;
  }
  for (const name of ['ingestionDelayMs', 'slowResponseMs', 'timeoutMs'] as const) {
    if (!(name in input)) continue;
    const value = delay(input[name], name);
    if (typeof value === 'string') return { ok: false, error: value };
    patch[name] = value;
  }
  if ('dropStream' in input) {
    if (typeof input['dropStream'] !== 'boolean') return { ok: false, error: 'dropStream must be a boolean' };
    patch.dropStream = input['dropStream'];
  }
  return { ok: true, patch };
}

export function applyPatch(state: FaultState, patch: FaultPatch): FaultState {
  return {
    submit: patch.submit ?? state.submit,
    nextResultCode: patch.nextResultCode === undefined ? state.nextResultCode : patch.nextResultCode,
    ingestionDelayMs: patch.ingestionDelayMs ?? state.ingestionDelayMs,
    slowResponseMs: patch.slowResponseMs ?? state.slowResponseMs,
    timeoutMs: patch.timeoutMs ?? state.timeoutMs,
  };
}
