/**
 * Tests for the byte encodings under tokens and AAD: base32 round trips and canonical decoding,
 * unambiguous AAD framing, and the CRC32C check value used against Cloud KMS.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';
import { base32Decode, base32Encode, framedAad } from './encoding.js';

describe('base32', () => {
  it('matches RFC 4648 test vectors (lowercase, unpadded)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(Buffer.from(base32Decode(encoded)!).toString()).toBe(plain);
    }
  });

  it('round-trips random bytes of every length up to 40', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = new Uint8Array(randomBytes(length));
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    }
  });

  it('rejects characters outside the alphabet, impossible lengths and non-zero trailing bits', () => {
    expect(base32Decode('MZXW6')).toBeUndefined();
    expect(base32Decode('mzx1')).toBeUndefined();
    expect(base32Decode('m')).toBeUndefined();
    // 'mz' decodes to one byte with 2 trailing bits that must be zero: 'my' is canonical, 'mz' is not.
    expect(base32Decode('mz')).toBeUndefined();
  });
});

describe('framedAad', () => {
  it('keeps part boundaries, so shifting bytes between parts changes the AAD', () => {
    expect(Buffer.from(framedAad('ab', 'c'))).not.toEqual(Buffer.from(framedAad('a', 'bc')));
    expect(Buffer.from(framedAad('a', 'b')).toString('hex')).toBe('00000001610000000162');
  });
});

describe('crc32c', () => {
  it('gives the Castagnoli check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array())).toBe(0);
  });
});
