/**
 * Byte encodings shared by the key hierarchy and the token codec: unambiguous AAD framing
 * (length-prefixed parts, so `("ab","c")` and `("a","bc")` never collide) and lowercase RFC 4648
 * base32 without padding, chosen for token bodies because its alphabet (`a-z2-7`) has no character
 * that Slack mrkdwn, JSON, SQL string literals or URLs treat specially.
 */

const encoder = new TextEncoder();
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE32_LOOKUP = new Map([...BASE32_ALPHABET].map((char, index) => [char, index]));

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Frames each part as a 4-byte big-endian length followed by its UTF-8 bytes. */
export function framedAad(...parts: string[]): Uint8Array {
  const encoded = parts.map(utf8);
  const out = new Uint8Array(encoded.reduce((sum, part) => sum + 4 + part.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const part of encoded) {
    view.setUint32(offset, part.length);
    out.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}

/** Lowercase base32 (RFC 4648 alphabet), no padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes unpadded lowercase base32. Returns `undefined` for any character outside the alphabet or
 * for non-zero trailing bits, so that exactly one text encodes each byte string (a token cannot be
 * varied without changing what it decodes to).
 */
export function base32Decode(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = BASE32_LOOKUP.get(char);
    if (value === undefined) return undefined;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
      buffer &= (1 << bits) - 1;
    }
  }
  if (bits >= 5 || buffer !== 0) return undefined;
  return out;
}
