/**
 * Tests for the local key-encryption key: the key file is created private (0600), a key file that
 * group or others can read is refused with a fatal error naming the file and the fix, AAD is
 * enforced, and rotation keeps old blobs unwrappable.
 */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FatalError } from '@sluice/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { framedAad } from './encoding.js';
import { KeyUnavailableError } from './errors.js';
import { LocalKeyProvider } from './local-key-provider.js';

const posix = process.platform !== 'win32';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-local-kek-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const secret = new Uint8Array(32).fill(7);
const aad = framedAad('tenant', 'T1');

async function failure(promise: Promise<unknown>): Promise<KeyUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyUnavailableError);
  expect(error).toBeInstanceOf(FatalError);
  return error as KeyUnavailableError;
}

describe('LocalKeyProvider', () => {
  it.runIf(posix)('creates the key file with mode 0600 in a 0700 directory on first use', async () => {
    const path = join(dir, 'nested', 'kek.json');
    const kek = new LocalKeyProvider({ path });
    await expect(kek.check()).resolves.toMatchObject({ state: 'enabled', primaryVersion: 'v1' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
  });

  it('wraps and unwraps with the same AAD, and fails closed with another AAD', async () => {
    const kek = new LocalKeyProvider({ path: join(dir, 'kek.json') });
    const blob = await kek.wrap(secret, aad);
    expect(blob.ciphertext).not.toContain(Buffer.from(secret).toString('base64'));
    expect(await kek.unwrap(blob, aad)).toEqual(secret);
    const error = await failure(kek.unwrap(blob, framedAad('tenant', 'T2')));
    expect(error.code).toBe('key_unavailable');
    expect(error.cause).toBeDefined();
  });

  it.runIf(posix)('refuses a key file readable by group or others, naming the file and chmod 600', async () => {
    const path = join(dir, 'kek.json');
    await new LocalKeyProvider({ path }).check();
    await chmod(path, 0o644);
    const error = await failure(new LocalKeyProvider({ path }).check());
    expect(error.code).toBe('key_unavailable');
    expect(error.key).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain(`chmod 600 ${path}`);
    // Fixing the mode is enough; the refusal was not cached.
    await chmod(path, 0o600);
    await expect(new LocalKeyProvider({ path }).check()).resolves.toMatchObject({ state: 'enabled' });
  });

  it('rotates: new wraps use the new version, old blobs still unwrap, also after a restart', async () => {
    const path = join(dir, 'kek.json');
    const kek = new LocalKeyProvider({ path });
    const old = await kek.wrap(secret, aad);
    expect(await kek.rotate()).toBe('v2');
    const fresh = await kek.wrap(secret, aad);
    expect([old.kekVersion, fresh.kekVersion]).toEqual(['v1', 'v2']);
    const restarted = new LocalKeyProvider({ path });
    expect(await restarted.unwrap(old, aad)).toEqual(secret);
    expect(await restarted.unwrap(fresh, aad)).toEqual(secret);
    if (posix) expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('sees a rotation made by another process when it meets the new version', async () => {
    const path = join(dir, 'kek.json');
    const reader = new LocalKeyProvider({ path });
    await reader.check();
    const writer = new LocalKeyProvider({ path });
    await writer.rotate();
    expect(await reader.unwrap(await writer.wrap(secret, aad), aad)).toEqual(secret);
  });

  it('refuses blobs from another key file and unknown versions with key_missing', async () => {
    const a = new LocalKeyProvider({ path: join(dir, 'a.json') });
    const b = new LocalKeyProvider({ path: join(dir, 'b.json') });
    const blob = await a.wrap(secret, aad);
    expect((await failure(b.unwrap(blob, aad))).code).toBe('key_missing');
    expect((await failure(a.unwrap({ ...blob, kekVersion: 'v9' }, aad))).code).toBe('key_missing');
  });

  it('fails closed on a missing file when creation is off, and on a corrupt file', async () => {
    expect((await failure(new LocalKeyProvider({ path: join(dir, 'none.json'), create: false }).check())).code).toBe(
      'key_missing',
    );
    const corrupt = join(dir, 'corrupt.json');
    await writeFile(corrupt, '{"format":"sluice-local-kek"}', { mode: 0o600 });
    expect((await failure(new LocalKeyProvider({ path: corrupt }).check())).code).toBe('key_unavailable');
  });

  it('creates exactly one key when several providers start at once', async () => {
    const path = join(dir, 'kek.json');
    const providers = Array.from({ length: 5 }, () => new LocalKeyProvider({ path }));
    const blobs = await Promise.all(providers.map((p) => p.wrap(secret, aad)));
    for (const blob of blobs) expect(await providers[0]!.unwrap(blob, aad)).toEqual(secret);
    expect(JSON.parse(await readFile(path, 'utf8')).versions).toHaveLength(1);
  });
});
