/**
 * Test helpers for plugin authors and leak tests (`@sluice/testkit/canaries`): a seeded generator of
 * canary values (fake but valid PII of every entity type, each unique and recognisable), a reader that
 * loads every file under a directory (binary files such as DuckDB or SQLite as latin1, so canaries in
 * them are found too), and an assertion that no canary survives anywhere. They live here rather than in
 * `@sluice/testkit` because testkit's consumers include the CLI, which depends on this package.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Canary kinds: the detector's entity types, plus name parts of directory members. */
export type CanaryType =
  | 'EMAIL_ADDRESS'
  | 'PHONE_NUMBER'
  | 'CREDIT_CARD'
  | 'IBAN_CODE'
  | 'US_SSN'
  | 'IP_ADDRESS'
  | 'PERSON'
  | 'SECRET';

export interface Canary {
  readonly type: CanaryType;
  readonly value: string;
}

/** A directory member whose names are canaries. */
export interface CanaryPerson {
  readonly realName: string;
  readonly displayName: string;
  readonly email: string;
  readonly phone: string;
}

export interface CanaryGenerator {
  readonly seed: number;
  /** A fresh, unique canary of the type (registered in `issued`). */
  next(type: Exclude<CanaryType, 'PERSON'>): string;
  /** A fresh directory member: real name, display name, email and phone are all canaries. */
  person(): CanaryPerson;
  /**
   * A sentence of free text carrying one fresh canary of every entity type (phones in a rotating
   * format) and the names of `people` (display name and real name), written the way people do.
   */
  sentence(people: readonly CanaryPerson[]): string;
  /** Every canary issued so far, in order. */
  readonly issued: readonly Canary[];
  /** Values of every canary issued so far, plus recognisable fragments (email local parts, name parts). */
  values(): string[];
}

/** mulberry32: small, fast, good enough for test data, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// 24 syllables, 2 to 4 per word: about 350,000 distinct words, so thousands of unique names are cheap.
const SYLLABLES = [
  'zor',
  'vat',
  'quel',
  'mir',
  'dax',
  'olu',
  'bren',
  'tisk',
  'yaro',
  'phel',
  'gund',
  'kav',
  'rue',
  'sil',
  'om',
  'trax',
  'wen',
  'ibo',
  'fal',
  'crev',
  'nuk',
  'ees',
  'hob',
  'lant',
];
const AREA_CODES = ['415', '212', '646', '312', '617', '206', '303', '512'];
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function ibanCheckDigits(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of rearranged) rem = (rem * 10 + Number(ch)) % 97;
  return String(98 - rem).padStart(2, '0');
}

/**
 * A seeded canary generator: the same seed gives the same canaries, and no two canaries of one
 * generator are equal.
 * @example
 * const canaries = createCanaryGenerator(7);
 * const maria = canaries.person();
 * const text = canaries.sentence([maria]); // "ask Zorvat Quelmir (zorvat) at zorvat.q7k2@…"
 * assertNoCanaries({ 'out.jsonl': output }, canaries.values());
 */
export function createCanaryGenerator(seed: number): CanaryGenerator {
  const random = prng(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const digits = (n: number) => Array.from({ length: n }, () => String(int(0, 9))).join('');
  const issued: Canary[] = [];
  const seen = new Set<string>();
  const fragments: string[] = [];
  let phoneFormat = 0;

  const unique = (make: () => string): string => {
    for (;;) {
      const value = make();
      if (!seen.has(value)) {
        seen.add(value);
        return value;
      }
    }
  };
  const issue = (type: CanaryType, value: string): string => {
    issued.push({ type, value });
    return value;
  };
  const word = () => {
    const w = Array.from({ length: int(2, 4) }, () => pick(SYLLABLES)).join('');
    return w.charAt(0).toUpperCase() + w.slice(1);
  };

  const makers: Record<Exclude<CanaryType, 'PERSON'>, () => string> = {
    EMAIL_ADDRESS: () => {
      const local = `${word().toLowerCase()}.${digits(4)}q`;
      fragments.push(local);
      return `${local}@${pick(['acme', 'initech', 'globex'])}-${digits(2)}.example`;
    },
    PHONE_NUMBER: () => {
      const area = pick(AREA_CODES);
      const exchange = `${int(2, 9)}${digits(2)}`;
      const line = digits(4);
      switch (phoneFormat++ % 4) {
        case 0:
          return `+1 ${area} ${exchange} ${line}`;
        case 1:
          return `(${area}) ${exchange}-${line}`;
        case 2:
          return `${area}-${exchange}-${line}`;
        default:
          return `+44 20 7946 ${digits(4)}`;
      }
    },
    CREDIT_CARD: () => {
      const body = `4${digits(14)}`;
      const n = `${body}${luhnCheckDigit(body)}`;
      return n.match(/.{4}/g)?.join(pick([' ', '-'])) ?? n;
    },
    IBAN_CODE: () => {
      const bban = digits(18);
      const iban = `DE${ibanCheckDigits('DE', bban)}${bban}`;
      return iban.match(/.{1,4}/g)?.join(' ') ?? iban;
    },
    US_SSN: () => `${int(101, 665)}-${String(int(10, 99))}-${String(int(1001, 9998))}`,
    IP_ADDRESS: () =>
      random() < 0.5
        ? `10.${int(1, 254)}.${int(1, 254)}.${int(1, 254)}`
        : `2001:db8:${int(4096, 65535).toString(16)}:${int(4096, 65535).toString(16)}::${int(16, 255).toString(16)}`,
    SECRET: () =>
      random() < 0.5
        ? `AKIA${Array.from({ length: 16 }, () => pick([...ALNUM])).join('')}`
        : `xoxb-${digits(12)}-${digits(13)}-${Array.from({ length: 24 }, () => pick([...'abcdefghijklmnopqrstuvwxyz0123456789'])).join('')}`,
  };

  const generator: CanaryGenerator = {
    seed,
    issued,
    next: (type) => issue(type, unique(makers[type])),
    person() {
      const first = unique(word);
      const last = unique(word);
      fragments.push(first, last);
      const realName = issue('PERSON', `${first} ${last}`);
      const displayName = issue(
        'PERSON',
        unique(() => `${first.toLowerCase()}${digits(2)}`),
      );
      return {
        realName,
        displayName,
        email: generator.next('EMAIL_ADDRESS'),
        phone: generator.next('PHONE_NUMBER'),
      };
    },
    sentence(people) {
      const names = people.map((p) => `${p.realName} (${p.displayName})`).join(' and ');
      const ip = generator.next('IP_ADDRESS');
      return (
        `ask ${names} — mail ${generator.next('EMAIL_ADDRESS')} or call ${generator.next('PHONE_NUMBER')}. ` +
        `Card ${generator.next('CREDIT_CARD')}, IBAN ${generator.next('IBAN_CODE')}, SSN ${generator.next('US_SSN')}, ` +
        `server ip ${ip} 🎉, key ${generator.next('SECRET')} token ${generator.next('SECRET')}`
      );
    },
    values: () => [...new Set([...issued.map((c) => c.value), ...fragments])],
  };
  return generator;
}

/** Slack-shaped message content where every text-bearing field carries fresh canaries. */
export interface CanaryMessageContent {
  text: string;
  blocks: unknown[];
  attachments: unknown[];
  files: unknown[];
  user_profile: Record<string, unknown>;
}

/**
 * Message content in Slack's own shape (usable as a canonical record's fields or as a Slack API
 * message): mrkdwn text with a mention and a mailto link; rich-text, section and context blocks with
 * text, link and emoji elements; an attachment with every text field and an unfurled message; a file
 * with title, name, preview and plain text; and the author's embedded profile. `author` is a
 * directory member whose names appear too.
 */
export function canaryMessageContent(
  gen: CanaryGenerator,
  author: CanaryPerson,
  people: readonly CanaryPerson[],
): CanaryMessageContent {
  const linkEmail = gen.next('EMAIL_ADDRESS');
  const labelEmail = gen.next('EMAIL_ADDRESS');
  return {
    text: `<@U0CANARY1> ${gen.sentence(people)} <mailto:${linkEmail}|${linkEmail}> :tada:`,
    blocks: [
      {
        type: 'rich_text',
        block_id: 'rt1',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'text', text: gen.sentence(people), style: { bold: true } },
              { type: 'user', user_id: 'U0CANARY1' },
              { type: 'emoji', name: 'tada', unicode: '1f389' },
              { type: 'link', url: `mailto:${labelEmail}`, text: gen.next('EMAIL_ADDRESS') },
            ],
          },
          { type: 'rich_text_quote', elements: [{ type: 'text', text: gen.sentence(people) }] },
          {
            type: 'rich_text_list',
            style: 'bullet',
            elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: gen.sentence(people) }] }],
          },
          { type: 'rich_text_preformatted', elements: [{ type: 'text', text: gen.sentence(people) }] },
        ],
      },
      { type: 'section', block_id: 's1', text: { type: 'mrkdwn', text: gen.sentence(people) } },
      { type: 'context', elements: [{ type: 'plain_text', text: gen.sentence(people), emoji: true }] },
    ],
    attachments: [
      {
        id: 1,
        color: '36a64f',
        fallback: gen.sentence(people),
        pretext: gen.sentence(people),
        title: gen.sentence(people),
        text: gen.sentence(people),
        author_name: author.realName,
        footer: gen.sentence(people),
        fields: [
          { title: gen.sentence(people), value: gen.sentence(people), short: true },
          { title: 'phone', value: gen.next('PHONE_NUMBER'), short: true },
        ],
        message_blocks: [
          {
            team: 'T0CANARY',
            channel: 'C0CANARY',
            ts: '1700000000.000200',
            message: { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: gen.sentence(people) } }] },
          },
        ],
      },
    ],
    files: [
      {
        id: 'F0CANARY',
        mimetype: 'text/plain',
        filetype: 'text',
        title: gen.sentence(people),
        name: `${gen.next('EMAIL_ADDRESS')}.txt`,
        preview: gen.sentence(people),
        plain_text: gen.sentence(people),
        preview_highlight: gen.sentence(people),
      },
    ],
    user_profile: {
      real_name: author.realName,
      display_name: author.displayName,
      email: author.email,
      phone: author.phone,
      title: gen.sentence(people),
      team: 'T0CANARY',
    },
  };
}

/** Shows where a canary is without printing it whole. */
function mask(value: string): string {
  return value.length <= 6 ? `${value[0] ?? ''}…(${value.length})` : `${value.slice(0, 4)}…(${value.length} chars)`;
}

/**
 * Throws if any canary occurs in any haystack, listing every canary (masked) with where it was found.
 * @example
 * assertNoCanaries({ 'stdout': logs, ...(await collectFiles(outDir)) }, canaries.values());
 */
export function assertNoCanaries(haystacks: Readonly<Record<string, string>>, canaries: readonly string[]): void {
  const found: string[] = [];
  for (const canary of canaries) {
    if (canary.length === 0) continue;
    const where: string[] = [];
    for (const [name, text] of Object.entries(haystacks)) {
      const at = text.indexOf(canary);
      if (at !== -1) where.push(`${name}@${at}`);
    }
    if (where.length > 0) found.push(`canary ${mask(canary)} found in ${where.join(', ')}`);
  }
  if (found.length > 0) {
    throw new Error(`${found.length} canaries leaked:\n${found.join('\n')}`);
  }
}

/**
 * Every file under `dir` (recursively), by path relative to `dir`. Text files are read as UTF-8;
 * binary files (DuckDB, SQLite, WAL: anything with a NUL byte) as latin1 so ASCII canaries inside
 * them are found, and a second entry `<path> (utf8)` so non-ASCII canaries are found too.
 */
export async function collectFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile()) {
        const bytes = await readFile(path);
        const name = relative(dir, path);
        if (bytes.includes(0)) {
          out[name] = bytes.toString('latin1');
          out[`${name} (utf8)`] = bytes.toString('utf8');
        } else {
          out[name] = bytes.toString('utf8');
        }
      }
    }
  };
  await walk(dir);
  return out;
}
