import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Keypair, Networks, TransactionBuilder, Account, Operation, Asset } from '@stellar/stellar-sdk';
import pino from 'pino';
import { KeypairSigner, SecretSeedError } from '../../src/rails/stellar/signer.js';

describe('KeypairSigner', () => {
  const keypair = Keypair.random();
  const secret = keypair.secret();
  const signer = KeypairSigner.fromSecret(secret, 'STELLAR_DISTRIBUTION_SECRET');

  it('signs for its public key', () => {
    const tx = new TransactionBuilder(new Account(keypair.publicKey(), '1'), {
      fee: '100',
      networkPassphrase: Networks.TESTNET,
    })
      .addOperation(
        Operation.payment({ destination: keypair.publicKey(), asset: Asset.native(), amount: '1' }),
      )
      .setTimeout(30)
      .build();
    signer.sign(tx);
    expect(signer.publicKey).toBe(keypair.publicKey());
    expect(keypair.verify(tx.hash(), tx.signatures[0]!.signature.value)).toBe(true);
  });

  it('never shows the seed in String, JSON.stringify, util.inspect or a log line', () => {
    expect(String(signer)).not.toContain(secret);
    expect(signer.toString()).toContain(keypair.publicKey());
    expect(JSON.stringify(signer)).not.toContain(secret);
    expect(JSON.stringify({ nested: { signer } })).not.toContain(secret);
    expect(inspect(signer, { depth: 10, showHidden: true })).not.toContain(secret);
    expect(inspect({ signer }, { depth: 10 })).not.toContain(secret);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    logger.info({ signer }, 'configured');
    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).toContain(keypair.publicKey());
  });

  it('rejects an invalid seed with an error that names the setting, never the value', () => {
    const almost = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [almost, keypair.publicKey(), 'not-a-seed', '']) {
      let error: unknown;
      try {
        KeypairSigner.fromSecret(bad, 'STELLAR_CHANNEL_SECRETS');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SecretSeedError);
      const text = `${String(error)} ${inspect(error)} ${JSON.stringify(error)}`;
      expect(text).toContain('STELLAR_CHANNEL_SECRETS');
      if (bad !== '') expect(text).not.toContain(bad);
    }
  });

  it('reads the seed from the environment and refuses an unset one', () => {
    const fromEnv = KeypairSigner.fromEnvironment('SEED_FOR_TEST', { SEED_FOR_TEST: secret });
    expect(fromEnv.publicKey).toBe(keypair.publicKey());
    expect(() => KeypairSigner.fromEnvironment('SEED_FOR_TEST', {})).toThrow(/SEED_FOR_TEST is not set/);
  });
});
