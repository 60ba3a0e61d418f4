/**
 * Tests for the Cloud KMS simulator at the HTTP level (the shapes the REST transport of
 * `@google-cloud/kms` sends and expects, recorded from the real client): auth, encrypt/decrypt with
 * AAD and CRC32C, version states, rotation, Google error bodies and failure injection. The real
 * client is exercised against this simulator in `packages/keys/test/cloud-kms.integration.test.ts`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc32c, type KmsSimulator, startKmsSimulator } from '../../src/kms/index.js';

const KEY = 'projects/p/locations/global/keyRings/r/cryptoKeys/k';
const OTHER = 'projects/p/locations/global/keyRings/r/cryptoKeys/other';
let kms: KmsSimulator;

beforeEach(async () => {
  kms = await startKmsSimulator({ keys: [KEY, OTHER], deniedTokens: ['denied-token'] });
});

afterEach(async () => {
  await kms.close();
});

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = kms.accessToken,
): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(
    `${kms.endpoint}/v1/${path}${path.includes('?') ? '&' : '?'}$alt=json%3Benum-encoding=int`,
    {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

function expectGoogleError(reply: Reply, status: number, grpc: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body).toEqual({ error: { code: status, message: expect.any(String), status: grpc } });
}

describe('KMS simulator', () => {
  it('binds 127.0.0.1 on an ephemeral port and gives client options for the REST transport', () => {
    expect(kms.endpoint).toBe(`http://127.0.0.1:${kms.port}`);
    expect(kms.port).toBeGreaterThan(0);
    expect(kms.clientOptions()).toEqual({ apiEndpoint: '127.0.0.1', port: kms.port, protocol: 'http', fallback: true });
  });

  it('answers 401 UNAUTHENTICATED without or with an unknown token, 403 PERMISSION_DENIED without permission', async () => {
    expectGoogleError(await call('GET', KEY, undefined, null), 401, 'UNAUTHENTICATED');
    expectGoogleError(await call('GET', KEY, undefined, 'wrong'), 401, 'UNAUTHENTICATED');
    const denied = await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') }, 'denied-token');
    expectGoogleError(denied, 403, 'PERMISSION_DENIED');
    expect((denied.body['error'] as { message: string }).message).toContain('cloudkms.cryptoKeyVersions.useToEncrypt');
  });

  it('encrypts with the primary version and decrypts with the same AAD only', async () => {
    const encrypted = await call('POST', `${KEY}:encrypt`, {
      plaintext: b64('secret'),
      additionalAuthenticatedData: b64('aad'),
    });
    expect(encrypted.status).toBe(200);
    expect(encrypted.body).toMatchObject({
      name: `${KEY}/cryptoKeyVersions/1`,
      verifiedPlaintextCrc32c: false,
      protectionLevel: 1,
    });
    const ciphertext = encrypted.body['ciphertext'] as string;
    expect(encrypted.body['ciphertextCrc32c']).toBe(String(crc32c(Buffer.from(ciphertext, 'base64'))));
    expect(Buffer.from(ciphertext, 'base64').includes(Buffer.from('secret'))).toBe(false);

    const decrypted = await call('POST', `${KEY}:decrypt`, { ciphertext, additionalAuthenticatedData: b64('aad') });
    expect(decrypted.status).toBe(200);
    expect(Buffer.from(decrypted.body['plaintext'] as string, 'base64').toString()).toBe('secret');
    expect(decrypted.body).toMatchObject({ usedPrimary: true, plaintextCrc32c: String(crc32c(Buffer.from('secret'))) });

    expectGoogleError(
      await call('POST', `${KEY}:decrypt`, { ciphertext, additionalAuthenticatedData: b64('other') }),
      400,
      'INVALID_ARGUMENT',
    );
    expectGoogleError(
      await call('POST', `${OTHER}:decrypt`, { ciphertext, additionalAuthenticatedData: b64('aad') }),
      400,
      'INVALID_ARGUMENT',
    );
    expectGoogleError(await call('POST', `${KEY}:decrypt`, { ciphertext: b64('garbage') }), 400, 'INVALID_ARGUMENT');
  });

  it('verifies request CRC32C checksums and reports them verified', async () => {
    const plaintext = Buffer.from('data');
    const good = await call('POST', `${KEY}:encrypt`, {
      plaintext: plaintext.toString('base64'),
      plaintextCrc32c: String(crc32c(plaintext)),
    });
    expect(good.body['verifiedPlaintextCrc32c']).toBe(true);
    const bad = await call('POST', `${KEY}:encrypt`, { plaintext: plaintext.toString('base64'), plaintextCrc32c: '1' });
    expectGoogleError(bad, 400, 'INVALID_ARGUMENT');
    const ciphertext = good.body['ciphertext'] as string;
    expectGoogleError(
      await call('POST', `${KEY}:decrypt`, { ciphertext, ciphertextCrc32c: '7' }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('refuses a disabled version with 400 FAILED_PRECONDITION and serves it again once enabled', async () => {
    const { body } = await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') });
    kms.disableVersion(`${KEY}/cryptoKeyVersions/1`);
    const refused = await call('POST', `${KEY}:decrypt`, { ciphertext: body['ciphertext'] });
    expectGoogleError(refused, 400, 'FAILED_PRECONDITION');
    expect((refused.body['error'] as { message: string }).message).toContain('current state is: DISABLED');
    expectGoogleError(await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') }), 400, 'FAILED_PRECONDITION');
    expect((await call('GET', KEY)).body['primary']).toMatchObject({ state: 2 });
    kms.enableVersion(`${KEY}/cryptoKeyVersions/1`);
    expect((await call('POST', `${KEY}:decrypt`, { ciphertext: body['ciphertext'] })).status).toBe(200);
  });

  it('schedules destruction, restores to DISABLED, and destroys for good', async () => {
    const version = `${KEY}/cryptoKeyVersions/1`;
    const destroyed = await call('POST', `${version}:destroy`, {});
    expect(destroyed.body).toMatchObject({ state: 4, destroyTime: expect.any(String) });
    expect(kms.versionState(version)).toBe('DESTROY_SCHEDULED');
    expect((await call('POST', `${version}:restore`, {})).body).toMatchObject({ state: 2 });
    kms.destroyVersion(version, { immediate: true });
    expect((await call('GET', version)).body).toMatchObject({ state: 3, destroyEventTime: expect.any(String) });
    expectGoogleError(await call('PATCH', `${version}?updateMask=state`, { state: 1 }), 400, 'FAILED_PRECONDITION');
  });

  it('rotates: new ciphertext uses the new primary, old ciphertext still decrypts', async () => {
    const old = await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') });
    const created = await call('POST', `${KEY}/cryptoKeyVersions`, '');
    expect(created.body).toMatchObject({ name: `${KEY}/cryptoKeyVersions/2`, state: 1 });
    const key = await call('POST', `${KEY}:updatePrimaryVersion`, { cryptoKeyVersionId: '2' });
    expect(key.body['primary']).toMatchObject({ name: `${KEY}/cryptoKeyVersions/2` });
    expect((await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') })).body['name']).toBe(
      `${KEY}/cryptoKeyVersions/2`,
    );
    const decrypted = await call('POST', `${KEY}:decrypt`, { ciphertext: old.body['ciphertext'] });
    expect(decrypted.body).toMatchObject({ usedPrimary: false });
    expect(kms.rotate(KEY)).toBe(`${KEY}/cryptoKeyVersions/3`);
    expect(kms.primaryVersion(KEY)).toBe(`${KEY}/cryptoKeyVersions/3`);
  });

  it('answers 404 NOT_FOUND for unknown keys, versions and routes', async () => {
    expectGoogleError(await call('GET', `${KEY}x`), 404, 'NOT_FOUND');
    expectGoogleError(await call('GET', `${KEY}/cryptoKeyVersions/9`), 404, 'NOT_FOUND');
    expectGoogleError(await call('POST', `${KEY}:sign`, {}), 404, 'NOT_FOUND');
  });

  it('returns enum names without enum-encoding=int', async () => {
    const response = await fetch(`${kms.endpoint}/v1/${KEY}`, {
      headers: { authorization: `Bearer ${kms.accessToken}` },
    });
    expect(await response.json()).toMatchObject({ purpose: 'ENCRYPT_DECRYPT', primary: { state: 'ENABLED' } });
  });

  it('injects failures for the next matching requests and counts everything in stats', async () => {
    kms.injectFailure({ status: 'UNAVAILABLE', method: 'Encrypt', count: 2 });
    expect((await call('GET', KEY)).status).toBe(200);
    expectGoogleError(await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') }), 503, 'UNAVAILABLE');
    expectGoogleError(await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') }), 503, 'UNAVAILABLE');
    expect((await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') })).status).toBe(200);
    expect(kms.stats()).toEqual({
      requests: 4,
      byMethod: { GetCryptoKey: 1, Encrypt: 3 },
      errors: { UNAVAILABLE: 2 },
      keys: 2,
    });
  });

  it('validates key names in the harness API', () => {
    expect(() => kms.createKey('projects/p/keyRings/r')).toThrow();
    expect(() => kms.createKey(KEY)).toThrow();
    expect(kms.createKey('projects/p/locations/us/keyRings/r/cryptoKeys/new')).toEqual({
      name: 'projects/p/locations/us/keyRings/r/cryptoKeys/new',
      primaryVersion: 'projects/p/locations/us/keyRings/r/cryptoKeys/new/cryptoKeyVersions/1',
    });
  });
});

describe('KMS simulator corruption in transit', () => {
  it('flips a bit of the next ciphertext but reports the checksum of the original', async () => {
    kms.corruptNextResponse('Encrypt');
    const corrupted = await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') });
    const ciphertext = Buffer.from(corrupted.body['ciphertext'] as string, 'base64');
    expect(corrupted.body['ciphertextCrc32c']).not.toBe(String(crc32c(ciphertext)));
    const clean = await call('POST', `${KEY}:encrypt`, { plaintext: b64('x') });
    expect(clean.body['ciphertextCrc32c']).toBe(
      String(crc32c(Buffer.from(clean.body['ciphertext'] as string, 'base64'))),
    );
  });
});
