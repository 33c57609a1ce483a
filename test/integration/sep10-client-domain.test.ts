/**
 * SEP-10 client attribution against a wallet's stellar.toml served by a tiny local server: allowed
 * over plain HTTP on a loopback address in the sandbox only; refused on testnet, where private and
 * loopback addresses are off limits. Also the per-route rate limit.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Keypair,
  Networks,
  TransactionBuilder,
  type Operation,
  type Transaction,
} from '@stellar/stellar-sdk';
import { verifySep10Jwt } from '../../src/sep/sep10/jwt.js';
import { databaseKinds } from '../support/databases.js';
import { startSandbox, type Sandbox } from '../support/horizon-double.js';
import {
  JWT_SECRET,
  challengeXdr,
  getChallenge,
  postToken,
  sign,
  startSep10App,
  type Sep10App,
} from './sep10-support.js';

async function startWalletDomain(signingKey: string): Promise<{ server: FastifyInstance; domain: string }> {
  const server = Fastify({ logger: false });
  server.get('/.well-known/stellar.toml', async (_request, reply) =>
    reply
      .type('text/plain')
      .send(
        `# a wallet\nVERSION = "2.7.0"\nSIGNING_KEY = "${signingKey}"\n\n[DOCUMENTATION]\nORG_NAME = "Wallet"\n`,
      ),
  );
  server.get('/redirect/.well-known/stellar.toml', async (_request, reply) =>
    reply.redirect('/.well-known/stellar.toml'),
  );
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address() as AddressInfo;
  return { server, domain: `127.0.0.1:${address.port}` };
}

describe.each(databaseKinds)('SEP-10 client_domain on %s', (kind) => {
  let sandbox: Sandbox;
  let wallet: { server: FastifyInstance; domain: string };
  const walletKey = Keypair.random();

  beforeAll(async () => {
    sandbox = await startSandbox();
    wallet = await startWalletDomain(walletKey.publicKey());
  });
  afterAll(async () => {
    await wallet.server.close();
    await sandbox.double.close();
  });

  describe('in the sandbox', () => {
    let anchor: Sep10App;
    beforeAll(async () => {
      anchor = await startSep10App(kind, sandbox);
    });
    afterAll(() => anchor.close());

    it('adds a client_domain operation sourced by the SIGNING_KEY of the wallet toml, and puts the domain in the token', async () => {
      const client = Keypair.random();
      const response = await getChallenge(anchor.app, {
        account: client.publicKey(),
        client_domain: wallet.domain,
      });
      expect(response.status).toBe(200);
      const xdr = challengeXdr(response);
      const tx = TransactionBuilder.fromXdr(xdr, Networks.TESTNET) as Transaction;
      const op = tx.operations.find((o) => o.type === 'manageData' && o.name === 'client_domain') as
        Operation.ManageData | undefined;
      expect(op?.source).toBe(walletKey.publicKey());
      expect(Buffer.from(op!.value!).toString()).toBe(wallet.domain);

      const withoutDomain = await postToken(anchor.app, sign(xdr, [client]));
      expect(withoutDomain.status).toBe(400);
      expect(withoutDomain.body['error']).toMatch(/client_domain/);

      const token = await postToken(anchor.app, sign(xdr, [client, walletKey]));
      expect(token.status).toBe(200);
      const verified = verifySep10Jwt(String(token.body['token']), JWT_SECRET, Math.floor(Date.now() / 1000));
      expect(verified.ok && verified.claims.client_domain).toBe(wallet.domain);
    });

    it('answers 400 when the client domain has no readable stellar.toml', async () => {
      const client = Keypair.random().publicKey();
      const closedPort = await getChallenge(anchor.app, { account: client, client_domain: '127.0.0.1:1' });
      expect(closedPort.status).toBe(400);
      expect(closedPort.body['code']).toBe('client_domain_unverified');
      const bad = await getChallenge(anchor.app, { account: client, client_domain: 'not a domain' });
      expect(bad.body['code']).toBe('invalid_client_domain');
    });
  });

  describe('on testnet', () => {
    let anchor: Sep10App;
    beforeAll(async () => {
      anchor = await startSep10App(kind, sandbox, {
        STELLAR_NETWORK: 'testnet',
        SEP10_RATE_LIMIT_PER_MINUTE: '12',
      });
    });
    afterAll(() => anchor.close());

    it('refuses a client domain on a loopback address, by IP and by name', async () => {
      const client = Keypair.random().publicKey();
      const port = wallet.domain.split(':')[1]!;
      for (const domain of [wallet.domain, `localhost:${port}`]) {
        const response = await getChallenge(anchor.app, { account: client, client_domain: domain });
        expect(response.status, domain).toBe(400);
        expect(response.body['code'], domain).toBe('client_domain_unverified');
        expect(response.body['error'], domain).toMatch(/private or reserved/);
      }
    });

    it('limits GET /auth per client with its own budget, still answering CORS', async () => {
      const client = Keypair.random().publicKey();
      const statuses: number[] = [];
      let last: Record<string, unknown> = {};
      for (let i = 0; i < 14; i += 1) {
        const response = await anchor.app.inject({
          method: 'GET',
          url: `/auth?account=${client}`,
          headers: { origin: 'https://wallet.example' },
        });
        statuses.push(response.statusCode);
        last = response.headers;
      }
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      expect(last['access-control-allow-origin']).toBe('*');
      // The token route counts separately.
      expect((await postToken(anchor.app, 'x')).status).toBe(400);
    });
  });

  describe('with attribution required', () => {
    let anchor: Sep10App;
    beforeAll(async () => {
      anchor = await startSep10App(kind, sandbox, {
        SEP10_CLIENT_ATTRIBUTION_REQUIRED: 'true',
        SEP10_CLIENT_DOMAIN_ALLOW_LIST: 'wallet.example',
      });
    });
    afterAll(() => anchor.close());

    it('requires a client_domain and refuses one off the allow list', async () => {
      const client = Keypair.random().publicKey();
      const none = await getChallenge(anchor.app, { account: client });
      expect(none.body['code']).toBe('client_domain_required');
      const other = await getChallenge(anchor.app, { account: client, client_domain: wallet.domain });
      expect(other.status).toBe(403);
      expect(other.body['code']).toBe('client_domain_not_allowed');
    });
  });
});
