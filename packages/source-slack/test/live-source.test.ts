/**
 * The `slack` source in follow mode — `SlackLiveSource` over the REAL `@slack/socket-mode`
 * SocketModeClient and the REAL `@slack/web-api` WebClient — against the testkit's Slack simulator
 * (time-scaled 20x: Slack's 3 s ack deadline is 150 ms). Slack is scripted through the simulator's
 * workspace API while the source is driven in the background, acking every item like the core does.
 */
import type { AuditRecord, ChannelRecord, MessageRecord, SluiceRecord, StateStore, UserRecord } from '@sluice/core';
import { createMemoryStateStore, slackTsToMicros, validateRecord } from '@sluice/core';
import {
  DEFAULT_BOT_SCOPES,
  formatTs,
  generateSyntheticWorkspace,
  type SlackChannelInfo,
  type SlackSimulator,
  type SlackSimulatorOptions,
  type SlackWorkspace,
  startSlackSimulator,
} from '@sluice/testkit/slack';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LIVE_NAMESPACE,
  SlackApi,
  SlackLiveSource,
  SlackMethodScheduler,
  SlackSource,
  type SlackSourceOptions,
} from '../src/index.js';
import { drive, finalView, type RunningDrive, startDriving, waitFor } from './helpers.js';

const TIME_SCALE = 20;
const NOW = Date.UTC(2025, 2, 1);

let sim: SlackSimulator | undefined;
let state: StateStore | undefined;
let running: RunningDrive | undefined;
let sources: SlackSource[] = [];

afterEach(async () => {
  await running?.stop().catch(() => undefined);
  for (const s of sources) await s.close();
  await sim?.close();
  await state?.close();
  running = undefined;
  sources = [];
  sim = undefined;
  state = undefined;
});

function workspace(): SlackWorkspace {
  return generateSyntheticWorkspace({ seed: 5, users: 6, channels: 4, days: 5, messagesPerChannelPerDay: 2, now: NOW });
}

async function start(options: SlackSimulatorOptions = {}): Promise<SlackSimulator> {
  sim = await startSlackSimulator({
    workspace: workspace(),
    timeScale: TIME_SCALE,
    startTime: NOW,
    pingIntervalRealMs: 200,
    ...options,
  });
  state ??= createMemoryStateStore();
  return sim;
}

function slackSource(
  s: SlackSimulator,
  store: StateStore = state as StateStore,
  extra: Partial<SlackSourceOptions> = {},
): SlackSource {
  const source = new SlackSource({
    tenant: 'acme',
    botToken: s.botToken,
    appToken: s.appToken,
    apiUrl: s.apiUrl,
    rateLimitProfile: 'tier3',
    live: true,
    state: store,
    days: 30,
    now: () => s.virtualNow(),
    rateLimitWindowMs: 60_000 / TIME_SCALE,
    socket: { clientPingTimeout: 400 },
    ...extra,
  });
  sources.push(source);
  return source;
}

function memberOf(ws: SlackWorkspace): { channel: string; user: string } {
  const channel = ws.listChannels().find((id) => ws.isBotMember(id)) as string;
  const user = [...(ws.getChannel(channel)?.members ?? [])].find((u) => u !== ws.bot.userId) as string;
  return { channel, user };
}

function messages(records: readonly SluiceRecord[], key: string): MessageRecord[] {
  return records.filter((r): r is MessageRecord => r.kind === 'message' && r.key === key);
}

/** Waits until the first backfill pass delivered everything it read. */
async function backfilled(source: SlackSource): Promise<void> {
  await waitFor(() => source.history.completedPasses >= 1);
}

describe('slack source, live events', () => {
  it('turns posts, edits, reactions, thread replies and deletes into the right records and versions', async () => {
    const s = await start();
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const { channel, user } = memberOf(ws);
    const ts = ws.postMessage({ channel, user, text: 'ship it <@U0NOBODY1>' });
    const key = `${channel}:${ts}`;
    await waitFor(() => messages(running?.records() ?? [], key).length >= 1);
    ws.editMessage({ channel, ts, text: 'ship it tomorrow' });
    await waitFor(() => messages(running?.records() ?? [], key).some((m) => m.edited_at !== null));
    ws.addReaction({ channel, ts, user, name: 'tada' });
    await waitFor(() => messages(running?.records() ?? [], key).some((m) => (m.reactions?.length ?? 0) > 0));
    const reply = ws.postReply({ channel, user, text: 'in thread', threadTs: ts });
    await waitFor(() => messages(running?.records() ?? [], `${channel}:${reply}`).length >= 1);
    // The reply changes the parent's thread fields: the parent is re-read.
    await waitFor(() => messages(running?.records() ?? [], key).some((m) => m.reply_count === 1));
    ws.removeReaction({ channel, ts, user, name: 'tada' });
    await waitFor(() => messages(running?.records() ?? [], key).length >= 5);
    ws.deleteMessage({ channel, ts: reply });
    await waitFor(() => messages(running?.records() ?? [], `${channel}:${reply}`).some((m) => m.deleted === true));

    const records = running.records();
    for (const r of records) expect(validateRecord(r)).toBeNull();
    const history = messages(records, key);
    const [posted, edited, reacted, parent, unreacted] = history;
    expect(posted).toMatchObject({ text: 'ship it <@U0NOBODY1>', mentions: ['U0NOBODY1'], deleted: false });
    expect(posted?.version).toBe(slackTsToMicros(ts));
    expect(edited).toMatchObject({ text: 'ship it tomorrow', edited_by: user });
    expect(edited?.version).toBeGreaterThan(posted?.version ?? 0);
    expect(reacted?.reactions).toEqual([{ name: 'tada', count: 1, users: [user] }]);
    expect(reacted?.version).toBeGreaterThan(edited?.version ?? 0);
    expect(parent).toMatchObject({ reply_count: 1, latest_reply: reply, reply_users: [user] });
    expect(parent?.version).toBe(slackTsToMicros(reply));
    expect(parent?.version).toBeGreaterThan(reacted?.version ?? 0);
    expect(unreacted?.reactions).toEqual([]);
    expect(unreacted?.version).toBeGreaterThan(parent?.version ?? 0);
    const replyRecords = messages(records, `${channel}:${reply}`);
    expect(replyRecords[0]).toMatchObject({ thread_ts: ts, text: 'in thread' });
    const view = finalView(records);
    expect(view.get(`message:${channel}:${reply}`)).toMatchObject({ deleted: true, text: null, blocks: null });
    expect(view.get(`message:${key}`)).toMatchObject({ text: 'ship it tomorrow', reactions: [] });
  });

  it('re-reads the thread parent when a reply is deleted, so its thread fields are not left stale', async () => {
    const s = await start();
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const { channel, user } = memberOf(ws);
    const ts = ws.postMessage({ channel, user, text: 'parent' });
    const key = `${channel}:${ts}`;
    const reply = ws.postReply({ channel, user, text: 'only reply', threadTs: ts });
    await waitFor(() => messages(running?.records() ?? [], key).some((m) => m.reply_count === 1));
    const withReply = Math.max(...messages(running.records(), key).map((m) => m.version));
    ws.deleteMessage({ channel, ts: reply });
    await waitFor(() => messages(running?.records() ?? [], key).some((m) => m.version > withReply));
    const view = finalView(running.records());
    expect((view.get(`message:${key}`) as MessageRecord).reply_count ?? 0).toBe(0);
  });

  it('reads the whole history of a channel the bot was invited to while disconnected', async () => {
    // The invitation's event is lost (Slack gave up while no socket was connected): only history has it.
    const s = await start({ queueRetentionMs: 1 });
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const target = ws.listChannels().find((id) => !ws.isBotMember(id)) as string;
    const member = [...(ws.getChannel(target)?.members ?? [])][0] as string;
    s.dropConnections();
    ws.inviteBot(target);
    ws.postMessage({ channel: target, user: member, text: 'after the invitation' });
    const expected = (ws.getChannel(target)?.top ?? []).map((ts) => `${target}:${formatTs(ts)}`);
    expect(expected.length).toBeGreaterThan(2);
    await waitFor(() => (source.live?.connectionCount ?? 0) >= 2);
    await waitFor(() => expected.every((k) => messages(running?.records() ?? [], k).length > 0), 20_000);
  });

  it('handles broadcast replies, file shares, bot messages, topic changes and archives', async () => {
    const s = await start();
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const { channel, user } = memberOf(ws);
    const parent = ws.postMessage({ channel, user, text: 'parent' });
    const broadcast = ws.postReply({ channel, user, text: 'also to channel', threadTs: parent, broadcast: true });
    const file = ws.postMessage({
      channel,
      user,
      text: '',
      files: [
        {
          id: 'F0LIVE',
          name: 'plan.txt',
          title: 'Plan',
          mimetype: 'text/plain',
          size: 12,
          preview: 'step one',
          url_private: 'https://files.example/F0LIVE',
        },
      ],
    });
    const bot = ws.postMessage({
      channel,
      user,
      text: 'build green',
      extra: { subtype: 'bot_message', bot_id: 'B0CI', user: undefined },
    });
    // The simulator has no topic API: change the stored topic and post Slack's channel_topic message.
    const info = ws.getChannel(channel)?.info as SlackChannelInfo;
    info.topic = { value: 'Q3 launch', creator: user, last_set: Math.floor(s.virtualNow() / 1000) };
    ws.postMessage({ channel, user, text: 'set the channel topic: Q3 launch', extra: { subtype: 'channel_topic' } });
    await waitFor(() =>
      (running?.records() ?? []).some((r) => r.kind === 'channel' && r.key === channel && r.topic === 'Q3 launch'),
    );
    ws.archiveChannel(channel, user);
    const has = (key: string) => messages(running?.records() ?? [], key).length > 0;
    await waitFor(() => has(`${channel}:${broadcast}`) && has(`${channel}:${file}`) && has(`${channel}:${bot}`));
    await waitFor(() =>
      (running?.records() ?? []).some((r) => r.kind === 'channel' && r.key === channel && r.is_archived === true),
    );
    const records = running.records();
    expect(messages(records, `${channel}:${broadcast}`)[0]).toMatchObject({
      subtype: 'thread_broadcast',
      thread_ts: parent,
    });
    expect(messages(records, `${channel}:${file}`)[0]).toMatchObject({
      subtype: 'file_share',
      files: [{ id: 'F0LIVE', name: 'plan.txt', title: 'Plan', mimetype: 'text/plain', size: 12, preview: 'step one' }],
    });
    expect(messages(records, `${channel}:${bot}`)[0]).toMatchObject({ subtype: 'bot_message', bot_id: 'B0CI' });
    // The broadcast is a reply too: its parent is re-read with the new thread fields.
    expect(messages(records, `${channel}:${parent}`).at(-1)).toMatchObject({ reply_count: 1, latest_reply: broadcast });
    for (const r of records) expect(validateRecord(r)).toBeNull();
  });

  it('follows user changes and new users', async () => {
    const s = await start();
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const { user } = memberOf(ws);
    ws.updateUser(user, { profile: { title: 'Chief Sluice Officer' } });
    const joined = ws.addUser({ name: 'newbie', profile: { email: 'newbie@example.org' } });
    await waitFor(() =>
      (running?.records() ?? []).some((r) => r.kind === 'user' && r.key === user && r.title === 'Chief Sluice Officer'),
    );
    await waitFor(() => (running?.records() ?? []).some((r) => r.kind === 'user' && r.key === joined.id));
    const newUser = running.records().find((r): r is UserRecord => r.kind === 'user' && r.key === joined.id);
    expect(newUser?.email_domain).toBe('example.org');
  });

  it('keeps emails out of live user records when the token lacks users:read.email', async () => {
    const s = await start({ botScopes: DEFAULT_BOT_SCOPES.filter((scope) => scope !== 'users:read.email') });
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const joined = ws.addUser({ name: 'private', profile: { email: 'private@example.org' } });
    await waitFor(() => (running?.records() ?? []).some((r) => r.kind === 'user' && r.key === joined.id));
    const users = running.records().filter((r): r is UserRecord => r.kind === 'user');
    expect(users.every((u) => u.email === null && u.email_domain === null)).toBe(true);
  });

  it('backfills a channel when the bot is invited and audits when it is removed', async () => {
    const s = await start();
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const outside = ws.listChannels().find((id) => !ws.isBotMember(id) && (ws.getChannel(id)?.top.length ?? 0) > 0);
    expect(outside).toBeDefined();
    const target = outside as string;
    const before = running.records().filter((r) => r.kind === 'message' && r.channel_id === target);
    expect(before).toEqual([]);
    const member = [...(ws.getChannel(target)?.members ?? [])][0] as string;
    // Not a member yet: nothing from this channel reaches us.
    const early = ws.postMessage({ channel: target, user: member, text: 'before the bot' });
    ws.inviteBot(target, member);
    const topLevel = ws.getChannel(target)?.top.length ?? 0;
    await waitFor(() => running?.records().some((r) => r.kind === 'channel' && r.key === target) ?? false);
    await waitFor(
      () =>
        (running?.records() ?? []).filter((r) => r.kind === 'message' && r.channel_id === target).length >= topLevel,
    );
    expect(messages(running.records(), `${target}:${early}`)).toHaveLength(1);
    ws.removeBot(target, member);
    await waitFor(() => running?.records().some((r) => r.kind === 'audit' && r.subject === target) ?? false);
    const audit = running.records().find((r): r is AuditRecord => r.kind === 'audit' && r.subject === target);
    expect(audit?.action).toBe('channel_left');
    const after = ws.postMessage({ channel: target, user: member, text: 'after the bot left' });
    await new Promise((r) => setTimeout(r, 300));
    expect(messages(running.records(), `${target}:${after}`)).toEqual([]);
  });

  it('follows channel renames of member channels', async () => {
    const s = await start();
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const { channel } = memberOf(ws);
    ws.renameChannel(channel, 'renamed-by-test');
    await waitFor(() =>
      (running?.records() ?? []).some((r) => r.kind === 'channel' && r.key === channel && r.name === 'renamed-by-test'),
    );
    const renamed = running.records().filter((r): r is ChannelRecord => r.kind === 'channel' && r.key === channel);
    expect((renamed.at(-1)?.version ?? 0) > (renamed[0]?.version ?? 0)).toBe(true);
  });
});

describe('slack source, delivery guarantees', () => {
  it('drops redelivered envelopes by event_id: one record per event', async () => {
    // An ack deadline shorter than a round trip: the simulator redelivers every envelope.
    const s = await start({ ackDeadlineMs: 1, maxRetries: 2 });
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const { channel, user } = memberOf(ws);
    const posted = [1, 2, 3, 4, 5].map((n) => ws.postMessage({ channel, user, text: `msg ${n}` }));
    await waitFor(() => posted.every((ts) => messages(running?.records() ?? [], `${channel}:${ts}`).length > 0));
    await new Promise((r) => setTimeout(r, 400));
    expect(s.stats().socketMode.redelivered).toBeGreaterThan(0);
    for (const ts of posted) expect(messages(running.records(), `${channel}:${ts}`)).toHaveLength(1);
  });

  it('loses nothing across a dropped connection: queued events plus the gap fill', async () => {
    const s = await start();
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const { channel, user } = memberOf(ws);
    s.dropConnections();
    const posted = [1, 2, 3].map((n) => ws.postMessage({ channel, user, text: `while away ${n}` }));
    await waitFor(() => (source.live?.connectionCount ?? 0) >= 2);
    await waitFor(() => posted.every((ts) => messages(running?.records() ?? [], `${channel}:${ts}`).length > 0));
    // Whatever arrives twice (the live event and the gap fill) is the same key, version and content.
    for (const ts of posted) {
      const copies = messages(running.records(), `${channel}:${ts}`);
      for (const copy of copies) expect(copy).toEqual(copies[0]);
    }
  });

  it('fills the gap from history when Slack dropped the events of a disconnection', async () => {
    // Events raised while no socket is connected expire at once: only the history gap fill has them.
    const s = await start({ queueRetentionMs: 1 });
    const ws = s.workspace;
    const source = slackSource(s);
    running = startDriving(source);
    await backfilled(source);
    const { channel, user } = memberOf(ws);
    s.dropConnections();
    const posted = [1, 2].map((n) => ws.postMessage({ channel, user, text: `lost event ${n}` }));
    await waitFor(() => (source.live?.connectionCount ?? 0) >= 2);
    await waitFor(() => posted.every((ts) => messages(running?.records() ?? [], `${channel}:${ts}`).length > 0));
    expect(s.stats().socketMode.expired).toBeGreaterThan(0);
    for (const ts of posted) expect(messages(running.records(), `${channel}:${ts}`)).toHaveLength(1);
  });

  it('fails the read when Socket Mode cannot start (a revoked app token)', async () => {
    const s = await start();
    const source = new SlackSource({
      tenant: 'acme',
      botToken: s.botToken,
      appToken: ['xa', 'pp-1-A0REVOKED-0000000000000-notvalid'].join(''),
      apiUrl: s.apiUrl,
      rateLimitProfile: 'tier3',
      live: true,
      state: state as StateStore,
      socket: { clientPingTimeout: 400 },
    });
    sources.push(source);
    const error = await drive(source, { mode: 'follow', timeoutMs: 10_000 }).catch((e: unknown) => e);
    // Socket Mode's apps.connections.open answered invalid_auth; the backfill never started.
    expect((error as { code?: unknown }).code).toBe('slack_webapi_platform_error');
    expect(source.history.completedPasses).toBe(0);
  });

  it('narrows the gap fill to what the disconnection may have missed', async () => {
    const s = await start({ queueRetentionMs: 1 });
    const ws = s.workspace;
    // A 1 s margin (Slack's clock; 50 ms real at 20x) before the newest buffered event.
    const source = slackSource(s, state as StateStore, { gapFillMarginMs: 1000 });
    running = startDriving(source);
    await backfilled(source);
    const { channel, user } = memberOf(ws);
    const early = [1, 2, 3].map((n) => ws.postMessage({ channel, user, text: `heard live ${n}` }));
    await waitFor(() => early.every((ts) => messages(running?.records() ?? [], `${channel}:${ts}`).length > 0));
    await new Promise((r) => setTimeout(r, 200));
    const marker = ws.postMessage({ channel, user, text: 'newest before the drop' });
    await waitFor(() => messages(running?.records() ?? [], `${channel}:${marker}`).length > 0);
    const historyCalls = s.stats().methods['conversations.history']?.calls ?? 0;
    s.dropConnections();
    const lost = ws.postMessage({ channel, user, text: 'said while we were away' });
    await waitFor(() => messages(running?.records() ?? [], `${channel}:${lost}`).length > 0);
    // The live messages well before the drop are not read again; the lost one is recovered.
    for (const ts of early) expect(messages(running.records(), `${channel}:${ts}`)).toHaveLength(1);
    expect(messages(running.records(), `${channel}:${lost}`)).toHaveLength(1);
    // One history page per member channel at most.
    const members = ws.listChannels().filter((id) => ws.isBotMember(id)).length;
    expect((s.stats().methods['conversations.history']?.calls ?? 0) - historyCalls).toBeLessThanOrEqual(members);
  });

  it('acks only what is durably buffered: a failed buffer write is redelivered and stored once', async () => {
    const s = await start({ maxRetries: 3 });
    const inner = createMemoryStateStore();
    state = inner;
    let failures = 1;
    const flaky: StateStore = Object.assign(Object.create(inner) as StateStore, {
      putValues: async (namespace: string, entries: ReadonlyArray<readonly [string, unknown]>) => {
        if (namespace === LIVE_NAMESPACE && entries.some(([k]) => k.includes(':buf:')) && failures > 0) {
          failures--;
          throw new Error('disk full');
        }
        return inner.putValues(namespace, entries as ReadonlyArray<readonly [string, never]>);
      },
    });
    const ws = s.workspace;
    const source = slackSource(s, flaky);
    running = startDriving(source);
    await backfilled(source);
    const { channel, user } = memberOf(ws);
    const ts = ws.postMessage({ channel, user, text: 'must survive' });
    await waitFor(() => messages(running?.records() ?? [], `${channel}:${ts}`).length > 0);
    expect(failures).toBe(0);
    expect(s.stats().socketMode.redelivered).toBeGreaterThan(0);
    expect(messages(running.records(), `${channel}:${ts}`)).toHaveLength(1);
  });

  it('drains a previous live run’s buffer even when live is now off', async () => {
    const s = await start();
    const store = state as StateStore;
    const { channel, user } = memberOf(s.workspace);
    const ts = s.workspace.postMessage({ channel, user, text: 'buffered, never delivered' });
    const scheduler = new SlackMethodScheduler({ profile: 'tier3', windowMs: 60_000 / TIME_SCALE });
    const api = new SlackApi({ botToken: s.botToken, apiUrl: s.apiUrl, scheduler });
    const earlier = new SlackLiveSource({ tenant: 'acme', appToken: s.appToken, apiUrl: s.apiUrl, api, state: store });
    await earlier.enqueue({
      event_id: 'EvLeft1',
      event: { ...s.workspace.getMessage(channel, ts), channel, channel_type: 'channel', event_ts: ts },
    });
    const source = new SlackSource({
      tenant: 'acme',
      botToken: s.botToken,
      apiUrl: s.apiUrl,
      rateLimitProfile: 'tier3',
      live: false,
      state: store,
      days: 30,
      now: () => s.virtualNow(),
      rateLimitWindowMs: 60_000 / TIME_SCALE,
    });
    sources.push(source);
    const { records } = await drive(source);
    // Once from the buffer and once from the backfill, same key and version.
    const copies = messages(records, `${channel}:${ts}`);
    expect(copies.length).toBe(2);
    expect(copies[0]).toEqual(copies[1]);
    expect(await store.listValues(LIVE_NAMESPACE, { prefix: 'acme:buf:' })).toEqual([]);
  });

  it('coalesces buffered reactions on one message into a single re-read', async () => {
    const s = await start();
    const ws = s.workspace;
    const { channel, user } = memberOf(ws);
    const ts = ws.postMessage({ channel, user, text: 'react to me' });
    ws.addReaction({ channel, ts, user, name: 'eyes' });
    ws.addReaction({ channel, ts, user, name: 'tada' });
    const scheduler = new SlackMethodScheduler({ profile: 'tier3', windowMs: 60_000 / TIME_SCALE });
    const api = new SlackApi({ botToken: s.botToken, apiUrl: s.apiUrl, scheduler });
    const live = new SlackLiveSource({
      tenant: 'acme',
      appToken: s.appToken,
      apiUrl: s.apiUrl,
      api,
      state: state as StateStore,
    });
    const reaction = (n: number, name: string) => ({
      event_id: `EvR${n}`,
      event: {
        type: 'reaction_added',
        user,
        reaction: name,
        item: { type: 'message', channel, ts },
        event_ts: `${Number(ts.split('.')[0]) + n}.000000`,
      },
    });
    await live.enqueue(reaction(1, 'eyes'));
    await live.enqueue(reaction(2, 'tada'));
    const before = s.stats().methods['conversations.replies']?.calls ?? 0;
    const { records } = await drive(live);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ key: `${channel}:${ts}` });
    expect((records[0] as MessageRecord).reactions?.map((r) => r.name)).toEqual(['eyes', 'tada']);
    expect((s.stats().methods['conversations.replies']?.calls ?? 0) - before).toBe(1);
    expect(await (state as StateStore).listValues(LIVE_NAMESPACE, { prefix: 'acme:buf:' })).toEqual([]);
  });

  it('delivers what a previous run left in the buffer, then empties it', async () => {
    const s = await start();
    const store = state as StateStore;
    const scheduler = new SlackMethodScheduler({ profile: 'tier3', windowMs: 60_000 / TIME_SCALE });
    const api = new SlackApi({ botToken: s.botToken, apiUrl: s.apiUrl, scheduler });
    const first = new SlackLiveSource({ tenant: 'acme', appToken: s.appToken, apiUrl: s.apiUrl, api, state: store });
    const event = (id: string, ts: string) => ({
      event_id: id,
      event_time: 1_740_787_200,
      event: { type: 'message', channel: 'C0X', channel_type: 'channel', user: 'U1', text: 'hi', ts },
    });
    expect(await first.enqueue(event('Ev1', '1740787200.000100'))).toBe(true);
    expect(await first.enqueue(event('Ev2', '1740787201.000100'))).toBe(true);
    expect(await first.enqueue(event('Ev1', '1740787200.000100'))).toBe(false);
    // "Crash": a new instance over the same store delivers both, once.
    const second = new SlackLiveSource({ tenant: 'acme', appToken: s.appToken, apiUrl: s.apiUrl, api, state: store });
    const { records } = await drive(second);
    expect(records.map((r) => r.key)).toEqual(['C0X:1740787200.000100', 'C0X:1740787201.000100']);
    expect(await store.listValues(LIVE_NAMESPACE, { prefix: 'acme:buf:' })).toEqual([]);
    // The event IDs are still remembered: a late redelivery is dropped.
    const third = new SlackLiveSource({ tenant: 'acme', appToken: s.appToken, apiUrl: s.apiUrl, api, state: store });
    expect(await third.enqueue(event('Ev2', '1740787201.000100'))).toBe(false);
  });
});
