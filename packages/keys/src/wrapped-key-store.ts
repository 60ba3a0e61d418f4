/**
 * Where wrapped tenant data keys live. The store only ever sees `WrappedBlob`s (ciphertext under the
 * KEK), so it can sit on ordinary disk or in a database; the clear keys exist only in the memory of
 * the process that unwrapped them. `FileWrappedKeyStore` keeps one 0600 JSON file, replaced
 * atomically on every write; `MemoryWrappedKeyStore` is for tests.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FatalError } from '@sluice/core';
import { writeFileAtomic } from './atomic-file.js';
import type { WrappedBlob } from './kek.js';

/** One version of a tenant's data key, as stored. */
export interface WrappedKeyEntry {
  /** 1, 2, 3, ... in creation order. */
  readonly version: number;
  readonly createdAt: string;
  readonly wrapped: WrappedBlob;
}

/** Persistence for wrapped tenant keys. `put` replaces all entries of one tenant. */
export interface WrappedKeyStore {
  /** All versions of `tenant`'s key, oldest first; empty when the tenant has none yet. */
  get(tenant: string): Promise<readonly WrappedKeyEntry[]>;
  put(tenant: string, entries: readonly WrappedKeyEntry[]): Promise<void>;
}

/** In-memory store for tests and short-lived tools. */
export class MemoryWrappedKeyStore implements WrappedKeyStore {
  readonly #tenants = new Map<string, readonly WrappedKeyEntry[]>();

  async get(tenant: string): Promise<readonly WrappedKeyEntry[]> {
    return this.#tenants.get(tenant) ?? [];
  }

  async put(tenant: string, entries: readonly WrappedKeyEntry[]): Promise<void> {
    this.#tenants.set(tenant, structuredClone(entries));
  }
}

const FORMAT = 'sluice-wrapped-keys';

export interface FileWrappedKeyStoreOptions {
  /** Path of the JSON file; created with mode 0600 on first write. */
  path: string;
}

/**
 * Wrapped keys in one JSON file. Writes from this process are serialized; the file is re-read on
 * every `get`, so a second process sees rotations, but two processes must not rotate concurrently.
 */
export class FileWrappedKeyStore implements WrappedKeyStore {
  readonly path: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: FileWrappedKeyStoreOptions) {
    this.path = resolve(options.path);
  }

  async get(tenant: string): Promise<readonly WrappedKeyEntry[]> {
    await this.#queue;
    return (await this.#read())[tenant] ?? [];
  }

  put(tenant: string, entries: readonly WrappedKeyEntry[]): Promise<void> {
    const write = this.#queue.then(async () => {
      const tenants = await this.#read();
      tenants[tenant] = entries;
      await writeFileAtomic(this.path, `${JSON.stringify({ format: FORMAT, formatVersion: 1, tenants }, null, 2)}\n`);
    });
    this.#queue = write.catch(() => undefined);
    return write;
  }

  async #read(): Promise<Record<string, readonly WrappedKeyEntry[]>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new FatalError('state_store_failed', `Cannot read key store ${this.path}.`, { cause });
    }
    try {
      const doc = JSON.parse(text) as { format?: unknown; formatVersion?: unknown; tenants?: unknown };
      if (doc.format !== FORMAT || doc.formatVersion !== 1 || typeof doc.tenants !== 'object' || doc.tenants === null) {
        throw new Error('unexpected format');
      }
      return { ...(doc.tenants as Record<string, readonly WrappedKeyEntry[]>) };
    } catch (cause) {
      throw new FatalError(
        'state_store_failed',
        `Key store ${this.path} is not a valid Sluice key store (expected format "${FORMAT}" version 1). Restore it from backup.`,
        { cause },
      );
    }
  }
}
