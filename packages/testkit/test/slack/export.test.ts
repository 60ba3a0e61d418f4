/**
 * Seeding the simulator from a Slack export (directory or zip) and writing a workspace back out as
 * an export. Web API reads use the REAL `@slack/web-api` WebClient against the simulator.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  generateSyntheticWorkspace,
  loadSlackExport,
  SlackSimExportError,
  startSlackSimulator,
  writeSlackExport,
} from '../../src/slack/index.js';
import { quietLogger } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/slack/export-small', import.meta.url));
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-slack-export-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Slack export seeding', () => {
  it('loads the small fixture export and serves it through the Web API', async () => {
    const workspace = await loadSlackExport(FIXTURE);
    expect(workspace.team.id).toBe('T0FIXTURE1');
    expect(workspace.messageCount()).toBe(10);
    const sim = await startSlackSimulator({ workspace });
    try {
      const web = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, logger: quietLogger });
      const list = await web.conversations.list({ types: 'public_channel,private_channel' });
      expect(list.channels?.map((c) => c.name).sort()).toEqual(['general', 'leadership', 'random']);
      expect(list.channels?.find((c) => c.name === 'leadership')?.is_private).toBe(true);
      const history = await web.conversations.history({ channel: 'C0FIXGENRL' });
      // 4 top-level messages plus the broadcast reply, newest first.
      expect(history.messages?.map((m) => m.subtype ?? 'plain')).toEqual([
        'plain',
        'file_share',
        'bot_message',
        'thread_broadcast',
        'plain',
      ]);
      const parent = history.messages?.at(-1);
      expect(parent).toMatchObject({ reply_count: 3, reply_users: ['U0FIXTOBI1', 'U0FIXANOU1'] });
      const replies = await web.conversations.replies({ channel: 'C0FIXGENRL', ts: parent?.ts as string });
      expect(replies.messages).toHaveLength(4);
      expect(replies.messages?.[3]).toMatchObject({ edited: { user: 'U0FIXTOBI1' } });
    } finally {
      await sim.close();
    }
  });

  it('can limit the bot to some channels', async () => {
    const workspace = await loadSlackExport(FIXTURE, { botMemberOf: ['general'] });
    expect(workspace.isBotMember('C0FIXGENRL')).toBe(true);
    expect(workspace.isBotMember('C0FIXRANDM')).toBe(false);
  });

  it('round-trips a synthetic workspace through a written export directory and zip', async () => {
    const original = generateSyntheticWorkspace({
      seed: 21,
      users: 12,
      channels: 5,
      days: 6,
      totalMessages: 1500,
      now: Date.UTC(2026, 2, 1),
    });
    const written = await writeSlackExport(original, join(dir, 'export'));
    expect(written.messages).toBe(1500);
    const fromDir = await loadSlackExport(join(dir, 'export'));
    expect(fromDir.messageCount()).toBe(1500);
    const zipPath = join(dir, 'export.zip');
    await writeSlackExport(original, zipPath, { zip: true });
    const fromZip = await loadSlackExport(zipPath);
    expect(fromZip.messageCount()).toBe(1500);
    for (const id of original.listChannels()) {
      const a = original.getChannel(id);
      const b = fromZip.getChannel(id);
      expect(b?.top).toEqual(a?.top);
      expect(b?.info.is_private).toBe(a?.info.is_private);
      const parent = [...(a?.threads.keys() ?? [])][0];
      if (parent !== undefined) expect(b?.render(parent)).toEqual(a?.render(parent));
    }
  });

  it('names the file when the export is broken', async () => {
    await writeFile(join(dir, 'users.json'), '[]');
    const error = await loadSlackExport(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackSimExportError);
    expect((error as SlackSimExportError).code).toBe('slack_sim_invalid_export');
    expect((error as SlackSimExportError).file).toBe('channels.json');
    await writeFile(join(dir, 'channels.json'), '{not json');
    const bad = (await loadSlackExport(dir).catch((e: unknown) => e)) as SlackSimExportError;
    expect(bad.file).toBe('channels.json');
    expect(bad.cause).toBeInstanceOf(SyntaxError);
  });
});
