/**
 * Slack sources for Sluice: history backfill, Socket Mode live events, export archives.
 */
export {};
