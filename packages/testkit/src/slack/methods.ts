/**
 * The simulated Web API methods. Each handler takes the caller's token and the request arguments
 * (form fields or JSON, already flattened to strings) and returns the success body, or throws a
 * `SlackApiError` that the router turns into Slack's HTTP 200 `{ ok: false, error }`. Page sizes,
 * defaults and scope checks follow the method pages on docs.slack.dev.
 */

import { decodeCursor, encodeCursor } from './cursor.js';
import type { RateLimitProfileName } from './rate-limiter.js';
import { formatTs, lowerBound, parseTs, upperBound } from './ts.js';
import type { SlackChannelInfo, SlackMessage, SlackUser } from './types.js';
import type { ChannelState, SlackWorkspace } from './workspace.js';

/** An API error as Slack reports it, with optional extra fields (`needed`, `provided`). */
export class SlackApiError extends Error {
  readonly error: string;
  readonly extra: Record<string, unknown>;
  constructor(error: string, extra: Record<string, unknown> = {}) {
    super(error);
    this.name = 'SlackApiError';
    this.error = error;
    this.extra = extra;
  }
}

export interface TokenInfo {
  kind: 'bot' | 'app';
  teamId: string;
  scopes: readonly string[];
}

export interface MethodContext {
  workspace: SlackWorkspace;
  token: TokenInfo;
  profile: RateLimitProfileName;
  /** Issues a Socket Mode URL (apps.connections.open). */
  openSocketUrl: () => string;
  /** Repeat the thread parent at the top of every conversations.replies page (default: first page only). */
  repliesParentOnEveryPage: boolean;
}

export type MethodArgs = Record<string, string>;
export type MethodHandler = (ctx: MethodContext, args: MethodArgs) => Record<string, unknown>;

interface PageSpec {
  default: number;
  max: number;
}

/** `limit` defaults and maxima per method. users.list's 0 means "as many as Slack likes" (we use 1000). */
export function pageSpec(profile: RateLimitProfileName, method: string): PageSpec {
  if (profile === 'non-marketplace' && (method === 'conversations.history' || method === 'conversations.replies')) {
    return { default: 15, max: 15 };
  }
  switch (method) {
    case 'conversations.history':
      return { default: 100, max: 999 };
    case 'conversations.replies':
      return { default: 1000, max: 1000 };
    case 'users.list':
      return { default: 1000, max: 1000 };
    default:
      return { default: 100, max: 1000 };
  }
}

function pageLimit(ctx: MethodContext, method: string, args: MethodArgs): number {
  const spec = pageSpec(ctx.profile, method);
  const raw = args.limit;
  if (raw === undefined || raw === '') return spec.default;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new SlackApiError('invalid_limit');
  if (n === 0) return spec.default;
  return Math.min(Math.floor(n), spec.max);
}

function requireScope(ctx: MethodContext, anyOf: string[]): void {
  if (anyOf.some((scope) => ctx.token.scopes.includes(scope))) return;
  throw new SlackApiError('missing_scope', { needed: anyOf.join(','), provided: ctx.token.scopes.join(',') });
}

function bool(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

function requireArg(args: MethodArgs, name: string): string {
  const value = args[name];
  if (value === undefined || value === '') throw new SlackApiError('invalid_arguments', { missing: name });
  return value;
}

function respondPage(items: Record<string, unknown>, nextCursor: string): Record<string, unknown> {
  return { ...items, response_metadata: { next_cursor: nextCursor } };
}

// ---- users ----

function publicUser(ctx: MethodContext, user: SlackUser): SlackUser {
  if (ctx.token.scopes.includes('users:read.email') || user.profile.email === undefined) return user;
  const { email: _email, ...profile } = user.profile;
  return { ...user, profile: profile as SlackUser['profile'] };
}

const usersList: MethodHandler = (ctx, args) => {
  requireScope(ctx, ['users:read']);
  const ids = ctx.workspace.listUsers();
  const limit = pageLimit(ctx, 'users.list', args);
  const start = idCursorStart(args.cursor, 'user', ids);
  const page = ids.slice(start, start + limit);
  const members = page.map((id) => publicUser(ctx, ctx.workspace.getUser(id) as SlackUser));
  const next = start + limit < ids.length ? encodeCursor('user', ids[start + limit] as string) : '';
  return respondPage({ members, cache_ts: Math.floor(ctx.workspace.now() / 1000) }, next);
};

function idCursorStart(cursor: string | undefined, kind: 'user' | 'channel' | 'member', ids: readonly string[]) {
  if (cursor === undefined || cursor === '') return 0;
  const id = decodeCursor(cursor, kind);
  const index = id === undefined ? -1 : ids.indexOf(id);
  if (index < 0) throw new SlackApiError('invalid_cursor');
  return index;
}

const usersInfo: MethodHandler = (ctx, args) => {
  requireScope(ctx, ['users:read']);
  const user = ctx.workspace.getUser(requireArg(args, 'user'));
  if (!user) throw new SlackApiError('user_not_found');
  return { user: publicUser(ctx, user) };
};

// ---- channels ----

function visibleToBot(ctx: MethodContext, state: ChannelState): boolean {
  return !state.info.is_private || state.members.has(ctx.workspace.bot.userId);
}

function requireChannelState(ctx: MethodContext, args: MethodArgs): ChannelState {
  // Slack answers a missing channel argument with channel_not_found, not invalid_arguments.
  const state = ctx.workspace.getChannel(args.channel ?? '');
  if (!state || !visibleToBot(ctx, state)) throw new SlackApiError('channel_not_found');
  return state;
}

function readScope(state: ChannelState): string {
  return state.info.is_private ? 'groups:read' : 'channels:read';
}

function historyScope(state: ChannelState): string {
  return state.info.is_private ? 'groups:history' : 'channels:history';
}

/** The channel object as conversations.* return it. */
export function channelObject(
  ctx: MethodContext,
  state: ChannelState,
  options: { numMembers?: boolean } = {},
): Record<string, unknown> {
  const info: SlackChannelInfo = state.info;
  const { is_private, ...rest } = info;
  return {
    ...rest,
    is_channel: !is_private,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private,
    is_shared: false,
    is_org_shared: false,
    is_ext_shared: false,
    is_pending_ext_shared: false,
    is_member: state.members.has(ctx.workspace.bot.userId),
    name_normalized: info.name,
    unlinked: 0,
    context_team_id: ctx.workspace.team.id,
    updated: info.created * 1000,
    shared_team_ids: [ctx.workspace.team.id],
    ...(options.numMembers ? { num_members: state.members.size } : {}),
  };
}

function parseTypes(value: string | undefined): { publicOk: boolean; privateOk: boolean } {
  const types = (value ?? 'public_channel').split(',').map((t) => t.trim());
  return { publicOk: types.includes('public_channel'), privateOk: types.includes('private_channel') };
}

function listChannelsFor(
  ctx: MethodContext,
  method: 'conversations.list' | 'users.conversations',
  args: MethodArgs,
  include: (state: ChannelState) => boolean,
): Record<string, unknown> {
  const { publicOk, privateOk } = parseTypes(args.types);
  if (publicOk) requireScope(ctx, ['channels:read']);
  if (privateOk) requireScope(ctx, ['groups:read']);
  const excludeArchived = bool(args.exclude_archived);
  const ids = ctx.workspace.listChannels().filter((id) => {
    const state = ctx.workspace.getChannel(id) as ChannelState;
    if (state.info.is_private ? !privateOk : !publicOk) return false;
    if (excludeArchived && state.info.is_archived) return false;
    return include(state);
  });
  const limit = pageLimit(ctx, method, args);
  const start = idCursorStart(args.cursor, 'channel', ids);
  const page = ids.slice(start, start + limit);
  const channels = page.map((id) =>
    channelObject(ctx, ctx.workspace.getChannel(id) as ChannelState, { numMembers: method === 'conversations.list' }),
  );
  const next = start + limit < ids.length ? encodeCursor('channel', ids[start + limit] as string) : '';
  return respondPage({ channels }, next);
}

const conversationsList: MethodHandler = (ctx, args) =>
  listChannelsFor(ctx, 'conversations.list', args, (state) => visibleToBot(ctx, state));

const usersConversations: MethodHandler = (ctx, args) => {
  const user = args.user ?? ctx.workspace.bot.userId;
  if (!ctx.workspace.getUser(user)) throw new SlackApiError('user_not_found');
  return listChannelsFor(
    ctx,
    'users.conversations',
    args,
    (state) => visibleToBot(ctx, state) && state.members.has(user),
  );
};

const conversationsInfo: MethodHandler = (ctx, args) => {
  const state = requireChannelState(ctx, args);
  requireScope(ctx, [readScope(state)]);
  return { channel: channelObject(ctx, state, { numMembers: bool(args.include_num_members) }) };
};

const conversationsMembers: MethodHandler = (ctx, args) => {
  const state = requireChannelState(ctx, args);
  requireScope(ctx, [readScope(state)]);
  const ids = [...state.members];
  const limit = pageLimit(ctx, 'conversations.members', args);
  const start = idCursorStart(args.cursor, 'member', ids);
  const next = start + limit < ids.length ? encodeCursor('member', ids[start + limit] as string) : '';
  return respondPage({ members: ids.slice(start, start + limit) }, next);
};

// ---- history and replies ----

interface TimeRange {
  /** Lowest ts included (µs). */
  lo: number;
  /** Highest ts included (µs). */
  hi: number;
}

function timeRange(args: MethodArgs): TimeRange {
  const inclusive = bool(args.inclusive);
  const oldest = args.oldest === undefined || args.oldest === '' ? undefined : parseTs(args.oldest);
  const latest = args.latest === undefined || args.latest === '' ? undefined : parseTs(args.latest);
  if (args.oldest && oldest === undefined) throw new SlackApiError('invalid_ts_oldest');
  if (args.latest && latest === undefined) throw new SlackApiError('invalid_ts_latest');
  const lo = oldest === undefined ? 0 : inclusive ? oldest : oldest + 1;
  // Slack's `latest` defaults to now; nothing is stored after now, so "no upper bound" is the same.
  const hi = latest === undefined ? Number.MAX_SAFE_INTEGER : inclusive ? latest : latest - 1;
  return { lo, hi };
}

function requireHistoryAccess(ctx: MethodContext, args: MethodArgs): ChannelState {
  const state = requireChannelState(ctx, args);
  requireScope(ctx, [historyScope(state)]);
  if (!state.members.has(ctx.workspace.bot.userId)) throw new SlackApiError('not_in_channel');
  return state;
}

const conversationsHistory: MethodHandler = (ctx, args) => {
  const state = requireHistoryAccess(ctx, args);
  const range = timeRange(args);
  const limit = pageLimit(ctx, 'conversations.history', args);
  let hi = range.hi;
  if (args.cursor) {
    const position = decodeCursor(args.cursor, 'next_ts');
    const ts = position === undefined ? undefined : parseTs(position);
    if (ts === undefined) throw new SlackApiError('invalid_cursor');
    hi = Math.min(hi, ts);
  }
  // Newest first: walk down from the highest index <= hi.
  const top = state.top;
  const end = upperBound(top, hi);
  const start = Math.max(lowerBound(top, range.lo), end - limit);
  const messages: SlackMessage[] = [];
  for (let i = end - 1; i >= start; i--) messages.push(state.render(top[i] as number));
  const first = lowerBound(top, range.lo);
  const hasMore = start > first;
  const next = hasMore ? encodeCursor('next_ts', formatTs(top[start - 1] as number)) : '';
  return respondPage(
    { messages, has_more: hasMore, pin_count: 0, channel_actions_ts: null, channel_actions_count: 0 },
    next,
  );
};

const conversationsReplies: MethodHandler = (ctx, args) => {
  const state = requireHistoryAccess(ctx, args);
  const ts = parseTs(requireArg(args, 'ts'));
  if (ts === undefined) throw new SlackApiError('thread_not_found');
  // `ts` may name the parent or any reply; Slack answers with the whole thread either way.
  const parentOfTs = state.isTop(ts) ? undefined : state.parentOf(ts);
  const parent = parentOfTs ?? ts;
  if (!state.isTop(parent) && parentOfTs === undefined) throw new SlackApiError('thread_not_found');
  const range = timeRange(args);
  const limit = pageLimit(ctx, 'conversations.replies', args);
  const replies = state.threads.get(parent) ?? [];
  let lo = range.lo;
  let firstPage = true;
  if (args.cursor) {
    const position = decodeCursor(args.cursor, 'next_ts');
    const cursorTs = position === undefined ? undefined : parseTs(position);
    if (cursorTs === undefined) throw new SlackApiError('invalid_cursor');
    lo = Math.max(lo, cursorTs);
    firstPage = false;
  }
  const messages: SlackMessage[] = [];
  if (firstPage || ctx.repliesParentOnEveryPage) messages.push(state.render(parent));
  const start = lowerBound(replies, lo);
  const end = upperBound(replies, range.hi);
  // The parent counts against `limit`; when it repeats on every page, still make progress.
  const room = ctx.repliesParentOnEveryPage ? Math.max(1, limit - messages.length) : limit - messages.length;
  const stop = Math.min(end, start + room);
  for (let i = start; i < stop; i++) messages.push(state.render(replies[i] as number, parent));
  const hasMore = stop < end;
  const next = hasMore ? encodeCursor('next_ts', formatTs(replies[stop] as number)) : '';
  return respondPage({ messages, has_more: hasMore }, next);
};

// ---- team, auth, apps ----

const authTest: MethodHandler = (ctx) => {
  const ws = ctx.workspace;
  return {
    url: `https://${ws.team.domain}.slack.com/`,
    team: ws.team.name,
    user: ws.bot.name,
    team_id: ws.team.id,
    user_id: ws.bot.userId,
    bot_id: ws.bot.botId,
    is_enterprise_install: false,
  };
};

const teamInfo: MethodHandler = (ctx) => {
  requireScope(ctx, ['team:read']);
  const ws = ctx.workspace;
  return {
    team: {
      id: ws.team.id,
      name: ws.team.name,
      url: `https://${ws.team.domain}.slack.com/`,
      domain: ws.team.domain,
      email_domain: '',
      icon: { image_default: true, image_34: '', image_44: '', image_68: '' },
      avatar_base_url: 'https://ca.slack-edge.com/',
      is_verified: false,
      lob_sales_home_enabled: false,
    },
  };
};

const appsConnectionsOpen: MethodHandler = (ctx) => ({ url: ctx.openSocketUrl() });

/** All simulated methods by name. */
export const METHODS: Readonly<Record<string, MethodHandler>> = {
  'auth.test': authTest,
  'team.info': teamInfo,
  'users.list': usersList,
  'users.info': usersInfo,
  'users.conversations': usersConversations,
  'conversations.list': conversationsList,
  'conversations.info': conversationsInfo,
  'conversations.members': conversationsMembers,
  'conversations.history': conversationsHistory,
  'conversations.replies': conversationsReplies,
  'apps.connections.open': appsConnectionsOpen,
};
