/**
 * `SlackHistorySource`: backfills users, channels and the message history of the channels the bot
 * was invited to (`users.conversations`; it never joins). `conversations.history` pages newest first,
 * while the core commits a partition's checkpoint only up to the last item that was acked together
 * with every earlier item. So each channel is read in *sweeps*: a sweep covers the half-open range
 * [oldest, latest) and walks it newest → oldest with explicit `latest` bounds; after each top-level
 * message (emitted after its thread replies) the checkpoint says "everything in [resumeBefore,
 * latest) is done". The sweep's last message carries `{ highWater: latest }` instead, and the next
 * sweep covers [highWater, now). See README.md for the full argument.
 */
import type { Json, Logger, SourceInstance, SourceItem, SourceReadOptions, StateStore } from '@sluice/core';
import { slackTsToMicros } from '@sluice/core';
import {
  auditRecord,
  compareTs,
  isSlackTs,
  microsToTs,
  normalizeChannel,
  normalizeMessage,
  normalizeUser,
  type SlackObject,
} from './normalize.js';
import { pageSizeFor } from './rate-limit.js';
import { isChannelGone, type SlackApi, SlackPlatformError } from './slack-api.js';
import { waitForWake } from './wait.js';

/** Namespaces in the state store; keys always start with `<tenant>:` so tenant deletion removes them. */
export const THREADS_NAMESPACE = 'source-slack/threads';
export const MESSAGE_VERSIONS_NAMESPACE = 'source-slack/message-versions';
/** Channels we audited as left, so that the audit is not repeated on every run. */
export const LEFT_NAMESPACE = 'source-slack/left';

/** A channel's position. `sweep` is an unfinished sweep; ts values are Slack ts strings. */
export interface HistoryCheckpoint {
  /** Everything from the window start up to (excluding) this ts has been read. */
  highWater: string | null;
  sweep: { oldest: string; latest: string; resumeBefore: string } | null;
}

export function historyPartition(channelId: string): string {
  return `history:${channelId}`;
}

function parseCheckpoint(value: Json | undefined): HistoryCheckpoint | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as { highWater?: unknown; sweep?: unknown };
  const highWater = isSlackTs(v.highWater) ? v.highWater : null;
  const s = v.sweep as { oldest?: unknown; latest?: unknown; resumeBefore?: unknown } | null | undefined;
  const sweep =
    s && isSlackTs(s.oldest) && isSlackTs(s.latest) && isSlackTs(s.resumeBefore)
      ? { oldest: s.oldest, latest: s.latest, resumeBefore: s.resumeBefore }
      : null;
  return { highWater, sweep };
}

function toJson(cp: HistoryCheckpoint): Json {
  return { highWater: cp.highWater, sweep: cp.sweep ? { ...cp.sweep } : null };
}

export interface SlackHistorySourceOptions {
  tenant: string;
  api: SlackApi;
  state: StateStore;
  logger?: Logger;
  /** Days of history to read (default 90). */
  days?: number;
  /** Page size for history and replies (clamped to the profile's maximum). */
  pageSize?: number;
  /**
   * Days before the high-water mark re-read on each later run (default 0): catches edits and new
   * replies to recent threads that no live event reported. Costs history calls; see README.
   */
  threadLookbackDays?: number;
  /** Epoch ms now (default `Date.now`); a test can follow a simulator's virtual clock. */
  now?: () => number;
}

type Work = { kind: 'catch-up'; since: number | null } | { kind: 'channel'; id: string };

interface SweepContext {
  versions: Map<string, string | number>;
  threads: Map<string, string | number>;
  signal: AbortSignal;
  /** A re-read of committed messages: every item carries this checkpoint and positions do not move. */
  frozen?: HistoryCheckpoint;
}

interface ThreadGroup {
  remaining: number;
  key: string;
  latestReply: string;
}

/**
 * Reads Slack history through the Web API. In `until-caught-up` mode it reads once and ends; in
 * `follow` mode it then waits for work: `requestCatchUp()` (a live reconnect) reads every channel from
 * its position to now, `requestChannel(id)` backfills a channel the bot just joined.
 */
export class SlackHistorySource implements SourceInstance {
  private readonly options: SlackHistorySourceOptions;
  private readonly tenant: string;
  private readonly now: () => number;
  /** Positions as last emitted (not necessarily committed yet). */
  private readonly cursors = new Map<string, HistoryCheckpoint>();
  private readonly left = new Set<string>();
  /** Channels swept to the end by this process: live events cover them from then on. */
  private readonly liveCovered = new Set<string>();
  private readonly queue: Work[] = [];
  private wake: (() => void) | undefined;
  private teamId: string | null = null;
  private botUserId: string | null = null;
  private emailAllowed = true;
  private passes = 0;
  private initialized = false;

  constructor(options: SlackHistorySourceOptions) {
    this.options = options;
    this.tenant = options.tenant;
    this.now = options.now ?? Date.now;
  }

  /** Catch-up passes finished (all channels read up to now); tests and metrics wait on it. */
  get completedPasses(): number {
    return this.passes;
  }

  /** The bot's user ID (known after the first `auth.test`). */
  get botUser(): string | null {
    return this.botUserId;
  }

  /**
   * Reads every channel from its position to now (coalesced with pending catch-ups). `since` (µs,
   * Slack's clock) is where live coverage ended: a gap fill does not need to start earlier.
   */
  requestCatchUp(since?: number): void {
    const pending = this.queue.find((w): w is Extract<Work, { kind: 'catch-up' }> => w.kind === 'catch-up');
    const from = since ?? null;
    if (!pending) this.queue.push({ kind: 'catch-up', since: from });
    // Coalesced requests cover the earliest gap.
    else if (pending.since !== null) pending.since = from === null ? null : Math.min(pending.since, from);
    this.wake?.();
  }

  /** Backfills one channel (the bot was just invited). */
  requestChannel(id: string): void {
    this.left.delete(id);
    this.queue.push({ kind: 'channel', id });
    this.wake?.();
  }

  /** Stops reading a channel (the bot was removed). */
  markLeft(id: string): void {
    this.left.add(id);
    this.liveCovered.delete(id);
  }

  /** Calls auth.test once: team and bot user IDs. */
  async identify(
    signal?: AbortSignal,
  ): Promise<{ teamId: string | null; botUserId: string | null; emailAllowed: boolean }> {
    if (this.teamId === null) {
      const auth = await this.options.api.call('auth.test', {}, signal);
      this.teamId = typeof auth.team_id === 'string' ? auth.team_id : null;
      this.botUserId = typeof auth.user_id === 'string' ? auth.user_id : null;
      // Slack reports the token's scopes (x-oauth-scopes); without them we trust what each payload says.
      const scopes = auth.response_metadata?.scopes;
      this.emailAllowed = Array.isArray(scopes) ? scopes.includes('users:read.email') : true;
    }
    return { teamId: this.teamId, botUserId: this.botUserId, emailAllowed: this.emailAllowed };
  }

  /** Drops the email from a user object unless the token may read emails (defence in depth). */
  userWithinScope(user: SlackObject): SlackObject {
    const profile = user.profile as SlackObject | undefined;
    if (this.emailAllowed || !profile || profile.email === undefined) return user;
    const { email: _email, ...rest } = profile;
    return { ...user, profile: rest };
  }

  async *read(options: SourceReadOptions): AsyncGenerator<SourceItem> {
    if (!this.initialized) {
      this.initialized = true;
      for (const [partition, value] of options.checkpoints) {
        if (!partition.startsWith('history:')) continue;
        const cp = parseCheckpoint(value);
        if (cp) this.cursors.set(partition.slice('history:'.length), cp);
      }
    }
    const { signal } = options;
    await this.identify(signal);
    yield* this.catchUp(signal);
    if (options.mode === 'until-caught-up') return;
    while (!signal.aborted) {
      const work = this.queue.shift();
      if (!work) {
        await waitForWake(signal, (wake) => {
          this.wake = wake;
        });
        this.wake = undefined;
        continue;
      }
      if (work.kind === 'catch-up') {
        yield* this.catchUp(signal, work.since);
      } else if (!this.left.has(work.id)) {
        const info = await this.channelInfo(work.id, signal);
        if (info) {
          yield { record: normalizeChannel(info, this.channelContext(true)) };
          yield* this.readChannel(work.id, signal);
        }
      }
    }
  }

  private channelContext(isMember: boolean) {
    return { tenant: this.tenant, teamId: this.teamId, version: this.nowMicros(), isMember };
  }

  private nowMicros(): number {
    return Math.floor(this.now()) * 1000;
  }

  private async channelInfo(id: string, signal: AbortSignal): Promise<SlackObject | null> {
    try {
      const res = await this.options.api.call('conversations.info', { channel: id }, signal);
      return (res.channel as SlackObject | undefined) ?? null;
    } catch (error) {
      if (isChannelGone(error)) return null;
      throw error;
    }
  }

  /** Users, member channels, then each channel from its position. */
  private async *catchUp(signal: AbortSignal, since: number | null = null): AsyncGenerator<SourceItem> {
    const { api } = this.options;
    const fallbackVersion = this.nowMicros();
    const users = await api.paginate('users.list', { limit: 200 }, 'members', signal);
    for (const raw of users) {
      if (typeof raw.id !== 'string') continue;
      const user = this.userWithinScope(raw);
      yield { record: normalizeUser(user, { tenant: this.tenant, teamId: this.teamId, fallbackVersion }) };
    }
    const channels = await api.paginate(
      'users.conversations',
      { types: 'public_channel,private_channel', limit: 200 },
      'channels',
      signal,
    );
    const ids: string[] = [];
    const audited = new Map(await this.options.state.listValues(LEFT_NAMESPACE, { prefix: `${this.tenant}:` }));
    const back: Array<[string, undefined]> = [];
    for (const raw of channels) {
      if (typeof raw.id !== 'string') continue;
      ids.push(raw.id);
      this.left.delete(raw.id);
      if (audited.has(`${this.tenant}:${raw.id}`)) back.push([`${this.tenant}:${raw.id}`, undefined]);
      yield { record: normalizeChannel(raw, this.channelContext(true)) };
    }
    await this.options.state.putValues(LEFT_NAMESPACE, back);
    // Channels we have a position in but are no longer a member of: removed while nobody listened.
    const listed = new Set(ids);
    for (const channel of [...this.cursors.keys()]) {
      if (listed.has(channel) || audited.has(`${this.tenant}:${channel}`)) continue;
      yield this.leftItem(channel, 'not_a_member');
    }
    for (const id of ids) {
      if (signal.aborted) return;
      yield* this.readChannel(id, signal, since);
    }
    this.passes++;
  }

  /**
   * Finishes an interrupted sweep, re-reads the lookback if configured, then sweeps from the high-water
   * mark to now. `since` (µs, Slack's clock) narrows a gap fill to what live events may have missed:
   * before it, every event was durably buffered by the live source, so skipping it loses nothing.
   */
  private async *readChannel(
    channel: string,
    signal: AbortSignal,
    since: number | null = null,
  ): AsyncGenerator<SourceItem> {
    const windowStart = this.nowMicros() - Math.round((this.options.days ?? 90) * 86_400_000_000);
    const versions = await this.loadMap(MESSAGE_VERSIONS_NAMESPACE, channel, windowStart);
    const threads = await this.loadMap(THREADS_NAMESPACE, channel, windowStart);
    const ctx = { versions, threads, signal };
    const cp = this.cursors.get(channel) ?? { highWater: null, sweep: null };
    if (cp.sweep) {
      const sweep = cp.sweep;
      const oldest = Math.max(slackTsToMicros(sweep.oldest), windowStart);
      const ok = yield* this.sweep(
        channel,
        { oldest, latest: slackTsToMicros(sweep.latest) },
        slackTsToMicros(sweep.resumeBefore),
        ctx,
      );
      if (!ok) return;
    }
    const current = this.cursors.get(channel) ?? { highWater: null, sweep: null };
    const highWater = current.highWater === null ? null : slackTsToMicros(current.highWater);
    const lookback = Math.round((this.options.threadLookbackDays ?? 0) * 86_400_000_000);
    if (highWater !== null && lookback > 0 && since === null) {
      // Re-read recent, already committed messages: edits and new replies of known threads. The
      // items carry the current checkpoint unchanged, so a crash here costs a re-read, nothing more.
      const oldest = Math.max(highWater - lookback, windowStart);
      const ok = yield* this.sweep(channel, { oldest, latest: highWater }, null, { ...ctx, frozen: current });
      if (!ok) return;
    }
    // A gap fill may skip what live events covered, but only for channels this process swept to the
    // end: a channel joined or re-joined while disconnected was never covered and is read in full.
    const covered = since !== null && this.liveCovered.has(channel);
    const oldest = Math.max(highWater ?? windowStart, windowStart, covered ? since : 0);
    if (yield* this.sweep(channel, { oldest, latest: null }, null, ctx)) this.liveCovered.add(channel);
  }

  /** Loads a channel's per-message state, dropping entries for messages older than the window. */
  private async loadMap(namespace: string, channel: string, windowStart: number) {
    const prefix = `${this.tenant}:${channel}:`;
    const rows = await this.options.state.listValues(namespace, { prefix });
    const out = new Map<string, string | number>();
    const stale: Array<[string, undefined]> = [];
    for (const [key, value] of rows) {
      const ts = key.slice(prefix.length);
      if (isSlackTs(ts) && slackTsToMicros(ts) < windowStart) stale.push([key, undefined]);
      else if (typeof value === 'string' || typeof value === 'number') out.set(ts, value);
    }
    await this.options.state.putValues(namespace, stale);
    return out;
  }

  /**
   * One sweep of [oldest, latest) newest → oldest, from `resumeBefore` when resuming. `latest` null
   * means "up to now": it is fixed to just after the newest message of the first page. Returns false
   * when the channel became unreadable.
   */
  private async *sweep(
    channel: string,
    range: { oldest: number; latest: number | null },
    resumeBefore: number | null,
    ctx: SweepContext,
  ): AsyncGenerator<SourceItem, boolean> {
    const { api } = this.options;
    const partition = historyPartition(channel);
    const limit = pageSizeFor(api.scheduler.profile, 'conversations.history', this.options.pageSize);
    const highWaterBefore = this.cursors.get(channel)?.highWater ?? null;
    let latest = range.latest;
    let before = resumeBefore ?? latest;
    const sweepState = (resume: number): HistoryCheckpoint => ({
      highWater: highWaterBefore,
      sweep: {
        oldest: microsToTs(range.oldest),
        latest: microsToTs(latest as number),
        resumeBefore: microsToTs(resume),
      },
    });
    const pageArgs = (bound: number | null): Record<string, unknown> => {
      const args: Record<string, unknown> = { channel, limit, oldest: microsToTs(range.oldest - 1), inclusive: false };
      if (bound !== null) args.latest = microsToTs(bound);
      return args;
    };
    // The next history page and the current page's threads are fetched while items are emitted, so
    // that conversations.history and conversations.replies both use their budgets at the same time.
    let nextPage: { bound: number; page: Promise<Record<string, unknown>> } | null = null;
    while (!ctx.signal.aborted) {
      if (this.left.has(channel)) return false;
      const prefetchedPage = nextPage !== null && nextPage.bound === before ? nextPage.page : null;
      nextPage = null;
      let page: Record<string, unknown>;
      try {
        page = await (prefetchedPage ?? api.call('conversations.history', pageArgs(before), ctx.signal));
      } catch (error) {
        if (!isChannelGone(error)) throw error;
        yield this.leftItem(channel, error.slackError);
        return false;
      }
      const messages = ((page.messages as SlackObject[] | undefined) ?? [])
        .filter((m) => isSlackTs(m.ts))
        .filter((m) => {
          const ts = slackTsToMicros(m.ts as string);
          return ts >= range.oldest && (before === null || ts < before);
        })
        .sort((a, b) => compareTs(b.ts as string, a.ts as string));
      if (messages.length === 0) {
        // Nothing (more) in range: the sweep is complete. Recorded in memory; committed with later items.
        if (latest !== null && !ctx.frozen) this.cursors.set(channel, { highWater: microsToTs(latest), sweep: null });
        return true;
      }
      if (latest === null) {
        latest = slackTsToMicros(messages[0]?.ts as string) + 1;
        before = latest;
      }
      const hasMore = page.has_more === true;
      if (hasMore) {
        const bound = slackTsToMicros(messages[messages.length - 1]?.ts as string);
        nextPage = { bound, page: api.call('conversations.history', pageArgs(bound), ctx.signal) };
        nextPage.page.catch(() => undefined);
      }
      const threadFetches = new Map<string, Promise<SlackObject[]>>();
      for (const raw of messages) {
        const args = this.repliesArgs(channel, raw, ctx);
        if (args === null) continue;
        const fetch = api.paginate('conversations.replies', args, 'messages', ctx.signal);
        // Awaited (and its error handled) when the thread's turn comes; never left unhandled.
        fetch.catch(() => undefined);
        threadFetches.set(raw.ts as string, fetch);
      }
      for (let i = 0; i < messages.length; i++) {
        const raw = messages[i] as SlackObject;
        const ts = raw.ts as string;
        const last = !hasMore && i === messages.length - 1;
        const previous = ctx.frozen ?? sweepState(before as number);
        const after: HistoryCheckpoint =
          ctx.frozen ?? (last ? { highWater: microsToTs(latest), sweep: null } : sweepState(slackTsToMicros(ts)));
        const group = yield* this.thread(channel, raw, previous, ctx, threadFetches.get(ts));
        if (group === false) return false;
        const record = normalizeMessage(raw, {
          tenant: this.tenant,
          channelId: channel,
          teamId: this.teamId,
          minVersion: Number(ctx.versions.get(ts) ?? 0),
        });
        const item: SourceItem = { record, position: { partition, checkpoint: toJson(after) } };
        if (group) item.onDone = () => this.groupDone(group);
        if (!ctx.frozen) this.cursors.set(channel, after);
        before = slackTsToMicros(ts);
        yield item;
      }
      if (!hasMore) return true;
    }
    return false;
  }

  /**
   * Emits the replies of a thread parent (oldest first) before the parent, all with the checkpoint
   * that precedes the parent. Only threads whose `latest_reply` moved since we last read them are
   * fetched, and only their new replies. Returns the group to finish in the parent's `onDone`, null
   * when there was nothing to fetch, or false when the channel became unreadable.
   */
  /** The `conversations.replies` arguments for a parent whose thread must be (re)read, or null. */
  private repliesArgs(channel: string, parent: SlackObject, ctx: SweepContext): Record<string, unknown> | null {
    const ts = parent.ts as string;
    const latestReply = parent.latest_reply;
    const replyCount = typeof parent.reply_count === 'number' ? parent.reply_count : 0;
    if (parent.thread_ts !== ts || replyCount <= 0 || !isSlackTs(latestReply)) return null;
    const seen = ctx.threads.get(ts);
    if (seen === latestReply) return null;
    const { api } = this.options;
    const args: Record<string, unknown> = {
      channel,
      ts,
      limit: pageSizeFor(api.scheduler.profile, 'conversations.replies', this.options.pageSize),
    };
    if (typeof seen === 'string' && isSlackTs(seen)) args.oldest = seen;
    return args;
  }

  private async *thread(
    channel: string,
    parent: SlackObject,
    previous: HistoryCheckpoint,
    ctx: SweepContext,
    prefetched?: Promise<SlackObject[]>,
  ): AsyncGenerator<SourceItem, ThreadGroup | null | false> {
    const ts = parent.ts as string;
    const latestReply = parent.latest_reply as string;
    const args = this.repliesArgs(channel, parent, ctx);
    if (args === null) return null;
    const seen = ctx.threads.get(ts);
    const { api } = this.options;
    let replies: SlackObject[];
    try {
      replies = await (prefetched ?? api.paginate('conversations.replies', args, 'messages', ctx.signal));
    } catch (error) {
      // A parent deleted since the history page was read: nothing to fetch.
      if (error instanceof SlackPlatformError && error.slackError === 'thread_not_found') return null;
      if (!isChannelGone(error)) throw error;
      yield this.leftItem(channel, error.slackError);
      return false;
    }
    const floor = typeof seen === 'string' && isSlackTs(seen) ? slackTsToMicros(seen) : 0;
    const unique = new Map<string, SlackObject>();
    for (const reply of replies) {
      const rts = reply.ts;
      // The parent comes back on the first page; broadcasts are emitted from the channel history.
      if (!isSlackTs(rts) || rts === ts || reply.subtype === 'thread_broadcast') continue;
      if (slackTsToMicros(rts) <= floor) continue;
      unique.set(rts, reply);
    }
    const group: ThreadGroup = {
      remaining: unique.size + 1,
      key: `${this.tenant}:${channel}:${ts}`,
      latestReply,
    };
    const partition = historyPartition(channel);
    for (const reply of [...unique.values()].sort((a, b) => compareTs(a.ts as string, b.ts as string))) {
      const record = normalizeMessage(reply, {
        tenant: this.tenant,
        channelId: channel,
        teamId: this.teamId,
        minVersion: Number(ctx.versions.get(reply.ts as string) ?? 0),
      });
      yield { record, position: { partition, checkpoint: toJson(previous) }, onDone: () => this.groupDone(group) };
    }
    ctx.threads.set(ts, latestReply);
    return group;
  }

  /** The thread's position is saved only once the parent and all its replies are durably handled. */
  private async groupDone(group: ThreadGroup): Promise<void> {
    group.remaining--;
    if (group.remaining === 0) await this.options.state.putValues(THREADS_NAMESPACE, [[group.key, group.latestReply]]);
  }

  /** Stops reading a channel and remembers it was audited, so that a later run does not repeat it. */
  async recordLeft(channel: string): Promise<void> {
    this.markLeft(channel);
    await this.options.state.putValues(LEFT_NAMESPACE, [[`${this.tenant}:${channel}`, this.nowMicros()]]);
  }

  private leftItem(channel: string, reason: string): SourceItem {
    this.markLeft(channel);
    this.options.logger?.warn({ channel, reason }, 'lost access to channel; stopped reading it');
    return {
      record: auditRecord({
        tenant: this.tenant,
        action: 'channel_left',
        subject: channel,
        at: this.nowMicros(),
        details: { reason },
      }),
      // Remembered once the audit record is durably written.
      onDone: () => this.recordLeft(channel),
    };
  }
}
