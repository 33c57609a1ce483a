/** Listening TCP sockets from /proc/net/tcp and /proc/net/tcp6: no root and no `ss` needed. */
export interface Listener {
  readonly address: string;
  readonly port: number;
}

const LISTEN = '0A';

function ipv4(hex: string): string {
  // The kernel writes the address as a little-endian 32-bit number.
  const bytes = [6, 4, 2, 0].map((at) => parseInt(hex.slice(at, at + 2), 16));
  return bytes.join('.');
}

function ipv6(hex: string): string {
  const groups: string[] = [];
  for (let word = 0; word < 4; word += 1) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    // Each 32-bit word is little-endian.
    const bytes = [6, 4, 2, 0].map((at) => chunk.slice(at, at + 2)).join('');
    groups.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  const full = groups.map((g) => parseInt(g, 16).toString(16)).join(':');
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  const mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(full);
  if (mapped?.[1] !== undefined && mapped[2] !== undefined) {
    const high = parseInt(mapped[1], 16);
    const low = parseInt(mapped[2], 16);
    return `::ffff:${[high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')}`;
  }
  return full;
}

export function parseProcNetTcp(text: string): Listener[] {
  const listeners: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    if (local === undefined || state !== LISTEN) continue;
    const [hexAddress, hexPort] = local.split(':');
    if (hexAddress === undefined || hexPort === undefined) continue;
    const address = hexAddress.length === 8 ? ipv4(hexAddress) : ipv6(hexAddress);
    listeners.push({ address, port: parseInt(hexPort, 16) });
  }
  return listeners;
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}
