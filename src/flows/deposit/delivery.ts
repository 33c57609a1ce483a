/**
 * Delivery (GUIDE §2, issue step 4): the `deposit.deliver` job takes a funded deposit from
 * `pending_anchor` to `completed` through the rails submitter, which pays exactly once per
 * idempotency key whatever times out or crashes.
 *
 * - The destination is looked at first: no trustline → a claimable balance when the wallet said it
 *   supports them, else `pending_trust` (re-checked by the sweep, bounded by DEPOSIT_TRUST_WAIT_S);
 *   no account → created with STELLAR_CREATE_ACCOUNT_XLM when configured, else `error`.
 * - Liquidity: when the distribution account cannot cover the payment, the deposit stays in
 *   `pending_anchor` with a message (RampartDistributionBalanceLow alerts) and is tried again later.
 * - `pending_stellar` is committed before anything is sent; the submission's key is derived from the
 *   row's version in that status, so a worker killed after the commit resumes the same payment.
 */
import { MuxedAccount, StrKey } from '@stellar/stellar-sdk';
import { parseAmount, STELLAR_DECIMALS } from '../../domain/money.js';
import type { PaymentMemo, PaymentRequest, Submission } from '../../rails/stellar/submitter.js';
import { destinationReadiness } from '../../rails/stellar/destination.js';
import type { TransactionRow } from '../state-machine.js';
import type { TransferDeps } from '../transfers/deps.js';
import { railAssetOf } from '../transfers/assets.js';
import { lockTransaction, moveTransaction, type Move } from '../transfers/move.js';
import type { StellarRail } from '../transfers/stellar-rail.js';
import { enqueue } from '../../platform/outbox/jobs.js';
import { deliverJob } from './job-types.js';
import { postAccountCreated, postDelivered } from './ledger.js';
import { depositMetrics } from './metrics.js';

export interface DeliveryDeps extends TransferDeps {
  readonly rail: StellarRail | undefined;
}

/** Thrown to have the outbox try again later: the outcome is not known yet, nothing is lost. */
export class DeliveryPendingError extends Error {
  override readonly name = 'DeliveryPendingError';
}

/** Op codes after which the deposit goes back to `pending_anchor` and is looked at afresh. */
const RETRYABLE_OP_CODES: ReadonlySet<string> = new Set([
  'op_no_trust',
  'op_underfunded',
  'op_no_destination',
  'op_line_full',
  'op_not_authorized',
]);

const ACTOR = 'job:deposit.deliver';

function baseAccountOf(account: string): string {
  return StrKey.isValidMed25519PublicKey(account)
    ? MuxedAccount.fromAddress(account, '0').baseAccount().accountId()
    : account;
}

function memoOf(row: TransactionRow): PaymentMemo {
  if (row.stellar_memo === null || row.stellar_memo_type === null) return { type: 'none' };
  return { type: row.stellar_memo_type, value: row.stellar_memo };
}

function stroopsOf(balance: string): bigint {
  const parsed = parseAmount(balance, STELLAR_DECIMALS, { allowZero: true });
  return parsed.ok ? parsed.minor : 0n;
}

async function load(deps: DeliveryDeps, id: string): Promise<TransactionRow | undefined> {
  return deps.db.selectFrom('transactions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Applies `move` if the row is still at `version` (another driver got there first otherwise). */
async function moveIfCurrent(
  deps: DeliveryDeps,
  row: TransactionRow,
  move: Move,
): Promise<TransactionRow | undefined> {
  return deps.db.transaction().execute(async (trx) => {
    const locked = await lockTransaction(trx, row.id);
    if (locked?.version !== row.version) return undefined;
    return moveTransaction(trx, locked, move, deps);
  });
}

export async function runDelivery(deps: DeliveryDeps, transactionId: string): Promise<void> {
  let row = await load(deps, transactionId);
  if (row?.kind !== 'deposit' || row.funds_received_at === null) return;
  if (row.status === 'pending_anchor') {
    const next = await prepare(deps, row);
    if (next === undefined) return;
    row = next;
  }
  if (row.status === 'pending_stellar') await submit(deps, row);
}

function railOf(deps: DeliveryDeps): StellarRail {
  if (deps.rail === undefined)
    throw new Error(
      'Stellar delivery is not configured: set STELLAR_DISTRIBUTION_SECRET and STELLAR_CHANNEL_SECRETS',
    );
  return deps.rail;
}

/** `pending_anchor` → `pending_stellar` when the payment can be made now; otherwise the right wait. */
async function prepare(deps: DeliveryDeps, row: TransactionRow): Promise<TransactionRow | undefined> {
  const rail = railOf(deps);
  await rail.register();
  if (row.amount_out_asset === null || row.amount_out_minor === null)
    throw new Error(`deposit ${row.id} has no amount out`);
  const asset = railAssetOf(row.amount_out_asset);
  const amountOut = BigInt(row.amount_out_minor);
  const account = baseAccountOf(row.stellar_account);
  await recordAccountCreation(deps, row);
  let readiness = destinationReadiness(await deps.horizon.loadAccount(account), asset);
  if (readiness === 'unknown')
    throw new DeliveryPendingError(`Horizon could not say whether ${account} exists`);
  if (readiness === 'missing') {
    const created = await createDestination(deps, rail, row, account);
    if (!created) return undefined;
    readiness = 'no_trustline';
  }
  if (readiness === 'no_trustline' && !row.claimable_balance_supported) {
    // The wait's deadline is written with the move: a crash between the two must not leave the old,
    // already-past deadline on a funded deposit.
    await deps.db.transaction().execute(async (trx) => {
      const locked = await lockTransaction(trx, row.id);
      if (locked?.version !== row.version) return;
      await trx
        .updateTable('transactions')
        .set({ expires_at: new Date(deps.now().getTime() + deps.config.depositTrustWaitSeconds * 1000) })
        .where('id', '=', row.id)
        .execute();
      await moveTransaction(
        trx,
        locked,
        {
          to: 'pending_trust',
          reason: `${account} has no trustline to ${asset}`,
          actor: ACTOR,
          statusMessage: `Add a trustline to ${asset.split(':')[0] ?? asset} (issuer ${asset.split(':')[1] ?? ''}) in your wallet to receive this deposit.`,
        },
        deps,
      );
    });
    return undefined;
  }
  if (!(await hasLiquidity(deps, rail, asset, amountOut))) {
    const message =
      'Waiting for the anchor to top up its Stellar account; your deposit will be sent shortly.';
    const retryAt = new Date(deps.now().getTime() + deps.config.depositRecheckSeconds * 1000);
    deps.logger.warn(
      { transactionId: row.id, asset },
      'distribution account cannot cover a deposit: waiting for liquidity',
    );
    if (row.status_message === message) {
      // Already waiting with this message: one more look later, no new audit event.
      await enqueue(
        deps.db,
        {
          ...deliverJob(row.id, row.version, retryAt),
          dedupeKey: `deposit.deliver:${row.id}:${row.version}:${retryAt.getTime()}`,
        },
        deps.jobMaxAttempts,
      );
    } else {
      await moveIfCurrent(deps, row, {
        to: 'pending_anchor',
        reason: 'distribution account balance too low for this delivery',
        actor: ACTOR,
        statusMessage: message,
        jobs: [deliverJob(row.id, row.version + 1, retryAt)],
      });
    }
    return undefined;
  }
  return moveIfCurrent(deps, row, {
    to: 'pending_stellar',
    reason:
      readiness === 'ready' ? 'sending the payment on Stellar' : 'sending a claimable balance on Stellar',
    actor: ACTOR,
  });
}

async function hasLiquidity(
  deps: DeliveryDeps,
  rail: StellarRail,
  asset: string,
  amount: bigint,
): Promise<boolean> {
  const outcome = await deps.horizon.loadAccount(rail.distributionAccount);
  if (outcome.kind !== 'found')
    throw new DeliveryPendingError('Horizon could not load the distribution account');
  const gauge = depositMetrics(deps).distributionBalance;
  for (const b of outcome.balances)
    gauge.set(
      { asset: b.asset === 'native' ? 'native' : (b.asset.split(':')[0] ?? b.asset) },
      Number(b.balance),
    );
  const line = outcome.balances.find((b) => b.asset === asset);
  return line !== undefined && stroopsOf(line.balance) >= amount;
}

/**
 * Books the XLM spent creating the destination once its submission succeeded — whichever attempt
 * saw it (a crash after the creation landed must not leave the ledger short); the journal's
 * reference makes a second posting a no-op.
 */
async function recordAccountCreation(deps: DeliveryDeps, row: TransactionRow): Promise<void> {
  const creation = await deps.db
    .selectFrom('stellar_submissions')
    .select(['state', 'amount_stroops'])
    .where('idempotency_key', '=', `deposit:${row.id}:create-account`)
    .executeTakeFirst();
  if (creation?.state !== 'succeeded') return;
  await deps.db
    .transaction()
    .execute((trx) => postAccountCreated(trx, row.id, BigInt(creation.amount_stroops)));
}

/** Creates the destination account; false when the deposit went elsewhere (error) or must wait. */
async function createDestination(
  deps: DeliveryDeps,
  rail: StellarRail,
  row: TransactionRow,
  account: string,
): Promise<boolean> {
  const xlm = deps.config.stellarCreateAccountStartingXlm;
  if (xlm === undefined) {
    await moveIfCurrent(deps, row, {
      to: 'error',
      reason: `destination ${account} does not exist and account creation is off`,
      actor: ACTOR,
      statusMessage: `The Stellar account ${account} does not exist yet. Fund it, then contact support to have this deposit delivered.`,
    });
    return false;
  }
  const starting = parseAmount(xlm, STELLAR_DECIMALS);
  if (!starting.ok) throw new Error(`STELLAR_CREATE_ACCOUNT_XLM: ${starting.error}`);
  const submission = await rail.submitter.submitPayment({
    idempotencyKey: `deposit:${row.id}:create-account`,
    destination: account,
    asset: 'native',
    amountStroops: starting.minor,
    memo: { type: 'none' },
    operation: 'create_account',
    startingBalanceStroops: starting.minor,
  });
  if (submission.state === 'succeeded' || submission.operationCodes.includes('op_already_exists')) {
    await recordAccountCreation(deps, row);
    return true;
  }
  if (submission.state === 'failed')
    throw new Error(
      `creating ${account} failed: ${submission.transactionCode ?? ''} ${submission.operationCodes.join(',')}`,
    );
  throw new DeliveryPendingError(`creating ${account}: outcome not known yet`);
}

async function submit(deps: DeliveryDeps, row: TransactionRow): Promise<void> {
  const rail = railOf(deps);
  await rail.register();
  if (row.amount_out_asset === null || row.amount_out_minor === null)
    throw new Error(`deposit ${row.id} has no amount out`);
  const key = `deposit:${row.id}:v${row.version}`;
  let submission = await rail.submitter.get(key);
  if (submission === undefined) {
    const asset = railAssetOf(row.amount_out_asset);
    const account = baseAccountOf(row.stellar_account);
    const readiness = destinationReadiness(await deps.horizon.loadAccount(account), asset);
    if (readiness === 'unknown')
      throw new DeliveryPendingError(`Horizon could not say whether ${account} exists`);
    if (readiness !== 'ready' && !(readiness === 'no_trustline' && row.claimable_balance_supported)) {
      // The destination changed since the decision (trustline removed): decide again from pending_anchor.
      await moveIfCurrent(deps, row, {
        to: 'pending_anchor',
        reason: `destination no longer ready (${readiness}) before sending`,
        actor: ACTOR,
        jobs: [deliverJob(row.id, row.version + 1)],
      });
      return;
    }
    const request: PaymentRequest = {
      idempotencyKey: key,
      destination: readiness === 'ready' ? row.stellar_account : account,
      asset,
      amountStroops: BigInt(row.amount_out_minor),
      memo: memoOf(row),
      ...(readiness === 'ready' ? {} : { operation: 'claimable_balance' as const }),
    };
    submission = await rail.submitter.submitPayment(request);
  } else if (submission.state !== 'succeeded' && submission.state !== 'failed') {
    submission = (await rail.submitter.resume(key)) ?? submission;
  }
  await settle(deps, row, submission);
}

async function settle(deps: DeliveryDeps, row: TransactionRow, submission: Submission): Promise<void> {
  if (submission.state === 'succeeded') {
    await deps.db.transaction().execute(async (trx) => {
      const locked = await lockTransaction(trx, row.id);
      if (locked?.status !== 'pending_stellar') return;
      await postDelivered(trx, {
        transactionId: row.id,
        paidKobo: BigInt(locked.amount_in_minor ?? '0'),
        feeKobo: BigInt(locked.amount_fee_minor ?? '0'),
        asset: locked.amount_out_asset ?? '',
        amountOutMinor: BigInt(locked.amount_out_minor ?? '0'),
      });
      await trx
        .updateTable('transactions')
        .set({ stellar_transaction_id: submission.hash, claimable_balance_id: submission.claimableBalanceId })
        .where('id', '=', row.id)
        .execute();
      await moveTransaction(
        trx,
        locked,
        {
          to: 'completed',
          reason: `delivered on Stellar in ledger ${submission.ledger ?? '?'}`,
          actor: ACTOR,
          data: { hash: submission.hash, operation: submission.operation },
        },
        deps,
      );
    });
    depositMetrics(deps).delivered.inc({ operation: submission.operation });
    deps.logger.info({ transactionId: row.id, hash: submission.hash }, 'deposit delivered');
    return;
  }
  if (submission.state === 'failed') {
    const codes = submission.operationCodes;
    const retry = codes.some((c) => RETRYABLE_OP_CODES.has(c));
    await moveIfCurrent(deps, row, {
      to: retry ? 'pending_anchor' : 'error',
      reason:
        `Stellar payment failed: ${submission.transactionCode ?? ''} ${codes.join(',')} ${submission.lastError ?? ''}`.trim(),
      actor: ACTOR,
      ...(retry
        ? { jobs: [deliverJob(row.id, row.version + 1)] }
        : {
            statusMessage:
              'The Stellar payment could not be made; support has been alerted and will deliver or refund it.',
          }),
    });
    return;
  }
  throw new DeliveryPendingError(`payment ${submission.hash} not confirmed yet`);
}
