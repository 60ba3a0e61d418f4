/**
 * The token codec. `tokenize(entityType, value)` is deterministic for a tenant and key version, so
 * equal values give equal tokens (joins, counts and distinct counts still work) while the same value
 * in another tenant, or of another entity type, gives a different token.
 *
 * - One-way (`hmac`, token mode `h`): HMAC-SHA-256 keyed by a subkey that HKDF derives from the
 *   tenant's data key and the entity type, truncated to 160 bits. At least 128 bits keeps the chance
 *   that two distinct values of one tenant share a token negligible (birthday bound: about 2^-80 for
 *   a billion values at 160 bits); 160 bits is exactly 32 base32 characters.
 * - Reversible (`reversible`, token mode `r`): AES-SIV (RFC 5297, deterministic authenticated
 *   encryption) with a 512-bit key derived from the data key and associated data = (label, tenant,
 *   entity type), so a token moved to another tenant or relabelled as another type fails
 *   authentication.
 *
 * Values are tokenized byte for byte (UTF-8): normalize them first (e.g. lowercase email domains) if
 * equal-meaning spellings should give one token.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { AesSiv, type SivAssociatedData } from './aes-siv.js';
import { base32Decode, base32Encode, utf8 } from './encoding.js';
import { TokenError } from './errors.js';
import type { DataKey, TenantKeyring, TenantKeys } from './tenant-keyring.js';
import { assertEntityType, formatToken, parseToken } from './token-format.js';

/** Bytes of HMAC output kept in a one-way token. */
const HMAC_TOKEN_BYTES = 20;
const HKDF_SALT = utf8('sluice/token/1');
const SIV_AAD_LABEL = utf8('sluice/token/1');

export type TokenizerMode = 'hmac' | 'reversible';

export interface TokenizerOptions {
  tenant: string;
  /** `hmac`: one-way tokens. `reversible`: tokens that `detokenize` can turn back into values. */
  mode: TokenizerMode;
}

/** What `detokenize` returns: enough for the caller's audit event, plus the value. */
export interface DetokenizedValue {
  readonly entityType: string;
  readonly keyVersion: number;
  readonly value: string;
}

export interface Tokenizer {
  readonly tenant: string;
  readonly mode: TokenizerMode;
  /** The token for `value`, made with the tenant's current key version. */
  tokenize(entityType: string, value: string): string;
  /**
   * The value behind a reversible token of this tenant. Throws `TokenError` with code
   * `detokenize_not_allowed` for one-way tokens and `token_invalid` for anything altered, foreign or
   * unparseable. Callers record the audit event (who, why, `entityType`, `keyVersion`), never `value`.
   */
  detokenize(token: string): Promise<DetokenizedValue>;
}

/**
 * Loads (or creates) the tenant's keys and returns its tokenizer.
 *
 * @example
 * ```ts
 * const tokenizer = await createTokenizer(keyring, { tenant: 'T024BE7LD', mode: 'reversible' });
 * const token = tokenizer.tokenize('EMAIL_ADDRESS', 'ada@example.com'); // [EMAIL-ADDRESS.v1.r.…]
 * (await tokenizer.detokenize(token)).value; // 'ada@example.com'
 * ```
 */
export async function createTokenizer(keyring: TenantKeyring, options: TokenizerOptions): Promise<Tokenizer> {
  if (options.mode !== 'hmac' && options.mode !== 'reversible') {
    throw new TypeError(`tokenizer mode must be "hmac" or "reversible"`);
  }
  const keys = await keyring.forTenant(options.tenant);
  return new KeyringTokenizer(keyring, keys, options.mode);
}

class KeyringTokenizer implements Tokenizer {
  readonly tenant: string;
  readonly mode: TokenizerMode;
  readonly #keyring: TenantKeyring;
  readonly #keys: TenantKeys;
  readonly #hmacKeys = new Map<string, Buffer>();
  readonly #sivKeys = new Map<number, { siv: AesSiv; ad: Map<string, SivAssociatedData> }>();

  constructor(keyring: TenantKeyring, keys: TenantKeys, mode: TokenizerMode) {
    this.tenant = keys.tenant;
    this.mode = mode;
    this.#keyring = keyring;
    this.#keys = keys;
  }

  tokenize(entityType: string, value: string): string {
    assertEntityType(entityType);
    if (typeof value !== 'string') throw new TypeError('value must be a string');
    const key = this.#keys.current;
    if (this.mode === 'hmac') {
      const mac = createHmac('sha256', this.#hmacKey(key, entityType)).update(value, 'utf8').digest();
      return formatToken(entityType, key.version, 'h', base32Encode(mac.subarray(0, HMAC_TOKEN_BYTES)));
    }
    const { siv, ad } = this.#siv(key, entityType);
    return formatToken(entityType, key.version, 'r', base32Encode(siv.seal(ad, utf8(value))));
  }

  async detokenize(token: string): Promise<DetokenizedValue> {
    const parsed = parseToken(token);
    if (parsed === undefined) throw new TokenError('token_invalid', 'Not a Sluice token.');
    if (parsed.mode === 'h') {
      throw new TokenError(
        'detokenize_not_allowed',
        `A one-way ${parsed.entityType} token cannot be detokenized: it holds an HMAC, not the value.`,
      );
    }
    let key = this.#keys.version(parsed.keyVersion);
    if (key === undefined && parsed.keyVersion > this.#keys.current.version) {
      // Another process may have rotated this tenant's key since we loaded it.
      key = (await this.#keyring.refresh(this.tenant)).version(parsed.keyVersion);
    }
    const sealed = base32Decode(parsed.body);
    if (key === undefined || sealed === undefined || sealed.length < 16) {
      throw new TokenError('token_invalid', `The ${parsed.entityType} token is not valid for tenant ${this.tenant}.`);
    }
    const { siv, ad } = this.#siv(key, parsed.entityType);
    const plaintext = siv.open(ad, sealed);
    if (plaintext === undefined) {
      throw new TokenError(
        'token_invalid',
        `The ${parsed.entityType} token failed authentication for tenant ${this.tenant} (altered, or made by another tenant).`,
      );
    }
    return { entityType: parsed.entityType, keyVersion: parsed.keyVersion, value: new TextDecoder().decode(plaintext) };
  }

  /** Per entity type, so equal values of different types never share a token. */
  #hmacKey(key: DataKey, entityType: string): Buffer {
    const id = `${key.version}\u0000${entityType}`;
    let subkey = this.#hmacKeys.get(id);
    if (subkey === undefined) {
      subkey = Buffer.from(hkdfSync('sha256', key.exposeBytes(), HKDF_SALT, `hmac\u0000${entityType}`, 32));
      this.#hmacKeys.set(id, subkey);
    }
    return subkey;
  }

  /** The version's AES-SIV key and the precomputed S2V state of (label, tenant, entity type). */
  #siv(key: DataKey, entityType: string): { siv: AesSiv; ad: SivAssociatedData } {
    let entry = this.#sivKeys.get(key.version);
    if (entry === undefined) {
      const subkey = new Uint8Array(hkdfSync('sha256', key.exposeBytes(), HKDF_SALT, 'aes-siv-512', 64));
      entry = { siv: new AesSiv(subkey), ad: new Map() };
      this.#sivKeys.set(key.version, entry);
    }
    let ad = entry.ad.get(entityType);
    if (ad === undefined) {
      ad = entry.siv.associatedData(SIV_AAD_LABEL, utf8(this.tenant), utf8(entityType));
      entry.ad.set(entityType, ad);
    }
    return { siv: entry.siv, ad };
  }
}
