/**
 * Tests for per-tenant data keys: versioning and rotation, persistence only in wrapped form (the
 * key store file never contains a raw key in hex or base64), AAD binding of wrapped keys to tenant
 * and version, and redaction of keys in logs.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { FatalError } from '@sluice/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyUnavailableError } from './errors.js';
import { LocalKeyProvider } from './local-key-provider.js';
import { TenantKeyring } from './tenant-keyring.js';
import { FileWrappedKeyStore, MemoryWrappedKeyStore } from './wrapped-key-store.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-keyring-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function encodings(bytes: Uint8Array): string[] {
  const buffer = Buffer.from(bytes);
  return [
    buffer.toString('hex'),
    buffer.toString('hex').toUpperCase(),
    buffer.toString('base64'),
    buffer.toString('base64url'),
  ];
}

describe('TenantKeyring', () => {
  it('creates v1 on first use, rotates to v2, keeps v1 available', async () => {
    const keyring = new TenantKeyring({
      kek: new LocalKeyProvider({ path: join(dir, 'kek.json') }),
      store: new MemoryWrappedKeyStore(),
    });
    const keys = await keyring.forTenant('T1');
    const v1 = keys.current;
    expect(v1.version).toBe(1);
    const v2 = await keyring.rotate('T1');
    expect(v2.version).toBe(2);
    expect(keys.current).toBe(v2);
    expect(keys.version(1)).toBe(v1);
    expect(keys.version(3)).toBeUndefined();
    expect(Buffer.from(v2.exposeBytes()).equals(Buffer.from(v1.exposeBytes()))).toBe(false);
  });

  it('never writes a raw data key to the key store file, and keeps it 0600', async () => {
    const path = join(dir, 'keys.json');
    const keyring = new TenantKeyring({
      kek: new LocalKeyProvider({ path: join(dir, 'kek.json') }),
      store: new FileWrappedKeyStore({ path }),
    });
    const raw = [
      (await keyring.forTenant('T1')).current,
      await keyring.rotate('T1'),
      (await keyring.forTenant('T2')).current,
    ];
    const text = await readFile(path, 'utf8');
    expect(JSON.parse(text).tenants.T1).toHaveLength(2);
    for (const key of raw) {
      for (const encoded of encodings(key.exposeBytes())) expect(text).not.toContain(encoded);
    }
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('reloads the same keys from the file store in a new process', async () => {
    const options = () => ({
      kek: new LocalKeyProvider({ path: join(dir, 'kek.json') }),
      store: new FileWrappedKeyStore({ path: join(dir, 'keys.json') }),
    });
    const first = await new TenantKeyring(options()).forTenant('T1');
    const second = await new TenantKeyring(options()).forTenant('T1');
    expect(Buffer.from(second.current.exposeBytes()).equals(Buffer.from(first.current.exposeBytes()))).toBe(true);
  });

  it('fails closed when a wrapped key is copied to another tenant (AAD binds tenant and version)', async () => {
    const store = new MemoryWrappedKeyStore();
    const kek = new LocalKeyProvider({ path: join(dir, 'kek.json') });
    await new TenantKeyring({ kek, store }).forTenant('T1');
    await store.put('T2', await store.get('T1'));
    const error = await new TenantKeyring({ kek, store }).forTenant('T2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyUnavailableError);
    expect((error as KeyUnavailableError).failure).toBe('fatal');
  });

  it('serializes concurrent rotations of one tenant without losing a version', async () => {
    const keyring = new TenantKeyring({
      kek: new LocalKeyProvider({ path: join(dir, 'kek.json') }),
      store: new FileWrappedKeyStore({ path: join(dir, 'keys.json') }),
    });
    const rotated = await Promise.all([keyring.rotate('T1'), keyring.rotate('T1'), keyring.rotate('T1')]);
    expect(rotated.map((k) => k.version).sort()).toEqual([2, 3, 4]);
    expect((await keyring.forTenant('T1')).current.version).toBe(4);
  });

  it('shows tenant and version but never key bytes when a key is logged', async () => {
    const keyring = new TenantKeyring({
      kek: new LocalKeyProvider({ path: join(dir, 'kek.json') }),
      store: new MemoryWrappedKeyStore(),
    });
    const key = (await keyring.forTenant('T1')).current;
    const printed = [inspect(key), JSON.stringify(key), String(key), inspect({ nested: key })].join('\n');
    expect(printed).toContain('T1');
    for (const encoded of encodings(key.exposeBytes())) expect(printed).not.toContain(encoded);
  });
});

describe('FileWrappedKeyStore', () => {
  it('fails closed on a corrupt store file instead of creating new keys over it', async () => {
    const path = join(dir, 'keys.json');
    await writeFile(path, '{"format":"something-else"}', { mode: 0o600 });
    const keyring = new TenantKeyring({
      kek: new LocalKeyProvider({ path: join(dir, 'kek.json') }),
      store: new FileWrappedKeyStore({ path }),
    });
    const error = await keyring.forTenant('T1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).code).toBe('state_store_failed');
    expect(await readFile(path, 'utf8')).toBe('{"format":"something-else"}');
  });
});
