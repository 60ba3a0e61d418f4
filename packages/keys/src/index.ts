/**
 * Per-tenant token keys wrapped by a key-encryption key (Cloud KMS or a local key file), and the
 * deterministic token codec (one-way HMAC or reversible AES-SIV tokens). See README.md for the key
 * hierarchy and the token format.
 */
export type { CloudKmsClientOptions, CloudKmsKeyProviderOptions } from './cloud-kms-key-provider.js';
export { CloudKmsKeyProvider } from './cloud-kms-key-provider.js';
export { crc32c } from './crc32c.js';
export { KeyUnavailableError, TokenError } from './errors.js';
export type { KeyEncryptionKey, KeyStatus, WrappedBlob } from './kek.js';
export type { LocalKeyProviderOptions } from './local-key-provider.js';
export { LocalKeyProvider } from './local-key-provider.js';
export type { TenantKeyringOptions, TenantKeys } from './tenant-keyring.js';
export { DataKey, TenantKeyring } from './tenant-keyring.js';
export type { FoundToken, ParsedToken, TokenMode } from './token-format.js';
export { findTokens, parseToken, TOKEN_PATTERN_SOURCE, tokenPattern } from './token-format.js';
export type { DetokenizedValue, Tokenizer, TokenizerMode, TokenizerOptions } from './tokenizer.js';
export { createTokenizer } from './tokenizer.js';
export type { FileWrappedKeyStoreOptions, WrappedKeyEntry, WrappedKeyStore } from './wrapped-key-store.js';
export { FileWrappedKeyStore, MemoryWrappedKeyStore } from './wrapped-key-store.js';
