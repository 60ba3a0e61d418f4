/**
 * Helpers for the CLI's end-to-end tests: run the built `sluice` binary as a child process (optionally
 * killing it with SIGKILL after a delay), a seeded PRNG for reproducible kill schedules, and reading
 * DuckDB tables after a run.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');

export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface RunOutcome {
  code: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
}

/** Runs `sluice <args>` in `cwd`; with `killAfterMs`, SIGKILLs it then unless it exited first. */
export function runSluice(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; killAfterMs?: number; stopAfterMs?: number },
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, SLUICE_LOG_LEVEL: 'silent', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let killed = false;
    const timers: NodeJS.Timeout[] = [];
    if (options.killAfterMs !== undefined) {
      timers.push(
        setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, options.killAfterMs),
      );
    }
    if (options.stopAfterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGTERM'), options.stopAfterMs));
    child.on('error', reject);
    child.on('exit', (code) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, killed, stdout, stderr });
    });
  });
}

/** Runs and fails unless the run exited 0 (or was killed on purpose). */
export async function runSluiceOk(...params: Parameters<typeof runSluice>): Promise<RunOutcome> {
  const outcome = await runSluice(...params);
  if (!outcome.killed && outcome.code !== 0) {
    throw new Error(`sluice ${params[0].join(' ')} exited ${outcome.code}: ${outcome.stderr.slice(0, 2000)}`);
  }
  return outcome;
}

/** Reads a query's rows from a DuckDB file (opened, read, closed). */
export async function queryDuckdb<T = Record<string, unknown>>(file: string, sql: string): Promise<T[]> {
  const db = await DuckDBInstance.create(file);
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as T[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** The `slack` source of a test policy, pointed at a simulator through the environment (`simulatorEnv`). */
export function slackSourceFor(timeScale: number, live: boolean) {
  return {
    use: 'slack',
    with: {
      botToken: '${env:SLACK_BOT_TOKEN}',
      appToken: '${env:SLACK_APP_TOKEN}',
      apiUrl: '${env:SLACK_API_URL}',
      rateLimitProfile: 'tier3',
      rateLimitTimeScale: timeScale,
      live,
    },
  };
}

/** The environment that `slackSourceFor` reads. */
export function simulatorEnv(sim: { botToken: string; appToken: string; apiUrl: string }): Record<string, string> {
  return { SLACK_BOT_TOKEN: sim.botToken, SLACK_APP_TOKEN: sim.appToken, SLACK_API_URL: sim.apiUrl };
}
