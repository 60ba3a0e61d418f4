/**
 * PHONE_NUMBER recognition. libphonenumber-js (full "max" metadata, so validity means a real number
 * range, not just a plausible length) decides; our own regex only finds cheap candidate runs of digits
 * and separators so that the expensive parser runs on a few short windows, never on whole messages.
 */
import { type CountryCode, findNumbers } from 'libphonenumber-js/max';

// A run of at least 7 digits with at most 3 separator characters between digits.
const CANDIDATE = /\+?\(?\d(?:[ \u00a0().\-/]{0,3}\d){6,20}/g;
const DATE = /(?:^|\D)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{1,2}\/\d{1,2}\/\d{2})(?:\D|$)/;
const PHONE_CONTEXT =
  /\b(?:call|phone|tel|mobile|cell|ring|text|sms|whatsapp|signal|fax|reach|contact|dial|my number)\b\W{0,12}(?:[a-z]+\W{1,3}){0,3}$/i;
const ID_CONTEXT =
  /\b(?:order|orders|invoice|inv|ticket|case|ref|reference|tracking|account|acct|id|po|build|job|run|pr|issue|sku|serial|batch)\W{0,3}$/i;

export interface PhoneFinderOptions {
  readonly defaultRegion: CountryCode;
  readonly extraRegions: readonly CountryCode[];
}

function isWordUnit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Finds phone numbers; create once per detector. */
export class PhoneFinder {
  private readonly defaultRegion: CountryCode;
  private readonly extraRegions: readonly CountryCode[];

  constructor(options: PhoneFinderOptions) {
    this.defaultRegion = options.defaultRegion;
    this.extraRegions = options.extraRegions.filter((r) => r !== options.defaultRegion);
  }

  /** Calls `emit(start, end)` for every accepted number in `text`. */
  find(text: string, emit: (start: number, end: number) => void): void {
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const base = m.index;
      const window = m[0];
      let found = false;
      for (const n of findNumbers(window, { defaultCountry: this.defaultRegion, v2: true })) {
        if (this.accept(text, base + n.startsAt, base + n.endsAt, false)) {
          emit(base + n.startsAt, base + n.endsAt);
          found = true;
        }
      }
      if (found || this.extraRegions.length === 0) continue;
      // National formats of other regions: only when written with a trunk prefix "0" or "(area)".
      for (const region of this.extraRegions) {
        let hit = false;
        for (const n of findNumbers(window, { defaultCountry: region, v2: true })) {
          if (this.accept(text, base + n.startsAt, base + n.endsAt, true)) {
            emit(base + n.startsAt, base + n.endsAt);
            hit = true;
          }
        }
        if (hit) break;
      }
    }
  }

  private accept(text: string, start: number, end: number, national: boolean): boolean {
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    const after = end < text.length ? text.charCodeAt(end) : 32;
    // Glued to a word, an id (JIRA-…, #…), a decimal or a longer dotted/dashed number: not a phone.
    if (isWordUnit(before) || before === 35 || before === 47) return false;
    if (
      (before === 44 || before === 45 || before === 46 || before === 58) &&
      start >= 2 &&
      isWordUnit(text.charCodeAt(start - 2))
    )
      return false;
    if (isWordUnit(after)) return false;
    if (
      (after === 45 || after === 46 || after === 47) &&
      end + 1 < text.length &&
      isWordUnit(text.charCodeAt(end + 1))
    ) {
      return false;
    }
    const value = text.slice(start, end);
    if (value.includes(')') && !value.includes('(')) return false;
    if (DATE.test(value)) return false;
    const first = value.charCodeAt(0);
    if (national && first !== 48 && first !== 40) return false;
    if (first !== 43 && /^\d+$/.test(value)) {
      // A bare digit run is an order number or a count unless the words before say "phone".
      const before = text.slice(Math.max(0, start - 40), start);
      return PHONE_CONTEXT.test(before) && !ID_CONTEXT.test(before);
    }
    return true;
  }
}
