/**
 * Slack Web API rate limits, simulated per method per workspace. Slack publishes tiers (1+, 20+, 50+
 * and 100+ requests per minute) and, since 2025, far lower limits for conversations.history and
 * conversations.replies in apps distributed outside the Marketplace (1 request per minute, pages of
 * at most 15 messages). We use a sliding one-minute window on the virtual clock: the request that
 * would exceed the tier gets HTTP 429, and Retry-After says when the oldest counted request leaves
 * the window. Rejected requests are not counted, so a client that honours Retry-After gets through.
 */

import type { VirtualClock } from './clock.js';

export type RateLimitProfileName = 'tier3' | 'non-marketplace';

/** Slack's tier for each simulated method (docs.slack.dev method pages, "Rate limits"). */
export const METHOD_TIERS: Readonly<Record<string, 1 | 2 | 3 | 4 | 'special'>> = {
  'auth.test': 'special',
  'team.info': 3,
  'users.list': 2,
  'users.info': 4,
  'users.conversations': 3,
  'conversations.list': 2,
  'conversations.info': 3,
  'conversations.members': 4,
  'conversations.history': 3,
  'conversations.replies': 3,
  'apps.connections.open': 1,
};

/** Requests per minute for each tier. Slack's numbers are minimums ("50+"); we use them as the limit. */
const TIER_PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100, special: 600 } as const;

/** Requests per minute allowed for a method under a profile. */
export function perMinuteLimit(profile: RateLimitProfileName, method: string): number {
  if (profile === 'non-marketplace' && (method === 'conversations.history' || method === 'conversations.replies')) {
    return 1;
  }
  const tier = METHOD_TIERS[method] ?? 3;
  // apps.connections.open is Tier 1 at Slack, but reconnect tests would crawl at 1/min: it refreshes
  // URLs, not data, so we allow a burst of reconnects the way Slack tolerates them in practice.
  if (method === 'apps.connections.open') return 60;
  return TIER_PER_MINUTE[tier];
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterVirtualMs: number; injected: boolean };

export interface RateLimiterOptions {
  clock: VirtualClock;
  profile: RateLimitProfileName;
  /** Per-method overrides of requests per minute (e.g. `{ 'users.list': 5 }`); `Infinity` disables. */
  overrides?: Record<string, number>;
}

const WINDOW_MS = 60_000;

/** Sliding-window limiter keyed by `team:method`. */
export class RateLimiter {
  private readonly clock: VirtualClock;
  readonly profile: RateLimitProfileName;
  private readonly overrides: Record<string, number>;
  private readonly windows = new Map<string, number[]>();
  private readonly storms = new Map<string, { remaining: number; retryAfterVirtualMs: number }>();

  constructor(options: RateLimiterOptions) {
    this.clock = options.clock;
    this.profile = options.profile;
    this.overrides = { ...options.overrides };
  }

  limitFor(method: string): number {
    return this.overrides[method] ?? perMinuteLimit(this.profile, method);
  }

  /** Answers the next `count` calls of `method` (any team) with 429, whatever the window says. */
  injectStorm(method: string, count: number, retryAfterVirtualMs: number): void {
    this.storms.set(method, { remaining: count, retryAfterVirtualMs });
  }

  /** Records a call if allowed. */
  check(team: string, method: string): RateDecision {
    const storm = this.storms.get(method);
    if (storm && storm.remaining > 0) {
      storm.remaining -= 1;
      if (storm.remaining === 0) this.storms.delete(method);
      return { allowed: false, retryAfterVirtualMs: storm.retryAfterVirtualMs, injected: true };
    }
    const limit = this.limitFor(method);
    if (limit === Number.POSITIVE_INFINITY) return { allowed: true };
    const now = this.clock.nowMs();
    const key = `${team}:${method}`;
    let window = this.windows.get(key);
    if (!window) {
      window = [];
      this.windows.set(key, window);
    }
    let expired = 0;
    while (expired < window.length && (window[expired] as number) <= now - WINDOW_MS) expired++;
    if (expired > 0) window.splice(0, expired);
    if (window.length >= limit) {
      const oldest = window[0] as number;
      return { allowed: false, retryAfterVirtualMs: Math.max(1, oldest + WINDOW_MS - now), injected: false };
    }
    window.push(now);
    return { allowed: true };
  }
}
