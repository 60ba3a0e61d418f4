/**
 * Behaviour of the DuckDB sink against a real embedded database in a temp directory: derived tables,
 * newest-wins idempotent upserts, tombstones, per-tenant schemas, retention and error classes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  createMemoryStateStore,
  createPipeline,
  createServiceRegistry,
  FatalError,
  PermanentError,
  type PluginContext,
  RECORD_KINDS,
  recordFields,
  type SluiceRecord,
  silentLogger,
} from '@sluice/core';
import { audit, channel, deletion, message, user } from '@sluice/testkit/records';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckdbInstancePool, DuckdbSink, duckdbSink, TABLE_NAMES } from '../src/index.js';

let dir: string;
let pool: DuckdbInstancePool;
const open: DuckdbSink[] = [];
const conns: DuckDBConnection[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-duckdb-'));
  pool = new DuckdbInstancePool();
});

afterEach(async () => {
  for (const c of conns.splice(0)) c.closeSync();
  for (const s of open.splice(0)) await s.close();
  expect(pool.openPaths()).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

async function openSink(tenant = 'acme', file = 'db.duckdb', schema?: string): Promise<DuckdbSink> {
  const sink = await DuckdbSink.open({
    path: join(dir, file),
    tenant,
    pool,
    ...(schema === undefined ? {} : { schema }),
  });
  open.push(sink);
  return sink;
}

async function rows(sink: DuckdbSink, sql: string): Promise<Record<string, unknown>[]> {
  const conn = await sink.instance.connect();
  conns.push(conn);
  await conn.run(`SET TimeZone = 'UTC'`);
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

describe('DuckdbSink tables', () => {
  it('derives one table per kind from recordFields, with the meta columns and mapped types', async () => {
    const sink = await openSink();
    const columns = await rows(
      sink,
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'tenant_acme'`,
    );
    const typeOf = (table: string, column: string) =>
      columns.find((c) => c.table_name === table && c.column_name === column)?.data_type;
    for (const kind of RECORD_KINDS) {
      const table = TABLE_NAMES[kind];
      for (const f of recordFields(kind)) {
        if (['kind', 'tenant', 'key', 'version', 'op'].includes(f.name)) continue;
        expect(typeOf(table, f.name), `${table}.${f.name}`).toBeDefined();
      }
      expect(typeOf(table, '_tenant')).toBe('VARCHAR');
      expect(typeOf(table, '_version')).toBe('BIGINT');
      expect(typeOf(table, '_deleted')).toBe('BOOLEAN');
      expect(typeOf(table, '_written_at')).toBe('TIMESTAMP WITH TIME ZONE');
    }
    expect(typeOf('messages', 'posted_at')).toBe('TIMESTAMP WITH TIME ZONE');
    expect(typeOf('messages', 'reply_count')).toBe('BIGINT');
    expect(typeOf('messages', 'reactions')).toBe('JSON');
    expect(typeOf('messages', 'blocks')).toBe('JSON');
    expect(typeOf('channels', 'is_private')).toBe('BOOLEAN');
    expect(typeOf('users', 'email')).toBe('VARCHAR');
    const [email] = await rows(
      sink,
      `SELECT comment FROM duckdb_columns() WHERE schema_name = 'tenant_acme' AND table_name = 'users' AND column_name = 'email'`,
    );
    expect(email?.comment).toBe('pii: Email address.');
    const views = await rows(sink, `SELECT view_name FROM duckdb_views() WHERE schema_name = 'tenant_acme'`);
    expect(views.map((v) => v.view_name).sort()).toEqual(['v_audit_events', 'v_channels', 'v_messages', 'v_users']);
  });

  it('refuses to start on a table whose column type changed, with a FatalError naming the column', async () => {
    const sink = await openSink();
    await sink.close();
    open.splice(0);
    const lease = await pool.acquire(join(dir, 'db.duckdb'));
    const conn = await lease.instance.connect();
    await conn.run('ALTER TABLE tenant_acme.messages ALTER COLUMN reply_count TYPE VARCHAR');
    conn.closeSync();
    lease.release();
    const error = await openSink().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).code).toBe('sink_write_failed');
    expect((error as FatalError).message).toMatch(/reply_count is VARCHAR, expected BIGINT/);
  });

  it('adds a column that is missing from an older table instead of failing', async () => {
    const sink = await openSink();
    await sink.close();
    open.splice(0);
    const lease = await pool.acquire(join(dir, 'db.duckdb'));
    const conn = await lease.instance.connect();
    await conn.run('ALTER TABLE tenant_acme.users DROP COLUMN tz');
    conn.closeSync();
    lease.release();
    const again = await openSink();
    await again.write([user('acme', 'U1', 1)]);
    expect(await rows(again, 'SELECT tz FROM tenant_acme.users')).toEqual([{ tz: 'Europe/Paris' }]);
  });
});

describe('DuckdbSink upserts', () => {
  it('keeps the newest version and ignores replays of the same or an older version', async () => {
    const sink = await openSink();
    await sink.write([channel('acme', 'C1', 10, { name: 'v10' })]);
    await sink.write([channel('acme', 'C1', 20, { name: 'v20' })]);
    const [before] = await rows(sink, 'SELECT name, _version, _written_at FROM tenant_acme.channels');
    expect(before).toMatchObject({ name: 'v20', _version: '20' });

    await sink.write([channel('acme', 'C1', 20, { name: 'replayed' }), channel('acme', 'C1', 15, { name: 'old' })]);
    await sink.write([channel('acme', 'C1', 10, { name: 'v10' })]);
    const after = await rows(sink, 'SELECT name, _version, _written_at FROM tenant_acme.channels');
    expect(after).toEqual([before]);
  });

  it('keeps a tombstone on delete so a late older upsert cannot resurrect the record', async () => {
    const sink = await openSink();
    const m = message('acme', 'C1', '1700000000.000100', 5, { text: 'secret plans' });
    await sink.write([m]);
    await sink.write([deletion(m, 6)]);
    const [tomb] = await rows(sink, `SELECT * FROM tenant_acme.messages`);
    expect(tomb).toMatchObject({ _key: m.key, _version: '6', _deleted: true, text: null, posted_at: null });
    for (const [column, value] of Object.entries(tomb ?? {})) {
      if (!column.startsWith('_')) expect(value, column).toBeNull();
    }
    await sink.write([m]); // at-least-once redelivery of the older upsert
    expect(await rows(sink, 'SELECT _version, _deleted, text FROM tenant_acme.messages')).toEqual([
      { _version: '6', _deleted: true, text: null },
    ]);
    expect(await rows(sink, 'SELECT count(*) AS n FROM tenant_acme.v_messages')).toEqual([{ n: '0' }]);
    // A genuinely newer version (the message was restored) does come back.
    await sink.write([{ ...m, version: 7, text: 'restored' }]);
    expect(await rows(sink, 'SELECT text FROM tenant_acme.v_messages')).toEqual([{ text: 'restored' }]);
  });

  it('dedupes duplicate keys within a batch, keeping the highest version', async () => {
    const sink = await openSink();
    await sink.write([
      user('acme', 'U1', 1, { real_name: 'one' }),
      user('acme', 'U1', 3, { real_name: 'three' }),
      user('acme', 'U2', 1, { real_name: 'other' }),
      user('acme', 'U1', 2, { real_name: 'two' }),
    ]);
    expect(await rows(sink, 'SELECT _key, real_name, _version FROM tenant_acme.users ORDER BY _key')).toEqual([
      { _key: 'U1', real_name: 'three', _version: '3' },
      { _key: 'U2', real_name: 'other', _version: '1' },
    ]);
  });

  it('prefers the delete when an upsert and a delete of one key share a version in a batch', async () => {
    const sink = await openSink();
    const c = channel('acme', 'C9', 4);
    await sink.write([deletion(c, 4), c]);
    expect(await rows(sink, 'SELECT _deleted FROM tenant_acme.channels')).toEqual([{ _deleted: true }]);
  });

  it('resolves a version tie the same way within a batch and across batches: the first write stays', async () => {
    const first = user('acme', 'U1', 5, { real_name: 'first' });
    const second = user('acme', 'U1', 5, { real_name: 'second' });
    const oneBatch = await openSink('acme', 'one.duckdb');
    await oneBatch.write([first, second]);
    const twoBatches = await openSink('acme', 'two.duckdb');
    await twoBatches.write([first]);
    await twoBatches.write([second]);
    const sql = 'SELECT real_name FROM tenant_acme.users';
    expect(await rows(oneBatch, sql)).toEqual([{ real_name: 'first' }]);
    expect(await rows(twoBatches, sql)).toEqual([{ real_name: 'first' }]);
  });

  it('lets a delete win a version tie across batches too', async () => {
    const sink = await openSink();
    const c = channel('acme', 'C9', 4);
    await sink.write([c]);
    await sink.write([deletion(c, 4)]);
    expect(await rows(sink, 'SELECT _deleted FROM tenant_acme.channels')).toEqual([{ _deleted: true }]);
  });

  it('round-trips all four kinds, with JSON columns and timestamps', async () => {
    const sink = await openSink();
    const u = user('acme', 'U1', 1, { email: 'a@example.com', is_restricted: true });
    const c = channel('acme', 'C1', 1);
    const m = message('acme', 'C1', '1700000000.000100', 1, {
      reply_users: ['U2', 'U3'],
      edited_at: '2023-11-14T22:13:20.123456+01:00',
      attachments: null,
      files: [{ id: 'F1', name: 'x.pdf', size: 10 }],
    });
    const a = audit('acme', 'A1', '2024-01-02T03:04:05.006Z');
    expect(await sink.write([u, c, m, a])).toBeUndefined();

    expect(await rows(sink, 'SELECT user_id, email, is_bot, is_restricted, tz FROM tenant_acme.v_users')).toEqual([
      { user_id: 'U1', email: 'a@example.com', is_bot: false, is_restricted: true, tz: 'Europe/Paris' },
    ]);
    expect(await rows(sink, 'SELECT name, num_members, epoch_ms(created_at) AS t FROM tenant_acme.v_channels')).toEqual(
      [{ name: 'chan-c1', num_members: '12', t: String(Date.parse('2023-01-01T00:00:00Z')) }],
    );
    const [stored] = await rows(
      sink,
      `SELECT epoch_ms(posted_at) AS posted, epoch_us(edited_at) AS edited, reactions, mentions, reply_users,
              blocks, attachments, files, json_extract(reactions, '$[0].count') AS first_count
       FROM tenant_acme.v_messages`,
    );
    expect(stored?.posted).toBe(String(Date.parse(m.posted_at)));
    expect(stored?.edited).toBe(String(Date.parse('2023-11-14T21:13:20.123Z') * 1000 + 456));
    expect(JSON.parse(String(stored?.reactions))).toEqual(m.reactions);
    expect(JSON.parse(String(stored?.mentions))).toEqual(['U2']);
    expect(JSON.parse(String(stored?.reply_users))).toEqual(['U2', 'U3']);
    expect(JSON.parse(String(stored?.blocks))).toEqual(m.blocks);
    expect(stored?.attachments).toBeNull();
    expect(JSON.parse(String(stored?.files))).toEqual(m.files);
    expect(stored?.first_count).toBe('2');
    const [event] = await rows(sink, 'SELECT epoch_ms("at") AS "at", action, details FROM tenant_acme.v_audit_events');
    expect(event).toEqual({
      at: String(Date.parse(a.at)),
      action: 'channel_left',
      details: JSON.stringify({ count: 3, ids: ['C1'] }),
    });
  });
});

describe('DuckdbSink tenants and retention', () => {
  it('segments two tenants in one file, and deleteTenant removes one only', async () => {
    const acme = await openSink('acme');
    const globex = await openSink('globex');
    await acme.write([user('acme', 'U1', 1), message('acme', 'C1', '1700000000.000100', 1)]);
    await globex.write([user('globex', 'U1', 1, { real_name: 'Globex person' })]);
    expect(acme.schema).toBe('tenant_acme');
    expect(globex.schema).toBe('tenant_globex');
    expect(await rows(acme, 'SELECT real_name FROM tenant_acme.v_users')).toEqual([{ real_name: 'Person U1' }]);
    expect(await rows(globex, 'SELECT real_name FROM tenant_globex.v_users')).toEqual([{ real_name: 'Globex person' }]);

    expect(await globex.deleteTenant('acme')).toEqual({ deleted: 2 });
    expect(await rows(acme, `SELECT count(*) AS n FROM duckdb_schemas() WHERE schema_name = 'tenant_acme'`)).toEqual([
      { n: '0' },
    ]);
    expect(await rows(globex, 'SELECT count(*) AS n FROM tenant_globex.users')).toEqual([{ n: '1' }]);
    expect(await acme.deleteTenant('acme')).toEqual({ deleted: 0 });
    // The sink recreates its schema on the next write.
    await acme.write([user('acme', 'U2', 1)]);
    expect(await rows(acme, 'SELECT _key FROM tenant_acme.users')).toEqual([{ _key: 'U2' }]);
  });

  it('keeps tenants sharing an explicit schema apart by _tenant', async () => {
    const acme = await openSink('acme', 'db.duckdb', 'shared');
    const globex = await openSink('globex', 'db.duckdb', 'shared');
    await acme.write([user('acme', 'U1', 1)]);
    await globex.write([user('globex', 'U1', 1)]);
    expect(await acme.deleteTenant('acme')).toEqual({ deleted: 1 });
    expect(await rows(globex, 'SELECT _tenant, _key FROM shared.users')).toEqual([{ _tenant: 'globex', _key: 'U1' }]);
  });

  it('rejects a record of another tenant and writes the rest of the batch', async () => {
    const sink = await openSink('acme');
    const result = await sink.write([user('acme', 'U1', 1), user('globex', 'U2', 1), user('acme', 'U3', 1)]);
    expect(result?.rejected).toHaveLength(1);
    expect(result?.rejected?.[0]?.index).toBe(1);
    expect(result?.rejected?.[0]?.error).toBeInstanceOf(PermanentError);
    expect(await rows(sink, 'SELECT _tenant, _key FROM tenant_acme.users ORDER BY _key')).toEqual([
      { _tenant: 'acme', _key: 'U1' },
      { _tenant: 'acme', _key: 'U3' },
    ]);
  });

  it('applies retention to messages by posted_at and audit events by at', async () => {
    const sink = await openSink();
    await sink.write([
      message('acme', 'C1', '1600000000.000100', 1), // 2020
      message('acme', 'C1', '1700000000.000100', 1), // 2023
      audit('acme', 'A1', '2020-06-01T00:00:00Z'),
      audit('acme', 'A2', '2024-06-01T00:00:00Z'),
      user('acme', 'U1', 1, { updated_at: '2019-01-01T00:00:00Z' }),
    ]);
    const result = await sink.applyRetention('acme', new Date('2022-01-01T00:00:00Z'));
    expect(result).toEqual({ deleted: 2, messages: 1, audit_events: 1, tombstones: 0 });
    expect(await rows(sink, 'SELECT ts FROM tenant_acme.messages')).toEqual([{ ts: '1700000000.000100' }]);
    expect(await rows(sink, 'SELECT _key FROM tenant_acme.audit_events')).toEqual([{ _key: 'A2' }]);
    expect(await rows(sink, 'SELECT count(*) AS n FROM tenant_acme.users')).toEqual([{ n: '1' }]);
  });

  it('purges tombstones written before the cutoff, from every table', async () => {
    const sink = await openSink();
    const u = user('acme', 'U1', 1);
    const c = channel('acme', 'C1', 1);
    await sink.write([deletion(u, 2), c]);
    expect(await sink.applyRetention('acme', new Date('2000-01-01T00:00:00Z'))).toMatchObject({ tombstones: 0 });
    const result = await sink.applyRetention('acme', new Date(Date.now() + 60_000));
    expect(result).toEqual({ deleted: 1, messages: 0, audit_events: 0, tombstones: 1 });
    expect(await rows(sink, 'SELECT count(*) AS n FROM tenant_acme.users')).toEqual([{ n: '0' }]);
    expect(await rows(sink, 'SELECT count(*) AS n FROM tenant_acme.channels')).toEqual([{ n: '1' }]);
  });
});

describe('DuckdbSink errors', () => {
  it('throws a PermanentError for a value DuckDB cannot convert, and writes nothing of the batch', async () => {
    const sink = await openSink();
    const bad = message('acme', 'C1', '1700000000.000200', 1, { posted_at: 'not-a-date' });
    const error = await sink.write([user('acme', 'U1', 1), bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('sink_record_rejected');
    expect((error as PermanentError).cause).toBeInstanceOf(Error);
    expect((error as PermanentError).message).not.toContain('not-a-date');
    expect(await rows(sink, 'SELECT count(*) AS n FROM tenant_acme.users')).toEqual([{ n: '0' }]);
    // The connection is usable again after the rollback.
    await sink.write([user('acme', 'U1', 1)]);
    expect(await rows(sink, 'SELECT count(*) AS n FROM tenant_acme.users')).toEqual([{ n: '1' }]);
  });

  it('rejects a record whose value has the wrong JS type without failing the batch', async () => {
    const sink = await openSink();
    const bad = channel('acme', 'C2', 1, { num_members: 1.5 });
    const result = await sink.write([channel('acme', 'C1', 1), bad]);
    expect(result?.rejected?.map((r) => r.index)).toEqual([1]);
    const error = result?.rejected?.[0]?.error;
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).message).toMatch(/num_members is not an integer/);
  });

  it('lets the core pipeline bisect a batch down to the one unconvertible record', async () => {
    const sink = await openSink();
    const records: SluiceRecord[] = Array.from({ length: 10 }, (_, i) =>
      message('acme', 'C1', `17000000${String(i).padStart(2, '0')}.000100`, 1),
    );
    records[6] = message('acme', 'C1', '1700000099.000100', 1, { posted_at: '2024-13-45T99:00:00Z' });
    const state = createMemoryStateStore();
    const pipeline = createPipeline({
      tenant: 'acme',
      pipelineId: 'acme/main',
      source: {
        id: 'source',
        instance: {
          async *read() {
            for (const record of records) yield { record };
          },
        },
      },
      transforms: [],
      sink: { id: 'sink', instance: sink },
      state,
      logger: silentLogger(),
      options: { validateRecords: false, batch: { maxRecords: 10, maxMs: 50 } },
    });
    const summary = await pipeline.run();
    expect(summary.outcome).toBe('completed');
    open.splice(open.indexOf(sink), 1); // the pipeline closed it
    const letters = await state.listDeadLetters();
    expect(letters.map((l) => [l.code, l.recordKey])).toEqual([['sink_record_rejected', records[6]?.key]]);
    const check = await openSink();
    expect(await rows(check, 'SELECT count(*) AS n FROM tenant_acme.messages')).toEqual([{ n: '9' }]);
  });

  it('fails with a FatalError when written after close', async () => {
    const sink = await openSink();
    await sink.close();
    await expect(sink.write([user('acme', 'U1', 1)])).rejects.toBeInstanceOf(FatalError);
  });
});

describe('duckdb plugin', () => {
  it('resolves the default path against baseDir and segments by the pipeline tenant', async () => {
    const ctx = {
      tenant: 'acme',
      componentId: 'sink',
      baseDir: dir,
      logger: silentLogger(),
      services: createServiceRegistry({ 'duckdb.pool': pool }),
    } as unknown as PluginContext;
    const sink = (await duckdbSink.create({}, ctx)) as DuckdbSink;
    open.push(sink);
    expect(sink.path).toBe(join(dir, '.sluice', 'acme.duckdb'));
    expect(sink.schema).toBe('tenant_acme');
    expect(duckdbSink.type).toBe('duckdb');
    expect(duckdbSink.kind).toBe('sink');
  });
});
