/**
 * How the pages write amounts, assets, times and links. Amounts come from exact minor units and are
 * never rounded: grouping and trailing zeros are the only changes made for reading.
 */
import type { Config } from '../config/index.js';
import { networkOf } from '../config/index.js';
import { formatAmount } from '../domain/money.js';
import { NGN_DECIMALS, NGN_OFFCHAIN_ID } from '../sep/assets.js';

/** Fraction digits always shown, so 9750 reads as 9,750.00 like money does. */
const FRACTION_DIGITS_MIN = 2;

function grouped(decimal: string): string {
  const [whole = '0', fraction] = decimal.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign === '' ? whole : whole.slice(1);
  const withCommas = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? `${sign}${withCommas}` : `${sign}${withCommas}.${fraction}`;
}

/** Decimal text ("150.0000000", "1500") as a person reads it: two decimals at least, no zeros beyond. */
function readableDecimal(text: string): string {
  const [whole = '0', fraction = ''] = text.split('.');
  let kept = fraction.padEnd(FRACTION_DIGITS_MIN, '0');
  while (kept.length > FRACTION_DIGITS_MIN && kept.endsWith('0')) kept = kept.slice(0, -1);
  return grouped(`${whole}.${kept}`);
}

/** 1000000n → "₦10,000.00". */
export function nairaText(kobo: bigint): string {
  return `₦${grouped(formatAmount(kobo, NGN_DECIMALS))}`;
}

/** 97500000000n stroops, 7 → "9,750.00": zeros beyond the second decimal dropped, nothing rounded. */
export function decimalText(minor: bigint, decimals: number): string {
  return readableDecimal(formatAmount(minor, decimals));
}

/** "iso4217:NGN" → "NGN"; "stellar:USDC:G…" → "USDC". */
export function assetCodeOf(id: string): string {
  if (id === NGN_OFFCHAIN_ID) return 'NGN';
  const [scheme, code] = id.split(':');
  return scheme === 'stellar' && code !== undefined ? code : id;
}

/** An amount of any stored asset, as a person reads it: "₦10,000.00" or "9,750.00 NGNC". */
export function amountText(minor: bigint, assetId: string, decimals: number): string {
  if (assetId === NGN_OFFCHAIN_ID) return nairaText(minor);
  return `${decimalText(minor, decimals)} ${assetCodeOf(assetId)}`;
}

/** Decimal text in an asset (the SEP views' amounts, a quote's price), for display. */
export function decimalAmountText(text: string, assetId: string): string {
  if (assetId === NGN_OFFCHAIN_ID) return `₦${readableDecimal(text)}`;
  return `${readableDecimal(text)} ${assetCodeOf(assetId)}`;
}

/** Times in Lagos time, where the customers are (WAT, UTC+1 all year). */
export function timeText(date: Date, lang: string): string {
  const text = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : lang, {
    timeZone: 'Africa/Lagos',
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(date);
  return `${text} WAT`;
}

/** Where a person can look a Stellar transaction up: stellar.expert, or the sandbox's own Horizon. */
export function stellarTransactionUrl(
  config: Pick<Config, 'stellarNetwork' | 'horizonUrl' | 'port'>,
  hash: string,
): string {
  switch (config.stellarNetwork) {
    case 'public':
      return `https://stellar.expert/explorer/public/tx/${encodeURIComponent(hash)}`;
    case 'testnet':
      return `https://stellar.expert/explorer/testnet/tx/${encodeURIComponent(hash)}`;
    case 'sandbox': {
      const url = new URL(networkOf(config).horizonUrl.toString());
      url.pathname = `${url.pathname.replace(/\/$/, '')}/transactions/${encodeURIComponent(hash)}`;
      return url.toString();
    }
  }
}
