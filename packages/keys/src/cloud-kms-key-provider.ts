/**
 * `CloudKmsKeyProvider`: Google Cloud KMS as the key-encryption key, for production. Data keys are
 * wrapped with KMS `encrypt` (symmetric `ENCRYPT_DECRYPT` key, primary version) and unwrapped with
 * `decrypt`, both with additional authenticated data, and CRC32C-checked end to end the way Google
 * recommends (send checksums of what we send, require `verified*` flags, check the checksums of what
 * comes back). The client uses the REST transport (`fallback: true`), which also lets tests point it
 * at the `@sluice/testkit/kms` simulator. Every KMS failure becomes a `SluiceError`: a disabled,
 * destroyed, missing or forbidden key is fatal (fail closed); an unavailable service is retryable.
 */
import { KeyManagementServiceClient, type protos } from '@google-cloud/kms';
import { RetryableError, type SluiceError } from '@sluice/core';
import { crc32c } from './crc32c.js';
import { KeyUnavailableError } from './errors.js';
import type { KeyEncryptionKey, KeyStatus, WrappedBlob } from './kek.js';

/** Options of `new KeyManagementServiceClient(...)` (apiEndpoint, port, protocol, authClient, ...). */
export type CloudKmsClientOptions = NonNullable<ConstructorParameters<typeof KeyManagementServiceClient>[0]>;

export interface CloudKmsKeyProviderOptions {
  /** `projects/P/locations/L/keyRings/R/cryptoKeys/K`, a symmetric ENCRYPT_DECRYPT key. */
  keyName: string;
  /** A client to use (not closed by `close()`). */
  client?: KeyManagementServiceClient;
  /** Options for the client this provider creates when `client` is not given; `fallback: true` is the default. */
  clientOptions?: CloudKmsClientOptions;
}

const KEY_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/([^/]+)$/;

/** gRPC numeric codes to canonical names (errors from the gRPC transport carry numbers). */
const GRPC_CODES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

/** HTTP statuses to canonical names, for REST errors whose body could not be read. */
const HTTP_STATUSES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const TRANSIENT = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'INTERNAL', 'ABORTED', 'UNKNOWN']);

/**
 * A key-encryption key in Google Cloud KMS.
 *
 * @example
 * ```ts
 * const kek = new CloudKmsKeyProvider({ keyName: 'projects/acme/locations/europe-west1/keyRings/sluice/cryptoKeys/tokens' });
 * await kek.check(); // throws KeyUnavailableError (fatal) if the primary version is disabled or destroyed
 * ```
 */
export class CloudKmsKeyProvider implements KeyEncryptionKey {
  readonly keyName: string;
  readonly id: string;
  readonly #client: KeyManagementServiceClient;
  readonly #ownsClient: boolean;

  constructor(options: CloudKmsKeyProviderOptions) {
    if (!KEY_NAME.test(options.keyName)) {
      throw new TypeError('keyName must look like projects/P/locations/L/keyRings/R/cryptoKeys/K');
    }
    this.keyName = options.keyName;
    this.id = `gcp-kms:${options.keyName}`;
    this.#ownsClient = options.client === undefined;
    this.#client = options.client ?? new KeyManagementServiceClient({ fallback: true, ...options.clientOptions });
  }

  async wrap(plaintext: Uint8Array, aad: Uint8Array): Promise<WrappedBlob> {
    let response: protos.google.cloud.kms.v1.IEncryptResponse;
    try {
      [response] = await this.#client.encrypt({
        name: this.keyName,
        plaintext,
        additionalAuthenticatedData: aad,
        plaintextCrc32c: { value: crc32c(plaintext) },
        additionalAuthenticatedDataCrc32c: { value: crc32c(aad) },
      });
    } catch (error) {
      throw this.#failure(error, 'encrypt');
    }
    const ciphertext = toBytes(response.ciphertext);
    if (
      response.verifiedPlaintextCrc32c !== true ||
      response.verifiedAdditionalAuthenticatedDataCrc32c !== true ||
      int64(response.ciphertextCrc32c?.value) !== crc32c(ciphertext)
    ) {
      throw this.#corrupted('encrypt');
    }
    if (typeof response.name !== 'string' || !response.name.startsWith(`${this.keyName}/cryptoKeyVersions/`)) {
      throw new KeyUnavailableError(
        'kms_error',
        this.keyName,
        `Cloud KMS encrypted with an unexpected key (${String(response.name)}).`,
      );
    }
    return { kek: this.id, kekVersion: response.name, ciphertext: Buffer.from(ciphertext).toString('base64') };
  }

  async unwrap(blob: WrappedBlob, aad: Uint8Array): Promise<Uint8Array> {
    if (blob.kek !== this.id) {
      throw new KeyUnavailableError(
        'key_missing',
        this.keyName,
        `A data key was wrapped by ${blob.kek}, but this deployment uses ${this.id}. Configure the KMS key that wrapped the key store.`,
      );
    }
    const ciphertext = Buffer.from(blob.ciphertext, 'base64');
    let response: protos.google.cloud.kms.v1.IDecryptResponse;
    try {
      [response] = await this.#client.decrypt({
        name: this.keyName,
        ciphertext,
        additionalAuthenticatedData: aad,
        ciphertextCrc32c: { value: crc32c(ciphertext) },
        additionalAuthenticatedDataCrc32c: { value: crc32c(aad) },
      });
    } catch (error) {
      throw this.#failure(error, 'decrypt');
    }
    const plaintext = toBytes(response.plaintext);
    if (int64(response.plaintextCrc32c?.value) !== crc32c(plaintext)) throw this.#corrupted('decrypt');
    return plaintext;
  }

  async check(): Promise<KeyStatus> {
    let key: protos.google.cloud.kms.v1.ICryptoKey;
    try {
      [key] = await this.#client.getCryptoKey({ name: this.keyName });
    } catch (error) {
      throw this.#failure(error, 'getCryptoKey');
    }
    const primary = key.primary;
    if (primary === null || primary === undefined || typeof primary.name !== 'string') {
      throw new KeyUnavailableError(
        'key_unavailable',
        this.keyName,
        `Cloud KMS key ${this.keyName} has no primary version: use a symmetric ENCRYPT_DECRYPT key.`,
      );
    }
    const state = String(primary.state);
    if (state !== 'ENABLED') throw this.#stateError(primary.name, state);
    return { kek: this.id, state: 'enabled', primaryVersion: primary.name };
  }

  /** Closes the client if this provider created it. */
  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.close();
  }

  #stateError(versionName: string, state: string, cause?: unknown): KeyUnavailableError {
    const [, project, location, keyRing, key] = KEY_NAME.exec(this.keyName)!;
    const versionId = versionName.split('/').pop();
    const where = `--key ${key} --keyring ${keyRing} --location ${location} --project ${project}`;
    const options = { state, ...(cause === undefined ? {} : { cause }) };
    if (state === 'DISABLED') {
      return new KeyUnavailableError(
        'key_disabled',
        this.keyName,
        `Cloud KMS key version ${versionName} is DISABLED, so Sluice stops rather than write untokenized data. ` +
          `Fix: gcloud kms keys versions enable ${versionId} ${where} (or make an enabled version primary).`,
        options,
      );
    }
    if (state === 'DESTROYED' || state === 'DESTROY_SCHEDULED') {
      return new KeyUnavailableError(
        'key_destroyed',
        this.keyName,
        `Cloud KMS key version ${versionName} is ${state}. ` +
          (state === 'DESTROY_SCHEDULED'
            ? `Fix: gcloud kms keys versions restore ${versionId} ${where}, then enable it.`
            : 'It cannot be recovered: tokens made with data keys it wrapped can no longer be reversed.'),
        options,
      );
    }
    return new KeyUnavailableError(
      'key_unavailable',
      this.keyName,
      `Cloud KMS key version ${versionName} is ${state}, not ENABLED.`,
      options,
    );
  }

  #corrupted(operation: string): RetryableError {
    return new RetryableError(
      'kms_error',
      `Cloud KMS ${operation} on ${this.keyName} failed its CRC32C integrity check (corrupted in transit); retry.`,
    );
  }

  #failure(error: unknown, operation: string): SluiceError {
    const { status, message } = describeKmsError(error);
    const detail = `Cloud KMS ${operation} on ${this.keyName} failed with ${status}`;
    if (status === 'FAILED_PRECONDITION') {
      const state =
        /current state is: ([A-Z_]+)/.exec(message)?.[1] ??
        /\b(DESTROY_SCHEDULED|DESTROYED|DISABLED)\b/.exec(message)?.[1];
      const version = /(projects\/\S+\/cryptoKeyVersions\/\d+)/.exec(message)?.[1] ?? this.keyName;
      if (state !== undefined) return this.#stateError(version, state, error);
    }
    if (status === 'PERMISSION_DENIED' || status === 'UNAUTHENTICATED') {
      return new KeyUnavailableError(
        'key_unavailable',
        this.keyName,
        `${detail}. Fix: check the credentials Sluice runs with and grant them roles/cloudkms.cryptoKeyEncrypterDecrypter on ${this.keyName}` +
          `${operation === 'getCryptoKey' ? ' (plus cloudkms.cryptoKeys.get, e.g. roles/cloudkms.viewer)' : ''}.`,
        { cause: error, kmsStatus: status },
      );
    }
    if (status === 'NOT_FOUND') {
      return new KeyUnavailableError('key_missing', this.keyName, `${detail}: the key does not exist. Check keyName.`, {
        cause: error,
        kmsStatus: status,
      });
    }
    if (status === 'INVALID_ARGUMENT' && operation === 'decrypt') {
      return new KeyUnavailableError(
        'key_unavailable',
        this.keyName,
        `${detail}: the wrapped data key or its binding (tenant, version) was altered, or another KMS key wrapped it.`,
        { cause: error, kmsStatus: status },
      );
    }
    if (status === 'FAILED_PRECONDITION') {
      return new KeyUnavailableError(
        'kms_error',
        this.keyName,
        `${detail}. Check that the Cloud KMS API is enabled in the key's project and that the key is a symmetric ENCRYPT_DECRYPT key.`,
        { cause: error, kmsStatus: status },
      );
    }
    if (TRANSIENT.has(status)) return new RetryableError('kms_error', `${detail}; retry.`, { cause: error });
    return new KeyUnavailableError('kms_error', this.keyName, `${detail}.`, { cause: error, kmsStatus: status });
  }
}

/**
 * The canonical status and message of a KMS client error. The REST transport rejects with a
 * GaxiosError whose `status` is the HTTP status and whose message is Google's JSON error body; the
 * gRPC transport rejects with a GoogleError whose `code` is the numeric gRPC code.
 */
export function describeKmsError(error: unknown): { status: string; message: string } {
  if (typeof error !== 'object' || error === null) return { status: 'UNKNOWN', message: '' };
  const { message, status, code } = error as { message?: unknown; status?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : '';
  try {
    const body = JSON.parse(text) as { error?: { status?: unknown; message?: unknown } };
    if (typeof body.error?.status === 'string') {
      return { status: body.error.status, message: typeof body.error.message === 'string' ? body.error.message : '' };
    }
  } catch {
    // not a JSON body
  }
  if (typeof status === 'number' && HTTP_STATUSES[status] !== undefined)
    return { status: HTTP_STATUSES[status], message: text };
  if (typeof code === 'number' && GRPC_CODES[code] !== undefined) return { status: GRPC_CODES[code], message: text };
  // Connection refused, reset, DNS: the service could not be reached.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return { status: 'UNAVAILABLE', message: code };
  return { status: 'UNKNOWN', message: text };
}

function toBytes(value: Uint8Array | string | null | undefined): Uint8Array {
  if (value === null || value === undefined) return new Uint8Array();
  return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : new Uint8Array(value);
}

function int64(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  const number = Number(String(value));
  return Number.isFinite(number) ? number : undefined;
}
