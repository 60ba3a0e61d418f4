/**
 * Crash durability: a child process writes batches through the sink and is killed with SIGKILL; a new
 * process-level open of the same file must see every batch whose `write` resolved (DuckDB replays its
 * WAL), and only whole batches (one transaction each). While the child holds the file, opening it here
 * must fail with a RetryableError (the file lock), not a fatal one. The child runs the built `dist`,
 * so build the package before running this test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RetryableError } from '@sluice/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DuckdbInstancePool, DuckdbSink } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const writer = join(here, 'fixtures', 'kill-writer.mjs');
const BATCH = 500;

let dir: string;
let child: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-duckdb-kill-'));
});

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Follows the writer's output: `acked()` is the number of batches whose write resolved so far. */
function follow(proc: ChildProcess) {
  let acked = 0;
  let buffer = '';
  let stderr = '';
  const waiters: Array<{ n: number; resolve: () => void; reject: (e: Error) => void }> = [];
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    acked += parts.filter((l) => l.startsWith('acked ')).length;
    for (const w of waiters.filter((w) => acked >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  proc.on('exit', (code, signal) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`writer exited early (${code ?? signal}): ${stderr}`));
  });
  return {
    acked: () => acked,
    until: (n: number) => new Promise<void>((resolve, reject) => waiters.push({ n, resolve, reject })),
  };
}

it('sees every acked batch after the writer is SIGKILLed, and only whole batches', async () => {
  // The child runs the built package, like the rest of the workspace's cross-process tests.
  expect(existsSync(join(here, '..', 'dist', 'index.js')), 'build first: pnpm exec tsc -b packages/sink-duckdb').toBe(
    true,
  );
  const path = join(dir, 'crash.duckdb');
  child = spawn(process.execPath, [writer, path, String(BATCH)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = child;
  const output = follow(proc);
  await output.until(3);

  // The child holds DuckDB's file lock: a second process gets a retryable error, not a fatal one.
  const pool = new DuckdbInstancePool();
  const lockError = await DuckdbSink.open({ path, tenant: 'acme', pool }).catch((e: unknown) => e);
  expect(lockError).toBeInstanceOf(RetryableError);
  expect((lockError as RetryableError).code).toBe('sink_write_failed');

  await output.until(output.acked() + 3);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
  const acked = output.acked();
  expect(proc.signalCode).toBe('SIGKILL');

  const sink = await DuckdbSink.open({ path, tenant: 'acme', pool });
  const conn = await sink.instance.connect();
  const reader = await conn.runAndReadAll(
    'SELECT count(*) AS n, count(DISTINCT _key) AS keys FROM tenant_acme.v_messages',
  );
  const [row] = reader.getRowObjectsJson() as Array<{ n: string; keys: string }>;
  conn.closeSync();
  await sink.close();
  const n = Number(row?.n);
  expect(Number(row?.keys)).toBe(n);
  expect(n).toBeGreaterThanOrEqual(acked * BATCH);
  expect(n % BATCH).toBe(0);
  expect(pool.openPaths()).toEqual([]);
});
