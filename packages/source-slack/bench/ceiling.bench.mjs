// Throughput of the `slack` source against the ceiling of Slack's 2025 non-Marketplace limits
// (conversations.history and conversations.replies: 1 request per minute each, 15 objects per page),
// run by `pnpm bench`. The simulator runs at 120x (a minute lasts 0.5 s) and the connector paces
// itself on the same clock. The ceiling is both methods busy all the time: the run cannot take less
// than max(history calls, replies calls) windows. Prints that baseline, the observed time and the ratio.
import { generateSyntheticWorkspace, startSlackSimulator } from '@sluice/testkit';
import { benchPolicyDir, runBackfill } from './harness.mjs';

const TIME_SCALE = 120;
const WINDOW_S = 60 / TIME_SCALE;

const workspace = generateSyntheticWorkspace({ seed: 9, totalMessages: 400, users: 15, channels: 4, days: 10 });
const sim = await startSlackSimulator({ workspace, timeScale: TIME_SCALE, profile: 'non-marketplace' });
const dir = benchPolicyDir({ profile: 'non-marketplace', timeScale: TIME_SCALE });
const { seconds } = await runBackfill(dir, sim);
const stats = sim.stats().methods;
await sim.close();
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
