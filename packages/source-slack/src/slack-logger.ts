/**
 * An adapter from the Slack clients' logger interface to ours. The clients log at info by default and
 * can echo request details at debug; routing them through our pino logger (with its redaction of
 * tokens and content fields) keeps their output structured and keeps secrets out of it.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '@sluice/core';

export function slackLogger(logger: Logger | undefined, component: string): SlackLogger {
  let level = LogLevel.WARN;
  const rank = { [LogLevel.ERROR]: 0, [LogLevel.WARN]: 1, [LogLevel.INFO]: 2, [LogLevel.DEBUG]: 3 } as const;
  const log =
    (method: 'debug' | 'info' | 'warn' | 'error', at: LogLevel) =>
    (...msg: unknown[]) => {
      // Non-string arguments are reduced to their type: they can carry request bodies.
      if (rank[at] > rank[level]) return;
      logger?.[method]({ component }, msg.map((m) => (typeof m === 'string' ? m : typeof m)).join(' '));
    };
  return {
    debug: log('debug', LogLevel.DEBUG),
    info: log('info', LogLevel.INFO),
    warn: log('warn', LogLevel.WARN),
    error: log('error', LogLevel.ERROR),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
