/**
 * Format checks of Nigerian identity numbers. A format check proves nothing about the person: it
 * only refuses what can never be valid, so typos are caught at the edge with a clear message.
 * - BVN (Bank Verification Number): 11 digits, issued by NIBSS; all of them start with 22.
 * - NIN (National Identification Number): 11 digits, issued by NIMC; never starts with 0.
 * - Passport: one letter and eight digits (A12345678).
 */
export const ID_TYPES = ['bvn', 'nin', 'passport', 'drivers_license', 'voters_card'] as const;
export type IdType = (typeof ID_TYPES)[number];

/** Identity numbers that can be matched against a national register: what tier 1 needs. */
export const REGISTERED_ID_TYPES: readonly IdType[] = ['bvn', 'nin'];

export function isIdType(value: string): value is IdType {
  return (ID_TYPES as readonly string[]).includes(value);
}

export function isBvn(value: string): boolean {
  return /^22\d{9}$/.test(value);
}

export function isNin(value: string): boolean {
  return /^[1-9]\d{10}$/.test(value);
}

/** Null when `value` can be an identity number of `idType`, else what is wrong with it. */
export function idNumberProblem(idType: IdType, value: string): string | null {
  switch (idType) {
    case 'bvn':
      return isBvn(value) ? null : 'must be an 11-digit BVN (it starts with 22)';
    case 'nin':
      return isNin(value) ? null : 'must be an 11-digit NIN';
    case 'passport':
      return /^[A-Z]\d{8}$/.test(value) ? null : 'must be a Nigerian passport number such as A12345678';
    case 'drivers_license':
    case 'voters_card':
      return /^[A-Z0-9]{8,20}$/.test(value) ? null : 'must be 8 to 20 letters or digits';
  }
}

/** NUBAN: the 10-digit account number every Nigerian bank uses. */
export function isNuban(value: string): boolean {
  return /^\d{10}$/.test(value);
}

/** CBN and Paystack bank codes: 3 to 6 digits (commercial banks 3, microfinance and fintechs more). */
export function isBankCode(value: string): boolean {
  return /^\d{3,6}$/.test(value);
}
