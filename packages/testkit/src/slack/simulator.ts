/**
 * `startSlackSimulator`: a Slack workspace on 127.0.0.1 that the official `@slack/web-api` and
 * `@slack/socket-mode` clients talk to as if it were slack.com. It wires the workspace model, the
 * Web API router, the rate limiter and the Socket Mode hub around one virtual clock, and forwards
 * the workspace's events to connected sockets when the bot would receive them.
 *
 * Retry-After must be an integer number of seconds. With `timeScale` > 1 the simulator's minute is
 * shorter than a real one, so by default (`retryAfter: 'real'`) the header states the real seconds a
 * client must wait, rounded up, at least 1: an unmodified WebClient that honours it then works at any
 * time scale, and at timeScale 1 the value is exactly what Slack would send. `retryAfter: 'virtual'`
 * reports the simulated seconds instead (what Slack would send for the same simulated situation);
 * use it with a client whose scheduler runs on `sim.virtualNow()` and maps waits with `sim.toRealMs()`.
 * Either way the exact wait is also in the `x-sluice-sim-retry-after-ms` header (real milliseconds).
 */

import { randomBytes } from 'node:crypto';
import { VirtualClock } from './clock.js';
import { ApiServer, type MethodStats, type RetryAfterClock } from './http-server.js';
import type { TokenInfo } from './methods.js';
import { RateLimiter, type RateLimitProfileName } from './rate-limiter.js';
import { type DisconnectReason, SocketModeHub, type SocketModeStats } from './socket-mode.js';
import { SlackWorkspace, type WorkspaceEventNotice } from './workspace.js';

/** Scopes the simulated bot token has unless told otherwise (a typical Sluice read-only install). */
export const DEFAULT_BOT_SCOPES: readonly string[] = [
  'channels:read',
  'channels:history',
  'groups:read',
  'groups:history',
  'users:read',
  'users:read.email',
  'team:read',
];

export interface SlackSimulatorOptions {
  /** The workspace to serve (default: an empty workspace with only the bot). */
  workspace?: SlackWorkspace;
  /** Port on 127.0.0.1 (default 0: an ephemeral port). */
  port?: number;
  /** Rate-limit profile (default `tier3`). */
  profile?: RateLimitProfileName;
  /** Per-method requests-per-minute overrides; `Infinity` disables limiting for a method. */
  rateLimits?: Record<string, number>;
  /** Virtual seconds per real second (default 1). */
  timeScale?: number;
  /** Virtual epoch ms at start (default: the real now). */
  startTime?: number;
  /** How Retry-After is expressed (default `real`; see the module comment). */
  retryAfter?: RetryAfterClock;
  /** Scopes of the bot token (default `DEFAULT_BOT_SCOPES`). */
  botScopes?: readonly string[];
  /** Fixed tokens (default: random simulator tokens). */
  botToken?: string;
  appToken?: string;
  /**
   * Socket Mode ack deadline in virtual ms. Default: 3 s of wall-clock time (3000 × timeScale), since
   * Slack's deadline is about the client's own work, which does not get faster with the time scale.
   */
  ackDeadlineMs?: number;
  /** Socket Mode redeliveries before an envelope is dropped (default 3). */
  maxRetries?: number;
  /** Real ms between server pings (default 5000). */
  pingIntervalRealMs?: number;
  /** Virtual ms queued events are kept while no socket is connected (default one hour). */
  queueRetentionMs?: number;
  /** Virtual ms after which a socket gets `refresh_requested` (default 0: never). */
  connectionLifetimeMs?: number;
  /** Repeat the thread parent on every conversations.replies page (default false: first page only). */
  repliesParentOnEveryPage?: boolean;
}

export interface SlackSimulatorStats {
  methods: Record<string, MethodStats>;
  socketMode: SocketModeStats;
}

/** A running simulator. */
export interface SlackSimulator {
  /** Base URL for `slackApiUrl` (ends with `/api/`). */
  readonly apiUrl: string;
  readonly port: number;
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly appId: string;
  readonly profile: RateLimitProfileName;
  readonly timeScale: number;
  /** The scripting API: changes show in the Web API and emit events. */
  readonly workspace: SlackWorkspace;
  /** Per-method call counts and Socket Mode counters. */
  stats(): SlackSimulatorStats;
  /** Virtual now, epoch ms. */
  virtualNow(): number;
  /** Real ms for a virtual duration. */
  toRealMs(virtualMs: number): number;
  /** Moves the virtual clock forward (e.g. to expire a rate-limit window without waiting). */
  advanceTime(virtualMs: number): void;
  /** Answers the next `count` calls of `method` with HTTP 429 and `Retry-After: retryAfterSeconds` (default 1). */
  injectRateLimitStorm(options: { method: string; count: number; retryAfterSeconds?: number }): void;
  /** Sends a `disconnect` frame to every socket. */
  disconnect(reason: DisconnectReason): void;
  /** Drops every socket abruptly (no close frame). */
  dropConnections(): void;
  close(): Promise<void>;
}

function simToken(prefix: 'xoxb' | 'xapp'): string {
  const digits = () => String(randomBytes(5).readUIntBE(0, 5)).padStart(13, '0');
  const secret = randomBytes(18).toString('base64url');
  return prefix === 'xoxb' ? `xoxb-${digits()}-${digits()}-${secret}` : `xapp-1-A0SIMAPP01-${digits()}-${secret}`;
}

/** Channel-scoped events the bot gets even when it is not a member of a public channel. */
const PUBLIC_CHANNEL_EVENTS = new Set(['channel_rename', 'channel_archive', 'channel_unarchive', 'channel_created']);

/**
 * Starts a simulator on 127.0.0.1.
 *
 * @example
 * ```ts
 * const sim = await startSlackSimulator({ workspace: generateSyntheticWorkspace({ seed: 1 }), timeScale: 60 });
 * const client = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl });
 * const { channels } = await client.conversations.list();
 * await sim.close();
 * ```
 */
export async function startSlackSimulator(options: SlackSimulatorOptions = {}): Promise<SlackSimulator> {
  const workspace =
    options.workspace ??
    new SlackWorkspace(
      { id: 'T0SIMTEAM1', name: 'Sluice Simulated', domain: 'sluice-sim' },
      { userId: 'U0SIMBOT01', botId: 'B0SIMBOT01', appId: 'A0SIMAPP01', name: 'sluice' },
    );
  const clock = new VirtualClock({
    timeScale: options.timeScale ?? 1,
    ...(options.startTime !== undefined ? { startMs: options.startTime } : {}),
  });
  workspace.now = () => clock.nowMs();
  const profile = options.profile ?? 'tier3';
  const botToken = options.botToken ?? simToken('xoxb');
  const appToken = options.appToken ?? simToken('xapp');
  const tokens = new Map<string, TokenInfo>([
    [botToken, { kind: 'bot', teamId: workspace.team.id, scopes: options.botScopes ?? DEFAULT_BOT_SCOPES }],
    [appToken, { kind: 'app', teamId: workspace.team.id, scopes: ['connections:write'] }],
  ]);
  const limiter = new RateLimiter({ clock, profile, ...(options.rateLimits ? { overrides: options.rateLimits } : {}) });
  const hub = new SocketModeHub({
    clock,
    teamId: workspace.team.id,
    appId: workspace.bot.appId,
    botUserId: workspace.bot.userId,
    verificationToken: randomBytes(12).toString('hex'),
    ackDeadlineMs: options.ackDeadlineMs ?? 3_000 * clock.timeScale,
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.pingIntervalRealMs !== undefined ? { pingIntervalRealMs: options.pingIntervalRealMs } : {}),
    ...(options.queueRetentionMs !== undefined ? { queueRetentionMs: options.queueRetentionMs } : {}),
    ...(options.connectionLifetimeMs !== undefined ? { connectionLifetimeMs: options.connectionLifetimeMs } : {}),
  });
  const deliverable = (notice: WorkspaceEventNotice): boolean => {
    if (notice.channel === undefined) return true;
    const state = workspace.getChannel(notice.channel);
    if (!state) return false;
    if (state.members.has(workspace.bot.userId)) return true;
    return !state.info.is_private && PUBLIC_CHANNEL_EVENTS.has(notice.event.type);
  };
  const unsubscribe = workspace.onEvent((notice) => {
    if (deliverable(notice)) hub.deliver(notice.event);
  });
  const retryAfterMode = options.retryAfter ?? 'real';
  const api = new ApiServer({
    workspace,
    tokens,
    limiter,
    clock,
    hub,
    retryAfter: retryAfterMode,
    repliesParentOnEveryPage: options.repliesParentOnEveryPage ?? false,
  });
  const address = await api.listen(options.port ?? 0, '127.0.0.1');
  let closed = false;
  return {
    apiUrl: `http://127.0.0.1:${address.port}/api/`,
    port: address.port,
    botToken,
    appToken,
    teamId: workspace.team.id,
    botUserId: workspace.bot.userId,
    appId: workspace.bot.appId,
    profile,
    timeScale: clock.timeScale,
    workspace,
    stats: () => ({
      methods: Object.fromEntries([...api.methodStats].map(([m, s]) => [m, { ...s }])),
      socketMode: hub.stats(),
    }),
    virtualNow: () => clock.nowMs(),
    toRealMs: (virtualMs) => clock.toRealMs(virtualMs),
    advanceTime: (virtualMs) => clock.advance(virtualMs),
    injectRateLimitStorm: ({ method, count, retryAfterSeconds }) => {
      // `retryAfterSeconds` is what the header will say, in the unit the header uses.
      const ms = (retryAfterSeconds ?? 1) * 1000;
      limiter.injectStorm(method, count, retryAfterMode === 'real' ? clock.toVirtualMs(ms) : ms);
    },
    disconnect: (reason) => hub.disconnect(reason),
    dropConnections: () => hub.dropConnections(),
    close: async () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      hub.close();
      await api.close();
    },
  };
}

/** What `sluice sim slack` prints once the simulator is up. */
export function formatSimulatorBanner(sim: SlackSimulator): string {
  const channels = sim.workspace.listChannels().length;
  const users = sim.workspace.listUsers().length;
  return [
    `Slack simulator listening on ${sim.apiUrl}`,
    `  workspace ${sim.workspace.team.name} (${sim.teamId}): ${users} users, ${channels} channels, ${sim.workspace.messageCount()} messages`,
    `  rate-limit profile: ${sim.profile}, time scale: ${sim.timeScale}x`,
    '',
    'These are simulator tokens (valid only against this simulator, safe to print):',
    `  export SLACK_API_URL=${sim.apiUrl}`,
    `  export SLACK_BOT_TOKEN=${sim.botToken}`,
    `  export SLACK_APP_TOKEN=${sim.appToken}`,
  ].join('\n');
}
