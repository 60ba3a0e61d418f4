/**
 * `SlackHistorySource` with the REAL `@slack/web-api` WebClient against the testkit's Slack simulator
 * (`@sluice/testkit/slack`), time-scaled 600x so a rate-limit minute lasts 100 ms. The source is
 * driven like the core drives it: items are acked in order and committed checkpoints are fed back
 * into `read()` to simulate restarts.
 */
import type { MessageRecord, UserRecord } from '@sluice/core';
import { createMemoryStateStore, type StateStore, slackTsToMicros, validateRecord } from '@sluice/core';
import {
  DEFAULT_BOT_SCOPES,
  formatTs,
  generateSyntheticWorkspace,
  type SlackSimulator,
  type SlackWorkspace,
  startSlackSimulator,
} from '@sluice/testkit/slack';
import { afterEach, describe, expect, it } from 'vitest';
import {
  historyPartition,
  type RateLimitProfile,
  SlackApi,
  SlackHistorySource,
  SlackMethodScheduler,
  SlackPlatformError,
} from '../src/index.js';
import { drive, duplicates, messageKeys } from './helpers.js';

const TIME_SCALE = 600;
const WINDOW_MS = 60_000 / TIME_SCALE;
const NOW = Date.UTC(2025, 2, 1);
const DAYS = 8;
const WINDOW_START = (NOW - DAYS * 86_400_000) * 1000;

let sim: SlackSimulator | undefined;
let state: StateStore | undefined;

afterEach(async () => {
  await sim?.close();
  await state?.close();
  sim = undefined;
  state = undefined;
});

function workspace(seed = 11): SlackWorkspace {
  return generateSyntheticWorkspace({
    seed,
    users: 8,
    channels: 5,
    days: 12,
    messagesPerChannelPerDay: 4,
    now: NOW,
  });
}

async function start(
  options: { profile?: RateLimitProfile; botScopes?: readonly string[]; seed?: number } = {},
): Promise<SlackSimulator> {
  sim = await startSlackSimulator({
    workspace: workspace(options.seed),
    timeScale: TIME_SCALE,
    startTime: NOW,
    profile: options.profile ?? 'tier3',
    ...(options.botScopes ? { botScopes: options.botScopes } : {}),
  });
  state = createMemoryStateStore();
  return sim;
}

function historySource(
  s: SlackSimulator,
  options: { profile?: RateLimitProfile; pageSize?: number; threadLookbackDays?: number } = {},
): SlackHistorySource {
  const scheduler = new SlackMethodScheduler({
    profile: options.profile ?? 'tier3',
    windowMs: WINDOW_MS,
    margin: 0.05,
  });
  const api = new SlackApi({ botToken: s.botToken, apiUrl: s.apiUrl, scheduler });
  return new SlackHistorySource({
    tenant: 'acme',
    api,
    state: state as StateStore,
    days: DAYS,
    now: () => NOW,
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
    ...(options.threadLookbackDays !== undefined ? { threadLookbackDays: options.threadLookbackDays } : {}),
  });
}

/** What a backfill must read: top-level messages in the window and the replies of parents in it. */
function expectedKeys(ws: SlackWorkspace): Set<string> {
  const keys = new Set<string>();
  for (const id of ws.listChannels()) {
    const channel = ws.getChannel(id);
    if (!channel?.members.has(ws.bot.userId)) continue;
    for (const ts of channel.top) {
      if (ts < WINDOW_START) continue;
      keys.add(`${id}:${formatTs(ts)}`);
      if (channel.broadcastParent.has(ts)) continue;
      for (const reply of channel.threads.get(ts) ?? []) {
        if (!channel.broadcastParent.has(reply)) keys.add(`${id}:${formatTs(reply)}`);
      }
    }
  }
  return keys;
}

function memberChannels(ws: SlackWorkspace): string[] {
  return ws.listChannels().filter((id) => ws.isBotMember(id));
}

describe('SlackHistorySource backfill', () => {
  it('reads every message and reply in the window of every invited channel exactly once', async () => {
    const s = await start();
    const { records, checkpoints } = await drive(historySource(s));
    const expected = expectedKeys(s.workspace);
    expect(expected.size).toBeGreaterThan(50);
    const keys = messageKeys(records);
    expect(duplicates(keys)).toEqual([]);
    expect(new Set(keys)).toEqual(expected);
    const members = new Set(memberChannels(s.workspace));
    expect(members.size).toBeLessThan(s.workspace.listChannels().length);
    for (const record of records) {
      expect(validateRecord(record)).toBeNull();
      if (record.kind === 'message') {
        expect(members.has(record.channel_id)).toBe(true);
        if (!record.thread_ts || record.thread_ts === record.ts) {
          expect(slackTsToMicros(record.ts)).toBeGreaterThanOrEqual(WINDOW_START);
        }
      }
    }
    // Users and the member channels (only those) come with it.
    expect(records.filter((r) => r.kind === 'user')).toHaveLength(s.workspace.listUsers().length);
    expect(new Set(records.filter((r) => r.kind === 'channel').map((r) => r.key))).toEqual(members);
    // Every channel with messages finished its sweep: a high-water mark, no open sweep.
    for (const id of members) {
      const cp = checkpoints.get(historyPartition(id)) as { highWater: string | null; sweep: unknown } | undefined;
      if (cp === undefined) continue;
      expect(cp.sweep).toBeNull();
      expect(cp.highWater).not.toBeNull();
    }
    // Threads found in the window have replies with thread fields.
    const reply = records.find(
      (r): r is MessageRecord => r.kind === 'message' && !!r.thread_ts && r.thread_ts !== r.ts,
    );
    expect(reply?.parent_user_id).toBeTruthy();
  });

  it('emits no emails when the token lacks users:read.email, and emails when it has it', async () => {
    const s = await start({ botScopes: DEFAULT_BOT_SCOPES.filter((scope) => scope !== 'users:read.email') });
    const { records } = await drive(historySource(s));
    const users = records.filter((r): r is UserRecord => r.kind === 'user');
    expect(users.length).toBeGreaterThan(0);
    expect(users.every((u) => u.email === null && u.email_domain === null)).toBe(true);
    await s.close();

    const withEmail = await start();
    const again = (await drive(historySource(withEmail))).records.filter((r): r is UserRecord => r.kind === 'user');
    expect(again.some((u) => typeof u.email === 'string' && u.email_domain !== null)).toBe(true);
  });

  it('resumes each channel where it stopped without re-reading what was committed', async () => {
    const s = await start();
    const source = historySource(s);
    const expected = expectedKeys(s.workspace);
    const firstRun = await drive(source, { stopAfter: 60 });
    // A fresh instance, as after a crash, given the committed checkpoints.
    const secondRun = await drive(historySource(s), { checkpoints: firstRun.checkpoints });
    const first = messageKeys(firstRun.records);
    const second = messageKeys(secondRun.records);
    expect(new Set([...first, ...second])).toEqual(expected);
    // Only replies of a thread whose parent was not yet committed may be read twice.
    const firstSet = new Set(first);
    for (const key of second.filter((k) => firstSet.has(k))) {
      const record = secondRun.records.find((r): r is MessageRecord => r.kind === 'message' && r.key === key);
      expect(record?.thread_ts).toBeTruthy();
      expect(record?.thread_ts).not.toBe(record?.ts);
      expect(firstSet.has(`${record?.channel_id}:${record?.thread_ts}`)).toBe(false);
    }
    // A later run reads only what is new: nothing, here.
    const thirdRun = await drive(historySource(s), { checkpoints: secondRun.checkpoints });
    expect(messageKeys(thirdRun.records)).toEqual([]);
  });

  it('picks up new messages and new replies to known threads on a later run', async () => {
    const s = await start();
    const firstRun = await drive(historySource(s));
    const channel = memberChannels(s.workspace)[0] as string;
    const ws = s.workspace;
    const member = [...(ws.getChannel(channel)?.members ?? [])].find((u) => u !== ws.bot.userId) as string;
    const posted = ws.postMessage({ channel, user: member, text: 'fresh' });
    const reply = ws.postReply({ channel, user: member, text: 'fresh reply', threadTs: posted });
    const laterRun = await drive(historySource(s), { checkpoints: firstRun.checkpoints });
    expect(messageKeys(laterRun.records).sort()).toEqual([`${channel}:${posted}`, `${channel}:${reply}`].sort());
    const parent = laterRun.records.find((r): r is MessageRecord => r.kind === 'message' && r.ts === posted);
    expect(parent?.reply_count).toBe(1);
  });
});

describe('SlackHistorySource errors', () => {
  it('fails closed on a revoked bot token with a coded SlackPlatformError', async () => {
    const s = await start();
    const scheduler = new SlackMethodScheduler({ profile: 'tier3', windowMs: WINDOW_MS });
    const api = new SlackApi({ botToken: ['xox', 'b-0000-revoked'].join(''), apiUrl: s.apiUrl, scheduler });
    const source = new SlackHistorySource({ tenant: 'acme', api, state: state as StateStore, now: () => NOW });
    const error = await drive(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackPlatformError);
    expect(error).toMatchObject({ code: 'source_read_failed', failure: 'fatal', slackError: 'invalid_auth' });
    expect(String((error as Error).message)).not.toContain('xoxb');
  });
});

describe('SlackHistorySource thread lookback', () => {
  it('re-reads recent committed messages for edits and moved threads, fetching only those threads', async () => {
    const s = await start();
    const ws = s.workspace;
    const firstRun = await drive(historySource(s));
    // A committed thread parent, two days old, and a committed plain message.
    const twoDaysAgo = (NOW - 2 * 86_400_000) * 1000;
    let target: { channel: string; parent: string; plain: string } | undefined;
    for (const id of memberChannels(ws)) {
      const channel = ws.getChannel(id);
      if (!channel) continue;
      const parent = channel.top.find((ts) => ts > twoDaysAgo && (channel.threads.get(ts)?.length ?? 0) > 0);
      const plain = channel.top.find(
        (ts) => ts > twoDaysAgo && !channel.threads.has(ts) && !channel.broadcastParent.has(ts),
      );
      if (parent !== undefined && plain !== undefined) {
        target = { channel: id, parent: formatTs(parent), plain: formatTs(plain) };
        break;
      }
    }
    expect(target).toBeDefined();
    const { channel, parent, plain } = target as { channel: string; parent: string; plain: string };
    const member = [...(ws.getChannel(channel)?.members ?? [])].find((u) => u !== ws.bot.userId) as string;
    const reply = ws.postReply({ channel, user: member, text: 'late reply', threadTs: parent });
    ws.editMessage({ channel, ts: plain, text: 'edited while nobody was listening' });

    // Without a lookback, a later run only reads what is newer than the high-water mark.
    const without = await drive(historySource(s), { checkpoints: firstRun.checkpoints });
    expect(messageKeys(without.records)).not.toContain(`${channel}:${reply}`);

    const repliesBefore = s.stats().methods['conversations.replies']?.calls ?? 0;
    const withLookback = await drive(historySource(s, { threadLookbackDays: 3 }), {
      checkpoints: firstRun.checkpoints,
    });
    const records = withLookback.records.filter((r): r is MessageRecord => r.kind === 'message');
    expect(records.filter((r) => r.key === `${channel}:${reply}`)).toHaveLength(1);
    const parentRecord = records.find((r) => r.key === `${channel}:${parent}`);
    expect(parentRecord?.latest_reply).toBe(reply);
    expect(parentRecord?.version).toBe(slackTsToMicros(reply));
    expect(records.find((r) => r.key === `${channel}:${plain}`)?.text).toBe('edited while nobody was listening');
    // Only the thread whose latest_reply moved was fetched again, and only its new reply emitted.
    expect((s.stats().methods['conversations.replies']?.calls ?? 0) - repliesBefore).toBe(1);
    expect(records.filter((r) => r.thread_ts === parent && r.ts !== parent).map((r) => r.ts)).toEqual([reply]);
    // Checkpoints did not move backwards.
    expect(withLookback.checkpoints).toEqual(firstRun.checkpoints);
  });
});

describe('SlackHistorySource rate limits', () => {
  it('makes zero 429s in steady state with the non-marketplace profile (1 req/min, 15 per page)', async () => {
    const s = await start({ profile: 'non-marketplace' });
    const started = Date.now();
    const { records } = await drive(historySource(s, { profile: 'non-marketplace' }), { timeoutMs: 25_000 });
    const elapsed = Date.now() - started;
    expect(new Set(messageKeys(records))).toEqual(expectedKeys(s.workspace));
    const stats = s.stats().methods;
    const history = stats['conversations.history'];
    const replies = stats['conversations.replies'];
    expect(history?.rateLimited).toBe(0);
    expect(replies?.rateLimited).toBe(0);
    expect(history?.calls).toBeGreaterThan(memberChannels(s.workspace).length);
    // Saturated, not idle: close to one call per method per (scaled) minute.
    const calls = (history?.calls ?? 0) + (replies?.calls ?? 0);
    expect(elapsed).toBeLessThan(calls * WINDOW_MS * 1.6 + 1500);
  });

  it('loses nothing through a 429 storm in the middle of a run', async () => {
    const s = await start();
    let injected = false;
    const { records } = await drive(historySource(s, { pageSize: 10 }), {
      onItem: (item) => {
        if (!injected && item.record.kind === 'message') {
          injected = true;
          s.injectRateLimitStorm({ method: 'conversations.history', count: 2, retryAfterSeconds: 1 });
          s.injectRateLimitStorm({ method: 'conversations.replies', count: 1, retryAfterSeconds: 1 });
        }
      },
    });
    const keys = messageKeys(records);
    expect(duplicates(keys)).toEqual([]);
    expect(new Set(keys)).toEqual(expectedKeys(s.workspace));
    expect(s.stats().methods['conversations.history']?.rateLimited).toBe(2);
  });
});

describe('SlackHistorySource channels removed between runs', () => {
  it('audits a channel the bot was removed from while nobody listened, once, and resumes it when re-invited', async () => {
    const s = await start();
    const ws = s.workspace;
    const first = await drive(historySource(s));
    const channel = memberChannels(ws).find((id) => first.checkpoints.has(historyPartition(id))) as string;
    ws.removeBot(channel);
    const second = await drive(historySource(s), { checkpoints: first.checkpoints });
    const audits = second.records.filter((r) => r.kind === 'audit');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ action: 'channel_left', subject: channel, details: { reason: 'not_a_member' } });
    const third = await drive(historySource(s), { checkpoints: second.checkpoints });
    expect(third.records.filter((r) => r.kind === 'audit')).toEqual([]);
    // Re-invited: read again from where it stopped, and audited again if it is left again.
    const member = [...(ws.getChannel(channel)?.members ?? [])][0] as string;
    ws.inviteBot(channel, member);
    const posted = ws.postMessage({ channel, user: member, text: 'welcome back' });
    const fourth = await drive(historySource(s), { checkpoints: third.checkpoints });
    expect(messageKeys(fourth.records)).toEqual([`${channel}:${posted}`]);
    ws.removeBot(channel);
    const fifth = await drive(historySource(s), { checkpoints: fourth.checkpoints });
    expect(fifth.records.filter((r) => r.kind === 'audit').map((r) => r.subject)).toEqual([channel]);
  });
});

describe('SlackHistorySource channel access', () => {
  it('stops reading a channel the bot was removed from and audits it', async () => {
    const s = await start();
    const ws = s.workspace;
    let removed: string | undefined;
    const { records } = await drive(historySource(s, { pageSize: 5 }), {
      onItem: (item) => {
        if (removed === undefined && item.record.kind === 'message') {
          removed = item.record.channel_id;
          ws.removeBot(removed);
        }
      },
    });
    const audit = records.filter((r) => r.kind === 'audit');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'channel_left', subject: removed });
    const afterAudit = records.slice(records.indexOf(audit[0] as (typeof records)[number]) + 1);
    expect(afterAudit.some((r) => r.kind === 'message' && r.channel_id === removed)).toBe(false);
    // The other channels are still read completely.
    const expectedOthers = [...expectedKeys(ws)].filter((k) => !k.startsWith(`${removed}:`));
    const keys = new Set(messageKeys(records));
    for (const key of expectedOthers) expect(keys.has(key)).toBe(true);
  });
});
