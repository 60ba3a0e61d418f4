/**
 * Integration tests of `CloudKmsKeyProvider` with the REAL `@google-cloud/kms` client (REST
 * transport) against the Cloud KMS simulator from `@sluice/testkit/kms` on 127.0.0.1. Credentials are
 * a google-auth-library `OAuth2Client` holding a fixed access token, so nothing ever reaches Google.
 * They pin fail-closed behaviour: disabled, destroyed, missing and forbidden keys stop the pipeline.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { isSluiceError, RetryableError } from '@sluice/core';
import { type KmsSimulator, startKmsSimulator } from '@sluice/testkit/kms';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudKmsKeyProvider,
  createTokenizer,
  FileWrappedKeyStore,
  KeyUnavailableError,
  MemoryWrappedKeyStore,
  TenantKeyring,
} from '../src/index.js';

const KEY = 'projects/acme/locations/europe-west1/keyRings/sluice/cryptoKeys/tokens';
const V1 = `${KEY}/cryptoKeyVersions/1`;
let kms: KmsSimulator;
let dir: string;
const clients: KeyManagementServiceClient[] = [];

beforeEach(async () => {
  kms = await startKmsSimulator({ keys: [KEY], deniedTokens: ['no-iam-token'] });
  dir = await mkdtemp(join(tmpdir(), 'sluice-kms-'));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await kms.close();
  await rm(dir, { recursive: true, force: true });
});

function provider(token = kms.accessToken, keyName = KEY): CloudKmsKeyProvider {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: token });
  const client = new KeyManagementServiceClient({ ...kms.clientOptions(), authClient });
  clients.push(client);
  return new CloudKmsKeyProvider({ keyName, client });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

async function expectKeyError(promise: Promise<unknown>, code: string): Promise<KeyUnavailableError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(KeyUnavailableError);
  expect(isSluiceError(error) && error.failure).toBe('fatal');
  expect(isSluiceError(error) && error.code).toBe(code);
  return error as KeyUnavailableError;
}

describe('CloudKmsKeyProvider with the real @google-cloud/kms client', () => {
  it('wraps and unwraps tenant keys through KMS, with AAD, and tokens round-trip', async () => {
    const kek = provider();
    await expect(kek.check()).resolves.toEqual({ kek: `gcp-kms:${KEY}`, state: 'enabled', primaryVersion: V1 });
    const store = new MemoryWrappedKeyStore();
    const tokenizer = await createTokenizer(new TenantKeyring({ kek, store }), { tenant: 'T1', mode: 'reversible' });
    const token = tokenizer.tokenize('EMAIL_ADDRESS', 'ada@example.com');
    const [entry] = await store.get('T1');
    expect(entry!.wrapped).toMatchObject({ kek: `gcp-kms:${KEY}`, kekVersion: V1 });

    const restarted = await createTokenizer(new TenantKeyring({ kek: provider(), store }), {
      tenant: 'T1',
      mode: 'reversible',
    });
    await expect(restarted.detokenize(token)).resolves.toMatchObject({ value: 'ada@example.com' });
    expect(kms.stats().byMethod).toMatchObject({ GetCryptoKey: 1, Encrypt: 1, Decrypt: 1 });

    const blob = await kek.wrap(new Uint8Array(32).fill(1), Buffer.from('tenant=T1'));
    await expectKeyError(kek.unwrap(blob, Buffer.from('tenant=T2')), 'key_unavailable');
  });

  it('never writes the raw data key to the key store file', async () => {
    const path = join(dir, 'keys.json');
    const keyring = new TenantKeyring({ kek: provider(), store: new FileWrappedKeyStore({ path }) });
    const keys = [(await keyring.forTenant('T1')).current, await keyring.rotate('T1')];
    const text = await readFile(path, 'utf8');
    for (const key of keys) {
      const raw = Buffer.from(key.exposeBytes());
      for (const encoded of [raw.toString('hex'), raw.toString('base64'), raw.toString('base64url')]) {
        expect(text).not.toContain(encoded);
      }
    }
  });

  it('keeps old wrapped keys usable after the KMS key rotates', async () => {
    const store = new MemoryWrappedKeyStore();
    const keyring = new TenantKeyring({ kek: provider(), store });
    await keyring.forTenant('T1');
    const v2 = kms.rotate(KEY);
    await keyring.rotate('T1');
    const entries = await store.get('T1');
    expect(entries.map((e) => e.wrapped.kekVersion)).toEqual([V1, v2]);
    const reloaded = await new TenantKeyring({ kek: provider(), store }).forTenant('T1');
    expect(reloaded.current.version).toBe(2);
  });

  it('fails closed with key_disabled when the primary version is disabled, naming key and fix', async () => {
    const store = new MemoryWrappedKeyStore();
    await new TenantKeyring({ kek: provider(), store }).forTenant('T1');
    kms.disableVersion(V1);
    const checked = await expectKeyError(provider().check(), 'key_disabled');
    expect(checked.key).toBe(KEY);
    expect(checked.state).toBe('DISABLED');
    expect(checked.message).toContain(V1);
    expect(checked.message).toContain('gcloud kms keys versions enable 1');
    const unwrapping = await expectKeyError(
      new TenantKeyring({ kek: provider(), store }).forTenant('T1'),
      'key_disabled',
    );
    expect(unwrapping.cause).toBeDefined();
    await expectKeyError(new TenantKeyring({ kek: provider(), store }).forTenant('T2'), 'key_disabled');
  });

  it('fails closed with key_destroyed when the version is scheduled for destruction or destroyed', async () => {
    const store = new MemoryWrappedKeyStore();
    await new TenantKeyring({ kek: provider(), store }).forTenant('T1');
    kms.destroyVersion(V1);
    const scheduled = await expectKeyError(provider().check(), 'key_destroyed');
    expect(scheduled.state).toBe('DESTROY_SCHEDULED');
    expect(scheduled.message).toContain('gcloud kms keys versions restore 1');
    await expectKeyError(new TenantKeyring({ kek: provider(), store }).forTenant('T1'), 'key_destroyed');
    kms.destroyVersion(V1, { immediate: true });
    expect((await expectKeyError(provider().check(), 'key_destroyed')).state).toBe('DESTROYED');
  });

  it('fails closed on a wrong access token and on missing IAM permission', async () => {
    const unauthenticated = await expectKeyError(provider('wrong-token').check(), 'key_unavailable');
    expect(unauthenticated.kmsStatus).toBe('UNAUTHENTICATED');
    expect(unauthenticated.message).toContain('roles/cloudkms.cryptoKeyEncrypterDecrypter');
    const denied = await expectKeyError(
      provider('no-iam-token').wrap(new Uint8Array(32), new Uint8Array()),
      'key_unavailable',
    );
    expect(denied.kmsStatus).toBe('PERMISSION_DENIED');
  });

  it('treats other precondition failures (e.g. KMS API not enabled) as fatal kms_error', async () => {
    kms.injectFailure({
      status: 'FAILED_PRECONDITION',
      message: 'Google Cloud KMS API has not been used in project acme before or it is disabled.',
    });
    const error = await expectKeyError(provider().check(), 'kms_error');
    expect(error.kmsStatus).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain('Cloud KMS API is enabled');
  });

  it('reports a missing key as key_missing', async () => {
    const missing = await expectKeyError(provider(kms.accessToken, `${KEY}-gone`).check(), 'key_missing');
    expect(missing.kmsStatus).toBe('NOT_FOUND');
  });

  it('treats an unavailable KMS as retryable, then succeeds', async () => {
    const kek = provider();
    kms.injectFailure({ status: 'UNAVAILABLE', method: 'Encrypt' });
    const error = await rejection(kek.wrap(new Uint8Array(32), new Uint8Array()));
    expect(error).toBeInstanceOf(RetryableError);
    expect(isSluiceError(error) && error.code).toBe('kms_error');
    await expect(kek.wrap(new Uint8Array(32), new Uint8Array())).resolves.toMatchObject({ kekVersion: V1 });
  });

  it('refuses blobs wrapped by another KMS key', async () => {
    const other = `${KEY}-other`;
    kms.createKey(other);
    const blob = await provider(kms.accessToken, other).wrap(new Uint8Array(32), new Uint8Array());
    await expectKeyError(provider().unwrap(blob, new Uint8Array()), 'key_missing');
    // Even relabelled as ours, KMS rejects it: the ciphertext is bound to the key that made it.
    await expectKeyError(provider().unwrap({ ...blob, kek: `gcp-kms:${KEY}` }, new Uint8Array()), 'key_unavailable');
  });
});

describe('CloudKmsKeyProvider CRC32C verification', () => {
  it('rejects a response corrupted in transit as retryable, on wrap and on unwrap', async () => {
    const kek = provider();
    kms.corruptNextResponse('Encrypt');
    const wrapError = await rejection(kek.wrap(new Uint8Array(32).fill(9), new Uint8Array()));
    expect(wrapError).toBeInstanceOf(RetryableError);
    expect(isSluiceError(wrapError) && wrapError.code).toBe('kms_error');
    const blob = await kek.wrap(new Uint8Array(32).fill(9), new Uint8Array());
    kms.corruptNextResponse('Decrypt');
    expect(await rejection(kek.unwrap(blob, new Uint8Array()))).toBeInstanceOf(RetryableError);
    expect(await kek.unwrap(blob, new Uint8Array())).toEqual(new Uint8Array(32).fill(9));
  });
});
