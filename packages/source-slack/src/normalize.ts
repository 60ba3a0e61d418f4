/**
 * Normalisation: Slack Web API, Events API and export objects → canonical Sluice records. Pure
 * functions, no I/O, so every source (history, live, export) produces byte-identical records for the
 * same Slack state. Versions are microseconds on Slack's own clock (the latest change we know of),
 * so the same message read twice gets the same key and version, and the newest change wins in sinks.
 *
 * Deletes are emitted as `op: 'upsert'` with `deleted: true` and every text-bearing field null rather
 * than `op: 'delete'`: the row stays visible as deleted (thread structure and counts keep working, and
 * auditors see that something was removed), the content is gone from every sink that applies upserts,
 * and because the tombstone carries the highest version a late, older upsert cannot resurrect it.
 */
import {
  type AuditRecord,
  type ChannelRecord,
  type Json,
  type MessageRecord,
  type Reaction,
  slackTsToIso,
  slackTsToMicros,
  type UserRecord,
} from '@sluice/core';

/** A Slack object as decoded from JSON: fields are read defensively. */
export type SlackObject = Record<string, unknown>;

const TS_PATTERN = /^\d+(\.\d+)?$/;

/** Whether a value looks like a Slack `ts` ("1700000000.000100"). */
export function isSlackTs(value: unknown): value is string {
  return typeof value === 'string' && TS_PATTERN.test(value);
}

/** Microseconds → a Slack ts string ("1700000000.000100"). */
export function microsToTs(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  return `${seconds}.${String(micros - seconds * 1_000_000).padStart(6, '0')}`;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
}

function obj(value: unknown): SlackObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as SlackObject) : null;
}

function arr(value: unknown): unknown[] | null {
  return Array.isArray(value) ? value : null;
}

function tsMicros(value: unknown): number | null {
  return isSlackTs(value) ? slackTsToMicros(value) : null;
}

/** Slack epoch seconds (users' `updated`, channels' `created`) → ISO time. */
function secondsToIso(value: unknown): string | null {
  const n = int(value);
  return n === null || n <= 0 ? null : new Date(n * 1000).toISOString();
}

const MENTION_PATTERN = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;

/** User IDs mentioned in mrkdwn text (`<@U123>` / `<@U123|name>`) and rich-text blocks, in order, deduped. */
export function extractMentions(text: unknown, blocks: unknown): string[] {
  const found = new Set<string>();
  if (typeof text === 'string') {
    for (const match of text.matchAll(MENTION_PATTERN)) found.add(match[1] as string);
  }
  const walk = (node: unknown, depth: number): void => {
    // Block Kit nests a few levels; the cap only guards against pathological input.
    if (depth > 32) return;
    if (Array.isArray(node)) {
      for (const child of node) walk(child, depth + 1);
      return;
    }
    const o = obj(node);
    if (!o) return;
    if (o.type === 'user' && typeof o.user_id === 'string') found.add(o.user_id);
    if (o.elements !== undefined) walk(o.elements, depth + 1);
  };
  walk(blocks, 0);
  return [...found];
}

/** Reactions with names, counts and user IDs. */
export function normalizeReactions(value: unknown): Reaction[] {
  const out: Reaction[] = [];
  for (const item of arr(value) ?? []) {
    const r = obj(item);
    const name = str(r?.name);
    if (!r || name === null) continue;
    const users = (arr(r.users) ?? []).filter((u): u is string => typeof u === 'string');
    out.push({ name, count: Math.max(0, int(r.count) ?? users.length), users });
  }
  return out;
}

/** File fields kept: identity, type and the text-bearing ones (name, title, preview) that transforms govern. */
const FILE_FIELDS = [
  'id',
  'created',
  'name',
  'title',
  'mimetype',
  'filetype',
  'pretty_type',
  'size',
  'mode',
  'is_external',
  'user',
  'preview',
  'preview_highlight',
  'plain_text',
  'lines',
  'lines_more',
  'has_rich_preview',
] as const;

/** Files as metadata: no download URLs or permalinks (they grant access), only what describes the file. */
export function normalizeFiles(raw: SlackObject): Json | null {
  const list = arr(raw.files) ?? (obj(raw.file) ? [raw.file] : null);
  if (!list) return null;
  return list.map((f) => {
    const file = obj(f) ?? {};
    const out: { [key: string]: Json } = {};
    for (const name of FILE_FIELDS) {
      const v = file[name];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[name] = v;
    }
    return out;
  });
}

function asJson(value: unknown): Json | null {
  return value === undefined ? null : (value as Json);
}

export interface MessageContext {
  tenant: string;
  channelId: string;
  /** Workspace team ID, used when the message does not carry one. */
  teamId?: string | null;
  /** Lower bound for the version, e.g. the time of the latest reaction change we know of (µs). */
  minVersion?: number;
}

/**
 * A Slack message (conversations.history/replies, an event's `message`, an export day file) → a
 * message record. `edited` drives the version; a `tombstone` (deleted parent kept for its replies)
 * becomes a deleted record.
 *
 * @example
 * const record = normalizeMessage({ type: 'message', ts: '1700000000.000100', user: 'U1', text: 'hi <@U2>' },
 *   { tenant: 'acme', channelId: 'C1' });
 * // record.key === 'C1:1700000000.000100', record.mentions → ['U2']
 */
export function normalizeMessage(raw: SlackObject, ctx: MessageContext): MessageRecord {
  const ts = raw.ts;
  if (!isSlackTs(ts)) throw new TypeError('message without a valid ts');
  const edited = obj(raw.edited);
  const editedMicros = tsMicros(edited?.ts);
  // A new reply changes a parent's thread fields, so its latest_reply counts as a change too.
  const replyMicros = raw.thread_ts === ts ? (tsMicros(raw.latest_reply) ?? 0) : 0;
  const version = Math.max(slackTsToMicros(ts), editedMicros ?? 0, replyMicros, ctx.minVersion ?? 0);
  if (raw.subtype === 'tombstone') {
    return deletedMessageRecord({ tenant: ctx.tenant, channelId: ctx.channelId, ts, version, raw });
  }
  const replies = arr(raw.replies);
  let replyUsers = arr(raw.reply_users)?.filter((u): u is string => typeof u === 'string') ?? null;
  let latestReply = str(raw.latest_reply);
  // Old exports list replies as `[{ user, ts }]` instead of reply_users/latest_reply.
  if (replies && (replyUsers === null || latestReply === null)) {
    const entries = replies.map(obj).filter((r): r is SlackObject => r !== null);
    replyUsers ??= [...new Set(entries.map((r) => r.user).filter((u): u is string => typeof u === 'string'))];
    latestReply ??=
      entries
        .map((r) => r.ts)
        .filter(isSlackTs)
        .sort(compareTs)
        .at(-1) ?? null;
  }
  const replyCount = int(raw.reply_count) ?? (replies ? replies.length : null);
  const threadTs = str(raw.thread_ts);
  return {
    kind: 'message',
    tenant: ctx.tenant,
    key: `${ctx.channelId}:${ts}`,
    version,
    op: 'upsert',
    channel_id: ctx.channelId,
    ts,
    user_id: str(raw.user),
    bot_id: str(raw.bot_id),
    team_id: str(raw.team) ?? str(raw.user_team) ?? ctx.teamId ?? null,
    posted_at: slackTsToIso(ts),
    subtype: str(raw.subtype),
    thread_ts: threadTs,
    parent_user_id: str(raw.parent_user_id),
    reply_count: replyCount,
    reply_users: replyUsers,
    latest_reply: latestReply,
    edited_at: editedMicros === null ? null : slackTsToIso(edited?.ts as string),
    edited_by: str(edited?.user),
    deleted: false,
    reactions: normalizeReactions(raw.reactions),
    mentions: extractMentions(raw.text, raw.blocks),
    text: typeof raw.text === 'string' ? raw.text : null,
    blocks: asJson(raw.blocks),
    attachments: asJson(raw.attachments),
    files: normalizeFiles(raw),
    user_profile: asJson(raw.user_profile),
  };
}

/** Compares two Slack ts strings numerically. */
export function compareTs(a: string, b: string): number {
  return slackTsToMicros(a) - slackTsToMicros(b);
}

/**
 * A deleted message: visible as deleted, every text-bearing field null. Built from the channel, the
 * deleted ts and the time of the deletion only; a `previous_message` never contributes.
 */
export function deletedMessageRecord(input: {
  tenant: string;
  channelId: string;
  ts: string;
  /** Microseconds of the deletion (the event time). */
  version: number;
  /** A tombstone still carries thread fields worth keeping; never pass a `previous_message`. */
  raw?: SlackObject;
}): MessageRecord {
  const raw = input.raw ?? {};
  return {
    kind: 'message',
    tenant: input.tenant,
    key: `${input.channelId}:${input.ts}`,
    version: Math.max(input.version, slackTsToMicros(input.ts)),
    op: 'upsert',
    channel_id: input.channelId,
    ts: input.ts,
    user_id: null,
    bot_id: null,
    team_id: null,
    posted_at: slackTsToIso(input.ts),
    subtype: str(raw.subtype),
    thread_ts: str(raw.thread_ts),
    parent_user_id: null,
    reply_count: int(raw.reply_count),
    reply_users: null,
    latest_reply: str(raw.latest_reply),
    edited_at: null,
    edited_by: null,
    deleted: true,
    reactions: [],
    mentions: [],
    text: null,
    blocks: null,
    attachments: null,
    files: null,
    user_profile: null,
  };
}

export interface UserContext {
  tenant: string;
  teamId?: string | null;
  /** Version to use when the user object has no `updated` (µs). */
  fallbackVersion: number;
}

/** A `users.list` member, `users.info` user, `user_change`/`team_join` user or export user → a user record. */
export function normalizeUser(raw: SlackObject, ctx: UserContext): UserRecord {
  const id = str(raw.id);
  if (id === null) throw new TypeError('user without an id');
  const profile = obj(raw.profile) ?? {};
  const updated = int(raw.updated);
  // Email only when Slack gave it (the token has users:read.email); never guessed.
  const email = str(profile.email);
  const at = email?.lastIndexOf('@') ?? -1;
  return {
    kind: 'user',
    tenant: ctx.tenant,
    key: id,
    version: updated !== null && updated > 0 ? updated * 1_000_000 : ctx.fallbackVersion,
    op: 'upsert',
    user_id: id,
    team_id: str(raw.team_id) ?? str(profile.team) ?? ctx.teamId ?? null,
    name: str(raw.name),
    real_name: str(raw.real_name) ?? str(profile.real_name),
    display_name: str(profile.display_name),
    title: str(profile.title),
    email,
    email_domain: email !== null && at > 0 ? email.slice(at + 1).toLowerCase() : null,
    phone: str(profile.phone),
    tz: str(raw.tz),
    is_bot: raw.is_bot === true || id === 'USLACKBOT' || typeof profile.bot_id === 'string',
    is_deleted: raw.deleted === true,
    is_restricted: raw.is_restricted === true || raw.is_ultra_restricted === true,
    updated_at: secondsToIso(updated),
  };
}

export interface ChannelContext {
  tenant: string;
  teamId?: string | null;
  /** Version of this observation (µs): the event time, or when the channel was read. */
  version: number;
  /** Overrides for what the object does not say (export `groups.json` → private). */
  isPrivate?: boolean;
  isMember?: boolean;
}

/** A conversations.* channel, an export channel/group or a rename event's channel → a channel record. */
export function normalizeChannel(raw: SlackObject, ctx: ChannelContext): ChannelRecord {
  const id = str(raw.id);
  if (id === null) throw new TypeError('channel without an id');
  const topic = obj(raw.topic);
  const purpose = obj(raw.purpose);
  const members = arr(raw.members);
  const isPrivate = ctx.isPrivate ?? (raw.is_private === true || raw.is_group === true || raw.is_mpim === true);
  return {
    kind: 'channel',
    tenant: ctx.tenant,
    key: id,
    version: ctx.version,
    op: 'upsert',
    channel_id: id,
    team_id: str(raw.context_team_id) ?? ctx.teamId ?? null,
    name: str(raw.name),
    is_private: isPrivate,
    is_archived: raw.is_archived === true,
    is_member: ctx.isMember ?? raw.is_member === true,
    created_at: secondsToIso(raw.created),
    creator_id: str(raw.creator),
    num_members: int(raw.num_members) ?? (members ? members.length : null),
    topic: typeof topic?.value === 'string' ? topic.value : null,
    purpose: typeof purpose?.value === 'string' ? purpose.value : null,
  };
}

/** An audit record (IDs and counts only). `at` is microseconds; the key is unique per action, subject and time. */
export function auditRecord(input: {
  tenant: string;
  action: string;
  subject: string | null;
  at: number;
  actor?: string;
  details?: Json;
}): AuditRecord {
  return {
    kind: 'audit',
    tenant: input.tenant,
    key: `${input.action}:${input.subject ?? '-'}:${input.at}`,
    version: input.at,
    op: 'upsert',
    at: new Date(Math.floor(input.at / 1000)).toISOString(),
    actor: input.actor ?? 'source-slack',
    action: input.action,
    subject: input.subject,
    details: input.details ?? null,
  };
}
