/**
 * `LocalKeyProvider`: the embedded default key-encryption key, a JSON key file holding one or more
 * AES-256 KEK versions. The file is created with mode 0600 on first use and refused (fail closed)
 * when group or others can access it, because anyone who can read it can unwrap every tenant key.
 * Wrapping is AES-256-GCM with a random 96-bit IV and the caller's AAD. `rotate()` appends a version:
 * new wraps use it, blobs wrapped by older versions still unwrap.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { KeyUnavailableError } from './errors.js';
import type { KeyEncryptionKey, KeyStatus, WrappedBlob } from './kek.js';

const FORMAT = 'sluice-local-kek';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface LocalKeyProviderOptions {
  /** Path of the key file. Created (mode 0600, parent directories 0700) when missing. */
  path: string;
  /** Create the file when it does not exist (default `true`). With `false` a missing file is fatal. */
  create?: boolean;
}

interface KeyVersion {
  version: number;
  createdAt: string;
  key: Buffer;
}

interface KeyFile {
  keyId: string;
  primaryVersion: number;
  versions: Map<number, KeyVersion>;
}

/**
 * A key-encryption key kept in a local file.
 *
 * @example
 * ```ts
 * const kek = new LocalKeyProvider({ path: '.sluice/kek.json' });
 * const blob = await kek.wrap(dataKey, aad);
 * const again = await kek.unwrap(blob, aad);
 * ```
 */
export class LocalKeyProvider implements KeyEncryptionKey {
  readonly path: string;
  readonly #create: boolean;
  #file: Promise<KeyFile> | undefined;

  constructor(options: LocalKeyProviderOptions) {
    this.path = resolve(options.path);
    this.#create = options.create ?? true;
  }

  /** `local:<absolute path>`, for messages. Blobs carry `local:<key id>` (random per key file) instead. */
  get id(): string {
    return `local:${this.path}`;
  }

  async wrap(plaintext: Uint8Array, aad: Uint8Array): Promise<WrappedBlob> {
    const file = await this.#load();
    const version = file.versions.get(file.primaryVersion)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', version.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { kek: `local:${file.keyId}`, kekVersion: `v${version.version}`, ciphertext: ciphertext.toString('base64') };
  }

  async unwrap(blob: WrappedBlob, aad: Uint8Array): Promise<Uint8Array> {
    let file = await this.#load();
    if (blob.kek !== `local:${file.keyId}`) {
      throw new KeyUnavailableError(
        'key_missing',
        this.path,
        `A data key was wrapped by ${blob.kek}, but key file ${this.path} is local:${file.keyId}. ` +
          'Point Sluice at the key file that wrapped the key store (or restore it from backup).',
      );
    }
    const number = /^v([1-9][0-9]*)$/.exec(blob.kekVersion)?.[1];
    let version = number === undefined ? undefined : file.versions.get(Number(number));
    if (version === undefined && number !== undefined) {
      // Another process may have rotated the file since we read it.
      this.#file = undefined;
      file = await this.#load();
      version = file.versions.get(Number(number));
    }
    if (version === undefined) {
      throw new KeyUnavailableError(
        'key_missing',
        this.path,
        `Key file ${this.path} has no KEK version ${blob.kekVersion}. Restore the key file that holds it from backup.`,
      );
    }
    const bytes = Buffer.from(blob.ciphertext, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw this.#unwrapFailed(blob);
    try {
      const decipher = createDecipheriv('aes-256-gcm', version.key, bytes.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad);
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, -TAG_BYTES)), decipher.final()]));
    } catch (cause) {
      throw this.#unwrapFailed(blob, cause);
    }
  }

  async check(): Promise<KeyStatus> {
    const file = await this.#load();
    return { kek: `local:${file.keyId}`, state: 'enabled', primaryVersion: `v${file.primaryVersion}` };
  }

  /** Adds a new KEK version and makes it primary. Returns its label (`v2`, ...). */
  async rotate(): Promise<string> {
    const file = await this.#load();
    const next = Math.max(...file.versions.keys()) + 1;
    const versions = new Map(file.versions);
    versions.set(next, { version: next, createdAt: new Date().toISOString(), key: randomBytes(KEY_BYTES) });
    const rotated: KeyFile = { keyId: file.keyId, primaryVersion: next, versions };
    await writeFileAtomic(this.path, serialize(rotated));
    this.#file = Promise.resolve(rotated);
    return `v${next}`;
  }

  #unwrapFailed(blob: WrappedBlob, cause?: unknown): KeyUnavailableError {
    return new KeyUnavailableError(
      'key_unavailable',
      this.path,
      `Could not unwrap a data key with ${blob.kek} ${blob.kekVersion} from ${this.path}: ` +
        'the wrapped key or its binding (tenant, version) was altered, or the key file was replaced.',
      cause === undefined ? {} : { cause },
    );
  }

  #load(): Promise<KeyFile> {
    this.#file ??= this.#read().catch((error: unknown) => {
      // Do not cache a failure: the operator may fix the file (chmod 600) and retry.
      this.#file = undefined;
      throw error;
    });
    return this.#file;
  }

  async #read(): Promise<KeyFile> {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(this.path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw this.#unreadable(cause);
      if (!this.#create) {
        throw new KeyUnavailableError('key_missing', this.path, `Key file ${this.path} does not exist.`, { cause });
      }
      return this.#createFile();
    }
    if (!info.isFile()) {
      throw new KeyUnavailableError('key_unavailable', this.path, `Key file ${this.path} is not a regular file.`);
    }
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeyUnavailableError(
        'key_unavailable',
        this.path,
        `Refusing to use key file ${this.path}: it is accessible by group or others (mode ${mode}). ` +
          `Fix: chmod 600 ${this.path}, then consider the key exposed and rotate it.`,
      );
    }
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (cause) {
      throw this.#unreadable(cause);
    }
    return parse(this.path, text);
  }

  /** Exclusive create: write a private temp file, then hard-link it into place (fails if another process won). */
  async #createFile(): Promise<KeyFile> {
    const file: KeyFile = {
      keyId: randomBytes(8).toString('hex'),
      primaryVersion: 1,
      versions: new Map([[1, { version: 1, createdAt: new Date().toISOString(), key: randomBytes(KEY_BYTES) }]]),
    };
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = join(dir, `.${basename(this.path)}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(temp, serialize(file), { mode: 0o600, flag: 'wx' });
    try {
      await link(temp, this.path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return this.#read();
      throw this.#unreadable(cause);
    } finally {
      await rm(temp, { force: true });
    }
    return file;
  }

  #unreadable(cause: unknown): KeyUnavailableError {
    return new KeyUnavailableError('key_unavailable', this.path, `Cannot read key file ${this.path}.`, { cause });
  }
}

function serialize(file: KeyFile): string {
  const versions = [...file.versions.values()]
    .sort((a, b) => a.version - b.version)
    .map((v) => ({ version: v.version, createdAt: v.createdAt, key: v.key.toString('base64') }));
  return `${JSON.stringify({ format: FORMAT, formatVersion: 1, keyId: file.keyId, primaryVersion: file.primaryVersion, versions }, null, 2)}\n`;
}

function parse(path: string, text: string): KeyFile {
  const invalid = (why: string) =>
    new KeyUnavailableError('key_unavailable', path, `Key file ${path} is not a valid Sluice key file: ${why}.`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  if (typeof raw !== 'object' || raw === null) throw invalid('not an object');
  const doc = raw as Record<string, unknown>;
  if (doc['format'] !== FORMAT || doc['formatVersion'] !== 1) throw invalid(`expected format "${FORMAT}" version 1`);
  if (typeof doc['keyId'] !== 'string' || !Array.isArray(doc['versions'])) throw invalid('missing keyId or versions');
  const versions = new Map<number, KeyVersion>();
  for (const entry of doc['versions'] as unknown[]) {
    const v = entry as Record<string, unknown>;
    const key = typeof v['key'] === 'string' ? Buffer.from(v['key'], 'base64') : undefined;
    if (!Number.isInteger(v['version']) || key?.length !== KEY_BYTES) throw invalid('a version has no 256-bit key');
    versions.set(v['version'] as number, {
      version: v['version'] as number,
      createdAt: String(v['createdAt']),
      key,
    });
  }
  const primary = doc['primaryVersion'];
  if (typeof primary !== 'number' || !versions.has(primary)) throw invalid('primaryVersion names no version');
  return { keyId: doc['keyId'], primaryVersion: primary, versions };
}
