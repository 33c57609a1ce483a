/**
 * The official wallet SDK (@stellar/typescript-wallet-sdk 1.10) against Rampart on a real port:
 * it reads stellar.toml (SEP-1) and logs in (SEP-10) with no custom code. Notes from GUIDE §5: the
 * SDK pins its own stellar-sdk, so only strings cross between the two; it needs
 * `[DOCUMENTATION] ORG_NAME`; it allows http only on the testnet passphrase; and it compares
 * `web_auth_domain` with the endpoint's host *without* the port — so, on this odd port,
 * SEP10_WEB_AUTH_DOMAIN is set to the bare host, as docs for that setting say.
 */
import walletSdkPackage from '@stellar/typescript-wallet-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Horizon, Keypair, Networks } from '@stellar/stellar-sdk';
import { verifySep10Jwt } from '../../src/sep/sep10/jwt.js';
import { freePort } from '../support/cli.js';
import { funded, startSandbox, type Sandbox } from '../support/horizon-double.js';
import { JWT_SECRET, startSep10App, type Sep10App } from '../integration/sep10-support.js';

const { Wallet, StellarConfiguration, ApplicationConfiguration } = walletSdkPackage.walletSdk;

describe('the official wallet SDK against SEP-1 and SEP-10', () => {
  let sandbox: Sandbox;
  let anchor: Sep10App;
  let homeDomain: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    const port = await freePort();
    homeDomain = `127.0.0.1:${port}`;
    anchor = await startSep10App('pglite', sandbox, {
      PUBLIC_URL: `http://${homeDomain}`,
      SEP10_WEB_AUTH_DOMAIN: '127.0.0.1',
    });
    await anchor.app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await anchor.close();
    await sandbox.double.close();
  });

  function wallet() {
    // The SDK refuses an http Horizon URL in its constructor: start from its testnet, then the double.
    const stellar = StellarConfiguration.TestNet();
    stellar.server = new Horizon.Server(sandbox.double.url, {
      allowHttp: true,
    }) as unknown as typeof stellar.server;
    return new Wallet({
      stellarConfiguration: stellar,
      applicationConfiguration: new ApplicationConfiguration(),
    });
  }

  it('reads stellar.toml', async () => {
    const info = await wallet().anchor({ homeDomain, allowHttp: true }).sep1();
    expect(info.signingKey).toBe(anchor.server.publicKey());
    expect(info.webAuthEndpoint).toBe(`http://${homeDomain}/auth`);
    expect(info.networkPassphrase).toBe(Networks.TESTNET);
    expect(info.documentation.orgName).toBe('Rampart development anchor');
    expect(info.currencies.map((c) => c.code)).toEqual(['NGNC', 'USDC']);
  });

  it('logs in a new account, a funded account and a memo-scoped user', async () => {
    const client = wallet();
    const auth = await client.anchor({ homeDomain, allowHttp: true }).sep10();
    // Keys cross from our stellar-sdk to the wallet SDK's as raw seeds, never as objects.
    const walletKeypair = (keypair: Keypair) =>
      client.stellar().account().createKeypairFromRandom(Buffer.from(keypair.rawSecretKey()));
    const now = Math.floor(Date.now() / 1000);

    const fresh = Keypair.random();
    const token = await auth.authenticate({ accountKp: walletKeypair(fresh) });
    expect(token.account).toBe(fresh.publicKey());
    const verified = verifySep10Jwt(token.token, JWT_SECRET, now);
    expect(verified.ok && verified.claims.sub).toBe(fresh.publicKey());

    const existing = await funded(sandbox);
    const existingToken = await auth.authenticate({ accountKp: walletKeypair(existing) });
    expect(existingToken.account).toBe(existing.publicKey());

    const scoped = await auth.authenticate({ accountKp: walletKeypair(fresh), memoId: '1234' });
    expect(scoped.memo).toBe('1234');
    expect(scoped.issuer).toBe(`http://${homeDomain}/auth`);
  });
});
