/**
 * The per-method scheduler with fake calls on short windows: budgets per profile, bursts up to the
 * budget then waits measured from responses, Retry-After pausing one method only, and giving up.
 */
import { describe, expect, it } from 'vitest';
import {
  methodBudget,
  pageSizeFor,
  RateLimitExhaustedError,
  RateLimitedSignal,
  SlackMethodScheduler,
} from './rate-limit.js';

describe('budgets', () => {
  it('gives history and replies 1 per minute and 15 per page for non-marketplace apps', () => {
    expect(methodBudget('non-marketplace', 'conversations.history')).toBe(1);
    expect(methodBudget('non-marketplace', 'conversations.replies')).toBe(1);
    expect(pageSizeFor('non-marketplace', 'conversations.history', 100)).toBe(15);
    expect(methodBudget('tier3', 'conversations.history')).toBe(50);
    expect(pageSizeFor('tier3', 'conversations.history', 100)).toBe(100);
    expect(methodBudget('non-marketplace', 'users.list')).toBe(20);
    expect(methodBudget('tier3', 'users.conversations')).toBe(50);
  });
});

describe('SlackMethodScheduler', () => {
  it('lets a burst up to the budget through, then waits a window after the responses', async () => {
    const scheduler = new SlackMethodScheduler({ profile: 'tier3', windowMs: 150, budgets: { m: 3 } });
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 5 }, () =>
        scheduler.run('m', async () => {
          starts.push(Date.now() - t0);
        }),
      ),
    );
    expect(starts.slice(0, 3).every((t) => t < 50)).toBe(true);
    expect(starts[3]).toBeGreaterThanOrEqual(150);
    expect(starts[4]).toBeGreaterThanOrEqual(150);
  });

  it('never has more than the budget within any window, even with slow responses', async () => {
    const scheduler = new SlackMethodScheduler({ profile: 'non-marketplace', windowMs: 60 });
    const arrivals: number[] = [];
    for (let i = 0; i < 4; i++) {
      await scheduler.run('conversations.history', async () => {
        arrivals.push(Date.now());
        await new Promise((r) => setTimeout(r, 15));
      });
    }
    for (let i = 1; i < arrivals.length; i++) {
      expect((arrivals[i] as number) - (arrivals[i - 1] as number)).toBeGreaterThanOrEqual(60);
    }
  });

  it('honours Retry-After for the rate-limited method only', async () => {
    const scheduler = new SlackMethodScheduler({ profile: 'tier3', windowMs: 10 });
    let attempts = 0;
    const t0 = Date.now();
    const limited = scheduler.run('conversations.history', async () => {
      attempts++;
      if (attempts === 1) throw new RateLimitedSignal(200);
      return Date.now() - t0;
    });
    // Another method is not paused meanwhile.
    await new Promise((r) => setTimeout(r, 20));
    const otherAt = await scheduler.run('users.list', async () => Date.now() - t0);
    expect(otherAt).toBeLessThan(150);
    expect(await limited).toBeGreaterThanOrEqual(200);
    expect(scheduler.stats()['conversations.history']).toMatchObject({ calls: 1, rateLimited: 1 });
  });

  it('gives up after too many 429s with a coded error', async () => {
    const scheduler = new SlackMethodScheduler({ profile: 'tier3', windowMs: 1, maxRateLimitedAttempts: 3 });
    const error = await scheduler
      .run('conversations.replies', async () => {
        throw new RateLimitedSignal(1);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExhaustedError);
    expect(error).toMatchObject({ code: 'rate_limited', failure: 'retryable', method: 'conversations.replies' });
    expect((error as RateLimitExhaustedError).cause).toBeInstanceOf(RateLimitedSignal);
  });

  it('passes other errors through without retrying', async () => {
    const scheduler = new SlackMethodScheduler({ profile: 'tier3' });
    let calls = 0;
    await expect(
      scheduler.run('auth.test', async () => {
        calls++;
        throw new TypeError('boom');
      }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });

  it('stops waiting when aborted', async () => {
    const scheduler = new SlackMethodScheduler({ profile: 'non-marketplace', windowMs: 10_000 });
    await scheduler.run('conversations.history', async () => undefined);
    const controller = new AbortController();
    const waiting = scheduler.run('conversations.history', async () => 'ran', controller.signal);
    const reason = new Error('stopped');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});
