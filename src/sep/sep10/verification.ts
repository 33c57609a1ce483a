/**
 * POST /auth, the token (SEP-10 "Token"): everything a signed challenge must satisfy before a JWT
 * is issued. Two pure steps around the one Horizon read the plugin makes:
 *
 * 1. `readChallenge` — size cap, decoding, our own time-bounds check against the injected clock
 *    (the SDK's check uses the wall clock and forgives five minutes), the home domain, the
 *    network, duplicate signatures, then the SDK's `WebAuth.readChallengeTx` for the structure
 *    (sequence 0, source and signature of the server account, manage-data operations only,
 *    `web_auth_domain`, the nonce).
 * 2. `verifySignatures` — every signature must come from the server, the client domain's key or a
 *    signer of the client account; the SDK's `verifyChallengeTxSigners` checks that (and the client
 *    domain signature), and the weight is summed here: an existing account needs its MEDIUM
 *    threshold (at least 1, so a zero threshold never lets a zero-weight key in); an account that
 *    does not exist needs its master key. The server's own signature never counts.
 *
 * Each failure is a 400 with a stable `code` and a message that says what to fix.
 */
import {
  FeeBumpTransaction,
  Keypair,
  MuxedAccount,
  Networks,
  StrKey,
  Transaction,
  TransactionBuilder,
  WebAuth,
  type Operation,
  type xdr,
} from '@stellar/stellar-sdk';
import type { AccountSignersOutcome } from './account-signers.js';
import { badRequest } from './challenge.js';

/** The Anchor Platform's cap (#1917): a real challenge is under 1,000 characters. */
export const CHALLENGE_XDR_CHARS_MAX = 50_000;
/**
 * Instances behind one load balancer can disagree on the time by a little; a challenge is never
 * refused as "not yet valid" for less than this.
 */
export const CLOCK_SKEW_S = 5;
const KNOWN_NETWORKS: readonly string[] = [Networks.PUBLIC, Networks.TESTNET, Networks.FUTURENET];

export interface VerifySettings {
  readonly serverAccountId: string;
  readonly networkPassphrase: string;
  readonly homeDomains: readonly string[];
  readonly webAuthDomain: string;
  readonly clientAttributionRequired: boolean;
  readonly clientDomainAllowList: readonly string[];
}

export interface ReadChallenge {
  readonly xdr: string;
  readonly tx: Transaction;
  /** Hex of the transaction hash (signatures are not part of it): the replay key and the JWT's jti. */
  readonly hash: string;
  /** As in the first operation: G… or M…. */
  readonly clientAccount: string;
  /** The G… account whose signers count (for a muxed account, its base account). */
  readonly baseAccount: string;
  readonly memo: string | null;
  readonly homeDomain: string;
  readonly clientDomain: { readonly domain: string; readonly signingKey: string } | null;
  readonly maxTimeS: number;
}

function decode(xdr: string, passphrase: string): Transaction {
  let decoded: Transaction | FeeBumpTransaction;
  try {
    decoded = TransactionBuilder.fromXdr(xdr, passphrase);
  } catch {
    throw badRequest('invalid_challenge', 'transaction is not a base64 XDR transaction envelope');
  }
  if (decoded instanceof FeeBumpTransaction)
    throw badRequest('invalid_challenge', 'transaction is a fee bump; send the signed challenge itself');
  return decoded;
}

function checkTimeBounds(tx: Transaction, nowS: number): number {
  const bounds = tx.timeBounds;
  if (bounds === undefined) throw badRequest('invalid_challenge', 'challenge has no time bounds');
  const minTimeS = Number(bounds.minTime);
  const maxTimeS = Number(bounds.maxTime);
  if (maxTimeS === 0) throw badRequest('invalid_challenge', 'challenge has no expiry (infinite time bounds)');
  if (nowS > maxTimeS)
    throw badRequest(
      'challenge_expired',
      `challenge expired at ${new Date(maxTimeS * 1000).toISOString()}; request a new one`,
    );
  if (nowS + CLOCK_SKEW_S < minTimeS)
    throw badRequest(
      'challenge_not_yet_valid',
      `challenge is valid from ${new Date(minTimeS * 1000).toISOString()}, which is in the future`,
    );
  return maxTimeS;
}

function checkHomeDomain(tx: Transaction, homeDomains: readonly string[]): string {
  const first = tx.operations[0];
  if (first?.type !== 'manageData' || first.source === undefined || !first.name.endsWith(' auth'))
    throw badRequest(
      'invalid_challenge',
      "the first operation must be the '<home domain> auth' manage-data operation",
    );
  const homeDomain = first.name.slice(0, -' auth'.length);
  if (!homeDomains.includes(homeDomain))
    throw badRequest(
      'invalid_home_domain',
      `challenge is for home domain ${homeDomain}, which is not served here (${homeDomains.join(', ')})`,
    );
  return homeDomain;
}

/** Which key made a signature, among `keys`; null when none did. */
function signerOf(hash: Buffer, signature: xdr.DecoratedSignature, keys: readonly string[]): string | null {
  const hint = Buffer.from(signature.hint.toBytes());
  for (const key of keys) {
    const keypair = Keypair.fromPublicKey(key);
    if (!hint.equals(Buffer.from(keypair.signatureHint()))) continue;
    if (keypair.verify(hash, Buffer.from(signature.signature.toBytes()))) return key;
  }
  return null;
}

/** The passphrase of another network under which one of `keys` signed the transaction, if any. */
function otherNetworkSigned(tx: Transaction, keys: readonly string[], ours: string): string | null {
  for (const passphrase of KNOWN_NETWORKS) {
    if (passphrase === ours) continue;
    const hash = Buffer.from(new Transaction(tx.toEnvelope(), passphrase).hash());
    if (tx.signatures.some((s) => signerOf(hash, s, keys) !== null)) return passphrase;
  }
  return null;
}

function wrongNetwork(theirs: string, ours: string): Error {
  return badRequest(
    'wrong_network',
    `transaction was signed for the network '${theirs}'; this server uses '${ours}'`,
  );
}

/** Identical signatures (the XDR itself caps the count at 20). */
function checkDuplicateSignatures(tx: Transaction): void {
  const seen = new Set<string>();
  for (const signature of tx.signatures) {
    const id = signature.toXdr('base64');
    if (seen.has(id)) throw badRequest('duplicate_signature', 'transaction carries the same signature twice');
    seen.add(id);
  }
}

function clientDomainOf(tx: Transaction): ReadChallenge['clientDomain'] {
  const ops = tx.operations.filter(
    (op): op is Operation.ManageData => op.type === 'manageData' && op.name === 'client_domain',
  );
  const op = ops[0];
  if (op === undefined) return null;
  if (ops.length > 1 || op.source === undefined || op.value === undefined)
    throw badRequest('invalid_challenge', 'challenge has a malformed client_domain operation');
  return { domain: Buffer.from(op.value).toString('utf8'), signingKey: op.source };
}

function checkClientDomainPolicy(domain: ReadChallenge['clientDomain'], settings: VerifySettings): void {
  if (domain === null) {
    if (settings.clientAttributionRequired)
      throw badRequest('client_domain_required', 'this server requires client_domain attribution');
    return;
  }
  const allowList = settings.clientDomainAllowList;
  if (allowList.length > 0 && !allowList.includes(domain.domain))
    throw badRequest('client_domain_not_allowed', `client_domain ${domain.domain} is not allowed`);
}

function baseAccountOf(account: string): string {
  if (StrKey.isValidMed25519PublicKey(account))
    return MuxedAccount.fromAddress(account, '0').baseAccount().accountId();
  return account;
}

export function readChallenge(xdr: string, settings: VerifySettings, nowS: number): ReadChallenge {
  if (xdr.length > CHALLENGE_XDR_CHARS_MAX)
    throw badRequest(
      'challenge_too_large',
      `transaction is longer than ${CHALLENGE_XDR_CHARS_MAX} characters`,
    );
  const tx = decode(xdr, settings.networkPassphrase);
  const maxTimeS = checkTimeBounds(tx, nowS);
  const homeDomain = checkHomeDomain(tx, settings.homeDomains);
  checkDuplicateSignatures(tx);
  const hash = Buffer.from(tx.hash());
  if (!tx.signatures.some((s) => signerOf(hash, s, [settings.serverAccountId]) !== null)) {
    const theirs = otherNetworkSigned(tx, [settings.serverAccountId], settings.networkPassphrase);
    if (theirs !== null) throw wrongNetwork(theirs, settings.networkPassphrase);
    throw badRequest('invalid_challenge', "challenge is not signed by this server's SIGNING_KEY");
  }
  let read: ReturnType<typeof WebAuth.readChallengeTx>;
  try {
    read = WebAuth.readChallengeTx(
      xdr,
      settings.serverAccountId,
      settings.networkPassphrase,
      [...settings.homeDomains],
      settings.webAuthDomain,
    );
  } catch (error) {
    throw badRequest('invalid_challenge', error instanceof Error ? error.message : 'invalid challenge');
  }
  const clientDomain = clientDomainOf(tx);
  checkClientDomainPolicy(clientDomain, settings);
  return {
    xdr,
    tx,
    hash: hash.toString('hex'),
    clientAccount: read.clientAccountID,
    baseAccount: baseAccountOf(read.clientAccountID),
    memo: read.memo,
    homeDomain,
    clientDomain,
    maxTimeS,
  };
}

/** Checks the client's signatures against its account; returns the client signers that signed. */
export function verifySignatures(
  challenge: ReadChallenge,
  account: Exclude<AccountSignersOutcome, { kind: 'unknown' }>,
  settings: VerifySettings,
): readonly string[] {
  const exists = account.kind === 'found';
  const clientSigners = exists ? account.signers.map((s) => s.key) : [challenge.baseAccount];
  const known = [settings.serverAccountId, ...clientSigners];
  if (challenge.clientDomain !== null) known.push(challenge.clientDomain.signingKey);
  const hash = Buffer.from(challenge.tx.hash());
  const used = new Set<string>();
  for (const signature of challenge.tx.signatures) {
    const signer = signerOf(hash, signature, known);
    if (signer === null) {
      const theirs = otherNetworkSigned(challenge.tx, known, settings.networkPassphrase);
      if (theirs !== null) throw wrongNetwork(theirs, settings.networkPassphrase);
      throw badRequest(
        'unknown_signature',
        exists
          ? `transaction has a signature that is not from a signer of ${challenge.baseAccount}`
          : `account ${challenge.baseAccount} does not exist, so only its master key may sign; the transaction has another signature`,
      );
    }
    if (used.has(signer)) throw badRequest('duplicate_signature', `transaction is signed twice by ${signer}`);
    used.add(signer);
  }
  let found: string[];
  try {
    found = WebAuth.verifyChallengeTxSigners(
      challenge.xdr,
      settings.serverAccountId,
      settings.networkPassphrase,
      clientSigners,
      [...settings.homeDomains],
      settings.webAuthDomain,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : 'invalid challenge';
    throw badRequest(
      /no.*signers|None of the given signers/i.test(message)
        ? 'missing_client_signature'
        : 'invalid_challenge',
      message,
    );
  }
  if (!exists) return found;
  const weight = found.reduce(
    (sum, key) => sum + (account.signers.find((s) => s.key === key)?.weight ?? 0),
    0,
  );
  const required = Math.max(account.mediumThreshold, 1);
  if (weight < required)
    throw badRequest(
      'insufficient_signer_weight',
      `signatures carry weight ${weight}; account ${challenge.baseAccount} needs its medium threshold of ${required}`,
    );
  return found;
}
