/**
 * Our Paystack reference for a deposit: made from the transaction id when the transaction is
 * created, so every retry, webhook and verify call names the same payment.
 */
export function paystackReferenceFor(transactionId: string): string {
  return `rmp-${transactionId.replace(/-/g, '')}`;
}
