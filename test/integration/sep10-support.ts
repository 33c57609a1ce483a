/**
 * Shared by the SEP-1/SEP-10 suites: the real app on a scratch database with both plugins, the
 * Horizon double as its Horizon, an adjustable clock, and the wallet's side of the exchange done
 * with the SDK.
 */
import type { FastifyInstance } from 'fastify';
import { Keypair, Networks, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk';
import type { Env } from '../../src/config/index.js';
import type { DatabaseKind } from '../../src/platform/db/database.js';
import type { Runtime } from '../../src/platform/runtime.js';
import { createSepContext, type SepContext } from '../../src/sep/context.js';
import { sep1 } from '../../src/sep/sep1/plugin.js';
import { sep10 } from '../../src/sep/sep10/plugin.js';
import { sep10SigningKeypair } from '../../src/sep/sep10/signing-key.js';
import { startTestApp } from '../support/app.js';
import type { Sandbox } from '../support/horizon-double.js';

export const JWT_SECRET = 'sep10-test-secret-0123456789abcdef0123456789';
export const NGN_ISSUER = Keypair.random().publicKey();
export const USDC_ISSUER = Keypair.random().publicKey();

export interface Sep10App {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly ctx: SepContext;
  readonly server: Keypair;
  /** Added to the app's clock (SepContext.now). */
  clockOffsetMs: number;
  close(): Promise<void>;
}

export async function startSep10App(
  kind: DatabaseKind,
  sandbox: Sandbox,
  env: Env = {},
  extra?: (app: FastifyInstance, ctx: SepContext) => Promise<void>,
): Promise<Sep10App> {
  const state = { clockOffsetMs: 0 };
  let ctx: SepContext | undefined;
  const test = await startTestApp(
    kind,
    {
      STELLAR_NETWORK: 'sandbox',
      HORIZON_URL: sandbox.double.url,
      PUBLIC_URL: 'https://anchor.example',
      ASSET_NGN_ISSUER: NGN_ISSUER,
      ASSET_USDC_ISSUER: USDC_ISSUER,
      ...env,
    },
    {
      register: async (app, runtime) => {
        ctx = createSepContext(runtime, JWT_SECRET, () => new Date(Date.now() + state.clockOffsetMs));
        await app.register(sep10, ctx);
        await app.register(sep1, ctx);
        await extra?.(app, ctx);
      },
    },
  );
  if (ctx === undefined) throw new Error('plugins not registered');
  const context = ctx;
  return Object.assign(state, {
    app: test.app,
    runtime: test.runtime,
    ctx: context,
    server: sep10SigningKeypair(context.config, JWT_SECRET),
    close: () => test.close(),
  });
}

export interface InjectResult {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

function result(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}): InjectResult {
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>),
  };
}

export async function getChallenge(
  app: FastifyInstance,
  query: Record<string, string>,
): Promise<InjectResult> {
  return result(await app.inject({ method: 'GET', url: '/auth', query }));
}

export function challengeXdr(response: InjectResult): string {
  if (response.status !== 200) throw new Error(`challenge refused: ${JSON.stringify(response.body)}`);
  return response.body['transaction'] as string;
}

/** Signs a challenge as a wallet does (with the testnet passphrase unless told otherwise). */
export function sign(
  xdr: string,
  signers: readonly Keypair[],
  passphrase: string = Networks.TESTNET,
): string {
  const tx = TransactionBuilder.fromXdr(xdr, passphrase) as Transaction;
  tx.sign(...signers);
  return tx.toXdr();
}

export async function postToken(
  app: FastifyInstance,
  transaction: string,
  as: 'json' | 'form' = 'json',
): Promise<InjectResult> {
  const response =
    as === 'json'
      ? await app.inject({ method: 'POST', url: '/auth', payload: { transaction } })
      : await app.inject({
          method: 'POST',
          url: '/auth',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ transaction }).toString(),
        });
  return result(response);
}

/** GET a challenge for `account`, sign it with `signers`, POST it back. */
export async function login(
  app: FastifyInstance,
  account: string,
  signers: readonly Keypair[],
  query: Record<string, string> = {},
): Promise<InjectResult> {
  const xdr = challengeXdr(await getChallenge(app, { account, ...query }));
  return postToken(app, sign(xdr, signers));
}
