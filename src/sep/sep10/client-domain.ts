/**
 * Client attribution (SEP-10 "Verifying the Client Domain"): fetch
 * `https://{client_domain}/.well-known/stellar.toml` and read its SIGNING_KEY, guarded against
 * server-side request forgery — the domain is chosen by whoever calls GET /auth:
 *
 * - HTTPS only, except on STELLAR_NETWORK=sandbox, where plain HTTP is tried after HTTPS fails to
 *   connect (the local doubles and test wallets have no certificates);
 * - the host is resolved by us and every address it resolves to must be public: loopback, private,
 *   link-local, CGNAT, multicast, documentation and other special ranges are refused outside the
 *   sandbox. The check runs inside the connection's own DNS lookup, so the address checked is the
 *   address connected to (no rebinding between check and use); IP literals are checked up front
 *   because Node skips the lookup for them;
 * - redirects are not followed, the body is capped at 100 KB and the whole fetch at a time limit.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { StrKey } from '@stellar/stellar-sdk';
import { SEP10_DOMAIN } from '../../config/settings-sep10.js';

export const STELLAR_TOML_BYTES_MAX = 100 * 1024;

export interface ClientDomainFetchOptions {
  /** Sandbox allows plain HTTP and private addresses (the local doubles); nothing else does. */
  readonly network: 'public' | 'testnet' | 'sandbox';
  readonly timeoutMs: number;
}

export type SigningKeyOutcome =
  { readonly ok: true; readonly signingKey: string } | { readonly ok: false; readonly error: string };

class FetchRefused extends Error {
  override readonly name = 'FetchRefused';
}

const SPECIAL_RANGES: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  // NAT64 addresses reach IPv4 hosts: refused whole rather than decoded. (IPv4-mapped ones are
  // refused in isPublicAddress: BlockList matches every IPv4 address against ::ffff:0:0/96.)
  ['64:ff9b::', 96, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001::', 23, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

function specialAddresses(): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of SPECIAL_RANGES) list.addSubnet(network, prefix, family);
  return list;
}
const SPECIAL = specialAddresses();

/** True for an address on the public internet; false for anything local, private or reserved. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6 && /^(0{0,4}:){0,5}:?ffff:/i.test(address)) return false;
  return !SPECIAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A DNS lookup that refuses to hand a non-public address to the connection. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      const first = addresses[0];
      if (first === undefined) {
        callback(new FetchRefused(`${hostname} has no address`), '', 0);
        return;
      }
      if (!allowPrivate && addresses.some((a) => !isPublicAddress(a.address))) {
        callback(new FetchRefused(`${hostname} resolves to a private or reserved address`), '', 0);
        return;
      }
      if (options.all === true) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/** The top-level SIGNING_KEY of a stellar.toml, or null when absent, repeated or not a G… key. */
export function signingKeyOf(toml: string): string | null {
  let found: string | null = null;
  for (const raw of toml.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim();
    // Top-level keys end where the first table starts.
    if (line.startsWith('[')) break;
    const match = /^SIGNING_KEY\s*=\s*(?:"([^"\\]*)"|'([^']*)')\s*(?:#.*)?$/.exec(line);
    if (match === null) continue;
    if (found !== null) return null;
    found = match[1] ?? match[2] ?? '';
  }
  return found !== null && StrKey.isValidEd25519PublicKey(found) ? found : null;
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length'] ?? '0');
    if (declared > STELLAR_TOML_BYTES_MAX) {
      response.destroy();
      reject(new FetchRefused(`stellar.toml is larger than ${STELLAR_TOML_BYTES_MAX} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > STELLAR_TOML_BYTES_MAX) {
        response.destroy(new FetchRefused(`stellar.toml is larger than ${STELLAR_TOML_BYTES_MAX} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('error', reject);
    response.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

function fetchToml(url: URL, allowPrivate: boolean, signal: AbortSignal): Promise<string> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        lookup: guardedLookup(allowPrivate),
        signal,
        agent: false,
        headers: { accept: 'text/plain, application/toml, */*', 'user-agent': 'rampart-sep10' },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.destroy();
          reject(new FetchRefused(`stellar.toml answered a redirect (${status}), which is not followed`));
          return;
        }
        if (status !== 200) {
          response.destroy();
          reject(new FetchRefused(`stellar.toml answered HTTP ${status}`));
          return;
        }
        readBody(response).then(resolve, reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function describe(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timed out';
  if (error instanceof FetchRefused) return error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `could not connect (${code})` : 'could not connect';
}

/** True when the failure happened before any HTTP answer: the only case the sandbox retries on HTTP. */
function isConnectFailure(error: unknown, signal: AbortSignal): boolean {
  return !signal.aborted && !(error instanceof FetchRefused);
}

export async function fetchClientSigningKey(
  domain: string,
  options: ClientDomainFetchOptions,
): Promise<SigningKeyOutcome> {
  const refuse = (why: string): SigningKeyOutcome => ({
    ok: false,
    error: `could not read SIGNING_KEY from client_domain ${domain}: ${why}`,
  });
  if (!SEP10_DOMAIN.test(domain)) return refuse('not a host name with an optional port');
  const allowPrivate = options.network === 'sandbox';
  const hostname = domain.replace(/:\d+$/, '');
  if (isIP(hostname) !== 0 && !allowPrivate && !isPublicAddress(hostname))
    return refuse('a private or reserved address');
  const signal = AbortSignal.timeout(options.timeoutMs);
  const schemes = allowPrivate ? ['https:', 'http:'] : ['https:'];
  let text: string | null = null;
  let lastError: unknown = null;
  for (const scheme of schemes) {
    try {
      text = await fetchToml(new URL(`${scheme}//${domain}/.well-known/stellar.toml`), allowPrivate, signal);
      break;
    } catch (error) {
      lastError = error;
      if (!isConnectFailure(error, signal)) break;
    }
  }
  if (text === null) return refuse(describe(lastError, signal));
  const signingKey = signingKeyOf(text);
  if (signingKey === null) return refuse('its stellar.toml has no valid top-level SIGNING_KEY');
  return { ok: true, signingKey };
}
