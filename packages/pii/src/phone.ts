/**
 * PHONE_NUMBER recognition. Validity is libphonenumber-js's, with its full "max" metadata (a real number
 * range of a real region, not just a plausible length). Our regex only finds cheap candidate runs of
 * digits and separators; cheap rules reject dates, decimals, ids and bare counts; a candidate is then
 * turned into E.164 (calling code + national number without trunk prefix) and checked by
 * {@link PhoneValidity}, libphonenumber's rule with precompiled patterns. Runs long enough to hold two
 * numbers are segmented at group boundaries, longest valid span first.
 */
import { type CountryCode, getCountryCallingCode, Metadata } from 'libphonenumber-js/max';
import { PhoneValidity } from './phone-validity.js';

// A run of at least 7 digits with at most 3 separator characters between digits.
const CANDIDATE = /\+?\(?\d(?:[ \u00a0().\-/]{0,3}\d){6,}/g;
const DATE = /(?:^|\D)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{1,2}\/\d{1,2}\/\d{2})(?:\D|$)/;
const DATE_ONLY = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;
const BARE = /^\d+$/;
// AAA-GG-SSSS is how SSNs are written, not phones (even an invalid SSN such as 078-05-1120).
const SSN_LAYOUT = /^\d{3}-\d{2}-\d{4}$/;
const NOT_PHONE = /\b(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\/\d{1,2}\/\d{2,4}|\d{9,10}\.\d{6})\b/;
const NOT_PHONE_ALL = new RegExp(NOT_PHONE.source, 'g');
const SEPARATED = /[-/.]/;
// One digit group of a run, with a '+' or '(' right before it and a ')' right after it.
const GROUP = /(\+?\(?)(\d+)\)?/g;
const GROUPS = /\d+/g;
const groupLength = (g: string): string => String(g.length);
const LONG_FIRST_GROUP = /^\d{8,}\D/;
// Versions and addresses: three or more dots between digits.
const DOTTED = /^\d+\.\d+\.\d+\.\d/;
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
  /** Lengths a national significant number can have in this region: a free pre-check. */
  readonly lengths: ReadonlySet<number>;
}

function digitsOf(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
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
  private readonly validity = new PhoneValidity();

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
        lengths: new Set(metadata.numberingPlan?.possibleLengths() ?? []),
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
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      const window = m[0];
      if (SEPARATED.test(window) && NOT_PHONE.test(window)) {
        // Dates and Slack timestamps are never phones; blank them so they do not glue onto a neighbour
        // ("ts 1700000000.000100 415-555-2671"), then look at what is left of the run.
        const rest = window.replace(NOT_PHONE_ALL, (x) => ' '.repeat(x.length));
        for (const sub of rest.matchAll(CANDIDATE)) this.consider(text, m.index + sub.index, sub[0], covered, emit);
        continue;
      }
      this.consider(text, m.index, window, covered, emit);
    }
  }

  private consider(
    text: string,
    base: number,
    window: string,
    covered: (start: number, end: number) => boolean,
    emit: (start: number, end: number) => void,
  ): void {
    const end = base + window.length;
    if (!this.worthParsing(text, base, end, covered)) return;
    const digits = digitsOf(window);
    if (digits.length <= 15) {
      if (this.validWindow(window, digits)) {
        if (this.accept(text, base, end, false)) emit(base, end);
        return;
      }
      if (digits.length < 11) return;
    }
    this.segment(text, base, window, emit);
  }

  /** Validity of one candidate written as `window` (with `digits` its digits). */
  private validWindow(window: string, digits: string): boolean {
    const first = window.charCodeAt(0);
    if (first === 43 || (digits.charCodeAt(0) === 48 && digits.charCodeAt(1) === 48)) {
      return this.validE164('+' + (first === 43 ? digits : digits.slice(2))); // "+…" or "00…"
    }
    if (first === 48 || first === 40) {
      // "0…" and "(…" may be national formats of any configured region, default first.
      return this.validInSomeRegion(window, digits);
    }
    return this.validNational(digits, this.defaultRegion);
  }

  /**
   * A run too long for one number ("415-555-2671 650-555-1234", or a number glued to other digits):
   * from each digit group, try the longest span of whole groups that fits in 15 digits, then shorter
   * ones: at most seven tries per group, so linear in the run's length.
   */
  private segment(text: string, base: number, window: string, emit: (start: number, end: number) => void): void {
    const starts: number[] = [];
    const ends: number[] = [];
    const lengths: number[] = [];
    GROUP.lastIndex = 0;
    for (let g = GROUP.exec(window); g !== null; g = GROUP.exec(window)) {
      starts.push(g.index);
      ends.push(g.index + g[0].length);
      lengths.push(g[2]!.length);
    }
    let i = 0;
    while (i < starts.length) {
      let j = i;
      let count = 0;
      while (j < starts.length && count + lengths[j]! <= 15) count += lengths[j++]!;
      let next = i + 1;
      for (let k = j; k > i; k--) {
        if (count < 7) break;
        // Spans of mostly one-digit groups ("1-2-3-4-5-6-7") are not how anyone writes a number.
        let singles = 0;
        for (let g = i; g < k; g++) if (lengths[g] === 1) singles++;
        if (singles <= 2) {
          const s = base + starts[i]!;
          const e = base + ends[k - 1]!;
          const sub = text.slice(s, e);
          if (this.validWindow(sub, digitsOf(sub)) && this.accept(text, s, e, false)) {
            emit(s, e);
            next = k;
            break;
          }
        }
        count -= lengths[k - 1]!;
      }
      i = next;
    }
  }

  private validE164(e164: string): boolean {
    return e164.length >= 8 && e164.length <= 16 && this.validity.isValid(e164);
  }

  private validNational(digits: string, region: CountryCode): boolean {
    const plan = this.plans.get(region)!;
    const national =
      plan.nationalPrefix !== '' && digits.startsWith(plan.nationalPrefix)
        ? digits.slice(plan.nationalPrefix.length)
        : digits;
    if (plan.lengths.size > 0 && !plan.lengths.has(national.length)) return false;
    return this.validE164('+' + plan.callingCode + national);
  }

  /**
   * True when `digits` is a valid national number in one of the configured regions. Which region
   * validates does not change the span, so regions are tried in the order that last worked for the same
   * shape (grouping and leading digits): a speed-up only, the output is the same whatever the order.
   */
  private validInSomeRegion(window: string, digits: string): boolean {
    // Group lengths plus leading digits: "06 12 34 56 78" (FR) and "06 12345678" (NL) differ.
    const shape = `${window.replace(GROUPS, groupLength)}:${digits.slice(0, 3)}`;
    const hint = this.regionByShape.get(shape);
    if (hint !== undefined && this.validNational(digits, hint)) return true;
    for (const region of this.regions) {
      if (region === hint || !this.validNational(digits, region)) continue;
      if (this.regionByShape.size < 4096) this.regionByShape.set(shape, region);
      return true;
    }
    return false;
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
    if (DATE_ONLY.test(value) || DECIMAL.test(value) || DOTTED.test(value)) return false;
    // A bare digit run, or one that opens with 8+ digits ("4155552671 9"), is an order number or a
    // count unless the words before say "phone".
    if (BARE.test(value) || LONG_FIRST_GROUP.test(value)) return this.hasPhoneContext(text, start);
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
    if (DATE.test(value) || SSN_LAYOUT.test(value)) return false;
    const first = value.charCodeAt(0);
    if (national && first !== 48 && first !== 40) return false;
    // A bare digit run is an order number or a count unless the words before say "phone".
    if (first !== 43 && BARE.test(value)) return this.hasPhoneContext(text, start);
    return true;
  }
}
