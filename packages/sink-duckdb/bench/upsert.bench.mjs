/**
 * Throughput of the DuckDB sink for batches of 1,000 messages (fresh keys, then a replay of the same
 * batches, which must be no-ops), against a baseline from the same run: the same upserts as one
 * prepared `INSERT … ON CONFLICT` per row inside one transaction per batch. Prints records/s and the
 * ratio. Run after building: `node packages/sink-duckdb/bench/upsert.bench.mjs [batches]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckdbInstancePool, DuckdbSink } from '../dist/index.js';

const BATCHES = Number(process.argv[2] ?? 20);
const SIZE = 1_000;

function batch(b) {
  return Array.from({ length: SIZE }, (_, i) => {
    const ts = `${1_700_000_000 + b}.${String(i).padStart(6, '0')}`;
    return {
      kind: 'message',
      tenant: 'bench',
      key: `C1:${ts}`,
      version: 1,
      op: 'upsert',
      channel_id: 'C1',
      ts,
      user_id: 'U1',
      posted_at: new Date((1_700_000_000 + b) * 1000 + i).toISOString(),
      text: `message number ${i} of batch ${b} with some words in it`,
      reply_count: 0,
      reactions: [{ name: 'eyes', count: 1, users: ['U1'] }],
      mentions: ['U2'],
      blocks: [{ type: 'rich_text', elements: [{ type: 'text', text: 'hi' }] }],
    };
  });
}

const batches = Array.from({ length: BATCHES }, (_, b) => batch(b));
const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
try {
  const sink = await DuckdbSink.open({
    path: join(dir, 'sink.duckdb'),
    tenant: 'bench',
    pool: new DuckdbInstancePool(),
  });
  let t = performance.now();
  for (const records of batches) await sink.write(records);
  const sinkMs = performance.now() - t;
  t = performance.now();
  for (const records of batches) await sink.write(records);
  const replayMs = performance.now() - t;
  await sink.close();

  // Baseline: row-by-row upserts of the same columns, one transaction per batch.
  const instance = await DuckDBInstance.create(join(dir, 'rows.duckdb'));
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE messages (_tenant VARCHAR, _key VARCHAR, _version BIGINT, _deleted BOOLEAN,
    _written_at TIMESTAMPTZ, channel_id VARCHAR, ts VARCHAR, user_id VARCHAR, posted_at TIMESTAMPTZ, text VARCHAR,
    reply_count BIGINT, reactions JSON, mentions JSON, blocks JSON, PRIMARY KEY (_tenant, _key))`);
  const stmt = await conn.prepare(`INSERT INTO messages VALUES ($1, $2, $3, false, now(), $4, $5, $6,
    CAST($7 AS TIMESTAMPTZ), $8, $9, CAST($10 AS JSON), CAST($11 AS JSON), CAST($12 AS JSON))
    ON CONFLICT (_tenant, _key) DO UPDATE SET _version = excluded._version, text = excluded.text
    WHERE excluded._version > messages._version`);
  // Row-by-row is so slow that a few batches give a stable rate.
  const baselineBatches = batches.slice(0, 3);
  t = performance.now();
  for (const records of baselineBatches) {
    await conn.run('BEGIN');
    for (const r of records) {
      stmt.bind([
        r.tenant,
        r.key,
        BigInt(r.version),
        r.channel_id,
        r.ts,
        r.user_id,
        r.posted_at,
        r.text,
        BigInt(r.reply_count),
        JSON.stringify(r.reactions),
        JSON.stringify(r.mentions),
        JSON.stringify(r.blocks),
      ]);
      await stmt.run();
    }
    await conn.run('COMMIT');
  }
  const rowsMs = performance.now() - t;
  conn.closeSync();
  instance.closeSync();

  const rate = (ms, n = BATCHES) => Math.round((n * SIZE) / (ms / 1000));
  console.log(`batches of ${SIZE} x ${BATCHES}`);
  console.log(`sink (appender + one upsert per batch): ${rate(sinkMs)} records/s`);
  console.log(`sink replay (all no-ops):               ${rate(replayMs)} records/s`);
  console.log(`baseline (row-by-row prepared upsert):  ${rate(rowsMs, baselineBatches.length)} records/s`);
  console.log(
    `ratio sink / baseline:                  ${(rate(sinkMs) / rate(rowsMs, baselineBatches.length)).toFixed(1)}x`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
