/**
 * The simulated Cloud KMS state: symmetric CryptoKeys (`ENCRYPT_DECRYPT`, algorithm
 * `GOOGLE_SYMMETRIC_ENCRYPTION`) with versions that move through ENABLED, DISABLED,
 * DESTROY_SCHEDULED and DESTROYED the way the real service allows. Encryption is real AES-256-GCM
 * with key material held only in memory. Like real KMS ciphertext, ours names the version that
 * made it (so decrypt needs only the CryptoKey name) and is bound to its CryptoKey.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KmsApiError } from './errors.js';

export type KmsVersionState = 'ENABLED' | 'DISABLED' | 'DESTROY_SCHEDULED' | 'DESTROYED';

/** Proto enum numbers, used when the client asks for `enum-encoding=int` (the REST transport does). */
export const VERSION_STATE_NUMBERS: Record<KmsVersionState, number> = {
  ENABLED: 1,
  DISABLED: 2,
  DESTROYED: 3,
  DESTROY_SCHEDULED: 4,
};

const KEY_NAME = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/:]+$/;
const VERSION_NAME =
  /^(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/:]+)\/cryptoKeyVersions\/([1-9][0-9]*)$/;
const MAX_DATA_BYTES = 64 * 1024;
/** Real KMS schedules destruction 30 days out by default. */
const DESTROY_SCHEDULED_SECONDS = 30 * 24 * 60 * 60;
const CIPHERTEXT_MAGIC = 0x53;
const KEY_UID_BYTES = 8;
const HEADER_BYTES = 1 + KEY_UID_BYTES + 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SimVersion {
  readonly id: number;
  readonly name: string;
  state: KmsVersionState;
  material: Buffer | undefined;
  readonly createTime: string;
  destroyTime: string | undefined;
  destroyEventTime: string | undefined;
}

export interface SimKey {
  readonly name: string;
  /** Random per key, embedded in ciphertext so that another key's ciphertext is recognised. */
  readonly uid: Buffer;
  readonly createTime: string;
  primary: number;
  readonly versions: Map<number, SimVersion>;
}

export function isKeyName(name: string): boolean {
  return KEY_NAME.test(name);
}

export function parseVersionName(name: string): { key: string; id: number } | undefined {
  const match = VERSION_NAME.exec(name);
  return match === null ? undefined : { key: match[1]!, id: Number(match[2]) };
}

/** All keys of one simulator. */
export class KmsState {
  readonly keys = new Map<string, SimKey>();

  createKey(name: string): SimKey {
    if (!isKeyName(name)) {
      throw new KmsApiError(
        'INVALID_ARGUMENT',
        `Resource name [${name}] does not match any known type (expected projects/P/locations/L/keyRings/R/cryptoKeys/K).`,
      );
    }
    if (this.keys.has(name)) throw new KmsApiError('ALREADY_EXISTS', `CryptoKey ${name} already exists.`);
    const key: SimKey = { name, uid: randomBytes(KEY_UID_BYTES), createTime: now(), primary: 1, versions: new Map() };
    this.keys.set(name, key);
    this.addVersion(key);
    return key;
  }

  key(name: string): SimKey {
    const key = this.keys.get(name);
    if (key === undefined) throw new KmsApiError('NOT_FOUND', `CryptoKey ${name} not found.`);
    return key;
  }

  version(name: string): { key: SimKey; version: SimVersion } {
    const parsed = parseVersionName(name);
    if (parsed === undefined)
      throw new KmsApiError('INVALID_ARGUMENT', `Resource name [${name}] is not a CryptoKeyVersion.`);
    const key = this.key(parsed.key);
    const version = key.versions.get(parsed.id);
    if (version === undefined) throw new KmsApiError('NOT_FOUND', `CryptoKeyVersion ${name} not found.`);
    return { key, version };
  }

  addVersion(key: SimKey): SimVersion {
    const id = Math.max(0, ...key.versions.keys()) + 1;
    const version: SimVersion = {
      id,
      name: `${key.name}/cryptoKeyVersions/${id}`,
      state: 'ENABLED',
      material: randomBytes(32),
      createTime: now(),
      destroyTime: undefined,
      destroyEventTime: undefined,
    };
    key.versions.set(id, version);
    return version;
  }

  setPrimary(key: SimKey, id: number): void {
    const version = key.versions.get(id);
    if (version === undefined)
      throw new KmsApiError('NOT_FOUND', `CryptoKeyVersion ${key.name}/cryptoKeyVersions/${id} not found.`);
    requireEnabled(version);
    key.primary = id;
  }

  setState(version: SimVersion, state: KmsVersionState): void {
    if (state !== 'ENABLED' && state !== 'DISABLED') {
      throw new KmsApiError(
        'INVALID_ARGUMENT',
        `Cannot set the state of a CryptoKeyVersion to ${state} with an update.`,
      );
    }
    if (version.state !== 'ENABLED' && version.state !== 'DISABLED') {
      throw new KmsApiError(
        'FAILED_PRECONDITION',
        `${version.name} is in state ${version.state} and cannot be enabled or disabled.`,
      );
    }
    version.state = state;
  }

  /** `immediate`: skip the scheduled period, as if 30 days had passed (material is erased). */
  destroy(version: SimVersion, immediate: boolean): void {
    if (version.state === 'DESTROYED' || (version.state === 'DESTROY_SCHEDULED' && !immediate)) {
      throw new KmsApiError('FAILED_PRECONDITION', `${version.name} is already ${version.state}.`);
    }
    if (immediate) {
      version.state = 'DESTROYED';
      version.material = undefined;
      version.destroyEventTime = now();
      version.destroyTime ??= now();
    } else {
      version.state = 'DESTROY_SCHEDULED';
      version.destroyTime = new Date(Date.now() + DESTROY_SCHEDULED_SECONDS * 1000).toISOString();
    }
  }

  restore(version: SimVersion): void {
    if (version.state !== 'DESTROY_SCHEDULED') {
      throw new KmsApiError(
        'FAILED_PRECONDITION',
        `${version.name} is not scheduled for destruction (state ${version.state}).`,
      );
    }
    version.state = 'DISABLED';
    version.destroyTime = undefined;
  }

  /** Encrypts with the primary version (or the named one): `magic | key uid | version | iv | ciphertext | tag`. */
  encrypt(key: SimKey, version: SimVersion, plaintext: Buffer, aad: Buffer): Buffer {
    checkSize('plaintext', plaintext);
    checkSize('additional_authenticated_data', aad);
    requireEnabled(version);
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = CIPHERTEXT_MAGIC;
    key.uid.copy(header, 1);
    header.writeUInt32BE(version.id, 1 + KEY_UID_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', version.material!, iv);
    cipher.setAAD(Buffer.concat([header, aad]));
    return Buffer.concat([header, iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  /** Decrypts with the version named inside the ciphertext. */
  decrypt(key: SimKey, ciphertext: Buffer, aad: Buffer): { plaintext: Buffer; version: SimVersion } {
    checkSize('additional_authenticated_data', aad);
    const wrongKey = () =>
      new KmsApiError('INVALID_ARGUMENT', "Decryption failed: verify that 'name' refers to the correct CryptoKey.");
    if (ciphertext.length < HEADER_BYTES + IV_BYTES + TAG_BYTES || ciphertext[0] !== CIPHERTEXT_MAGIC) {
      throw new KmsApiError('INVALID_ARGUMENT', 'Decryption failed: the ciphertext is invalid.');
    }
    if (!ciphertext.subarray(1, 1 + KEY_UID_BYTES).equals(key.uid)) throw wrongKey();
    const version = key.versions.get(ciphertext.readUInt32BE(1 + KEY_UID_BYTES));
    if (version === undefined)
      throw new KmsApiError('INVALID_ARGUMENT', 'Decryption failed: the ciphertext is invalid.');
    requireEnabled(version);
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        version.material!,
        ciphertext.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES),
      );
      decipher.setAAD(Buffer.concat([ciphertext.subarray(0, HEADER_BYTES), aad]));
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
      const plaintext = Buffer.concat([
        decipher.update(ciphertext.subarray(HEADER_BYTES + IV_BYTES, ciphertext.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return { plaintext, version };
    } catch {
      throw wrongKey();
    }
  }
}

function requireEnabled(version: SimVersion): void {
  if (version.state !== 'ENABLED') {
    throw new KmsApiError('FAILED_PRECONDITION', `${version.name} is not enabled, current state is: ${version.state}.`);
  }
}

function checkSize(field: string, data: Buffer): void {
  if (data.length > MAX_DATA_BYTES) {
    throw new KmsApiError(
      'INVALID_ARGUMENT',
      `The ${field} is too large: ${data.length} bytes, at most ${MAX_DATA_BYTES}.`,
    );
  }
}

function now(): string {
  return new Date().toISOString();
}
