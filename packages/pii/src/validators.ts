/**
 * Checksum and structure validators. Regexes only find candidates; these functions decide, so that order
 * numbers, versions and random digit runs do not become PII. All take the candidate as written and ignore
 * separators themselves, and none allocate regexes per call.
 */

/** Luhn (mod 10) check over the digits of `value`, ignoring spaces and dashes. */
export function luhnValid(value: string): boolean {
  let sum = 0;
  let double = false;
  let digits = 0;
  for (let i = value.length - 1; i >= 0; i--) {
    const c = value.charCodeAt(i);
    if (c === 32 || c === 45) continue;
    if (c < 48 || c > 57) return false;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
    digits++;
  }
  return digits > 0 && sum % 10 === 0;
}

/**
 * Issuer prefix and length check for payment cards (Visa, Mastercard, Amex, Discover, JCB, Diners,
 * UnionPay, Maestro). Without it one random 16-digit number in ten would pass Luhn.
 */
export function cardIssuerValid(digits: string): boolean {
  const n = digits.length;
  if (n < 13 || n > 19) return false;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) {
    return n >= 16 && n <= 19; // Discover
  }
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 58) || p2 === 63 || p2 === 67) return n >= 12 && n <= 19; // Maestro
  return false;
}

/** IBAN length per country (ISO 13616 registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/**
 * ISO 13616 mod-97 check of a compact IBAN (no spaces, upper case): the first four characters move to the
 * end, letters become 10..35, and the resulting number must be 1 mod 97. Computed digit by digit so no
 * big integers are needed.
 */
export function ibanMod97Valid(compact: string): boolean {
  const n = compact.length;
  if (n < 15 || n > 34) return false;
  let rem = 0;
  for (let k = 0; k < n; k++) {
    const c = compact.charCodeAt((k + 4) % n);
    if (c >= 48 && c <= 57) {
      rem = (rem * 10 + (c - 48)) % 97;
    } else if (c >= 65 && c <= 90) {
      rem = (rem * 100 + (c - 55)) % 97;
    } else {
      return false;
    }
  }
  return rem === 1;
}

/** Country length plus mod 97 for a compact IBAN. */
export function ibanValid(compact: string): boolean {
  const len = IBAN_LENGTHS[compact.slice(0, 2)];
  return len !== undefined && compact.length === len && ibanMod97Valid(compact);
}

/**
 * US Social Security Number structure: area not 000, 666 or 900-999; group not 00; serial not 0000.
 * Also rejects the well-known advertising number 078-05-1120 and runs of one digit.
 */
export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (group === '00' || serial === '0000') return false;
  const all = area + group + serial;
  if (all === '078051120' || all === '123456789') return false;
  return !/^(\d)\1{8}$/.test(all);
}

/** Dotted-quad IPv4 with octets 0-255 and no leading zeros (leading zeros read as octal in some stacks). */
export function ipv4Valid(value: string): boolean {
  let parts = 0;
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i === value.length || value.charCodeAt(i) === 46) {
      const len = i - start;
      if (len < 1 || len > 3) return false;
      if (len > 1 && value.charCodeAt(start) === 48) return false;
      let octet = 0;
      for (let j = start; j < i; j++) {
        const c = value.charCodeAt(j);
        if (c < 48 || c > 57) return false;
        octet = octet * 10 + (c - 48);
      }
      if (octet > 255) return false;
      parts++;
      start = i + 1;
    }
  }
  return parts === 4;
}

function isHexGroup(group: string): boolean {
  if (group.length < 1 || group.length > 4) return false;
  for (let i = 0; i < group.length; i++) {
    const c = group.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * RFC 4291 text form of IPv6: eight groups of 1-4 hex digits, at most one `::`, optionally ending in a
 * dotted-quad IPv4. Zone ids (`%eth0`) are not part of the value.
 */
export function ipv6Valid(value: string): boolean {
  if (value.length < 2 || value.length > 45) return false;
  let v = value;
  let needed = 8;
  const lastColon = v.lastIndexOf(':');
  if (lastColon === -1) return false;
  const tail = v.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!ipv4Valid(tail)) return false;
    needed = 6;
    v = v.slice(0, lastColon + 1);
    if (!v.endsWith('::')) v = v.slice(0, -1);
  }
  const dbl = v.indexOf('::');
  if (dbl === -1) {
    const groups = v.split(':');
    return groups.length === needed && groups.every(isHexGroup);
  }
  if (v.indexOf('::', dbl + 1) !== -1) return false;
  const left = v.slice(0, dbl);
  const right = v.slice(dbl + 2);
  const l = left === '' ? [] : left.split(':');
  const r = right === '' ? [] : right.split(':');
  return l.every(isHexGroup) && r.every(isHexGroup) && l.length + r.length < needed;
}
