// Shared by the Slack benchmarks: a policy directory that points the `slack` source at a simulator
// (metadata capture, null sink), and a backfill run of the built `sluice` CLI in a child process,
// optionally sampling its peak RSS (VmHWM).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = join(here, '..', '..', 'cli', 'dist', 'bin.js');

export function benchPolicyDir({ profile, timeScale, days }) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-slack-'));
  const source = {
    botToken: '${env:SLACK_BOT_TOKEN}',
    apiUrl: '${env:SLACK_API_URL}',
    rateLimitProfile: profile,
    rateLimitTimeScale: timeScale,
    live: false,
    ...(days === undefined ? {} : { history: { days } }),
  };
  writeFileSync(
    join(dir, 'policy.json'),
    JSON.stringify({
      version: 1,
      tenant: 'bench',
      source: { use: 'slack', with: source },
      capture: { users: 'ids', messages: 'metadata' },
      sink: { use: join(here, 'null-sink.mjs') },
    }),
  );
  return dir;
}

/** Runs `sluice run --until-caught-up` in `dir` against `sim`; returns time, output and peak RSS. */
export async function runBackfill(dir, sim, { sampleRss = false } = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'run', 'policy.json', '--until-caught-up'], {
    cwd: dir,
    env: { ...process.env, SLUICE_LOG_LEVEL: 'warn', SLACK_BOT_TOKEN: sim.botToken, SLACK_API_URL: sim.apiUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  let peakKb = 0;
  const sampler = sampleRss
    ? setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) peakKb = Math.max(peakKb, Number(m[1]));
        } catch {}
      }, 100)
    : undefined;
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`backfill failed (${code})`);
  return {
    seconds: (performance.now() - started) / 1000,
    written: Number(/written (\d+)/.exec(out)?.[1] ?? 0),
    peakKb,
  };
}
