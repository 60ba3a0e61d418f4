/**
 * Web API behaviour of the Slack simulator, exercised with the REAL `@slack/web-api` WebClient
 * pointed at the simulator (`slackApiUrl`): pagination, time ranges, threads, errors and scopes.
 */

import { ErrorCode, WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSyntheticWorkspace, type SlackSimulator, startSlackSimulator } from '../../src/slack/index.js';
import { quietLogger, smallWorkspace, tsOf } from './helpers.js';

let sim: SlackSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: Parameters<typeof startSlackSimulator>[0] = {}) {
  sim = await startSlackSimulator({ workspace: smallWorkspace(), rateLimits: unlimited(), ...options });
  return sim;
}

function unlimited(): Record<string, number> {
  const methods = ['users.list', 'conversations.list', 'conversations.history', 'conversations.replies'];
  return Object.fromEntries(methods.map((m) => [m, Number.POSITIVE_INFINITY]));
}

function client(s: SlackSimulator, token = s.botToken, extra: ConstructorParameters<typeof WebClient>[1] = {}) {
  return new WebClient(token, { slackApiUrl: s.apiUrl, logger: quietLogger, retryConfig: { retries: 0 }, ...extra });
}

async function platformError(promise: Promise<unknown>): Promise<WebAPIPlatformError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAPIPlatformError);
  expect((error as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
  return error as WebAPIPlatformError;
}

describe('Slack simulator Web API (real WebClient)', () => {
  it('answers auth.test and team.info for the bot token', async () => {
    const s = await start();
    const web = client(s);
    const auth = await web.auth.test();
    expect(auth).toMatchObject({ ok: true, team_id: 'T0TEST0001', user_id: s.botUserId, bot_id: expect.any(String) });
    const team = await web.team.info();
    expect(team.team?.id).toBe('T0TEST0001');
    expect(s.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('pages conversations.history newest first with client.paginate and opaque cursors', async () => {
    const s = await start();
    const web = client(s);
    const pages: string[][] = [];
    for await (const page of web.paginate('conversations.history', { channel: 'C0GENERAL1', limit: 6 })) {
      const messages = ((page as { messages?: unknown[] }).messages ?? []) as Array<{ ts: string }>;
      pages.push(messages.map((m) => m.ts));
      const next = (page.response_metadata as { next_cursor?: string }).next_cursor;
      expect((page as { has_more?: boolean }).has_more).toBe(next !== '');
      if (next) expect(next).not.toContain('next_ts');
    }
    expect(pages.map((p) => p.length)).toEqual([6, 6, 6, 2]);
    const all = pages.flat();
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => tsOf(20 - i)));
  });

  it('applies oldest, latest and inclusive like Slack', async () => {
    const s = await start();
    const web = client(s);
    const range = async (args: Record<string, unknown>) =>
      ((await web.conversations.history({ channel: 'C0GENERAL1', ...args })).messages ?? []).map((m) => m.ts);
    expect(await range({ oldest: tsOf(17) })).toEqual([tsOf(20), tsOf(19), tsOf(18)]);
    expect(await range({ oldest: tsOf(17), inclusive: true })).toEqual([tsOf(20), tsOf(19), tsOf(18), tsOf(17)]);
    expect(await range({ latest: tsOf(3) })).toEqual([tsOf(2), tsOf(1)]);
    expect(await range({ latest: tsOf(3), oldest: tsOf(1), inclusive: true })).toEqual([tsOf(3), tsOf(2), tsOf(1)]);
    const limited = await web.conversations.history({ channel: 'C0GENERAL1', oldest: tsOf(10), limit: 3 });
    expect(limited.messages?.map((m) => m.ts)).toEqual([tsOf(20), tsOf(19), tsOf(18)]);
    expect(limited.has_more).toBe(true);
  });

  it('serves threads: parent metadata in history, replies starting with the parent, paged', async () => {
    const s = await start();
    const web = client(s);
    const history = await web.conversations.history({
      channel: 'C0GENERAL1',
      latest: tsOf(5),
      inclusive: true,
      limit: 1,
    });
    expect(history.messages?.[0]).toMatchObject({
      ts: tsOf(5),
      thread_ts: tsOf(5),
      reply_count: 7,
      latest_reply: tsOf(27),
      reply_users: ['U0BOB00001', 'U0CAROL001'],
    });
    const first = await web.conversations.replies({ channel: 'C0GENERAL1', ts: tsOf(5), limit: 4 });
    expect(first.messages?.map((m) => m.ts)).toEqual([tsOf(5), tsOf(21), tsOf(22), tsOf(23)]);
    expect(first.has_more).toBe(true);
    const cursor = first.response_metadata?.next_cursor as string;
    const second = await web.conversations.replies({ channel: 'C0GENERAL1', ts: tsOf(5), limit: 4, cursor });
    expect(second.messages?.map((m) => m.ts)).toEqual([tsOf(24), tsOf(25), tsOf(26), tsOf(27)]);
    expect(second.messages?.[0]).toMatchObject({ thread_ts: tsOf(5), parent_user_id: 'U0ALICE001' });
    expect(second.response_metadata?.next_cursor).toBe('');
    // Asking with a reply's ts returns the whole thread too.
    const viaReply = await web.conversations.replies({ channel: 'C0GENERAL1', ts: tsOf(23) });
    expect(viaReply.messages).toHaveLength(8);
  });

  it('pages users.list and conversations.list to the end with an empty next_cursor', async () => {
    const s = await start();
    const web = client(s);
    const users: string[] = [];
    for await (const page of web.paginate('users.list', { limit: 2 })) {
      users.push(...(((page as { members?: unknown[] }).members ?? []) as Array<{ id: string }>).map((m) => m.id));
    }
    expect(new Set(users)).toEqual(new Set(['USLACKBOT', s.botUserId, 'U0ALICE001', 'U0BOB00001', 'U0CAROL001']));
    expect(users).toHaveLength(5);
    const list = await web.conversations.list({ types: 'public_channel,private_channel', limit: 1000 });
    // The private channel the bot is not in is invisible, as in Slack.
    expect(list.channels?.map((c) => c.name).sort()).toEqual(['general', 'random', 'secret']);
    expect(list.channels?.find((c) => c.name === 'random')?.is_member).toBe(false);
    expect(list.response_metadata?.next_cursor).toBe('');
    const mine = await web.users.conversations({ types: 'public_channel,private_channel' });
    expect(mine.channels?.map((c) => c.id).sort()).toEqual(['C0GENERAL1', 'C0SECRET01']);
    const members = await web.conversations.members({ channel: 'C0GENERAL1', limit: 2 });
    expect(members.members).toHaveLength(2);
    expect(members.response_metadata?.next_cursor).not.toBe('');
  });

  it('answers not_in_channel, channel_not_found and invalid_cursor as ok:false errors', async () => {
    const s = await start();
    const web = client(s);
    expect((await platformError(web.conversations.history({ channel: 'C0RANDOM01' }))).data.error).toBe(
      'not_in_channel',
    );
    expect((await platformError(web.conversations.replies({ channel: 'C0RANDOM01', ts: tsOf(1) }))).data.error).toBe(
      'not_in_channel',
    );
    expect((await platformError(web.conversations.history({ channel: 'C0HIDDEN01' }))).data.error).toBe(
      'channel_not_found',
    );
    expect((await platformError(web.conversations.info({ channel: 'C0NOPE' }))).data.error).toBe('channel_not_found');
    const bad = await platformError(web.conversations.history({ channel: 'C0GENERAL1', cursor: 'bm90LWEtY3Vyc29y' }));
    expect(bad.data.error).toBe('invalid_cursor');
    const wrongKind = await platformError(web.users.list({ cursor: 'bmV4dF90czoxNzAwMDAwMDAwLjAwMDEwMA==' }));
    expect(wrongKind.data.error).toBe('invalid_cursor');
  });

  it('hides profile.email without users:read.email and reports missing_scope with needed/provided', async () => {
    const s = await start({ botScopes: ['users:read', 'channels:read'] });
    const web = client(s);
    const info = await web.users.info({ user: 'U0ALICE001' });
    expect(info.user?.profile?.real_name).toBe('alice');
    expect(info.user?.profile).not.toHaveProperty('email');
    const error = await platformError(web.conversations.history({ channel: 'C0GENERAL1' }));
    expect(error.data).toMatchObject({
      error: 'missing_scope',
      needed: 'channels:history',
      provided: 'users:read,channels:read',
    });
    await s.close();
    const full = await start();
    const withEmail = await client(full).users.info({ user: 'U0ALICE001' });
    expect(withEmail.user?.profile?.email).toBe('alice@example.com');
  });

  it('rejects bad, missing and wrong-type tokens', async () => {
    const s = await start();
    expect((await platformError(client(s, 'xoxb-not-a-real-token').auth.test())).data.error).toBe('invalid_auth');
    expect((await platformError(client(s, '').auth.test())).data.error).toBe('not_authed');
    expect((await platformError(client(s, s.appToken).auth.test())).data.error).toBe('not_allowed_token_type');
    expect((await platformError(client(s).apps.connections.open())).data.error).toBe('not_allowed_token_type');
    const open = await client(s, s.appToken).apps.connections.open();
    expect(open.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
  });

  it('accepts JSON bodies and the token as a form field', async () => {
    const s = await start();
    const json = await fetch(`${s.apiUrl}conversations.history`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0GENERAL1', limit: 2 }),
    });
    expect(((await json.json()) as { messages: unknown[] }).messages).toHaveLength(2);
    const form = await fetch(`${s.apiUrl}conversations.history`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: s.botToken, channel: 'C0GENERAL1', limit: '3' }).toString(),
    });
    expect(((await form.json()) as { messages: unknown[] }).messages).toHaveLength(3);
  });

  it('pages a synthetic channel completely with manual cursors', async () => {
    const workspace = generateSyntheticWorkspace({
      seed: 3,
      users: 10,
      channels: 3,
      days: 5,
      totalMessages: 3000,
      now: Date.UTC(2026, 0, 1),
    });
    sim = await startSlackSimulator({ workspace, rateLimits: unlimited() });
    const web = client(sim);
    const target = workspace
      .listChannels()
      .map((id) => workspace.getChannel(id))
      .find((c) => c?.members.has(workspace.bot.userId));
    if (!target) throw new Error('synthetic workspace has no bot channel');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await web.conversations.history({
        channel: target.info.id,
        limit: 999,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...(page.messages ?? []).map((m) => m.ts as string));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    expect(seen.length).toBe(target.top.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...seen].reverse());
  });
});
