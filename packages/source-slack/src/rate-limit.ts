/**
 * Per-method rate-limit scheduler. Slack limits each Web API method per app per workspace over a
 * sliding minute; the WebClient's own 429 handling pauses every method of the client, so we create it
 * with `rejectRateLimitedCalls: true` and pace each method ourselves. A method with budget N runs a
 * call only while fewer than N calls are in flight or finished less than a window ago: a finished
 * call's slot is released one window (plus a small margin) after its response arrived. Slack counted
 * the request before answering, so slots measured from our side can never be released early, whatever
 * the network latency, and bursts up to N still go out at once: the tier is saturated, not tripped.
 * A 429 pauses only that method for its `Retry-After`, then the call is retried.
 */

import { RetryableError } from '@sluice/core';

export type RateLimitProfile = 'tier3' | 'non-marketplace';

/** Slack's published tiers, requests per minute (the numbers are minimums: "Tier 3: 50+"). */
const TIER_PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;

/** Tier of each method this package calls (docs.slack.dev method pages). */
export const SLACK_METHOD_TIERS: Readonly<Record<string, 1 | 2 | 3 | 4>> = {
  'auth.test': 4,
  'team.info': 3,
  'users.list': 2,
  'users.info': 4,
  'users.conversations': 3,
  'conversations.list': 2,
  'conversations.info': 3,
  'conversations.history': 3,
  'conversations.replies': 3,
};

/** Apps outside the Marketplace (since 2025): history and replies at 1 request per minute, 15 per page. */
const NON_MARKETPLACE_METHODS = new Set(['conversations.history', 'conversations.replies']);

/** Requests per minute this scheduler allows for a method under a profile. */
export function methodBudget(profile: RateLimitProfile, method: string): number {
  if (profile === 'non-marketplace' && NON_MARKETPLACE_METHODS.has(method)) return 1;
  return TIER_PER_MINUTE[SLACK_METHOD_TIERS[method] ?? 3];
}

/** Largest page a method accepts under a profile; `requested` is clamped to it. */
export function pageSizeFor(profile: RateLimitProfile, method: string, requested?: number): number {
  const max = profile === 'non-marketplace' && NON_MARKETPLACE_METHODS.has(method) ? 15 : 200;
  return Math.max(1, Math.min(max, Math.floor(requested ?? max)));
}

/** A 429 as the scheduler sees it: the call may be retried after `retryAfterMs`. */
export class RateLimitedSignal extends Error {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super('rate limited');
    this.name = 'RateLimitedSignal';
    this.retryAfterMs = retryAfterMs;
  }
}

export interface SchedulerOptions {
  profile: RateLimitProfile;
  /** The limit window in real ms (default 60 000). Tests against a time-scaled simulator shorten it. */
  windowMs?: number;
  /** Extra fraction of the window a slot stays taken, against clock granularity (default 0.02). */
  margin?: number;
  /** Per-method budget overrides (requests per window). */
  budgets?: Record<string, number>;
  /** Attempts of one call through 429s before giving up (default 20). */
  maxRateLimitedAttempts?: number;
  /** Multiplies Retry-After waits (default 1; a time-scaled test can pass 1/timeScale). */
  retryAfterScale?: number;
}

export interface SchedulerStats {
  calls: number;
  rateLimited: number;
  waitedMs: number;
}

interface MethodState {
  /** Times (ms) at which finished calls leave the window. */
  releases: number[];
  inFlight: number;
  pausedUntil: number;
  /** Serialises slot acquisition so callers are served in order. */
  gate: Promise<void>;
  stats: SchedulerStats;
}

/** Raised when a call stays rate limited after every attempt. */
export class RateLimitExhaustedError extends RetryableError {
  readonly method: string;
  constructor(method: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super('rate_limited', `${method} stayed rate limited after every retry`, options);
    this.method = method;
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Paces calls per method. Wrap each Web API call; the function throws `RateLimitedSignal` on a 429.
 * @example
 * const scheduler = new SlackMethodScheduler({ profile: 'non-marketplace' });
 * // The second call starts a minute after the first one's response arrived.
 * await scheduler.run('conversations.history', () => client.apiCall('conversations.history', { channel }));
 * await scheduler.run('conversations.history', () => client.apiCall('conversations.history', { channel }));
 */
export class SlackMethodScheduler {
  readonly profile: RateLimitProfile;
  private readonly windowMs: number;
  private readonly margin: number;
  private readonly budgets: Record<string, number>;
  private readonly maxAttempts: number;
  private readonly retryAfterScale: number;
  private readonly methods = new Map<string, MethodState>();

  constructor(options: SchedulerOptions) {
    this.profile = options.profile;
    this.windowMs = options.windowMs ?? 60_000;
    this.margin = options.margin ?? 0.02;
    this.budgets = { ...options.budgets };
    this.maxAttempts = options.maxRateLimitedAttempts ?? 20;
    this.retryAfterScale = options.retryAfterScale ?? 1;
  }

  budget(method: string): number {
    return this.budgets[method] ?? methodBudget(this.profile, method);
  }

  stats(): Record<string, SchedulerStats> {
    return Object.fromEntries([...this.methods].map(([m, s]) => [m, { ...s.stats }]));
  }

  private state(method: string): MethodState {
    let state = this.methods.get(method);
    if (!state) {
      state = {
        releases: [],
        inFlight: 0,
        pausedUntil: 0,
        gate: Promise.resolve(),
        stats: { calls: 0, rateLimited: 0, waitedMs: 0 },
      };
      this.methods.set(method, state);
    }
    return state;
  }

  /** Runs `fn` when the method's budget allows, retrying it after each 429's Retry-After. */
  async run<T>(method: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const state = this.state(method);
    for (let attempt = 1; ; attempt++) {
      await this.acquire(method, state, signal);
      try {
        const result = await fn();
        this.release(state);
        state.stats.calls++;
        return result;
      } catch (error) {
        this.release(state);
        if (!(error instanceof RateLimitedSignal)) throw error;
        state.stats.rateLimited++;
        // Pause this method only; other methods keep their own pace.
        state.pausedUntil = Math.max(state.pausedUntil, Date.now() + error.retryAfterMs * this.retryAfterScale);
        if (attempt >= this.maxAttempts) {
          throw new RateLimitExhaustedError(method, { cause: error, retryAfterMs: error.retryAfterMs });
        }
      }
    }
  }

  private release(state: MethodState): void {
    state.inFlight--;
    state.releases.push(Date.now() + this.windowMs * (1 + this.margin));
  }

  private acquire(method: string, state: MethodState, signal?: AbortSignal): Promise<void> {
    const turn = state.gate.then(async () => {
      const budget = this.budget(method);
      while (true) {
        const now = Date.now();
        state.releases = state.releases.filter((t) => t > now);
        let wait = 0;
        if (state.pausedUntil > now) wait = state.pausedUntil - now;
        else if (state.inFlight + state.releases.length >= budget) {
          // Every slot is held: the earliest release frees one (in-flight calls release on completion).
          wait = state.releases.length > 0 ? Math.min(...state.releases) - now : 5;
        } else {
          state.inFlight++;
          return;
        }
        state.stats.waitedMs += wait;
        await abortableSleep(Math.max(1, wait), signal);
      }
    });
    state.gate = turn.catch(() => undefined);
    return turn;
  }
}
