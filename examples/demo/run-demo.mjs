// `npm run demo`: the main job on the embedded defaults. Without Slack credentials it starts the
// bundled Slack simulator (a synthetic workspace full of realistic PII) and points the reference
// policy at it; with SLACK_BOT_TOKEN set it reads your workspace instead. Either way the records land
// in an embedded DuckDB file, and the script shows what was stored.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { runPolicyFile } from '@sluice/cli';
import { createLogger } from '@sluice/core';
import { generateSyntheticWorkspace, startSlackSimulator } from '@sluice/testkit';

const here = dirname(fileURLToPath(import.meta.url));
const policy = join(here, 'policy.json');
const real = Boolean(process.env.SLACK_BOT_TOKEN);
let sim;

if (!real) {
  // A fresh run each time: the demo's state, keys and database are throwaway.
  rmSync(join(here, '.sluice'), { recursive: true, force: true });
  const workspace = generateSyntheticWorkspace({ seed: 7, users: 30, channels: 8, days: 30, totalMessages: 2500 });
  sim = await startSlackSimulator({ workspace, timeScale: 120 });
  process.env.SLACK_BOT_TOKEN = sim.botToken;
  process.env.SLACK_API_URL = sim.apiUrl;
  // The simulator's minute lasts half a real second; the connector paces itself on the same clock.
  process.env.SLACK_SIM_TIME_SCALE = String(sim.timeScale);
  console.log(
    `Slack simulator: ${sim.workspace.listUsers().length} users, ${sim.workspace.listChannels().length} channels, ${sim.workspace.messageCount()} messages (synthetic, seeded)`,
  );
} else {
  console.log('SLACK_BOT_TOKEN is set: reading your Slack workspace.');
}

const started = Date.now();
try {
  const result = await runPolicyFile(policy, {
    mode: 'until-caught-up',
    logger: createLogger({ level: process.env.SLUICE_LOG_LEVEL ?? 'warn' }),
  });
  const t = result.summary.metrics.totals;
  console.log(
    `\nPipeline ${result.summary.outcome} in ${((Date.now() - started) / 1000).toFixed(1)} s: read ${t.read}, written ${t.written}, dead-lettered ${t.deadLettered}`,
  );
} finally {
  await sim?.close();
}

const db = await DuckDBInstance.create(join(here, '.sluice', 'demo.duckdb'));
const conn = await db.connect();
const rows = async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
console.log('\nStored in .sluice/demo.duckdb (schema tenant_demo):');
for (const table of ['users', 'channels', 'messages', 'audit_events']) {
  const [{ n }] = await rows(`SELECT count(*) AS n FROM tenant_demo.${table}`);
  console.log(`  ${table.padEnd(13)} ${n} rows`);
}
console.log('\nUsers at capture level "domain" (names and emails are not stored):');
for (const u of await rows(
  'SELECT user_id, real_name, email, email_domain FROM tenant_demo.users WHERE NOT is_bot LIMIT 3',
)) {
  console.log(`  ${JSON.stringify(u)}`);
}
console.log('\nMessages at capture level "tokenized" (PII replaced by deterministic tokens):');
for (const m of await rows(
  "SELECT channel_id, ts, user_id, text FROM tenant_demo.messages WHERE text LIKE '%[%.v1.%' ORDER BY ts DESC LIMIT 5",
)) {
  console.log(`  ${m.channel_id} ${m.ts} ${m.user_id}: ${m.text}`);
}
const [{ leaks }] = await rows(
  "SELECT count(*) AS leaks FROM tenant_demo.messages WHERE regexp_matches(coalesce(text, ''), '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}')",
);
console.log(`\nMessages with an email address in clear: ${leaks}`);
conn.closeSync();
db.closeSync();
console.log('\nNext: npm run sluice -- explain examples/demo/policy.json   (the data inventory of this policy)');
