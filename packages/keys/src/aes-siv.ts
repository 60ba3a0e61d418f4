/**
 * AES-SIV, RFC 5297 (S2V over AES-CMAC, then AES-CTR), on node:crypto's native AES. `@noble/ciphers`
 * v2 has an RFC 5297 `aessiv` too (tests cross-check against it), but it is pure JavaScript and
 * re-derives everything per message; tokenizing is a hot path, so this version runs CMAC as one
 * AES-CBC pass and lets callers precompute the S2V state of associated data that does not change
 * (tenant, entity type), leaving one CMAC and one CTR pass per token.
 */
import { createCipheriv, timingSafeEqual } from 'node:crypto';

const BLOCK = 16;
const ZERO_BLOCK = new Uint8Array(BLOCK);

/** S2V state after the associated data components, reusable for any number of messages. */
export interface SivAssociatedData {
  readonly state: Uint8Array;
}

/** One AES-SIV key (32, 48 or 64 bytes: AES-128/192/256-SIV). */
export class AesSiv {
  readonly #macKey: Uint8Array;
  readonly #ctrKey: Uint8Array;
  readonly #cbc: string;
  readonly #ctr: string;
  readonly #k1: Uint8Array;
  readonly #k2: Uint8Array;

  constructor(key: Uint8Array) {
    if (![32, 48, 64].includes(key.length)) throw new RangeError('AES-SIV key must be 32, 48 or 64 bytes');
    const half = key.length / 2;
    const bits = half * 8;
    // RFC 5297 2.6: K1 = leftmost half for S2V, K2 = rightmost half for CTR.
    this.#macKey = Uint8Array.from(key.subarray(0, half));
    this.#ctrKey = Uint8Array.from(key.subarray(half));
    this.#cbc = `aes-${bits}-cbc`;
    this.#ctr = `aes-${bits}-ctr`;
    const l = this.#cbcMac(ZERO_BLOCK);
    this.#k1 = dbl(l);
    this.#k2 = dbl(this.#k1);
  }

  /** Runs S2V over the associated data components (RFC 5297 2.4, all but the final string). */
  associatedData(...components: Uint8Array[]): SivAssociatedData {
    let d = this.#cmac(ZERO_BLOCK);
    for (const component of components) d = xor(dbl(d), this.#cmac(component));
    return { state: d };
  }

  /** `V || C` (RFC 5297 2.6). */
  seal(ad: SivAssociatedData, plaintext: Uint8Array): Uint8Array {
    const v = this.#s2v(ad, plaintext);
    const out = new Uint8Array(BLOCK + plaintext.length);
    out.set(v);
    out.set(this.#ctrXor(v, plaintext), BLOCK);
    return out;
  }

  /** The plaintext, or `undefined` when `sealed` does not authenticate (RFC 5297 2.7). */
  open(ad: SivAssociatedData, sealed: Uint8Array): Uint8Array | undefined {
    if (sealed.length < BLOCK) return undefined;
    const v = sealed.subarray(0, BLOCK);
    const plaintext = this.#ctrXor(v, sealed.subarray(BLOCK));
    return timingSafeEqual(this.#s2v(ad, plaintext), v) ? plaintext : undefined;
  }

  #s2v(ad: SivAssociatedData, last: Uint8Array): Uint8Array {
    let t: Uint8Array;
    if (last.length >= BLOCK) {
      t = Uint8Array.from(last);
      const offset = t.length - BLOCK;
      for (let i = 0; i < BLOCK; i++) t[offset + i]! ^= ad.state[i]!;
    } else {
      t = xor(dbl(ad.state), pad(last));
    }
    return this.#cmac(t);
  }

  /** AES-CMAC (RFC 4493) as one CBC pass with the last block masked by K1 or K2. */
  #cmac(message: Uint8Array): Uint8Array {
    const blocks = Math.max(1, Math.ceil(message.length / BLOCK));
    const complete = message.length > 0 && message.length % BLOCK === 0;
    const input = new Uint8Array(blocks * BLOCK);
    input.set(message);
    const lastOffset = (blocks - 1) * BLOCK;
    if (!complete) input[message.length] = 0x80;
    const subkey = complete ? this.#k1 : this.#k2;
    for (let i = 0; i < BLOCK; i++) input[lastOffset + i]! ^= subkey[i]!;
    return this.#cbcMac(input);
  }

  /** Last block of AES-CBC with a zero IV over whole blocks. */
  #cbcMac(input: Uint8Array): Uint8Array {
    const cipher = createCipheriv(this.#cbc, this.#macKey, ZERO_BLOCK).setAutoPadding(false);
    const out = cipher.update(input);
    cipher.final();
    return new Uint8Array(out.subarray(out.length - BLOCK));
  }

  #ctrXor(v: Uint8Array, data: Uint8Array): Uint8Array {
    // RFC 5297 2.6: clear the 31st and 63rd bits (from the right) of the counter.
    const q = Uint8Array.from(v);
    q[8]! &= 0x7f;
    q[12]! &= 0x7f;
    const cipher = createCipheriv(this.#ctr, this.#ctrKey, q);
    return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
  }
}

function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = ((block[i]! << 1) | (i < BLOCK - 1 ? block[i + 1]! >>> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[BLOCK - 1]! ^= 0x87;
  return out;
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

function pad(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}
