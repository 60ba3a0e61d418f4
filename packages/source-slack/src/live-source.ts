/**
 * `SlackLiveSource`: Events API over Socket Mode. Slack wants each envelope acked within 3 s, far
 * less than a sink may need, so an envelope is acked only once its event is durably in the state
 * store (a live buffer keyed by a monotonically increasing sequence, written in one transaction with
 * the event ID used for deduplication); events are then delivered from the buffer in sequence order
 * and each buffer entry is deleted in the `onDone` of its last record. Delivery is at least once:
 * after a crash, entries not yet done are delivered again; redelivered envelopes (`retry_attempt`)
 * and replays are dropped by `event_id`. Reconnects are reported so the history source can fill the
 * gap with what Slack did not redeliver.
 */
import { SocketModeClient } from '@slack/socket-mode';
import type { Json, Logger, SourceInstance, SourceItem, SourceReadOptions, StateStore } from '@sluice/core';
import { type SluiceRecord, slackTsToMicros } from '@sluice/core';
import type { SlackHistorySource } from './history-source.js';
import { MESSAGE_VERSIONS_NAMESPACE } from './history-source.js';
import {
  auditRecord,
  deletedMessageRecord,
  isSlackTs,
  normalizeChannel,
  normalizeMessage,
  normalizeUser,
  type SlackObject,
} from './normalize.js';
import { isChannelGone, type SlackApi, SlackPlatformError } from './slack-api.js';
import { slackLogger } from './slack-logger.js';
import { waitForWake } from './wait.js';

export const LIVE_NAMESPACE = 'source-slack/live';

/**
 * What is kept in memory of a buffered event: its sequence and what coalescing needs. The event itself
 * stays in the state store until delivery, so a long sink outage does not grow the heap with payloads.
 */
interface PendingEvent {
  seq: number;
  /** `<channel>:<ts>` of the message a reaction event concerns. */
  reactionOn?: string;
  /** `<channel>:<thread_ts>` of the thread a reply event belongs to. */
  replyIn?: string;
}

function describeEvent(seq: number, event: SlackObject): PendingEvent {
  const out: PendingEvent = { seq };
  const item = event.item as SlackObject | undefined;
  if ((event.type === 'reaction_added' || event.type === 'reaction_removed') && item) {
    out.reactionOn = `${String(item.channel)}:${String(item.ts)}`;
  }
  if (event.type === 'message' && isSlackTs(event.thread_ts) && event.thread_ts !== event.ts) {
    out.replyIn = `${String(event.channel)}:${event.thread_ts}`;
  }
  return out;
}

export interface SlackLiveSourceOptions {
  tenant: string;
  appToken: string;
  /** Web API base URL (simulator); Slack's when absent. */
  apiUrl?: string;
  api: SlackApi;
  state: StateStore;
  /** Backfills channels the bot joins and fills gaps after reconnects. */
  history?: SlackHistorySource;
  logger?: Logger;
  /** How long event IDs are remembered for deduplication (default one hour). */
  dedupeRetentionMs?: number;
  /**
   * Called on every (re)connection with the count so far (1 for the first) and the time (µs, Slack's
   * clock) of the newest event buffered before it, null when none was: up to about then, live events
   * covered every channel, so a gap fill can start there.
   */
  onConnected?: (count: number, coveredUntil: number | null) => void;
  /** Re-read a thread parent when a reply arrives, so its thread fields stay current (default true). */
  refreshThreadParents?: boolean;
  /** Socket Mode client tuning (tests shorten the ping timeouts). */
  socket?: { clientPingTimeout?: number; serverPingTimeout?: number };
}

const CHANNEL_EVENTS = new Set([
  'channel_rename',
  'group_rename',
  'channel_archive',
  'group_archive',
  'channel_unarchive',
  'group_unarchive',
]);

const CHANNEL_CHANGE_SUBTYPES = new Set([
  'channel_topic',
  'channel_purpose',
  'channel_name',
  'group_topic',
  'group_purpose',
  'group_name',
]);

function pad(seq: number): string {
  return String(seq).padStart(16, '0');
}

export class SlackLiveSource implements SourceInstance {
  private readonly options: SlackLiveSourceOptions;
  private readonly tenant: string;
  private client: SocketModeClient | undefined;
  private readonly pending: PendingEvent[] = [];
  private readonly seen = new Map<string, number>();
  private seq = 0;
  private loaded: Promise<void> | undefined;
  private enqueueChain: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private connections = 0;
  private newestEvent: number | null = null;
  private starting: Promise<void> | undefined;
  private sincePrune = 0;

  constructor(options: SlackLiveSourceOptions) {
    this.options = options;
    this.tenant = options.tenant;
  }

  /** Number of Socket Mode connections opened so far. */
  get connectionCount(): number {
    return this.connections;
  }

  /** Loads the buffer left by a previous run (once). */
  private load(): Promise<void> {
    this.loaded ??= (async () => {
      const rows = await this.options.state.listValues(LIVE_NAMESPACE, { prefix: `${this.tenant}:` });
      const cutoff = Date.now() - (this.options.dedupeRetentionMs ?? 3_600_000);
      const stale: Array<[string, undefined]> = [];
      for (const [key, value] of rows) {
        const rest = key.slice(this.tenant.length + 1);
        if (rest.startsWith('buf:')) {
          const entry = value as { event?: unknown };
          const seq = Number(rest.slice(4));
          this.seq = Math.max(this.seq, seq);
          if (typeof entry.event === 'object' && entry.event !== null) {
            this.pending.push(describeEvent(seq, entry.event as SlackObject));
          }
        } else if (rest.startsWith('seen:')) {
          if (typeof value === 'number' && value < cutoff) stale.push([key, undefined]);
          else this.seen.set(rest.slice(5), typeof value === 'number' ? value : Date.now());
        }
      }
      this.pending.sort((a, b) => a.seq - b.seq);
      await this.options.state.putValues(LIVE_NAMESPACE, stale);
    })();
    return this.loaded;
  }

  /**
   * Connects to Socket Mode. Idempotent: every caller gets the same promise, so a start that fails
   * (a revoked app token) fails `read()` too instead of leaving the pipeline silently without events.
   */
  start(): Promise<void> {
    this.starting ??= this.connect();
    return this.starting;
  }

  private async connect(): Promise<void> {
    await this.load();
    const client = new SocketModeClient({
      appToken: this.options.appToken,
      logger: slackLogger(this.options.logger, 'socket-mode'),
      ...(this.options.socket?.clientPingTimeout !== undefined
        ? { clientPingTimeout: this.options.socket.clientPingTimeout }
        : {}),
      ...(this.options.socket?.serverPingTimeout !== undefined
        ? { serverPingTimeout: this.options.socket.serverPingTimeout }
        : {}),
      clientOptions: this.options.apiUrl ? { slackApiUrl: this.options.apiUrl } : {},
    });
    this.client = client;
    client.on('connected', () => {
      this.connections++;
      this.options.logger?.info({ connections: this.connections }, 'socket mode connected');
      this.options.onConnected?.(this.connections, this.newestEvent);
    });
    client.on('slack_event', (args: { ack: () => Promise<void>; type: string; body: SlackObject }) => {
      void this.onEnvelope(args);
    });
    await client.start();
  }

  /** Acks an envelope once its event is durably buffered; never before. */
  private async onEnvelope(args: { ack: () => Promise<void>; type: string; body: SlackObject }): Promise<void> {
    try {
      if (args.type === 'events_api') await this.enqueue(args.body);
      await args.ack();
    } catch (error) {
      // Not acked: Slack redelivers it, and the event ID dedupes whatever did get stored.
      this.options.logger?.warn({ error: error instanceof Error ? error.name : 'unknown' }, 'live event not acked');
    }
  }

  /** Buffers one Events API payload durably; returns false for a duplicate. Serialised to keep order. */
  enqueue(body: SlackObject): Promise<boolean> {
    const run = this.enqueueChain.then(async () => {
      await this.load();
      const event = body.event as SlackObject | undefined;
      const eventId = typeof body.event_id === 'string' ? body.event_id : null;
      if (!event || eventId === null) return false;
      if (this.seen.has(eventId)) return false;
      const seq = this.seq + 1;
      // event_ts has microseconds; the envelope's event_time only whole seconds.
      const at = isSlackTs(event.event_ts)
        ? slackTsToMicros(event.event_ts)
        : typeof body.event_time === 'number'
          ? body.event_time * 1_000_000
          : Date.now() * 1000;
      const now = Date.now();
      await this.options.state.putValues(LIVE_NAMESPACE, [
        [`${this.tenant}:buf:${pad(seq)}`, { eventId, event: event as Json, at }],
        [`${this.tenant}:seen:${eventId}`, now],
      ]);
      this.seq = seq;
      this.seen.set(eventId, now);
      this.newestEvent = Math.max(this.newestEvent ?? 0, at);
      this.pending.push(describeEvent(seq, event));
      this.wake?.();
      if (++this.sincePrune >= 1000) await this.pruneSeen();
      return true;
    });
    this.enqueueChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async pruneSeen(): Promise<void> {
    this.sincePrune = 0;
    const cutoff = Date.now() - (this.options.dedupeRetentionMs ?? 3_600_000);
    const stale: Array<[string, undefined]> = [];
    for (const [id, at] of this.seen) {
      if (at < cutoff) {
        this.seen.delete(id);
        stale.push([`${this.tenant}:seen:${id}`, undefined]);
      }
    }
    await this.options.state.putValues(LIVE_NAMESPACE, stale);
  }

  /** Events still in the buffer (not yet durably handled downstream). */
  get buffered(): number {
    return this.pending.length;
  }

  /**
   * Delivers buffered events as records. `follow` connects and keeps delivering; `until-caught-up`
   * delivers what a previous run left in the buffer and ends without connecting.
   */
  async *read(options: SourceReadOptions): AsyncGenerator<SourceItem> {
    const { signal } = options;
    await this.load();
    if (options.mode === 'follow') await this.start();
    while (!signal.aborted) {
      const entry = this.pending.shift();
      if (!entry) {
        if (options.mode === 'until-caught-up') return;
        await waitForWake(signal, (wake) => {
          this.wake = wake;
        });
        this.wake = undefined;
        continue;
      }
      const key = `${this.tenant}:buf:${pad(entry.seq)}`;
      const stored = (await this.options.state.getValue(LIVE_NAMESPACE, key)) as
        | { event?: SlackObject; at?: number }
        | undefined;
      if (!stored?.event) continue;
      const records = await this.toRecords(stored.event, Number(stored.at) || 0, signal);
      if (records.length === 0) {
        await this.options.state.putValues(LIVE_NAMESPACE, [[key, undefined]]);
        continue;
      }
      let remaining = records.length;
      const done = async () => {
        remaining--;
        if (remaining === 0) await this.options.state.putValues(LIVE_NAMESPACE, [[key, undefined]]);
      };
      for (const record of records) yield { record, onDone: done };
    }
  }

  /** Turns one event into the records it implies (none for events outside our scope). */
  async toRecords(event: SlackObject, at: number, signal?: AbortSignal): Promise<SluiceRecord[]> {
    const tenant = this.tenant;
    const type = event.type;
    const history = this.options.history;
    if (type === 'message') {
      const records = await this.messageRecords(event, at);
      const parent = await this.refreshedParent(event, signal);
      if (parent) records.push(parent);
      // Topic, purpose and name changes arrive as messages: the channel record changes with them.
      if (CHANNEL_CHANGE_SUBTYPES.has(String(event.subtype)) && typeof event.channel === 'string') {
        records.push(...(await this.channelRecords(event.channel, at, signal)));
      }
      return records;
    }
    if (type === 'reaction_added' || type === 'reaction_removed') {
      const item = event.item as SlackObject | undefined;
      if (item?.type !== 'message' || typeof item.channel !== 'string' || !isSlackTs(item.ts)) return [];
      const { channel, ts } = item;
      // A later reaction on the same message is already buffered: its re-read covers this one.
      const later = this.pending.some((p) => p.reactionOn === `${channel}:${ts}`);
      if (later) return [];
      const record = await this.refreshMessage(channel, ts, at, signal);
      return record ? [record] : [];
    }
    if (type === 'member_joined_channel') {
      const botUserId = history ? (await history.identify(signal)).botUserId : null;
      if (typeof event.channel === 'string' && event.user === botUserId) history?.requestChannel(event.channel);
      return [];
    }
    if (type === 'channel_left' || type === 'group_left') {
      if (typeof event.channel !== 'string') return [];
      // Remembered at once: if the audit record is lost in a crash, the buffered event brings it back.
      await history?.recordLeft(event.channel);
      return [auditRecord({ tenant, action: 'channel_left', subject: event.channel, at, details: { event: type } })];
    }
    if (type === 'user_change' || type === 'team_join') {
      const raw = event.user as SlackObject | undefined;
      if (!raw || typeof raw.id !== 'string') return [];
      // Events carry the whole profile; keep the email only if the token may read emails.
      if (history) await history.identify(signal);
      const user = history ? history.userWithinScope(raw) : raw;
      return [normalizeUser(user, { tenant, fallbackVersion: at })];
    }
    if (typeof type === 'string' && CHANNEL_EVENTS.has(type)) {
      const channel =
        typeof event.channel === 'string' ? event.channel : (event.channel as SlackObject | undefined)?.id;
      if (typeof channel !== 'string') return [];
      return this.channelRecords(channel, at, signal);
    }
    return [];
  }

  /** The channel re-read after a change, if the bot is a member. */
  private async channelRecords(channel: string, at: number, signal?: AbortSignal): Promise<SluiceRecord[]> {
    let info: SlackObject | undefined;
    try {
      info = (await this.options.api.call('conversations.info', { channel }, signal)).channel as SlackObject;
    } catch (error) {
      if (isChannelGone(error)) return [];
      throw error;
    }
    // Slack sends rename/archive of public channels the bot is not in: out of scope.
    if (info?.is_member !== true) return [];
    return [normalizeChannel(info as SlackObject, { tenant: this.tenant, version: at })];
  }

  private async messageRecords(event: SlackObject, at: number): Promise<SluiceRecord[]> {
    const tenant = this.tenant;
    const channel = event.channel;
    if (typeof channel !== 'string') return [];
    // Direct messages to the app are outside the channels we govern.
    if (event.channel_type === 'im' || event.channel_type === 'mpim') return [];
    const eventMicros = isSlackTs(event.ts) ? slackTsToMicros(event.ts) : at;
    switch (event.subtype) {
      case 'message_deleted': {
        if (!isSlackTs(event.deleted_ts)) return [];
        return [deletedMessageRecord({ tenant, channelId: channel, ts: event.deleted_ts, version: eventMicros })];
      }
      case 'message_changed':
      case 'message_replied': {
        // Only the new `message`: `previous_message` never reaches a record.
        const message = event.message as SlackObject | undefined;
        if (!message || !isSlackTs(message.ts)) return [];
        const minVersion = Math.max(eventMicros, await this.knownVersion(channel, message.ts));
        return [normalizeMessage(message, { tenant, channelId: channel, minVersion })];
      }
      default: {
        if (!isSlackTs(event.ts)) return [];
        const { channel: _c, event_ts: _e, channel_type: _t, ...message } = event;
        return [normalizeMessage(message, { tenant, channelId: channel })];
      }
    }
  }

  /**
   * A new reply changes its parent's thread fields (reply_count, reply_users, latest_reply): re-read
   * the parent, unless a later reply to the same thread is already buffered and will do it.
   */
  private async refreshedParent(event: SlackObject, signal?: AbortSignal): Promise<SluiceRecord | null> {
    if (this.options.refreshThreadParents === false) return null;
    if (event.subtype === 'message_deleted') {
      // A deleted reply changes its parent's reply_count and latest_reply: re-read the parent at the
      // deletion's time, or the sink keeps the stale thread fields (newest version wins). Only the
      // parent's ts is taken from `previous_message`; none of its content.
      const parentTs = (event.previous_message as SlackObject | undefined)?.thread_ts;
      const { channel, ts, deleted_ts: deletedTs } = event;
      if (typeof channel !== 'string' || !isSlackTs(ts) || !isSlackTs(parentTs) || parentTs === deletedTs) return null;
      return this.refreshMessage(channel, parentTs, slackTsToMicros(ts), signal);
    }
    if (
      event.subtype !== undefined &&
      event.subtype !== 'thread_broadcast' &&
      event.subtype !== 'file_share' &&
      event.subtype !== 'bot_message'
    ) {
      return null;
    }
    const { channel, ts, thread_ts: threadTs } = event;
    if (typeof channel !== 'string' || !isSlackTs(ts) || !isSlackTs(threadTs) || threadTs === ts) return null;
    if (event.channel_type === 'im' || event.channel_type === 'mpim') return null;
    const later = this.pending.some((p) => p.replyIn === `${channel}:${threadTs}`);
    if (later) return null;
    return this.refreshMessage(channel, threadTs, slackTsToMicros(ts), signal);
  }

  private async knownVersion(channel: string, ts: string): Promise<number> {
    const v = await this.options.state.getValue(MESSAGE_VERSIONS_NAMESPACE, `${this.tenant}:${channel}:${ts}`);
    return typeof v === 'number' ? v : 0;
  }

  /**
   * Re-reads a message after a reaction change. Its version is the reaction event's time: the content
   * read now includes at least every change up to then, and the version is remembered so that later
   * history reads of the same message do not rank below it.
   */
  private async refreshMessage(channel: string, ts: string, at: number, signal?: AbortSignal) {
    const key = `${this.tenant}:${channel}:${ts}`;
    const version = Math.max(at, await this.knownVersion(channel, ts));
    await this.options.state.putValues(MESSAGE_VERSIONS_NAMESPACE, [[key, version]]);
    let messages: SlackObject[];
    try {
      const res = await this.options.api.call(
        'conversations.replies',
        { channel, ts, oldest: ts, latest: ts, inclusive: true, limit: 2 },
        signal,
      );
      messages = (res.messages as SlackObject[] | undefined) ?? [];
    } catch (error) {
      if (isChannelGone(error)) return null;
      if (error instanceof SlackPlatformError && /not_found/.test(error.slackError)) return null;
      throw error;
    }
    const message = messages.find((m) => m.ts === ts);
    if (!message) return null;
    return normalizeMessage(message, { tenant: this.tenant, channelId: channel, minVersion: version });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.starting = undefined;
    this.wake?.();
    if (client) await client.disconnect().catch(() => undefined);
  }
}
