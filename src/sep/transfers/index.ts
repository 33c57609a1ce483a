/** What SEP-24 and SEP-6 share: transaction history routes, /info asset blocks, schemas, request readers. */
export { transactionRoutes, TRANSACTIONS_PAGE_DEFAULT, type TransactionRoutesOptions } from './history.js';
export {
  assetNumber,
  depositOffers,
  featureFlags,
  fundingMethods,
  nairaNumber,
  payoutMethods,
  simpleFee,
  withdrawalsAvailable,
  withdrawOffers,
  type DepositOffer,
  type PayoutMethod,
  type WithdrawOffer,
} from './info.js';
export {
  amountText,
  checkRefundMemo,
  given,
  identityOf,
  isOwnAccount,
  readFlag,
  refuse,
  withdrawnAsset,
} from './request.js';
export * from './schemas.js';
