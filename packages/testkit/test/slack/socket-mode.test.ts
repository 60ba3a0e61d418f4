/**
 * Socket Mode behaviour of the Slack simulator, exercised with the REAL `@slack/socket-mode`
 * SocketModeClient (and a raw `ws` client where the official one hides frames): hello, events_api
 * envelopes, acks, redelivery, disconnect/reconnect, abrupt drops, queued events, too_many_websockets.
 */

import { SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type SlackSimulator, startSlackSimulator } from '../../src/slack/index.js';
import { quietLogger, smallWorkspace } from './helpers.js';

let sim: SlackSimulator | undefined;
const clients: SocketModeClient[] = [];
const raws: WebSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.disconnect().catch(() => undefined);
  for (const r of raws.splice(0)) r.terminate();
  await sim?.close();
  sim = undefined;
});

async function startSim(options: Parameters<typeof startSlackSimulator>[0] = {}) {
  // 20x, with a 10 s (virtual) ack deadline: 500 ms real, generous enough for a loaded CI machine.
  sim = await startSlackSimulator({
    workspace: smallWorkspace(),
    timeScale: 20,
    ackDeadlineMs: 10_000,
    pingIntervalRealMs: 200,
    ...options,
  });
  return sim;
}

function socketClient(s: SlackSimulator): SocketModeClient {
  const client = new SocketModeClient({
    appToken: s.appToken,
    logger: quietLogger,
    // Reconnect delay is clientPingTimeout x attempts; keep it short for tests.
    clientPingTimeout: 400,
    clientOptions: { slackApiUrl: s.apiUrl },
  });
  clients.push(client);
  return client;
}

interface Received {
  envelope_id: string;
  retry_num: number;
  retry_reason: string;
  body: Record<string, unknown>;
  event: Record<string, unknown>;
  ack: () => Promise<void>;
}

function nextEvent(client: SocketModeClient, type: string): Promise<Received> {
  return new Promise((resolve) => client.once(type, (args: Received) => resolve(args)));
}

function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (condition()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('condition not met in time'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

async function rawSocket(s: SlackSimulator): Promise<{ socket: WebSocket; frames: Array<Record<string, unknown>> }> {
  const { url } = await new WebClient(s.appToken, {
    slackApiUrl: s.apiUrl,
    logger: quietLogger,
  }).apps.connections.open();
  const socket = new WebSocket(url as string);
  raws.push(socket);
  const frames: Array<Record<string, unknown>> = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  await waitFor(() => frames.length > 0);
  return { socket, frames };
}

describe('Slack simulator Socket Mode (real SocketModeClient)', () => {
  it('sends hello as Slack shapes it', async () => {
    const s = await startSim();
    const { frames } = await rawSocket(s);
    expect(frames[0]).toMatchObject({
      type: 'hello',
      num_connections: 1,
      debug_info: { host: expect.any(String), approximate_connection_time: expect.any(Number) },
      connection_info: { app_id: s.appId },
    });
  });

  it('delivers an events_api envelope that the client acks', async () => {
    const s = await startSim();
    const client = socketClient(s);
    await client.start();
    const received = nextEvent(client, 'message');
    const ts = s.workspace.postMessage({ channel: 'C0GENERAL1', user: 'U0ALICE001', text: 'hello sim' });
    const got = await received;
    expect(got.event).toMatchObject({
      type: 'message',
      channel: 'C0GENERAL1',
      user: 'U0ALICE001',
      text: 'hello sim',
      ts,
    });
    expect(got.body).toMatchObject({
      type: 'event_callback',
      team_id: s.teamId,
      api_app_id: s.appId,
      event_id: expect.stringMatching(/^Ev/),
      event_time: expect.any(Number),
      authorizations: [{ team_id: s.teamId, user_id: s.botUserId, is_bot: true }],
    });
    expect(got.retry_num).toBe(0);
    await got.ack();
    await waitFor(() => s.stats().socketMode.acked === 1);
    // No redelivery after an ack: wait past the deadline and check.
    await new Promise((r) => setTimeout(r, 700));
    expect(s.stats().socketMode).toMatchObject({ envelopesSent: 1, redelivered: 0, inFlight: 0 });
  });

  it('redelivers an unacked envelope with retry_attempt + 1 and retry_reason timeout', async () => {
    const s = await startSim();
    const client = socketClient(s);
    await client.start();
    const deliveries: Received[] = [];
    client.on('message', (args: Received) => {
      deliveries.push(args);
      if (deliveries.length === 2) void args.ack();
    });
    s.workspace.postMessage({ channel: 'C0GENERAL1', user: 'U0BOB00001', text: 'ack me later' });
    await waitFor(() => deliveries.length === 2);
    expect(deliveries[1]?.envelope_id).toBe(deliveries[0]?.envelope_id);
    expect(deliveries.map((d) => [d.retry_num, d.retry_reason])).toEqual([
      [0, ''],
      [1, 'timeout'],
    ]);
    await waitFor(() => s.stats().socketMode.acked === 1);
    expect(s.stats().socketMode.redelivered).toBe(1);
  });

  it('reconnects after a refresh_requested disconnect and keeps receiving events', async () => {
    const s = await startSim();
    const client = socketClient(s);
    await client.start();
    let reconnected = 0;
    client.on('connected', () => {
      reconnected += 1;
    });
    s.disconnect('refresh_requested');
    await waitFor(() => reconnected >= 1 && s.stats().socketMode.openConnections === 1);
    expect(s.stats().socketMode.connectionsOpened).toBe(2);
    const received = nextEvent(client, 'reaction_added');
    s.workspace.addReaction({ channel: 'C0GENERAL1', ts: '1700000003.000100', user: 'U0BOB00001', name: 'eyes' });
    const got = await received;
    expect(got.event).toMatchObject({
      type: 'reaction_added',
      reaction: 'eyes',
      item: { type: 'message', channel: 'C0GENERAL1' },
    });
    await got.ack();
  });

  it('reconnects after an abrupt drop and receives events queued while away', async () => {
    const s = await startSim();
    const client = socketClient(s);
    await client.start();
    const texts: string[] = [];
    client.on('message', (args: Received) => {
      texts.push(String(args.event.text));
      void args.ack();
    });
    s.dropConnections();
    expect(s.stats().socketMode.openConnections).toBe(0);
    s.workspace.postMessage({ channel: 'C0GENERAL1', user: 'U0ALICE001', text: 'while away 1' });
    s.workspace.postMessage({ channel: 'C0GENERAL1', user: 'U0ALICE001', text: 'while away 2' });
    expect(s.stats().socketMode.queued).toBe(2);
    await waitFor(() => texts.length === 2, 8000);
    expect(texts).toEqual(['while away 1', 'while away 2']);
    expect(s.stats().socketMode.connectionsOpened).toBe(2);
  });

  it('refuses the 11th socket with a too_many_websockets disconnect', async () => {
    const s = await startSim({ rateLimits: { 'apps.connections.open': Number.POSITIVE_INFINITY } });
    for (let i = 0; i < 10; i++) await rawSocket(s);
    const { frames } = await rawSocket(s);
    expect(frames[0]).toMatchObject({
      type: 'disconnect',
      reason: 'too_many_websockets',
      debug_info: { host: expect.any(String) },
    });
    expect(s.stats().socketMode.openConnections).toBe(10);
  });

  it('sends disconnect frames with the requested reason and pings the socket', async () => {
    const s = await startSim();
    const { socket, frames } = await rawSocket(s);
    let pings = 0;
    socket.on('ping', () => {
      pings += 1;
    });
    s.disconnect('warning');
    await waitFor(() => frames.some((f) => f.type === 'disconnect'));
    expect(frames.find((f) => f.type === 'disconnect')).toMatchObject({
      reason: 'warning',
      debug_info: { host: expect.any(String) },
    });
    await waitFor(() => pings > 0);
  });

  it('does not deliver channel events from channels the bot is not in', async () => {
    const s = await startSim();
    const client = socketClient(s);
    await client.start();
    const types: string[] = [];
    client.on('slack_event', (args: { body: { event: { type: string } }; ack: () => Promise<void> }) => {
      types.push(args.body.event.type);
      void args.ack();
    });
    s.workspace.postMessage({ channel: 'C0RANDOM01', user: 'U0ALICE001', text: 'not for the bot' });
    s.workspace.inviteBot('C0RANDOM01', 'U0ALICE001');
    await waitFor(() => types.length === 1);
    expect(types).toEqual(['member_joined_channel']);
  });
  it('gives up on an envelope after maxRetries redeliveries', async () => {
    const s = await startSim({ maxRetries: 1, ackDeadlineMs: 2000 });
    const client = socketClient(s);
    await client.start();
    let deliveries = 0;
    client.on('message', () => {
      deliveries += 1;
    });
    s.workspace.postMessage({ channel: 'C0GENERAL1', user: 'U0BOB00001', text: 'never acked' });
    await waitFor(() => s.stats().socketMode.expired === 1);
    expect(deliveries).toBe(2);
    expect(s.stats().socketMode).toMatchObject({ redelivered: 1, acked: 0, inFlight: 0 });
  });

  it('refreshes long-lived connections with refresh_requested, and the client comes back', async () => {
    // A 20 s (virtual) lifetime is one real second at 20x.
    const s = await startSim({ connectionLifetimeMs: 20_000 });
    const client = socketClient(s);
    await client.start();
    await waitFor(
      () => s.stats().socketMode.connectionsOpened === 2 && s.stats().socketMode.openConnections === 1,
      8000,
    );
    expect(s.stats().socketMode.disconnectsSent).toBeGreaterThanOrEqual(1);
  });
});
