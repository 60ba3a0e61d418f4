/**
 * Graceful shutdown of `sluice run` (the built binary): on SIGTERM/SIGINT it stops reading, drains what
 * is in flight into the real DuckDB sink, saves checkpoints and exits 0; the next run resumes after
 * the last committed record. The endless source is a user plugin loaded by path, as users write them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');
const CORE = join(import.meta.dirname, '..', '..', 'core', 'dist', 'index.js');

const endlessSource = `
import { defineSource } from ${JSON.stringify(CORE)};
const schema = { type: 'object', properties: {}, additionalProperties: false };
export default defineSource({
  type: 'endless', version: '1.0.0', summary: 'Counts forever', configSchema: schema,
  create: () => ({
    async *read({ checkpoints, signal }) {
      const last = checkpoints.get('n');
      for (let i = typeof last === 'number' ? last + 1 : 0; !signal.aborted; i++) {
        const ts = String(1700000000 + i) + '.000100';
        yield { record: { kind: 'message', tenant: 'acme', key: 'C1:' + ts, version: 1, op: 'upsert',
          channel_id: 'C1', ts, posted_at: new Date((1700000000 + i) * 1000).toISOString() },
          position: { partition: 'n', checkpoint: i } };
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    },
  }),
});
`;

function startRun(dir: string) {
  const child = spawn(process.execPath, [BIN, 'run', 'policy.json'], {
    cwd: dir,
    env: { ...process.env, SLUICE_LOG_LEVEL: 'info' },
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  // Signal only once the pipeline runs (startup time varies with machine load).
  const started = new Promise<void>((resolve) => {
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('pipeline started')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, started, stdout: () => stdout };
}

describe('sluice run shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'drains, checkpoints and exits 0 on %s, and resumes',
    async (signal) => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-shutdown-'));
      writeFileSync(join(dir, 'endless.mjs'), endlessSource);
      writeFileSync(
        join(dir, 'policy.json'),
        JSON.stringify({
          version: 1,
          tenant: 'acme',
          source: { use: './endless.mjs' },
          capture: { messages: 'metadata' },
          sink: { use: 'duckdb', with: { path: 'w.duckdb' } },
          pipeline: { batch: { maxRecords: 100, maxMs: 20 } },
        }),
      );
      const first = startRun(dir);
      await new Promise((r) => setTimeout(r, 2_500));
      first.child.kill(signal);
      expect(await first.exited).toBe(0);
      const stopped = /stopped: read (\d+), written (\d+)/.exec(first.stdout());
      expect(stopped).not.toBeNull();
      expect(Number(stopped![1])).toBeGreaterThan(0);
      expect(stopped![2]).toBe(stopped![1]);

      const second = startRun(dir);
      await new Promise((r) => setTimeout(r, 2_000));
      second.child.kill(signal);
      expect(await second.exited).toBe(0);

      const audit = spawnSync(process.execPath, [BIN, 'audit', 'policy.json', '--json'], {
        cwd: dir,
        encoding: 'utf8',
      });
      const events = audit.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { action: string; details: { partitionsResumed?: number; outcome?: string } });
      expect(events.filter((e) => e.action === 'pipeline_finished').map((e) => e.details.outcome)).toEqual([
        'stopped',
        'stopped',
      ]);
      expect(events.filter((e) => e.action === 'pipeline_started').map((e) => e.details.partitionsResumed)).toEqual([
        0, 1,
      ]);
    },
    30_000,
  );
});
