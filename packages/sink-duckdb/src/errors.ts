/**
 * Maps DuckDB failures to Sluice's failure classes, so the core does the right thing: a value DuckDB
 * cannot store is the record's fault (permanent: the core bisects the batch down to it and dead-letters
 * it), IO, lock and transaction conflicts are transient (retry), and a broken catalog stops the pipeline.
 * DuckDB messages quote the offending value, so it is only ever kept as `cause`, never in our message.
 */
import { FatalError, PermanentError, RetryableError, type SluiceError } from '@sluice/core';

/** DuckDB error classes (the `<Type> Error:` prefix of its messages) that a single bad value causes. */
const PERMANENT = new Set(['Conversion', 'Constraint', 'Out of Range', 'Invalid Input', 'Mismatch Type']);
/** The statement no longer matches the tables: someone changed them under us. */
const FATAL = new Set(['Catalog', 'Binder', 'Dependency', 'Serialization', 'Internal', 'Fatal']);

/** The DuckDB error class of an error (`Conversion`, `IO`, …), or `undefined` for anything else. */
export function duckdbErrorType(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /^([A-Za-z][A-Za-z ]*?) Error:/.exec(error.message);
  return match?.[1];
}

/** Whether an error is DuckDB failing to take the database file lock (another process holds it). */
function isLockError(error: unknown): boolean {
  return error instanceof Error && /Could not set lock on file|Conflicting lock/i.test(error.message);
}

/**
 * Wraps a DuckDB error raised while writing a batch. `component` is the sink's id for error reports.
 * @example
 * mapWriteError(new Error('Conversion Error: invalid timestamp'), 'sink') instanceof PermanentError; // true
 */
export function mapWriteError(error: unknown, component: string): SluiceError {
  const type = duckdbErrorType(error);
  const what = type === undefined ? 'an unexpected error' : `a ${type} error`;
  if (type !== undefined && PERMANENT.has(type)) {
    return new PermanentError('sink_record_rejected', `DuckDB rejected a record of the batch with ${what}`, {
      cause: error,
      component,
    });
  }
  if (type !== undefined && FATAL.has(type)) {
    return new FatalError('sink_write_failed', `DuckDB tables do not accept the upsert (${what}); check the schema`, {
      cause: error,
      component,
    });
  }
  // Anything else is treated as transient (IO, the file lock, a conflicting writer, memory pressure):
  // the core retries with backoff and turns it fatal after its last attempt.
  return new RetryableError('sink_write_failed', `DuckDB write failed with ${what}; will retry`, {
    cause: error,
    component,
  });
}

/** Wraps a failure to open or prepare the database: lock errors are retryable, others fatal. */
export function mapOpenError(error: unknown, component: string, path: string): SluiceError {
  if (isLockError(error)) {
    return new RetryableError('sink_write_failed', `DuckDB file ${path} is locked by another process`, {
      cause: error,
      component,
    });
  }
  const type = duckdbErrorType(error);
  return new FatalError(
    'sink_write_failed',
    `cannot open DuckDB database ${path}${type === undefined ? '' : ` (${type} error)`}`,
    { cause: error, component },
  );
}
