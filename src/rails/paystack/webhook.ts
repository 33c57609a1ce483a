/**
 * Paystack webhooks (rails-notes A5). The signature is the gate: `x-paystack-signature` is the
 * lowercase hex HMAC-SHA512 of the RAW body keyed with the secret key — hash the bytes received,
 * never a re-serialisation. The source-IP allow-list is defence in depth only.
 *
 * Deliveries are at-least-once, unordered, and carry no event id, so `webhookDedupeKey` builds one
 * from (event, reference, status). A handler verifies, parses, stores the event under that key
 * and answers 200; the work happens later, and always re-verifies with the API (STYLE.md).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { assert } from '../../domain/assert.js';
import { wireToKobo } from './inputs.js';
import { REFERENCE_LENGTH_MAX, WireAmount, WireId, describeMismatch } from './schemas.js';

/** Paystack's published webhook source addresses, the same for test and live (rails-notes A5.1). */
export const PAYSTACK_WEBHOOK_IPS: readonly string[] = Object.freeze([
  '52.31.139.75',
  '52.49.173.169',
  '52.214.14.220',
]);

/** Larger than any real event; the route's body limit should match. */
export const WEBHOOK_BODY_BYTES_MAX = 256 * 1024;

/** HMAC-SHA512 is 64 bytes, 128 hex characters. */
const SIGNATURE_HEX_LENGTH = 128;
const HEX_PATTERN = /^[0-9a-fA-F]+$/;

/**
 * True only when `signatureHeader` is the HMAC-SHA512 of exactly `rawBody` under `secretKey`.
 * Length and alphabet are checked before the constant-time comparison, which needs equal lengths.
 */
export function verifyWebhookSignature(
  rawBody: Buffer,
  signatureHeader: string | readonly string[] | undefined,
  secretKey: string,
): boolean {
  assert(secretKey.length > 0, 'webhook secret key is empty');
  // A repeated header is ambiguous; Paystack sends one.
  if (typeof signatureHeader !== 'string') return false;
  if (signatureHeader.length !== SIGNATURE_HEX_LENGTH) return false;
  if (!HEX_PATTERN.test(signatureHeader)) return false;
  const expected = createHmac('sha512', secretKey).update(rawBody).digest();
  const received = Buffer.from(signatureHeader, 'hex');
  if (received.length !== expected.length) return false;
  return timingSafeEqual(received, expected);
}

export interface WebhookSourceAllowList {
  /** False when the list is empty: the check is off and the signature alone decides. */
  readonly enabled: boolean;
  allows(ip: string | undefined): boolean;
}

/**
 * Builds the allow-list from addresses or CIDR ranges (IPv4 or IPv6). Pass the client address as
 * the trusted proxy reports it (Fastify's `request.ip` with `trustProxy` set to the proxy hops).
 * An invalid entry is a configuration error and throws.
 */
export function createWebhookSourceAllowList(entries: readonly string[]): WebhookSourceAllowList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.trim().split('/');
    const family = isIP(address);
    assert(family !== 0, `not an IP address in the webhook allow-list: ${entry}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      assert(/^[0-9]{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128), `bad prefix in ${entry}`);
      list.addSubnet(address, bits, type);
    }
  }
  const enabled = entries.length > 0;
  return {
    enabled,
    allows(ip) {
      if (!enabled) return true;
      if (ip === undefined) return false;
      // An IPv4 client seen on a dual-stack socket arrives as ::ffff:a.b.c.d.
      const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
      const family = isIP(plain);
      if (family === 0) return false;
      return list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

const WebhookReference = Type.String({ minLength: 1, maxLength: REFERENCE_LENGTH_MAX });
const WebhookStatus = Type.String({ minLength: 1, maxLength: 32 });
const Text = (lengthMax: number) => Type.Union([Type.String({ maxLength: lengthMax }), Type.Null()]);
/** Amounts are integers; some payloads send digit strings (rails-notes A7.12): both are exact. */
const WebhookAmount = Type.Union([WireAmount, Type.String({ pattern: '^[0-9]{1,18}$' })]);

const Envelope = Compile(
  Type.Object({
    event: Type.String({ minLength: 1, maxLength: 100 }),
    data: Type.Record(Type.String(), Type.Unknown()),
  }),
);

const ChargeData = Compile(
  Type.Object({
    reference: WebhookReference,
    status: WebhookStatus,
    amount: WebhookAmount,
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    channel: Type.Optional(Text(64)),
    paid_at: Type.Optional(Text(64)),
    customer: Type.Optional(
      Type.Union([Type.Object({ customer_code: Type.Optional(Text(100)) }), Type.Null()]),
    ),
    metadata: Type.Optional(Type.Unknown()),
  }),
);

const TransferData = Compile(
  Type.Object({
    reference: WebhookReference,
    status: WebhookStatus,
    amount: WebhookAmount,
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    transfer_code: Type.String({ minLength: 1, maxLength: 100 }),
    reason: Type.Optional(Text(2_000)),
    recipient: Type.Optional(
      Type.Union([Type.Object({ recipient_code: Type.Optional(Text(100)) }), Type.Integer(), Type.Null()]),
    ),
    session: Type.Optional(Type.Union([Type.Object({ id: Type.Optional(Text(200)) }), Type.Null()])),
  }),
);

/**
 * Refund events as Paystack documents them (rails-notes A2; the samples of its refunds guide): no
 * refund id, `refund_reference` null until the processor answers, `amount` an integer or a digit
 * string. An `id`, should a payload carry one, is read as the refund's id.
 */
const RefundEventData = Compile(
  Type.Object({
    transaction_reference: WebhookReference,
    status: WebhookStatus,
    amount: WebhookAmount,
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    refund_reference: Type.Optional(Text(REFERENCE_LENGTH_MAX)),
    id: Type.Optional(Type.Union([WireId, Type.String({ pattern: '^[0-9]{1,16}$' })])),
  }),
);

const DedicatedAssignData = Compile(
  Type.Object({
    customer: Type.Object({ customer_code: Type.String({ minLength: 1, maxLength: 100 }) }),
    dedicated_account: Type.Object({
      account_number: Type.String({ minLength: 1, maxLength: 20 }),
      account_name: Type.String({ maxLength: 200 }),
      bank: Type.Optional(Type.Union([Type.Object({ name: Type.Optional(Text(200)) }), Type.Null()])),
    }),
  }),
);

export interface ChargeSuccessEvent {
  readonly type: 'charge.success';
  readonly reference: string;
  readonly status: string;
  readonly amountKobo: bigint;
  readonly currency: string;
  /** "dedicated_nuban" for a transfer into a dedicated virtual account. */
  readonly channel: string | null;
  readonly customerCode: string | null;
  readonly metadata: unknown;
}

export interface TransferEvent {
  readonly type: 'transfer.success' | 'transfer.failed' | 'transfer.reversed';
  readonly reference: string;
  readonly status: string;
  readonly transferCode: string;
  readonly amountKobo: bigint;
  readonly currency: string;
  readonly recipientCode: string | null;
  readonly sessionId: string | null;
}

export interface RefundEvent {
  readonly type: 'refund.pending' | 'refund.processing' | 'refund.processed' | 'refund.failed';
  /** Paystack's refund id when the payload carries one; its documented payloads do not. */
  readonly refundId: string | null;
  /** The processor's reference for the refund: null until the processor answered. */
  readonly refundReference: string | null;
  readonly transactionReference: string;
  readonly amountKobo: bigint;
  readonly currency: string;
  readonly status: string;
}

export interface DedicatedAccountAssignedEvent {
  readonly type: 'dedicatedaccount.assign.success';
  readonly customerCode: string;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly bankName: string | null;
}

/** An event we do not act on (disputes, …), kept whole for the inbox and operators. */
export interface UnknownWebhookEvent {
  readonly type: 'unknown';
  readonly event: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type WebhookEvent =
  ChargeSuccessEvent | TransferEvent | RefundEvent | DedicatedAccountAssignedEvent | UnknownWebhookEvent;

export type WebhookParse =
  { readonly ok: true; readonly event: WebhookEvent } | { readonly ok: false; readonly error: string };

/** Parses a (signature-verified) body. A known event with a malformed payload is an error, not `unknown`. */
export function parseWebhookEvent(rawBody: Buffer): WebhookParse {
  if (rawBody.length > WEBHOOK_BODY_BYTES_MAX) return fail(`body over ${WEBHOOK_BODY_BYTES_MAX} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
  } catch {
    return fail('body is not UTF-8 JSON');
  }
  if (!Envelope.Check(json)) return fail(`envelope ${describeMismatch(Envelope, json)}`);
  const { event, data } = json;
  switch (event) {
    case 'charge.success':
      return parseCharge(data);
    case 'transfer.success':
    case 'transfer.failed':
    case 'transfer.reversed':
      return parseTransfer(event, data);
    case 'refund.pending':
    case 'refund.processing':
    case 'refund.processed':
    case 'refund.failed':
      return parseRefund(event, data);
    case 'dedicatedaccount.assign.success':
      return parseDedicatedAssign(data);
    default:
      return { ok: true, event: { type: 'unknown', event, data } };
  }
}

function parseCharge(data: Record<string, unknown>): WebhookParse {
  if (!ChargeData.Check(data)) return fail(`charge.success data ${describeMismatch(ChargeData, data)}`);
  return {
    ok: true,
    event: {
      type: 'charge.success',
      reference: data.reference,
      status: data.status,
      amountKobo: amountKobo(data.amount),
      currency: data.currency,
      channel: data.channel ?? null,
      customerCode: data.customer?.customer_code ?? null,
      metadata: data.metadata ?? null,
    },
  };
}

function parseTransfer(type: TransferEvent['type'], data: Record<string, unknown>): WebhookParse {
  if (!TransferData.Check(data)) return fail(`${type} data ${describeMismatch(TransferData, data)}`);
  const recipient = data.recipient;
  return {
    ok: true,
    event: {
      type,
      reference: data.reference,
      status: data.status,
      transferCode: data.transfer_code,
      amountKobo: amountKobo(data.amount),
      currency: data.currency,
      recipientCode:
        typeof recipient === 'object' && recipient !== null ? (recipient.recipient_code ?? null) : null,
      sessionId: data.session?.id ?? null,
    },
  };
}

function parseRefund(type: RefundEvent['type'], data: Record<string, unknown>): WebhookParse {
  if (!RefundEventData.Check(data)) return fail(`${type} data ${describeMismatch(RefundEventData, data)}`);
  return {
    ok: true,
    event: {
      type,
      refundId: data.id === undefined ? null : String(data.id),
      refundReference: data.refund_reference ?? null,
      transactionReference: data.transaction_reference,
      amountKobo: amountKobo(data.amount),
      currency: data.currency,
      status: data.status,
    },
  };
}

function parseDedicatedAssign(data: Record<string, unknown>): WebhookParse {
  if (!DedicatedAssignData.Check(data))
    return fail(`dedicatedaccount.assign.success data ${describeMismatch(DedicatedAssignData, data)}`);
  return {
    ok: true,
    event: {
      type: 'dedicatedaccount.assign.success',
      customerCode: data.customer.customer_code,
      accountNumber: data.dedicated_account.account_number,
      accountName: data.dedicated_account.account_name,
      bankName: data.dedicated_account.bank?.name ?? null,
    },
  };
}

function amountKobo(amount: Static<typeof WebhookAmount>): bigint {
  return typeof amount === 'string' ? BigInt(amount) : wireToKobo(amount);
}

function fail(error: string): WebhookParse {
  return { ok: false, error };
}

/**
 * The identity of a delivery for deduplication: event + reference + status. A retry of the same
 * event yields the same key; a real change (success then reversed) yields a new one. Refund events
 * use event + transaction reference + the refund's identity (see `refundIdentity`). Unknown events
 * use `data.reference`, else `data.id`, else a digest of `data`.
 */
export function webhookDedupeKey(event: WebhookEvent): string {
  switch (event.type) {
    case 'charge.success':
    case 'transfer.success':
    case 'transfer.failed':
    case 'transfer.reversed':
      return `${event.type}:${event.reference}:${event.status}`;
    case 'refund.pending':
    case 'refund.processing':
    case 'refund.processed':
    case 'refund.failed':
      return `${event.type}:${event.transactionReference}:${refundIdentity(event)}`;
    case 'dedicatedaccount.assign.success':
      return `${event.type}:${event.customerCode}:${event.accountNumber}`;
    case 'unknown':
      return `${event.event}:${unknownEventIdentity(event.data)}`;
  }
}

/**
 * The refund's id when the payload has one, else the processor's reference, else (a documented
 * pending or processing event carries neither) the amount, which still tells two partial refunds
 * of one transaction apart. A retry is the same bytes, so it always lands on the same key.
 */
function refundIdentity(event: RefundEvent): string {
  if (event.refundId !== null) return event.refundId;
  if (event.refundReference !== null && event.refundReference !== '') return event.refundReference;
  return `kobo-${event.amountKobo}`;
}

function unknownEventIdentity(data: Readonly<Record<string, unknown>>): string {
  const status = typeof data['status'] === 'string' ? data['status'].slice(0, 32) : '';
  const reference = data['reference'];
  if (typeof reference === 'string' && reference.length > 0)
    return `${reference.slice(0, REFERENCE_LENGTH_MAX)}:${status}`;
  const id = data['id'];
  if (typeof id === 'number' || (typeof id === 'string' && id.length > 0))
    return `id-${String(id).slice(0, 40)}:${status}`;
  // JSON.stringify of the parsed data is deterministic for identical bytes, which is what a retry sends.
  return `sha256-${createHash('sha256').update(JSON.stringify(data)).digest('hex')}`;
}
