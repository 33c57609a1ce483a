/**
 * Does the name a bank holds for an account belong to the customer who gave us their KYC name?
 * Banks write names upper case, in any order, with middle names, initials or titles; people type
 * accents and apostrophes. Both sides are normalised (case, accents, punctuation, titles) and the
 * tokens matched order-insensitively: a full token match weighs 1, an initial against a name
 * INITIAL_WEIGHT (a little over half, so a full surname with every other name as an initial —
 * "OKAFOR A C" for Adaeze Chioma Okafor — still reaches the threshold).
 *
 * A match needs: a score (matched weight over the shorter name's token count) of at least
 * NAME_MATCH_SCORE_MIN, at least two matched tokens, and at least one of them a full name — so
 * "ADAEZE CHIOMA OKAFOR" matches "Adaeze Okafor", "A. OKAFOR" matches it too, but a sibling
 * ("CHIOMA OKAFOR") or a surname alone does not. When either side has a single token, only an
 * exact match counts.
 */
export const NAME_MATCH_SCORE_MIN = 0.75;
export const INITIAL_WEIGHT = 0.625;
const NAME_LENGTH_MAX = 300;
const TOKENS_MAX = 12;
const TITLES: ReadonlySet<string> = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'dr',
  'prof',
  'chief',
  'alhaji',
  'alhaja',
  'engr',
  'sir',
]);

export interface NameMatch {
  readonly matched: boolean;
  /** 0 to 1, rounded to three decimals. */
  readonly score: number;
}

export function nameTokens(name: string): string[] {
  const plain = name
    .slice(0, NAME_LENGTH_MAX)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    // O'Neil is "oneil", never "o neil"; other punctuation separates names.
    .replace(/['’`]/g, '')
    .replace(/[^a-z]+/g, ' ');
  return plain
    .split(' ')
    .filter((token) => token !== '' && !TITLES.has(token))
    .slice(0, TOKENS_MAX);
}

function isInitialOf(initial: string, name: string): boolean {
  return initial.length === 1 && name.length > 1 && name.startsWith(initial);
}

export function matchNames(kycName: string, bankName: string): NameMatch {
  const kyc = nameTokens(kycName);
  const bank = nameTokens(bankName);
  if (kyc.length === 0 || bank.length === 0) return { matched: false, score: 0 };
  if (kyc.length === 1 || bank.length === 1) {
    const same = kyc.join(' ') === bank.join(' ');
    return { matched: same, score: same ? 1 : 0 };
  }
  const unmatchedKyc = [...kyc];
  const unmatchedBank = [...bank];
  let full = 0;
  let initials = 0;
  // Full names first, so an initial never takes a token a full name would have matched.
  for (let i = unmatchedKyc.length - 1; i >= 0; i--) {
    const at = unmatchedBank.indexOf(unmatchedKyc[i] ?? '');
    if (at < 0) continue;
    unmatchedBank.splice(at, 1);
    unmatchedKyc.splice(i, 1);
    full += 1;
  }
  for (const token of unmatchedKyc) {
    const at = unmatchedBank.findIndex((b) => isInitialOf(b, token) || isInitialOf(token, b));
    if (at < 0) continue;
    unmatchedBank.splice(at, 1);
    initials += 1;
  }
  const score = Math.min(1, (full + initials * INITIAL_WEIGHT) / Math.min(kyc.length, bank.length));
  const rounded = Math.round(score * 1000) / 1000;
  return { matched: rounded >= NAME_MATCH_SCORE_MIN && full >= 1 && full + initials >= 2, score: rounded };
}
