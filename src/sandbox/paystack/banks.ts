/**
 * Reference data of the double: Nigerian banks (real names, CBN codes and Paystack ids), the
 * accounts that resolve to a name, the dedicated-account providers, and fee schedules.
 */
import type { Bank } from './state.js';

export interface BankRecord {
  readonly id: number;
  readonly name: string;
  readonly slug: string;
  readonly code: string;
  readonly longcode: string;
}

/** A realistic subset of `GET /bank?country=nigeria`: the banks a ramp's customers mostly use. */
export const NIGERIAN_BANKS: readonly BankRecord[] = [
  { id: 1, name: 'Access Bank', slug: 'access-bank', code: '044', longcode: '044150149' },
  { id: 3, name: 'Citibank Nigeria', slug: 'citibank-nigeria', code: '023', longcode: '023150005' },
  { id: 4, name: 'Ecobank Nigeria', slug: 'ecobank-nigeria', code: '050', longcode: '050150010' },
  { id: 6, name: 'Fidelity Bank', slug: 'fidelity-bank', code: '070', longcode: '070150003' },
  { id: 7, name: 'First Bank of Nigeria', slug: 'first-bank-of-nigeria', code: '011', longcode: '011151003' },
  {
    id: 8,
    name: 'First City Monument Bank',
    slug: 'first-city-monument-bank',
    code: '214',
    longcode: '214150018',
  },
  { id: 9, name: 'Guaranty Trust Bank', slug: 'guaranty-trust-bank', code: '058', longcode: '058152036' },
  { id: 10, name: 'Heritage Bank', slug: 'heritage-bank', code: '030', longcode: '030159992' },
  { id: 11, name: 'Keystone Bank', slug: 'keystone-bank', code: '082', longcode: '082150017' },
  { id: 13, name: 'Polaris Bank', slug: 'polaris-bank', code: '076', longcode: '076151006' },
  { id: 14, name: 'Stanbic IBTC Bank', slug: 'stanbic-ibtc-bank', code: '221', longcode: '221159522' },
  {
    id: 15,
    name: 'Standard Chartered Bank',
    slug: 'standard-chartered-bank',
    code: '068',
    longcode: '068150015',
  },
  { id: 16, name: 'Sterling Bank', slug: 'sterling-bank', code: '232', longcode: '232150016' },
  {
    id: 17,
    name: 'Union Bank of Nigeria',
    slug: 'union-bank-of-nigeria',
    code: '032',
    longcode: '032080474',
  },
  {
    id: 18,
    name: 'United Bank For Africa',
    slug: 'united-bank-for-africa',
    code: '033',
    longcode: '033153513',
  },
  { id: 19, name: 'Unity Bank', slug: 'unity-bank', code: '215', longcode: '215154097' },
  { id: 20, name: 'Wema Bank', slug: 'wema-bank', code: '035', longcode: '035150103' },
  { id: 21, name: 'Zenith Bank', slug: 'zenith-bank', code: '057', longcode: '057150013' },
  { id: 22, name: 'Jaiz Bank', slug: 'jaiz-bank', code: '301', longcode: '301080020' },
  { id: 23, name: 'Providus Bank', slug: 'providus-bank', code: '101', longcode: '' },
  { id: 67, name: 'Kuda Bank', slug: 'kuda-bank', code: '50211', longcode: '' },
  { id: 171, name: 'OPay Digital Services Limited (OPay)', slug: 'paycom', code: '999992', longcode: '' },
  { id: 172, name: 'PalmPay', slug: 'palmpay', code: '999991', longcode: '' },
  { id: 173, name: 'Moniepoint MFB', slug: 'moniepoint-mfb-ng', code: '50515', longcode: '' },
  { id: 174, name: 'Titan Bank', slug: 'titan-bank', code: '102', longcode: '' },
  { id: 175, name: 'Globus Bank', slug: 'globus-bank', code: '00103', longcode: '103015001' },
  { id: 176, name: 'Lotus Bank', slug: 'lotus-bank', code: '303', longcode: '' },
  { id: 177, name: 'VFD Microfinance Bank Limited', slug: 'vfd', code: '566', longcode: '' },
];

/**
 * Test mode's special bank code: absent from the list, yet any 10-digit number at it resolves to
 * "TEST ACCOUNT <number>" and does not count against the daily resolve quota (rails-notes A4).
 */
export const TEST_BANK: BankRecord = {
  id: 2,
  name: 'Test Bank',
  slug: 'test-bank',
  code: '001',
  longcode: '',
};

export function bankByCode(code: string): BankRecord | undefined {
  if (code === TEST_BANK.code) return TEST_BANK;
  return NIGERIAN_BANKS.find((b) => b.code === code);
}

export interface KnownAccount {
  readonly accountNumber: string;
  readonly bankCode: string;
  readonly accountName: string;
}

/** Accounts that resolve out of the box; anything else (outside bank 001) gets the live 422. */
export const DEFAULT_ACCOUNTS: readonly KnownAccount[] = [
  { accountNumber: '0123456789', bankCode: '058', accountName: 'ADAEZE CHIOMA OKAFOR' },
  { accountNumber: '0001234567', bankCode: '044', accountName: 'IBRAHIM MUSA BELLO' },
  { accountNumber: '2000000011', bankCode: '011', accountName: 'OLUWASEUN ADEBAYO' },
  { accountNumber: '1000000057', bankCode: '057', accountName: 'NGOZI EZE' },
  { accountNumber: '2000000033', bankCode: '033', accountName: 'TUNDE BAKARE' },
];

export const RESOLVE_FAILED_MESSAGE = 'Could not resolve account name. Check parameters or try again.';
export const RESOLVE_QUOTA_MESSAGE =
  'Test mode daily limit of 3 live bank resolves exceeded. Use test bank codes 001 or upgrade to live mode.';

/** Dedicated-account providers by the slug `preferred_bank` takes (rails-notes A3). */
export const DVA_PROVIDERS: ReadonlyMap<string, Bank> = new Map([
  ['wema-bank', { id: 20, name: 'Wema Bank', slug: 'wema-bank' }],
  ['titan-paystack', { id: 174, name: 'Paystack-Titan', slug: 'titan-paystack' }],
  ['test-bank', { id: 2, name: 'Test Bank', slug: 'test-bank' }],
]);

/**
 * NGN transfer fee bands (rails-notes A4, exact bands unverified): ₦10 up to ₦5,000, ₦25 up to
 * ₦50,000, ₦50 above. Amounts and fees in kobo.
 */
export function transferFeeKobo(amountKobo: bigint): bigint {
  if (amountKobo <= 500_000n) return 1_000n;
  if (amountKobo <= 5_000_000n) return 2_500n;
  return 5_000n;
}

/**
 * Local card fee: 1.5 % plus ₦100 (the ₦100 waived under ₦2,500), capped at ₦2,000. The percentage
 * rounds up to the next kobo (ceil), as a processor keeps the fraction.
 */
export function cardFeeKobo(amountKobo: bigint): bigint {
  const percent = (amountKobo * 15n + 999n) / 1_000n;
  const flat = amountKobo < 250_000n ? 0n : 10_000n;
  const fee = percent + flat;
  return fee > 200_000n ? 200_000n : fee;
}

/** Dedicated-account deposits: 1 % capped at ₦300 (rails-notes A3), rounded up to the kobo. */
export function dedicatedAccountFeeKobo(amountKobo: bigint): bigint {
  const fee = (amountKobo + 99n) / 100n;
  return fee > 30_000n ? 30_000n : fee;
}
