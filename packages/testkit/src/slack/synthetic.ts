/**
 * Deterministic synthetic workspaces: users with realistic (fictional) PII in their profiles, public
 * and private channels with the bot in only some, and months of messages with threads, reactions,
 * edits, file shares, rich-text blocks, link attachments, bot messages and PII in the text.
 *
 * Scale: only timestamps are stored (one double per message in per-channel arrays, plus one array per
 * thread). Message bodies are rendered on demand from a PRNG keyed by `(seed, channel, ts)`, so a
 * million messages fit in a few tens of megabytes and the same seed always yields the same workspace.
 * Reply timestamps are `parent + k ms + (1..999) µs` and top-level ones whole milliseconds, so the
 * two can never collide; the rare reply/reply collision is dropped, deterministically.
 */

import { hash32, Prng } from './prng.js';
import { formatTs } from './ts.js';
import type { SlackChannelInfo, SlackFile, SlackMessage, SlackUser } from './types.js';
import { fakeUuid, type LazyMessageSource, richTextBlock, SlackWorkspace } from './workspace.js';

export interface SyntheticWorkspaceOptions {
  /** PRNG seed (default 1). Same seed and options, same workspace. */
  seed?: number;
  /** Human users (default 40). */
  users?: number;
  /** Channels (default 10). */
  channels?: number;
  /** Days of history before `now` (default 30); ~5% of messages are older than this window. */
  days?: number;
  /** Average messages (including replies) per channel per day (default 20). */
  messagesPerChannelPerDay?: number;
  /** Total messages across channels; overrides `messagesPerChannelPerDay`. */
  totalMessages?: number;
  /** Fraction of channels the bot is a member of (default 0.7). */
  botMemberRatio?: number;
  /** Fraction of private channels (default 0.25). */
  privateRatio?: number;
  /** Fraction of messages older than the `days` window (default 0.05). */
  olderRatio?: number;
  /** End of the generated history, epoch ms (default: start of the current UTC day). */
  now?: number | Date;
  teamName?: string;
}

const FIRST_NAMES = [
  'Amara',
  'Bastian',
  'Chiara',
  'Dmitri',
  'Elif',
  'Farah',
  'Gustavo',
  'Hana',
  'Ingrid',
  'Jonas',
  'Keiko',
  'Lucia',
  'Mateo',
  'Nadia',
  'Oskar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tamar',
  'Umar',
  'Valentina',
  'Wei',
  'Ximena',
  'Yusuf',
  'Zofia',
  'Aiden',
  'Bea',
  'Carlos',
  'Dalia',
  'Emeka',
  'Fiona',
  'Goran',
  'Helena',
  'Ivan',
  'Jade',
];
const LAST_NAMES = [
  'Okafor',
  'Lindqvist',
  'Moretti',
  'Volkov',
  'Yilmaz',
  'Haddad',
  'Pereira',
  'Tanaka',
  'Berg',
  'Schneider',
  'Sato',
  'Fernandez',
  'Rossi',
  'Kowalski',
  'Nguyen',
  'Sharma',
  'Dubois',
  'Alvarez',
  'Nilsson',
  'Cohen',
  'Rahman',
  'Greco',
  'Zhang',
  'Castillo',
  'Demir',
  'Nowak',
  'Walsh',
  'Mensah',
  'Ibrahim',
  'Novak',
  'Brennan',
  'Kaur',
];
const TITLES = [
  'Staff Engineer',
  'Product Manager',
  'Account Executive',
  'Support Lead',
  'Data Analyst',
  'Head of People',
  'Finance Manager',
  'Security Engineer',
  'Designer',
  'Customer Success Manager',
  'SRE',
  'Legal Counsel',
  '',
];
const TIMEZONES: Array<[string, string, number]> = [
  ['America/Los_Angeles', 'Pacific Standard Time', -28800],
  ['America/New_York', 'Eastern Standard Time', -18000],
  ['Europe/London', 'Greenwich Mean Time', 0],
  ['Europe/Berlin', 'Central European Time', 3600],
  ['Asia/Kolkata', 'India Standard Time', 19800],
  ['Asia/Tokyo', 'Japan Standard Time', 32400],
];
const CHANNEL_NAMES = [
  'general',
  'random',
  'engineering',
  'sales',
  'support',
  'incidents',
  'hr-confidential',
  'finance',
  'product',
  'design',
  'customer-escalations',
  'security',
  'legal-private',
  'data-team',
  'marketing',
  'ops',
];
const PRIVATE_HINTS = ['hr-confidential', 'legal-private', 'customer-escalations', 'security', 'finance'];
const EMOJI = ['+1', 'eyes', 'white_check_mark', 'tada', 'pray', 'fire', 'heart', 'joy', 'rocket', 'thinking_face'];
const TOPICS = [
  'the Q3 renewal',
  'the billing migration',
  'onboarding',
  'the outage postmortem',
  'the pricing page',
  'the SOC 2 audit',
  'the mobile release',
  'vendor contracts',
  'the hiring plan',
  'expense reports',
  'the data warehouse',
  'the offsite',
];
const URLS = [
  'https://docs.example.com/runbooks/billing',
  'https://github.example.org/acme/api/pull/4821',
  'https://status.example.net/incidents/17',
  'https://drive.example.com/file/d/1AbCdEf/view',
  'https://jira.example.com/browse/OPS-2291',
];
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'];

/** Generates a deterministic synthetic workspace. */
export function generateSyntheticWorkspace(options: SyntheticWorkspaceOptions = {}): SlackWorkspace {
  const seed = options.seed ?? 1;
  const rng = new Prng(hash32(seed, 0x5eed));
  const userCount = Math.max(2, options.users ?? 40);
  const channelCount = Math.max(1, options.channels ?? 10);
  const days = Math.max(1, options.days ?? 30);
  const nowOption = options.now instanceof Date ? options.now.getTime() : options.now;
  const now = nowOption ?? Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const teamId = `T0${rng.alnum(8, ALNUM_UPPER)}`;
  const domain = `sim-${rng.alnum(6)}`;
  const ws = new SlackWorkspace(
    { id: teamId, name: options.teamName ?? 'Northwind Simulated', domain },
    {
      userId: `U0${rng.alnum(8, ALNUM_UPPER)}`,
      botId: `B0${rng.alnum(8, ALNUM_UPPER)}`,
      appId: `A0${rng.alnum(8, ALNUM_UPPER)}`,
      name: 'sluice',
    },
  );
  ws.now = () => now;

  // Users.
  const users: SlackUser[] = [];
  const nowSec = Math.floor(now / 1000);
  for (let i = 0; i < userCount; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const handle = `${first}.${last}${i >= FIRST_NAMES.length ? i : ''}`.toLowerCase();
    const [tz, tzLabel, tzOffset] = rng.pick(TIMEZONES);
    const realName = `${first} ${last}`;
    const user: SlackUser = {
      id: `U0${rng.alnum(8, ALNUM_UPPER)}`,
      team_id: teamId,
      name: handle,
      deleted: rng.chance(0.03),
      color: rng.alnum(6, '0123456789abcdef'),
      real_name: realName,
      tz,
      tz_label: tzLabel,
      tz_offset: tzOffset,
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: rng.chance(0.6) ? first : '',
        display_name_normalized: '',
        first_name: first,
        last_name: last,
        title: rng.pick(TITLES),
        phone: phoneNumber(rng),
        skype: '',
        email: `${handle}@${EMAIL_DOMAINS[0]}`,
        status_text: rng.chance(0.2) ? 'In a meeting' : '',
        status_emoji: '',
        image_72: `https://avatars.example.com/${handle}_72.png`,
        avatar_hash: rng.alnum(12, '0123456789abcdef'),
        team: teamId,
      },
      is_admin: i === 0,
      is_owner: i === 0,
      is_primary_owner: i === 0,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: false,
      is_app_user: false,
      updated: nowSec - rng.int(0, 86_400 * 90),
      is_email_confirmed: true,
    };
    user.profile.display_name_normalized = user.profile.display_name;
    users.push(user);
    ws.addUserRecord(user);
  }
  const activeUsers = users.filter((u) => !u.deleted);
  const botUserId = ws.bot.userId;

  // Channels and membership.
  interface ChannelPlan {
    info: SlackChannelInfo;
    members: string[];
    weight: number;
  }
  const plans: ChannelPlan[] = [];
  const privateRatio = options.privateRatio ?? 0.25;
  const botRatio = options.botMemberRatio ?? 0.7;
  for (let c = 0; c < channelCount; c++) {
    const base = CHANNEL_NAMES[c % CHANNEL_NAMES.length] as string;
    const name = c < CHANNEL_NAMES.length ? base : `${base}-${Math.floor(c / CHANNEL_NAMES.length) + 1}`;
    const isGeneral = c === 0;
    const isPrivate =
      !isGeneral &&
      (PRIVATE_HINTS.includes(base) ? rng.chance(Math.min(1, privateRatio * 3)) : rng.chance(privateRatio / 2));
    const members = isGeneral
      ? activeUsers.map((u) => u.id)
      : activeUsers.filter(() => rng.chance(isPrivate ? 0.25 : 0.55)).map((u) => u.id);
    if (members.length < 2)
      members.push(
        ...activeUsers
          .slice(0, 2)
          .map((u) => u.id)
          .filter((id) => !members.includes(id)),
      );
    const creator = members[0] as string;
    const created = nowSec - (days + 120) * 86_400 - rng.int(0, 86_400 * 200);
    plans.push({
      info: {
        id: `C0${rng.alnum(8, ALNUM_UPPER)}`,
        name,
        is_private: isPrivate,
        created,
        creator,
        is_archived: false,
        is_general: isGeneral,
        topic: { value: rng.chance(0.5) ? `All about ${rng.pick(TOPICS)}` : '', creator, last_set: created },
        purpose: { value: `Discussion of ${rng.pick(TOPICS)}`, creator, last_set: created },
        previous_names: [],
      },
      members,
      weight: isGeneral ? 2 : 0.3 + rng.next() * 1.4,
    });
  }
  // The bot joins a deterministic fraction, but at least one public and one private channel when they exist.
  const botChannels = new Set<number>();
  for (let c = 0; c < plans.length; c++) if (rng.chance(botRatio)) botChannels.add(c);
  const firstPublic = plans.findIndex((p) => !p.info.is_private);
  const firstPrivate = plans.findIndex((p) => p.info.is_private);
  if (botRatio > 0 && firstPublic >= 0 && ![...botChannels].some((c) => !plans[c]?.info.is_private))
    botChannels.add(firstPublic);
  if (botRatio > 0 && firstPrivate >= 0 && ![...botChannels].some((c) => plans[c]?.info.is_private))
    botChannels.add(firstPrivate);
  if (botRatio < 1 && botChannels.size === plans.length && plans.length > 1) botChannels.delete(plans.length - 1);

  // Message counts per channel.
  const totalWeight = plans.reduce((sum, p) => sum + p.weight, 0);
  const perDay = options.messagesPerChannelPerDay ?? 20;
  const total = options.totalMessages ?? Math.round(perDay * days * channelCount);
  const counts = plans.map((p) => Math.floor((total * p.weight) / totalWeight));
  let remainder = total - counts.reduce((a, b) => a + b, 0);
  for (let c = 0; remainder > 0; c = (c + 1) % counts.length, remainder--) counts[c] = (counts[c] as number) + 1;

  const source = new SyntheticMessageSource(
    seed,
    now,
    plans.map((p) => p.members),
    users,
  );
  const windowStart = now - days * 86_400_000;
  const olderRatio = options.olderRatio ?? 0.05;
  plans.forEach((plan, c) => {
    const members = botChannels.has(c) ? [...plan.members, botUserId] : plan.members;
    const state = ws.addChannelRecord(plan.info, members);
    state.lazy = source;
    layOutChannel(
      state,
      hash32(seed, c, 0x7a11),
      counts[c] as number,
      windowStart,
      now,
      plan.info.created * 1000,
      olderRatio,
    );
    for (const ts of state.top) ws.noteTs(ts);
    for (const replies of state.threads.values()) ws.noteTs(replies[replies.length - 1] as number);
  });
  ws.now = Date.now;
  return ws;
}

const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Decides thread shapes and timestamps for one channel, filling `top`, `threads` and `broadcastParent`. */
function layOutChannel(
  state: { top: number[]; threads: Map<number, number[]>; broadcastParent: Map<number, number> },
  channelSeed: number,
  count: number,
  windowStart: number,
  now: number,
  createdMs: number,
  olderRatio: number,
): void {
  if (count <= 0) return;
  const rng = new Prng(channelSeed);
  // Pass 1: reply counts per top-level message until the budget is used.
  const replyCounts: number[] = [];
  let used = 0;
  while (used < count) {
    let replies = 0;
    const roll = rng.next();
    if (roll < 0.01) replies = rng.int(40, 300);
    else if (roll < 0.05) replies = rng.int(7, 30);
    else if (roll < 0.25) replies = rng.int(1, 6);
    replies = Math.min(replies, count - used - 1, 998);
    replyCounts.push(replies);
    used += 1 + replies;
  }
  const tops = replyCounts.length;
  const older = Math.min(tops, Math.round(tops * olderRatio));
  const olderStart = Math.max(createdMs + 60_000, windowStart - 90 * 86_400_000);
  const olderSpan = Math.max(1, windowStart - olderStart);
  const windowSpan = Math.max(1, now - 60_000 - windowStart);
  // Pass 2: timestamps. Tops are whole milliseconds, evenly spread with jitter inside their slot.
  const top = new Array<number>(tops);
  for (let i = 0; i < tops; i++) {
    const inWindow = i >= older;
    const slotCount = inWindow ? tops - older : older;
    const slotIndex = inWindow ? i - older : i;
    const start = inWindow ? windowStart : olderStart;
    const span = inWindow ? windowSpan : olderSpan;
    const slot = span / slotCount;
    const ms = Math.floor(start + slot * slotIndex + rng.next() * slot * 0.9);
    top[i] = ms * 1000;
  }
  for (let i = 1; i < tops; i++) {
    if ((top[i] as number) <= (top[i - 1] as number)) top[i] = (top[i - 1] as number) + 1000;
  }
  const allReplies: number[] = [];
  for (let i = 0; i < tops; i++) {
    const n = replyCounts[i] as number;
    if (n === 0) continue;
    const parent = top[i] as number;
    const offsets: number[] = [];
    let offsetMs = 0;
    for (let k = 0; k < n; k++) {
      offsetMs += 1000 + Math.floor(rng.next() * (n > 30 ? 120_000 : 1_800_000));
      offsets.push(offsetMs);
    }
    // Squeeze the thread into the time left before `now`; the µs part keeps replies distinct and ordered.
    const available = now - 1000 - parent / 1000;
    const scale = Math.min(1, available / offsetMs);
    const replies = offsets.map((ms, k) => parent + Math.floor(ms * scale) * 1000 + (k % 999) + 1);
    state.threads.set(parent, replies);
    for (const ts of replies) allReplies.push(ts);
  }
  // Drop reply/reply timestamp collisions (astronomically rare, but ts must be unique per channel).
  if (allReplies.length > 1) {
    const sorted = Float64Array.from(allReplies).sort();
    const dupes = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) dupes.add(sorted[i] as number);
    if (dupes.size > 0) {
      for (const [parent, replies] of state.threads) {
        const kept = replies.filter((ts) => !dupes.has(ts));
        if (kept.length > 0) state.threads.set(parent, kept);
        else state.threads.delete(parent);
      }
    }
  }
  // About 3% of replies are also sent to the channel (thread_broadcast).
  const broadcasts: number[] = [];
  for (const [parent, replies] of state.threads) {
    for (const ts of replies) {
      if (hash32(channelSeed, ts) % 100 < 3) {
        broadcasts.push(ts);
        state.broadcastParent.set(ts, parent);
      }
    }
  }
  const merged = top.concat(broadcasts);
  merged.sort((a, b) => a - b);
  state.top.push(...merged);
}

function phoneNumber(rng: Prng): string {
  // Fictional ranges: NANP 555-01xx and Ofcom's drama numbers.
  return rng.chance(0.6)
    ? `+1 ${rng.pick(['415', '212', '646', '312'])} 555 01${String(rng.int(0, 99)).padStart(2, '0')}`
    : `+44 20 7946 0${String(rng.int(0, 999)).padStart(3, '0')}`;
}

/** A Luhn-valid 16-digit Visa-style number (test data: the 4000 prefix block is not issued to people). */
function cardNumber(rng: Prng): string {
  const digits = [4, 0, 0, 0];
  while (digits.length < 15) digits.push(rng.int(0, 9));
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    let d = digits[14 - i] as number;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  digits.push((10 - (sum % 10)) % 10);
  const s = digits.join('');
  return `${s.slice(0, 4)} ${s.slice(4, 8)} ${s.slice(8, 12)} ${s.slice(12)}`;
}

/** Renders synthetic message bodies from `(seed, channel, ts)`. */
class SyntheticMessageSource implements LazyMessageSource {
  private readonly seed: number;
  private readonly now: number;
  private readonly members: string[][];
  private readonly users: Map<string, SlackUser>;
  private readonly botIds = ['B0SIMJIRA1', 'B0SIMPAGER', 'B0SIMGHUB1'];
  private readonly botNames = ['Jira Cloud', 'PagerDuty', 'GitHub'];

  constructor(seed: number, now: number, members: string[][], users: SlackUser[]) {
    this.seed = seed;
    this.now = now;
    this.members = members;
    this.users = new Map(users.map((u) => [u.id, u]));
  }

  private rngFor(channel: number, ts: number): Prng {
    return new Prng(hash32(this.seed, channel, ts));
  }

  /** First two draws decide kind and author; `userOf` replays exactly these. */
  private head(channel: number, ts: number, isReply: boolean): { rng: Prng; kind: string; user: string } {
    const rng = this.rngFor(channel, ts);
    const roll = rng.next();
    const kind = isReply
      ? roll < 0.03
        ? 'file'
        : 'user'
      : roll < 0.06
        ? 'bot'
        : roll < 0.1
          ? 'file'
          : roll < 0.11
            ? 'join'
            : 'user';
    const members = this.members[channel] ?? [];
    const pick = rng.next();
    const user =
      kind === 'bot'
        ? (this.botIds[Math.floor(pick * this.botIds.length)] as string)
        : (members[Math.floor(pick * members.length)] as string);
    return { rng, kind, user };
  }

  userOf(channel: number, ts: number, parentTs: number | undefined): string {
    return this.head(channel, ts, parentTs !== undefined).user;
  }

  render(channel: number, ts: number, parentTs: number | undefined): SlackMessage {
    const { rng, kind, user } = this.head(channel, ts, parentTs !== undefined);
    const tsText = formatTs(ts);
    const members = this.members[channel] ?? [];
    if (kind === 'bot') {
      const botIndex = this.botIds.indexOf(user);
      const text = `${this.botNames[botIndex]}: ${rng.pick(['New issue', 'Incident triggered', 'PR merged'])} for ${rng.pick(TOPICS)}`;
      return {
        type: 'message',
        subtype: 'bot_message',
        ts: tsText,
        bot_id: user,
        username: this.botNames[botIndex],
        text,
        attachments: [
          {
            id: 1,
            color: 'd50200',
            fallback: text,
            title: rng.pick(['OPS-2291', 'INC-17', '#4821']),
            title_link: rng.pick(URLS),
            text: `Reported by ${this.users.get(rng.pick(members))?.real_name ?? 'someone'}`,
          },
        ],
      };
    }
    if (kind === 'join') {
      return { type: 'message', subtype: 'channel_join', ts: tsText, user, text: `<@${user}> has joined the channel` };
    }
    const text = this.text(rng, members, parentTs !== undefined);
    const message: SlackMessage = {
      type: 'message',
      ts: tsText,
      user,
      text,
      team: this.users.get(user)?.team_id ?? '',
      client_msg_id: fakeUuid(hash32(this.seed, channel, ts) * 4096 + (ts % 4096)),
      blocks: [richTextBlock(text, rng.alnum(5))],
    };
    if (kind === 'file') {
      message.subtype = 'file_share';
      message.files = [this.file(rng, user, ts)];
      message.upload = true;
      message.display_as_bot = false;
    }
    const url = /<(https?:[^>|]+)>/.exec(text)?.[1];
    if (url && rng.chance(0.4)) {
      message.attachments = [
        {
          id: 1,
          from_url: url,
          original_url: url,
          fallback: `Example: ${url}`,
          title: rng.pick(['Runbook', 'Pull request', 'Incident status', 'Shared document']),
          title_link: url,
          text: `Preview of ${rng.pick(TOPICS)}`,
          service_name: 'example.com',
        },
      ];
    }
    if (rng.chance(0.15)) {
      const reactions = [];
      const n = rng.int(1, 3);
      const used = new Set<string>();
      for (let i = 0; i < n; i++) {
        const name = rng.pick(EMOJI);
        if (used.has(name)) continue;
        used.add(name);
        const who = [...new Set(Array.from({ length: rng.int(1, 4) }, () => rng.pick(members)))];
        reactions.push({ name, users: who, count: who.length });
      }
      message.reactions = reactions;
    }
    if (rng.chance(0.05)) {
      const editedMs = Math.min(this.now, Math.floor(ts / 1000) + rng.int(5_000, 600_000));
      message.edited = { user, ts: formatTs(editedMs * 1000) };
    }
    return message;
  }

  private text(rng: Prng, members: string[], short: boolean): string {
    const person = this.users.get(rng.pick(members));
    const name = person?.real_name ?? 'someone';
    const email = person?.profile.email ?? 'someone@example.com';
    const topic = rng.pick(TOPICS);
    const templates = short
      ? [
          () => `+1, thanks <@${rng.pick(members)}>`,
          () => `I can take ${topic} this week`,
          () => `Call me on ${phoneNumber(rng)} if it's urgent`,
          () => `Looping in ${name} (${email})`,
          () => `Done: <${rng.pick(URLS)}>`,
          () => `Not sure, ${name} owns ${topic}`,
        ]
      : [
          () => `Hi team, quick update on ${topic}: we're on track for Friday.`,
          () => `<@${rng.pick(members)}> can you review ${topic}? Details: <${rng.pick(URLS)}>`,
          () => `Customer ${name} asked to be contacted at ${email} or ${phoneNumber(rng)} about ${topic}.`,
          () => `Refund issued to card ${cardNumber(rng)} for ${name}, ticket <${rng.pick(URLS)}|OPS-2291>`,
          () => `Reminder: ${topic} sync at 3pm. Agenda in <${rng.pick(URLS)}>`,
          () => `Has anyone heard back from ${name} about ${topic}?`,
          () => `New hire ${name} starts Monday, personal email ${email.replace(/@.*/, '@gmail.example.com')}.`,
          () => `Heads up: ${topic} is blocked on legal review.`,
        ];
    return rng.pick(templates)();
  }

  private file(rng: Prng, user: string, ts: number): SlackFile {
    const kinds = [
      {
        name: 'q3-forecast.xlsx',
        mimetype: 'application/vnd.ms-excel',
        filetype: 'xlsx',
        pretty_type: 'Excel Spreadsheet',
      },
      { name: 'contract-draft.pdf', mimetype: 'application/pdf', filetype: 'pdf', pretty_type: 'PDF' },
      { name: 'screenshot.png', mimetype: 'image/png', filetype: 'png', pretty_type: 'PNG' },
      { name: 'notes.txt', mimetype: 'text/plain', filetype: 'text', pretty_type: 'Plain Text' },
    ];
    const kind = rng.pick(kinds);
    const id = `F0${rng.alnum(8, ALNUM_UPPER)}`;
    const created = Math.floor(ts / 1_000_000);
    const file: SlackFile = {
      id,
      created,
      timestamp: created,
      name: kind.name,
      title: kind.name.replace(/\.[a-z]+$/, '').replace(/-/g, ' '),
      mimetype: kind.mimetype,
      filetype: kind.filetype,
      pretty_type: kind.pretty_type,
      user,
      size: rng.int(2_000, 4_000_000),
      mode: 'hosted',
      is_external: false,
      is_public: true,
      url_private: `https://files.slack.com/files-pri/sim-${id}/${kind.name}`,
      permalink: `https://sim.slack.com/files/${user}/${id}/${kind.name}`,
    };
    if (kind.filetype === 'text') {
      file.preview = `Call notes with ${rng.pick(FIRST_NAMES)}: follow up at ${phoneNumber(rng)}`;
    }
    return file;
  }
}
