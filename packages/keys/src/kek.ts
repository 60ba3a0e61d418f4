/**
 * The key-encryption key (KEK) seam. Tenant data keys are only ever stored wrapped by a KEK; a KEK
 * provider is anything that can wrap and unwrap small secrets with associated data and say whether
 * it is usable. Two providers ship: `LocalKeyProvider` (a 0600 key file, the embedded default) and
 * `CloudKmsKeyProvider` (Google Cloud KMS, production).
 */

/** A secret wrapped by a KEK, in a JSON-friendly shape that can be stored as is. */
export interface WrappedBlob {
  /** Identity of the KEK that wrapped it: `local:<key id>` or `gcp-kms:<CryptoKey name>`. */
  readonly kek: string;
  /** KEK version used: `v3` for the local provider, the full CryptoKeyVersion name for Cloud KMS. */
  readonly kekVersion: string;
  /** Base64 ciphertext (provider-specific framing). */
  readonly ciphertext: string;
}

/** What `check()` reports for a usable KEK. Unusable keys throw `KeyUnavailableError` instead. */
export interface KeyStatus {
  /** Same identity as `WrappedBlob.kek`. */
  readonly kek: string;
  readonly state: 'enabled';
  /** The version new wraps use. */
  readonly primaryVersion: string;
}

/** A key-encryption key provider. Implementations must fail closed: throw, never return clear data. */
export interface KeyEncryptionKey {
  /** Human-readable identity for messages, e.g. `local:/var/lib/sluice/kek.json` or `gcp-kms:projects/p/.../cryptoKeys/k`. */
  readonly id: string;
  /** Encrypts `plaintext` bound to `aad`; unwrap must be given the same `aad`. */
  wrap(plaintext: Uint8Array, aad: Uint8Array): Promise<WrappedBlob>;
  /** Decrypts a blob produced by `wrap` with the same `aad`. */
  unwrap(blob: WrappedBlob, aad: Uint8Array): Promise<Uint8Array>;
  /** Verifies the key is usable now; throws `KeyUnavailableError` (fatal) when it is not. */
  check(): Promise<KeyStatus>;
}
