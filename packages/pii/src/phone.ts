/**
 * PHONE_NUMBER recognition. libphonenumber-js with its full "max" metadata decides validity (a real
 * number range of a real region, not just a plausible length). Our regex only finds cheap candidate runs
 * of digits and separators, cheap rules reject dates, decimals, ids and bare counts, and a candidate is
 * turned into E.164 (calling code + national number without trunk prefix) and validated with
 * `PhoneNumber.isValid()`: the same check `parsePhoneNumber` ends in, without its text-extraction pass,
 * which costs three times the validation itself. Runs long enough to hold two numbers go to `findNumbers`.
 */
import {
  type CountryCode,
  findNumbers,
  getCountries,
  getCountryCallingCode,
  isValidPhoneNumber,
  Metadata,
  PhoneNumber,
} from 'libphonenumber-js/max';

// A run of at least 7 digits with at most 3 separator characters between digits.
const CANDIDATE = /\+?\(?\d(?:[ \u00a0().\-/]{0,3}\d){6,20}/g;
const DATE = /(?:^|\D)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{1,2}\/\d{1,2}\/\d{2})(?:\D|$)/;
const DATE_ONLY = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;
const BARE = /^\d+$/;
const NOT_PHONE = /\b(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\/\d{1,2}\/\d{2,4}|\d{9,10}\.\d{6})\b/;
const NOT_PHONE_ALL = new RegExp(NOT_PHONE.source, 'g');
// Slack timestamps (1700000000.000100) and other decimals.
const DECIMAL = /^\d+\.\d+$/;
const PHONE_CONTEXT =
  /\b(?:call|phone|tel|mobile|cell|ring|text|sms|whatsapp|signal|fax|reach|contact|dial|my number)\b\W{0,12}(?:[a-z]+\W{1,3}){0,3}$/i;
const ID_CONTEXT =
  /\b(?:order|orders|invoice|inv|ticket|case|ref|reference|tracking|account|acct|id|po|build|job|run|pr|issue|sku|serial|batch)\W{0,3}$/i;

export interface PhoneFinderOptions {
  readonly defaultRegion: CountryCode;
  readonly extraRegions: readonly CountryCode[];
}

interface NumberingPlan {
  readonly callingCode: string;
  readonly nationalPrefix: string;
}

function digitsOf(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

// Calling codes shared by several regions (+1 NANPA, +44 with the Channel Islands, +7, +61, …).
const SHARED_CALLING_CODES: ReadonlySet<string> = (() => {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const c of getCountries()) {
    const code = getCountryCallingCode(c);
    if (seen.has(code)) shared.add(code);
    seen.add(code);
  }
  return shared;
})();

function validE164(e164: string): boolean {
  if (e164.length < 8 || e164.length > 16) return false;
  let p: PhoneNumber;
  try {
    p = new PhoneNumber(e164 as `+${string}`);
  } catch {
    return false; // unknown calling code
  }
  if (p.isValid()) return true;
  // Without a region, validation uses the calling code's main region (US for +1); a Canadian or
  // Jersey number needs the full parser, which finds the region from the number itself.
  return SHARED_CALLING_CODES.has(p.countryCallingCode) && isValidPhoneNumber(e164);
}

/** The trunk prefix of a region ("0" in most of Europe, "1" in NANPA); not in the public typings. */
function nationalPrefixOf(metadata: Metadata): string {
  const plan: unknown = metadata.numberingPlan;
  if (
    typeof plan === 'object' &&
    plan !== null &&
    'nationalPrefix' in plan &&
    typeof plan.nationalPrefix === 'function'
  ) {
    const prefix: unknown = plan.nationalPrefix();
    return typeof prefix === 'string' ? prefix : '';
  }
  return '0';
}

function isWordUnit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Finds phone numbers; create once per detector. */
export class PhoneFinder {
  private readonly defaultRegion: CountryCode;
  private readonly extraRegions: readonly CountryCode[];
  private readonly regions: readonly CountryCode[];
  private readonly plans = new Map<CountryCode, NumberingPlan>();
  private readonly regionByShape = new Map<string, CountryCode>();

  constructor(options: PhoneFinderOptions) {
    this.defaultRegion = options.defaultRegion;
    this.extraRegions = options.extraRegions.filter((r) => r !== options.defaultRegion);
    this.regions = [options.defaultRegion, ...this.extraRegions];
    const metadata = new Metadata();
    for (const region of this.regions) {
      metadata.selectNumberingPlan(region);
      this.plans.set(region, {
        callingCode: getCountryCallingCode(region),
        nationalPrefix: nationalPrefixOf(metadata),
      });
    }
  }

  /**
   * Calls `emit(start, end)` for every accepted number in `text`. `covered(start, end)` tells whether a
   * stronger entity (card, IBAN, SSN, IP, URL, secret) already spans the range, so validation is skipped.
   */
  find(
    text: string,
    covered: (start: number, end: number) => boolean,
    emit: (start: number, end: number) => void,
  ): void {
    // Dates and Slack timestamps are never phones; blank them so they do not glue onto a neighbour.
    if (NOT_PHONE.test(text)) text = text.replace(NOT_PHONE_ALL, (x) => ' '.repeat(x.length));
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const base = m.index;
      const window = m[0];
      const end = base + window.length;
      if (!this.worthParsing(text, base, end, covered)) continue;
      const digits = digitsOf(window);
      if (digits.length <= 15) {
        const first = window.charCodeAt(0);
        let valid: boolean;
        if (first === 43 || (digits.charCodeAt(0) === 48 && digits.charCodeAt(1) === 48)) {
          valid = validE164('+' + (first === 43 ? digits : digits.slice(2))); // "+…" or "00…"
        } else if (first === 48 || first === 40) {
          // "0…" and "(…" may be national formats of any configured region, default first.
          valid = this.validInSomeRegion(digits);
        } else {
          valid = this.validNational(digits, this.defaultRegion);
        }
        if (valid && this.accept(text, base, end, false)) {
          emit(base, end);
          continue;
        }
        if (digits.length < 11) continue;
      }
      // Long runs may hold two numbers or a number plus noise: let findNumbers segment them.
      this.findIn(text, base, window, emit);
    }
  }

  private validNational(digits: string, region: CountryCode): boolean {
    const plan = this.plans.get(region)!;
    const national =
      plan.nationalPrefix !== '' && digits.startsWith(plan.nationalPrefix)
        ? digits.slice(plan.nationalPrefix.length)
        : digits;
    return validE164('+' + plan.callingCode + national);
  }

  /**
   * True when `digits` is a valid national number in one of the configured regions. Which region
   * validates does not change the span, so regions are tried in the order that last worked for the same
   * shape (digit count and leading digits): a speed-up only, the output is the same whatever the order.
   */
  private validInSomeRegion(digits: string): boolean {
    const shape = `${digits.length}:${digits.slice(0, 3)}`;
    const hint = this.regionByShape.get(shape);
    if (hint !== undefined && this.validNational(digits, hint)) return true;
    for (const region of this.regions) {
      if (region === hint || !this.validNational(digits, region)) continue;
      if (this.regionByShape.size < 4096) this.regionByShape.set(shape, region);
      return true;
    }
    return false;
  }

  private findIn(text: string, base: number, window: string, emit: (start: number, end: number) => void): void {
    for (const n of findNumbers(window, { defaultCountry: this.defaultRegion, v2: true })) {
      if (this.accept(text, base + n.startsAt, base + n.endsAt, false)) emit(base + n.startsAt, base + n.endsAt);
    }
    const first = window.charCodeAt(0);
    if (first !== 48 && first !== 40) return;
    for (const region of this.extraRegions) {
      let hit = false;
      for (const n of findNumbers(window, { defaultCountry: region, v2: true })) {
        if (this.accept(text, base + n.startsAt, base + n.endsAt, true)) {
          emit(base + n.startsAt, base + n.endsAt);
          hit = true;
        }
      }
      if (hit) return;
    }
  }

  /** Cheap rejections before the (expensive) parser sees a candidate run. */
  private worthParsing(
    text: string,
    start: number,
    end: number,
    covered: (start: number, end: number) => boolean,
  ): boolean {
    if (covered(start, end)) return false;
    if (!this.startBoundary(text, start)) return false;
    const value = text.slice(start, end);
    if (DATE_ONLY.test(value) || DECIMAL.test(value)) return false;
    if (BARE.test(value)) return this.hasPhoneContext(text, start);
    return true;
  }

  private startBoundary(text: string, start: number): boolean {
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    // Glued to a word, an id (JIRA-…, #…) or a longer dotted/dashed/grouped number: not a phone.
    if (isWordUnit(before) || before === 35 || before === 47) return false;
    return !(
      (before === 44 || before === 45 || before === 46 || before === 58) &&
      start >= 2 &&
      isWordUnit(text.charCodeAt(start - 2))
    );
  }

  private hasPhoneContext(text: string, start: number): boolean {
    const before = text.slice(Math.max(0, start - 40), start);
    return PHONE_CONTEXT.test(before) && !ID_CONTEXT.test(before);
  }

  private accept(text: string, start: number, end: number, national: boolean): boolean {
    if (!this.startBoundary(text, start)) return false;
    const after = end < text.length ? text.charCodeAt(end) : 32;
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
    // A bare digit run is an order number or a count unless the words before say "phone".
    if (first !== 43 && BARE.test(value)) return this.hasPhoneContext(text, start);
    return true;
  }
}
