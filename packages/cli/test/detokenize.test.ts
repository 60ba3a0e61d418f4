import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@sluice/core';
import { createTokenizer } from '@sluice/keys';
import { loadPolicyFile } from '@sluice/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteTenantKeys, openKeyring } from '../src/keys.js';
import { sluice } from './cli-io.js';

let dir: string;
let policy: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-detok-'));
  policy = await writePolicy('policy.json', 'acme');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writePolicy(name: string, tenant: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(
    file,
    JSON.stringify({
      version: 1,
      tenant,
      source: { use: 'jsonl', with: { path: 'records.jsonl' } },
      tokenization: { mode: 'reversible' },
      keys: { provider: 'local', store: `${tenant}-keys.json` },
      sink: { use: 'duckdb' },
    }),
  );
  return file;
}

/** A token made with the policy's own keys, as tokenize-pii makes them. */
async function tokenFor(file: string, mode: 'hmac' | 'reversible', type: string, value: string): Promise<string> {
  const loaded = await loadPolicyFile(file, { skipEnv: true });
  const opened = await openKeyring(loaded, silentLogger());
  const tokenizer = await createTokenizer(opened.keyring, { tenant: loaded.policy.tenant, mode });
  return tokenizer.tokenize(type, value);
}

async function auditEvents(file: string): Promise<Array<{ action: string; subject: string; details: unknown }>> {
  const run = await sluice(['audit', file, '--json']);
  return run.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe('sluice detokenize', () => {
  it('prints the values of reversible tokens after auditing each, without the value in the audit', async () => {
    const email = await tokenFor(policy, 'reversible', 'EMAIL_ADDRESS', 'ada@example.com');
    const phone = await tokenFor(policy, 'reversible', 'PHONE_NUMBER', '+1 415 555 0100');
    const run = await sluice(['detokenize', policy, email, phone]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('ada@example.com\n+1 415 555 0100\n');
    const events = (await auditEvents(policy)).filter((e) => e.action === 'detokenize');
    expect(events.map((e) => e.subject)).toEqual(['EMAIL_ADDRESS/v1', 'PHONE_NUMBER/v1']);
    const audit = JSON.stringify(events);
    expect(audit).not.toContain('ada@');
    expect(audit).not.toContain('555');
    expect(audit).not.toContain(email);
  });

  it('prints JSON with --json', async () => {
    const token = await tokenFor(policy, 'reversible', 'PERSON', 'Zoë Ångström');
    const run = await sluice(['detokenize', policy, '--json', token]);
    expect(JSON.parse(run.stdout)).toEqual({ entityType: 'PERSON', keyVersion: 1, value: 'Zoë Ångström' });
  });

  it('exits 1 with detokenize_not_allowed for a one-way token, printing and auditing nothing', async () => {
    const token = await tokenFor(policy, 'hmac', 'EMAIL_ADDRESS', 'ada@example.com');
    const good = await tokenFor(policy, 'reversible', 'EMAIL_ADDRESS', 'bob@example.com');
    const run = await sluice(['detokenize', policy, good, token]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('detokenize_not_allowed');
    expect(run.stdout).toBe('');
    expect((await auditEvents(policy)).filter((e) => e.action === 'detokenize')).toEqual([]);
  });

  it('exits 1 with token_invalid for an altered token or one of another tenant', async () => {
    const token = await tokenFor(policy, 'reversible', 'EMAIL_ADDRESS', 'ada@example.com');
    const last = token.at(-2) === 'a' ? 'b' : 'a';
    const altered = `${token.slice(0, -2)}${last}]`;
    const tampered = await sluice(['detokenize', policy, altered]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('token_invalid');

    const other = await writePolicy('other.json', 'globex');
    await tokenFor(other, 'reversible', 'EMAIL_ADDRESS', 'x@example.com'); // globex has keys of its own
    const foreign = await sluice(['detokenize', other, token]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('token_invalid');
    expect(foreign.stdout).toBe('');
  });

  it('exits 2 for a malformed token or a missing argument, without echoing the argument', async () => {
    const run = await sluice(['detokenize', policy, 'ada@example.com']);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('ada@example.com');
    expect((await sluice(['detokenize', policy])).code).toBe(2);
    expect((await sluice(['detokenize'])).code).toBe(2);
  });

  it('cannot detokenize anything once the tenant keys are deleted (crypto-shredding)', async () => {
    const token = await tokenFor(policy, 'reversible', 'EMAIL_ADDRESS', 'ada@example.com');
    expect((await sluice(['detokenize', policy, token])).code).toBe(0);
    const loaded = await loadPolicyFile(policy, { skipEnv: true });
    expect(await deleteTenantKeys(loaded)).toEqual({ versions: 1 });
    const run = await sluice(['detokenize', policy, token]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(await deleteTenantKeys(loaded)).toEqual({ versions: 0 });
  });

  it('exits 1 with key_missing, creating no key, when the tenant has no key yet', async () => {
    const fresh = await writePolicy('fresh.json', 'initech');
    const run = await sluice(['detokenize', fresh, '[EMAIL-ADDRESS.v1.r.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('key_missing');
  });
});
