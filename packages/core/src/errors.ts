/**
 * Sluice's error model. Every error the SDK raises is a `SluiceError` with a machine-readable `code`
 * and a failure class that tells the pipeline what to do: retry with backoff (`retryable`), send the
 * record to dead letters and move on (`permanent`), or stop the pipeline (`fatal`). Messages of
 * SluiceErrors must never contain record content: they may reach logs and dead-letter entries.
 */

/** What the pipeline does with a failure. */
export type FailureClass = 'retryable' | 'permanent' | 'fatal';

/** Every error code the SDK and its built-in plugins raise. Plugins may use `plugin_error`. */
export type SluiceErrorCode =
  // policies and configuration
  | 'policy_not_found'
  | 'policy_parse_error'
  | 'policy_invalid'
  | 'config_env_missing'
  | 'plugin_not_found'
  | 'plugin_load_failed'
  | 'plugin_invalid'
  | 'plugin_config_invalid'
  // records flowing through the pipeline
  | 'record_invalid'
  | 'transform_failed'
  | 'sink_write_failed'
  | 'sink_record_rejected'
  | 'source_read_failed'
  | 'upstream_unavailable'
  | 'rate_limited'
  // keys and tokens
  | 'key_unavailable'
  | 'key_disabled'
  | 'key_destroyed'
  | 'key_missing'
  | 'kms_error'
  | 'token_invalid'
  | 'detokenize_not_allowed'
  // runtime
  | 'state_store_failed'
  | 'shutdown_deadline_exceeded'
  | 'pipeline_failed'
  | 'plugin_error';

export interface SluiceErrorOptions {
  cause?: unknown;
  /** Component (plugin instance id) the error belongs to, e.g. `transforms[1]` or `sink`. */
  component?: string;
}

/** Base class of every error raised by Sluice. Test with `instanceof` and `code`, never message text. */
export abstract class SluiceError extends Error {
  abstract readonly failure: FailureClass;
  readonly code: SluiceErrorCode;
  readonly component: string | undefined;

  constructor(code: SluiceErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.component = options.component;
  }
}

/** A transient failure (network, 429, 5xx): retry with backoff, honouring `retryAfterMs` when given. */
export class RetryableError extends SluiceError {
  readonly failure = 'retryable' as const;
  readonly retryAfterMs: number | undefined;
  constructor(code: SluiceErrorCode, message: string, options: SluiceErrorOptions & { retryAfterMs?: number } = {}) {
    super(code, message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A failure specific to one record: it goes to dead letters (redacted), is acked, and the pipeline goes on. */
export class PermanentError extends SluiceError {
  readonly failure = 'permanent' as const;
}

/** A failure that must stop the pipeline (missing key, broken sink, corrupt state): fail closed. */
export class FatalError extends SluiceError {
  readonly failure = 'fatal' as const;
}

/** One problem found in a policy or a plugin config, as data (zod-style). */
export interface ConfigIssue {
  /** JSON pointer into the validated document, e.g. `/transforms/1/with/entities`. */
  path: string;
  /** Machine-readable reason, e.g. `unknown_key`, `type`, `required`, `enum`, `plugin_not_found`. */
  code: string;
  message: string;
  hint?: string;
}

/** A policy or plugin configuration that cannot be used. Carries the file and every issue found. */
export class ConfigError extends FatalError {
  readonly file: string | undefined;
  readonly issues: readonly ConfigIssue[];
  constructor(
    code: SluiceErrorCode,
    file: string | undefined,
    issues: readonly ConfigIssue[],
    options: SluiceErrorOptions = {},
  ) {
    super(code, formatConfigIssues(file, issues), options);
    this.file = file;
    this.issues = issues;
  }
}

/** `file: /json/pointer: what is wrong (hint)`, one line per issue. */
export function formatConfigIssues(file: string | undefined, issues: readonly ConfigIssue[]): string {
  const prefix = file === undefined ? '' : `${file}: `;
  return issues
    .map(
      (issue) =>
        `${prefix}${issue.path === '' ? '/' : issue.path}: ${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`,
    )
    .join('\n');
}

/** Narrowing helper that also works across duplicated copies of this module. */
export function isSluiceError(value: unknown): value is SluiceError {
  return (
    value instanceof SluiceError ||
    (value instanceof Error &&
      typeof (value as { code?: unknown }).code === 'string' &&
      typeof (value as { failure?: unknown }).failure === 'string')
  );
}

/**
 * A message that is safe to log or store: a SluiceError's own message (which by contract holds no
 * record content), or only the class name of a foreign error, whose message might echo a payload.
 */
export function safeErrorMessage(error: unknown): string {
  if (isSluiceError(error)) return error.message;
  if (error instanceof Error) return `${error.name} (message withheld: foreign errors may carry record content)`;
  return 'non-error value thrown (withheld)';
}

/** The code to record for any thrown value. */
export function errorCodeOf(error: unknown, fallback: SluiceErrorCode): SluiceErrorCode {
  return isSluiceError(error) ? error.code : fallback;
}
