/**
 * Per-tenant data keys (DEKs). Each tenant has versions v1, v2, ... of a 256-bit random key; the
 * newest is current (new tokens), older ones stay usable (old tokens still detokenize). Keys are
 * persisted only wrapped by the KEK, with AAD binding each wrapped key to its tenant and version so
 * that a store entry copied to another tenant or renumbered fails to unwrap. Unwrapped keys live
 * only in this process's memory, inside `DataKey` objects that refuse to print their bytes.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { FatalError } from '@sluice/core';
import { framedAad } from './encoding.js';
import { KeyUnavailableError } from './errors.js';
import type { KeyEncryptionKey, KeyStatus } from './kek.js';
import type { WrappedKeyEntry, WrappedKeyStore } from './wrapped-key-store.js';

const DEK_BYTES = 32;

/** One unwrapped version of a tenant's data key. Logging it shows tenant and version, never the bytes. */
export class DataKey {
  readonly tenant: string;
  readonly version: number;
  readonly #bytes: Uint8Array;

  constructor(tenant: string, version: number, bytes: Uint8Array) {
    this.tenant = tenant;
    this.version = version;
    this.#bytes = bytes;
  }

  /** The raw key. For derivation inside `@sluice/keys`; never log or store it. */
  exposeBytes(): Uint8Array {
    return this.#bytes;
  }

  toJSON(): { tenant: string; version: number; key: '[redacted]' } {
    return { tenant: this.tenant, version: this.version, key: '[redacted]' };
  }

  toString(): string {
    return `DataKey(${this.tenant} v${this.version})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A tenant's key versions. Live: after `keyring.rotate(tenant)` in this process, `current` is the new key. */
export interface TenantKeys {
  readonly tenant: string;
  readonly current: DataKey;
  /** The key of one version, or `undefined` when the tenant has no such version. */
  version(version: number): DataKey | undefined;
}

class LiveTenantKeys implements TenantKeys {
  readonly tenant: string;
  #keys: DataKey[];

  constructor(tenant: string, keys: DataKey[]) {
    this.tenant = tenant;
    this.#keys = keys;
  }

  get current(): DataKey {
    return this.#keys[this.#keys.length - 1]!;
  }

  version(version: number): DataKey | undefined {
    return this.#keys[version - 1];
  }

  replace(keys: DataKey[]): void {
    this.#keys = keys;
  }
}

export interface TenantKeyringOptions {
  kek: KeyEncryptionKey;
  store: WrappedKeyStore;
}

/**
 * Creates, rotates and unwraps per-tenant data keys.
 *
 * @example
 * ```ts
 * const keyring = new TenantKeyring({
 *   kek: new LocalKeyProvider({ path: '.sluice/kek.json' }),
 *   store: new FileWrappedKeyStore({ path: '.sluice/keys.json' }),
 * });
 * const keys = await keyring.forTenant('T024BE7LD');
 * keys.current.version; // 1
 * await keyring.rotate('T024BE7LD'); // keys.current.version is now 2
 * ```
 */
export class TenantKeyring {
  readonly #kek: KeyEncryptionKey;
  readonly #store: WrappedKeyStore;
  readonly #tenants = new Map<string, Promise<LiveTenantKeys>>();
  /** Per-tenant chain so that concurrent rotations in this process do not lose a version. */
  readonly #writes = new Map<string, Promise<unknown>>();

  constructor(options: TenantKeyringOptions) {
    this.#kek = options.kek;
    this.#store = options.store;
  }

  /** Checks the key-encryption key (call at startup to fail fast); throws `KeyUnavailableError` when unusable. */
  check(): Promise<KeyStatus> {
    return this.#kek.check();
  }

  /** The tenant's keys, unwrapped once and cached. Creates v1 on first use of a tenant. */
  forTenant(tenant: string): Promise<TenantKeys> {
    assertTenant(tenant);
    let keys = this.#tenants.get(tenant);
    if (keys === undefined) {
      keys = this.#serialized(tenant, () => this.#load(tenant, true)).then(
        (loaded) => new LiveTenantKeys(tenant, loaded),
      );
      this.#tenants.set(tenant, keys);
      // A failed load (KMS down, key disabled) must not be cached: the next call tries again.
      keys.catch(() => this.#tenants.delete(tenant));
    }
    return keys;
  }

  /** Adds a new key version for the tenant and makes it current. */
  async rotate(tenant: string): Promise<DataKey> {
    assertTenant(tenant);
    const live = (await this.forTenant(tenant)) as LiveTenantKeys;
    return this.#serialized(tenant, async () => {
      const entries = await this.#store.get(tenant);
      const keys = await this.#unwrapAll(tenant, entries, live);
      const created = await this.#create(tenant, entries.length + 1);
      await this.#store.put(tenant, [...entries, created.entry]);
      live.replace([...keys, created.key]);
      return created.key;
    });
  }

  /** Re-reads the tenant's keys from the store (e.g. after another process rotated them). */
  async refresh(tenant: string): Promise<TenantKeys> {
    assertTenant(tenant);
    const live = (await this.forTenant(tenant)) as LiveTenantKeys;
    live.replace(await this.#serialized(tenant, () => this.#load(tenant, false, live)));
    return live;
  }

  async #load(tenant: string, create: boolean, known?: TenantKeys): Promise<DataKey[]> {
    const entries = await this.#store.get(tenant);
    if (entries.length > 0) return this.#unwrapAll(tenant, entries, known);
    if (!create) {
      throw new KeyUnavailableError('key_missing', tenant, `The key store has no data key for tenant ${tenant}.`);
    }
    const created = await this.#create(tenant, 1);
    await this.#store.put(tenant, [created.entry]);
    return [created.key];
  }

  async #create(tenant: string, version: number): Promise<{ key: DataKey; entry: WrappedKeyEntry }> {
    const bytes = new Uint8Array(randomBytes(DEK_BYTES));
    const wrapped = await this.#kek.wrap(bytes, dekAad(tenant, version));
    return {
      key: new DataKey(tenant, version, bytes),
      entry: { version, createdAt: new Date().toISOString(), wrapped },
    };
  }

  /** Unwraps every entry, reusing keys already unwrapped in `known` (versions never change once written). */
  async #unwrapAll(tenant: string, entries: readonly WrappedKeyEntry[], known?: TenantKeys): Promise<DataKey[]> {
    return Promise.all(
      entries.map(async (entry, index) => {
        const cached = known?.version(entry.version);
        if (cached !== undefined && entry.version === index + 1) return cached;
        if (entry.version !== index + 1) {
          throw new FatalError(
            'state_store_failed',
            `The key store lists tenant ${tenant}'s key versions out of order (found v${entry.version} at position ${index + 1}). Restore it from backup.`,
          );
        }
        const bytes = await this.#kek.unwrap(entry.wrapped, dekAad(tenant, entry.version));
        if (bytes.length !== DEK_BYTES) {
          throw new FatalError(
            'state_store_failed',
            `Tenant ${tenant}'s data key v${entry.version} has the wrong length.`,
          );
        }
        return new DataKey(tenant, entry.version, bytes);
      }),
    );
  }

  #serialized<T>(tenant: string, work: () => Promise<T>): Promise<T> {
    const result = (this.#writes.get(tenant) ?? Promise.resolve()).then(work);
    this.#writes.set(
      tenant,
      result.catch(() => undefined),
    );
    return result;
  }
}

/** AAD of a wrapped DEK: binds it to its tenant and version. */
function dekAad(tenant: string, version: number): Uint8Array {
  return framedAad('sluice/dek/1', tenant, String(version));
}

function assertTenant(tenant: string): void {
  if (typeof tenant !== 'string' || tenant.length === 0 || tenant.length > 256) {
    throw new TypeError('tenant must be a non-empty string of at most 256 characters');
  }
}
