/**
 * The synthetic workspace generator: deterministic for a seed, realistic content (threads, reactions,
 * edits, files, blocks, bot messages, PII), the bot in only some channels, and compact at scale.
 * Also served through the simulator to the REAL `@slack/web-api` WebClient.
 */

import { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import {
  generateSyntheticWorkspace,
  type SlackMessage,
  type SlackWorkspace,
  startSlackSimulator,
} from '../../src/slack/index.js';
import { quietLogger } from './helpers.js';

const NOW = Date.UTC(2026, 5, 1);

function allMessages(ws: SlackWorkspace): SlackMessage[] {
  const out: SlackMessage[] = [];
  for (const id of ws.listChannels()) {
    const state = ws.getChannel(id);
    if (!state) continue;
    for (const ts of state.top) out.push(state.render(ts));
    for (const [parent, replies] of state.threads) for (const ts of replies) out.push(state.render(ts, parent));
  }
  return out;
}

describe('generateSyntheticWorkspace', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const options = { users: 15, channels: 6, days: 10, totalMessages: 2000, now: NOW };
    const a = generateSyntheticWorkspace({ seed: 42, ...options });
    const b = generateSyntheticWorkspace({ seed: 42, ...options });
    const c = generateSyntheticWorkspace({ seed: 43, ...options });
    expect(a.listUsers().map((id) => a.getUser(id))).toEqual(b.listUsers().map((id) => b.getUser(id)));
    expect(allMessages(a)).toEqual(allMessages(b));
    expect(a.listChannels()).not.toEqual(c.listChannels());
    expect(JSON.stringify(allMessages(a).slice(0, 50))).not.toEqual(JSON.stringify(allMessages(c).slice(0, 50)));
  });

  it('produces the requested volume with threads, reactions, edits, files, bots and PII', () => {
    const ws = generateSyntheticWorkspace({ seed: 5, users: 30, channels: 8, days: 20, totalMessages: 5000, now: NOW });
    expect(ws.messageCount()).toBe(5000);
    const messages = allMessages(ws);
    const has = (predicate: (m: SlackMessage) => boolean) => messages.some(predicate);
    expect(has((m) => typeof m.reply_count === 'number' && m.reply_count >= 40)).toBe(true);
    expect(has((m) => Array.isArray(m.reactions))).toBe(true);
    expect(has((m) => typeof m.edited === 'object')).toBe(true);
    expect(has((m) => Array.isArray(m.files))).toBe(true);
    expect(has((m) => m.subtype === 'bot_message')).toBe(true);
    expect(has((m) => m.subtype === 'thread_broadcast')).toBe(true);
    expect(has((m) => Array.isArray(m.attachments))).toBe(true);
    expect(has((m) => Array.isArray(m.blocks))).toBe(true);
    const text = messages.map((m) => m.text ?? '').join('\n');
    expect(text).toMatch(/[a-z.]+@example\.com/);
    expect(text).toMatch(/\+(1|44) \d+ \d+ \d+/);
    expect(text).toMatch(/\b4000 \d{4} \d{4} \d{4}\b/);
    expect(text).toMatch(/<https:\/\//);
    const user = ws.getUser(ws.humans()[0] as string);
    expect(user?.profile).toMatchObject({
      email: expect.stringContaining('@'),
      phone: expect.any(String),
      title: expect.any(String),
    });
    // Some history is older than the window.
    const windowStartMicros = (NOW - 20 * 86_400_000) * 1000;
    expect(messages.some((m) => Number(m.ts) * 1_000_000 < windowStartMicros)).toBe(true);
    expect(messages.every((m) => Number(m.ts) * 1000 <= NOW)).toBe(true);
  });

  it('puts the bot in some channels only, public and private', () => {
    const ws = generateSyntheticWorkspace({
      seed: 9,
      users: 20,
      channels: 12,
      botMemberRatio: 0.5,
      now: NOW,
      messagesPerChannelPerDay: 2,
      days: 3,
    });
    const channels = ws.listChannels().map((id) => ws.getChannel(id));
    const member = channels.filter((c) => c?.members.has(ws.bot.userId));
    expect(member.length).toBeGreaterThan(0);
    expect(member.length).toBeLessThan(channels.length);
    expect(member.some((c) => c?.info.is_private)).toBe(true);
    expect(member.some((c) => !c?.info.is_private)).toBe(true);
  });

  it('keeps 200k messages compact and serves them through the simulator', async () => {
    const ws = generateSyntheticWorkspace({
      seed: 11,
      users: 200,
      channels: 20,
      days: 60,
      totalMessages: 200_000,
      now: NOW,
    });
    expect(ws.messageCount()).toBe(200_000);
    const sim = await startSlackSimulator({
      workspace: ws,
      rateLimits: { 'conversations.history': Number.POSITIVE_INFINITY },
    });
    try {
      const web = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, logger: quietLogger });
      const channel = ws.listChannels().find((id) => ws.isBotMember(id)) as string;
      const page = await web.conversations.history({ channel, limit: 999 });
      expect(page.messages).toHaveLength(999);
      expect(page.has_more).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
