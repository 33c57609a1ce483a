/**
 * Horizon's JSON shapes (HAL records with `_links`, RFC 7807 problems). Every record carries the
 * links the SDK turns into methods; an account carries both `data` and `_links.data`, without
 * which the SDK's memo-required check crashes (rails-notes B9).
 */
import { assetFields, assetIssuer } from './assets.js';
import { formatStroops } from './amounts.js';
import type { PaymentRecord, TransactionRecord } from './history.js';
import { predicateJson, signerType } from './ledger-rules.js';
import { subentryCount, type AccountEntry, type ClaimableBalanceEntry } from './state.js';

export type Json = Record<string, unknown>;

export function isoTime(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().replace('.000Z', 'Z');
}

function link(href: string, templated = false): Json {
  return templated ? { href, templated: true } : { href };
}

export function renderTransaction(
  base: string,
  record: TransactionRecord,
  requestedHash = record.hash,
): Json {
  const self = `${base}/transactions/${requestedHash}`;
  const token = record.pagingToken.toString();
  const json: Json = {
    _links: {
      self: link(self),
      account: link(`${base}/accounts/${record.sourceAccount}`),
      ledger: link(`${base}/ledgers/${record.ledger}`),
      operations: link(`${self}/operations{?cursor,limit,order}`, true),
      effects: link(`${self}/effects{?cursor,limit,order}`, true),
      precedes: link(`${base}/transactions?order=asc&cursor=${token}`),
      succeeds: link(`${base}/transactions?order=desc&cursor=${token}`),
      transaction: link(self),
    },
    id: requestedHash,
    paging_token: token,
    successful: record.successful,
    hash: requestedHash,
    ledger: record.ledger,
    created_at: isoTime(record.closedAtSec),
    source_account: record.sourceAccount,
    source_account_sequence: record.sourceAccountSequence,
    fee_account: record.feeAccount,
    fee_charged: record.feeChargedStroops.toString(),
    max_fee: record.maxFeeStroops.toString(),
    operation_count: record.operationCount,
    envelope_xdr: record.envelopeXdr,
    result_xdr: record.resultXdr,
    memo_type: record.memo.type,
    signatures: [...record.signatures],
  };
  if (record.memo.value !== undefined) json['memo'] = record.memo.value;
  if (record.memo.bytes !== undefined) json['memo_bytes'] = record.memo.bytes;
  if (record.timeBounds !== undefined) {
    json['valid_after'] = isoTime(Number(record.timeBounds.minTime));
    if (record.timeBounds.maxTime !== '0') json['valid_before'] = isoTime(Number(record.timeBounds.maxTime));
    json['preconditions'] = {
      timebounds: { min_time: record.timeBounds.minTime, max_time: record.timeBounds.maxTime },
    };
  }
  if (record.feeBump !== undefined) {
    json['fee_bump_transaction'] = { hash: record.feeBump.hash, signatures: [...record.feeBump.signatures] };
    json['inner_transaction'] = {
      hash: record.feeBump.innerHash,
      signatures: [...record.feeBump.innerSignatures],
      max_fee: record.feeBump.innerMaxFeeStroops.toString(),
    };
  }
  return json;
}

export function renderPayment(
  base: string,
  record: PaymentRecord,
  joined: TransactionRecord | undefined,
): Json {
  const id = record.id.toString();
  const json: Json = {
    _links: {
      self: link(`${base}/operations/${id}`),
      transaction: link(`${base}/transactions/${record.transactionHash}`),
      effects: link(`${base}/operations/${id}/effects`),
      succeeds: link(`${base}/effects?order=desc&cursor=${id}`),
      precedes: link(`${base}/effects?order=asc&cursor=${id}`),
    },
    id,
    paging_token: id,
    transaction_successful: record.transactionSuccessful,
    source_account: record.sourceAccount,
    type: record.type,
    type_i: record.typeI,
    created_at: isoTime(record.createdAtSec),
    transaction_hash: record.transactionHash,
    ...record.fields,
  };
  if (joined !== undefined) json['transaction'] = renderTransaction(base, joined);
  return json;
}

export function renderAccount(base: string, account: AccountEntry): Json {
  const self = `${base}/accounts/${account.id}`;
  const balances: Json[] = [];
  for (const [asset, line] of account.trustlines) {
    balances.push({
      balance: formatStroops(line.balanceStroops),
      limit: formatStroops(line.limitStroops),
      buying_liabilities: formatStroops(0n),
      selling_liabilities: formatStroops(0n),
      last_modified_ledger: line.lastModifiedLedger,
      is_authorized: line.authorized,
      is_authorized_to_maintain_liabilities: line.authorized,
      is_clawback_enabled: false,
      ...assetFields(asset),
    });
  }
  balances.push({
    balance: formatStroops(account.balanceStroops),
    buying_liabilities: formatStroops(0n),
    selling_liabilities: formatStroops(0n),
    asset_type: 'native',
  });
  const signers: Json[] = [];
  for (const [key, weight] of account.signers) signers.push({ weight, key, type: signerType(key) });
  signers.push({ weight: account.masterWeight, key: account.id, type: 'ed25519_public_key' });
  const data: Json = {};
  for (const [key, value] of account.data) data[key] = value;
  const json: Json = {
    _links: {
      self: link(self),
      transactions: link(`${self}/transactions{?cursor,limit,order}`, true),
      operations: link(`${self}/operations{?cursor,limit,order}`, true),
      payments: link(`${self}/payments{?cursor,limit,order}`, true),
      effects: link(`${self}/effects{?cursor,limit,order}`, true),
      offers: link(`${self}/offers{?cursor,limit,order}`, true),
      trades: link(`${self}/trades{?cursor,limit,order}`, true),
      data: link(`${self}/data/{key}`, true),
    },
    id: account.id,
    account_id: account.id,
    sequence: account.sequence.toString(),
    sequence_ledger: account.sequenceLedger,
    sequence_time: account.sequenceTimeSec.toString(),
    subentry_count: subentryCount(account),
    last_modified_ledger: account.lastModifiedLedger,
    last_modified_time: isoTime(account.lastModifiedTimeSec),
    thresholds: {
      low_threshold: account.thresholds.low,
      med_threshold: account.thresholds.med,
      high_threshold: account.thresholds.high,
    },
    flags: {
      auth_required: account.flags.authRequired,
      auth_revocable: account.flags.authRevocable,
      auth_immutable: account.flags.authImmutable,
      auth_clawback_enabled: account.flags.authClawbackEnabled,
    },
    balances,
    signers,
    data,
    num_sponsoring: account.numSponsoring,
    num_sponsored: 0,
    paging_token: account.id,
  };
  if (account.homeDomain !== '') json['home_domain'] = account.homeDomain;
  return json;
}

export function renderClaimableBalance(base: string, entry: ClaimableBalanceEntry): Json {
  const self = `${base}/claimable_balances/${entry.id}`;
  const issuer = assetIssuer(entry.asset);
  return {
    _links: {
      self: link(self),
      transactions: link(`${self}/transactions{?cursor,limit,order}`, true),
      operations: link(`${self}/operations{?cursor,limit,order}`, true),
    },
    id: entry.id,
    asset: issuer === undefined ? 'native' : entry.asset,
    amount: formatStroops(entry.amountStroops),
    sponsor: entry.sponsor,
    last_modified_ledger: entry.lastModifiedLedger,
    last_modified_time: isoTime(entry.lastModifiedTimeSec),
    claimants: entry.claimants.map((c) => ({
      destination: c.destination,
      predicate: predicateJson(c.predicate),
    })),
    flags: { clawback_enabled: false },
    paging_token: `${entry.lastModifiedLedger}-${entry.id}`,
  };
}

/** A collection page: `next` continues after the last record, `prev` goes back before the first. */
export function renderPage(
  self: URL,
  records: readonly Json[],
  order: 'asc' | 'desc',
  cursorOf: (record: Json) => string,
): Json {
  const first = records[0];
  const last = records.at(-1);
  const current = self.searchParams.get('cursor') ?? '';
  const next = new URL(self);
  next.searchParams.set('cursor', last === undefined ? current : cursorOf(last));
  next.searchParams.set('order', order);
  const prev = new URL(self);
  prev.searchParams.set('cursor', first === undefined ? current : cursorOf(first));
  prev.searchParams.set('order', order === 'asc' ? 'desc' : 'asc');
  return {
    _links: { self: link(self.toString()), next: link(next.toString()), prev: link(prev.toString()) },
    _embedded: { records },
  };
}

export interface Problem {
  readonly status: number;
  readonly body: Json;
}

/** RFC 7807 problem with Horizon's `type` prefix. */
export function problem(slug: string, title: string, status: number, detail: string, extras?: Json): Problem {
  const body: Json = { type: `https://stellar.org/horizon-errors/${slug}`, title, status, detail };
  if (extras !== undefined) body['extras'] = extras;
  return { status, body };
}

export function notFound(): Problem {
  return problem(
    'not_found',
    'Resource Missing',
    404,
    'The resource at the url requested was not found.  This usually occurs for one of two reasons:  The url requested is not valid, or no data in our database could be found with the parameters provided.',
  );
}

export function badRequest(detail: string, invalidField?: string): Problem {
  return problem(
    'bad_request',
    'Bad Request',
    400,
    detail,
    invalidField === undefined ? undefined : { invalid_field: invalidField, reason: detail },
  );
}
