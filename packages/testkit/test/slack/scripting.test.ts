/**
 * The workspace scripting API: each change emits the Events API payload Slack sends and shows up in
 * the Web API. Web API reads use the REAL `@slack/web-api` WebClient against the simulator; event
 * shapes are read from the workspace's event feed (the Socket Mode suite covers the wire).
 */

import { WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type SlackEvent,
  SlackSimNotFoundError,
  type SlackSimulator,
  startSlackSimulator,
} from '../../src/slack/index.js';
import { quietLogger, smallWorkspace, tsOf } from './helpers.js';

let sim: SlackSimulator;
let web: WebClient;
let events: SlackEvent[];

beforeEach(async () => {
  sim = await startSlackSimulator({
    workspace: smallWorkspace(),
    rateLimits: { 'conversations.history': Number.POSITIVE_INFINITY },
  });
  web = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, logger: quietLogger, retryConfig: { retries: 0 } });
  events = [];
  sim.workspace.onEvent(({ event }) => events.push(event));
});
afterEach(async () => {
  await sim.close();
});

async function latest(channel = 'C0GENERAL1') {
  const res = await web.conversations.history({ channel, limit: 1 });
  return res.messages?.[0] as Record<string, unknown>;
}

describe('Slack simulator scripting API', () => {
  it('posts, replies and broadcasts, updating parent thread metadata', async () => {
    const ws = sim.workspace;
    const parent = ws.postMessage({ channel: 'general', user: 'U0ALICE001', text: 'ship it? <@U0BOB00001>' });
    expect(events.at(-1)).toMatchObject({
      type: 'message',
      channel: 'C0GENERAL1',
      channel_type: 'channel',
      ts: parent,
      event_ts: parent,
    });
    expect(events.at(-1)?.blocks).toMatchObject([{ type: 'rich_text' }]);
    const reply = ws.postReply({ channel: 'C0GENERAL1', threadTs: parent, user: 'U0BOB00001', text: 'yes' });
    expect(events.at(-1)).toMatchObject({
      type: 'message',
      ts: reply,
      thread_ts: parent,
      parent_user_id: 'U0ALICE001',
    });
    const broadcast = ws.postReply({
      channel: 'C0GENERAL1',
      threadTs: parent,
      user: 'U0CAROL001',
      text: 'also',
      broadcast: true,
    });
    expect(events.at(-1)).toMatchObject({ subtype: 'thread_broadcast', thread_ts: parent, root: { ts: parent } });
    const top = await latest();
    expect(top).toMatchObject({ ts: broadcast, subtype: 'thread_broadcast' });
    const replies = await web.conversations.replies({ channel: 'C0GENERAL1', ts: parent });
    expect(replies.messages?.map((m) => m.ts)).toEqual([parent, reply, broadcast]);
    expect(replies.messages?.[0]).toMatchObject({
      reply_count: 2,
      latest_reply: broadcast,
      reply_users: ['U0BOB00001', 'U0CAROL001'],
    });
  });

  it('edits: message_changed with message and previous_message, and history shows edited', async () => {
    const ts = sim.workspace.postMessage({ channel: 'C0GENERAL1', user: 'U0ALICE001', text: 'teh typo' });
    sim.workspace.editMessage({ channel: 'C0GENERAL1', ts, text: 'the typo' });
    const event = events.at(-1) as Record<string, unknown>;
    expect(event).toMatchObject({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: 'C0GENERAL1',
      message: { ts, text: 'the typo', edited: { user: 'U0ALICE001' } },
      previous_message: { ts, text: 'teh typo' },
    });
    expect(await latest()).toMatchObject({
      ts,
      text: 'the typo',
      edited: { user: 'U0ALICE001', ts: expect.any(String) },
    });
  });

  it('deletes: message_deleted for a plain message, a tombstone for a parent with replies', async () => {
    const ws = sim.workspace;
    const plain = ws.postMessage({ channel: 'C0GENERAL1', user: 'U0ALICE001', text: 'oops' });
    ws.deleteMessage({ channel: 'C0GENERAL1', ts: plain });
    expect(events.at(-1)).toMatchObject({
      subtype: 'message_deleted',
      deleted_ts: plain,
      hidden: true,
      previous_message: { ts: plain, text: 'oops' },
    });
    expect((await latest()).ts).toBe(tsOf(20));
    ws.deleteMessage({ channel: 'C0GENERAL1', ts: tsOf(5) });
    expect(events.at(-1)).toMatchObject({ subtype: 'message_changed', message: { ts: tsOf(5), subtype: 'tombstone' } });
    const thread = await web.conversations.replies({ channel: 'C0GENERAL1', ts: tsOf(5) });
    expect(thread.messages?.[0]).toMatchObject({
      subtype: 'tombstone',
      reply_count: 7,
      text: 'This message was deleted.',
    });
    // Deleting a reply updates the parent's reply_count.
    ws.deleteMessage({ channel: 'C0GENERAL1', ts: tsOf(27) });
    const after = await web.conversations.replies({ channel: 'C0GENERAL1', ts: tsOf(5) });
    expect(after.messages?.[0]).toMatchObject({ reply_count: 6, latest_reply: tsOf(26) });
    expect(() => ws.deleteMessage({ channel: 'C0GENERAL1', ts: '1.000000' })).toThrow(SlackSimNotFoundError);
    // When the last reply goes, the tombstone goes too, announced as message_deleted.
    for (let n = 21; n <= 26; n++) ws.deleteMessage({ channel: 'C0GENERAL1', ts: tsOf(n) });
    expect(events.at(-1)).toMatchObject({
      subtype: 'message_deleted',
      deleted_ts: tsOf(5),
      previous_message: { subtype: 'tombstone', reply_count: 0, reply_users: [] },
    });
    const remaining = await web.conversations.history({
      channel: 'C0GENERAL1',
      latest: tsOf(6),
      oldest: tsOf(4),
      inclusive: true,
    });
    expect(remaining.messages?.map((m) => m.ts)).toEqual([tsOf(6), tsOf(4)]);
  });

  it('reacts and unreacts: reaction_added/removed with item, reactions with users and count', async () => {
    const ws = sim.workspace;
    ws.addReaction({ channel: 'C0GENERAL1', ts: tsOf(20), user: 'U0ALICE001', name: 'tada' });
    ws.addReaction({ channel: 'C0GENERAL1', ts: tsOf(20), user: 'U0BOB00001', name: 'tada' });
    expect(events.at(-1)).toMatchObject({
      type: 'reaction_added',
      user: 'U0BOB00001',
      reaction: 'tada',
      item_user: 'U0BOB00001',
      item: { type: 'message', channel: 'C0GENERAL1', ts: tsOf(20) },
    });
    expect((await latest()).reactions).toEqual([{ name: 'tada', users: ['U0ALICE001', 'U0BOB00001'], count: 2 }]);
    ws.removeReaction({ channel: 'C0GENERAL1', ts: tsOf(20), user: 'U0ALICE001', name: 'tada' });
    expect(events.at(-1)).toMatchObject({ type: 'reaction_removed', reaction: 'tada' });
    expect((await latest()).reactions).toEqual([{ name: 'tada', users: ['U0BOB00001'], count: 1 }]);
  });

  it('invites and removes the bot: member_joined_channel, channel_left/group_left, then not_in_channel', async () => {
    const ws = sim.workspace;
    ws.inviteBot('C0RANDOM01', 'U0ALICE001');
    expect(events.at(-1)).toMatchObject({
      type: 'member_joined_channel',
      user: sim.botUserId,
      channel: 'C0RANDOM01',
      channel_type: 'C',
      inviter: 'U0ALICE001',
    });
    await expect(web.conversations.history({ channel: 'C0RANDOM01' })).resolves.toMatchObject({ ok: true });
    ws.removeBot('C0RANDOM01', 'U0ALICE001');
    expect(events.at(-1)).toMatchObject({ type: 'channel_left', channel: 'C0RANDOM01', actor_id: 'U0ALICE001' });
    const error = await web.conversations.history({ channel: 'C0RANDOM01' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIPlatformError);
    expect((error as WebAPIPlatformError).data.error).toBe('not_in_channel');
    ws.removeBot('C0SECRET01');
    expect(events.at(-1)).toMatchObject({ type: 'group_left', channel: 'C0SECRET01' });
    const hidden = await web.conversations.info({ channel: 'C0SECRET01' }).catch((e: unknown) => e);
    expect((hidden as WebAPIPlatformError).data.error).toBe('channel_not_found');
  });

  it('changes profiles (user_change) and adds users (team_join), visible in users.info', async () => {
    const ws = sim.workspace;
    ws.updateUser('U0ALICE001', { profile: { title: 'CTO', phone: '+44 20 7946 0999' } });
    expect(events.at(-1)).toMatchObject({ type: 'user_change', user: { id: 'U0ALICE001', profile: { title: 'CTO' } } });
    expect((await web.users.info({ user: 'U0ALICE001' })).user?.profile).toMatchObject({
      title: 'CTO',
      phone: '+44 20 7946 0999',
    });
    const added = ws.addUser({ name: 'dave', profile: { real_name: 'Dave Doe', email: 'dave@example.com' } });
    expect(events.at(-1)).toMatchObject({ type: 'team_join', user: { id: added.id, real_name: 'Dave Doe' } });
    expect((await web.users.info({ user: added.id })).user?.profile?.email).toBe('dave@example.com');
  });

  it('renames and archives channels', async () => {
    const ws = sim.workspace;
    ws.renameChannel('C0GENERAL1', 'everyone');
    expect(events.at(-1)).toMatchObject({ type: 'channel_rename', channel: { id: 'C0GENERAL1', name: 'everyone' } });
    ws.archiveChannel('C0SECRET01', 'U0ALICE001');
    expect(events.at(-1)).toMatchObject({ type: 'group_archive', channel: 'C0SECRET01', user: 'U0ALICE001' });
    const info = await web.conversations.info({ channel: 'C0GENERAL1' });
    expect(info.channel).toMatchObject({ name: 'everyone', previous_names: ['general'] });
    const list = await web.conversations.list({ types: 'private_channel', exclude_archived: true });
    expect(list.channels).toEqual([]);
  });
});
