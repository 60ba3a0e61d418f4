/**
 * The example plugin, tested the way a plugin author would: the transform alone with a keyring of its
 * own, then the example policy end to end through `runPolicyFile` (the plugin loaded by path through
 * tsx, as `sluice run` does), checking that no account number survives in the warehouse.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { runPolicyFile } from '@sluice/cli';
import {
  createMemoryStateStore,
  createServiceRegistry,
  type MessageRecord,
  type PluginContext,
  type SluiceRecord,
  silentLogger,
} from '@sluice/core';
import { createTokenizer, findTokens, LocalKeyProvider, MemoryWrappedKeyStore, TenantKeyring } from '@sluice/keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import accountNumbers, { accountNumberPattern, ENTITY_TYPE } from '../plugins/account-numbers.js';

const EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let dir: string;
let keyring: TenantKeyring;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-example-'));
  keyring = new TenantKeyring({
    kek: new LocalKeyProvider({ path: join(dir, 'kek.json') }),
    store: new MemoryWrappedKeyStore(),
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function context(services: Record<string, unknown>): PluginContext {
  return {
    tenant: 'example',
    componentId: 'account-numbers',
    baseDir: dir,
    logger: silentLogger(),
    state: createMemoryStateStore(),
    services: createServiceRegistry(services),
    signal: new AbortController().signal,
    audit: async () => undefined,
  };
}

function message(text: string, extra: Partial<MessageRecord> = {}): MessageRecord {
  return {
    kind: 'message',
    tenant: 'example',
    key: 'C1:1.000100',
    version: 1,
    op: 'upsert',
    channel_id: 'C1',
    ts: '1.000100',
    posted_at: '2024-01-01T00:00:00.000Z',
    text,
    ...extra,
  };
}

async function transform(config: Parameters<typeof accountNumbers.create>[0] = {}) {
  const ctx = context({ keys: keyring });
  const fn = await accountNumbers.create(config, ctx);
  return (record: SluiceRecord) => fn(record, ctx) as SluiceRecord;
}

describe('account-numbers plugin', () => {
  it('matches whole account numbers only', () => {
    const found = 'ACCT-123456, XACCT-123456, ACCT-1234567, ACCT-12, (ACCT-000001)'.match(accountNumberPattern());
    expect(found).toEqual(['ACCT-123456', 'ACCT-000001']);
    expect('CUST42-9876'.match(accountNumberPattern('CUST42-', 4))).toEqual(['CUST42-9876']);
  });

  it('replaces each account number by a deterministic ACCOUNT_NUMBER token, in a new record', async () => {
    const t = await transform();
    const input = message('refund ACCT-482913, then ACCT-482913 again', {
      blocks: [{ type: 'rich_text', block_id: 'b1', elements: [{ type: 'text', text: 'ACCT-482913' }] }],
    });
    const out = t(input) as MessageRecord;
    expect(input.text).toBe('refund ACCT-482913, then ACCT-482913 again');
    const tokens = findTokens(out.text ?? '');
    expect(tokens).toHaveLength(2);
    expect(tokens[0]?.entityType).toBe(ENTITY_TYPE);
    expect(tokens[0]?.token).toBe(tokens[1]?.token);
    expect(JSON.stringify(out)).not.toContain('482913');
    expect(JSON.stringify(out.blocks)).toContain(tokens[0]?.token ?? 'missing');
    expect(JSON.stringify(out.blocks)).toContain('"block_id":"b1"');
  });

  it('makes reversible tokens the tenant key can turn back', async () => {
    const t = await transform({ mode: 'reversible' });
    const [token] = findTokens((t(message('ACCT-000417')) as MessageRecord).text ?? '');
    const tokenizer = await createTokenizer(keyring, { tenant: 'example', mode: 'reversible' });
    expect((await tokenizer.detokenize(token?.token ?? '')).value).toBe('ACCT-000417');
  });

  it('refuses to start without the keyring', async () => {
    const error = await Promise.resolve(accountNumbers.create({}, context({}))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'key_missing', failure: 'fatal' });
  });

  it('runs end to end: the example policy stores no account number', async () => {
    // The example policy, with its paths made absolute so the run writes only to a temp dir.
    const policy = JSON.parse(await readFile(join(EXAMPLE, 'policy.json'), 'utf8')) as {
      source: { with: { path: string } };
      transforms: Array<{ use: string }>;
      keys: Record<string, string>;
      sink: { with: { path: string } };
      state?: { path: string };
      $schema?: string;
    };
    delete policy.$schema;
    policy.source.with.path = join(EXAMPLE, policy.source.with.path);
    for (const t of policy.transforms) t.use = join(EXAMPLE, t.use);
    policy.sink.with.path = join(dir, 'example.duckdb');
    policy.state = { path: join(dir, 'state.db') };
    policy.keys = { provider: 'local', path: join(dir, 'e2e-kek.json'), store: join(dir, 'e2e-keys.json') };
    const file = join(dir, 'policy.json');
    await writeFile(file, JSON.stringify(policy));

    const result = await runPolicyFile(file, { logger: silentLogger() });
    expect(result.summary.metrics.totals).toMatchObject({ read: 5, written: 5, deadLettered: 0 });

    const db = await DuckDBInstance.create(join(dir, 'example.duckdb'), { access_mode: 'READ_ONLY' });
    const connection = await db.connect();
    try {
      const rows = (
        await connection.runAndReadAll('SELECT text, blocks, attachments FROM tenant_example.messages ORDER BY ts')
      ).getRowObjectsJson();
      const stored = JSON.stringify(rows);
      for (const account of ['ACCT-482913', 'ACCT-000417']) expect(stored).not.toContain(account);
      expect(stored).toContain('[ACCOUNT-NUMBER.v1.h.');
      // tokenize-pii ran after the plugin: the email and the directory name are tokens too.
      expect(stored).not.toContain('ines.okafor@');
      expect(stored).not.toContain('Ines Okafor');
      // Lookalikes that are not account numbers are left alone.
      expect(rows[2]?.text).toBe('Not an account: ACCT-12 or XACCT-123456 or ACCT-1234567');
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });
});
