/**
 * English, the pages' reference language: every key exists here, and a language that lacks a key
 * falls back to this text. `{name}` marks a parameter; values are escaped where the page prints them.
 */
import type { TransactionKind, TransactionStatus } from '../../domain/transaction-status.js';

export const messages = {
  'site.skip': 'Skip to the main content',
  'site.footer': 'Operated by {org}. We never ask for your card PIN, OTP or password.',
  'site.steps': 'Step {step} of {steps}',

  'form.problem': 'There is a problem',
  'form.problemIntro': 'Check the fields marked below.',
  'form.optional': '(optional)',

  'expired.title': 'This link has expired',
  'expired.body':
    'Links from your wallet open once and only for a few minutes. Start again from your wallet.',
  'session.title': 'Your session has ended',
  'session.body':
    'For your safety this page opens only from your wallet, for a limited time. Start again from your wallet.',
  'csrf.title': 'This form has expired',
  'csrf.body': 'Go back, reload the page and send the form again.',
  'notFound.title': 'Transfer not found',
  'notFound.body': 'Check the link, or open the transfer from your wallet.',
  'badRequest.title': 'We could not read that request',
  'error.title': 'Something went wrong',
  'error.body':
    'Please try again in a minute. If it keeps happening, contact support and quote reference {reference}.',
  'unavailable.title': 'Not available here',
  'unavailable.body': 'This kind of transfer cannot be continued on this page. Go back to your wallet.',

  'kyc.title': 'Tell us who you are',
  'kyc.intro':
    'The law asks us to know who we serve before any naira moves. Your details are encrypted and checked against the national register; your wallet never sees them.',
  'kyc.submit': 'Save and continue',
  'kyc.registeredId': 'choose BVN or NIN: they can be checked against the national register',
  'field.first_name.label': 'First name',
  'field.first_name.hint': 'As on your ID.',
  'field.last_name.label': 'Last name',
  'field.last_name.hint': 'As on your ID.',
  'field.mobile_number.label': 'Mobile number',
  'field.mobile_number.hint': 'A Nigerian mobile number, such as 0803 123 4567.',
  'field.birth_date.label': 'Date of birth',
  'field.birth_date.hint': 'You must be 18 or older.',
  'field.id_type.label': 'ID type',
  'field.id_type.hint': 'Your Bank Verification Number or your National Identification Number.',
  'field.id_type.choose': 'Choose one',
  'field.id_number.label': 'ID number',
  'field.id_number.hint': 'The 11 digits of your BVN or NIN.',
  'idType.bvn': 'BVN (Bank Verification Number)',
  'idType.nin': 'NIN (National Identification Number)',

  'verify.title': 'Confirm your mobile number',
  'verify.intro': 'We sent a 6-digit code by SMS to the number you gave us.',
  'verify.sandbox': 'Sandbox: no SMS is sent; the code is always {code}.',
  'verify.code.label': 'Code from the SMS',
  'verify.code.format': 'enter the 6-digit code we sent',
  'verify.submit': 'Confirm',
  'verify.resend.title': 'No code?',
  'verify.resend.intro': 'Enter your number again and we will send a new code.',
  'verify.resend.submit': 'Send a new code',

  'checking.title': "We're checking your details",
  'checking.body':
    'This usually takes a few minutes. You can close this page and come back to it from your wallet.',
  'denied.title': 'We cannot go ahead with this deposit',
  'denied.withdrawalTitle': 'We cannot go ahead with this withdrawal',
  'denied.body': 'Your identity check did not pass. Contact support if you think this is a mistake.',

  'amount.title': 'How much naira will you pay?',
  'amount.label': 'Amount in naira (₦)',
  'amount.hint': 'From {min} to {max}. Your limit per transaction is {limit}.',
  'amount.asset': 'You are buying {asset}.',
  'amount.submit': 'Continue',
  'amount.invalid': 'enter an amount in naira, such as 5000 or 5000.50',

  'confirm.title': 'Check and confirm',
  'confirm.youPay': 'You pay',
  'confirm.fee': 'Fee',
  'confirm.feeIncluded': 'included in what you pay',
  'confirm.youGet': 'You receive',
  'confirm.rate': 'Rate',
  'confirm.rateValue': '1 {asset} = {price}',
  'confirm.expires': 'Price held until',
  'confirm.quoteNote': 'The price is fixed until then: confirm and pay before it runs out.',
  'confirm.parNote': '{asset} is naira on Stellar: 1 {asset} is worth ₦1.',
  'confirm.delivery': 'The {asset} is sent to your wallet on the Stellar network once your payment arrives.',
  'confirm.submit': 'Confirm and pay',
  'confirm.change': 'Change the amount',
  'quoteExpired.title': 'This price has expired',
  'quoteExpired.body': 'Prices are held for a short time only. Start again from your wallet for a new price.',

  'pay.errorTitle': 'We could not open the payment page',
  'pay.retry': 'Try again',
  'bank.title': 'Pay by bank transfer',
  'bank.intro': 'From your bank app, transfer exactly this amount to the account below.',
  'bank.amount': 'Amount',
  'bank.accountNumber': 'Account number',
  'bank.bankName': 'Bank',
  'bank.accountName': 'Account name',
  'bank.deadline': 'Pay before',
  'bank.exact': 'Send the exact amount in one transfer: a different amount delays your deposit.',

  'withdrawUnavailable.title': 'Withdrawals are not available right now',
  'withdrawUnavailable.body':
    'Please try again later from your wallet. Nothing has been taken from your wallet.',

  'payout.title': 'Where should we pay the naira?',
  'payout.intro':
    'The account must be in your own name: we check the name your bank holds against the name you gave us.',
  'payout.bank.label': 'Bank',
  'payout.bank.hint': 'The bank or app that holds your account.',
  'payout.bank.choose': 'Choose your bank',
  'payout.bank.invalid': 'choose your bank from the list',
  'payout.number.label': 'Account number',
  'payout.number.hint': 'The 10 digits of your account number (NUBAN).',
  'payout.number.invalid': 'enter the 10 digits of your account number',
  'payout.submit': 'Check the account',
  'payout.listTitle': 'We cannot show the list of banks',
  'payout.listBody': 'Paystack did not answer. Try again in a minute.',
  'payout.retry': 'Try again',
  'payout.ending': '{bank}, account ending {last4}',

  'accountName.title': 'Is this your account?',
  'accountName.intro': 'Your bank holds this account in the name below. We pay the naira into it.',
  'accountName.name': 'Account name',
  'accountName.bank': 'Bank',
  'accountName.number': 'Account number',
  'accountName.continue': 'Yes, this is my account',
  'accountName.other': 'Use another account',

  'withdrawAmount.title': 'How much {asset} will you send?',
  'withdrawAmount.label': 'Amount in {asset}',
  'withdrawAmount.hint': 'From {min} to {max}. Your limit per transaction is {limit}, fee included.',
  'withdrawAmount.invalid': 'enter an amount in {asset}, such as 5000 or 5000.50',
  'withdrawAmount.paidTo': 'We pay the naira to {account}.',
  'withdrawAmount.submit': 'Continue',

  'fixedAmount.title': 'This amount cannot be paid out',
  'fixedAmount.body': 'Start again from your wallet with another amount.',

  'withdrawConfirm.youSend': 'You send',
  'withdrawConfirm.feeTaken': 'taken from the naira',
  'withdrawConfirm.paidTo': 'Paid to',
  'withdrawConfirm.next':
    'When you confirm, we show you where to send the {asset}. Your wallet usually sends it for you.',
  'withdrawConfirm.submit': 'Confirm the withdrawal',

  'sendPayment.title': 'Send your payment',
  'sendPayment.intro':
    'Send exactly this amount to the Stellar account below, with the memo. Your wallet will usually send it for you: go back to your wallet and confirm the payment there.',
  'sendPayment.amount': 'Amount',
  'sendPayment.asset': 'Asset',
  'sendPayment.issuer': 'Asset issuer',
  'sendPayment.account': 'Send to (Stellar account)',
  'sendPayment.memo': 'Memo',
  'sendPayment.memoType': 'Memo type',
  'sendPayment.memoTypeId': 'ID (a number)',
  'sendPayment.deadline': 'Send before',
  'sendPayment.youGet': 'You receive',
  'sendPayment.paidTo': 'Paid to',
  'sendPayment.copy': 'To copy a value, select it (a tap or a click selects all of it) and copy it.',
  'sendPayment.memoNote': 'Always include the memo: it is how we know the payment is yours.',
  'sendPayment.exact':
    'Send the exact amount in one payment: a different amount delays your withdrawal or is sent back.',

  'status.deposit': 'Your deposit',
  'status.withdrawal': 'Your withdrawal',
  'status.now': 'Status',
  'status.reference': 'Reference',
  'status.amountIn': 'You pay',
  'status.amountSent': 'You send',
  'status.paidTo': 'Paid to',
  'status.sendPayment': 'See how to send the payment',
  'status.sendBy': 'Send it before {time}.',
  'status.amountOut': 'You receive',
  'status.fee': 'Fee',
  'status.started': 'Started',
  'status.updated': 'Last update',
  'status.completedAt': 'Completed',
  'status.stellarTx': 'Stellar transaction',
  'status.viewTx': 'View it on the Stellar network',
  'status.next': 'What happens next',
  'status.refresh': 'This page updates itself every {seconds} seconds.',
  'status.pay': 'Continue to payment',
  'status.payBy': 'Pay before {time}.',
  'status.continue': 'Continue where you left off',
  'status.refunds': 'Refund',
  'status.refundedAmount': 'Refunded',
  'status.refundFee': 'Refund fee',
  'status.refundToBank': 'Returned through Paystack to the card or account you paid with',
  'status.refundOnStellar': 'Returned on the Stellar network',
  'status.payment': 'Payment',
} as const;

export type MessageKey = keyof typeof messages;

export interface StatusText {
  /** The status in words. */
  readonly title: string;
  /** What happens next, for the customer. */
  readonly next: string;
}

/** The status in words, per kind: a deposit and a withdrawal wait for different things. */
const depositStatusTexts: Readonly<Record<TransactionStatus, StatusText>> = {
  incomplete: {
    title: 'Waiting for your details',
    next: 'Finish the steps in your wallet: your details and the amount. Nothing has been charged.',
  },
  pending_user_transfer_start: {
    title: 'Waiting for your payment',
    next: 'Pay the amount shown through Paystack. We send the asset as soon as your payment arrives.',
  },
  pending_user_transfer_complete: {
    title: 'Payment received',
    next: 'Your payment has arrived. Nothing more is needed from you.',
  },
  pending_anchor: {
    title: 'Processing',
    next: 'We have your payment and are preparing the transfer. Nothing more is needed from you.',
  },
  pending_stellar: {
    title: 'Sending on Stellar',
    next: 'The transfer is being confirmed by the Stellar network. This takes a few seconds.',
  },
  pending_external: {
    title: 'Waiting for the bank',
    next: 'The bank is processing the transfer. This can take a few minutes.',
  },
  pending_trust: {
    title: 'Waiting for your wallet to accept the asset',
    next: 'Your wallet must add a trustline for this asset before we can send it. Open your wallet and accept the asset.',
  },
  pending_user: {
    title: 'Waiting for you',
    next: 'An action is needed from you: check your wallet for what to do.',
  },
  pending_customer_info_update: {
    title: 'More details needed',
    next: 'We need more or corrected details. Open your wallet to provide them.',
  },
  pending_transaction_info_update: {
    title: 'More transfer details needed',
    next: 'We need more details about this transfer. Open your wallet to provide them.',
  },
  on_hold: {
    title: 'On hold',
    next: 'Our team is reviewing this transfer. Your money is safe; we will contact you if we need anything.',
  },
  no_market: {
    title: 'No price available',
    next: 'We could not get a price for this transfer. Contact support with the reference below.',
  },
  too_small: {
    title: 'Amount too small',
    next: 'The amount is below the minimum. Contact support with the reference below.',
  },
  too_large: {
    title: 'Amount too large',
    next: 'The amount is above the maximum. Contact support with the reference below.',
  },
  completed: {
    title: 'Completed',
    next: 'The transfer is complete. Nothing more is needed.',
  },
  refunded: {
    title: 'Refunded',
    next: 'Your money was returned. The refund details are below.',
  },
  expired: {
    title: 'Expired',
    next: 'No payment arrived in time, so this transfer was closed. If you paid, your money is not lost: contact support with the reference below.',
  },
  error: {
    title: 'Needs attention',
    next: 'Something went wrong and our team has been alerted. Your money is safe. Contact support with the reference below if you have questions.',
  },
};

const withdrawalStatusTexts: Readonly<Record<TransactionStatus, StatusText>> = {
  incomplete: {
    title: 'Waiting for your details',
    next: 'Finish the steps in your wallet: your details, your bank account and the amount. Nothing has been sent.',
  },
  pending_user_transfer_start: {
    title: 'Waiting for your payment',
    next: 'Send the asset with its memo, as the payment details say: your wallet usually does this for you. We pay the naira into your bank account as soon as it arrives.',
  },
  pending_user_transfer_complete: {
    title: 'Payment received',
    next: 'Your payment has arrived. Nothing more is needed from you.',
  },
  pending_anchor: {
    title: 'Processing',
    next: 'We are preparing the payment to your bank account, or sending back what we cannot pay out. Nothing more is needed from you.',
  },
  pending_stellar: {
    title: 'Sending back on Stellar',
    next: 'Your asset is being sent back to your wallet on the Stellar network. This takes a few seconds.',
  },
  pending_external: {
    title: 'Paying into your bank',
    next: 'The naira is on its way to your bank account. This usually takes a few minutes.',
  },
  pending_trust: {
    title: 'Processing',
    next: 'Nothing more is needed from you.',
  },
  pending_user: {
    title: 'Waiting for the rest of your payment',
    next: 'Less than the amount asked for arrived. Send the rest with the same memo before the deadline, or all of it is sent back.',
  },
  pending_customer_info_update: {
    title: 'More details needed',
    next: 'We need more or corrected details before we can go on. Open your wallet to provide them.',
  },
  pending_transaction_info_update: {
    title: 'Bank details needed',
    next: 'We need corrected details of the bank account to pay. Open your wallet to provide them.',
  },
  on_hold: {
    title: 'On hold',
    next: 'Your withdrawal is delayed while our team looks at it. Your money is safe; we pay it out or send it back as soon as possible.',
  },
  no_market: {
    title: 'No price available',
    next: 'We could not get a price for this transfer. Contact support with the reference below.',
  },
  too_small: {
    title: 'Amount too small',
    next: 'The payment was below the minimum. Contact support with the reference below.',
  },
  too_large: {
    title: 'Amount too large',
    next: 'The payment was above the maximum. Contact support with the reference below.',
  },
  completed: {
    title: 'Completed',
    next: 'The naira has been paid into your bank account. Nothing more is needed.',
  },
  refunded: {
    title: 'Refunded',
    next: 'Your asset was sent back to your wallet. The refund details are below.',
  },
  expired: {
    title: 'Expired',
    next: 'No payment arrived in time, so this withdrawal was closed. A payment that arrives later is sent back to you.',
  },
  error: {
    title: 'Needs attention',
    next: 'Something went wrong and our team has been alerted. Your money is safe. Contact support with the reference below if you have questions.',
  },
};

export const statusTexts: Readonly<Record<TransactionKind, Readonly<Record<TransactionStatus, StatusText>>>> =
  {
    deposit: depositStatusTexts,
    withdrawal: withdrawalStatusTexts,
  };
