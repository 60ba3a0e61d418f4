/**
 * The simulated workspace: users, channels, membership and message timelines, plus the scripting API
 * tests use to make things happen (post, reply, edit, delete, react, invite the bot...). Every change
 * updates what the Web API serves and emits the Events API payload Slack would send the bot.
 *
 * Messages are stored per channel as sorted arrays of integer-microsecond timestamps. A message body
 * is either concrete (an object: loaded from an export, posted by a script, or edited) or lazy
 * (rendered on demand by a `LazyMessageSource`, which is how the synthetic generator keeps a million
 * messages in a few tens of megabytes). Thread metadata on parents (`reply_count`, `reply_users`,
 * `latest_reply`) is computed from the thread arrays when a message is served, so it cannot drift.
 */

import { SlackSimArgumentError, SlackSimNotFoundError } from './errors.js';
import { formatTs, parseTs } from './ts.js';
import type {
  SlackChannelInfo,
  SlackEvent,
  SlackMessage,
  SlackReaction,
  SlackUser,
  SlackUserProfile,
  WorkspaceSeed,
} from './types.js';

/** Renders message bodies on demand (the synthetic generator implements this). */
export interface LazyMessageSource {
  /** The message body at `ts` without thread decoration; `parentTs` is set for replies. */
  render(channelIndex: number, ts: number, parentTs: number | undefined): SlackMessage;
  /** The author of the message at `ts`, cheaply (used for `reply_users`). */
  userOf(channelIndex: number, ts: number, parentTs: number | undefined): string;
}

/** Per-channel message storage. */
export class ChannelState {
  readonly info: SlackChannelInfo;
  readonly index: number;
  readonly members: Set<string>;
  /** Top-level message timestamps (µs), ascending; includes thread_broadcast replies. */
  readonly top: number[];
  /** Thread parent ts → reply timestamps (µs), ascending. */
  readonly threads = new Map<number, number[]>();
  /** Broadcast reply ts → parent ts, for broadcasts that live in `top` as well as in a thread. */
  readonly broadcastParent = new Map<number, number>();
  /** Materialized or scripted message bodies, by ts. */
  readonly concrete = new Map<number, SlackMessage>();
  lazy: LazyMessageSource | undefined;

  constructor(info: SlackChannelInfo, index: number, members: Iterable<string>, top: number[] = []) {
    this.info = info;
    this.index = index;
    this.members = new Set(members);
    this.top = top;
  }

  get channelType(): 'channel' | 'group' {
    return this.info.is_private ? 'group' : 'channel';
  }

  /** Total stored messages (top-level plus non-broadcast replies). */
  messageCount(): number {
    let n = this.top.length;
    for (const replies of this.threads.values()) n += replies.length;
    return n - this.broadcastParent.size;
  }

  /** Parent ts of a reply, or undefined for a top-level message. Scans threads (scripting only). */
  parentOf(ts: number): number | undefined {
    const broadcast = this.broadcastParent.get(ts);
    if (broadcast !== undefined) return broadcast;
    if (this.isTop(ts)) return undefined;
    for (const [parent, replies] of this.threads) {
      if (binaryHas(replies, ts)) return parent;
    }
    return undefined;
  }

  isTop(ts: number): boolean {
    return binaryHas(this.top, ts);
  }

  exists(ts: number): boolean {
    return this.isTop(ts) || this.parentOf(ts) !== undefined;
  }

  /** The stored body (no thread decoration). */
  body(ts: number, parentTs?: number): SlackMessage {
    const concrete = this.concrete.get(ts);
    if (concrete) return concrete;
    if (!this.lazy) throw new SlackSimNotFoundError('slack_sim_unknown_message', formatTs(ts));
    const parent = parentTs ?? this.broadcastParent.get(ts);
    return this.lazy.render(this.index, ts, parent);
  }

  private authorOf(ts: number, parentTs: number): string | undefined {
    const concrete = this.concrete.get(ts);
    if (concrete) return concrete.user ?? concrete.bot_id;
    return this.lazy?.userOf(this.index, ts, parentTs);
  }

  /** The message as the Web API serves it, thread fields computed from the thread arrays. */
  render(ts: number, parentTs?: number): SlackMessage {
    const body = this.body(ts, parentTs);
    const parent = parentTs ?? this.broadcastParent.get(ts);
    const replies = parent === undefined ? this.threads.get(ts) : undefined;
    if (parent !== undefined) {
      const parentBody = this.concrete.get(parent);
      const parentUser = parentBody ? parentBody.user : this.lazy?.userOf(this.index, parent, undefined);
      const reply: SlackMessage = {
        ...body,
        thread_ts: formatTs(parent),
        ...(parentUser !== undefined ? { parent_user_id: parentUser } : {}),
      };
      if (this.broadcastParent.has(ts)) {
        // Broadcasts carry the current parent as `root`, so recompute it rather than trust a stored copy.
        reply.subtype = 'thread_broadcast';
        reply.root = this.render(parent);
      }
      return reply;
    }
    if (replies && replies.length > 0) {
      const users: string[] = [];
      const seen = new Set<string>();
      for (const reply of replies) {
        const user = this.authorOf(reply, ts);
        if (user !== undefined && !seen.has(user)) {
          seen.add(user);
          users.push(user);
        }
      }
      return {
        ...body,
        thread_ts: formatTs(ts),
        reply_count: replies.length,
        reply_users_count: users.length,
        latest_reply: formatTs(replies[replies.length - 1] as number),
        reply_users: users.slice(0, 5),
        is_locked: false,
        subscribed: false,
      };
    }
    return body;
  }
}

function binaryHas(sorted: number[], value: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

function removeSorted(sorted: number[], value: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (v === value) {
      sorted.splice(mid, 1);
      return true;
    }
    if (v < value) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** What the workspace tells listeners: the inner Events API event, and whether the bot would get it. */
export interface WorkspaceEventNotice {
  event: SlackEvent;
  /** Channel the event concerns, if any. */
  channel?: string;
}

export type WorkspaceEventListener = (notice: WorkspaceEventNotice) => void;

export interface BotIdentity {
  userId: string;
  botId: string;
  appId: string;
  name: string;
}

export interface TeamIdentity {
  id: string;
  name: string;
  domain: string;
}

export interface AddUserInput {
  id?: string;
  name: string;
  real_name?: string;
  deleted?: boolean;
  is_admin?: boolean;
  is_bot?: boolean;
  is_restricted?: boolean;
  tz?: string;
  profile?: Partial<SlackUserProfile>;
}

export interface PostMessageInput {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  files?: unknown[];
  /** Extra fields merged into the stored message. */
  extra?: Record<string, unknown>;
}

export interface PostReplyInput extends PostMessageInput {
  threadTs: string;
  /** Also send to channel (`subtype: 'thread_broadcast'`). */
  broadcast?: boolean;
}

/** Builds a single-section rich_text block for plain text, like Slack clients attach to messages. */
export function richTextBlock(text: string, blockId: string): Record<string, unknown> {
  const elements: Array<Record<string, unknown>> = [];
  const pattern = /<@([UW][A-Z0-9]+)>|<(https?:\/\/[^|>]+)(?:\|([^>]+))?>/g;
  let last = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (match.index > last) elements.push({ type: 'text', text: text.slice(last, match.index) });
    if (match[1]) elements.push({ type: 'user', user_id: match[1] });
    else elements.push({ type: 'link', url: match[2], ...(match[3] ? { text: match[3] } : {}) });
    last = match.index + match[0].length;
  }
  if (last < text.length) elements.push({ type: 'text', text: text.slice(last) });
  return { type: 'rich_text', block_id: blockId, elements: [{ type: 'rich_text_section', elements }] };
}

/**
 * A simulated Slack workspace. Create one with `SlackWorkspace.fromSeed`, `generateSyntheticWorkspace`
 * or `loadSlackExport`, then hand it to `startSlackSimulator`.
 */
export class SlackWorkspace {
  readonly team: TeamIdentity;
  readonly bot: BotIdentity;
  private readonly users = new Map<string, SlackUser>();
  private readonly userOrder: string[] = [];
  private readonly channels = new Map<string, ChannelState>();
  private readonly channelOrder: string[] = [];
  private readonly listeners = new Set<WorkspaceEventListener>();
  private lastTs = 0;
  private idCounter = 0;
  /** Virtual clock in epoch ms; the simulator replaces it with its own. */
  now: () => number = Date.now;

  constructor(team: TeamIdentity, bot: BotIdentity) {
    this.team = team;
    this.bot = bot;
    this.addUserRecord(slackbotRecord(team.id));
    this.addUserRecord(this.botUserRecord());
  }

  /** Builds a workspace from plain data (export loader, tests). Messages may arrive in any order. */
  static fromSeed(seed: WorkspaceSeed, options: { bot?: Partial<BotIdentity>; botMemberOf?: string[] } = {}) {
    const team: TeamIdentity = {
      id: seed.team?.id ?? 'T0SIMTEAM1',
      name: seed.team?.name ?? 'Sluice Simulated',
      domain: seed.team?.domain ?? 'sluice-sim',
    };
    const bot: BotIdentity = {
      userId: options.bot?.userId ?? 'U0SIMBOT01',
      botId: options.bot?.botId ?? 'B0SIMBOT01',
      appId: options.bot?.appId ?? 'A0SIMAPP01',
      name: options.bot?.name ?? 'sluice',
    };
    const ws = new SlackWorkspace(team, bot);
    for (const user of seed.users) if (user.id !== bot.userId) ws.addUserRecord(user);
    const botIn = new Set(options.botMemberOf ?? []);
    for (const { info, members, messages } of seed.channels) {
      const memberList = [...members];
      if (botIn.has(info.id) || botIn.has(info.name)) memberList.push(bot.userId);
      const state = ws.addChannelRecord(info, memberList);
      ws.loadMessages(state, messages);
    }
    return ws;
  }

  private botUserRecord(): SlackUser {
    const profile: SlackUserProfile = {
      real_name: this.bot.name,
      real_name_normalized: this.bot.name,
      display_name: '',
      display_name_normalized: '',
      title: '',
      phone: '',
      status_text: '',
      status_emoji: '',
      team: this.team.id,
      bot_id: this.bot.botId,
      always_active: true,
    };
    return {
      id: this.bot.userId,
      team_id: this.team.id,
      name: this.bot.name,
      deleted: false,
      real_name: this.bot.name,
      tz: 'America/Los_Angeles',
      tz_label: 'Pacific Standard Time',
      tz_offset: -28800,
      profile,
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: true,
      is_app_user: false,
      updated: 1_700_000_000,
    };
  }

  // ---- low-level population (generators, export loader) ----

  addUserRecord(user: SlackUser): void {
    if (!this.users.has(user.id)) this.userOrder.push(user.id);
    this.users.set(user.id, user);
  }

  addChannelRecord(info: SlackChannelInfo, members: Iterable<string>, top: number[] = []): ChannelState {
    const existing = this.channels.get(info.id);
    if (existing) throw new SlackSimArgumentError(`channel ${info.id} already exists`);
    const state = new ChannelState(info, this.channelOrder.length, members, top);
    this.channels.set(info.id, state);
    this.channelOrder.push(info.id);
    for (const ts of top) if (ts > this.lastTs) this.lastTs = ts;
    return state;
  }

  /** Notes the highest ts in use so scripted messages always sort after seeded ones. */
  noteTs(ts: number): void {
    if (ts > this.lastTs) this.lastTs = ts;
  }

  /** Loads concrete messages (any order; replies are recognised by `thread_ts !== ts`). */
  loadMessages(state: ChannelState, messages: SlackMessage[]): void {
    const replies: Array<[number, number]> = [];
    for (const message of messages) {
      const ts = parseTs(message.ts);
      if (ts === undefined) continue;
      const threadTs = parseTs(message.thread_ts);
      const isReply = threadTs !== undefined && threadTs !== ts;
      const body: SlackMessage = { ...message };
      // Thread metadata is recomputed when served; drop the stored copies so they cannot disagree.
      for (const key of [
        'reply_count',
        'reply_users_count',
        'latest_reply',
        'reply_users',
        'replies',
        'parent_user_id',
      ]) {
        delete body[key];
      }
      if (!isReply) delete body.thread_ts;
      state.concrete.set(ts, body);
      this.noteTs(ts);
      if (isReply && threadTs !== undefined) {
        replies.push([threadTs, ts]);
        if (message.subtype === 'thread_broadcast') {
          state.top.push(ts);
          state.broadcastParent.set(ts, threadTs);
        }
      } else {
        state.top.push(ts);
      }
    }
    state.top.sort((a, b) => a - b);
    for (const [parent, reply] of replies) {
      let list = state.threads.get(parent);
      if (!list) {
        list = [];
        state.threads.set(parent, list);
      }
      list.push(reply);
    }
    for (const list of state.threads.values()) list.sort((a, b) => a - b);
  }

  // ---- read access (Web API methods) ----

  getUser(id: string): SlackUser | undefined {
    return this.users.get(id);
  }

  listUsers(): readonly string[] {
    return this.userOrder;
  }

  /** Ids of active human users (not Slackbot, bots or deactivated accounts), for scripting. */
  humans(): string[] {
    return this.userOrder.filter((id) => {
      const user = this.users.get(id);
      return user !== undefined && !user.is_bot && !user.deleted && id !== 'USLACKBOT';
    });
  }

  getChannel(id: string): ChannelState | undefined {
    return this.channels.get(id);
  }

  listChannels(): readonly string[] {
    return this.channelOrder;
  }

  /** Looks a channel up by id or by name (with or without `#`). */
  findChannel(idOrName: string): ChannelState | undefined {
    const byId = this.channels.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, '');
    for (const state of this.channels.values()) if (state.info.name === name) return state;
    return undefined;
  }

  isBotMember(channelId: string): boolean {
    return this.channels.get(channelId)?.members.has(this.bot.userId) ?? false;
  }

  /** Total number of stored messages (top-level and replies). */
  messageCount(): number {
    let n = 0;
    for (const state of this.channels.values()) n += state.messageCount();
    return n;
  }

  // ---- events ----

  /** Subscribes to the events this workspace emits; returns an unsubscribe function. */
  onEvent(listener: WorkspaceEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: SlackEvent, channel?: string): void {
    const notice: WorkspaceEventNotice = channel === undefined ? { event } : { event, channel };
    for (const listener of this.listeners) listener(notice);
  }

  /** A fresh, strictly increasing ts at the workspace's (virtual) now. */
  nextTs(): number {
    const now = Math.floor(this.now() * 1000);
    this.lastTs = Math.max(now, this.lastTs + 1);
    return this.lastTs;
  }

  private eventTs(): string {
    return formatTs(this.nextTs());
  }

  nextId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}0SIM${String(this.idCounter).padStart(6, '0')}`;
  }

  private requireChannel(idOrName: string): ChannelState {
    const state = this.findChannel(idOrName);
    if (!state) throw new SlackSimNotFoundError('slack_sim_unknown_channel', idOrName);
    return state;
  }

  private requireUser(id: string): SlackUser {
    const user = this.users.get(id);
    if (!user) throw new SlackSimNotFoundError('slack_sim_unknown_user', id);
    return user;
  }

  private requireTs(state: ChannelState, ts: string): number {
    const micros = parseTs(ts);
    if (micros === undefined || !state.exists(micros)) {
      throw new SlackSimNotFoundError('slack_sim_unknown_message', `${state.info.id}/${ts}`);
    }
    return micros;
  }

  private messageEventBase(state: ChannelState, message: SlackMessage): SlackEvent {
    return { ...message, channel: state.info.id, event_ts: message.ts, channel_type: state.channelType };
  }

  // ---- scripting API ----

  /** Posts a top-level message as `user`; returns its ts. Emits `message`. */
  postMessage(input: PostMessageInput): string {
    const state = this.requireChannel(input.channel);
    this.requireUser(input.user);
    const ts = this.nextTs();
    const message = this.buildMessage(ts, input);
    state.concrete.set(ts, message);
    state.top.push(ts);
    this.emit(this.messageEventBase(state, message), state.info.id);
    return message.ts;
  }

  private buildMessage(ts: number, input: PostMessageInput): SlackMessage {
    const tsText = formatTs(ts);
    const message: SlackMessage = {
      type: 'message',
      ts: tsText,
      user: input.user,
      text: input.text,
      team: this.team.id,
      client_msg_id: fakeUuid(ts),
      blocks: input.blocks ?? [richTextBlock(input.text, tsText.slice(-5))],
      ...(input.attachments ? { attachments: input.attachments } : {}),
      ...(input.files ? { files: input.files, upload: true, display_as_bot: false } : {}),
      ...input.extra,
    };
    if (input.files) message.subtype = 'file_share';
    return message;
  }

  /** Replies in a thread; with `broadcast` also shows in the channel. Emits `message`. */
  postReply(input: PostReplyInput): string {
    const state = this.requireChannel(input.channel);
    this.requireUser(input.user);
    const parent = this.requireTs(state, input.threadTs);
    if (state.parentOf(parent) !== undefined) {
      throw new SlackSimArgumentError(`${input.threadTs} is itself a reply; reply to its parent`);
    }
    const ts = this.nextTs();
    const message = this.buildMessage(ts, input);
    const parentRendered = state.render(parent);
    if (input.broadcast) {
      message.subtype = 'thread_broadcast';
      message.root = parentRendered;
    }
    state.concrete.set(ts, message);
    let replies = state.threads.get(parent);
    if (!replies) {
      replies = [];
      state.threads.set(parent, replies);
    }
    replies.push(ts);
    if (input.broadcast) {
      state.top.push(ts);
      state.broadcastParent.set(ts, parent);
    }
    const rendered = state.render(ts, parent);
    this.emit(this.messageEventBase(state, rendered), state.info.id);
    return message.ts;
  }

  /** Edits a message's text. Emits `message` / `message_changed` with `message` and `previous_message`. */
  editMessage(input: { channel: string; ts: string; text: string; user?: string }): void {
    const state = this.requireChannel(input.channel);
    const ts = this.requireTs(state, input.ts);
    const parent = state.parentOf(ts);
    const previous = state.render(ts, parent);
    const body = state.body(ts, parent);
    const editor = input.user ?? body.user ?? this.bot.userId;
    const editTs = this.eventTs();
    const updated: SlackMessage = {
      ...body,
      text: input.text,
      edited: { user: editor, ts: editTs },
    };
    if (Array.isArray(body.blocks)) updated.blocks = [richTextBlock(input.text, input.ts.slice(-5))];
    state.concrete.set(ts, updated);
    this.emit(
      {
        type: 'message',
        subtype: 'message_changed',
        message: state.render(ts, parent),
        previous_message: previous,
        channel: state.info.id,
        hidden: true,
        ts: editTs,
        event_ts: editTs,
        channel_type: state.channelType,
      },
      state.info.id,
    );
  }

  /**
   * Deletes a message. Emits `message_deleted` with `deleted_ts` and `previous_message`. A thread
   * parent that still has replies becomes a tombstone instead, and (as Slack does) the event is a
   * `message_changed` whose `message` has `subtype: 'tombstone'`.
   */
  deleteMessage(input: { channel: string; ts: string }): void {
    const state = this.requireChannel(input.channel);
    const ts = this.requireTs(state, input.ts);
    const parent = state.parentOf(ts);
    const previous = state.render(ts, parent);
    const eventTs = this.eventTs();
    const replies = parent === undefined ? state.threads.get(ts) : undefined;
    if (replies && replies.length > 0) {
      state.concrete.set(ts, {
        type: 'message',
        subtype: 'tombstone',
        text: 'This message was deleted.',
        user: 'USLACKBOT',
        hidden: true,
        ts: input.ts,
        parent_user_id: 'USLACKBOT',
      });
      this.emit(
        {
          type: 'message',
          subtype: 'message_changed',
          message: state.render(ts),
          previous_message: previous,
          channel: state.info.id,
          hidden: true,
          ts: eventTs,
          event_ts: eventTs,
          channel_type: state.channelType,
        },
        state.info.id,
      );
      return;
    }
    if (parent !== undefined) {
      const list = state.threads.get(parent);
      if (list) {
        removeSorted(list, ts);
        if (list.length === 0) state.threads.delete(parent);
      }
      if (state.broadcastParent.delete(ts)) removeSorted(state.top, ts);
    } else {
      removeSorted(state.top, ts);
    }
    state.concrete.delete(ts);
    this.emitDeleted(state, input.ts, previous, eventTs);
    // A tombstoned parent whose last reply goes away is deleted too, as Slack does: its
    // message_deleted carries the now reply-less tombstone as previous_message.
    const tombstone = parent === undefined ? undefined : state.concrete.get(parent);
    if (parent !== undefined && !state.threads.has(parent) && tombstone?.subtype === 'tombstone') {
      removeSorted(state.top, parent);
      state.concrete.delete(parent);
      const emptyThread = {
        ...tombstone,
        thread_ts: tombstone.ts,
        reply_count: 0,
        reply_users_count: 0,
        latest_reply: '0000000000.000000',
        reply_users: [],
        is_locked: false,
        subscribed: false,
      };
      this.emitDeleted(state, tombstone.ts, emptyThread, this.eventTs());
    }
  }

  private emitDeleted(state: ChannelState, deletedTs: string, previous: SlackMessage, eventTs: string): void {
    this.emit(
      {
        type: 'message',
        subtype: 'message_deleted',
        hidden: true,
        deleted_ts: deletedTs,
        channel: state.info.id,
        previous_message: previous,
        ts: eventTs,
        event_ts: eventTs,
        channel_type: state.channelType,
      },
      state.info.id,
    );
  }

  /** Adds a reaction. Emits `reaction_added` with `item`. */
  addReaction(input: { channel: string; ts: string; user: string; name: string }): void {
    this.changeReaction(input, true);
  }

  /** Removes a reaction. Emits `reaction_removed` with `item`. */
  removeReaction(input: { channel: string; ts: string; user: string; name: string }): void {
    this.changeReaction(input, false);
  }

  private changeReaction(input: { channel: string; ts: string; user: string; name: string }, add: boolean): void {
    const state = this.requireChannel(input.channel);
    this.requireUser(input.user);
    const ts = this.requireTs(state, input.ts);
    const parent = state.parentOf(ts);
    const body = state.body(ts, parent);
    const reactions: SlackReaction[] = Array.isArray(body.reactions)
      ? (body.reactions as SlackReaction[]).map((r) => ({ ...r, users: [...r.users] }))
      : [];
    let reaction = reactions.find((r) => r.name === input.name);
    if (add) {
      if (reaction?.users.includes(input.user)) return;
      if (!reaction) {
        reaction = { name: input.name, users: [], count: 0 };
        reactions.push(reaction);
      }
      reaction.users.push(input.user);
      reaction.count += 1;
    } else {
      if (!reaction?.users.includes(input.user)) return;
      reaction.users = reaction.users.filter((u) => u !== input.user);
      reaction.count -= 1;
    }
    const kept = reactions.filter((r) => r.count > 0);
    const updated: SlackMessage = { ...body };
    if (kept.length > 0) updated.reactions = kept;
    else delete updated.reactions;
    state.concrete.set(ts, updated);
    const eventTs = this.eventTs();
    this.emit(
      {
        type: add ? 'reaction_added' : 'reaction_removed',
        user: input.user,
        reaction: input.name,
        ...(body.user !== undefined ? { item_user: body.user } : {}),
        item: { type: 'message', channel: state.info.id, ts: input.ts },
        event_ts: eventTs,
      },
      state.info.id,
    );
  }

  /** Adds a user to a channel. Emits `member_joined_channel`. */
  addMember(input: { channel: string; user: string; inviter?: string }): void {
    const state = this.requireChannel(input.channel);
    this.requireUser(input.user);
    if (state.members.has(input.user)) return;
    state.members.add(input.user);
    this.emit(
      {
        type: 'member_joined_channel',
        user: input.user,
        channel: state.info.id,
        channel_type: state.info.is_private ? 'G' : 'C',
        team: this.team.id,
        ...(input.inviter ? { inviter: input.inviter } : {}),
        event_ts: this.eventTs(),
      },
      state.info.id,
    );
  }

  /** Invites the bot to a channel (`member_joined_channel` for the bot user). */
  inviteBot(channel: string, inviter?: string): void {
    this.addMember(
      inviter === undefined ? { channel, user: this.bot.userId } : { channel, user: this.bot.userId, inviter },
    );
  }

  /** Removes the bot from a channel: `channel_left` (public) or `group_left` (private); `not_in_channel` after. */
  removeBot(channel: string, actor?: string): void {
    const state = this.requireChannel(channel);
    if (!state.members.has(this.bot.userId)) return;
    // Emit before removing: the bot is told it left, then stops hearing from the channel.
    this.emit(
      {
        type: state.info.is_private ? 'group_left' : 'channel_left',
        channel: state.info.id,
        ...(actor ? { actor_id: actor } : {}),
        event_ts: this.eventTs(),
      },
      state.info.id,
    );
    state.members.delete(this.bot.userId);
  }

  /** Changes fields of a user's profile (and top-level fields). Emits `user_change`. */
  updateUser(id: string, patch: { profile?: Partial<SlackUserProfile>; [key: string]: unknown }): SlackUser {
    const user = this.requireUser(id);
    const { profile, ...rest } = patch;
    const updated: SlackUser = {
      ...user,
      ...rest,
      profile: { ...user.profile, ...profile } as SlackUserProfile,
      updated: Math.floor(this.now() / 1000),
    };
    if (profile?.real_name !== undefined) {
      updated.real_name = profile.real_name;
      updated.profile.real_name_normalized = profile.real_name;
    }
    if (profile?.display_name !== undefined) updated.profile.display_name_normalized = profile.display_name;
    this.users.set(id, updated);
    const eventTs = this.eventTs();
    this.emit({ type: 'user_change', user: updated, cache_ts: Math.floor(this.now() / 1000), event_ts: eventTs });
    return updated;
  }

  /** Adds a user to the workspace. Emits `team_join`. */
  addUser(input: AddUserInput): SlackUser {
    const id = input.id ?? this.nextId('U');
    if (this.users.has(id)) throw new SlackSimArgumentError(`user ${id} already exists`);
    const realName = input.profile?.real_name ?? input.real_name ?? input.name;
    const user: SlackUser = {
      team_id: this.team.id,
      deleted: false,
      tz: 'Europe/London',
      tz_label: 'Greenwich Mean Time',
      tz_offset: 0,
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: false,
      is_app_user: false,
      is_email_confirmed: true,
      ...input,
      id,
      real_name: realName,
      updated: Math.floor(this.now() / 1000),
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: input.profile?.display_name ?? input.name,
        display_name_normalized: input.profile?.display_name ?? input.name,
        title: '',
        phone: '',
        status_text: '',
        status_emoji: '',
        team: this.team.id,
        ...input.profile,
      },
    };
    this.addUserRecord(user);
    this.emit({ type: 'team_join', user, cache_ts: Math.floor(this.now() / 1000), event_ts: this.eventTs() });
    return user;
  }

  /** Creates a channel (no event: the bot is not a member yet). Returns its id. */
  createChannel(input: { name: string; isPrivate?: boolean; creator?: string; members?: string[] }): string {
    const id = this.nextId('C');
    const creator = input.creator ?? this.humans()[0] ?? this.bot.userId;
    const created = Math.floor(this.now() / 1000);
    this.addChannelRecord(
      {
        id,
        name: input.name,
        is_private: input.isPrivate ?? false,
        created,
        creator,
        is_archived: false,
        is_general: false,
        topic: { value: '', creator: '', last_set: 0 },
        purpose: { value: '', creator: '', last_set: 0 },
        previous_names: [],
      },
      input.members ?? [creator],
    );
    return id;
  }

  /** Renames a channel. Emits `channel_rename` (public) or `group_rename` (private). */
  renameChannel(channel: string, name: string): void {
    const state = this.requireChannel(channel);
    state.info.previous_names = [state.info.name, ...state.info.previous_names];
    state.info.name = name;
    this.emit(
      {
        type: state.info.is_private ? 'group_rename' : 'channel_rename',
        channel: {
          id: state.info.id,
          name,
          name_normalized: name,
          created: state.info.created,
          is_channel: !state.info.is_private,
          is_mpim: false,
        },
        event_ts: this.eventTs(),
      },
      state.info.id,
    );
  }

  /** Archives a channel. Emits `channel_archive` (public) or `group_archive` (private). */
  archiveChannel(channel: string, user?: string): void {
    const state = this.requireChannel(channel);
    state.info.is_archived = true;
    this.emit(
      {
        type: state.info.is_private ? 'group_archive' : 'channel_archive',
        channel: state.info.id,
        ...(user ? { user } : {}),
        is_moved: 0,
        event_ts: this.eventTs(),
      },
      state.info.id,
    );
  }

  /** Returns a message as the Web API would serve it (throws when it does not exist). */
  getMessage(channel: string, ts: string): SlackMessage {
    const state = this.requireChannel(channel);
    const micros = this.requireTs(state, ts);
    return state.render(micros, state.parentOf(micros));
  }
}

/** Slackbot, which every workspace has and users.list always returns. */
function slackbotRecord(teamId: string): SlackUser {
  return {
    id: 'USLACKBOT',
    team_id: teamId,
    name: 'slackbot',
    deleted: false,
    color: '757575',
    real_name: 'Slackbot',
    tz: 'America/Los_Angeles',
    tz_label: 'Pacific Standard Time',
    tz_offset: -28800,
    profile: {
      real_name: 'Slackbot',
      real_name_normalized: 'Slackbot',
      display_name: 'Slackbot',
      display_name_normalized: 'Slackbot',
      first_name: 'slackbot',
      last_name: '',
      title: '',
      phone: '',
      skype: '',
      status_text: '',
      status_emoji: '',
      always_active: true,
      team: teamId,
    },
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: false,
    is_app_user: false,
    updated: 0,
  };
}

/** A UUID-shaped id derived from a number, so scripted messages stay deterministic. */
export function fakeUuid(n: number): string {
  const hex = Math.floor(n).toString(16).padStart(32, '0').slice(-32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
