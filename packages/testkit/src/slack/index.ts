/**
 * Slack simulator (`@sluice/testkit/slack`): a Web API + Socket Mode server that the official Slack
 * clients cannot tell from slack.com, a scripting API to make things happen in the simulated
 * workspace, a deterministic synthetic workspace generator that scales to a million messages, and
 * Slack export reading and writing.
 */

export {
  DEFAULT_SYNTHETIC_MESSAGES,
  parseSimSlackArgs,
  type SimSlackArgs,
  startSimulatorFromArgs,
  workspaceForSimArgs,
} from './cli.js';
export { VirtualClock } from './clock.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export {
  SlackSimArgumentError,
  SlackSimError,
  type SlackSimErrorCode,
  SlackSimExportError,
  SlackSimNotFoundError,
} from './errors.js';
export { type LoadSlackExportOptions, loadSlackExport } from './export-loader.js';
export { type WriteSlackExportOptions, type WriteSlackExportResult, writeSlackExport } from './export-writer.js';
export type { MethodStats, RetryAfterClock } from './http-server.js';
export { METHODS, pageSpec, SlackApiError } from './methods.js';
export { METHOD_TIERS, perMinuteLimit, type RateLimitProfileName } from './rate-limiter.js';
export {
  DEFAULT_BOT_SCOPES,
  formatSimulatorBanner,
  type SlackSimulator,
  type SlackSimulatorOptions,
  type SlackSimulatorStats,
  startSlackSimulator,
} from './simulator.js';
export type { DisconnectReason, SocketModeStats } from './socket-mode.js';
export { generateSyntheticWorkspace, type SyntheticWorkspaceOptions } from './synthetic.js';
export { formatTs, parseTs } from './ts.js';
export type {
  SlackChannelInfo,
  SlackEvent,
  SlackFile,
  SlackMessage,
  SlackReaction,
  SlackTopic,
  SlackUser,
  SlackUserProfile,
  WorkspaceSeed,
} from './types.js';
export {
  type AddUserInput,
  type BotIdentity,
  ChannelState,
  type LazyMessageSource,
  type PostMessageInput,
  type PostReplyInput,
  SlackWorkspace,
  type TeamIdentity,
  type WorkspaceEventListener,
  type WorkspaceEventNotice,
} from './workspace.js';
