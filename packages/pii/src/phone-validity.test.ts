import { isValidPhoneNumber } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { PhoneValidity } from './phone-validity.js';

describe('PhoneValidity', () => {
  it('agrees with libphonenumber-js isValidPhoneNumber on random numbers of many calling codes', () => {
    const validity = new PhoneValidity();
    let seed = 42;
    const digit = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * 10);
    };
    const codes = [
      '1',
      '44',
      '49',
      '33',
      '55',
      '81',
      '91',
      '61',
      '31',
      '34',
      '39',
      '52',
      '65',
      '27',
      '46',
      '7',
      '47',
      '358',
    ];
    let agreed = 0;
    let valid = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < 6000; i++) {
      const code = codes[i % codes.length]!;
      const length = 8 + (i % 5);
      let e164 = `+${code}`;
      for (let k = 0; k < length; k++) e164 += String(digit());
      const ours = validity.isValid(e164);
      const theirs = isValidPhoneNumber(e164);
      if (ours === theirs) agreed++;
      else disagreements.push(e164);
      if (theirs) valid++;
    }
    expect(valid).toBeGreaterThan(500); // the sample exercises valid numbers too
    expect(disagreements).toEqual([]);
    expect(agreed).toBe(6000);
  });

  it('accepts known-valid numbers and rejects malformed input', () => {
    const validity = new PhoneValidity();
    expect(validity.isValid('+14155552671')).toBe(true);
    expect(validity.isValid('+15062345678')).toBe(true); // Canada, shares +1
    expect(validity.isValid('+447400123456')).toBe(true);
    expect(validity.isValid('+15555552671')).toBe(false);
    expect(validity.isValid('+999123456')).toBe(false);
    expect(validity.isValid('14155552671')).toBe(false);
  });
});
