/**
 * The outside world of bench/withdrawals.ts: the Horizon and Paystack doubles, seeded like
 * `rampart sandbox` seeds them (src/sandbox/sandbox.ts) but with the bank settling payouts after
 * `transferSettleMs` instead of the sandbox's 3 s, and the wallets that pay — real signed
 * transactions built with the stellar-sdk, up to 100 payment operations each.
 *
 * A memo belongs to a whole transaction, so a transaction that pays many withdrawals at once names
 * each one by its muxed address instead: the receiving account with the withdrawal's memo as the
 * id (M…). The matcher reads that id exactly as it reads an id memo (flows/withdrawal/match.ts).
 */
import {
  Account,
  Asset,
  Horizon,
  Keypair,
  Memo,
  MuxedAccount,
  Operation,
  TransactionBuilder,
  type Transaction,
} from '@stellar/stellar-sdk';
import { formatAmount, STELLAR_DECIMALS } from '../src/domain/money.js';
import { createHorizonDouble, type HorizonDouble } from '../src/sandbox/horizon/index.js';
import { DEFAULT_ACCOUNTS } from '../src/sandbox/paystack/banks.js';
import { createPaystackDouble, type PaystackDouble } from '../src/sandbox/paystack/index.js';
import {
  OPERATIONS_PER_TRANSACTION_MAX,
  type DoubleTransfer,
  type Paid,
  type WalletPayment,
} from './withdrawals-protocol.js';

const NGN_CODE = 'NGNC';
const USDC_CODE = 'USDC';
const USDC_RATE_NGN = '1530.25';
const CHANNELS = 2;
/** Each wallet and each observed sender holds this much NGNC: far more than a run spends. */
const HOLDER_NGN_BALANCE = '100000000.0000000';
const DISTRIBUTION_NGN_BALANCE = '1000000000.0000000';
/** The Paystack double's balance: ₦100,000,000, so no payout is ever held for lack of funds. */
const PAYSTACK_BALANCE_KOBO = 10_000_000_000n;
/** A wallet transaction's time bound: far beyond any submission of a run. */
const TRANSACTION_TIMEOUT_S = 120;

export interface DoublesOptions {
  readonly host: string;
  readonly rampartPort: number;
  readonly ledgerCloseMs: number;
  readonly transferSettleMs: number;
  /** Wallet accounts, one per 100 payments of the largest burst: each sends one transaction at once. */
  readonly wallets: number;
  /** Accounts that prepare the observed payments. */
  readonly observedSenders: number;
}

export interface Doubles {
  readonly horizon: HorizonDouble;
  readonly paystack: PaystackDouble;
  /** Environment pointing Rampart at the doubles and the seeded accounts. */
  readonly rampartEnv: Readonly<Record<string, string>>;
  readonly distribution: string;
  readonly bank: { readonly bankCode: string; readonly accountNumber: string; readonly accountName: string };
  /** A fresh account for the observer measurement; nothing but its preparation pays it. */
  readonly observedAccount: string;
  prepareObservedPayments(count: number): Promise<{ stroopsTotal: bigint; transactions: number }>;
  pay(receivingAccount: string, payments: readonly WalletPayment[]): Promise<Paid>;
  webhooks(on: boolean): void;
  transfers(): DoubleTransfer[];
  close(): Promise<void>;
}

interface Holder {
  readonly keypair: Keypair;
  /** Loaded once; the builder moves its sequence on with every transaction it builds. */
  account: Account | undefined;
}

function holderOf(keypair: Keypair): Holder {
  return { keypair, account: undefined };
}

export async function startDoubles(options: DoublesOptions): Promise<Doubles> {
  const horizon = await createHorizonDouble({
    rates: { [`${USDC_CODE}/${NGN_CODE}`]: USDC_RATE_NGN },
    ledgerCloseMs: options.ledgerCloseMs,
  });
  const webhookUrl = `http://${options.host}:${options.rampartPort}/webhooks/paystack`;
  const paystack = await createPaystackDouble({
    webhookUrl,
    autoSettleTransfersMs: options.transferSettleMs,
    balanceKobo: PAYSTACK_BALANCE_KOBO,
  }).catch(async (error: unknown) => {
    await horizon.close();
    throw error;
  });
  const bank = DEFAULT_ACCOUNTS[0];
  if (bank === undefined) throw new Error('the Paystack double has no resolvable test account');
  const ngnIssuer = Keypair.random();
  const usdcIssuer = Keypair.random();
  const distribution = Keypair.random();
  const channels = Array.from({ length: CHANNELS }, () => Keypair.random());
  const wallets = Array.from({ length: options.wallets }, () => holderOf(Keypair.random()));
  const senders = Array.from({ length: options.observedSenders }, () => holderOf(Keypair.random()));
  const observed = Keypair.random();
  const ngn = `${NGN_CODE}:${ngnIssuer.publicKey()}`;
  const usdc = `${USDC_CODE}:${usdcIssuer.publicKey()}`;
  const control = horizon.control;
  const everyone = [ngnIssuer, usdcIssuer, distribution, observed, ...channels];
  for (const keypair of [...everyone, ...wallets.map((w) => w.keypair), ...senders.map((s) => s.keypair)])
    control.createAccount({ accountId: keypair.publicKey() });
  control.setTrustline({
    accountId: distribution.publicKey(),
    asset: ngn,
    balance: DISTRIBUTION_NGN_BALANCE,
  });
  control.setTrustline({ accountId: distribution.publicKey(), asset: usdc });
  control.setTrustline({ accountId: observed.publicKey(), asset: ngn });
  for (const holder of [...wallets, ...senders])
    control.setTrustline({ accountId: holder.keypair.publicKey(), asset: ngn, balance: HOLDER_NGN_BALANCE });

  const server = new Horizon.Server(horizon.url, { allowHttp: true });
  const asset = new Asset(NGN_CODE, ngnIssuer.publicKey());

  async function build(holder: Holder, operations: ReturnType<typeof Operation.payment>[], memo: Memo) {
    if (holder.account === undefined) {
      const loaded = await server.loadAccount(holder.keypair.publicKey());
      holder.account = new Account(loaded.accountId(), loaded.sequenceNumber());
    }
    const builder = new TransactionBuilder(holder.account, {
      fee: '100',
      networkPassphrase: horizon.networkPassphrase,
    });
    for (const operation of operations) builder.addOperation(operation);
    const tx = builder.addMemo(memo).setTimeout(TRANSACTION_TIMEOUT_S).build();
    tx.sign(holder.keypair);
    return tx;
  }

  async function submit(tx: Transaction): Promise<void> {
    // The memo-required check loads every destination: a wallet paying an M-address skips it anyway.
    const result = await server.submitTransaction(tx, { skipMemoRequiredCheck: true });
    if (!result.successful) throw new Error(`wallet transaction ${result.hash} failed`);
  }

  return {
    horizon,
    paystack,
    rampartEnv: {
      STELLAR_NETWORK: 'sandbox',
      HORIZON_URL: horizon.url,
      PAYSTACK_BASE_URL: paystack.url,
      PAYSTACK_SECRET_KEY: paystack.secretKey,
      PAYSTACK_WEBHOOK_IP_ALLOW_LIST: '127.0.0.1,::1',
      PAYSTACK_DEDICATED_ACCOUNT_PROVIDER: 'test-bank',
      STELLAR_DISTRIBUTION_SECRET: distribution.secret(),
      STELLAR_CHANNEL_SECRETS: channels.map((c) => c.secret()).join(','),
      ASSET_NGN_CODE: NGN_CODE,
      ASSET_NGN_ISSUER: ngnIssuer.publicKey(),
      ASSET_USDC_CODE: USDC_CODE,
      ASSET_USDC_ISSUER: usdcIssuer.publicKey(),
      SEP38_USDC_NGN_RATE: USDC_RATE_NGN,
      HOST: options.host,
      PORT: String(options.rampartPort),
      PUBLIC_URL: `http://localhost:${options.rampartPort}`,
    },
    distribution: distribution.publicKey(),
    bank: { bankCode: bank.bankCode, accountNumber: bank.accountNumber, accountName: bank.accountName },
    observedAccount: observed.publicKey(),

    /**
     * `count` payments of distinct amounts (1, 2, 3 … stroops) to the observed account, in
     * transactions of 100 operations, the senders working in parallel and each sending its
     * transactions one after another (a sequence number allows no more).
     */
    async prepareObservedPayments(count) {
      const transactions = Math.ceil(count / OPERATIONS_PER_TRANSACTION_MAX);
      let stroopsTotal = 0n;
      const work = senders.map(async (sender, s) => {
        for (let t = s; t < transactions; t += senders.length) {
          const first = t * OPERATIONS_PER_TRANSACTION_MAX;
          const last = Math.min(count, first + OPERATIONS_PER_TRANSACTION_MAX);
          const operations = [];
          for (let i = first; i < last; i += 1) {
            const stroops = BigInt(i + 1);
            stroopsTotal += stroops;
            operations.push(
              Operation.payment({
                destination: observed.publicKey(),
                asset,
                amount: formatAmount(stroops, STELLAR_DECIMALS),
              }),
            );
          }
          await submit(await build(sender, operations, Memo.text(`bench-${t}`)));
        }
      });
      await Promise.all(work);
      return { stroopsTotal, transactions };
    },

    /** Every payment at once: one transaction per 100, each from its own wallet, all submitted together. */
    async pay(receivingAccount, payments) {
      const chunks: WalletPayment[][] = [];
      for (let i = 0; i < payments.length; i += OPERATIONS_PER_TRANSACTION_MAX)
        chunks.push(payments.slice(i, i + OPERATIONS_PER_TRANSACTION_MAX));
      if (chunks.length > wallets.length)
        throw new Error(
          `${payments.length} payments need ${chunks.length} wallets; there are ${wallets.length}`,
        );
      const base = new Account(receivingAccount, '0');
      const built = await Promise.all(
        chunks.map((chunk, c) => {
          const wallet = wallets[c];
          if (wallet === undefined) throw new Error(`no wallet ${c}`);
          const operations = chunk.map((p) =>
            Operation.payment({
              destination: new MuxedAccount(base, p.memo).accountId(),
              asset,
              amount: p.amount,
            }),
          );
          return build(wallet, operations, Memo.none());
        }),
      );
      const sentAtMs = Date.now();
      await Promise.all(built.map((tx) => submit(tx)));
      return {
        sentAtMs: payments.map(() => sentAtMs),
        confirmedAtMs: Date.now(),
        transactions: built.length,
      };
    },

    webhooks(on) {
      paystack.control.setWebhookUrl(on ? webhookUrl : null);
    },

    transfers() {
      const snapshot = paystack.control.snapshot() as {
        transfers?: { reference?: unknown; status?: unknown; amount?: unknown }[];
      };
      return (snapshot.transfers ?? []).map((t) => ({
        reference: String(t.reference),
        status: String(t.status),
        amountKobo: String(t.amount),
      }));
    },

    async close() {
      await paystack.close();
      await horizon.close();
    },
  };
}
