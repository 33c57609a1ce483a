/**
 * Nigerian mobile numbers to E.164 (`+234` followed by ten digits). Wallets send them every way a
 * person writes them: `0803 123 4567`, `+234 803 123 4567`, `2348031234567`, `(0803) 123-4567`.
 * Only mobile prefixes are accepted: the first national digit is 7, 8 or 9 and the second 0 or 1
 * (070x, 080x, 081x, 090x, 091x), which covers every operator's ranges and refuses landlines.
 */
export type PhoneResult =
  { readonly ok: true; readonly e164: string } | { readonly ok: false; readonly error: string };

/** Longest raw input looked at: a formatted number with spaces and brackets is well under this. */
export const PHONE_INPUT_LENGTH_MAX = 32;
const NATIONAL_MOBILE = /^[789][01]\d{8}$/;
const EXAMPLE = 'a Nigerian mobile number such as 08031234567 or +2348031234567';

export function normaliseNigerianMobile(raw: string): PhoneResult {
  if (raw.length > PHONE_INPUT_LENGTH_MAX) return { ok: false, error: `must be ${EXAMPLE}` };
  // Separators people type; anything else (letters, a second +) is refused below.
  const compact = raw.trim().replace(/[\s().-]/g, '');
  let national: string;
  if (compact.startsWith('+234')) national = compact.slice(4);
  else if (compact.startsWith('00234')) national = compact.slice(5);
  else if (compact.startsWith('234') && compact.length === 13) national = compact.slice(3);
  else if (compact.startsWith('0') && compact.length === 11) national = compact.slice(1);
  else return { ok: false, error: `must be ${EXAMPLE}` };
  // "+234 0803…" is common: the trunk 0 does not belong after the country code.
  if (national.length === 11 && national.startsWith('0')) national = national.slice(1);
  if (!NATIONAL_MOBILE.test(national)) return { ok: false, error: `must be ${EXAMPLE}` };
  return { ok: true, e164: `+234${national}` };
}
