/**
 * The pages' own headers, stricter than the API's baseline (platform/http/security.ts): no scripts
 * of any kind (default-src 'none' and no script-src), styles only from our one stylesheet, forms
 * only to us, never framed, never cached (they carry a CSRF token and a customer's answers).
 */
import type { FastifyReply } from 'fastify';
import type { Config } from '../config/index.js';

const PAYSTACK_API_HOST = 'api.paystack.co';
const PAYSTACK_CHECKOUT_ORIGIN = 'https://checkout.paystack.com';

/**
 * The origin of Paystack's hosted checkout. Confirming a deposit posts to us and is redirected
 * (303, twice) to the checkout, and Chromium applies form-action to every redirect of a form's
 * navigation: that one form must name the checkout's origin too. Paystack serves checkout from its
 * own host; the sandbox double serves it at its API base URL.
 */
export function checkoutOrigin(config: Pick<Config, 'paystackBaseUrl'>): string {
  return config.paystackBaseUrl.hostname === PAYSTACK_API_HOST
    ? PAYSTACK_CHECKOUT_ORIGIN
    : config.paystackBaseUrl.origin;
}

export function pageCsp(formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    `form-action ${["'self'", ...formTargets].join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Headers of every page and redirect the pages answer with. */
export function pageHeaders(reply: FastifyReply, formTargets: readonly string[] = []): FastifyReply {
  return reply
    .header('content-security-policy', pageCsp(formTargets))
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');
}
