/**
 * AES-SIV (RFC 5297) as used for reversible tokens. `@noble/ciphers` v2 exports `aessiv`, which is
 * RFC 5297 SIV (S2V with AES-CMAC, then AES-CTR), not AES-GCM-SIV (RFC 8452, noble's `gcmsiv`).
 * These tests pin it to the RFC 5297 appendix vectors and, for the 512-bit key size the tokenizer
 * uses (which the RFC has no vector for), to an independent S2V/CTR built on node:crypto.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { aessiv } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';

const hex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('AES-SIV (RFC 5297)', () => {
  it('reproduces appendix A.1, deterministic authenticated encryption', () => {
    const key = hex('fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    const ad = hex('101112131415161718191a1b1c1d1e1f 2021222324252627');
    const plaintext = hex('112233445566778899aabbccddee');
    const output = aessiv(key, ad).encrypt(plaintext);
    expect(toHex(output)).toBe('85632d07c6e8f37f950acd320a2ecc93' + '40c02b9690c4dc04daef7f6afe5c');
    expect(toHex(aessiv(key, ad).decrypt(output))).toBe(toHex(plaintext));
  });

  it('reproduces appendix A.2, nonce-based encryption with two AD components', () => {
    const key = hex('7f7e7d7c7b7a79787776757473727170 404142434445464748494a4b4c4d4e4f');
    const ad1 = hex('00112233445566778899aabbccddeeff deaddadadeaddadaffeeddccbbaa9988 7766554433221100');
    const ad2 = hex('102030405060708090a0');
    const nonce = hex('09f911029d74e35bd84156c5635688c0');
    const plaintext = hex(
      '7468697320697320736f6d6520706c61 696e7465787420746f20656e63727970 74207573696e67205349562d414553',
    );
    const output = aessiv(key, ad1, ad2, nonce).encrypt(plaintext);
    expect(toHex(output)).toBe(
      '7bdb6e3b432667eb06f4d14bff2fbd0f' +
        'cb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d',
    );
  });

  it('rejects a ciphertext with one flipped bit', () => {
    const key = new Uint8Array(randomBytes(64));
    const sealed = aessiv(key, hex('01')).encrypt(Buffer.from('hello'));
    for (const index of [0, 15, 16, sealed.length - 1]) {
      const tampered = Uint8Array.from(sealed);
      tampered[index]! ^= 1;
      expect(() => aessiv(key, hex('01')).decrypt(tampered)).toThrow();
    }
    expect(() => aessiv(key, hex('02')).decrypt(sealed)).toThrow();
  });

  it('agrees with an independent node:crypto S2V + CTR for 512-bit keys (AES-256-SIV)', () => {
    for (let i = 0; i < 20; i++) {
      const key = new Uint8Array(randomBytes(64));
      const ads = [new Uint8Array(randomBytes(i % 5)), new Uint8Array(randomBytes(20 + i))];
      const plaintext = new Uint8Array(randomBytes(i * 3));
      expect(toHex(aessiv(key, ...ads).encrypt(plaintext))).toBe(toHex(referenceSiv(key, ads, plaintext)));
    }
  });
});

// --- Independent reference: RFC 5297 sections 2.3-2.6, on AES-ECB and AES-CTR from node:crypto. ---

function aesBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}

function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = ((block[i]! << 1) | (i < 15 ? block[i + 1]! >> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((byte, i) => byte ^ b[i]!);
}

function cmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  const k1 = dbl(aesBlock(key, new Uint8Array(16)));
  const k2 = dbl(k1);
  const blocks = Math.max(1, Math.ceil(message.length / 16));
  let last: Uint8Array;
  if (message.length > 0 && message.length % 16 === 0) {
    last = xor(message.subarray((blocks - 1) * 16), k1);
  } else {
    const padded = new Uint8Array(16);
    padded.set(message.subarray((blocks - 1) * 16));
    padded[message.length - (blocks - 1) * 16] = 0x80;
    last = xor(padded, k2);
  }
  let state: Uint8Array = new Uint8Array(16);
  for (let i = 0; i < blocks - 1; i++) state = aesBlock(key, xor(state, message.subarray(i * 16, i * 16 + 16)));
  return aesBlock(key, xor(state, last));
}

function referenceSiv(key: Uint8Array, ads: Uint8Array[], plaintext: Uint8Array): Uint8Array {
  const k1 = key.subarray(0, key.length / 2);
  const k2 = key.subarray(key.length / 2);
  let d = cmac(k1, new Uint8Array(16));
  for (const ad of ads) d = xor(dbl(d), cmac(k1, ad));
  let t: Uint8Array;
  if (plaintext.length >= 16) {
    t = Uint8Array.from(plaintext);
    const offset = t.length - 16;
    for (let i = 0; i < 16; i++) t[offset + i]! ^= d[i]!;
  } else {
    const padded = new Uint8Array(16);
    padded.set(plaintext);
    padded[plaintext.length] = 0x80;
    t = xor(dbl(d), padded);
  }
  const v = cmac(k1, t);
  const q = Uint8Array.from(v);
  q[8]! &= 0x7f;
  q[12]! &= 0x7f;
  const ctr = createCipheriv(`aes-${k2.length * 8}-ctr`, k2, q);
  return new Uint8Array(Buffer.concat([v, ctr.update(plaintext), ctr.final()]));
}
