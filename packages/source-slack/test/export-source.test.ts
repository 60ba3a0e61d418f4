/**
 * The `slack-export` source against exports written by the testkit's `writeSlackExport` (the layout
 * Slack's "Export data" produces) from a synthetic workspace, zipped and unpacked, plus a hand-written
 * old-format export (folders named by channel ID, `replies` lists, singular `file`).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageRecord } from '@sluice/core';
import { createMemoryStateStore, createServiceRegistry, silentLogger, validateRecord } from '@sluice/core';
import { generateSyntheticWorkspace, writeSlackExport } from '@sluice/testkit/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPartition, SlackExportError, SlackExportSource, slackExportSource } from '../src/index.js';
import { drive, duplicates, messageKeys } from './helpers.js';

let dir: string;
let exportDir: string;
let exportZip: string;
let written: { files: number; messages: number };
const workspace = generateSyntheticWorkspace({
  seed: 7,
  users: 6,
  channels: 4,
  days: 4,
  messagesPerChannelPerDay: 8,
  now: Date.UTC(2025, 0, 10),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-export-'));
  exportDir = join(dir, 'export');
  exportZip = join(dir, 'export.zip');
  written = await writeSlackExport(workspace, exportDir);
  await writeSlackExport(workspace, exportZip, { zip: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('slack-export source', () => {
  it('emits users, then channels, then every message exactly once, all valid', async () => {
    const { records } = await drive(new SlackExportSource({ tenant: 'acme', path: exportDir }));
    const kinds = records.map((r) => r.kind);
    const firstChannel = kinds.indexOf('channel');
    const firstMessage = kinds.indexOf('message');
    expect(kinds.lastIndexOf('user')).toBeLessThan(firstChannel);
    expect(kinds.lastIndexOf('channel')).toBeLessThan(firstMessage);
    expect(kinds.filter((k) => k === 'user')).toHaveLength(workspace.listUsers().length);
    expect(kinds.filter((k) => k === 'channel')).toHaveLength(workspace.listChannels().length);
    const keys = messageKeys(records);
    expect(keys.length).toBe(written.messages);
    expect(duplicates(keys)).toEqual([]);
    for (const record of records) expect(validateRecord(record)).toBeNull();
    const replies = records.filter(
      (r): r is MessageRecord => r.kind === 'message' && !!r.thread_ts && r.thread_ts !== r.ts,
    );
    expect(replies.length).toBeGreaterThan(0);
  });

  it('reads a zip exactly like the unpacked directory', async () => {
    const fromDir = await drive(new SlackExportSource({ tenant: 'acme', path: exportDir }));
    const fromZip = await drive(new SlackExportSource({ tenant: 'acme', path: exportZip }));
    expect(fromZip.records).toEqual(fromDir.records);
  });

  it('resumes each channel after its last committed message', async () => {
    const source = new SlackExportSource({ tenant: 'acme', path: exportZip });
    const full = await drive(source);
    const total = full.records.length;
    const cut = Math.floor(total * 0.6);
    const first = await drive(source, { stopAfter: cut });
    const second = await drive(source, { checkpoints: first.checkpoints });
    const messages = [...messageKeys(first.records), ...messageKeys(second.records)];
    expect(duplicates(messages)).toEqual([]);
    expect(new Set(messages)).toEqual(new Set(messageKeys(full.records)));
    // A third run after everything was committed reads no messages again.
    const third = await drive(source, { checkpoints: second.checkpoints });
    expect(messageKeys(third.records)).toEqual([]);
  });

  it('honours a channel allow-list by name or ID', async () => {
    const [firstId, secondId] = workspace.listChannels();
    const firstName = workspace.getChannel(firstId as string)?.info.name as string;
    const { records } = await drive(
      new SlackExportSource({ tenant: 'acme', path: exportDir, channels: [firstName, secondId as string] }),
    );
    const channels = new Set(records.filter((r) => r.kind === 'channel').map((r) => r.key));
    expect(channels).toEqual(new Set([firstId, secondId]));
    const messageChannels = new Set(
      records.filter((r): r is MessageRecord => r.kind === 'message').map((r) => r.channel_id),
    );
    for (const c of messageChannels) expect(channels.has(c)).toBe(true);
  });

  it('reads an old-format export with ID-named folders, reply lists and private groups', async () => {
    const old = join(dir, 'old');
    await mkdir(join(old, 'C0OLD'), { recursive: true });
    await mkdir(join(old, 'secret'), { recursive: true });
    await writeFile(
      join(old, 'users.json'),
      JSON.stringify([{ id: 'U1', name: 'ann', profile: { real_name: 'Ann' } }]),
    );
    await writeFile(join(old, 'channels.json'), JSON.stringify([{ id: 'C0OLD', name: 'legacy', created: 1400000000 }]));
    await writeFile(join(old, 'groups.json'), JSON.stringify([{ id: 'G0SEC', name: 'secret', created: 1400000000 }]));
    await writeFile(
      join(old, 'C0OLD', '2015-01-01.json'),
      JSON.stringify([
        {
          type: 'message',
          ts: '1420070400.000002',
          user: 'U1',
          text: 'parent',
          thread_ts: '1420070400.000002',
          replies: [{ user: 'U1', ts: '1420070500.000002' }],
        },
        {
          type: 'message',
          subtype: 'file_share',
          ts: '1420070600.000002',
          user: 'U1',
          file: { id: 'F1', name: 'x.pdf' },
        },
        { type: 'not-a-message', ts: '1420070700.000002' },
      ]),
    );
    await writeFile(
      join(old, 'secret', '2015-01-02.json'),
      JSON.stringify([{ type: 'message', ts: '1420156800.000001', user: 'U1', text: 'psst' }]),
    );
    const { records } = await drive(new SlackExportSource({ tenant: 'acme', path: old }));
    const messages = records.filter((r): r is MessageRecord => r.kind === 'message');
    expect(messages.map((m) => m.key)).toEqual([
      'C0OLD:1420070400.000002',
      'C0OLD:1420070600.000002',
      'G0SEC:1420156800.000001',
    ]);
    expect(messages[0]?.reply_count).toBe(1);
    expect(messages[1]?.files).toEqual([{ id: 'F1', name: 'x.pdf' }]);
    const group = records.find((r) => r.kind === 'channel' && r.key === 'G0SEC');
    expect(group).toMatchObject({ is_private: true });
    const items = await drive(new SlackExportSource({ tenant: 'acme', path: old }));
    expect(items.items.at(-1)?.position).toEqual({
      partition: exportPartition('G0SEC'),
      checkpoint: { file: '2015-01-02.json', index: 0 },
    });
  });

  it('fails with a fatal SlackExportError on something that is not an export', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'notes.txt'), 'hello');
    const error = await drive(new SlackExportSource({ tenant: 'acme', path: empty })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackExportError);
    expect(error).toMatchObject({ code: 'source_read_failed', failure: 'fatal' });
    const missing = await drive(new SlackExportSource({ tenant: 'acme', path: join(dir, 'nope.zip') })).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(SlackExportError);
    expect((missing as SlackExportError).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('is a plugin whose relative path resolves against the policy directory', async () => {
    const state = createMemoryStateStore();
    const instance = await slackExportSource.create(
      { path: 'export.zip', channels: [] },
      {
        tenant: 'acme',
        componentId: 'source',
        baseDir: dir,
        logger: silentLogger(),
        state,
        audit: async () => undefined,
        services: createServiceRegistry(),
        signal: new AbortController().signal,
      },
    );
    const { records } = await drive(instance);
    // An empty allow-list selects no conversation: only users.
    expect(records.every((r) => r.kind === 'user')).toBe(true);
    await state.close();
  });
});
