/**
 * `SlackApi` with the REAL `@slack/web-api` WebClient against a scripted HTTP server on 127.0.0.1:
 * transient 5xx and hung requests are retried, platform errors become coded `SlackPlatformError`s,
 * a 429 pauses only its method for Retry-After, and the token never shows in an error.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackApi, SlackMethodScheduler, SlackPlatformError } from '../src/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: Handler): Promise<{ url: string; calls: () => number }> {
  let n = 0;
  server = createServer((req, res) => {
    n++;
    req.resume();
    req.on('end', () => handler(req, res, n));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/`, calls: () => n };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const TOKEN = ['xox', 'b-1111-2222-secretsecret'].join('');

function api(url: string, timeoutMs = 5_000): SlackApi {
  return new SlackApi({
    botToken: TOKEN,
    apiUrl: url,
    scheduler: new SlackMethodScheduler({ profile: 'tier3', windowMs: 10 }),
    timeoutMs,
  });
}

describe('SlackApi', () => {
  it('retries a 503 and returns the answer', async () => {
    const { url, calls } = await serve((_req, res, n) =>
      n === 1 ? json(res, 503, { ok: false }) : json(res, 200, { ok: true, user_id: 'U1' }),
    );
    const res = await api(url).call('auth.test', {});
    expect(res.user_id).toBe('U1');
    expect(calls()).toBe(2);
  });

  it('retries a hung request after its timeout', async () => {
    const { url, calls } = await serve((_req, res, n) => {
      if (n === 1) return; // never answers
      json(res, 200, { ok: true, team_id: 'T1' });
    });
    const res = await api(url, 200).call('auth.test', {});
    expect(res.team_id).toBe('T1');
    expect(calls()).toBe(2);
  });

  it('turns ok:false into a coded SlackPlatformError without the token', async () => {
    const { url } = await serve((_req, res) => json(res, 200, { ok: false, error: 'not_in_channel' }));
    const error = await api(url)
      .call('conversations.history', { channel: 'C1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackPlatformError);
    expect(error).toMatchObject({ slackError: 'not_in_channel', method: 'conversations.history', failure: 'fatal' });
    expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain(
      'secretsecret',
    );
  });

  it('waits Retry-After on a 429, for that method only', async () => {
    const started = Date.now();
    const seen: Array<[string, number]> = [];
    const { url } = await serve((req, res, n) => {
      seen.push([req.url ?? '', Date.now() - started]);
      if (n === 1) return json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
      json(res, 200, { ok: true });
    });
    const client = api(url);
    const limited = client.call('conversations.history', { channel: 'C1' });
    await new Promise((r) => setTimeout(r, 50));
    await client.call('users.list', {});
    await limited;
    const history = seen.filter(([u]) => u.endsWith('conversations.history'));
    const users = seen.filter(([u]) => u.endsWith('users.list'));
    expect(history).toHaveLength(2);
    expect((history[1]?.[1] ?? 0) - (history[0]?.[1] ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(users[0]?.[1] ?? Number.POSITIVE_INFINITY).toBeLessThan(500);
    expect(client.scheduler.stats()['conversations.history']).toMatchObject({ rateLimited: 1, calls: 1 });
  });
});
