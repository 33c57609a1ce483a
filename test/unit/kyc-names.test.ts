import { describe, expect, it } from 'vitest';
import { matchNames, nameTokens } from '../../src/domain/kyc/index.js';

describe('nameTokens', () => {
  it('folds case, accents, punctuation and titles', () => {
    expect(nameTokens("Chief Adéọlá  O'Neil-Bakare")).toEqual(['adeola', 'oneil', 'bakare']);
    expect(nameTokens('MR. IBRAHIM, MUSA')).toEqual(['ibrahim', 'musa']);
  });
});

describe('matchNames', () => {
  it.each([
    ['exact, any case', 'Adaeze Okafor', 'ADAEZE OKAFOR'],
    ['order-insensitive', 'Tunde Bakare', 'BAKARE TUNDE'],
    ['bank adds a middle name', 'Adaeze Okafor', 'ADAEZE CHIOMA OKAFOR'],
    ['customer adds a middle name', 'Adaeze Chioma Okafor', 'ADAEZE OKAFOR'],
    ['bank writes an initial', 'Adaeze Okafor', 'A. OKAFOR'],
    ['initials for first and middle', 'Adaeze Chioma Okafor', 'OKAFOR A C'],
    ['accents on the KYC side', 'Adéọlá Ọkàfọ̀r', 'ADEOLA OKAFOR'],
    ['titles and punctuation', 'Dr. Ibrahim Musa-Bello', 'IBRAHIM MUSA BELLO'],
  ])('matches: %s', (_case, kyc, bank) => {
    const result = matchNames(kyc, bank);
    expect(result.matched).toBe(true);
    expect(result.score).toBeGreaterThanOrEqual(0.75);
  });

  it.each([
    ['a different person', 'Adaeze Okafor', 'NGOZI EZE'],
    ['a sibling (same surname)', 'Adaeze Okafor', 'CHIOMA OKAFOR'],
    ['surname alone', 'Adaeze Okafor', 'OKAFOR'],
    ['initials only', 'Adaeze Okafor', 'A O'],
    ['wrong initial', 'Adaeze Okafor', 'C. OKAFOR'],
    ['empty bank name', 'Adaeze Okafor', ''],
  ])('refuses: %s', (_case, kyc, bank) => {
    expect(matchNames(kyc, bank).matched).toBe(false);
  });

  it('scores between 0 and 1 with three decimals', () => {
    expect(matchNames('Adaeze Okafor', 'A OKAFOR').score).toBe(0.813);
    expect(matchNames('Adaeze Okafor', 'NGOZI EZE').score).toBe(0);
    expect(matchNames('Adaeze Okafor', 'ADAEZE OKAFOR').score).toBe(1);
  });
});
