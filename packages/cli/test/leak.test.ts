/**
 * The leak test: canonical records where every text-bearing field carries unique canaries of every
 * entity type (emails, phones in several formats, Luhn-valid cards, IBANs, SSNs, IPv4/IPv6, names of
 * directory members, Slack tokens and AWS keys) go through the real `sluice` binary at three capture
 * levels, into DuckDB and into JSON Lines, with logs at debug. Then no canary may appear in any output
 * file, the DuckDB tables, the state store and its WAL, the dead letters, or the captured logs. The
 * records include one that a plugin fails on (its error message quotes the text) and a line that is
 * not JSON, so the dead-letter path is covered too.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ChannelRecord, MessageRecord, SluiceRecord, UserRecord } from '@sluice/core';
import {
  assertNoCanaries,
  type CanaryPerson,
  canaryMessageContent,
  collectFiles,
  createCanaryGenerator,
} from '@sluice/testkit/canaries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/bin.js');
const TENANT = 'leaky';

interface Level {
  name: string;
  capture: { users: 'ids' | 'domain' | 'full'; messages: 'tokenized' | 'metadata' | 'full' };
}
const LEVELS: readonly Level[] = [
  { name: 'tokenized', capture: { users: 'ids', messages: 'tokenized' } },
  { name: 'metadata', capture: { users: 'domain', messages: 'metadata' } },
  { name: 'ids-metadata', capture: { users: 'ids', messages: 'metadata' } },
];
const SINKS = ['duckdb', 'jsonl'] as const;
/** A control run storing everything in clear: the same checks must find the canaries there. */
const CONTROL = 'full-control';

// A plain-object plugin (no imports, so it loads from a temp dir): fails on one record, and its error
// message quotes the record's text, as careless plugin code does.
const EXPLODE_PLUGIN = `export default {
  kind: 'transform', type: 'explode-on-one', version: '1.0.0', summary: 'Fails on one record',
  configSchema: { type: 'object', additionalProperties: false }, privacy: true,
  create: () => function explode(record) {
    if (record.key === 'C0CANARY:1700000099.000100') throw new Error('cannot handle ' + record.text);
    return record;
  },
};
`;

let root: string;
const gen = createCanaryGenerator(20261204);
let people: CanaryPerson[];
const runs = new Map<string, { dir: string; code: number; logs: string; deadLetters: string }>();

function userRecord(p: CanaryPerson, i: number): UserRecord {
  return {
    kind: 'user',
    tenant: TENANT,
    key: `U0CANARY${i}`,
    version: 1,
    op: 'upsert',
    user_id: `U0CANARY${i}`,
    team_id: 'T0CANARY',
    name: p.displayName,
    real_name: p.realName,
    display_name: p.displayName,
    title: gen.sentence(people),
    email: p.email,
    phone: p.phone,
    tz: 'Europe/Paris',
    is_bot: false,
  };
}

function messageRecord(ts: string, content: Partial<MessageRecord>): MessageRecord {
  return {
    kind: 'message',
    tenant: TENANT,
    key: `C0CANARY:${ts}`,
    version: Number(ts.replace('.', '')),
    op: 'upsert',
    channel_id: 'C0CANARY',
    ts,
    user_id: 'U0CANARY0',
    team_id: 'T0CANARY',
    posted_at: new Date(Number(ts.split('.')[0]) * 1000).toISOString(),
    mentions: ['U0CANARY1'],
    reactions: [{ name: 'tada', count: 1, users: ['U0CANARY1'] }],
    ...content,
  };
}

function buildRecords(): string {
  people = [gen.person(), gen.person(), gen.person()];
  const [author = people[0] as CanaryPerson] = people;
  const channel: ChannelRecord = {
    kind: 'channel',
    tenant: TENANT,
    key: 'C0CANARY',
    version: 1,
    op: 'upsert',
    channel_id: 'C0CANARY',
    team_id: 'T0CANARY',
    name: 'canaries',
    topic: gen.sentence(people),
    purpose: gen.sentence(people),
  };
  const records: SluiceRecord[] = [
    ...people.map(userRecord),
    channel,
    messageRecord('1700000001.000100', canaryMessageContent(gen, author, people)),
    messageRecord('1700000002.000100', {
      ...canaryMessageContent(gen, people[1] as CanaryPerson, people),
      thread_ts: '1700000001.000100',
      parent_user_id: 'U0CANARY0',
    }),
    messageRecord('1700000003.000100', {
      text: `${people[2]?.realName} and ${people[1]?.displayName}: ${gen.sentence(people)}`,
    }),
    messageRecord('1700000099.000100', { text: `this one fails: ${gen.sentence(people)}` }),
  ];
  const lines = records.map((r) => JSON.stringify(r));
  // A line that is not JSON, with canaries in it: the dead letter must not keep them.
  lines.splice(lines.length - 1, 0, `not json ${gen.sentence(people)}`);
  return `${lines.join('\n')}\n`;
}

function runBin(args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, SLUICE_LOG_LEVEL: 'debug' }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

async function deadLettersJson(policy: string): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  stderr.on('data', (c: Buffer) => chunks.push(c));
  const code = await main(['dead-letters', policy, '--json'], { stdout, stderr, stdin: new PassThrough(), env: {} });
  expect(code).toBe(0);
  return Buffer.concat(chunks).toString('utf8');
}

async function duckdbDump(file: string): Promise<{ dump: string; nonNullText: number; messages: number }> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const schema = `tenant_${TENANT}`;
    let dump = '';
    for (const table of ['users', 'channels', 'messages', 'audit_events']) {
      const rows = await connection.runAndReadAll(`SELECT * FROM ${schema}.${table}`);
      dump += JSON.stringify(rows.getRowObjectsJson());
    }
    const count = async (sql: string) => Number((await connection.runAndReadAll(sql)).getRowsJson()[0]?.[0] ?? -1);
    const nonNullText =
      (await count(
        `SELECT count(*) FROM ${schema}.messages WHERE text IS NOT NULL OR blocks IS NOT NULL OR attachments IS NOT NULL OR files IS NOT NULL OR user_profile IS NOT NULL`,
      )) + (await count(`SELECT count(*) FROM ${schema}.channels WHERE topic IS NOT NULL OR purpose IS NOT NULL`));
    const messages = await count(`SELECT count(*) FROM ${schema}.messages`);
    return { dump, nonNullText, messages };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-leak-'));
  await mkdir(join(root, 'input'));
  await writeFile(join(root, 'input', 'records.jsonl'), buildRecords());
  const jobs: Promise<void>[] = [];
  const control: Level = { name: CONTROL, capture: { users: 'full', messages: 'full' } };
  for (const level of [...LEVELS, control]) {
    for (const sink of level === control ? (['duckdb'] as const) : SINKS) {
      const name = level === control ? CONTROL : `${level.name}-${sink}`;
      const dir = join(root, name);
      await mkdir(dir);
      await writeFile(join(dir, 'explode.mjs'), EXPLODE_PLUGIN);
      const policy = {
        version: 1,
        tenant: TENANT,
        source: { use: 'jsonl', with: { path: '../input/records.jsonl' } },
        capture: level.capture,
        transforms: [{ use: './explode.mjs', id: 'explode' }],
        sink:
          sink === 'duckdb'
            ? { use: 'duckdb', with: { path: 'out/warehouse.duckdb' } }
            : { use: 'jsonl', with: { dir: 'out/jsonl' } },
      };
      await writeFile(join(dir, 'policy.json'), JSON.stringify(policy, null, 2));
      jobs.push(
        runBin(['run', 'policy.json', '--until-caught-up'], dir).then(async ({ code, output }) => {
          runs.set(name, { dir, code, logs: output, deadLetters: await deadLettersJson(join(dir, 'policy.json')) });
        }),
      );
    }
  }
  await Promise.all(jobs);
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('no canary leaks through the sluice binary', () => {
  it('the canaries are really in the input (the test can fail)', async () => {
    const input = await collectFiles(join(root, 'input'));
    expect(() => assertNoCanaries(input, gen.values())).toThrow(/leaked/);
    expect(gen.issued.length).toBeGreaterThan(150);
  });

  it('the same checks find the canaries when a policy stores full text (the test can fail)', async () => {
    const run = runs.get(CONTROL);
    expect(run?.code).toBe(0);
    if (!run) return;
    const db = await duckdbDump(join(run.dir, 'out', 'warehouse.duckdb'));
    expect(() => assertNoCanaries({ 'duckdb tables': db.dump }, gen.values())).toThrow(/leaked/);
    const files = await collectFiles(join(run.dir, 'out'));
    expect(() => assertNoCanaries(files, gen.values())).toThrow(/leaked/);
  });

  for (const level of LEVELS) {
    for (const sink of SINKS) {
      const name = `${level.name}-${sink}`;
      it(`${name}: no canary in outputs, state, WAL, dead letters or debug logs`, async () => {
        const run = runs.get(name);
        expect(run?.code, run?.code === 0 ? '' : 'run failed (output withheld: it may hold canaries)').toBe(0);
        if (!run) return;
        expect(run.logs).toContain('pipeline completed');
        const files = await collectFiles(run.dir);
        expect(Object.keys(files).some((f) => f.includes('state.db'))).toBe(true);
        const haystacks: Record<string, string> = { ...files, logs: run.logs, 'dead-letters': run.deadLetters };
        if (sink === 'duckdb') {
          const db = await duckdbDump(join(run.dir, 'out', 'warehouse.duckdb'));
          haystacks['duckdb tables'] = db.dump;
          expect(db.messages).toBe(3);
          if (level.capture.messages === 'metadata') expect(db.nonNullText).toBe(0);
          else expect(db.dump).toMatch(/\[PERSON\.v1\.h\.[a-z2-7]+\].*\[EMAIL-ADDRESS\.v1\.h\./);
        } else {
          const messages = (files[join('out', 'jsonl', TENANT, 'message.jsonl')] ?? '').trim().split('\n');
          expect(messages).toHaveLength(3);
          for (const line of messages) {
            const m = JSON.parse(line) as MessageRecord;
            if (level.capture.messages === 'metadata') {
              expect([m.text, m.blocks, m.attachments, m.files, m.user_profile].filter((v) => v != null)).toEqual([]);
            } else {
              expect(m.text).toMatch(/\[(PERSON|EMAIL-ADDRESS)\.v1\.h\./);
            }
          }
        }
        // The failing record and the non-JSON line are dead letters, held without their text.
        const deadLetters = run.deadLetters
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { code: string; stage: string; recordKey: string | null; record: unknown });
        expect(deadLetters).toHaveLength(2);
        const failed = deadLetters.find((d) => d.recordKey === 'C0CANARY:1700000099.000100');
        expect(failed).toMatchObject({ stage: 'transform', code: 'transform_failed' });
        expect((failed?.record as { _withheld?: string[] } | undefined)?._withheld).toContain('text');
        expect(deadLetters.some((d) => d.recordKey?.startsWith('line:'))).toBe(true);
        assertNoCanaries(haystacks, gen.values());
      });
    }
  }
  it('tokenized: a later run that reads no user records still tokenizes directory names', async () => {
    const name = 'tokenized-duckdb';
    const run = runs.get(name);
    if (!run) throw new Error('first run missing');
    const [a, b] = people as [CanaryPerson, CanaryPerson];
    const later = messageRecord('1700000200.000100', {
      text: `${a.realName} asked ${b.displayName} for ${gen.next('EMAIL_ADDRESS')}`,
    });
    await appendFile(join(root, 'input', 'records.jsonl'), `${JSON.stringify(later)}\n`);
    const again = await runBin(['run', 'policy.json', '--until-caught-up'], run.dir);
    expect(again.code).toBe(0);
    expect(again.output).toContain('read 1,');
    const db = await duckdbDump(join(run.dir, 'out', 'warehouse.duckdb'));
    expect(db.messages).toBe(4);
    assertNoCanaries({ ...(await collectFiles(run.dir)), logs: again.output, 'duckdb tables': db.dump }, gen.values());
  });
});
