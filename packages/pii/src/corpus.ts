/**
 * A seeded, synthetic, labelled corpus of Slack-like messages with gold spans, for measuring precision and
 * recall. Every value is generated valid by construction (Luhn, mod 97, libphonenumber validity), and
 * hard negatives (versions, ticket ids, dates, order numbers, Slack ids and timestamps, mentions) are
 * mixed in. The committed `corpus/slack-pii.jsonl` is exactly `formatCorpus(generateCorpus())`; a test
 * keeps the two equal.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import type { DetectorOptions } from './detector.js';
import type { EntityType } from './entities.js';
import { IBAN_LENGTHS, ibanMod97Valid, luhnValid } from './validators.js';

/** A gold span: `text.slice(start, end)` is the entity. */
export interface GoldSpan {
  readonly type: EntityType;
  readonly start: number;
  readonly end: number;
}

/** One corpus line. */
export interface CorpusEntry {
  readonly text: string;
  readonly entities: readonly GoldSpan[];
}

const FIRST = [
  'Maria',
  'James',
  'Aisha',
  'Wei',
  'Olga',
  'Liam',
  'Priya',
  'Mateo',
  'Chloé',
  'Søren',
  'José',
  'Zoë',
  'Łukasz',
  'Ngozi',
  'Hiroshi',
  'Fatima',
  'Noah',
  'Ingrid',
  'Rafael',
  'Ana-María',
  'Dmitri',
  'Amélie',
  'Kwame',
  'Elif',
  'Björn',
  'Thandiwe',
  'Siobhán',
  'Oluwaseun',
  'Camille',
  'Jürgen',
  'Lucía',
  'Arjun',
  'Nadia',
  'Tomás',
  'Yusuf',
  'Greta',
  'Emeka',
  'Mei',
  'Rohan',
  'Ines',
  'Kofi',
  'Astrid',
  'Leilani',
  'Bogdan',
  'Célia',
  'Hamid',
  'Saoirse',
];
const LAST = [
  'Gonzalez',
  'Okafor',
  'Chen',
  'Petrova',
  'Murphy',
  'Raghavan',
  'Fernández',
  'Dubois',
  'Kierkegaard',
  'Núñez',
  'Müller',
  'Wiśniewski',
  'Adeyemi',
  'Tanaka',
  'Haddad',
  'Lindqvist',
  'Oliveira',
  'García',
  'Ivanov',
  'Lefèvre',
  'Mensah',
  'Yılmaz',
  'Andersson',
  'Ndlovu',
  "O'Connell",
  'Balogun',
  'Moreau',
  'Schröder',
  'Álvarez',
  'Iyer',
  'Sokolova',
  'Kowalczyk',
  'Nakamura',
  'Abdullah',
  'Brennan',
  'Nwosu',
  'Zhang',
  'Kahale',
  'Popescu',
  'Rossi',
];
const CJK_NAMES = ['田中太郎', '佐藤花子', '김민수', '李小龙', '王芳'];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  alnum(n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
}

/** The synthetic workspace: 60 members, each with a full name and a display name. */
function buildDirectory(): { fullNames: string[]; displayNames: string[] } {
  const rng = new Rng(7);
  const fullNames = new Set<string>();
  while (fullNames.size < 55) fullNames.add(`${rng.pick(FIRST)} ${rng.pick(LAST)}`);
  const all = [...fullNames, ...CJK_NAMES];
  const displayNames = all.map((n, i) => {
    if (CJK_NAMES.includes(n)) return n;
    const [first = '', last = ''] = n.split(' ');
    const plain = (s: string): string =>
      s
        .normalize('NFD')
        .replace(/[\u0300-\u036f']/g, '')
        .toLowerCase();
    return i % 2 === 0 ? `${plain(first)}.${plain(last)}` : `${plain(first[0] ?? '')}${plain(last)}`;
  });
  return { fullNames: all, displayNames };
}

const DIRECTORY = buildDirectory();

/** Names of the synthetic workspace (full and display names), as the pipeline would pass them. */
export const CORPUS_DIRECTORY: { readonly names: readonly string[] } = {
  names: [...DIRECTORY.fullNames, ...DIRECTORY.displayNames],
};

/** Phone regions whose national formats appear in the corpus besides the default 'US'. */
export const CORPUS_PHONE_REGIONS: readonly CountryCode[] = ['GB', 'DE', 'FR', 'BR', 'JP', 'IN', 'AU', 'NL'];

/** Detector options matching how the corpus was generated (directory and phone regions). */
export function corpusDetectorOptions(): DetectorOptions {
  return { directory: CORPUS_DIRECTORY, defaultRegion: 'US', phoneRegions: CORPUS_PHONE_REGIONS };
}

/** Appends text and records gold spans with UTF-16 offsets as it goes. */
class Builder {
  text = '';
  readonly spans: GoldSpan[] = [];
  add(s: string): this {
    this.text += s;
    return this;
  }
  entity(type: EntityType, value: string): this {
    this.spans.push({ type, start: this.text.length, end: this.text.length + value.length });
    this.text += value;
    return this;
  }
}

const DOMAINS = ['example.com', 'acme.io', 'corp.example.org', 'mail.example.co.uk', 'globex.dev', 'initech.net'];
const NATIONAL_REGIONS: readonly CountryCode[] = ['US', 'CA', 'GB', 'DE', 'FR', 'BR', 'JP', 'IN', 'AU', 'NL'];
const INTERNATIONAL_REGIONS: readonly CountryCode[] = [...NATIONAL_REGIONS, 'ES', 'IT', 'MX', 'SG', 'ZA', 'SE'];

function plain(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f']/g, '')
    .replace(/ł/g, 'l')
    .replace(/ø/g, 'o')
    .replace(/ı/g, 'i')
    .toLowerCase();
}

function email(rng: Rng): string {
  const name = rng.pick(DIRECTORY.fullNames.filter((n) => !CJK_NAMES.includes(n)));
  const [first = 'x', last = 'y'] = name.split(' ').map(plain);
  const local = rng.pick([
    `${first}.${last}`,
    `${first[0]}${last}`,
    `${first}_${last}${rng.int(1, 99)}`,
    `${first}+slack`,
  ]);
  return `${local}@${rng.pick(DOMAINS)}`;
}

function phone(rng: Rng): string {
  for (;;) {
    const national = rng.chance(0.6);
    const region = rng.pick(national ? NATIONAL_REGIONS : INTERNATIONAL_REGIONS);
    const example = examples[region];
    if (example === undefined) continue;
    const digits = example.slice(0, -4) + rng.digits(4);
    const p = parsePhoneNumberFromString(digits, region);
    if (p === undefined || !p.isValid()) continue;
    if (!national) return rng.chance(0.8) ? p.formatInternational() : p.number;
    if (region === 'US' || region === 'CA') {
      const n = p.nationalNumber;
      return rng.pick([
        p.formatNational(),
        `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
        `${n.slice(0, 3)}.${n.slice(3, 6)}.${n.slice(6)}`,
      ]);
    }
    return p.formatNational();
  }
}

const CARD_PREFIXES: readonly [string, number][] = [
  ['4', 16],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['3528', 16],
];

function card(rng: Rng): string {
  const [prefix, len] = rng.pick(CARD_PREFIXES);
  let body = prefix + rng.digits(len - prefix.length - 1);
  for (let d = 0; d <= 9; d++) {
    if (luhnValid(body + d)) {
      body += d;
      break;
    }
  }
  const style = rng.int(0, 2);
  if (style === 0) return body;
  const sep = style === 1 ? ' ' : '-';
  if (len === 15) return [body.slice(0, 4), body.slice(4, 10), body.slice(10)].join(sep);
  return body.match(/.{1,4}/g)!.join(sep);
}

// Bank-code letters for the countries whose BBAN starts with them; digits elsewhere.
const IBAN_COUNTRIES: readonly [string, number][] = [
  ['DE', 0],
  ['GB', 4],
  ['FR', 0],
  ['ES', 0],
  ['IT', 1],
  ['NL', 4],
  ['CH', 0],
  ['BE', 0],
  ['PL', 0],
  ['AT', 0],
  ['IE', 4],
  ['PT', 0],
];

function iban(rng: Rng): string {
  const [country, letters] = rng.pick(IBAN_COUNTRIES);
  const len = IBAN_LENGTHS[country]!;
  const bban = rng.alnum(letters, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') + rng.digits(len - 4 - letters);
  let compact = '';
  for (let check = 2; check <= 98; check++) {
    compact = country + String(check).padStart(2, '0') + bban;
    if (ibanMod97Valid(compact)) break;
  }
  return rng.chance(0.5) ? compact : compact.match(/.{1,4}/g)!.join(' ');
}

function ssn(rng: Rng): string {
  let area = rng.int(1, 899);
  if (area === 666) area = 667;
  const parts = [
    String(area).padStart(3, '0'),
    String(rng.int(1, 99)).padStart(2, '0'),
    String(rng.int(1, 9999)).padStart(4, '0'),
  ];
  return parts.join('-');
}

function ipv4(rng: Rng): string {
  return rng.pick([
    `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    `192.168.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
  ]);
}

function ipv6(rng: Rng): string {
  const g = (): string => rng.int(1, 0xffff).toString(16);
  return rng.pick([
    `2001:db8:${g()}:${g()}::${g()}`,
    `fe80::${g()}:${g()}:${g()}:${g()}`,
    `2001:0db8:85a3:0000:0000:8a2e:0370:${rng.int(0x1000, 0xffff).toString(16)}`,
    `${g()}:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}`,
    `2606:4700::${g()}`,
  ]);
}

function url(rng: Rng): string {
  const host = rng.pick(['docs.example.com', 'www.acme.io', 'github.com', 'example.org', 'status.globex.dev']);
  const path = rng.pick(['/a/b', '/docs/setup', `/issues/${rng.int(1, 9999)}`, '/search?q=slack&page=2', '/', '']);
  return rng.chance(0.15) ? `www.example.com${path}` : `https://${host}${path}`;
}

function person(rng: Rng): string {
  if (rng.chance(0.25)) return rng.pick(DIRECTORY.displayNames);
  const name = rng.pick(DIRECTORY.fullNames);
  return rng.chance(0.2) ? name.toLowerCase() : name;
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

function secret(rng: Rng): string {
  switch (rng.int(0, 10)) {
    case 0:
      return `xox${rng.pick(['b', 'p', 'a', 'o'])}-${rng.digits(12)}-${rng.digits(13)}-${rng.alnum(24)}`;
    case 1:
      return `xapp-1-A${rng.alnum(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}-${rng.digits(13)}-${rng.alnum(64, '0123456789abcdef')}`;
    case 2:
      return `https://hooks.slack.com/services/T${rng.alnum(8, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/B${rng.alnum(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/${rng.alnum(24)}`;
    case 3:
      return `${rng.pick(['AKIA', 'ASIA'])}${rng.alnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
    case 4:
      return `AIza${rng.alnum(35, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}`;
    case 5:
      return rng.chance(0.7)
        ? `${rng.pick(['ghp', 'gho'])}_${rng.alnum(36)}`
        : `github_pat_${rng.alnum(22)}_${rng.alnum(59)}`;
    case 6:
      return `sk_live_${rng.alnum(24)}`;
    case 7:
      return pem(rng);
    case 8: {
      const header = b64url('{"alg":"HS256","typ":"JWT"}');
      const payload = b64url(`{"sub":"${rng.digits(10)}","iat":${rng.int(1600000000, 1800000000)}}`);
      return `${header}.${payload}.${rng.alnum(43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}`;
    }
    case 9:
      return `${rng.pick(['postgres', 'mysql', 'https', 'redis'])}://${rng.pick(['admin', 'svc', 'deploy'])}:${rng.alnum(12)}@${rng.pick(['db.internal.example.com', 'cache.acme.io:6379', 'example.com'])}/${rng.pick(['prod', 'app', '0'])}`;
    default:
      return `xoxb-${rng.digits(11)}-${rng.digits(13)}-${rng.alnum(24)}`;
  }
}

function pem(rng: Rng): string {
  const kind = rng.pick(['RSA ', 'EC ', 'OPENSSH ', '']);
  return `-----BEGIN ${kind}PRIVATE KEY-----\n${rng.alnum(64)}\n${rng.alnum(40)}==\n-----END ${kind}PRIVATE KEY-----`;
}

const EMOJI = [':smile:', ':+1:', ':tada:', ':white_check_mark:', '😀', '🎉', '👍🏽', '🇩🇪', '❤️', '🙏'];
const PREFIXES = ['', '', '', 'hey, ', 'FYI ', '😀 ', '🎉🎉 ', ':wave: ', 'Ça va? ', '請確認 ', 'Grüße — ', '> ', '• '];

/** Slots that produce no entity: the hard negatives. */
function negative(rng: Rng): string {
  switch (rng.int(0, 26)) {
    case 0:
      return `v${rng.int(0, 9)}.${rng.int(0, 30)}.${rng.int(0, 99)}`;
    case 1:
      return `${rng.pick(['upgraded to', 'bumped the SDK to', 'release', 'version', 'build'])} ${rng.int(1, 20)}.${rng.int(0, 9)}.${rng.int(0, 30)}.${rng.int(0, 400)}`;
    case 2:
      return `${rng.pick(['JIRA', 'PROJ', 'OPS', 'SEC'])}-${rng.int(1, 99999)}`;
    case 3:
      return `${rng.int(2019, 2027)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
    case 4:
      return `${String(rng.int(1, 12)).padStart(2, '0')}/${String(rng.int(1, 28)).padStart(2, '0')}/${rng.int(2019, 2027)}`;
    case 5:
      return `order #${rng.int(100000, 999999999)}`;
    case 6:
      return `ORD-${rng.int(2019, 2027)}-${rng.digits(6)}`;
    case 7:
      return `${rng.pick(['U', 'C', 'T', 'B', 'W', 'G'])}0${rng.alnum(rng.int(7, 9), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
    case 8:
      return `ts ${rng.int(1600000000, 1800000000)}.${rng.digits(6)}`;
    case 9:
      return `${rng.int(1, 99999)} rows`;
    case 10:
      return `${rng.int(1, 23)}:${String(rng.int(0, 59)).padStart(2, '0')}`;
    case 11:
      return `${rng.int(1, 100)}% of ${rng.int(1000, 9999999)}`;
    case 12:
      return `PR #${rng.int(1, 40000)}`;
    case 13:
      return `job ${rng.int(2000000000, 9999999999)} finished`;
    case 14:
      return `$${rng.int(1, 999)},${rng.digits(3)},${rng.digits(3)}.${rng.digits(2)}`;
    case 15:
      return rng.pick(['xoxb-your-bot-token', 'SLACK_BOT_TOKEN=xoxb-…', 'sk_test_placeholder', 'AKIA…']);
    case 16:
      return `room ${rng.int(100, 9999)}, ext. ${rng.int(100, 999)}`;
    case 17:
      return `${rng.int(1, 9)}.${rng.int(0, 9)}.${rng.int(0, 9)}-rc.${rng.int(1, 9)}`;
    case 18:
      return `section ${rng.int(1, 9)}.${rng.int(1, 9)}.${rng.int(1, 9)}.${rng.int(1, 9)}`;
    case 19:
      return `lat/long ${rng.int(-89, 89)}.${rng.digits(4)}, ${rng.int(-179, 179)}.${rng.digits(4)}`;
    case 20:
      return `MAC ${Array.from({ length: 6 }, () => rng.alnum(2, '0123456789ABCDEF')).join(':')}`;
    case 21:
      return `commit ${rng.alnum(40, '0123456789abcdef')}`;
    case 22:
      return `Chrome/${rng.int(90, 130)}.0.${rng.int(1000, 9999)}.${rng.int(10, 200)}`;
    case 23:
      return `€${rng.int(1, 999)}.${rng.digits(3)}.${rng.digits(3)},${rng.digits(2)}`;
    case 24:
      return `${rng.int(1, 12)}:${String(rng.int(0, 59)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')} UTC`;
    case 25:
      return `tracking 1Z${rng.alnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
    default:
      return `invoice ${rng.int(1000000, 9999999999)}`;
  }
}

function mention(rng: Rng): string {
  const id = `U0${rng.alnum(7, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`;
  return rng.pick([
    `<@${id}>`,
    `<#C0${rng.alnum(7, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}|${rng.pick(['general', 'eng-oncall', 'random', 'sales-emea'])}>`,
    '<!here>',
    '<!channel>',
    `<!subteam^S0${rng.alnum(7, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}|@oncall>`,
    `<#C0${rng.alnum(7, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}>`,
  ]);
}

type Slot = (b: Builder, rng: Rng) => void;

// One entity in ten is written in *bold* or _italics_; the markers are not part of the gold span.
const ent =
  (type: EntityType, gen: (rng: Rng) => string): Slot =>
  (b, rng) => {
    const marker = rng.chance(0.1) ? rng.pick(['*', '_']) : '';
    b.add(marker).entity(type, gen(rng)).add(marker);
  };

const SLOTS: Record<string, Slot> = {
  EMAIL: ent('EMAIL_ADDRESS', email),
  PHONE: ent('PHONE_NUMBER', phone),
  CARD: ent('CREDIT_CARD', card),
  IBAN: ent('IBAN_CODE', iban),
  SSN: ent('US_SSN', ssn),
  IPV4: ent('IP_ADDRESS', ipv4),
  IPV6: ent('IP_ADDRESS', ipv6),
  URL: ent('URL', url),
  PERSON: ent('PERSON', person),
  SECRET: ent('SECRET', secret),
  MAILTO: (b, rng) => {
    const e = email(rng);
    b.add('<mailto:').entity('EMAIL_ADDRESS', e).add('|').entity('EMAIL_ADDRESS', e).add('>');
  },
  LINK: (b, rng) => {
    b.add('<').entity('URL', url(rng));
    if (rng.chance(0.7)) b.add('|').add(rng.pick(['the doc', 'here', 'runbook', 'dashboard 📈', 'ドキュメント']));
    b.add('>');
  },
  LINK_EMAIL_LABEL: (b, rng) => {
    b.add('<').entity('URL', url(rng)).add('|ask ').entity('EMAIL_ADDRESS', email(rng)).add('>');
  },
  MENTION_PHONE_LABEL: (b, rng) => {
    b.add(`<@U0${rng.alnum(7, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}|call `)
      .entity('PHONE_NUMBER', phone(rng))
      .add('>');
  },
  MENTION: (b, rng) => {
    b.add(mention(rng));
  },
  NEG: (b, rng) => {
    b.add(negative(rng));
  },
  EMOJI: (b, rng) => {
    b.add(rng.pick(EMOJI));
  },
  CHAT: (b, rng) => {
    b.add(rng.pick(CHAT));
  },
};

const TEMPLATES: readonly string[] = [
  'can you email {EMAIL} about the renewal?',
  'ping {PERSON} on this, {MENTION}',
  '{PERSON} said to call {PHONE} after 5pm {EMOJI}',
  'my cell is {PHONE}, text me',
  'new number: {PHONE}',
  'the customer card on file is {CARD} (exp 04/27)',
  'wire it to {IBAN} please {EMOJI}',
  'IBAN for the refund: {IBAN}',
  'SSN on file: {SSN}',
  'their ssn is {SSN} per the form',
  'server at {IPV4} is down again',
  'ssh into {IPV4} and restart nginx',
  'traffic from {IPV6} looks odd',
  'blocked {IPV6} at the firewall',
  'docs: {URL}',
  'see {LINK} for details',
  'contact {LINK_EMAIL_LABEL}',
  '{MENTION_PHONE_LABEL} for the escalation',
  'oops I pasted {SECRET} in here, rotating now',
  'token: {SECRET}',
  'write to {MAILTO} {EMOJI}',
  '{MENTION} {PERSON} is out today, reach {EMAIL} instead',
  'shipped {NEG} to prod, closes {NEG}',
  'see {NEG} and {NEG} {EMOJI}',
  '{MENTION} standup moved, {NEG}',
  'deploy {NEG} done at {NEG}',
  'meeting on {NEG} with {PERSON}',
  'follow up on {NEG}: {PERSON} owns it',
  'refund {NEG} to card {CARD}',
  '{PERSON} ({EMAIL}) joined {MENTION}',
  'call {PERSON} at {PHONE} or {PHONE}',
  'forwarding {EMAIL}, {EMAIL} and {PERSON}',
  'the webhook {SECRET} leaked in {MENTION}',
  'perf: {NEG} over {NEG} {EMOJI}',
  'user {NEG} hit an error, {NEG}',
  '{NEG} {NEG} {NEG}',
  'thanks {PERSON} {EMOJI}{EMOJI}',
  'dashboard {LINK} shows {NEG}',
  'geo-ip lookup for {IPV4} and {IPV6}',
  '{EMOJI} backup SSN {SSN}, card {CARD}, IBAN {IBAN}',
  'x-forwarded-for: {IPV4}, {IPV4}',
  'call me at {PHONE} ext. 22',
  '{CHAT}',
  '{CHAT} {EMOJI}',
  '{CHAT} {MENTION}',
];

// Everyday chatter with nothing to find: most real Slack messages look like this.
const CHAT = [
  'lgtm, merging',
  'sounds good, will do after lunch',
  'can someone review my PR when you get a chance?',
  'standup in 5',
  'is the staging env down for anyone else?',
  'thanks, that fixed it!',
  'I will be out tomorrow, back on Monday',
  'may I ask why we changed the retry policy?',
  'the flaky test is back again',
  'who owns the billing dashboard these days?',
  'rebased on main, CI is green now',
  'nice work everyone on the launch',
  'ok',
  '+1',
  'let me check and get back to you',
  'does anyone have the link to the runbook?',
  'coffee? ☕',
  'je regarde ça demain matin',
  'danke, schaue ich mir an',
  '了解です、確認します',
];

/** Options for {@link generateCorpus}. */
export interface CorpusOptions {
  readonly seed?: number;
  readonly size?: number;
}

/** Generates the corpus; same seed and size, same output. */
export function generateCorpus(options: CorpusOptions = {}): CorpusEntry[] {
  const rng = new Rng(options.seed ?? 20240115);
  const size = options.size ?? 3000;
  const out: CorpusEntry[] = [];
  for (let i = 0; i < size; i++) {
    const b = new Builder();
    b.add(rng.pick(PREFIXES));
    const clauses = rng.int(1, 3);
    for (let c = 0; c < clauses; c++) {
      if (c > 0) b.add(rng.pick(['. ', ' — ', '\n', '; ', ' btw ']));
      const template = rng.pick(TEMPLATES);
      let last = 0;
      for (const m of template.matchAll(/\{([A-Z_0-9]+)\}/g)) {
        b.add(template.slice(last, m.index));
        SLOTS[m[1]!]!(b, rng);
        last = m.index + m[0].length;
      }
      b.add(template.slice(last));
    }
    out.push({ text: b.text, entities: b.spans });
  }
  return out;
}

/** One JSON object per line: `{"text": …, "entities": [{"type","start","end"}]}`. */
export function formatCorpus(entries: readonly CorpusEntry[]): string {
  return entries.map((e) => defang(JSON.stringify({ text: e.text, entities: e.entities }))).join('\n') + '\n';
}

/**
 * The corpus's fake secrets look real on purpose (the detector must find them), so in the committed
 * file the first letter of each secret prefix is written as a JSON `\u` escape: secret scanners and
 * readers are not alarmed, and `JSON.parse` gives back exactly the generated text.
 */
const SECRET_PREFIX =
  /xox[abposr]-|xapp-|AKIA|ASIA|AIza|gh[pousr]_|github_pat_|[sr]k_live_|-----BEGIN|eyJ|hooks\.slack\.com/g;

function defang(json: string): string {
  return json.replace(SECRET_PREFIX, (prefix) =>
    prefix.replace(/[A-Za-z]/, (letter) => `\\u${letter.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}

/** Parses the JSONL form back (no validation beyond shape: the corpus is our own file). */
export function parseCorpus(jsonl: string): CorpusEntry[] {
  return jsonl
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CorpusEntry);
}
