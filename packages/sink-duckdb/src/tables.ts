/**
 * Table layout of the DuckDB sink, derived from the canonical record schemas (`recordFields(kind)`):
 * one table per record kind in a schema per tenant, content columns typed from the JSON schema, plus
 * meta columns for idempotent upserts. Nothing here hand-copies a column list, so a field added to a
 * record schema becomes a column (added in place on the next start) without touching this package.
 */
import { ENVELOPE_FIELDS, type RecordField, type RecordKind, recordFields } from '@sluice/core';

/** The DuckDB types a content column can have. */
export type ColumnType = 'VARCHAR' | 'TIMESTAMPTZ' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'JSON';

/** A content column: one field of a record kind. */
export interface ContentColumn {
  name: string;
  type: ColumnType;
  field: RecordField;
}

/** Table name of each record kind. Views are the same names prefixed with `v_`. */
export const TABLE_NAMES: Readonly<Record<RecordKind, string>> = {
  user: 'users',
  channel: 'channels',
  message: 'messages',
  audit: 'audit_events',
};

/** Event-time column per kind that retention applies to; kinds without one are kept. */
export const RETENTION_COLUMNS: Readonly<Partial<Record<RecordKind, string>>> = {
  message: 'posted_at',
  audit: 'at',
};

/** Meta columns, in table order, with their DDL. `_tenant` + `_key` is the primary key. */
export const META_COLUMNS = [
  { name: '_tenant', type: 'VARCHAR' },
  { name: '_key', type: 'VARCHAR' },
  { name: '_version', type: 'BIGINT' },
  { name: '_deleted', type: 'BOOLEAN' },
  { name: '_written_at', type: 'TIMESTAMPTZ' },
] as const;

const envelope = new Set<string>(ENVELOPE_FIELDS);

/** Maps a schema field to its DuckDB type. */
export function columnTypeOf(field: RecordField): ColumnType {
  switch (field.type) {
    case 'string':
      return field.format === 'date-time' ? 'TIMESTAMPTZ' : 'VARCHAR';
    case 'integer':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    default:
      // Arrays and free-form JSON keep their structure and stay queryable with DuckDB's JSON functions.
      return 'JSON';
  }
}

/**
 * Content columns of a kind: every schema field except the envelope (`kind` is the table, `tenant`,
 * `key`, `version` and `op` live in the meta columns `_tenant`, `_key`, `_version` and `_deleted`).
 */
export function contentColumns(kind: RecordKind): readonly ContentColumn[] {
  let columns = columnCache.get(kind);
  if (!columns) {
    columns = recordFields(kind)
      .filter((f) => !envelope.has(f.name))
      .map((f) => ({ name: f.name, type: columnTypeOf(f), field: f }));
    columnCache.set(kind, columns);
  }
  return columns;
}
// Cached: the write path looks the columns up once per record.
const columnCache = new Map<RecordKind, readonly ContentColumn[]>();

/** How DuckDB's `information_schema.columns.data_type` spells each type. */
export const CATALOG_TYPE_NAMES: Readonly<Record<ColumnType, string>> = {
  VARCHAR: 'VARCHAR',
  TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  JSON: 'JSON',
};

/** Quotes an SQL identifier (doubling embedded quotes), so any name is safe to splice into SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal. Only used for identifiers and tenant names we control, never content. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Default DuckDB schema of a tenant: `tenant_` + the tenant lower-cased with anything outside
 * `[a-z0-9_]` replaced by `_`. Two tenants that sanitise alike share a schema but never rows: every
 * table is keyed and filtered by `_tenant`.
 */
export function tenantSchemaName(tenant: string): string {
  return `tenant_${tenant.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

/** `CREATE TABLE IF NOT EXISTS` for a kind. Content columns are nullable: tombstones null them all. */
export function createTableSql(schema: string, kind: RecordKind): string {
  const cols = [
    `_tenant VARCHAR NOT NULL`,
    `_key VARCHAR NOT NULL`,
    `_version BIGINT NOT NULL`,
    `_deleted BOOLEAN NOT NULL`,
    `_written_at TIMESTAMPTZ NOT NULL`,
    ...contentColumns(kind).map((c) => `${quoteIdent(c.name)} ${c.type}`),
    'PRIMARY KEY (_tenant, _key)',
  ];
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.${quoteIdent(TABLE_NAMES[kind])} (\n  ${cols.join(',\n  ')}\n)`;
}

/**
 * Column comments carrying each field's sensitivity and description (`pii: Email address.`), so the
 * data inventory travels with the database and shows up in any SQL client.
 */
export function commentSql(schema: string, kind: RecordKind): string[] {
  const table = `${quoteIdent(schema)}.${quoteIdent(TABLE_NAMES[kind])}`;
  return [
    `COMMENT ON TABLE ${table} IS ${quoteLiteral(`Sluice ${kind} records (tombstones included; see v_${TABLE_NAMES[kind]}).`)}`,
    ...contentColumns(kind).map(
      (c) =>
        `COMMENT ON COLUMN ${table}.${quoteIdent(c.name)} IS ${quoteLiteral(`${c.field.sensitivity}: ${c.field.description}`)}`,
    ),
  ];
}

/** The view of live rows (tombstones hidden), without the tombstone flag. */
export function createViewSql(schema: string, kind: RecordKind): string {
  const table = `${quoteIdent(schema)}.${quoteIdent(TABLE_NAMES[kind])}`;
  const cols = ['_tenant', '_key', '_version', '_written_at', ...contentColumns(kind).map((c) => c.name)]
    .map(quoteIdent)
    .join(', ');
  return `CREATE OR REPLACE VIEW ${quoteIdent(schema)}.${quoteIdent(`v_${TABLE_NAMES[kind]}`)} AS SELECT ${cols} FROM ${table} WHERE NOT _deleted`;
}

/** Staging table (temporary, per connection) that the appender fills before the upsert. */
export function stagingTableName(kind: RecordKind): string {
  return `sluice_stage_${TABLE_NAMES[kind]}`;
}

/**
 * Staging column type: typed where the JS value maps exactly (checked in JS, per record), VARCHAR where
 * DuckDB must parse (timestamps, JSON) so that its conversion errors surface in the upsert statement.
 */
export function stagingTypeOf(type: ColumnType): 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' {
  return type === 'BIGINT' || type === 'DOUBLE' || type === 'BOOLEAN' ? type : 'VARCHAR';
}

export function createStagingSql(kind: RecordKind): string {
  const cols = [
    '_tenant VARCHAR',
    '_key VARCHAR',
    '_version BIGINT',
    '_deleted BOOLEAN',
    ...contentColumns(kind).map((c) => `${quoteIdent(c.name)} ${stagingTypeOf(c.type)}`),
  ];
  return `CREATE TEMP TABLE IF NOT EXISTS ${quoteIdent(stagingTableName(kind))} (${cols.join(', ')})`;
}

/**
 * The single upsert statement of a kind: staged rows are cast to the table types and inserted; a row
 * whose key exists replaces it only if its version is strictly newer, so replays are no-ops.
 */
export function upsertSql(schema: string, kind: RecordKind): string {
  const table = quoteIdent(TABLE_NAMES[kind]);
  const content = contentColumns(kind);
  const targets = ['_tenant', '_key', '_version', '_deleted', '_written_at', ...content.map((c) => c.name)].map(
    quoteIdent,
  );
  const selects = [
    '_tenant',
    '_key',
    '_version',
    '_deleted',
    'now()',
    ...content.map((c) =>
      c.type === stagingTypeOf(c.type) ? quoteIdent(c.name) : `CAST(${quoteIdent(c.name)} AS ${c.type})`,
    ),
  ];
  const updates = ['_version', '_deleted', '_written_at', ...content.map((c) => c.name)]
    .map((name) => `${quoteIdent(name)} = excluded.${quoteIdent(name)}`)
    .join(', ');
  return (
    `INSERT INTO ${quoteIdent(schema)}.${table} (${targets.join(', ')}) ` +
    `SELECT ${selects.join(', ')} FROM temp.main.${quoteIdent(stagingTableName(kind))} ` +
    `ON CONFLICT (_tenant, _key) DO UPDATE SET ${updates} WHERE excluded._version > ${table}._version OR (excluded._version = ${table}._version AND excluded._deleted AND NOT ${table}._deleted)`
  );
}
