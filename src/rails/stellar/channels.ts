/**
 * Channel accounts (rails-notes B7): N funded accounts used only as transaction source, so N
 * payments can be in flight at once without sequence collisions; the distribution account is the
 * source of every payment operation and signs it too.
 *
 * Exclusivity. A channel is leased to one submission attempt at a time through its row in
 * `stellar_channels`: a lease is an UPDATE of a row chosen with `FOR UPDATE SKIP LOCKED` among those
 * free or whose lease ran out, so processes sharing the database never lease the same channel.
 * A lease lasts as long as its envelope can land (max time plus a margin, by the database clock) and
 * is released — conditioned on the holder — when the attempt concludes. A process that dies
 * mid-submission needs no clean-up: its lease expires when its envelope can no longer apply.
 * Inside one process a FIFO queue of local slots (one per channel) keeps waiting callers off the
 * database; they only poll it when every local slot is free but other processes hold the channels.
 *
 * Sequence. The row keeps the last sequence known to be consumed (set when a transaction from the
 * channel is seen included); NULL means unknown, and the lessee loads it from Horizon. Sequence
 * numbers only grow, so a remembered value is never ahead of the network: at worst it is behind
 * (another process used the channel), which costs one `tx_bad_seq` and a reload, never a double
 * payment.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { assert } from '../../domain/assert.js';
import type { Tables } from '../../platform/db/schema.js';
import type { Signer } from './signer.js';

export interface ChannelLease {
  readonly account: string;
  readonly signer: Signer;
  /** Who holds it: the submission attempt. Every later write is conditioned on it. */
  readonly holder: string;
  /** Last sequence known consumed, or null when unknown (load it from Horizon). */
  readonly sequence: bigint | null;
}

/** What the attempt learnt about the channel's sequence. */
export type SequenceUpdate =
  | { readonly kind: 'consumed'; readonly sequence: bigint }
  | { readonly kind: 'observed'; readonly sequence: bigint }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'unknown' };

export interface ChannelPoolOptions {
  readonly signers: readonly Signer[];
  /** How long a caller waits for a free channel before giving up. */
  readonly waitMsMax: number;
  /** Poll interval while other processes hold every channel. */
  readonly pollMs: number;
}

/** No channel became free in time: nothing was built or sent; try again later. */
export class ChannelsBusyError extends Error {
  override readonly name = 'ChannelsBusyError';
}

export const CHANNELS_MAX = 1000;

export interface ChannelPool {
  readonly size: number;
  /** Inserts rows for the configured channels (idempotent). Call once at start-up. */
  register(): Promise<void>;
  /** Leases a free channel until `leaseSeconds` from now (database clock). */
  lease(holder: string, leaseSeconds: number): Promise<ChannelLease>;
  /** Records what was learnt about the sequence while still holding the lease. */
  recordSequence(account: string, holder: string, update: SequenceUpdate): Promise<void>;
  /** Releases the lease (a no-op when it was lost) and records the sequence. */
  release(account: string, holder: string, update: SequenceUpdate): Promise<void>;
  /** Frees the local slot but keeps the database lease (the attempt is still unresolved). */
  detach(account: string, holder: string): void;
  signerOf(account: string): Signer | undefined;
}

export function createChannelPool(db: Kysely<Tables>, options: ChannelPoolOptions): ChannelPool {
  const signers = new Map(options.signers.map((s) => [s.publicKey, s]));
  assert(signers.size > 0, 'at least one channel account is required');
  assert(signers.size === options.signers.length, 'channel accounts must be distinct');
  assert(signers.size <= CHANNELS_MAX, `at most ${CHANNELS_MAX} channel accounts`);
  const accounts = [...signers.keys()];
  const slots = createSlots(accounts.length);
  /** Leases this process holds a local slot for, by `${account}|${holder}`. */
  const attached = new Set<string>();

  async function claim(
    holder: string,
    leaseSeconds: number,
  ): Promise<{ account: string; sequence: string | null } | undefined> {
    const result = await sql<{ account: string; sequence: string | null }>`
      update stellar_channels set leased_by = ${holder},
        leased_until = now() + ${leaseSeconds}::integer * interval '1 second',
        leases = leases + 1, updated_at = now()
      where account = (
        select account from stellar_channels
        where account = any(${accounts}::text[]) and (leased_until is null or leased_until < now())
        order by leased_until nulls first, account
        limit 1
        for update skip locked)
      returning account, sequence`.execute(db);
    return result.rows[0];
  }

  function sequenceAssignment(update: SequenceUpdate): Record<string, unknown> {
    switch (update.kind) {
      case 'consumed':
        // Never move backwards: another lessee may already have recorded a later one.
        return { sequence: sql`greatest(coalesce(sequence, 0), ${update.sequence.toString()}::numeric)` };
      case 'observed':
        return { sequence: update.sequence.toString() };
      case 'unchanged':
        return {};
      case 'unknown':
        return { sequence: null };
    }
  }

  function freeSlot(account: string, holder: string): void {
    const key = `${account}|${holder}`;
    if (attached.delete(key)) slots.release();
  }

  return {
    size: accounts.length,

    async register() {
      await db
        .insertInto('stellar_channels')
        .values(accounts.map((account) => ({ account })))
        .onConflict((oc) => oc.column('account').doNothing())
        .execute();
    },

    async lease(holder, leaseSeconds) {
      assert(Number.isInteger(leaseSeconds) && leaseSeconds > 0, 'lease length must be whole seconds');
      const deadline = Date.now() + options.waitMsMax;
      const gotSlot = await slots.acquire(options.waitMsMax);
      if (!gotSlot) throw new ChannelsBusyError('no channel account became free in time');
      try {
        for (;;) {
          const row = await claim(holder, leaseSeconds);
          if (row !== undefined) {
            const signer = signers.get(row.account);
            assert(signer !== undefined, 'claimed a channel that is not configured');
            attached.add(`${row.account}|${holder}`);
            return {
              account: row.account,
              signer,
              holder,
              sequence: row.sequence === null ? null : BigInt(row.sequence),
            };
          }
          // Every channel is leased by another process (or a crashed attempt's lease has not run out).
          const remainingMs = deadline - Date.now();
          if (remainingMs <= 0) throw new ChannelsBusyError('every channel account is leased elsewhere');
          await sleep(Math.min(options.pollMs, remainingMs));
        }
      } catch (error) {
        slots.release();
        throw error;
      }
    },

    async recordSequence(account, holder, update) {
      const assignment = sequenceAssignment(update);
      if (Object.keys(assignment).length === 0) return;
      await db
        .updateTable('stellar_channels')
        .set({ ...assignment, updated_at: sql<Date>`now()` })
        .where('account', '=', account)
        .where('leased_by', '=', holder)
        .execute();
    },

    async release(account, holder, update) {
      try {
        await db
          .updateTable('stellar_channels')
          .set({
            ...sequenceAssignment(update),
            leased_by: null,
            leased_until: null,
            updated_at: sql<Date>`now()`,
          })
          .where('account', '=', account)
          .where('leased_by', '=', holder)
          .execute();
      } finally {
        freeSlot(account, holder);
      }
    },

    detach(account, holder) {
      freeSlot(account, holder);
    },

    signerOf(account) {
      return signers.get(account);
    },
  };
}

/** A FIFO counting semaphore with a bounded wait. */
function createSlots(count: number): { acquire(waitMs: number): Promise<boolean>; release(): void } {
  let free = count;
  const waiters: ((granted: boolean) => void)[] = [];
  return {
    acquire(waitMs) {
      if (free > 0 && waiters.length === 0) {
        free -= 1;
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          const index = waiters.indexOf(grant);
          if (index >= 0) waiters.splice(index, 1);
          resolve(false);
        }, waitMs);
        function grant(granted: boolean): void {
          clearTimeout(timer);
          resolve(granted);
        }
        waiters.push(grant);
      });
    },
    release() {
      const next = waiters.shift();
      if (next === undefined) {
        free += 1;
        assert(free <= count, 'released more channel slots than exist');
        return;
      }
      next(true);
    },
  };
}
