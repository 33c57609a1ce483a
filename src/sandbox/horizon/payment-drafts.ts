/**
 * The payment-type operation records (`/payments`) of an included transaction, built from the
 * decoded operations and, for path payments, the amounts the double actually converted.
 */
import type { OperationRecord } from '@stellar/stellar-sdk';
import { assetFields, assetKeyOf } from './assets.js';
import { formatStroops, parseStroops } from './amounts.js';
import { baseAccountId, muxedId } from './ledger-rules.js';
import type { Applied } from './operations.js';

export interface PaymentDraft {
  readonly type: string;
  readonly typeI: number;
  readonly sourceAccount: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly participants: ReadonlySet<string>;
}

const ZERO = formatStroops(0n);

/** Horizon shows amounts normalised to 7 decimals; the SDK already decodes them that way. */
function amount(text: string): string {
  const stroops = parseStroops(text);
  return stroops === undefined ? text : formatStroops(stroops);
}

function destinationFields(address: string): Record<string, unknown> {
  const id = muxedId(address);
  const to = baseAccountId(address);
  return id === undefined ? { to } : { to, to_muxed: address, to_muxed_id: id };
}

function pathOf(path: readonly Parameters<typeof assetKeyOf>[0][]): Record<string, string>[] {
  return path.map((asset) => assetFields(assetKeyOf(asset)));
}

/** The `/payments` record fields for one operation, or undefined when it is not a payment type. */
export function paymentDraft(
  op: OperationRecord,
  source: string,
  applied: Applied | undefined,
): PaymentDraft | undefined {
  switch (op.type) {
    case 'createAccount': {
      const account = baseAccountId(op.destination);
      return {
        type: 'create_account',
        typeI: 0,
        sourceAccount: source,
        fields: { starting_balance: amount(op.startingBalance), funder: source, account },
        participants: new Set([source, account]),
      };
    }
    case 'payment': {
      const to = baseAccountId(op.destination);
      return {
        type: 'payment',
        typeI: 1,
        sourceAccount: source,
        fields: {
          ...assetFields(assetKeyOf(op.asset)),
          from: source,
          ...destinationFields(op.destination),
          amount: amount(op.amount),
        },
        participants: new Set([source, to]),
      };
    }
    case 'pathPaymentStrictReceive': {
      const to = baseAccountId(op.destination);
      const sourceAmount = applied?.sourceAmountStroops;
      return {
        type: 'path_payment_strict_receive',
        typeI: 2,
        sourceAccount: source,
        fields: {
          ...assetFields(assetKeyOf(op.destAsset)),
          from: source,
          ...destinationFields(op.destination),
          amount: amount(op.destAmount),
          path: pathOf(op.path),
          source_amount: sourceAmount === undefined ? ZERO : formatStroops(sourceAmount),
          source_max: amount(op.sendMax),
          ...assetFields(assetKeyOf(op.sendAsset), 'source_'),
        },
        participants: new Set([source, to]),
      };
    }
    case 'pathPaymentStrictSend': {
      const to = baseAccountId(op.destination);
      const destAmount = applied?.destAmountStroops;
      return {
        type: 'path_payment_strict_send',
        typeI: 13,
        sourceAccount: source,
        fields: {
          ...assetFields(assetKeyOf(op.destAsset)),
          from: source,
          ...destinationFields(op.destination),
          amount: destAmount === undefined ? ZERO : formatStroops(destAmount),
          path: pathOf(op.path),
          source_amount: amount(op.sendAmount),
          destination_min: amount(op.destMin),
          ...assetFields(assetKeyOf(op.sendAsset), 'source_'),
        },
        participants: new Set([source, to]),
      };
    }
    case 'accountMerge': {
      const into = baseAccountId(op.destination);
      return {
        type: 'account_merge',
        typeI: 8,
        sourceAccount: source,
        fields: { account: source, into },
        participants: new Set([source, into]),
      };
    }
    default:
      return undefined;
  }
}
