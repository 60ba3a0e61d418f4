/**
 * Slack sources for Sluice: history backfill (`SlackHistorySource`), Socket Mode live events
 * (`SlackLiveSource`), both composed as the `slack` plugin, and workspace exports (`slack-export`).
 * Normalisation from Slack objects to canonical records is exported for tools and tests.
 */
export type { ExportArchive, ExportConversation } from './export-archive.js';
export { listExportConversations, openSlackExport, SlackExportError } from './export-archive.js';
export type { ExportCheckpoint, SlackExportConfig, SlackExportSourceOptions } from './export-source.js';
export { exportPartition, SlackExportConfigSchema, SlackExportSource, slackExportSource } from './export-source.js';
export type { HistoryCheckpoint, SlackHistorySourceOptions } from './history-source.js';
export {
  historyPartition,
  LEFT_NAMESPACE,
  MESSAGE_VERSIONS_NAMESPACE,
  SlackHistorySource,
  THREADS_NAMESPACE,
} from './history-source.js';
export type { SlackLiveSourceOptions } from './live-source.js';
export { LIVE_NAMESPACE, SlackLiveSource } from './live-source.js';
export { mergeAsyncIterables } from './merge.js';
export type { ChannelContext, MessageContext, SlackObject, UserContext } from './normalize.js';
export {
  auditRecord,
  compareTs,
  deletedMessageRecord,
  extractMentions,
  isSlackTs,
  microsToTs,
  normalizeChannel,
  normalizeFiles,
  normalizeMessage,
  normalizeReactions,
  normalizeUser,
} from './normalize.js';
export type { RateLimitProfile, SchedulerOptions, SchedulerStats } from './rate-limit.js';
export {
  methodBudget,
  pageSizeFor,
  RateLimitExhaustedError,
  RateLimitedSignal,
  SLACK_METHOD_TIERS,
  SlackMethodScheduler,
} from './rate-limit.js';
export type { SlackApiOptions, SlackResult } from './slack-api.js';
export { CHANNEL_GONE_ERRORS, isChannelGone, SlackApi, SlackPlatformError } from './slack-api.js';
export type { SlackSourceConfig, SlackSourceOptions } from './slack-source.js';
export { SlackSource, SlackSourceConfigSchema, slackSource } from './slack-source.js';
