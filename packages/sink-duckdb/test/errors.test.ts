/**
 * The mapping from DuckDB errors to Sluice failure classes, on the message shapes DuckDB raises
 * (`<Type> Error: …`). Messages of the mapped errors must not echo the DuckDB text, which quotes values.
 */
import { FatalError, PermanentError, RetryableError } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { duckdbErrorType, mapWriteError } from '../src/index.js';

describe('mapWriteError', () => {
  it.each([
    ['Conversion Error: invalid timestamp field format: "secret value"', PermanentError, 'sink_record_rejected'],
    ['Constraint Error: NOT NULL constraint failed: users._key', PermanentError, 'sink_record_rejected'],
    ['Out of Range Error: value out of range', PermanentError, 'sink_record_rejected'],
    ['IO Error: Could not write file "x.duckdb.wal": No space left on device', RetryableError, 'sink_write_failed'],
    ['IO Error: Could not set lock on file "x.duckdb": Conflicting lock is held', RetryableError, 'sink_write_failed'],
    ['TransactionContext Error: Catalog write-write conflict on create', RetryableError, 'sink_write_failed'],
    ['Catalog Error: Table with name messages does not exist!', FatalError, 'sink_write_failed'],
    ['Binder Error: column "reply_count" does not exist', FatalError, 'sink_write_failed'],
    ['something odd', RetryableError, 'sink_write_failed'],
  ])('maps %s', (message, cls, code) => {
    const cause = new Error(message);
    const mapped = mapWriteError(cause, 'sink');
    expect(mapped).toBeInstanceOf(cls);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(cause);
    expect(mapped.component).toBe('sink');
    expect(mapped.message).not.toContain('secret value');
  });

  it('reads the DuckDB error type from the message prefix', () => {
    expect(duckdbErrorType(new Error('Out of Range Error: x'))).toBe('Out of Range');
    expect(duckdbErrorType(new Error('plain'))).toBeUndefined();
    expect(duckdbErrorType('Conversion Error: not an Error object')).toBeUndefined();
  });
});
