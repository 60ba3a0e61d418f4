// Backfill benchmark of the `slack` source, run by `pnpm bench` after a build. The built `sluice` CLI
// runs in a child process (real @slack/web-api client) against the Slack simulator in this process.
//   calls:  Slack API calls used per 1,000 messages backfilled, against the lower bound for the same
//           workspace (history pages + reply pages of threads with replies + directory pages).
//   memory: peak RSS (VmHWM) of the connector while it backfills a 1,000,000-message synthetic
//           workspace at a fast time scale, against the RSS of the same CLI doing nothing (validate).
// BENCH_SLACK_MESSAGES overrides the size of the large run.
import { spawnSync } from 'node:child_process';
import { generateSyntheticWorkspace, startSlackSimulator } from '@sluice/testkit';
import { BIN, benchPolicyDir, runBackfill } from './harness.mjs';

const TIME_SCALE = 2000;
const PAGE = 200; // the connector's history and replies page size at tier3
const DAYS = 90;

/** Lower bound of API calls to read every in-window message of the invited channels. */
function lowerBound(ws, windowStartMicros) {
  let calls = Math.ceil(ws.listUsers().length / PAGE) + 1; // users.list pages + users.conversations
  let messages = 0;
  for (const id of ws.listChannels()) {
    if (!ws.isBotMember(id)) continue;
    const state = ws.getChannel(id);
    const top = state.top.filter((ts) => ts >= windowStartMicros);
    calls += Math.max(1, Math.ceil(top.length / PAGE));
    messages += top.length;
    for (const [parent, replies] of state.threads) {
      if (parent < windowStartMicros || replies.length === 0) continue;
      calls += Math.ceil((replies.length + 1) / PAGE);
      // Broadcast replies are also top-level messages: count each message once.
      messages += replies.filter((ts) => !state.broadcastParent.has(ts)).length;
    }
  }
  return { calls, messages };
}

async function backfill(totalMessages, { sampleRss }) {
  const workspace = generateSyntheticWorkspace({
    seed: 5,
    totalMessages,
    users: Math.min(2000, Math.round(Math.sqrt(totalMessages) * 2)),
    channels: Math.min(100, Math.max(8, Math.round(totalMessages / 10_000))),
    days: 60,
  });
  const sim = await startSlackSimulator({ workspace, timeScale: TIME_SCALE });
  const bound = lowerBound(workspace, (sim.virtualNow() - DAYS * 86_400_000) * 1000);
  const dir = benchPolicyDir({ profile: 'tier3', timeScale: TIME_SCALE, days: DAYS });
  const { seconds, written: read, peakKb } = await runBackfill(dir, sim, { sampleRss });
  const stats = sim.stats().methods;
  await sim.close();
  const calls = Object.values(stats).reduce((n, s) => n + s.calls, 0);
  const limited = Object.values(stats).reduce((n, s) => n + s.rateLimited, 0);
  return { bound, calls, limited, read, seconds, peakKb, stats };
}

const mb = (kb) => `${(kb / 1024).toFixed(0)} MiB`;

console.log('\n## slack backfill: API calls (20,000-message workspace, tier3)');
const small = await backfill(20_000, { sampleRss: false });
const perK = (n, m) => ((n * 1000) / m).toFixed(2);
console.log(
  `lower bound (baseline)   ${String(small.bound.calls).padStart(6)} calls  ${perK(small.bound.calls, small.bound.messages).padStart(7)} per 1,000 messages`,
);
console.log(
  `connector                ${String(small.calls).padStart(6)} calls  ${perK(small.calls, small.bound.messages).padStart(7)} per 1,000 messages   ratio ${(small.calls / small.bound.calls).toFixed(3)}`,
);
console.log(`  429s: ${small.limited}; records written: ${small.read}; messages in window: ${small.bound.messages}`);

const N = Number(process.env.BENCH_SLACK_MESSAGES ?? 1_000_000);
console.log(`\n## slack backfill: memory (${N.toLocaleString('en')}-message workspace, time scale ${TIME_SCALE}x)`);
const idle = spawnSync(
  'sh',
  ['-c', `node ${BIN} schema >/dev/null & pid=$!; sleep 0.3; grep VmHWM /proc/$pid/status; wait $pid`],
  { encoding: 'utf8' },
);
const idleKb = Number(/(\d+) kB/.exec(idle.stdout)?.[1] ?? 0);
const big = await backfill(N, { sampleRss: true });
console.log(`sluice CLI at rest (baseline)   ${mb(idleKb).padStart(9)}`);
console.log(
  `peak RSS during the backfill    ${mb(big.peakKb).padStart(9)}   ratio ${(big.peakKb / Math.max(1, idleKb)).toFixed(2)}`,
);
console.log(
  `  ${big.read.toLocaleString('en')} records in ${big.seconds.toFixed(0)} s (${Math.round(big.read / big.seconds).toLocaleString('en')} records/s), ${big.calls} API calls, ${big.limited} 429s`,
);
