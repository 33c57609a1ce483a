import { describe, expect, it } from 'vitest';
import {
  ageInYears,
  checkTextField,
  idNumberProblem,
  isBvn,
  isNin,
  normaliseNigerianMobile,
  sniffDocumentType,
} from '../../src/domain/kyc/index.js';

describe('normaliseNigerianMobile', () => {
  it.each([
    ['08031234567', '+2348031234567'],
    ['0803 123 4567', '+2348031234567'],
    ['(0803) 123-4567', '+2348031234567'],
    ['+2348031234567', '+2348031234567'],
    ['+234 803 123 4567', '+2348031234567'],
    ['+234 0803 123 4567', '+2348031234567'],
    ['2348031234567', '+2348031234567'],
    ['002348031234567', '+2348031234567'],
    ['07012345678', '+2347012345678'],
    ['09112345678', '+2349112345678'],
    ['08112345678', '+2348112345678'],
  ])('normalises %s to %s', (raw, e164) => {
    expect(normaliseNigerianMobile(raw)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['', 'empty'],
    ['8031234567', 'no trunk 0 nor country code'],
    ['0803123456', 'one digit short'],
    ['080312345678', 'one digit long'],
    ['+2338031234567', 'another country'],
    ['01234567890', 'a Lagos landline'],
    ['08231234567', 'not a mobile range'],
    ['0803123456a', 'a letter'],
    ['+234+8031234567', 'two plus signs'],
    ['0'.repeat(40), 'absurdly long'],
  ])('refuses %s (%s)', (raw) => {
    const result = normaliseNigerianMobile(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('Nigerian mobile number');
  });
});

describe('BVN and NIN', () => {
  it('accepts an 11-digit BVN starting with 22 and nothing else', () => {
    expect(isBvn('22123456789')).toBe(true);
    expect(isBvn('2212345678')).toBe(false);
    expect(isBvn('221234567890')).toBe(false);
    expect(isBvn('12345678901')).toBe(false);
    expect(isBvn('22a23456789')).toBe(false);
  });

  it('accepts an 11-digit NIN not starting with 0', () => {
    expect(isNin('12345678901')).toBe(true);
    expect(isNin('02345678901')).toBe(false);
    expect(isNin('1234567890')).toBe(false);
  });

  it('checks id_number against its id_type', () => {
    expect(idNumberProblem('bvn', '22123456789')).toBeNull();
    expect(idNumberProblem('bvn', '12345678901')).toContain('BVN');
    expect(idNumberProblem('nin', '12345678901')).toBeNull();
    expect(idNumberProblem('passport', 'A12345678')).toBeNull();
    expect(idNumberProblem('passport', '12345678')).toContain('passport');
  });

  it('needs id_type before id_number, and strips spaces', () => {
    const today = '2026-01-01';
    expect(checkTextField('id_number', '22123456789', { idType: null, today }).ok).toBe(false);
    expect(checkTextField('id_number', '221 2345 6789', { idType: 'bvn', today })).toEqual({
      ok: true,
      value: '22123456789',
    });
  });
});

describe('other SEP-9 fields', () => {
  const context = { idType: null, today: '2026-06-15' };

  it('requires an adult birth date that exists', () => {
    expect(checkTextField('birth_date', '2008-06-15', context).ok).toBe(true);
    expect(checkTextField('birth_date', '2008-06-16', context)).toEqual({
      ok: false,
      error: 'customer must be at least 18 years old',
    });
    expect(checkTextField('birth_date', '2001-02-30', context)).toEqual({
      ok: false,
      error: 'is not a real date',
    });
    expect(checkTextField('birth_date', '15/06/1990', context).ok).toBe(false);
    expect(checkTextField('birth_date', '1850-01-01', context).ok).toBe(false);
    expect(ageInYears('2000-02-29', '2018-02-28')).toBe(17);
  });

  it('canonicalises states and refuses other places', () => {
    expect(checkTextField('state_or_province', 'lagos', context)).toEqual({ ok: true, value: 'Lagos' });
    expect(checkTextField('state_or_province', 'fct', context)).toEqual({ ok: true, value: 'FCT' });
    expect(checkTextField('state_or_province', 'California', context).ok).toBe(false);
  });

  it('checks NUBAN and bank codes', () => {
    expect(checkTextField('bank_account_number', '0123 456 789', context)).toEqual({
      ok: true,
      value: '0123456789',
    });
    expect(checkTextField('bank_account_number', '012345678', context).ok).toBe(false);
    expect(checkTextField('bank_number', '058', context).ok).toBe(true);
    expect(checkTextField('bank_number', '58', context).ok).toBe(false);
  });

  it('accepts names with accents and apostrophes, refuses digits and empties', () => {
    expect(checkTextField('first_name', 'Adéọlá', context).ok).toBe(true);
    expect(checkTextField('last_name', "O'Neil-Okafor", context).ok).toBe(true);
    expect(checkTextField('last_name', 'R2D2', context).ok).toBe(false);
    expect(checkTextField('first_name', '   ', context)).toEqual({ ok: false, error: 'must not be empty' });
  });

  it('recognises documents by their bytes, not their name', () => {
    expect(sniffDocumentType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffDocumentType(Buffer.from('\x89PNG\r\n\x1a\n....', 'latin1'))).toBe('image/png');
    expect(sniffDocumentType(Buffer.from('%PDF-1.7'))).toBe('application/pdf');
    expect(sniffDocumentType(Buffer.from('GIF89a'))).toBeNull();
    expect(sniffDocumentType(Buffer.from('<svg'))).toBeNull();
  });
});
