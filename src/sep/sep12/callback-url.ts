/**
 * Wallet callback URLs are requests we make to an address a client chose: a classic SSRF door.
 * Outside the sandbox a URL must be https, carry no credentials, and name a public host; at
 * delivery the host is resolved once, every address checked, and the connection pinned to the
 * checked address (so DNS cannot answer "public" to the check and "127.0.0.1" to the connect).
 * In the sandbox (tests, `rampart sandbox`) http and local addresses are allowed.
 */
import { lookup as dnsLookup, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export const CALLBACK_URL_LENGTH_MAX = 2048;

export type UrlCheck =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly error: string };

/**
 * Addresses no callback may reach outside the sandbox: this machine, private and special ranges.
 * BlockList applies the IPv4 rules to IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) too.
 */
function blockedAddresses(): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 3],
  ] as const)
    list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of [
    ['::', 127],
    ['64:ff9b::', 96],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const)
    list.addSubnet(net, prefix, 'ipv6');
  return list;
}

const BLOCKED = blockedAddresses();

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function checkCallbackUrl(raw: string, sandbox: boolean): UrlCheck {
  if (raw.length > CALLBACK_URL_LENGTH_MAX)
    return { ok: false, error: `url must be at most ${CALLBACK_URL_LENGTH_MAX} characters` };
  const url = URL.parse(raw);
  if (url === null) return { ok: false, error: 'url is not a URL' };
  if (url.protocol !== 'https:' && !(sandbox && url.protocol === 'http:'))
    return { ok: false, error: sandbox ? 'url must be http(s)' : 'url must use https' };
  if (url.username !== '' || url.password !== '')
    return { ok: false, error: 'url must not carry credentials' };
  if (sandbox) return { ok: true, url };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal')
  )
    return { ok: false, error: 'url must name a public host' };
  if (isIP(host) !== 0 && !isPublicAddress(host))
    return { ok: false, error: 'url must not point to a private address' };
  return { ok: true, url };
}

/**
 * A `lookup` for http(s).request that refuses private addresses: every address the name resolves
 * to must be public, and the socket connects to one of exactly those.
 */
export const publicOnlyLookup: LookupFunction = (hostname: string, options: LookupOptions, callback) => {
  dnsLookup(hostname, { all: true }, (error, addresses) => {
    if (error !== null) {
      callback(error, []);
      return;
    }
    const blocked = addresses.find((a) => !isPublicAddress(a.address));
    if (blocked !== undefined || addresses.length === 0) {
      const refusal: NodeJS.ErrnoException = new Error(
        `callback host ${hostname} resolves to a non-public address`,
      );
      refusal.code = 'ECALLBACKBLOCKED';
      callback(refusal, []);
      return;
    }
    if (options.all === true) callback(null, addresses);
    else callback(null, addresses[0]?.address ?? '', addresses[0]?.family);
  });
};
