/**
 * The `slack` source plugin: the history backfill and, when `live` is on, Socket Mode events, merged
 * into one pull-based stream. `until-caught-up` backfills (and drains live events a previous run
 * buffered) then ends; `follow` connects Socket Mode first, so nothing that happens during the
 * backfill is missed, backfills, then keeps delivering live events. Every reconnect after the first
 * asks the history source to fill the gap from each channel's position to now.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  ConfigError,
  defineSource,
  FatalError,
  type Logger,
  type PluginContext,
  type SourceInstance,
  type SourceItem,
  type SourceReadOptions,
  STATE_SEALER_SERVICE,
  type StateStore,
  sealNamespaces,
  type ValueSealer,
} from '@sluice/core';
import { SlackHistorySource } from './history-source.js';
import { LIVE_NAMESPACE, SlackLiveSource } from './live-source.js';
import { mergeAsyncIterables } from './merge.js';
import { type RateLimitProfile, SlackMethodScheduler } from './rate-limit.js';
import { SlackApi } from './slack-api.js';

export const SlackSourceConfigSchema = Type.Object(
  {
    botToken: Type.String({
      minLength: 1,
      description: 'Bot token (xoxb-…), named from the environment in policies (env:SLACK_BOT_TOKEN).',
    }),
    appToken: Type.Optional(
      Type.String({ minLength: 1, description: 'App-level token (xapp-…) for Socket Mode; required when live.' }),
    ),
    apiUrl: Type.Optional(Type.String({ minLength: 1, description: 'Web API base URL (default Slack; a simulator).' })),
    history: Type.Optional(
      Type.Object(
        {
          days: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Days of history (default 90).' })),
          threadLookbackDays: Type.Optional(
            Type.Number({
              minimum: 0,
              description: 'Days before the last position re-read on later runs for edits and new replies (default 0).',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    rateLimitProfile: Type.Union([Type.Literal('tier3'), Type.Literal('non-marketplace')], {
      description: '`tier3` (Marketplace apps) or `non-marketplace` (history/replies at 1 req/min, 15 per page).',
    }),
    pageSize: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 999, description: 'Page size for history and replies (clamped).' }),
    ),
    live: Type.Boolean({ description: 'Follow live events over Socket Mode after the backfill.' }),
    rateLimitTimeScale: Type.Optional(
      Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.String({ minLength: 1 })], {
        description:
          'Only for a simulator running N times faster than real time: shortens the rate-limit minute to 1/N. Leave unset (1) against Slack. A numeric string is accepted so that it can come from the environment.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SlackSourceConfig = Static<typeof SlackSourceConfigSchema>;

export interface SlackSourceOptions {
  tenant: string;
  botToken: string;
  appToken?: string;
  apiUrl?: string;
  days?: number;
  threadLookbackDays?: number;
  rateLimitProfile: RateLimitProfile;
  pageSize?: number;
  live: boolean;
  state: StateStore;
  logger?: Logger;
  /** Rate-limit window in real ms (default 60 000; tests against a time-scaled simulator shorten it). */
  rateLimitWindowMs?: number;
  /** Multiplies Retry-After waits (tests). */
  retryAfterScale?: number;
  /** Epoch ms now (tests follow the simulator's virtual clock). */
  now?: () => number;
  /** A gap fill starts this long (Slack's clock) before the newest event buffered (default 5 minutes). */
  gapFillMarginMs?: number;
  /** How long `follow` waits for the first Socket Mode connection before backfilling anyway (default 10 s). */
  connectTimeoutMs?: number;
  socket?: { clientPingTimeout?: number; serverPingTimeout?: number };
}

/** History backfill plus live events, as one source. */
export class SlackSource implements SourceInstance {
  readonly history: SlackHistorySource;
  readonly live: SlackLiveSource;
  readonly api: SlackApi;
  private readonly options: SlackSourceOptions;

  constructor(options: SlackSourceOptions) {
    this.options = options;
    const scheduler = new SlackMethodScheduler({
      profile: options.rateLimitProfile,
      ...(options.rateLimitWindowMs !== undefined ? { windowMs: options.rateLimitWindowMs } : {}),
      ...(options.retryAfterScale !== undefined ? { retryAfterScale: options.retryAfterScale } : {}),
    });
    this.api = new SlackApi({
      botToken: options.botToken,
      scheduler,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    });
    this.history = new SlackHistorySource({
      tenant: options.tenant,
      api: this.api,
      state: options.state,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.days !== undefined ? { days: options.days } : {}),
      ...(options.threadLookbackDays !== undefined ? { threadLookbackDays: options.threadLookbackDays } : {}),
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    if (options.live && !options.appToken) {
      throw new ConfigError('plugin_config_invalid', undefined, [
        { path: '/appToken', code: 'required', message: 'live mode needs an app-level token', hint: 'set appToken' },
      ]);
    }
    // Even with `live` off, events a previous live run buffered (and acked to Slack) must still be
    // delivered: gap fills skipped what the buffer held. Without an app token it only drains.
    this.live = new SlackLiveSource({
      tenant: options.tenant,
      appToken: options.appToken ?? '',
      api: this.api,
      state: options.state,
      history: this.history,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.socket ? { socket: options.socket } : {}),
      // The first connection precedes the backfill, which covers it; later ones leave gaps. Slack
      // delivers events roughly in order: a margin before the newest buffered one covers stragglers.
      onConnected: (count, coveredUntil) => {
        if (count <= 1) return;
        const margin = (options.gapFillMarginMs ?? 300_000) * 1000;
        this.history.requestCatchUp(coveredUntil === null ? undefined : coveredUntil - margin);
      },
    });
  }

  async *read(options: SourceReadOptions): AsyncGenerator<SourceItem> {
    const live = this.live;
    const following = this.options.live && options.mode === 'follow';
    if (following) {
      const timeout = this.options.connectTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const connected = await Promise.race([
        live.start().then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), timeout);
        }),
      ]).finally(() => clearTimeout(timer));
      if (!connected) this.options.logger?.warn('socket mode not connected yet; backfilling anyway');
    }
    // Not following live: the live source only drains what an earlier run left in its buffer.
    const liveRead = live.read(following ? options : { ...options, mode: 'until-caught-up' });
    yield* mergeAsyncIterables([this.history.read(options), liveRead]);
  }

  async close(): Promise<void> {
    await this.live.close();
  }
}

function parseTimeScale(value: number | string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError('plugin_config_invalid', undefined, [
      {
        path: '/rateLimitTimeScale',
        code: 'type',
        message: 'must be a positive number',
        hint: 'e.g. 120 for a simulator at 120x; leave it unset against Slack',
      },
    ]);
  }
  return n;
}

/**
 * The `slack` source plugin. Tokens arrive resolved from `${env:…}` and are never logged.
 * @example
 * // policy: { "source": { "use": "slack", "with": { "botToken": "${env:SLACK_BOT_TOKEN}",
 * //   "appToken": "${env:SLACK_APP_TOKEN}", "rateLimitProfile": "non-marketplace", "live": true } } }
 */
export const slackSource = defineSource({
  type: 'slack',
  version: '0.1.0',
  summary: 'Slack history backfill of the channels the bot is in, then live events over Socket Mode.',
  configSchema: SlackSourceConfigSchema,
  create(config: SlackSourceConfig, ctx: PluginContext) {
    // The live buffer holds Slack payloads between the ack to Slack and the sink's write: sealed with
    // the tenant key, never in clear in the state file. Without a sealer the source refuses to start.
    const sealer = ctx.services.get<ValueSealer>(STATE_SEALER_SERVICE);
    if (!sealer) {
      throw new FatalError(
        'key_missing',
        'the slack source needs the tenant key to seal its live-event buffer (service "state.sealer")',
      );
    }
    const state = sealNamespaces(ctx.state, sealer, [LIVE_NAMESPACE]);
    return new SlackSource({
      tenant: ctx.tenant,
      botToken: config.botToken,
      rateLimitProfile: config.rateLimitProfile,
      live: config.live,
      state,
      logger: ctx.logger,
      ...(config.appToken ? { appToken: config.appToken } : {}),
      ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
      ...(config.history?.days !== undefined ? { days: config.history.days } : {}),
      ...(config.history?.threadLookbackDays !== undefined
        ? { threadLookbackDays: config.history.threadLookbackDays }
        : {}),
      ...(config.pageSize !== undefined ? { pageSize: config.pageSize } : {}),
      ...(config.rateLimitTimeScale !== undefined
        ? { rateLimitWindowMs: 60_000 / parseTimeScale(config.rateLimitTimeScale) }
        : {}),
    });
  },
});
