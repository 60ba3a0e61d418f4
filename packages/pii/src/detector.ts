/**
 * The detector: precompiled recognizers run over Slack text with its markup blanked, each guarded by a
 * cheap substring pre-check, validated candidates collected, and overlaps resolved by score then length.
 * Build one detector per pipeline (it holds the compiled name trie and phone patterns) and call `detect`
 * per message.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { type DetectedEntity, ENTITY_TYPES, type EntityType } from './entities.js';
import { blankMrkdwn } from './mrkdwn.js';
import { NameMatcher, type PersonDirectory } from './name-matcher.js';
import { PhoneFinder } from './phone.js';
import {
  cardIssuerValid,
  IBAN_LENGTHS,
  ibanMod97Valid,
  ipv4Valid,
  ipv6Valid,
  luhnValid,
  ssnValid,
} from './validators.js';

/** Options for {@link createDetector}. */
export interface DetectorOptions {
  /** Entity types to report (default: all of {@link ENTITY_TYPES}). */
  readonly entities?: readonly EntityType[];
  /** Workspace members' full and display names, matched as PERSON. Without it PERSON finds nothing. */
  readonly directory?: PersonDirectory;
  /** Also match single parts of multi-word directory names ("Maria" of "Maria Gonzalez"). Default false. */
  readonly matchNameParts?: boolean;
  /** Region for phone numbers written without a country code (default 'US'). */
  readonly defaultRegion?: CountryCode;
  /**
   * Further regions whose national formats are accepted when written with a trunk prefix or a
   * parenthesised area code ("020 7946 0958" for GB, "(11) 91234-5678" for BR). Default none.
   */
  readonly phoneRegions?: readonly CountryCode[];
  /** Drop entities scoring below this (default 0). */
  readonly minScore?: number;
}

/** A compiled detector. `detect` is synchronous and deterministic; one detector can serve many pipelines. */
export interface Detector {
  detect(text: string): DetectedEntity[];
}

const SCORE = {
  SECRET: 1,
  CREDIT_CARD: 1,
  IBAN_CODE: 1,
  EMAIL_ADDRESS: 0.95,
  URL: 0.95,
  IP_ADDRESS: 0.95,
  US_SSN: 0.85,
  US_SSN_SPACED: 0.6,
  PERSON: 0.85,
  PHONE_NUMBER: 0.75,
} as const;

interface SecretPattern {
  /** Substrings one of which every match contains: the regex runs only when one is present. */
  readonly needles: readonly string[];
  readonly re: RegExp;
}

// Token formats published by each vendor.
const SECRET_PATTERNS: readonly SecretPattern[] = [
  { needles: ['xox'], re: /\bxox[abposr]-\d+-[0-9A-Za-z-]{8,250}/g },
  { needles: ['xapp-'], re: /\bxapp-\d+-[0-9A-Za-z-]{8,250}/g },
  { needles: ['AKIA'], re: /\bAKIA[0-9A-Z]{16}\b/g },
  { needles: ['ASIA'], re: /\bASIA[0-9A-Z]{16}\b/g },
  { needles: ['AIza'], re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { needles: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], re: /\bgh[pousr]_[A-Za-z0-9]{36,251}\b/g },
  { needles: ['github_pat_'], re: /\bgithub_pat_[A-Za-z0-9_]{22,244}\b/g },
  { needles: ['_live_'], re: /\b[sr]k_live_[0-9A-Za-z]{10,247}\b/g },
  {
    needles: ['-----BEGIN'],
    re: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  },
  { needles: ['eyJ'], re: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g },
];

// Every needle of SECRET_PATTERNS, as one pre-check.
const SECRET_HINT = /xox|xapp-|AKIA|ASIA|AIza|gh[pousr]_|github_pat_|_live_|-----BEGIN|eyJ/;

const URL_RE = /(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{1,15}:\/\/[^\s<>|"'`]+|(?<![a-zA-Z0-9.-])www\.[^\s<>|"'`]+/g;
const URL_TRAILING = /[.,;:!?*_~'"]+$/;
const URL_CREDENTIALS = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#@\s:]+:[^/?#@\s]+@[^/?#\s]/;
const SLACK_WEBHOOK = /^https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9]/;
const EMAIL_DOMAIN =
  /(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}-]|\.[\p{L}\p{N}])/uy;
const CARD_RE = /(?<![\w.+-])\d(?:[ -]?\d){11,18}(?![\w-]|[.,]\d)/g;
const IBAN_START = /\b([A-Z]{2})(\d{2})(?=[ ]?[A-Z0-9])/g;
const SSN_RE = /(?<![\w.-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|[.,]\d)/g;
const SSN_BARE = /(?<![\w.#-])(\d{3})(\d{2})(\d{4})(?![\w-]|[.,]\d)/g;
const SSN_CONTEXT = /\b(?:ssn|ss#|social security|social sec|taxpayer|itin|tin)\b/i;
const IPV4_RE = /(?<![\w.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w-]|\.\d)/g;
const IPV6_RE = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?![\w:])/g;
// Cheap pre-check: three colon-separated hex groups, or '::' next to a hex digit.
const IPV6_HINT = /[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]|[0-9A-Fa-f]::|::[0-9A-Fa-f]/;
// Context is read from the last two words before a dotted quad only: further back it is another clause.
const VERSION_CONTEXT =
  /\b(?:v|ver|version|versions|release|released|releases|build|builds|tag|tagged|upgrade|upgraded|upgrading|bump|bumped|update|updated|patch|firmware|sdk|package|pkg|semver|changelog|app|client|chrome|firefox|safari|ios|android|macos|windows|node|python|java|section|sec|chapter|clause|paragraph|step|figure|fig|spec|rfc|oid)\W{1,3}(?:[a-z]+\W{1,3})?$/;
const IP_CONTEXT =
  /\b(?:ip|ips|ipv4|host|hosts|server|address|addr|ping|ssh|connect|connected|from|subnet|gateway|dns|proxy|vpn|firewall|allowlist|blocklist)\W{1,3}(?:[a-z]+\W{1,3})?$/;

function isWordUnit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

function isLocalPartUnit(c: number): boolean {
  if (isWordUnit(c) || c === 46 || c === 37 || c === 43 || c === 45) return true;
  return c > 127 && /[\p{L}\p{N}]/u.test(String.fromCharCode(c));
}

function trimUrl(url: string): string {
  let u = url.replace(URL_TRAILING, '');
  // Drop a closing bracket that has no opening partner inside the URL: "(see https://x.com/a)".
  for (const [open, close] of [
    ['(', ')'],
    ['[', ']'],
    ['{', '}'],
  ] as const) {
    while (u.endsWith(close) && u.split(open).length < u.split(close).length) {
      u = u.slice(0, -1).replace(URL_TRAILING, '');
    }
  }
  return u;
}

/** Words just before `start`, lower-cased (for context rules). */
function wordsBefore(text: string, start: number, chars: number): string {
  return text.slice(Math.max(0, start - chars), start).toLowerCase();
}

type Emit = (type: EntityType, start: number, end: number, score: number) => void;

/**
 * Builds a detector.
 *
 * @example
 * const detector = createDetector({ directory: { names: ['Maria Gonzalez'] } });
 * detector.detect('ping Maria Gonzalez at maria@example.com');
 * // [{ type: 'PERSON', start: 5, end: 19, score: 0.85 }, { type: 'EMAIL_ADDRESS', start: 23, end: 40, score: 0.95 }]
 */
export function createDetector(options: DetectorOptions = {}): Detector {
  const enabled = new Set<EntityType>(options.entities ?? ENTITY_TYPES);
  const minScore = options.minScore ?? 0;
  const names =
    enabled.has('PERSON') && options.directory !== undefined
      ? new NameMatcher(options.directory, { matchNameParts: options.matchNameParts ?? false })
      : undefined;
  const phones = enabled.has('PHONE_NUMBER')
    ? new PhoneFinder({ defaultRegion: options.defaultRegion ?? 'US', extraRegions: options.phoneRegions ?? [] })
    : undefined;
  const wantSecret = enabled.has('SECRET');
  const wantUrl = enabled.has('URL');

  function secrets(m: string, emit: Emit): void {
    if (!SECRET_HINT.test(m)) return; // one scan instead of a dozen indexOf calls
    for (const p of SECRET_PATTERNS) {
      let present = false;
      for (const n of p.needles) {
        if (m.indexOf(n) !== -1) {
          present = true;
          break;
        }
      }
      if (!present) continue;
      p.re.lastIndex = 0;
      for (let x = p.re.exec(m); x !== null; x = p.re.exec(m))
        emit('SECRET', x.index, x.index + x[0].length, SCORE.SECRET);
    }
  }

  function urls(m: string, emit: Emit): void {
    if (m.indexOf('://') === -1 && m.indexOf('www.') === -1) return;
    URL_RE.lastIndex = 0;
    for (let x = URL_RE.exec(m); x !== null; x = URL_RE.exec(m)) {
      const u = trimUrl(x[0]);
      if (u.length < 8 && !u.startsWith('www.')) continue;
      if (u.endsWith('://')) continue;
      if (URL_CREDENTIALS.test(u) || SLACK_WEBHOOK.test(u)) {
        if (wantSecret) emit('SECRET', x.index, x.index + u.length, SCORE.SECRET);
      } else if (wantUrl) {
        emit('URL', x.index, x.index + u.length, SCORE.URL);
      }
    }
  }

  function emails(m: string, emit: Emit): void {
    for (let at = m.indexOf('@'); at !== -1; at = m.indexOf('@', at + 1)) {
      let s = at;
      while (s > 0 && at - s < 64 && isLocalPartUnit(m.charCodeAt(s - 1))) s--;
      while (s < at && m.charCodeAt(s) === 46) s++; // a local part never starts with '.'
      if (s === at || m.charCodeAt(at - 1) === 46) continue;
      EMAIL_DOMAIN.lastIndex = at + 1;
      const d = EMAIL_DOMAIN.exec(m);
      if (d === null) continue;
      emit('EMAIL_ADDRESS', s, at + 1 + d[0].length, SCORE.EMAIL_ADDRESS);
    }
  }

  function cards(m: string, emit: Emit): void {
    CARD_RE.lastIndex = 0;
    for (let x = CARD_RE.exec(m); x !== null; x = CARD_RE.exec(m)) {
      const raw = x[0];
      const hasSpace = raw.includes(' ');
      if (hasSpace && raw.includes('-')) continue; // mixed separators: not how cards are written
      const digits = hasSpace || raw.includes('-') ? raw.replace(/[ -]/g, '') : raw;
      if (cardIssuerValid(digits) && luhnValid(digits))
        emit('CREDIT_CARD', x.index, x.index + raw.length, SCORE.CREDIT_CARD);
    }
  }

  function ibans(m: string, emit: Emit): void {
    IBAN_START.lastIndex = 0;
    for (let x = IBAN_START.exec(m); x !== null; x = IBAN_START.exec(m)) {
      const want = IBAN_LENGTHS[x[1]!];
      if (want === undefined) continue;
      // Walk the printed form: upper-case alphanumerics, optionally in space-separated groups.
      let compact = x[1]! + x[2]!;
      let i = x.index + 4;
      while (compact.length < want && i < m.length) {
        const c = m.charCodeAt(i);
        if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90)) {
          compact += m[i];
          i++;
        } else if (c === 32 && i + 1 < m.length && m.charCodeAt(i + 1) !== 32) {
          i++;
        } else {
          break;
        }
      }
      if (compact.length !== want || (i < m.length && isWordUnit(m.charCodeAt(i)))) continue;
      if (ibanMod97Valid(compact)) {
        emit('IBAN_CODE', x.index, i, SCORE.IBAN_CODE);
        IBAN_START.lastIndex = i;
      }
    }
  }

  function ssns(m: string, emit: Emit): void {
    SSN_RE.lastIndex = 0;
    for (let x = SSN_RE.exec(m); x !== null; x = SSN_RE.exec(m)) {
      if (!ssnValid(x[1]!, x[3]!, x[4]!)) continue;
      const context = SSN_CONTEXT.test(wordsBefore(m, x.index, 40));
      const score = x[2] === '-' || context ? SCORE.US_SSN : SCORE.US_SSN_SPACED;
      emit('US_SSN', x.index, x.index + x[0].length, score);
    }
    SSN_BARE.lastIndex = 0;
    for (let x = SSN_BARE.exec(m); x !== null; x = SSN_BARE.exec(m)) {
      if (ssnValid(x[1]!, x[2]!, x[3]!) && SSN_CONTEXT.test(wordsBefore(m, x.index, 24))) {
        emit('US_SSN', x.index, x.index + 9, SCORE.US_SSN);
      }
    }
  }

  function ips(m: string, emit: Emit, v4: boolean): void {
    if (v4 && m.indexOf('.') !== -1) {
      IPV4_RE.lastIndex = 0;
      for (let x = IPV4_RE.exec(m); x !== null; x = IPV4_RE.exec(m)) {
        if (!ipv4Valid(x[0])) continue;
        // "upgraded to 1.2.3.4" is a version; "ssh to 1.2.3.4" is a host. Look at the words just before.
        const before = wordsBefore(m, x.index, 32);
        if (VERSION_CONTEXT.test(before) && !IP_CONTEXT.test(before)) continue;
        emit('IP_ADDRESS', x.index, x.index + x[0].length, SCORE.IP_ADDRESS);
      }
    }
    if (IPV6_HINT.test(m)) {
      IPV6_RE.lastIndex = 0;
      for (let x = IPV6_RE.exec(m); x !== null; x = IPV6_RE.exec(m)) {
        const v = x[0];
        if (!ipv6Valid(v)) continue;
        // "dead::beef" in code or ":+1::" between emoji: require two groups, and a digit or a third group.
        const groups = v.split(':').filter((g) => g !== '').length;
        if (groups < 2 || (groups < 3 && !/\d/.test(v))) continue;
        emit('IP_ADDRESS', x.index, x.index + v.length, SCORE.IP_ADDRESS);
      }
    }
  }

  function detect(text: string): DetectedEntity[] {
    if (typeof text !== 'string' || text.length === 0) return [];
    const m = blankMrkdwn(text);
    const found: DetectedEntity[] = [];
    const emit: Emit = (type, start, end, score) => {
      if (end > start && score >= minScore && enabled.has(type)) found.push({ type, start, end, score });
    };
    if (wantSecret) secrets(m, emit);
    if (wantSecret || wantUrl) urls(m, emit);
    if (enabled.has('EMAIL_ADDRESS') && m.indexOf('@') !== -1) emails(m, emit);
    // Digit-based recognizers only run when the message has enough digits for their shortest match.
    const digits = countDigits(m);
    if (digits >= 8 && enabled.has('IBAN_CODE')) ibans(m, emit);
    if (digits >= 12 && enabled.has('CREDIT_CARD')) cards(m, emit);
    if (digits >= 9 && enabled.has('US_SSN')) ssns(m, emit);
    if (enabled.has('IP_ADDRESS')) ips(m, emit, digits >= 4);
    if (digits >= 7 && phones !== undefined) {
      // Spans that outrank a phone anyway: the phone parser need not look inside them.
      const covered = (s: number, e: number): boolean => {
        for (const f of found) if (f.start <= s && f.end >= e && f.score > SCORE.PHONE_NUMBER) return true;
        return false;
      };
      phones.find(m, covered, (s, e) => emit('PHONE_NUMBER', s, e, SCORE.PHONE_NUMBER));
    }
    if (names !== undefined) names.find(m, (s, e) => emit('PERSON', s, e, SCORE.PERSON));
    return resolveOverlaps(found);
  }

  return { detect };
}

/**
 * Keeps the best of overlapping candidates: higher score first, then the longer span, then the earlier
 * one. Returns non-overlapping entities sorted by start.
 */
export function resolveOverlaps(candidates: DetectedEntity[]): DetectedEntity[] {
  if (candidates.length < 2) return candidates;
  const byStart = [...candidates].sort((a, b) => a.start - b.start || b.end - a.end);
  let overlapping = false;
  for (let i = 1; i < byStart.length; i++) {
    if (byStart[i]!.start < byStart[i - 1]!.end) {
      overlapping = true;
      break;
    }
  }
  if (!overlapping) return byStart; // the common case: recognizers rarely collide
  const ranked = byStart.sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: DetectedEntity[] = [];
  for (const c of ranked) {
    let free = true;
    for (const k of kept) {
      if (c.start < k.end && c.end > k.start) {
        free = false;
        break;
      }
    }
    if (free) kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}
