/**
 * Structured logging with pino. Sluice never logs record contents: components log IDs, counts and
 * error codes. As a second line of defence, any field whose name suggests content or a secret is
 * censored by pino's redaction before it is serialised.
 */
import { pino } from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Field names censored at any depth up to three levels. */
const SENSITIVE_KEYS = [
  'record',
  'records',
  'text',
  'blocks',
  'attachments',
  'files',
  'email',
  'real_name',
  'display_name',
  'title',
  'phone',
  'user_profile',
  'profile',
  'previous_message',
  'token',
  'botToken',
  'appToken',
  'authorization',
  'password',
  'secret',
  'key',
  'value',
];
const REDACT_PATHS = SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LoggerOptions {
  level?: LogLevel;
  /** Where to write; stderr by default so that stdout stays free for command output. */
  destination?: pino.DestinationStream;
  name?: string;
}

/** Creates a logger. The level defaults to `SLUICE_LOG_LEVEL` or `info`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (process.env.SLUICE_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  return pino(
    {
      name: options.name ?? 'sluice',
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: null,
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything (for tests and embedding). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
