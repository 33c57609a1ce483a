export { sep6, infoBody, sep6KindOf } from './plugin.js';
export { customerInfoNeeded } from './kyc.js';
export { PAYMENT_URL_KEY, paymentLink } from './instructions.js';
