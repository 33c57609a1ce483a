import { describe, expect, it } from 'vitest';
import {
  Account,
  Keypair,
  MuxedAccount,
  Networks,
  Operation,
  TransactionBuilder,
  WebAuth,
  type Transaction,
} from '@stellar/stellar-sdk';
import type { AccountSignersOutcome } from '../../src/sep/sep10/account-signers.js';
import { HttpError } from '../../src/platform/http/errors.js';
import {
  CHALLENGE_XDR_CHARS_MAX,
  readChallenge,
  verifySignatures,
  type VerifySettings,
} from '../../src/sep/sep10/verification.js';

const server = Keypair.random();
const HOME = 'anchor.example';
const settings: VerifySettings = {
  serverAccountId: server.publicKey(),
  networkPassphrase: Networks.TESTNET,
  homeDomains: [HOME],
  webAuthDomain: HOME,
  clientAttributionRequired: false,
  clientDomainAllowList: [],
};
const now = () => Math.floor(Date.now() / 1000);

function challenge(client: string, options: { passphrase?: string; clientDomain?: Keypair } = {}): string {
  return WebAuth.buildChallengeTx(
    server,
    client,
    HOME,
    900,
    options.passphrase ?? Networks.TESTNET,
    HOME,
    null,
    options.clientDomain === undefined ? null : 'wallet.example',
    options.clientDomain?.publicKey() ?? null,
  );
}

function signed(xdr: string, signers: Keypair[], passphrase: string = Networks.TESTNET): string {
  const tx = TransactionBuilder.fromXdr(xdr, passphrase) as Transaction;
  tx.sign(...signers);
  return tx.toXdr();
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error.code;
    throw error;
  }
  return undefined;
}

const missing: AccountSignersOutcome = { kind: 'not_found' };

describe('readChallenge', () => {
  it('reads our challenge: hash, account, home domain, max time', () => {
    const client = Keypair.random();
    const read = readChallenge(signed(challenge(client.publicKey()), [client]), settings, now());
    expect(read.clientAccount).toBe(client.publicKey());
    expect(read.baseAccount).toBe(client.publicKey());
    expect(read.homeDomain).toBe(HOME);
    expect(read.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(read.maxTimeS - now()).toBeGreaterThan(890);
  });

  it('refuses an oversized transaction before decoding it', () => {
    expect(codeOf(() => readChallenge('A'.repeat(CHALLENGE_XDR_CHARS_MAX + 1), settings, now()))).toBe(
      'challenge_too_large',
    );
  });

  it('refuses a fee bump, infinite time bounds and a challenge the server did not sign', () => {
    const client = Keypair.random();
    const inner = TransactionBuilder.fromXdr(
      signed(challenge(client.publicKey()), [client]),
      Networks.TESTNET,
    ) as Transaction;
    const bump = TransactionBuilder.buildFeeBumpTransaction(client, '200', inner, Networks.TESTNET);
    bump.sign(client);
    expect(codeOf(() => readChallenge(bump.toXdr(), settings, now()))).toBe('invalid_challenge');

    const forever = new TransactionBuilder(new Account(server.publicKey(), '-1'), {
      fee: '100',
      networkPassphrase: Networks.TESTNET,
    })
      .addOperation(
        Operation.manageData({ name: `${HOME} auth`, value: 'x'.repeat(64), source: client.publicKey() }),
      )
      .setTimeout(0)
      .build();
    forever.sign(server, client);
    expect(codeOf(() => readChallenge(forever.toXdr(), settings, now()))).toBe('invalid_challenge');
  });

  it('names the network a challenge was made for when it is not ours', () => {
    const client = Keypair.random();
    const publicNet = signed(
      challenge(client.publicKey(), { passphrase: Networks.PUBLIC }),
      [client],
      Networks.PUBLIC,
    );
    expect(codeOf(() => readChallenge(publicNet, settings, now()))).toBe('wrong_network');
  });

  it('requires client_domain when attribution is required, and applies the allow list', () => {
    const client = Keypair.random();
    const plain = signed(challenge(client.publicKey()), [client]);
    expect(codeOf(() => readChallenge(plain, { ...settings, clientAttributionRequired: true }, now()))).toBe(
      'client_domain_required',
    );
    const domain = Keypair.random();
    const attributed = signed(challenge(client.publicKey(), { clientDomain: domain }), [client, domain]);
    expect(readChallenge(attributed, settings, now()).clientDomain).toEqual({
      domain: 'wallet.example',
      signingKey: domain.publicKey(),
    });
    expect(
      codeOf(() =>
        readChallenge(attributed, { ...settings, clientDomainAllowList: ['other.example'] }, now()),
      ),
    ).toBe('client_domain_not_allowed');
  });

  it('tolerates a few seconds of clock skew on the start, none on the end', () => {
    const client = Keypair.random();
    const xdr = signed(challenge(client.publicKey()), [client]);
    expect(() => readChallenge(xdr, settings, now() - 3)).not.toThrow();
    expect(codeOf(() => readChallenge(xdr, settings, now() - 30))).toBe('challenge_not_yet_valid');
    expect(codeOf(() => readChallenge(xdr, settings, now() + 901))).toBe('challenge_expired');
  });
});

describe('verifySignatures', () => {
  it('never counts the server signature toward the weight, even when the server is a signer', () => {
    const client = Keypair.random();
    const read = readChallenge(signed(challenge(client.publicKey()), [client]), settings, now());
    const account: AccountSignersOutcome = {
      kind: 'found',
      mediumThreshold: 2,
      signers: [
        { key: client.publicKey(), weight: 1 },
        { key: server.publicKey(), weight: 10 },
      ],
    };
    expect(codeOf(() => verifySignatures(read, account, settings))).toBe('insufficient_signer_weight');
  });

  it('needs weight of at least 1 when the medium threshold is 0', () => {
    const client = Keypair.random();
    const read = readChallenge(signed(challenge(client.publicKey()), [client]), settings, now());
    const zero: AccountSignersOutcome = { kind: 'found', mediumThreshold: 0, signers: [] };
    expect(codeOf(() => verifySignatures(read, zero, settings))).toBe('unknown_signature');
    const one: AccountSignersOutcome = {
      kind: 'found',
      mediumThreshold: 0,
      signers: [{ key: client.publicKey(), weight: 1 }],
    };
    expect(verifySignatures(read, one, settings)).toEqual([client.publicKey()]);
  });

  it('requires the client domain signature when the challenge carries client_domain', () => {
    const client = Keypair.random();
    const domain = Keypair.random();
    const xdr = challenge(client.publicKey(), { clientDomain: domain });
    const withoutDomain = readChallenge(signed(xdr, [client]), settings, now());
    expect(codeOf(() => verifySignatures(withoutDomain, missing, settings))).toBe('invalid_challenge');
    const both = readChallenge(signed(xdr, [client, domain]), settings, now());
    expect(verifySignatures(both, missing, settings)).toEqual([client.publicKey()]);
  });

  it('identifies the muxed account base for a missing account', () => {
    const client = Keypair.random();
    const muxed = new MuxedAccount(new Account(client.publicKey(), '0'), '9').accountId();
    const read = readChallenge(signed(challenge(muxed), [client]), settings, now());
    expect(read.clientAccount).toBe(muxed);
    expect(read.baseAccount).toBe(client.publicKey());
    expect(verifySignatures(read, missing, settings)).toEqual([client.publicKey()]);
  });
});
