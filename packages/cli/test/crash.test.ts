/**
 * Crash safety of `sluice run` end to end: the built binary (jsonl source → capture transforms → the
 * real DuckDB sink) is killed with SIGKILL at random moments, then restarted, 20 times; a final run
 * completes. Every input record must then be in DuckDB exactly once, with the newest version of every
 * edited record, and the tables must hold nothing else.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prng, queryDuckdb, runSluiceOk } from './helpers.js';

const runUntil = async (policy: string, cwd: string, killAfterMs: number | null) =>
  runSluiceOk(['run', policy, '--until-caught-up'], { cwd, ...(killAfterMs === null ? {} : { killAfterMs }) });

describe('sluice run under SIGKILL', () => {
  it('leaves every input record in DuckDB exactly once after 20 kill-and-restart rounds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
    const rand = prng(20261204);
    const lines: string[] = [];
    const expected = new Map<string, number>();
    const N = 6_000;
    for (let i = 0; i < N; i++) {
      const ts = `${1_700_000_000 + i}.000100`;
      // Every 10th record is later edited: a second line with the same key and a higher version.
      const record = {
        kind: 'message',
        tenant: 'acme',
        key: `C1:${ts}`,
        version: 1,
        op: 'upsert',
        channel_id: 'C1',
        ts,
        user_id: `U${i % 50}`,
        posted_at: new Date((1_700_000_000 + i) * 1000).toISOString(),
        text: `message ${i}`,
        reactions: [{ name: 'eyes', count: 1, users: ['U1'] }],
      };
      lines.push(JSON.stringify(record));
      expected.set(record.key, 1);
      if (i % 10 === 0 && i > 100) {
        const editedKey = `C1:${1_700_000_000 + i - 100}.000100`;
        lines.push(JSON.stringify({ ...record, key: editedKey, ts: editedKey.slice(3), version: 2 }));
        expected.set(editedKey, 2);
      }
    }
    writeFileSync(join(dir, 'in.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(dir, 'policy.json'),
      JSON.stringify({
        version: 1,
        tenant: 'acme',
        source: { use: 'jsonl', with: { path: 'in.jsonl' } },
        capture: { users: 'ids', messages: 'metadata' },
        sink: { use: 'duckdb', with: { path: 'warehouse.duckdb' } },
        pipeline: { batch: { maxRecords: 50, maxMs: 5 }, maxInFlight: 500 },
      }),
    );

    let kills = 0;
    for (let round = 0; round < 40 && kills < 20; round++) {
      const { killed } = await runUntil('policy.json', dir, 150 + Math.floor(rand() * 900));
      if (killed) kills++;
    }
    expect(kills).toBe(20);
    await runUntil('policy.json', dir, null);

    const rows = await queryDuckdb<{ _key: string; _version: string; n: string }>(
      join(dir, 'warehouse.duckdb'),
      'SELECT _key, _version, count(*) OVER (PARTITION BY _key) AS n FROM tenant_acme.messages',
    );
    expect(rows.length).toBe(expected.size);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    const got = new Map(rows.map((r) => [r._key, Number(r._version)]));
    const wrong = [...expected].filter(([key, version]) => got.get(key) !== version);
    expect(wrong).toEqual([]);
  }, 240_000);
});
