/**
 * The leak test through Slack itself: a simulated workspace (the Slack simulator of @sluice/testkit)
 * whose profiles, channel topics and purposes, message text, rich-text blocks, attachments, files,
 * embedded profiles and thread replies all carry unique canaries of every entity type, then live edits
 * (whose `previous_message` quotes the old canaries), deletes and new posts while the connector
 * follows. The built `sluice` binary reads it with the real @slack/web-api and @slack/socket-mode
 * clients at the `tokenized` capture level into DuckDB and into JSON Lines, logging at debug. No
 * canary may appear in any file the runs leave (tables, JSONL, state store and WAL, keys) or in the
 * logs; a control run at `full` capture shows that the same check finds them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SlackSimulator, SlackWorkspace, startSlackSimulator } from '@sluice/testkit';
import {
  assertNoCanaries,
  type CanaryPerson,
  canaryMessageContent,
  collectFiles,
  createCanaryGenerator,
} from '@sluice/testkit/canaries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDuckdb, runSluiceOk, simulatorEnv, slackSourceFor } from './helpers.js';

const TIME_SCALE = 60;
const gen = createCanaryGenerator(4242);
let sim: SlackSimulator;
let people: CanaryPerson[];
const channelIds: string[] = [];
const posted: Array<{ channel: string; ts: string }> = [];

function policyDir(sink: 'duckdb' | 'jsonl', messages: 'tokenized' | 'full'): string {
  const dir = mkdtempSync(join(tmpdir(), `sluice-slack-leak-${sink}-`));
  writeFileSync(
    join(dir, 'policy.json'),
    JSON.stringify({
      version: 1,
      tenant: 'leaky',
      source: slackSourceFor(TIME_SCALE, true),
      capture: { users: messages === 'full' ? 'full' : 'ids', messages },
      sink:
        sink === 'duckdb' ? { use: 'duckdb', with: { path: 'out.duckdb' } } : { use: 'jsonl', with: { dir: 'out' } },
    }),
  );
  return dir;
}

const env = () => ({ ...simulatorEnv(sim), SLUICE_LOG_LEVEL: 'debug' });

/** Backfills, then follows while live edits, deletes and posts happen; returns every log line. */
async function runConnector(dir: string): Promise<string> {
  const backfill = await runSluiceOk(['run', 'policy.json', '--until-caught-up'], { cwd: dir, env: env() });
  const following = runSluiceOk(['run', 'policy.json'], { cwd: dir, env: env(), stopAfterMs: 5_000 });
  await new Promise((r) => setTimeout(r, 2_000));
  const ws = sim.workspace;
  const [first, second, third] = posted;
  ws.editMessage({ channel: first!.channel, ts: first!.ts, text: `edited: ${gen.sentence(people)}` });
  ws.deleteMessage({ channel: second!.channel, ts: second!.ts });
  const author = people[0]!;
  const content = canaryMessageContent(gen, author, people);
  ws.postMessage({ channel: third!.channel, user: ws.humans()[0]!, ...content });
  const follow = await following;
  return backfill.stdout + backfill.stderr + follow.stdout + follow.stderr;
}

beforeAll(async () => {
  const ws = new SlackWorkspace(
    { id: 'T0LEAKY001', name: 'Leaky Inc', domain: 'leaky' },
    { userId: 'U0LEAKBOT1', botId: 'B0LEAKBOT1', appId: 'A0LEAKAPP1', name: 'sluice' },
  );
  people = Array.from({ length: 4 }, () => gen.person());
  const userIds = people.map((p, i) =>
    ws.addUser({
      name: `user${i}`,
      real_name: p.realName,
      profile: {
        real_name: p.realName,
        display_name: p.displayName,
        email: p.email,
        phone: p.phone,
        title: `Lead, ${gen.sentence(people)}`,
      },
    }),
  );
  for (const [i, isPrivate] of [false, true].entries()) {
    const id = ws.createChannel({
      name: `leaks-${i}`,
      isPrivate,
      creator: userIds[0]!.id,
      members: [...userIds.map((u) => u.id), ws.bot.userId],
    });
    const info = ws.getChannel(id)!.info;
    info.topic = { value: gen.sentence(people), creator: userIds[0]!.id, last_set: 1 };
    info.purpose = { value: gen.sentence(people), creator: userIds[0]!.id, last_set: 1 };
    channelIds.push(id);
    for (let m = 0; m < 3; m++) {
      const author = people[m % people.length]!;
      const { user_profile, ...content } = canaryMessageContent(gen, author, people);
      const ts = ws.postMessage({
        channel: id,
        user: userIds[m % userIds.length]!.id,
        ...content,
        extra: { user_profile },
      });
      posted.push({ channel: id, ts });
      ws.postReply({
        channel: id,
        threadTs: ts,
        user: userIds[(m + 1) % userIds.length]!.id,
        text: gen.sentence(people),
      });
    }
  }
  sim = await startSlackSimulator({ workspace: ws, timeScale: TIME_SCALE });
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe('no canary from Slack survives the tokenized policy', () => {
  it.each(['duckdb', 'jsonl'] as const)(
    'into %s: not in any stored file, state file or log line',
    async (sink) => {
      const dir = policyDir(sink, 'tokenized');
      const logs = await runConnector(dir);
      const files = await collectFiles(dir);
      assertNoCanaries({ ...files, logs }, gen.values());
      if (sink === 'duckdb') {
        const rows = await queryDuckdb<{ text: string | null; deleted: boolean | null }>(
          join(dir, 'out.duckdb'),
          'SELECT text, deleted FROM tenant_leaky.messages',
        );
        // Not vacuous: the text is there, tokenized; the deleted message has no text left.
        expect(rows.some((r) => /\[EMAIL-ADDRESS\.v1\.h\./.test(r.text ?? ''))).toBe(true);
        expect(rows.some((r) => /\[PERSON\.v1\.h\./.test(r.text ?? ''))).toBe(true);
        expect(rows.filter((r) => r.deleted).every((r) => r.text === null)).toBe(true);
      }
    },
    90_000,
  );

  it('the control run at full capture does contain canaries (the check can fail)', async () => {
    const dir = policyDir('jsonl', 'full');
    await runSluiceOk(['run', 'policy.json', '--until-caught-up'], { cwd: dir, env: env() });
    const files = await collectFiles(dir);
    expect(() => assertNoCanaries(files, gen.values())).toThrow();
  }, 60_000);
});
