/**
 * Case and accent folding of single UTF-16 code units, so that names match case-insensitively and with
 * or without diacritics ("José" = "jose") while every folded unit still maps back to exactly one original
 * index. Folding per unit (never whole strings) is what keeps offsets in UTF-16 code units.
 */

/** Folded value meaning "drop this unit" (combining marks, so decomposed accents fold like composed ones). */
export const SKIP = 0xffff;

// Lazily filled: 0 means "not computed yet" (U+0000 folds to itself and is never looked up here).
const table = new Uint16Array(65536);

function compute(c: number): number {
  if (c >= 0x0300 && c <= 0x036f) return SKIP;
  if (c >= 0xd800 && c <= 0xdfff) return c; // surrogate halves pass through unchanged
  const ch = String.fromCharCode(c);
  if (/\s/u.test(ch)) return 32;
  if (c === 0x2019 || c === 0x2018 || c === 0x02bc) return 39; // typographic apostrophes
  const lower = ch.toLowerCase().normalize('NFD');
  const base = lower.charCodeAt(0);
  return base === 0 ? c : base;
}

/** Folds one code unit: lower case, accents stripped, any white space to U+0020, marks to {@link SKIP}. */
export function foldUnit(c: number): number {
  if (c < 128) {
    if (c >= 65 && c <= 90) return c | 0x20;
    if (c === 9 || c === 10 || c === 13) return 32;
    return c;
  }
  let f = table[c]!;
  if (f === 0) {
    f = compute(c);
    table[c] = f;
  }
  return f;
}

/** Folds a whole string the way the matcher folds text, collapsing runs of white space. */
export function foldString(value: string): string {
  let out = '';
  let lastSpace = true;
  for (let i = 0; i < value.length; i++) {
    const f = foldUnit(value.charCodeAt(i));
    if (f === SKIP) continue;
    if (f === 32) {
      if (!lastSpace) out += ' ';
      lastSpace = true;
      continue;
    }
    lastSpace = false;
    out += String.fromCharCode(f);
  }
  return out.endsWith(' ') ? out.slice(0, -1) : out;
}

const WORD = /[\p{L}\p{N}\p{M}_]/u;

/** True for letters of scripts written without spaces between words (Han, Kana, Hangul). */
export function isCjk(cp: number): boolean {
  return (
    (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xf900 && cp <= 0xfaff) || cp >= 0x20000
  );
}

/** Code point ending just before index `i` (handles surrogate pairs), or -1 at the start. */
export function codePointBefore(text: string, i: number): number {
  if (i <= 0) return -1;
  const lo = text.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = text.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return ((hi - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
  }
  return lo;
}

/** Code point starting at index `i`, or -1 at the end. */
export function codePointAtIndex(text: string, i: number): number {
  return i >= text.length ? -1 : text.codePointAt(i)!;
}

// Word-ness of BMP units, filled lazily: 0 unknown, 1 word, 2 not a word.
const wordTable = new Uint8Array(65536);
const astralWords = new Map<number, boolean>();

/** True when the code point is part of a word (letter, digit, mark, underscore). */
export function isWordCodePoint(cp: number): boolean {
  if (cp < 0) return false;
  if (cp < 128) {
    return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;
  }
  if (cp < 65536) {
    let w = wordTable[cp]!;
    if (w === 0) {
      w = WORD.test(String.fromCharCode(cp)) ? 1 : 2;
      wordTable[cp] = w;
    }
    return w === 1;
  }
  let w = astralWords.get(cp);
  if (w === undefined) {
    w = WORD.test(String.fromCodePoint(cp));
    if (astralWords.size < 4096) astralWords.set(cp, w);
  }
  return w;
}
