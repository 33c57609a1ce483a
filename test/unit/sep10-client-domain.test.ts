import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import {
  STELLAR_TOML_BYTES_MAX,
  fetchClientSigningKey,
  isPublicAddress,
  signingKeyOf,
} from '../../src/sep/sep10/client-domain.js';

const KEY = Keypair.random().publicKey();

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:8.8.8.8',
    'fe80::1',
    'fd00::1',
    'ff02::1',
    '64:ff9b::a00:1',
    '2001:db8::1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('signingKeyOf', () => {
  it('reads a top-level SIGNING_KEY in double or single quotes, with a comment', () => {
    expect(signingKeyOf(`VERSION="2.0.0"\nSIGNING_KEY = "${KEY}" # ours\n`)).toBe(KEY);
    expect(signingKeyOf(`\uFEFFSIGNING_KEY='${KEY}'\r\n`)).toBe(KEY);
  });

  it('ignores keys inside tables, and refuses repeated or invalid keys', () => {
    expect(signingKeyOf(`[DOCUMENTATION]\nSIGNING_KEY = "${KEY}"\n`)).toBeNull();
    expect(signingKeyOf(`SIGNING_KEY = "${KEY}"\nSIGNING_KEY = "${KEY}"\n`)).toBeNull();
    expect(signingKeyOf('SIGNING_KEY = "GABC"\n')).toBeNull();
    expect(signingKeyOf(`SIGNING_KEY = "${Keypair.random().secret()}"\n`)).toBeNull();
    expect(signingKeyOf('')).toBeNull();
  });
});

describe('fetchClientSigningKey', () => {
  let server: FastifyInstance;
  let host: string;
  beforeAll(async () => {
    server = Fastify({ logger: false });
    server.get('/.well-known/stellar.toml', async () => `SIGNING_KEY = "${KEY}"\n`);
    await server.listen({ port: 0, host: '127.0.0.1' });
    host = `127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  async function servedBy(
    handler: (reply: import('fastify').FastifyReply) => unknown,
  ): Promise<{ domain: string; close: () => Promise<void> }> {
    const app = Fastify({ logger: false });
    app.get('/.well-known/stellar.toml', async (_request, reply) => handler(reply));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { domain: `127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  }

  const sandbox = { network: 'sandbox', timeoutMs: 2000 } as const;

  it('reads the SIGNING_KEY over plain HTTP from a loopback host in the sandbox', async () => {
    expect(await fetchClientSigningKey(host, sandbox)).toEqual({ ok: true, signingKey: KEY });
  });

  it('refuses loopback hosts, by address and by name, outside the sandbox', async () => {
    const port = host.split(':')[1]!;
    for (const domain of [host, `localhost:${port}`]) {
      const outcome = await fetchClientSigningKey(domain, { network: 'testnet', timeoutMs: 2000 });
      expect(outcome.ok, domain).toBe(false);
      expect(!outcome.ok && outcome.error, domain).toMatch(/private or reserved/);
    }
  });

  it('does not follow redirects', async () => {
    const served = await servedBy((reply) => reply.redirect('https://example.com/.well-known/stellar.toml'));
    const outcome = await fetchClientSigningKey(served.domain, sandbox);
    await served.close();
    expect(!outcome.ok && outcome.error).toMatch(/redirect/);
  });

  it('refuses a body over the size limit, a non-200 and a toml without a key', async () => {
    const big = await servedBy((reply) =>
      reply.send(`# ${'x'.repeat(STELLAR_TOML_BYTES_MAX)}\nSIGNING_KEY = "${KEY}"\n`),
    );
    expect(await fetchClientSigningKey(big.domain, sandbox)).toEqual({
      ok: false,
      error: expect.stringMatching(/larger than/) as string,
    });
    await big.close();
    const missing = await servedBy((reply) => reply.code(404).send('no'));
    expect(await fetchClientSigningKey(missing.domain, sandbox)).toEqual({
      ok: false,
      error: expect.stringMatching(/HTTP 404/) as string,
    });
    await missing.close();
    const keyless = await servedBy((reply) => reply.send('VERSION = "2.0.0"\n'));
    expect(await fetchClientSigningKey(keyless.domain, sandbox)).toEqual({
      ok: false,
      error: expect.stringMatching(/no valid/) as string,
    });
    await keyless.close();
  });

  it('gives up after its time limit', async () => {
    const slow = await servedBy(() => new Promise(() => undefined));
    const started = Date.now();
    const outcome = await fetchClientSigningKey(slow.domain, { network: 'sandbox', timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(!outcome.ok && outcome.error).toMatch(/timed out/);
    await slow.close();
  });

  it('refuses malformed domains before any request', async () => {
    for (const domain of ['exa mple.com', 'user@host', 'host/path', 'HOST..com', '']) {
      expect((await fetchClientSigningKey(domain, sandbox)).ok, domain).toBe(false);
    }
  });
});
