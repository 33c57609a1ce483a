/**
 * Transaction and operation result codes: the numbers of Stellar's XDR, the strings Horizon puts
 * in `extras.result_codes` (its `codes` package), and the real `TransactionResult` XDR built with
 * the SDK so `xdr.TransactionResult.fromXDR(result_xdr, 'base64')` decodes to the same codes.
 */
import { Keypair, xdr } from '@stellar/stellar-sdk';
import { assert } from '../../domain/assert.js';
import { assetOf, type AssetKey } from './assets.js';

/** One supported operation type: its XDR number, names, and result codes (index i is code -i). */
export interface OpKind {
  readonly typeI: number;
  readonly sdkType: string;
  readonly horizonType: string;
  readonly resultField: string;
  readonly codes: readonly string[];
}

const pathPaymentCodes = [
  'op_success',
  'op_malformed',
  'op_underfunded',
  'op_src_no_trust',
  'op_src_not_authorized',
  'op_no_destination',
  'op_no_trust',
  'op_not_authorized',
  'op_line_full',
  'op_no_issuer',
  'op_too_few_offers',
  'op_cross_self',
];

export const OP_KINDS: readonly OpKind[] = [
  {
    typeI: 0,
    sdkType: 'createAccount',
    horizonType: 'create_account',
    resultField: 'createAccountResult',
    codes: ['op_success', 'op_malformed', 'op_underfunded', 'op_low_reserve', 'op_already_exists'],
  },
  {
    typeI: 1,
    sdkType: 'payment',
    horizonType: 'payment',
    resultField: 'paymentResult',
    codes: pathPaymentCodes.slice(0, 10),
  },
  {
    typeI: 2,
    sdkType: 'pathPaymentStrictReceive',
    horizonType: 'path_payment_strict_receive',
    resultField: 'pathPaymentStrictReceiveResult',
    codes: [...pathPaymentCodes, 'op_over_source_max'],
  },
  {
    typeI: 5,
    sdkType: 'setOptions',
    horizonType: 'set_options',
    resultField: 'setOptionsResult',
    codes: [
      'op_success',
      'op_low_reserve',
      'op_too_many_signers',
      'op_bad_flags',
      'op_invalid_inflation',
      'op_cant_change',
      'op_unknown_flag',
      'op_threshold_out_of_range',
      'op_bad_signer',
      'op_invalid_home_domain',
      'op_auth_revocable_required',
    ],
  },
  {
    typeI: 6,
    sdkType: 'changeTrust',
    horizonType: 'change_trust',
    resultField: 'changeTrustResult',
    codes: [
      'op_success',
      'op_malformed',
      'op_no_issuer',
      'op_invalid_limit',
      'op_low_reserve',
      'op_self_not_allowed',
      'op_trust_line_missing',
      'op_cannot_delete',
      'op_not_aut_maintain_liabilities',
    ],
  },
  {
    typeI: 8,
    sdkType: 'accountMerge',
    horizonType: 'account_merge',
    resultField: 'accountMergeResult',
    codes: [
      'op_success',
      'op_malformed',
      'op_no_account',
      'op_immutable_set',
      'op_has_sub_entries',
      'op_seq_num_too_far',
      'op_dest_full',
      'op_is_sponsor',
    ],
  },
  {
    typeI: 13,
    sdkType: 'pathPaymentStrictSend',
    horizonType: 'path_payment_strict_send',
    resultField: 'pathPaymentStrictSendResult',
    codes: [...pathPaymentCodes, 'op_under_dest_min'],
  },
  {
    typeI: 14,
    sdkType: 'createClaimableBalance',
    horizonType: 'create_claimable_balance',
    resultField: 'createClaimableBalanceResult',
    codes: [
      'op_success',
      'op_malformed',
      'op_low_reserve',
      'op_no_trust',
      'op_not_authorized',
      'op_underfunded',
    ],
  },
  {
    typeI: 15,
    sdkType: 'claimClaimableBalance',
    horizonType: 'claim_claimable_balance',
    resultField: 'claimClaimableBalanceResult',
    codes: [
      'op_success',
      'op_does_not_exist',
      'op_cannot_claim',
      'op_line_full',
      'op_no_trust',
      'op_not_authorized',
    ],
  },
];

export function opKindBySdkType(sdkType: string): OpKind | undefined {
  return OP_KINDS.find((kind) => kind.sdkType === sdkType);
}

function opKindByTypeI(typeI: number): OpKind {
  const kind = OP_KINDS.find((k) => k.typeI === typeI);
  assert(kind !== undefined, `operation type ${typeI} is not supported by the double`);
  return kind;
}

/** Code number of `name` for this operation type, or undefined when the type has no such code. */
export function opCodeOf(kind: OpKind, name: string): number | undefined {
  const index = kind.codes.indexOf(name);
  return index < 0 ? undefined : -index;
}

/** Operation-level (outer) codes: the operation did not run at all. */
export const OUTER_CODES = [
  'op_inner',
  'op_bad_auth',
  'op_no_source_account',
  'op_not_supported',
  'op_too_many_subentries',
  'op_exceeded_work_limit',
  'op_too_many_sponsoring',
] as const;
export const OP_BAD_AUTH = -1;
export const OP_NO_SOURCE_ACCOUNT = -2;
export const OP_NOT_SUPPORTED = -3;

export const TX_CODES: ReadonlyMap<number, string> = new Map([
  [1, 'tx_fee_bump_inner_success'],
  [0, 'tx_success'],
  [-1, 'tx_failed'],
  [-2, 'tx_too_early'],
  [-3, 'tx_too_late'],
  [-4, 'tx_missing_operation'],
  [-5, 'tx_bad_seq'],
  [-6, 'tx_bad_auth'],
  [-7, 'tx_insufficient_balance'],
  [-8, 'tx_no_source_account'],
  [-9, 'tx_insufficient_fee'],
  [-10, 'tx_bad_auth_extra'],
  [-11, 'tx_internal_error'],
  [-12, 'tx_not_supported'],
  [-13, 'tx_fee_bump_inner_failed'],
  [-14, 'tx_bad_sponsorship'],
  [-15, 'tx_bad_minseq_age_or_gap'],
  [-16, 'tx_malformed'],
]);

export const TX = {
  feeBumpInnerSuccess: 1,
  success: 0,
  failed: -1,
  tooEarly: -2,
  tooLate: -3,
  missingOperation: -4,
  badSeq: -5,
  badAuth: -6,
  insufficientBalance: -7,
  noAccount: -8,
  insufficientFee: -9,
  badAuthExtra: -10,
  feeBumpInnerFailed: -13,
  malformed: -16,
} as const;

export function txCodeOf(name: string): number | undefined {
  for (const [code, text] of TX_CODES) if (text === name) return code;
  return undefined;
}

export type OpResultDetail =
  | { readonly kind: 'balanceId'; readonly balanceIdHex: string }
  | {
      readonly kind: 'pathLast';
      readonly destination: string;
      readonly asset: AssetKey;
      readonly amountStroops: bigint;
    }
  | { readonly kind: 'noIssuer'; readonly asset: AssetKey }
  | { readonly kind: 'mergeBalance'; readonly amountStroops: bigint };

/** One operation's result: `outerCode` 0 means it ran and `code` is its type's own result code. */
export interface OpResult {
  readonly outerCode: number;
  readonly typeI: number;
  readonly code: number;
  readonly detail?: OpResultDetail;
}

export function opSuccess(kind: OpKind, detail?: OpResultDetail): OpResult {
  return detail === undefined
    ? { outerCode: 0, typeI: kind.typeI, code: 0 }
    : { outerCode: 0, typeI: kind.typeI, code: 0, detail };
}

export function opFailure(kind: OpKind, name: string): OpResult {
  const code = opCodeOf(kind, name);
  assert(code !== undefined && code < 0, `${name} is not a failure code of ${kind.sdkType}`);
  return { outerCode: 0, typeI: kind.typeI, code };
}

export interface InnerResult {
  readonly code: number;
  readonly ops?: readonly OpResult[];
}

/** A transaction's result; `inner` is set for fee bumps that reached the inner transaction. */
export interface TxResult {
  readonly feeChargedStroops: bigint;
  readonly code: number;
  readonly ops?: readonly OpResult[];
  readonly inner?: { readonly hashHex: string; readonly result: InnerResult };
}

export function isSuccessful(result: TxResult): boolean {
  return result.code === TX.success || result.code === TX.feeBumpInnerSuccess;
}

function opResultName(result: OpResult): string {
  if (result.outerCode !== 0) return OUTER_CODES[-result.outerCode] ?? 'op_unknown';
  return opKindByTypeI(result.typeI).codes[-result.code] ?? 'op_unknown';
}

export interface ResultCodes {
  transaction: string;
  inner_transaction?: string;
  operations?: string[];
}

/** Horizon's `extras.result_codes` for a result. */
export function resultCodes(result: TxResult): ResultCodes {
  const transaction = TX_CODES.get(result.code) ?? 'tx_unknown';
  if (result.inner !== undefined) {
    const inner: ResultCodes = {
      transaction,
      inner_transaction: TX_CODES.get(result.inner.result.code) ?? 'tx_unknown',
    };
    if (result.inner.result.ops !== undefined) inner.operations = result.inner.result.ops.map(opResultName);
    return inner;
  }
  const codes: ResultCodes = { transaction };
  if (result.ops !== undefined) codes.operations = result.ops.map(opResultName);
  return codes;
}

function assetWire(key: AssetKey): xdr.AssetWire {
  return assetOf(key).toXdrObject().toXdrObject();
}

function innerOpWire(result: OpResult): Record<string, unknown> {
  const detail = result.detail;
  if (detail === undefined) return { code: result.code };
  switch (detail.kind) {
    case 'balanceId':
      return {
        code: 0,
        balanceId: { type: 0, v0: Buffer.from(detail.balanceIdHex.slice(8), 'hex') },
      };
    case 'pathLast':
      return {
        code: 0,
        success: {
          offers: [],
          last: {
            destination: Keypair.fromPublicKey(detail.destination).xdrPublicKey().toXdrObject(),
            asset: assetWire(detail.asset),
            amount: detail.amountStroops,
          },
        },
      };
    case 'noIssuer':
      return { code: result.code, noIssuer: assetWire(detail.asset) };
    case 'mergeBalance':
      return { code: 0, sourceAccountBalance: detail.amountStroops };
  }
}

function opWire(result: OpResult): xdr.OperationResultWire {
  if (result.outerCode !== 0) return { code: result.outerCode } as xdr.OperationResultWire;
  const kind = opKindByTypeI(result.typeI);
  const tr = { type: kind.typeI, [kind.resultField]: innerOpWire(result) };
  return { code: 0, tr } as unknown as xdr.OperationResultWire;
}

function resultBodyWire(code: number, ops: readonly OpResult[] | undefined): Record<string, unknown> {
  if (code === TX.success || code === TX.failed) {
    assert(ops !== undefined, 'a success or failed result lists its operations');
    return { code, results: ops.map(opWire) };
  }
  return { code };
}

/** The base64 `TransactionResult` XDR of a result. */
export function resultXdr(result: TxResult): string {
  let body: Record<string, unknown>;
  if (result.inner === undefined) {
    body = resultBodyWire(result.code, result.ops);
  } else {
    body = {
      code: result.code,
      innerResultPair: {
        transactionHash: Buffer.from(result.inner.hashHex, 'hex'),
        result: {
          feeCharged: 0n,
          result: resultBodyWire(result.inner.result.code, result.inner.result.ops),
          ext: { v: 0 },
        },
      },
    };
  }
  const wire = { feeCharged: result.feeChargedStroops, result: body, ext: { v: 0 } };
  return xdr.TransactionResult.fromXdrObject(wire as unknown as xdr.TransactionResultWire).toXdr('base64');
}
