/**
 * The `duckdb` sink plugin: the embedded default store. A policy names it with `use: duckdb`; its
 * config is validated against `configSchema` before `create` runs. Storage is segmented per tenant (a
 * DuckDB schema each) and every write is an idempotent upsert acknowledged after COMMIT.
 */
import { join, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineSink } from '@sluice/core';
import type { DuckdbInstancePool } from './pool.js';
import { DuckdbSink } from './sink.js';

export const DUCKDB_SINK_VERSION = '0.1.0';

export const DuckdbSinkConfigSchema = Type.Object(
  {
    path: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Database file, relative to the policy file; `:memory:` for a throwaway database. Default `.sluice/<tenant>.duckdb`.',
      }),
    ),
    schema: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$',
        description: "DuckDB schema for the tenant's tables and views. Default `tenant_<tenant>` (sanitised).",
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Embedded DuckDB sink. Service `duckdb.pool` (a `DuckdbInstancePool`), when the pipeline registers one,
 * replaces the process-wide pool of open database files.
 * @example
 * const registry = new PluginRegistry([duckdbSink]);
 * // policy: { "sink": { "use": "duckdb", "with": { "path": "warehouse.duckdb" } } }
 */
export const duckdbSink = defineSink({
  type: 'duckdb',
  version: DUCKDB_SINK_VERSION,
  summary: 'Embedded DuckDB: a schema per tenant, a table per record kind, idempotent upserts acked after COMMIT.',
  configSchema: DuckdbSinkConfigSchema,
  async create(config, ctx) {
    const path =
      config.path === ':memory:'
        ? ':memory:'
        : resolve(ctx.baseDir, config.path ?? join('.sluice', `${ctx.tenant}.duckdb`));
    const pool = ctx.services.get<DuckdbInstancePool>('duckdb.pool');
    return DuckdbSink.open({
      path,
      tenant: ctx.tenant,
      component: ctx.componentId,
      logger: ctx.logger,
      ...(config.schema === undefined ? {} : { schema: config.schema }),
      ...(pool === undefined ? {} : { pool }),
    });
  },
});
