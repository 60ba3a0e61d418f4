/**
 * Embedded DuckDB sink for Sluice: one table per record kind in a schema per tenant, idempotent upserts
 * (newest version wins, replays are no-ops, deletes keep a tombstone), one transaction per batch, and
 * the ack after COMMIT.
 */

export { duckdbErrorType, mapWriteError } from './errors.js';
export { DUCKDB_SINK_VERSION, DuckdbSinkConfigSchema, duckdbSink } from './plugin.js';
export type { DuckdbInstanceLease } from './pool.js';
export { DuckdbInstancePool, defaultDuckdbPool } from './pool.js';
export type { DuckdbRetentionResult, DuckdbSinkOptions } from './sink.js';
export { DuckdbSink } from './sink.js';
export type { ColumnType, ContentColumn } from './tables.js';
export {
  columnTypeOf,
  contentColumns,
  META_COLUMNS,
  RETENTION_COLUMNS,
  TABLE_NAMES,
  tenantSchemaName,
} from './tables.js';
