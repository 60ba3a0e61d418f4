/**
 * The DuckDB sink: writes each batch of canonical records to one table per record kind, in a schema per
 * tenant, with one transaction per batch. Rows go through DuckDB's appender into per-connection staging
 * tables, then one `INSERT … ON CONFLICT DO UPDATE … WHERE excluded._version > _version` per kind makes
 * the write idempotent: the newest version of a key wins, and replaying a batch (at-least-once delivery)
 * changes nothing. `write` resolves only after COMMIT, which DuckDB makes durable in its WAL: that is the
 * point where the core acknowledges the records and advances checkpoints.
 */
import { resolve } from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  FatalError,
  isSluiceError,
  type Logger,
  PermanentError,
  RECORD_KINDS,
  type RecordKind,
  type SinkInstance,
  type SinkWriteResult,
  type SluiceRecord,
} from '@sluice/core';
import { duckdbErrorType, mapOpenError, mapWriteError } from './errors.js';
import { type DuckdbInstanceLease, type DuckdbInstancePool, defaultDuckdbPool } from './pool.js';
import {
  CATALOG_TYPE_NAMES,
  type ContentColumn,
  commentSql,
  contentColumns,
  createStagingSql,
  createTableSql,
  createViewSql,
  META_COLUMNS,
  quoteIdent,
  RETENTION_COLUMNS,
  stagingTableName,
  TABLE_NAMES,
  tenantSchemaName,
  upsertSql,
} from './tables.js';

export interface DuckdbSinkOptions {
  /** Database file (absolute, or relative to the working directory), or `:memory:`. */
  path: string;
  /** The tenant this sink writes for: records of any other tenant are rejected. */
  tenant: string;
  /** DuckDB schema for the tenant's tables; defaults to `tenantSchemaName(tenant)`. */
  schema?: string;
  /** Component id for errors (`sink`). */
  component?: string;
  /** Where instances are shared; defaults to the process-wide pool. */
  pool?: DuckdbInstancePool;
  logger?: Logger;
}

/** Counts returned by `applyRetention`; `deleted` is their sum. */
export interface DuckdbRetentionResult {
  deleted: number;
  messages: number;
  audit_events: number;
  /** Tombstones written before the cutoff, in any table (they hold no content, only keys). */
  tombstones: number;
}

/** One record turned into a staging row, after per-record checks. */
interface StagedRow {
  key: string;
  version: number;
  deleted: boolean;
  /** Content values in `contentColumns(kind)` order; `null` everywhere for a tombstone. */
  values: unknown[];
}

/**
 * An open DuckDB sink. Use `DuckdbSink.open` (or the `duckdb` plugin in a policy).
 * @example
 * const sink = await DuckdbSink.open({ path: ':memory:', tenant: 'acme' });
 * await sink.write([{ kind: 'channel', tenant: 'acme', key: 'C1', version: 1, op: 'upsert', channel_id: 'C1' }]);
 * await sink.close();
 */
export class DuckdbSink implements SinkInstance {
  readonly tenant: string;
  /** DuckDB schema holding this tenant's tables and views. */
  readonly schema: string;
  readonly path: string;
  private readonly component: string;
  private readonly logger: Logger | undefined;
  private readonly lease: DuckdbInstanceLease;
  private readonly conn: DuckDBConnection;
  /** Serialises every statement on the connection: DuckDB transactions are per connection. */
  private queue: Promise<unknown> = Promise.resolve();
  private ready = new Set<string>();
  private closed = false;

  private constructor(options: DuckdbSinkOptions, lease: DuckdbInstanceLease, conn: DuckDBConnection) {
    this.tenant = options.tenant;
    this.schema = options.schema ?? tenantSchemaName(options.tenant);
    this.path = options.path;
    this.component = options.component ?? 'sink';
    this.logger = options.logger;
    this.lease = lease;
    this.conn = conn;
  }

  /** Opens the database, creates (or checks) the tenant's schema, tables and views. */
  static async open(options: DuckdbSinkOptions): Promise<DuckdbSink> {
    const component = options.component ?? 'sink';
    const path = options.path === ':memory:' ? options.path : resolve(options.path);
    let lease: DuckdbInstanceLease;
    let conn: DuckDBConnection;
    try {
      lease = await (options.pool ?? defaultDuckdbPool).acquire(path);
    } catch (error) {
      throw mapOpenError(error, component, path);
    }
    try {
      conn = await lease.instance.connect();
    } catch (error) {
      lease.release();
      throw mapOpenError(error, component, path);
    }
    const sink = new DuckdbSink({ ...options, path }, lease, conn);
    try {
      await conn.run(`SET TimeZone = 'UTC'`);
      for (const kind of RECORD_KINDS) await conn.run(createStagingSql(kind));
      await sink.prepareSchema(sink.schema);
    } catch (error) {
      conn.closeSync();
      lease.release();
      throw isSluiceError(error) ? error : mapOpenError(error, component, path);
    }
    return sink;
  }

  /** The DuckDB instance, for read queries through your own connection (`await sink.instance.connect()`). */
  get instance(): DuckDBInstance {
    return this.lease.instance;
  }

  /**
   * Writes a batch in one transaction and resolves after COMMIT. Records that cannot be stored as they
   * are (wrong tenant, a value of the wrong JS type) come back in `rejected`; the rest are written.
   */
  write(batch: readonly SluiceRecord[]): Promise<SinkWriteResult | undefined> {
    return this.exclusive(() => this.writeNow(batch));
  }

  /** Removes every row (live or tombstone) of a tenant from its schema; drops the schema once empty. */
  deleteTenant(tenant: string): Promise<{ deleted: number }> {
    return this.exclusive(async () => {
      const schema = this.schemaOf(tenant);
      if (!(await this.schemaExists(schema))) return { deleted: 0 };
      let deleted = 0;
      let remaining = 0;
      await this.transaction(async () => {
        for (const kind of RECORD_KINDS) {
          const table = `${quoteIdent(schema)}.${quoteIdent(TABLE_NAMES[kind])}`;
          deleted += (await this.conn.run(`DELETE FROM ${table} WHERE _tenant = $1`, [tenant])).rowsChanged;
          remaining += Number(await this.scalar(`SELECT count(*) FROM ${table}`));
        }
        // Another tenant may share the schema (explicit `schema`, or names that sanitise alike).
        if (remaining === 0) await this.conn.run(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
      });
      if (remaining === 0) this.ready.delete(schema);
      await this.checkpoint();
      return { deleted };
    });
  }

  /**
   * Deletes messages posted and audit events that happened before `olderThan`, and tombstones written
   * before it (users and channels have no event time and are kept).
   */
  applyRetention(tenant: string, olderThan: Date): Promise<DuckdbRetentionResult> {
    return this.exclusive(async () => {
      const result: DuckdbRetentionResult = { deleted: 0, messages: 0, audit_events: 0, tombstones: 0 };
      const schema = this.schemaOf(tenant);
      if (!(await this.schemaExists(schema))) return result;
      const cutoff = olderThan.toISOString();
      await this.transaction(async () => {
        for (const kind of RECORD_KINDS) {
          const table = `${quoteIdent(schema)}.${quoteIdent(TABLE_NAMES[kind])}`;
          const column = RETENTION_COLUMNS[kind];
          if (column !== undefined) {
            const sql = `DELETE FROM ${table} WHERE _tenant = $1 AND ${quoteIdent(column)} < CAST($2 AS TIMESTAMPTZ)`;
            const n = (await this.conn.run(sql, [tenant, cutoff])).rowsChanged;
            if (kind === 'message') result.messages = n;
            if (kind === 'audit') result.audit_events = n;
          }
          const tombstones = `DELETE FROM ${table} WHERE _tenant = $1 AND _deleted AND _written_at < CAST($2 AS TIMESTAMPTZ)`;
          result.tombstones += (await this.conn.run(tombstones, [tenant, cutoff])).rowsChanged;
        }
      });
      result.deleted = result.messages + result.audit_events + result.tombstones;
      if (result.deleted > 0) await this.checkpoint();
      return result;
    });
  }

  /** Closes the connection, and the instance once no other sink of the process uses the file. */
  close(): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      this.closed = true;
      this.conn.closeSync();
      this.lease.release();
    });
  }

  private async writeNow(batch: readonly SluiceRecord[]): Promise<SinkWriteResult | undefined> {
    if (this.closed) throw new FatalError('sink_write_failed', 'DuckDB sink is closed', { component: this.component });
    const rejected: Array<{ index: number; error: unknown }> = [];
    const byKind = new Map<RecordKind, Map<string, StagedRow>>();
    batch.forEach((record, index) => {
      const staged = this.stage(record);
      if (staged instanceof PermanentError) {
        rejected.push({ index, error: staged });
        return;
      }
      const { kind, row } = staged;
      const rows = byKind.get(kind) ?? new Map<string, StagedRow>();
      byKind.set(kind, rows);
      // One upsert statement must not carry a key twice: DuckDB 1.5 silently keeps an arbitrary one of
      // them (older versions reject the statement). Keep the newest version; on a tie the first one
      // stays, as across batches, except that a delete wins (the upsert's WHERE does the same).
      const seen = rows.get(row.key);
      if (!seen || row.version > seen.version || (row.version === seen.version && row.deleted && !seen.deleted)) {
        rows.set(row.key, row);
      }
    });
    for (let attempt = 1; byKind.size > 0; attempt++) {
      try {
        await this.prepareSchema(this.schema);
        for (const [kind, rows] of byKind) await this.fillStaging(kind, rows.values());
        await this.transaction(async () => {
          for (const kind of byKind.keys()) await this.conn.run(upsertSql(this.schema, kind));
        });
        break;
      } catch (error) {
        if (isSluiceError(error)) throw error;
        if (attempt === 1 && duckdbErrorType(error) === 'Catalog') {
          // The schema was dropped since we prepared it (deleteTenant by another sink): recreate it.
          this.ready.delete(this.schema);
          continue;
        }
        // A statement failing because the tables changed under us must stop the pipeline, not send
        // every record to dead letters one by one.
        await this.checkColumns(this.schema, false).catch((checkError: unknown) => {
          if (isSluiceError(checkError)) throw checkError;
        });
        throw mapWriteError(error, this.component);
      }
    }
    return rejected.length > 0 ? { rejected } : undefined;
  }

  /** Checks one record and turns it into a staging row, or says why it cannot be stored. */
  private stage(record: SluiceRecord): { kind: RecordKind; row: StagedRow } | PermanentError {
    const reject = (why: string) =>
      new PermanentError('sink_record_rejected', `DuckDB sink rejected a record: ${why}`, {
        component: this.component,
      });
    const r = record as Partial<Record<string, unknown>>;
    const kind = r.kind;
    if (typeof kind !== 'string' || !(RECORD_KINDS as readonly string[]).includes(kind)) {
      return reject('unknown record kind');
    }
    // Fail closed: a sink segmented per tenant never stores another tenant's record.
    if (r.tenant !== this.tenant) return reject(`record tenant is not the sink's tenant (${this.tenant})`);
    if (typeof r.key !== 'string' || r.key === '') return reject('key is missing');
    if (typeof r.version !== 'number' || !Number.isSafeInteger(r.version) || r.version < 0) {
      return reject('version is not a non-negative integer');
    }
    if (r.op !== 'upsert' && r.op !== 'delete') return reject('op is neither upsert nor delete');
    const columns = contentColumns(kind as RecordKind);
    const deleted = r.op === 'delete';
    const values: unknown[] = new Array(columns.length).fill(null);
    if (!deleted) {
      for (let i = 0; i < columns.length; i++) {
        const column = columns[i] as ContentColumn;
        const value = toStagingValue(column, r[column.name]);
        if (value instanceof TypeMismatch) return reject(`field ${column.name} is not ${value.expected}`);
        values[i] = value;
      }
    }
    return { kind: kind as RecordKind, row: { key: r.key, version: r.version, deleted, values } };
  }

  /** Empties the kind's staging table and appends the rows with DuckDB's appender. */
  private async fillStaging(kind: RecordKind, rows: Iterable<StagedRow>): Promise<void> {
    const staging = stagingTableName(kind);
    await this.conn.run(`DELETE FROM temp.main.${quoteIdent(staging)}`);
    const columns = contentColumns(kind);
    const appender = await this.conn.createAppender(staging, 'main', 'temp');
    try {
      for (const row of rows) {
        appender.appendVarchar(this.tenant);
        appender.appendVarchar(row.key);
        appender.appendBigInt(BigInt(row.version));
        appender.appendBoolean(row.deleted);
        for (let i = 0; i < columns.length; i++) appendValue(appender, columns[i] as ContentColumn, row.values[i]);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** Creates the schema, tables and views if missing, adds new columns, and refuses changed ones. */
  private async prepareSchema(schema: string): Promise<void> {
    if (this.ready.has(schema)) return;
    await this.conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await this.checkColumns(schema, true);
    for (const kind of RECORD_KINDS) {
      await this.conn.run(createTableSql(schema, kind));
      await this.conn.run(createViewSql(schema, kind));
      for (const sql of commentSql(schema, kind)) await this.conn.run(sql);
    }
    this.ready.add(schema);
  }

  /**
   * Compares existing tables with the record schemas. A column whose type changed, or that records no
   * longer carry (it would keep stale content past a tombstone), is a FatalError; with `addMissing`, a
   * field new to the schema is added as a nullable column.
   */
  private async checkColumns(schema: string, addMissing: boolean): Promise<void> {
    const reader = await this.conn.runAndReadAll(
      'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1',
      [schema],
    );
    const existing = new Map<string, Map<string, string>>();
    for (const [table, column, type] of reader.getRowsJson() as string[][]) {
      const t = table as string;
      if (!existing.has(t)) existing.set(t, new Map());
      existing.get(t)?.set(column as string, type as string);
    }
    for (const kind of RECORD_KINDS) {
      const tableName = TABLE_NAMES[kind];
      const actual = existing.get(tableName);
      if (!actual) continue;
      const expected = new Map<string, string>([
        ...META_COLUMNS.map((c): [string, string] => [c.name, CATALOG_TYPE_NAMES[c.type]]),
        ...contentColumns(kind).map((c): [string, string] => [c.name, CATALOG_TYPE_NAMES[c.type]]),
      ]);
      const problems: string[] = [];
      for (const [name, type] of actual) {
        const want = expected.get(name);
        if (want === undefined) problems.push(`column ${name} is not a field of ${kind} records`);
        else if (want !== type) problems.push(`column ${name} is ${type}, expected ${want}`);
      }
      if (problems.length > 0) {
        throw new FatalError(
          'sink_write_failed',
          `DuckDB table ${schema}.${tableName} does not match the ${kind} record schema: ${problems.join('; ')}. ` +
            'Migrate or drop the table (sluice never rewrites existing columns).',
          { component: this.component },
        );
      }
      if (!addMissing) continue;
      for (const column of contentColumns(kind)) {
        if (actual.has(column.name)) continue;
        await this.conn.run(
          `ALTER TABLE ${quoteIdent(schema)}.${quoteIdent(tableName)} ADD COLUMN ${quoteIdent(column.name)} ${column.type}`,
        );
        this.logger?.info({ table: `${schema}.${tableName}`, column: column.name }, 'added column to DuckDB table');
      }
    }
  }

  private schemaOf(tenant: string): string {
    return tenant === this.tenant ? this.schema : tenantSchemaName(tenant);
  }

  private async schemaExists(schema: string): Promise<boolean> {
    return Number(await this.scalar('SELECT count(*) FROM duckdb_schemas() WHERE schema_name = $1', [schema])) > 0;
  }

  private async scalar(sql: string, values: string[] = []): Promise<unknown> {
    const reader = await this.conn.runAndReadAll(sql, values);
    return reader.getRowsJson()[0]?.[0];
  }

  /** Runs `fn` between BEGIN and COMMIT; rolls back on any error. Resolves only after COMMIT. */
  private async transaction(fn: () => Promise<void>): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      await fn();
      await this.conn.run('COMMIT');
    } catch (error) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Folds the WAL into the database file, so deleted rows leave the log; best effort. */
  private async checkpoint(): Promise<void> {
    await this.conn.run('CHECKPOINT').catch((error: unknown) => {
      this.logger?.warn({ error: String(error) }, 'DuckDB checkpoint after delete failed; it will happen later');
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      if (isSluiceError(error)) throw error;
      throw mapWriteError(error, this.component);
    });
  }
}

/** Marks a value whose JS type does not fit its column. */
class TypeMismatch {
  constructor(readonly expected: string) {}
}

/** Converts a record value for its staging column; timestamps and JSON stay text for DuckDB to parse. */
function toStagingValue(column: ContentColumn, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'VARCHAR':
      return typeof value === 'string' ? value : new TypeMismatch('a string');
    case 'TIMESTAMPTZ':
      if (value instanceof Date) return value.toISOString();
      return typeof value === 'string' ? value : new TypeMismatch('a date-time string');
    case 'BIGINT':
      return typeof value === 'number' && Number.isSafeInteger(value) ? value : new TypeMismatch('an integer');
    case 'DOUBLE':
      return typeof value === 'number' && Number.isFinite(value) ? value : new TypeMismatch('a finite number');
    case 'BOOLEAN':
      return typeof value === 'boolean' ? value : new TypeMismatch('a boolean');
    case 'JSON':
      return JSON.stringify(value);
  }
}

function appendValue(appender: DuckDBAppender, column: ContentColumn, value: unknown): void {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (column.type) {
    case 'BIGINT':
      appender.appendBigInt(BigInt(value as number));
      return;
    case 'DOUBLE':
      appender.appendDouble(value as number);
      return;
    case 'BOOLEAN':
      appender.appendBoolean(value as boolean);
      return;
    default:
      appender.appendVarchar(value as string);
  }
}
