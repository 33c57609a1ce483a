/**
 * SEP-10 through the real app on every database backend, with the Horizon double as Horizon: the
 * wallet's side is done with the SDK, the token is checked with verifySep10Jwt and the guard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Keypair,
  Memo,
  MuxedAccount,
  Networks,
  Operation,
  TransactionBuilder,
  WebAuth,
  type Transaction,
} from '@stellar/stellar-sdk';
import { verifySep10Jwt } from '../../src/sep/sep10/jwt.js';
import { databaseKinds } from '../support/databases.js';
import { funded, startSandbox, submit, type Sandbox } from '../support/horizon-double.js';
import {
  JWT_SECRET,
  challengeXdr,
  getChallenge,
  login,
  postToken,
  sign,
  startSep10App,
  type Sep10App,
} from './sep10-support.js';

const HOME = 'anchor.example';
const nowS = () => Math.floor(Date.now() / 1000);

describe.each(databaseKinds)('SEP-10 on %s', (kind) => {
  let sandbox: Sandbox;
  let anchor: Sep10App;

  beforeAll(async () => {
    sandbox = await startSandbox();
    anchor = await startSep10App(kind, sandbox, {}, async (app, ctx) => {
      app.get('/whoami', { preHandler: ctx.requireSep10 }, async (request) => request.sep10);
    });
  });
  afterAll(async () => {
    await anchor.close();
    await sandbox.double.close();
  });

  function claimsOf(token: unknown) {
    const verified = verifySep10Jwt(String(token), JWT_SECRET, nowS());
    if (!verified.ok) throw new Error(verified.error);
    return verified.claims;
  }

  async function whoami(token: unknown) {
    const response = await anchor.app.inject({
      method: 'GET',
      url: '/whoami',
      headers: { authorization: `Bearer ${String(token)}` },
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  }

  it('issues a challenge the SDK reads as SEP-10: server-signed, our home and web auth domains, 900 s', async () => {
    const client = Keypair.random();
    const response = await getChallenge(anchor.app, { account: client.publicKey() });
    expect(response.status).toBe(200);
    expect(response.body['network_passphrase']).toBe(Networks.TESTNET);
    const read = WebAuth.readChallengeTx(
      challengeXdr(response),
      anchor.server.publicKey(),
      Networks.TESTNET,
      HOME,
      HOME,
    );
    expect(read.clientAccountID).toBe(client.publicKey());
    expect(read.matchedHomeDomain).toBe(HOME);
    const bounds = read.tx.timeBounds!;
    expect(Number(bounds.maxTime) - Number(bounds.minTime)).toBe(900);
    expect(read.tx.sequence).toBe('0');
  });

  it('exchanges a signed challenge (JSON) for a token that verifies and passes the guard', async () => {
    const client = Keypair.random();
    const xdr = challengeXdr(await getChallenge(anchor.app, { account: client.publicKey() }));
    const response = await postToken(anchor.app, sign(xdr, [client]));
    expect(response.status).toBe(200);
    const claims = claimsOf(response.body['token']);
    const tx = TransactionBuilder.fromXdr(xdr, Networks.TESTNET) as Transaction;
    expect(claims).toMatchObject({
      iss: 'https://anchor.example/auth',
      sub: client.publicKey(),
      jti: Buffer.from(tx.hash()).toString('hex'),
      home_domain: HOME,
    });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims.client_domain).toBeUndefined();
    const me = await whoami(response.body['token']);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ account: client.publicKey(), memo: null, muxedAccount: null });
  });

  it('accepts the signed challenge form-encoded, and tolerates an unencoded +', async () => {
    const client = Keypair.random();
    const xdr = challengeXdr(await getChallenge(anchor.app, { account: client.publicKey() }));
    const form = await postToken(anchor.app, sign(xdr, [client]), 'form');
    expect(form.status).toBe(200);
    expect(claimsOf(form.body['token']).sub).toBe(client.publicKey());

    const again = challengeXdr(await getChallenge(anchor.app, { account: client.publicKey() }));
    const raw = await anchor.app.inject({
      method: 'POST',
      url: '/auth',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `transaction=${sign(again, [client]).replaceAll('/', '%2F').replaceAll('=', '%3D')}`,
    });
    expect(raw.statusCode).toBe(200);
  });

  it('refuses a challenge with no client signature', async () => {
    const client = Keypair.random();
    const response = await login(anchor.app, client.publicKey(), []);
    expect(response.status).toBe(400);
    expect(response.body['code']).toBe('missing_client_signature');
  });

  it('scopes a memo: sub is G…:memo, two memos are two identities', async () => {
    const client = Keypair.random();
    const first = await login(anchor.app, client.publicKey(), [client], { memo: '18446744073709551615' });
    const second = await login(anchor.app, client.publicKey(), [client], { memo: '7' });
    expect(claimsOf(first.body['token']).sub).toBe(`${client.publicKey()}:18446744073709551615`);
    expect(claimsOf(second.body['token']).sub).toBe(`${client.publicKey()}:7`);
    const me = await whoami(second.body['token']);
    expect(me.body).toMatchObject({ account: client.publicKey(), memo: '7', muxedAccount: null });
  });

  it('refuses memos that are not canonical uint64 IDs, and a memo with a muxed account', async () => {
    const client = Keypair.random();
    const muxed = new MuxedAccount(
      new (await import('@stellar/stellar-sdk')).Account(client.publicKey(), '0'),
      '5',
    );
    for (const memo of ['18446744073709551616', '-1', '007', 'abc', '1.5']) {
      const response = await getChallenge(anchor.app, { account: client.publicKey(), memo });
      expect(response.status, memo).toBe(400);
      expect(response.body['code'], memo).toBe('invalid_memo');
    }
    const both = await getChallenge(anchor.app, { account: muxed.accountId(), memo: '5' });
    expect(both.status).toBe(400);
    expect(both.body['error']).toMatch(/muxed/);
  });

  it('authenticates a muxed account as its own identity (sub = M…)', async () => {
    const client = Keypair.random();
    const { Account } = await import('@stellar/stellar-sdk');
    const muxed = new MuxedAccount(new Account(client.publicKey(), '0'), '42');
    const response = await login(anchor.app, muxed.accountId(), [client]);
    expect(response.status).toBe(200);
    expect(claimsOf(response.body['token']).sub).toBe(muxed.accountId());
    const me = await whoami(response.body['token']);
    expect(me.body).toMatchObject({
      account: client.publicKey(),
      memo: null,
      muxedAccount: muxed.accountId(),
    });
  });

  it('refuses an invalid account with 400', async () => {
    for (const account of ['nope', `G${'A'.repeat(55)}`, Keypair.random().secret()]) {
      const response = await getChallenge(anchor.app, { account });
      expect(response.status, account).toBe(400);
      expect(response.body['code']).toBe('invalid_account');
    }
    const missing = await anchor.app.inject({ method: 'GET', url: '/auth' });
    expect(missing.statusCode).toBe(400);
  });

  it('verifies a 2-of-3 multisig account at its medium threshold', async () => {
    const master = await funded(sandbox);
    const second = Keypair.random();
    const third = Keypair.random();
    await submit(sandbox, master, [
      Operation.setOptions({ signer: { ed25519PublicKey: second.publicKey(), weight: 1 } }),
      Operation.setOptions({ signer: { ed25519PublicKey: third.publicKey(), weight: 1 } }),
      Operation.setOptions({ masterWeight: 1, lowThreshold: 1, medThreshold: 2, highThreshold: 3 }),
    ]);
    const enough = await login(anchor.app, master.publicKey(), [second, third]);
    expect(enough.status).toBe(200);
    expect(claimsOf(enough.body['token']).sub).toBe(master.publicKey());

    const tooLittle = await login(anchor.app, master.publicKey(), [second]);
    expect(tooLittle.status).toBe(400);
    expect(tooLittle.body).toMatchObject({ code: 'insufficient_signer_weight' });
    expect(tooLittle.body['error']).toMatch(/weight 1.*medium threshold of 2/);

    const stranger = await login(anchor.app, master.publicKey(), [second, Keypair.random()]);
    expect(stranger.status).toBe(400);
    expect(stranger.body['code']).toBe('unknown_signature');
  });

  it('refuses a locked account (master weight 0, thresholds 0) signed by its master key', async () => {
    const master = await funded(sandbox);
    const other = Keypair.random();
    await submit(sandbox, master, [
      Operation.setOptions({ signer: { ed25519PublicKey: other.publicKey(), weight: 1 } }),
      Operation.setOptions({ masterWeight: 0 }),
    ]);
    const response = await login(anchor.app, master.publicKey(), [master]);
    expect(response.status).toBe(400);
    expect(response.body['code']).toBe('unknown_signature');
    expect((await login(anchor.app, master.publicKey(), [other])).status).toBe(200);
  });

  it('authenticates an account that does not exist by its master key only', async () => {
    const client = Keypair.random();
    expect((await login(anchor.app, client.publicKey(), [client])).status).toBe(200);
    const other = await login(anchor.app, client.publicKey(), [client, Keypair.random()]);
    expect(other.status).toBe(400);
    expect(other.body['error']).toMatch(/does not exist/);
  });

  it('refuses duplicate signatures', async () => {
    const client = Keypair.random();
    const xdr = challengeXdr(await getChallenge(anchor.app, { account: client.publicKey() }));
    const tx = TransactionBuilder.fromXdr(xdr, Networks.TESTNET) as Transaction;
    tx.sign(client);
    tx.signatures.push(tx.signatures[1]!);
    const response = await postToken(anchor.app, tx.toXdr());
    expect(response.status).toBe(400);
    expect(response.body['code']).toBe('duplicate_signature');
  });

  it('exchanges a challenge once: a replay is refused', async () => {
    const client = Keypair.random();
    const xdr = challengeXdr(await getChallenge(anchor.app, { account: client.publicKey() }));
    const signed = sign(xdr, [client]);
    expect((await postToken(anchor.app, signed)).status).toBe(200);
    const replay = await postToken(anchor.app, signed, 'form');
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ code: 'challenge_replayed' });
  });

  it('gives one token to two concurrent submissions of the same challenge', async () => {
    const client = Keypair.random();
    const signed = sign(challengeXdr(await getChallenge(anchor.app, { account: client.publicKey() })), [
      client,
    ]);
    const results = await Promise.all([1, 2, 3].map(() => postToken(anchor.app, signed)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  it('refuses an expired challenge and one from the future (injected clock)', async () => {
    const client = Keypair.random();
    const signed = sign(challengeXdr(await getChallenge(anchor.app, { account: client.publicKey() })), [
      client,
    ]);
    try {
      anchor.clockOffsetMs = 901_000;
      const expired = await postToken(anchor.app, signed);
      expect(expired.status).toBe(400);
      expect(expired.body['code']).toBe('challenge_expired');
      anchor.clockOffsetMs = -60_000;
      const early = await postToken(anchor.app, signed);
      expect(early.status).toBe(400);
      expect(early.body['code']).toBe('challenge_not_yet_valid');
    } finally {
      anchor.clockOffsetMs = 0;
    }
    // Refusals claim nothing: the same challenge is still good.
    expect((await postToken(anchor.app, signed)).status).toBe(200);
  });

  it('refuses a challenge signed with another network passphrase', async () => {
    const client = Keypair.random();
    const xdr = challengeXdr(await getChallenge(anchor.app, { account: client.publicKey() }));
    const response = await postToken(anchor.app, sign(xdr, [client], Networks.PUBLIC));
    expect(response.status).toBe(400);
    expect(response.body['code']).toBe('wrong_network');
    expect(response.body['error']).toContain(Networks.PUBLIC);
  });

  it('refuses tampered, malformed and oversized transactions', async () => {
    const client = Keypair.random();
    const xdr = challengeXdr(await getChallenge(anchor.app, { account: client.publicKey() }));
    // Move the max time bound: the server's signature no longer matches.
    const tx = TransactionBuilder.fromXdr(sign(xdr, [client]), Networks.TESTNET) as Transaction;
    const bounds = tx.timeBounds!;
    const moved = TransactionBuilder.cloneFrom(tx, {
      fee: tx.fee,
      timebounds: { minTime: bounds.minTime, maxTime: String(Number(bounds.maxTime) + 1000) },
    }).build();
    moved.signatures.push(...tx.signatures);
    const tampered = await postToken(anchor.app, moved.toXdr());
    expect(tampered.status).toBe(400);
    expect(tampered.body).toMatchObject({ code: 'invalid_challenge' });
    expect(tampered.body['error']).toMatch(/not signed by this server/);

    const garbage = await postToken(anchor.app, 'AAAA-not-xdr');
    expect(garbage.body['code']).toBe('invalid_challenge');
    expect(garbage.body['error']).toMatch(/XDR/);

    for (const as of ['json', 'form'] as const) {
      const big = await postToken(anchor.app, 'A'.repeat(50_001), as);
      expect(big.status, as).toBe(400);
      expect(big.body['code'], as).toBe('challenge_too_large');
    }
    const empty = await anchor.app.inject({ method: 'POST', url: '/auth', payload: {} });
    expect(empty.statusCode).toBe(400);
  });

  it('refuses a home_domain it does not serve, on GET and on POST', async () => {
    const client = Keypair.random();
    const get = await getChallenge(anchor.app, { account: client.publicKey(), home_domain: 'evil.example' });
    expect(get.status).toBe(400);
    expect(get.body['code']).toBe('invalid_home_domain');
    expect((await getChallenge(anchor.app, { account: client.publicKey(), home_domain: HOME })).status).toBe(
      200,
    );

    const foreign = WebAuth.buildChallengeTx(
      anchor.server,
      client.publicKey(),
      'evil.example',
      900,
      Networks.TESTNET,
      HOME,
    );
    const post = await postToken(anchor.app, sign(foreign, [client]));
    expect(post.status).toBe(400);
    expect(post.body['code']).toBe('invalid_home_domain');

    const otherServer = WebAuth.buildChallengeTx(
      Keypair.random(),
      client.publicKey(),
      HOME,
      900,
      Networks.TESTNET,
      HOME,
    );
    const forged = await postToken(anchor.app, sign(otherServer, [client]));
    expect(forged.body['error']).toMatch(/not signed by this server/);

    const wrongWebAuth = WebAuth.buildChallengeTx(
      anchor.server,
      client.publicKey(),
      HOME,
      900,
      Networks.TESTNET,
      'auth.evil',
    );
    const web = await postToken(anchor.app, sign(wrongWebAuth, [client]));
    expect(web.body['code']).toBe('invalid_challenge');
    expect(web.body['error']).toMatch(/web_auth_domain/);
  });

  it('answers Access-Control-Allow-Origin: * on success, on errors and on preflight', async () => {
    const origin = { origin: 'https://some-wallet.example' };
    const ok = await anchor.app.inject({
      method: 'GET',
      url: `/auth?account=${Keypair.random().publicKey()}`,
      headers: origin,
    });
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    const bad = await anchor.app.inject({ method: 'GET', url: '/auth?account=x', headers: origin });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe('*');
    const post = await anchor.app.inject({
      method: 'POST',
      url: '/auth',
      headers: origin,
      payload: { transaction: 'x' },
    });
    expect(post.headers['access-control-allow-origin']).toBe('*');
    const preflight = await anchor.app.inject({
      method: 'OPTIONS',
      url: '/auth',
      headers: {
        ...origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
  });

  it('describes both routes in /openapi.json', async () => {
    const doc = (await anchor.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(Object.keys(doc.paths['/auth'] ?? {})).toEqual(expect.arrayContaining(['get', 'post']));
    expect(doc.paths['/.well-known/stellar.toml']).toBeDefined();
  });

  it('keeps the memo on the challenge transaction', async () => {
    const client = Keypair.random();
    const xdr = challengeXdr(await getChallenge(anchor.app, { account: client.publicKey(), memo: '99' }));
    const tx = TransactionBuilder.fromXdr(xdr, Networks.TESTNET) as Transaction;
    expect(tx.memo.type).toBe(Memo.id('99').type);
    expect(tx.memo.value).toBe('99');
  });
});
