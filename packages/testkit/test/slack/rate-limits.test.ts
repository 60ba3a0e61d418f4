/**
 * Rate limits of the Slack simulator, observed with the REAL `@slack/web-api` WebClient: HTTP 429
 * with an integer Retry-After, the tier3 and non-marketplace profiles, time scaling, storm injection
 * and per-method counters.
 */

import { ErrorCode, WebAPIRateLimitedError, WebClient, WebClientEvent } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type SlackSimulator, startSlackSimulator } from '../../src/slack/index.js';
import { quietLogger, smallWorkspace } from './helpers.js';

let sim: SlackSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function rejecting(s: SlackSimulator): WebClient {
  return new WebClient(s.botToken, {
    slackApiUrl: s.apiUrl,
    logger: quietLogger,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
}

async function rateLimited(promise: Promise<unknown>): Promise<WebAPIRateLimitedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAPIRateLimitedError);
  expect((error as WebAPIRateLimitedError).code).toBe(ErrorCode.RateLimitedError);
  return error as WebAPIRateLimitedError;
}

describe('Slack simulator rate limits (real WebClient)', () => {
  it('non-marketplace: one history call per minute, pages of at most 15, Retry-After in real seconds', async () => {
    const workspace = smallWorkspace();
    sim = await startSlackSimulator({ workspace, profile: 'non-marketplace', timeScale: 60 });
    const web = rejecting(sim);
    const first = await web.conversations.history({ channel: 'C0GENERAL1', limit: 100 });
    expect(first.messages).toHaveLength(15);
    expect(first.has_more).toBe(true);
    const error = await rateLimited(web.conversations.history({ channel: 'C0GENERAL1' }));
    // 60 virtual seconds at 60x is one real second.
    expect(error.retryAfter).toBe(1);
    // replies has its own per-method window.
    await web.conversations.replies({ channel: 'C0GENERAL1', ts: '1700000005.000100' });
    await rateLimited(web.conversations.replies({ channel: 'C0GENERAL1', ts: '1700000005.000100' }));
    sim.advanceTime(60_000);
    await expect(web.conversations.history({ channel: 'C0GENERAL1' })).resolves.toMatchObject({ ok: true });
    expect(sim.stats().methods['conversations.history']).toEqual({ calls: 3, ok: 2, errors: 0, rateLimited: 1 });
  });

  it('reports Retry-After in virtual seconds when asked to', async () => {
    sim = await startSlackSimulator({
      workspace: smallWorkspace(),
      profile: 'non-marketplace',
      timeScale: 60,
      retryAfter: 'virtual',
    });
    const web = rejecting(sim);
    const started = Date.now();
    await web.conversations.history({ channel: 'C0GENERAL1' });
    const error = await rateLimited(web.conversations.history({ channel: 'C0GENERAL1' }));
    // About 60 simulated seconds, less whatever simulated time passed between the two calls.
    const elapsedVirtualSeconds = Math.ceil(((Date.now() - started) * 60) / 1000);
    expect(error.retryAfter).toBeGreaterThanOrEqual(60 - elapsedVirtualSeconds - 1);
    expect(error.retryAfter).toBeGreaterThan(1);
    expect(error.retryAfter).toBeLessThanOrEqual(60);
    expect(Number.isInteger(error.retryAfter)).toBe(true);
    // Injected storms state Retry-After in the header's unit too.
    sim.injectRateLimitStorm({ method: 'users.info', count: 1, retryAfterSeconds: 30 });
    expect((await rateLimited(web.users.info({ user: 'U0ALICE001' }))).retryAfter).toBe(30);
  });

  it('tier3: 50 history calls per minute, then 429', async () => {
    sim = await startSlackSimulator({ workspace: smallWorkspace(), profile: 'tier3' });
    const web = rejecting(sim);
    for (let i = 0; i < 50; i++) await web.conversations.history({ channel: 'C0GENERAL1', limit: 1 });
    const error = await rateLimited(web.conversations.history({ channel: 'C0GENERAL1', limit: 1 }));
    expect(error.retryAfter).toBeGreaterThanOrEqual(1);
    expect(error.retryAfter).toBeLessThanOrEqual(60);
    // Page size goes up to 999 in this profile.
    sim.advanceTime(60_000);
    const big = await web.conversations.history({ channel: 'C0GENERAL1', limit: 5000 });
    expect(big.messages).toHaveLength(20);
  });

  it('a default WebClient honours Retry-After at a fast time scale and gets through', async () => {
    sim = await startSlackSimulator({ workspace: smallWorkspace(), profile: 'non-marketplace', timeScale: 60 });
    const web = new WebClient(sim.botToken, {
      slackApiUrl: sim.apiUrl,
      logger: quietLogger,
      retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 },
    });
    let rateLimitedEvents = 0;
    web.on(WebClientEvent.RATE_LIMITED, () => {
      rateLimitedEvents += 1;
    });
    await web.conversations.history({ channel: 'C0GENERAL1' });
    const started = Date.now();
    await web.conversations.history({ channel: 'C0GENERAL1' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(rateLimitedEvents).toBe(1);
    expect(sim.stats().methods['conversations.history']).toMatchObject({ ok: 2, rateLimited: 1 });
  });

  it('injectRateLimitStorm answers the next N calls with 429 and counts them', async () => {
    sim = await startSlackSimulator({ workspace: smallWorkspace() });
    const web = rejecting(sim);
    sim.injectRateLimitStorm({ method: 'users.list', count: 2, retryAfterSeconds: 3 });
    expect((await rateLimited(web.users.list({}))).retryAfter).toBe(3);
    await rateLimited(web.users.list({}));
    await expect(web.users.list({})).resolves.toMatchObject({ ok: true });
    await expect(web.users.info({ user: 'U0ALICE001' })).resolves.toMatchObject({ ok: true });
    expect(sim.stats().methods['users.list']).toEqual({ calls: 3, ok: 1, errors: 0, rateLimited: 2 });
  });
});
