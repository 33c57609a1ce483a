/** Deposits (on-ramp): what SEP-24, SEP-6 and the hosted pages call. Jobs are in ./jobs.ts. */
export {
  openDeposit,
  requestDepositPayment,
  depositAsset,
  pairOf,
  parFigures,
  readNairaAmount,
  readLang,
  SUPPORTED_LANGS,
  CustomerInfoNeeded,
  type DepositRequest,
  type DepositFigures,
  type FundingMethod,
} from './open.js';
export { paymentLink, dedicatedAccountFor, type PaymentLink, type BankTransferAccount } from './payment.js';
export { paystackReferenceFor } from './reference.js';
