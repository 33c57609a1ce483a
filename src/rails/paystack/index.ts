/** The Paystack rail: the production client and the webhook helpers. */
export {
  BANK_LIST_TTL_MS_DEFAULT,
  PAYSTACK_BASE_URL_DEFAULT,
  PAYSTACK_TIMEOUT_MS_DEFAULT,
  PaystackClient,
  RECIPIENT_TTL_MS_DEFAULT,
  createPaystackClient,
  type PaystackClientOptions,
} from './client.js';
export type {
  AssignDedicatedAccountInput,
  CreateCustomerInput,
  InitializeTransactionInput,
  InitializedTransaction,
  ListTransactionsInput,
  PaymentChannel,
  PaystackCustomer,
  TransactionPage,
} from './collections.js';
export { judgePayment, type ExpectedPayment, type PaymentConfirmation } from './confirm.js';
export {
  isNotFound,
  type PaystackError,
  type PaystackRefusal,
  type PaystackResult,
  type PaystackUnknown,
  type RefusalReason,
  type UnknownCause,
} from './errors.js';
export { REQUEST_BYTES_MAX, RESPONSE_BYTES_MAX, TIMEOUT_MS_MAX } from './http.js';
export { TRANSACTION_REFERENCE_PATTERN, TRANSFER_REFERENCE_PATTERN } from './inputs.js';
export {
  CONCLUSIVE_REFUND_STATUSES,
  CONCLUSIVE_TRANSFER_STATUSES,
  type Bank,
  type DedicatedAccount,
  type PaystackRefund,
  type PaystackTransaction,
  type PaystackTransfer,
  type RefundStatus,
  type TransactionStatus,
  type TransferStatus,
} from './models.js';
export type { AccountResolution, Balance, CreateRecipientInput, Recipient } from './payouts.js';
export {
  REFUND_NOTE_LENGTH_MAX,
  REFUND_PAGES_MAX,
  type CreateRefundInput,
  type ListRefundsInput,
  type RefundOutcome,
  type RefundResolution,
} from './refunds.js';
export type { InitiateTransferInput, TransferOutcome, TransferResolution } from './transfers.js';
export {
  PAYSTACK_WEBHOOK_IPS,
  WEBHOOK_BODY_BYTES_MAX,
  createWebhookSourceAllowList,
  parseWebhookEvent,
  verifyWebhookSignature,
  webhookDedupeKey,
  type ChargeSuccessEvent,
  type DedicatedAccountAssignedEvent,
  type RefundEvent,
  type TransferEvent,
  type UnknownWebhookEvent,
  type WebhookEvent,
  type WebhookParse,
  type WebhookSourceAllowList,
} from './webhook.js';
