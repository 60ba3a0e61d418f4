import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KmsSimulator, startKmsSimulator } from '@sluice/testkit/kms';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudKmsClientOptions, KMS_ACCESS_TOKEN_ENV } from '../src/keys.js';
import { sluice } from './cli-io.js';

const KEY = 'projects/acme/locations/global/keyRings/sluice/cryptoKeys/tokens';
const RECORDS = [
  {
    kind: 'message',
    tenant: 'acme',
    key: 'C1:1.000100',
    version: 1,
    op: 'upsert',
    channel_id: 'C1',
    ts: '1.000100',
    user_id: 'U1',
    posted_at: '2024-01-01T00:00:00.000Z',
    text: 'mail ada@example.com',
  },
];

let dir: string;
let kms: KmsSimulator;

beforeAll(async () => {
  kms = await startKmsSimulator({ keys: [KEY] });
});
afterAll(async () => {
  await kms.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-keys-'));
  await writeFile(join(dir, 'records.jsonl'), `${RECORDS.map((r) => JSON.stringify(r)).join('\n')}\n`);
});
afterEach(async () => {
  delete process.env[KMS_ACCESS_TOKEN_ENV];
  await rm(dir, { recursive: true, force: true });
});

async function policy(extra: Record<string, unknown>, name = 'policy.json'): Promise<string> {
  const file = join(dir, name);
  const body = {
    version: 1,
    tenant: 'acme',
    source: { use: 'jsonl', with: { path: 'records.jsonl' } },
    sink: { use: 'duckdb', with: { path: 'out.duckdb' } },
    ...extra,
  };
  await writeFile(file, JSON.stringify(body));
  return file;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('key services of sluice run', () => {
  it('defaults to a local 0600 key file next to the policy when tokenize-pii needs keys', async () => {
    const run = await sluice(['run', await policy({}), '--until-caught-up']);
    expect(run.code).toBe(0);
    expect((await stat(join(dir, '.sluice', 'kek.json'))).mode & 0o777).toBe(0o600);
    const store = await readFile(join(dir, '.sluice', 'tenant-keys.json'), 'utf8');
    expect(store).toContain('"acme"');
    expect(store).toContain('"local:');
  });

  it('honours the local paths of the keys section, resolved against the policy directory', async () => {
    const run = await sluice([
      'run',
      await policy({ keys: { provider: 'local', path: 'secrets/kek.json', store: 'secrets/keys.json' } }),
      '--until-caught-up',
    ]);
    expect(run.code).toBe(0);
    expect(await exists(join(dir, 'secrets', 'kek.json'))).toBe(true);
    expect(await exists(join(dir, 'secrets', 'keys.json'))).toBe(true);
    expect(await exists(join(dir, '.sluice', 'kek.json'))).toBe(false);
  });

  it('creates no keys when nothing needs them', async () => {
    const run = await sluice(['run', await policy({ capture: { messages: 'metadata' } }), '--until-caught-up']);
    expect(run.code).toBe(0);
    expect(await exists(join(dir, '.sluice', 'kek.json'))).toBe(false);
  });

  it('stops before reading anything when the local key file is readable by others', async () => {
    const file = await policy({});
    expect((await sluice(['run', file, '--until-caught-up'])).code).toBe(0);
    await chmod(join(dir, '.sluice', 'kek.json'), 0o644);
    const second = await policy({ sink: { use: 'duckdb', with: { path: 'second.duckdb' } } }, 'second.json');
    const run = await sluice(['run', second, '--until-caught-up']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('key_unavailable');
    // The pipeline was never instantiated: its sink does not exist.
    expect(await exists(join(dir, 'second.duckdb'))).toBe(false);
  });

  it('wraps tenant keys with Cloud KMS, and exits 1 before reading once the key version is disabled', async () => {
    process.env[KMS_ACCESS_TOKEN_ENV] = kms.accessToken;
    const keys = { provider: 'cloud-kms', keyName: KEY, apiEndpoint: `http://127.0.0.1:${kms.clientOptions().port}` };
    const file = await policy({ keys, tokenization: { mode: 'reversible' } });
    const ok = await sluice(['run', file, '--until-caught-up']);
    expect(ok.code).toBe(0);
    expect(await readFile(join(dir, '.sluice', 'tenant-keys.json'), 'utf8')).toContain(`"gcp-kms:${KEY}"`);

    kms.disableVersion(kms.primaryVersion(KEY));
    try {
      const fresh = await policy({ keys, sink: { use: 'duckdb', with: { path: 'fresh.duckdb' } } }, 'fresh.json');
      const again = await sluice(['run', fresh, '--until-caught-up']);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('key_disabled');
      expect(await exists(join(dir, 'fresh.duckdb'))).toBe(false);
    } finally {
      kms.enableVersion(kms.primaryVersion(KEY));
    }
  });

  it('exits 1 with key_unavailable when the KMS token is refused', async () => {
    process.env[KMS_ACCESS_TOKEN_ENV] = 'not-a-valid-token';
    const keys = { provider: 'cloud-kms', keyName: KEY, apiEndpoint: `http://127.0.0.1:${kms.clientOptions().port}` };
    const run = await sluice(['run', await policy({ keys }), '--until-caught-up']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/key_unavailable|key_missing/);
    expect(await exists(join(dir, 'out.duckdb'))).toBe(false);
  });
});

describe('Cloud KMS without credentials', () => {
  const saved: Record<string, string | undefined> = {};
  const isolate = {
    GOOGLE_APPLICATION_CREDENTIALS: undefined,
    METADATA_SERVER_DETECTION: 'none',
    CLOUDSDK_CONFIG: '/nonexistent-sluice-gcloud',
    HOME: '/nonexistent-sluice-home',
  } as const;
  beforeEach(() => {
    for (const [k, v] of Object.entries(isolate)) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('exits 1 with key_unavailable and the fixes when no default credentials exist', async () => {
    const keys = { provider: 'cloud-kms', keyName: KEY, apiEndpoint: `http://127.0.0.1:${kms.clientOptions().port}` };
    const run = await sluice(['run', await policy({ keys }), '--until-caught-up']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('key_unavailable');
    expect(run.stderr).toContain('GOOGLE_APPLICATION_CREDENTIALS');
    expect(await exists(join(dir, 'out.duckdb'))).toBe(false);
  });
});

describe('cloudKmsClientOptions', () => {
  it('splits an http endpoint into host, port and protocol, and uses the token from the env', () => {
    const options = cloudKmsClientOptions(
      { provider: 'cloud-kms', keyName: KEY, apiEndpoint: 'http://127.0.0.1:8443' },
      { [KMS_ACCESS_TOKEN_ENV]: 'tok' },
    );
    expect(options).toMatchObject({ apiEndpoint: '127.0.0.1', port: 8443, protocol: 'http' });
    expect(options.authClient).toBeInstanceOf(OAuth2Client);
  });

  it('passes a bare host through and leaves credentials to Google defaults without a token', () => {
    const options = cloudKmsClientOptions(
      { provider: 'cloud-kms', keyName: KEY, apiEndpoint: 'eu-kms.example.com' },
      {},
    );
    expect(options).toEqual({ apiEndpoint: 'eu-kms.example.com' });
  });
});
