/**
 * Errors raised by `@sluice/keys`, as subclasses of the core failure classes so the pipeline knows
 * what to do: an unusable key-encryption key stops the pipeline (`FatalError`: fail closed, never
 * write clear data), a bad token only fails the record that carries it (`PermanentError`). Messages
 * name keys, files and fixes; they never contain token values, plaintext or key material.
 */
import type { SluiceErrorCode, SluiceErrorOptions } from '@sluice/core';
import { FatalError, PermanentError } from '@sluice/core';

/** A key-encryption key (local key file or Cloud KMS key) cannot be used. */
export class KeyUnavailableError extends FatalError {
  /** The key file path or KMS resource name. */
  readonly key: string;
  /** KMS version state when known (`DISABLED`, `DESTROYED`, `DESTROY_SCHEDULED`, ...). */
  readonly state: string | undefined;
  /** Canonical status of the failed KMS call when there was one (`PERMISSION_DENIED`, `UNAUTHENTICATED`, ...). */
  readonly kmsStatus: string | undefined;
  constructor(
    code: Extract<SluiceErrorCode, 'key_unavailable' | 'key_disabled' | 'key_destroyed' | 'key_missing' | 'kms_error'>,
    key: string,
    message: string,
    options: SluiceErrorOptions & { state?: string; kmsStatus?: string } = {},
  ) {
    super(code, message, options);
    this.key = key;
    this.state = options.state;
    this.kmsStatus = options.kmsStatus;
  }
}

/** A token that cannot be turned back into its value. */
export class TokenError extends PermanentError {
  constructor(
    code: Extract<SluiceErrorCode, 'token_invalid' | 'detokenize_not_allowed'>,
    message: string,
    options: SluiceErrorOptions = {},
  ) {
    super(code, message, options);
  }
}
