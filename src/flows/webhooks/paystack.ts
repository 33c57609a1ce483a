/**
 * Paystack webhooks in: `POST /webhooks/paystack`. A delivery is accepted only from an allowed
 * address with a valid HMAC-SHA512 signature of the exact body; it is then stored in the inbox
 * (unique per event, reference and status) and its processing enqueued in the same database
 * transaction, and Paystack gets its 200 at once. A duplicate is counted, verified again, and
 * changes nothing.
 *
 * The `paystack.webhook` job then acts — never on the webhook's word alone: every payment is
 * verified with Paystack before it is credited (flows/deposit/funding.ts).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { enqueue } from '../../platform/outbox/jobs.js';
import { PermanentJobError, type JobHandler } from '../../platform/outbox/worker.js';
import {
  createWebhookSourceAllowList,
  parseWebhookEvent,
  verifyWebhookSignature,
  WEBHOOK_BODY_BYTES_MAX,
  webhookDedupeKey,
  type WebhookEvent,
} from '../../rails/paystack/webhook.js';
import type { TransferDeps } from '../transfers/deps.js';
import { settleDedicatedAccountPayment, settleDepositPayment } from '../deposit/funding.js';
import { RefundPendingError, settleRefundByReference } from '../deposit/refund.js';
import { settlePayoutByReference } from '../withdrawal/payout.js';

export const PAYSTACK_WEBHOOK_JOB = 'paystack.webhook';
const ACTOR = 'webhook:paystack';

function referenceOf(event: WebhookEvent): string | null {
  switch (event.type) {
    case 'charge.success':
    case 'transfer.success':
    case 'transfer.failed':
    case 'transfer.reversed':
      return event.reference;
    case 'refund.pending':
    case 'refund.processing':
    case 'refund.processed':
    case 'refund.failed':
      return event.transactionReference;
    default:
      return null;
  }
}

export function paystackWebhookRoute(deps: TransferDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const secretKey = deps.config.paystackSecretKey;
    const allowList = createWebhookSourceAllowList(deps.config.paystackWebhookIpAllowList);
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_BYTES_MAX },
      (_request, body, done) => {
        done(null, body);
      },
    );
    // Paystack's addresses are not rate limited: a burst of charges must not be answered 429 (Paystack
    // retries those only minutes later). Without an allow-list the global limit still applies.
    const routeConfig = allowList.enabled ? { rateLimit: false } : {};
    app.post(
      '/webhooks/paystack',
      { schema: { hide: true }, config: routeConfig },
      async (request, reply) => {
        if (secretKey === undefined) return reply.code(503).send({ error: 'Paystack is not configured' });
        if (allowList.enabled && !allowList.allows(request.ip)) {
          request.log.warn({ ip: request.ip }, 'paystack webhook from an address not on the allow-list');
          return reply.code(403).send({ error: 'source address not allowed' });
        }
        const body = request.body;
        if (
          !Buffer.isBuffer(body) ||
          !verifyWebhookSignature(body, request.headers['x-paystack-signature'], secretKey)
        ) {
          request.log.warn(
            { ip: request.ip },
            'paystack webhook with a missing or invalid signature: refused',
          );
          return reply.code(401).send({ error: 'invalid signature' });
        }
        const parsed = parseWebhookEvent(body);
        if (!parsed.ok) {
          request.log.error({ error: parsed.error }, 'signed paystack webhook could not be read');
          return reply.code(400).send({ error: `unreadable event: ${parsed.error}` });
        }
        const event = parsed.event;
        const dedupeKey = webhookDedupeKey(event);
        await deps.db.transaction().execute(async (trx) => {
          const stored = await trx
            .insertInto('paystack_webhooks')
            .values({
              dedupe_key: dedupeKey,
              event: event.type === 'unknown' ? event.event : event.type,
              reference: referenceOf(event),
              payload: body.toString('utf8'),
            })
            .onConflict((oc) =>
              oc.column('dedupe_key').doUpdateSet({ deliveries: sql`paystack_webhooks.deliveries + 1` }),
            )
            .returning(['id', 'deliveries'])
            .executeTakeFirstOrThrow();
          // Every delivery is acted on: acting is idempotent (a credited deposit is left alone), and a
          // retry of an event whose first delivery came before Paystack's verify agreed must count.
          await enqueue(
            trx,
            {
              type: PAYSTACK_WEBHOOK_JOB,
              payload: { inboxId: stored.id },
              dedupeKey: `${PAYSTACK_WEBHOOK_JOB}:${stored.id}:${stored.deliveries}`,
            },
            deps.jobMaxAttempts,
          );
        });
        return reply.code(200).send({ received: true });
      },
    );
  };
}

/** Acts on one stored delivery; the outcome is written back to the inbox for operators. */
export function paystackWebhookJob(deps: TransferDeps): JobHandler {
  return async (job) => {
    const inboxId = (job.payload as { inboxId?: unknown } | null)?.inboxId;
    if (typeof inboxId !== 'string') throw new PermanentJobError('paystack.webhook payload needs inboxId');
    const row = await deps.db
      .selectFrom('paystack_webhooks')
      .selectAll()
      .where('id', '=', inboxId)
      .executeTakeFirst();
    if (row === undefined) throw new PermanentJobError(`inbox entry ${inboxId} not found`);
    const raw = typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload);
    const parsed = parseWebhookEvent(Buffer.from(raw, 'utf8'));
    if (!parsed.ok) throw new PermanentJobError(`inbox entry ${inboxId}: ${parsed.error}`);
    const outcome = await act(deps, parsed.event);
    await deps.db
      .updateTable('paystack_webhooks')
      .set({ processed_at: deps.now(), outcome })
      .where('id', '=', inboxId)
      .execute();
  };
}

async function act(deps: TransferDeps, event: WebhookEvent): Promise<string> {
  switch (event.type) {
    case 'charge.success': {
      const ours = await deps.db
        .selectFrom('transactions')
        .select('id')
        .where('paystack_reference', '=', event.reference)
        .executeTakeFirst();
      if (ours !== undefined)
        return `deposit ${ours.id}: ${await settleDepositPayment(deps, event.reference, ACTOR)}`;
      if (event.channel === 'dedicated_nuban')
        return `dedicated account payment: ${await settleDedicatedAccountPayment(deps, event.reference, ACTOR)}`;
      deps.logger.warn(
        { reference: event.reference },
        'charge.success for a reference Rampart did not make: ignored',
      );
      return 'ignored: not a Rampart reference';
    }
    case 'refund.pending':
    case 'refund.processing':
    case 'refund.processed':
    case 'refund.failed':
      try {
        await settleRefundByReference(deps, event.transactionReference);
      } catch (error) {
        // Still pending at Paystack: the refund job keeps looking; this delivery is done.
        if (error instanceof RefundPendingError)
          return `refund of ${event.transactionReference}: ${error.message}`;
        throw error;
      }
      return `refund of ${event.transactionReference} settled`;
    case 'transfer.success':
    case 'transfer.failed':
    case 'transfer.reversed':
      return settlePayoutByReference(deps, event.reference);
    default:
      return `ignored: ${event.type === 'unknown' ? event.event : event.type} is not acted on`;
  }
}
