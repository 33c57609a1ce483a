/**
 * Settings of SEP-38 (quotes), its rate sources, amount limits and the fee schedules, composed into
 * the one schema (src/config/schema.ts). Fee schedules, limits and the fixed rate are kept as their
 * validated text (so the effective configuration logs them readably) and read into exact values
 * by `src/sep/sep38/catalog.ts`.
 */
import { parseFeeSchedule } from '../domain/fees.js';
import { parseAmount, parseRate } from '../domain/money.js';
import { integer, list, oneOf, url, type Parsed, type Setting } from './setting.js';

const GROUP = 'SEP-38 quotes';
const FEES = 'Fees';

/** The delivery methods Rampart can honour through Paystack, with the words wallets show. */
export const SELL_DELIVERY_METHODS = {
  card: 'Pay naira by debit card on Paystack checkout.',
  bank_transfer: 'Pay naira by bank transfer to an account Paystack gives for this payment.',
  ussd: 'Pay naira by dialling a USSD code from your bank (Paystack).',
} as const satisfies Record<string, string>;

export const BUY_DELIVERY_METHODS = {
  bank_account: 'Receive naira in a Nigerian bank account (NUBAN), paid out by Paystack transfer.',
} as const satisfies Record<string, string>;

function methodOf(catalog: Record<string, string>) {
  return (item: string): string | null =>
    Object.hasOwn(catalog, item)
      ? null
      : `"${item}" is not a delivery method Rampart offers (${Object.keys(catalog).join(', ')})`;
}

/** Amount limits as settings write them: `min:100,max:10000000` in whole units of the asset. */
export function parseLimitsText(
  text: string,
  decimals: number,
): { ok: true; minMinor: bigint; maxMinor: bigint } | { ok: false; error: string } {
  const match = /^\s*min\s*:\s*([0-9.]{1,40})\s*,\s*max\s*:\s*([0-9.]{1,40})\s*$/.exec(text);
  if (match === null) return { ok: false, error: 'must read min:<amount>,max:<amount>' };
  const min = parseAmount(match[1] ?? '', decimals, { allowZero: true });
  if (!min.ok) return { ok: false, error: `min: ${min.error}` };
  const max = parseAmount(match[2] ?? '', decimals);
  if (!max.ok) return { ok: false, error: `max: ${max.error}` };
  if (max.minor < min.minor) return { ok: false, error: 'max must not be below min' };
  return { ok: true, minMinor: min.minor, maxMinor: max.minor };
}

interface ValidatedCommon {
  readonly env: string;
  readonly group: string;
  readonly doc: string;
}

/** A text setting checked by `check` (null when valid), kept as the text itself. */
function validated(common: ValidatedCommon & { fallback: string }, check: (raw: string) => string | null) {
  const parse = (raw: string): Parsed<string> => {
    const problem = check(raw);
    return problem === null ? { ok: true, value: raw } : { ok: false, error: problem };
  };
  // A default that fails its own check is a bug in this file, caught when the module loads.
  const problem = check(common.fallback);
  if (problem !== null) throw new Error(`${common.env} default is invalid: ${problem}`);
  const setting: Setting<string, false> = {
    ...common,
    optional: false,
    secret: false,
    fallbackDoc: common.fallback,
    parse,
  };
  return setting;
}

function optionalValidated(common: ValidatedCommon, check: (raw: string) => string | null) {
  const setting: Setting<string, true> = {
    ...common,
    optional: true,
    secret: false,
    fallback: undefined,
    fallbackDoc: '(unset)',
    parse: (raw) => {
      const problem = check(raw);
      return problem === null ? { ok: true, value: raw } : { ok: false, error: problem };
    },
  };
  return setting;
}

const feeCheck = (raw: string): string | null => {
  const parsed = parseFeeSchedule(raw);
  return parsed.ok ? null : parsed.error;
};
const limitsCheck =
  (decimals: number) =>
  (raw: string): string | null => {
    const parsed = parseLimitsText(raw, decimals);
    return parsed.ok ? null : parsed.error;
  };

const FEE_FORMAT =
  'Format `fixed:<kobo>,bps:<basis points>,min:<kobo>,max:<kobo>` (each part optional; no `max` = no cap; `none` = free). The percentage rounds up.';

export const sep38Settings = {
  sep38RateSource: oneOf({
    env: 'SEP38_RATE_SOURCE',
    group: GROUP,
    doc: 'Where the USDC/NGN market rate comes from: `fixed` (SEP38_USDC_NGN_RATE) or `feed` (SEP38_RATE_FEED_URL). Without a usable rate the USDC pair is not offered. The naira token is always 1:1.',
    values: ['fixed', 'feed'],
    fallback: 'fixed',
  }),
  sep38UsdcNgnRate: optionalValidated(
    {
      env: 'SEP38_USDC_NGN_RATE',
      group: GROUP,
      doc: 'Fixed mid-market rate, naira per one USDC, as a plain decimal (e.g. `1530.25`); used when SEP38_RATE_SOURCE=fixed.',
    },
    (raw) => {
      const parsed = parseRate(raw);
      return parsed.ok ? null : parsed.error;
    },
  ),
  sep38RateFeedUrl: url({
    env: 'SEP38_RATE_FEED_URL',
    group: GROUP,
    doc: 'Price feed for USDC/NGN when SEP38_RATE_SOURCE=feed: `GET` answers `{"pair":"USDC/NGN","price":"1530.25","timestamp":"2025-05-01T12:00:00Z"}` (price a decimal string, naira per USDC; timestamp ISO 8601 with zone; pair optional). Format documented in src/rails/rates/feed.ts.',
    protocols: ['http:', 'https:'],
  }),
  sep38RateFeedTimeoutMs: integer({
    env: 'SEP38_RATE_FEED_TIMEOUT_MS',
    group: GROUP,
    doc: 'Timeout of one price-feed call (connect, answer and body). A timeout makes the pair unavailable.',
    fallback: 2000,
    min: 100,
    max: 30_000,
  }),
  sep38RateFeedCacheMs: integer({
    env: 'SEP38_RATE_FEED_CACHE_MS',
    group: GROUP,
    doc: "How long one feed answer is reused (concurrent requests share one call). The age limit is still applied to the price's own timestamp at every use. 0 asks the feed every time.",
    fallback: 2000,
    min: 0,
    max: 60_000,
  }),
  sep38RateMaxAgeSeconds: integer({
    env: 'SEP38_RATE_MAX_AGE_S',
    group: GROUP,
    doc: 'No price older than this (by its feed timestamp) is ever quoted: the pair disappears from GET /prices, and GET /price and POST /quote answer 503.',
    fallback: 60,
    min: 1,
    max: 3600,
  }),
  sep38SpreadBps: integer({
    env: 'SEP38_SPREAD_BPS',
    group: GROUP,
    doc: 'Margin on the market rate, in basis points, on the anchor’s side of each direction: USDC is sold at mid × (1 + spread) and bought back at mid × (1 − spread). Not applied to the 1:1 naira token.',
    fallback: 50,
    min: 0,
    max: 2000,
  }),
  sep38QuoteTtlSeconds: integer({
    env: 'SEP38_QUOTE_TTL_S',
    group: GROUP,
    doc: 'Lifetime of a firm quote (POST /quote) when the wallet asks for no later `expire_after`.',
    fallback: 300,
    min: 30,
    max: 86_400,
  }),
  sep38QuoteTtlMaxSeconds: integer({
    env: 'SEP38_QUOTE_TTL_MAX_S',
    group: GROUP,
    doc: "Longest lifetime a firm quote may get: a wallet's `expire_after` beyond it is refused (400). At least SEP38_QUOTE_TTL_S.",
    fallback: 3600,
    min: 30,
    max: 7 * 86_400,
  }),
  sep38SellDeliveryMethods: list({
    env: 'SEP38_SELL_DELIVERY_METHODS',
    group: GROUP,
    doc: `Ways a customer can deliver naira (deposits), offered in GET /info: ${Object.keys(SELL_DELIVERY_METHODS).join(', ')}.`,
    fallback: Object.keys(SELL_DELIVERY_METHODS),
    item: methodOf(SELL_DELIVERY_METHODS),
  }),
  sep38BuyDeliveryMethods: list({
    env: 'SEP38_BUY_DELIVERY_METHODS',
    group: GROUP,
    doc: `Ways a customer can receive naira (withdrawals), offered in GET /info: ${Object.keys(BUY_DELIVERY_METHODS).join(', ')}.`,
    fallback: Object.keys(BUY_DELIVERY_METHODS),
    item: methodOf(BUY_DELIVERY_METHODS),
  }),
  sep38CountryCodes: list({
    env: 'SEP38_COUNTRY_CODES',
    group: GROUP,
    doc: 'Countries served for naira (ISO 3166-1 alpha-2, as SEP-38 2.2+ asks), listed in GET /info; a request may also name a subdivision (`NG-LA`).',
    fallback: ['NG'],
    item: (code) =>
      /^[A-Z]{2}$/.test(code) ? null : `"${code}" is not an ISO 3166-1 alpha-2 code such as NG`,
  }),
  sep38LimitsNgn: validated(
    {
      env: 'SEP38_LIMITS_NGN',
      group: GROUP,
      doc: 'Smallest and largest naira amount of a quote, in naira (`min:<amount>,max:<amount>`); applies to `iso4217:NGN` and the naira token.',
      fallback: 'min:100,max:10000000',
    },
    limitsCheck(2),
  ),
  sep38LimitsUsdc: validated(
    {
      env: 'SEP38_LIMITS_USDC',
      group: GROUP,
      doc: 'Smallest and largest USDC amount of a quote, in USDC (`min:<amount>,max:<amount>`).',
      fallback: 'min:1,max:10000',
    },
    limitsCheck(7),
  ),

  feesNgnDeposit: validated(
    {
      env: 'FEES_NGN_DEPOSIT',
      group: FEES,
      doc: `Fee on a naira → naira-token deposit, in kobo, taken from the naira paid. ${FEE_FORMAT}`,
      fallback: 'fixed:10000,bps:150,max:200000',
    },
    feeCheck,
  ),
  feesNgnWithdrawal: validated(
    {
      env: 'FEES_NGN_WITHDRAWAL',
      group: FEES,
      doc: `Fee on a naira-token → naira withdrawal, in kobo, taken from the naira paid out. ${FEE_FORMAT}`,
      fallback: 'fixed:5000',
    },
    feeCheck,
  ),
  feesUsdcDeposit: validated(
    {
      env: 'FEES_USDC_DEPOSIT',
      group: FEES,
      doc: `Fee on a naira → USDC deposit, in kobo, taken from the naira paid. ${FEE_FORMAT}`,
      fallback: 'fixed:10000,bps:150,max:200000',
    },
    feeCheck,
  ),
  feesUsdcWithdrawal: validated(
    {
      env: 'FEES_USDC_WITHDRAWAL',
      group: FEES,
      doc: `Fee on a USDC → naira withdrawal, in kobo, taken from the naira paid out. ${FEE_FORMAT}`,
      fallback: 'fixed:5000',
    },
    feeCheck,
  ),
} satisfies Record<string, Setting<unknown>>;

type Sep38Values = {
  readonly [K in keyof typeof sep38Settings]: (typeof sep38Settings)[K] extends Setting<infer T, infer O>
    ? O extends true
      ? T | undefined
      : T
    : never;
};

/**
 * Rules between SEP-38 settings that each parse on their own but do not fit together; meant to be
 * appended by `consistencyProblems` (src/config/consistency.ts).
 */
export function sep38ConsistencyProblems(config: Sep38Values): string[] {
  const s = sep38Settings;
  const problems: string[] = [];
  if (config.sep38RateSource === 'feed' && config.sep38RateFeedUrl === undefined) {
    problems.push(`${s.sep38RateSource.env}=feed needs ${s.sep38RateFeedUrl.env}`);
  }
  if (config.sep38QuoteTtlMaxSeconds < config.sep38QuoteTtlSeconds) {
    problems.push(`${s.sep38QuoteTtlMaxSeconds.env} must be at least ${s.sep38QuoteTtlSeconds.env}`);
  }
  return problems;
}
