/**
 * Phone number validity with libphonenumber-js's own "max" metadata and its own rule (a number is valid
 * when its national significant number matches the region's general pattern and the pattern of at least
 * one number type, with the type's possible lengths), but with every pattern compiled once. The library
 * builds a `new RegExp` per pattern per call, which made validation the single largest cost of detection.
 * Shared calling codes (+1, +44, +7, …) pick the region the way the library's parser does: by leading
 * digits, else by the first region whose types match. A test checks agreement with `isValidPhoneNumber`
 * on many random numbers, so a library upgrade that changes the rules cannot slip by.
 */
import { isValidPhoneNumber, Metadata } from 'libphonenumber-js/max';

// The parts of libphonenumber-js's Metadata class we use; they exist at run time but not in its typings.
interface TypeDefinition {
  pattern(): string | undefined;
  possibleLengths(): number[] | undefined;
}
interface MetadataInternals {
  hasCallingCode(code: string): boolean;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): void;
  nationalNumberPattern(): string;
  leadingDigits(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  type(type: string): TypeDefinition | undefined;
}

const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;

interface CompiledPlan {
  readonly general: RegExp;
  readonly leadingDigits: RegExp | undefined;
  readonly nationalPrefix: RegExp | undefined;
  readonly types: readonly { readonly re: RegExp; readonly lengths: readonly number[] | undefined }[];
}

/** Compiled validity rules, filled lazily per region; one per detector (no process-wide state). */
export class PhoneValidity {
  private readonly metadata = new Metadata() as unknown as MetadataInternals;
  private readonly plans = new Map<string, CompiledPlan>();

  private plan(country: string): CompiledPlan {
    let plan = this.plans.get(country);
    if (plan === undefined) {
      const m = this.metadata;
      m.selectNumberingPlan(country);
      const types: { re: RegExp; lengths: readonly number[] | undefined }[] = [];
      for (const t of TYPES) {
        const def = m.type(t);
        const pattern = def?.pattern();
        if (def === undefined || !pattern) continue;
        types.push({ re: new RegExp(`^(?:${pattern})$`), lengths: def.possibleLengths() });
      }
      const leading = m.leadingDigits();
      const prefix = m.nationalPrefixForParsing();
      plan = {
        general: new RegExp(`^(?:${m.nationalNumberPattern()})$`),
        leadingDigits: leading ? new RegExp(`^(?:${leading})`) : undefined,
        nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined,
        types,
      };
      this.plans.set(country, plan);
    }
    return plan;
  }

  private typed(country: string, nsn: string): boolean {
    const plan = this.plan(country);
    if (!plan.general.test(nsn)) return false;
    for (const t of plan.types) {
      if (t.lengths !== undefined && !t.lengths.includes(nsn.length)) continue;
      if (t.re.test(nsn)) return true;
    }
    return false;
  }

  /** True when `e164` ("+" and digits) is a valid number of some region. */
  isValid(e164: string): boolean {
    if (e164.length < 4 || e164.charCodeAt(0) !== 43) return false;
    for (let len = 1; len <= 3; len++) {
      const code = e164.slice(1, 1 + len);
      if (!this.metadata.hasCallingCode(code)) continue;
      const nsn = e164.slice(1 + len);
      const countries = this.metadata.getCountryCodesForCallingCode(code);
      if (countries === undefined || countries.length === 0 || nsn.length < 2) return false; // non-geographic
      // A trunk prefix written after the calling code ("+44 (0)20…", "+7 8…") is stripped by the parser
      // under per-region rules; those rare inputs take the library's own (slower) path.
      if (this.plan(countries[0]!).nationalPrefix?.test(nsn)) return isValidPhoneNumber(e164);
      if (this.typed(countries[0]!, nsn)) return true;
      if (countries.length === 1) return false;
      // The region the parser would pick, then its rules.
      for (const country of countries) {
        const plan = this.plan(country);
        if (plan.leadingDigits !== undefined) {
          if (plan.leadingDigits.test(nsn)) return this.typed(country, nsn);
        } else if (this.typed(country, nsn)) {
          return true;
        }
      }
      return false;
    }
    return false;
  }
}
