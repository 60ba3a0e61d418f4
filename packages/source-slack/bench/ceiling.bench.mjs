// Throughput of the `slack` source against the ceiling of Slack's 2025 non-Marketplace limits
// (conversations.history and conversations.replies: 1 request per minute each, 15 objects per page),
// run by `pnpm bench`. The simulator runs at 120x (a minute lasts 0.5 s) and the connector paces
// itself on the same clock. The ceiling is both methods busy all the time: the run cannot take less
// than max(history calls, replies calls) windows. Prints that baseline, the observed time and the ratio.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticWorkspace, startSlackSimulator } from '@sluice/testkit';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', '..', 'cli', 'dist', 'bin.js');
const TIME_SCALE = 120;
const WINDOW_S = 60 / TIME_SCALE;

const workspace = generateSyntheticWorkspace({ seed: 9, totalMessages: 400, users: 15, channels: 4, days: 10 });
const sim = await startSlackSimulator({ workspace, timeScale: TIME_SCALE, profile: 'non-marketplace' });
const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-ceiling-'));
writeFileSync(
  join(dir, 'policy.json'),
  JSON.stringify({
    version: 1,
    tenant: 'bench',
    source: {
      use: 'slack',
      with: {
        botToken: '${env:SLACK_BOT_TOKEN}',
        apiUrl: '${env:SLACK_API_URL}',
        rateLimitProfile: 'non-marketplace',
        rateLimitTimeScale: TIME_SCALE,
        live: false,
      },
    },
    capture: { users: 'ids', messages: 'metadata' },
    sink: { use: join(here, 'null-sink.mjs') },
  }),
);
const started = performance.now();
const child = spawn(process.execPath, [BIN, 'run', 'policy.json', '--until-caught-up'], {
  cwd: dir,
  env: { ...process.env, SLUICE_LOG_LEVEL: 'warn', SLACK_BOT_TOKEN: sim.botToken, SLACK_API_URL: sim.apiUrl },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const code = await new Promise((resolve) => child.on('exit', resolve));
const seconds = (performance.now() - started) / 1000;
const stats = sim.stats().methods;
await sim.close();
if (code !== 0) throw new Error(`run failed (${code})`);
const history = stats['conversations.history'] ?? { calls: 0, rateLimited: 0 };
const replies = stats['conversations.replies'] ?? { calls: 0, rateLimited: 0 };
const floor = Math.max(history.calls, replies.calls) * WINDOW_S;
console.log('\n## slack backfill at the non-Marketplace ceiling (1 req/min per method, 15 per page)');
console.log(
  `calls: history ${history.calls}, replies ${replies.calls}; 429s: ${history.rateLimited + replies.rateLimited}`,
);
console.log(
  `ceiling (baseline): ${floor.toFixed(1)} s   observed: ${seconds.toFixed(1)} s   ratio ${(floor / seconds).toFixed(3)} of the ceiling`,
);
