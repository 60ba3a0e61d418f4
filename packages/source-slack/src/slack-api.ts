/**
 * The Web API as the sources use it: one `WebClient` created with `rejectRateLimitedCalls: true`
 * (its built-in 429 handling would pause every method of the client), every call paced by the
 * per-method scheduler, Slack's `{ ok: false, error }` answers turned into `SlackPlatformError`, and
 * transient network/HTTP failures retried with backoff. Tokens never appear in errors or logs.
 */
import {
  ErrorCode,
  type WebAPICallResult,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
} from '@slack/web-api';
import { FatalError, type Logger, RetryableError } from '@sluice/core';
import { abortableSleep, RateLimitedSignal, type SlackMethodScheduler } from './rate-limit.js';
import { slackLogger } from './slack-logger.js';

/** Slack answered `ok: false`. `error` is Slack's code (`not_in_channel`, `invalid_auth`, …). */
export class SlackPlatformError extends FatalError {
  readonly slackError: string;
  readonly method: string;
  constructor(method: string, slackError: string, options: { cause?: unknown } = {}) {
    super('source_read_failed', `Slack ${method} failed: ${slackError}`, options);
    this.slackError = slackError;
    this.method = method;
  }
}

/** Errors that mean the bot lost access to a channel. */
export const CHANNEL_GONE_ERRORS: ReadonlySet<string> = new Set([
  'not_in_channel',
  'channel_not_found',
  'access_denied',
]);

export function isChannelGone(error: unknown): error is SlackPlatformError {
  return error instanceof SlackPlatformError && CHANNEL_GONE_ERRORS.has(error.slackError);
}

export interface SlackApiOptions {
  botToken: string;
  logger?: Logger;
  apiUrl?: string;
  scheduler: SlackMethodScheduler;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Attempts for network errors and 5xx before giving up (default 5). */
  transientAttempts?: number;
  /** Bring your own client (tests); it must be created with `rejectRateLimitedCalls: true`. */
  client?: WebClient;
}

export type SlackResult = WebAPICallResult & Record<string, unknown>;

export class SlackApi {
  readonly client: WebClient;
  readonly scheduler: SlackMethodScheduler;
  private readonly transientAttempts: number;

  constructor(options: SlackApiOptions) {
    this.scheduler = options.scheduler;
    this.transientAttempts = options.transientAttempts ?? 5;
    this.client =
      options.client ??
      new WebClient(options.botToken, {
        ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
        rejectRateLimitedCalls: true,
        logger: slackLogger(options.logger, 'web-api'),
        // Transient retries are ours (below), so the client does not sit in its 30-minute policy.
        retryConfig: { retries: 0 },
        // A hung request would stall a channel forever; a timeout becomes a retried request error.
        timeout: options.timeoutMs ?? 30_000,
      });
  }

  /** Calls a method through the scheduler. */
  async call(method: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<SlackResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.scheduler.run(
          method,
          async () => {
            try {
              return (await this.client.apiCall(method, args)) as SlackResult;
            } catch (error) {
              if (error instanceof WebAPIRateLimitedError) throw new RateLimitedSignal(error.retryAfter * 1000);
              throw error;
            }
          },
          signal,
        );
      } catch (error) {
        if (error instanceof WebAPIPlatformError) {
          throw new SlackPlatformError(method, String(error.data.error), { cause: error });
        }
        const transient =
          (error instanceof WebAPIHTTPError && error.statusCode >= 500) ||
          (error as { code?: unknown } | null)?.code === ErrorCode.RequestError;
        if (!transient) throw error;
        if (attempt >= this.transientAttempts) {
          throw new RetryableError('upstream_unavailable', `Slack ${method} unavailable after ${attempt} attempts`, {
            cause: error,
          });
        }
        await abortableSleep(Math.min(30_000, 250 * 2 ** (attempt - 1)), signal);
      }
    }
  }

  /** Follows `response_metadata.next_cursor` and collects one array field of every page. */
  async paginate(method: string, args: Record<string, unknown>, field: string, signal?: AbortSignal) {
    const out: Array<Record<string, unknown>> = [];
    let cursor: string | undefined;
    do {
      const page = await this.call(method, cursor ? { ...args, cursor } : args, signal);
      const items = page[field];
      if (Array.isArray(items)) out.push(...(items as Array<Record<string, unknown>>));
      const next = (page.response_metadata as { next_cursor?: string } | undefined)?.next_cursor;
      cursor = next ? next : undefined;
    } while (cursor);
    return out;
  }
}
