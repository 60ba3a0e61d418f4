/**
 * Tests for the token codec: determinism (across calls and across keyring instances sharing one
 * wrapped store), separation of tenants and entity types, reversible round trips, rejection of
 * tampered and foreign tokens, one-way tokens refusing detokenization, and key rotation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSluiceError } from '@sluice/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenError } from './errors.js';
import { LocalKeyProvider } from './local-key-provider.js';
import { TenantKeyring } from './tenant-keyring.js';
import { findTokens, parseToken } from './token-format.js';
import { createTokenizer } from './tokenizer.js';
import { MemoryWrappedKeyStore } from './wrapped-key-store.js';

let dir: string;
let kek: LocalKeyProvider;
let store: MemoryWrappedKeyStore;
let keyring: TenantKeyring;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-tokenizer-'));
  kek = new LocalKeyProvider({ path: join(dir, 'kek.json') });
  store = new MemoryWrappedKeyStore();
  keyring = new TenantKeyring({ kek, store });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectTokenError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  expect(isSluiceError(error) && error.code).toBe(code);
  expect(isSluiceError(error) && error.failure).toBe('permanent');
}

describe.each(['hmac', 'reversible'] as const)('%s tokens', (mode) => {
  const letter = mode === 'hmac' ? 'h' : 'r';

  it('are deterministic across calls and across keyring instances over the same store', async () => {
    const a = await createTokenizer(keyring, { tenant: 'T1', mode });
    const token = a.tokenize('EMAIL_ADDRESS', 'ada@example.com');
    expect(a.tokenize('EMAIL_ADDRESS', 'ada@example.com')).toBe(token);
    const restarted = new TenantKeyring({ kek: new LocalKeyProvider({ path: join(dir, 'kek.json') }), store });
    const b = await createTokenizer(restarted, { tenant: 'T1', mode });
    expect(b.tokenize('EMAIL_ADDRESS', 'ada@example.com')).toBe(token);
    expect(parseToken(token)).toMatchObject({ entityType: 'EMAIL_ADDRESS', keyVersion: 1, mode: letter });
  });

  it('differ between values, tenants and entity types', async () => {
    const t1 = await createTokenizer(keyring, { tenant: 'T1', mode });
    const t2 = await createTokenizer(keyring, { tenant: 'T2', mode });
    const token = t1.tokenize('PERSON', 'Ada');
    expect(t1.tokenize('PERSON', 'Ada ')).not.toBe(token);
    expect(t2.tokenize('PERSON', 'Ada')).not.toBe(token);
    const asOtherType = t1.tokenize('US_SSN', 'Ada');
    expect(parseToken(asOtherType)!.body).not.toBe(parseToken(token)!.body);
  });

  it('are found in text with their entity type', async () => {
    const tokenizer = await createTokenizer(keyring, { tenant: 'T1', mode });
    const email = tokenizer.tokenize('EMAIL_ADDRESS', 'ada@example.com');
    const text = `mail <mailto:${email}|${email}> or call ${tokenizer.tokenize('PHONE_NUMBER', '+1 555 0100')}`;
    expect(findTokens(text).map((t) => t.entityType)).toEqual(['EMAIL_ADDRESS', 'EMAIL_ADDRESS', 'PHONE_NUMBER']);
  });

  it('use the new key version after rotation', async () => {
    const tokenizer = await createTokenizer(keyring, { tenant: 'T1', mode });
    const before = tokenizer.tokenize('EMAIL_ADDRESS', 'ada@example.com');
    await keyring.rotate('T1');
    const after = tokenizer.tokenize('EMAIL_ADDRESS', 'ada@example.com');
    expect(parseToken(after)!.keyVersion).toBe(2);
    expect(parseToken(after)!.body).not.toBe(parseToken(before)!.body);
    expect(tokenizer.tokenize('EMAIL_ADDRESS', 'ada@example.com')).toBe(after);
  });
});

describe('reversible tokens', () => {
  it('round-trip any Unicode value and report entity type and key version', async () => {
    const tokenizer = await createTokenizer(keyring, { tenant: 'T1', mode: 'reversible' });
    for (const value of ['', 'ada@example.com', 'Zoë 🎉 <b>|*~`:smile:', 'x'.repeat(5000)]) {
      const token = tokenizer.tokenize('PERSON', value);
      await expect(tokenizer.detokenize(token)).resolves.toEqual({ entityType: 'PERSON', keyVersion: 1, value });
    }
  });

  it('still detokenize after rotation, including from a tokenizer created after it', async () => {
    const tokenizer = await createTokenizer(keyring, { tenant: 'T1', mode: 'reversible' });
    const v1 = tokenizer.tokenize('EMAIL_ADDRESS', 'ada@example.com');
    await keyring.rotate('T1');
    const v2 = tokenizer.tokenize('EMAIL_ADDRESS', 'ada@example.com');
    const fresh = await createTokenizer(new TenantKeyring({ kek, store }), { tenant: 'T1', mode: 'reversible' });
    await expect(fresh.detokenize(v1)).resolves.toMatchObject({ keyVersion: 1, value: 'ada@example.com' });
    await expect(fresh.detokenize(v2)).resolves.toMatchObject({ keyVersion: 2, value: 'ada@example.com' });
  });

  it('picks up a rotation made by another keyring instance when it meets a newer version', async () => {
    const reader = await createTokenizer(new TenantKeyring({ kek, store }), { tenant: 'T1', mode: 'reversible' });
    const writer = await createTokenizer(keyring, { tenant: 'T1', mode: 'reversible' });
    await keyring.rotate('T1');
    await expect(reader.detokenize(writer.tokenize('PERSON', 'Ada'))).resolves.toMatchObject({ keyVersion: 2 });
  });

  it('reject tampered tokens with token_invalid', async () => {
    const tokenizer = await createTokenizer(keyring, { tenant: 'T1', mode: 'reversible' });
    const token = tokenizer.tokenize('EMAIL_ADDRESS', 'ada@example.com');
    const { body } = parseToken(token)!;
    const flipped = body.slice(0, 10) + (body[10] === 'a' ? 'b' : 'a') + body.slice(11);
    await expectTokenError(tokenizer.detokenize(token.replace(body, flipped)), 'token_invalid');
    await expectTokenError(tokenizer.detokenize(token.replace('EMAIL-ADDRESS', 'PERSON')), 'token_invalid');
    await expectTokenError(tokenizer.detokenize(token.replace('.v1.', '.v7.')), 'token_invalid');
    await expectTokenError(tokenizer.detokenize(token.replace(body, body.slice(0, -2))), 'token_invalid');
    await expectTokenError(tokenizer.detokenize('not a token'), 'token_invalid');
  });

  it('reject a token made for another tenant', async () => {
    const t1 = await createTokenizer(keyring, { tenant: 'T1', mode: 'reversible' });
    const t2 = await createTokenizer(keyring, { tenant: 'T2', mode: 'reversible' });
    await expectTokenError(t2.detokenize(t1.tokenize('PERSON', 'Ada')), 'token_invalid');
  });
});

describe('one-way tokens', () => {
  it('cannot be detokenized, even by a reversible tokenizer', async () => {
    const oneWay = await createTokenizer(keyring, { tenant: 'T1', mode: 'hmac' });
    const reversible = await createTokenizer(keyring, { tenant: 'T1', mode: 'reversible' });
    const token = oneWay.tokenize('EMAIL_ADDRESS', 'ada@example.com');
    await expectTokenError(oneWay.detokenize(token), 'detokenize_not_allowed');
    await expectTokenError(reversible.detokenize(token), 'detokenize_not_allowed');
  });

  it('keep 160 bits of HMAC (32 base32 characters)', async () => {
    const tokenizer = await createTokenizer(keyring, { tenant: 'T1', mode: 'hmac' });
    expect(parseToken(tokenizer.tokenize('URL', 'https://example.com'))!.body).toHaveLength(32);
  });
});

it('refuses entity types that cannot be written into a token', async () => {
  const tokenizer = await createTokenizer(keyring, { tenant: 'T1', mode: 'hmac' });
  for (const bad of ['email', 'EMAIL-ADDRESS', 'EMAIL__ADDRESS', '', 'A:B']) {
    expect(() => tokenizer.tokenize(bad, 'x')).toThrow(TypeError);
  }
});
