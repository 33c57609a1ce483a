/** A wallet paying on the Horizon double with the stellar-sdk: what a customer's wallet does. */
import { Asset, Horizon, Keypair, Memo, Operation, TransactionBuilder } from '@stellar/stellar-sdk';

export async function sendPayment(
  horizonUrl: string,
  passphrase: string,
  from: Keypair,
  payment: {
    readonly to: string;
    readonly asset: string;
    readonly amount: string;
    readonly memoId?: string | null;
  },
): Promise<string> {
  const server = new Horizon.Server(horizonUrl, { allowHttp: true });
  const account = await server.loadAccount(from.publicKey());
  const [code = '', issuer = ''] = payment.asset.split(':');
  const builder = new TransactionBuilder(account, { fee: '100', networkPassphrase: passphrase })
    .addOperation(
      Operation.payment({ destination: payment.to, asset: new Asset(code, issuer), amount: payment.amount }),
    )
    .setTimeout(60);
  if (payment.memoId != null) builder.addMemo(Memo.id(payment.memoId));
  const tx = builder.build();
  tx.sign(from);
  const result = await server.submitTransaction(tx);
  return result.hash;
}
