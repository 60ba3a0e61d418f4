/**
 * Shares one DuckDB instance per database file among the sinks of a process. DuckDB lets a process
 * open a file only once (the file lock is per process), so pipelines of several tenants writing to one
 * file must share the instance; each sink still gets its own connection and transactions. Instances are
 * reference counted and closed when the last sink releases them. A pool is an ordinary object: pass one
 * through the `duckdb.pool` service to keep pipelines apart, or let sinks use the default pool.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** A lease on a shared instance: call `release()` exactly once when done with it. */
export interface DuckdbInstanceLease {
  readonly instance: DuckDBInstance;
  release(): void;
}

interface Entry {
  instance: Promise<DuckDBInstance>;
  refs: number;
}

/** Reference-counted DuckDB instances by file path. `:memory:` is never shared. */
export class DuckdbInstancePool {
  private readonly entries = new Map<string, Entry>();

  /** Opens (or shares) the instance of `path`, creating its directory first. */
  async acquire(path: string): Promise<DuckdbInstanceLease> {
    if (path === ':memory:') {
      const instance = await DuckDBInstance.create(':memory:');
      return { instance, release: once(() => instance.closeSync()) };
    }
    let entry = this.entries.get(path);
    if (!entry) {
      const opening = mkdir(dirname(path), { recursive: true }).then(() => DuckDBInstance.create(path));
      entry = { instance: opening, refs: 0 };
      this.entries.set(path, entry);
      // A failed open must not poison the pool: the next acquire tries again.
      opening.catch(() => {
        if (this.entries.get(path) === entry) this.entries.delete(path);
      });
    }
    entry.refs++;
    const current = entry;
    let instance: DuckDBInstance;
    try {
      instance = await current.instance;
    } catch (error) {
      current.refs--;
      throw error;
    }
    return {
      instance,
      release: once(() => {
        current.refs--;
        if (current.refs === 0 && this.entries.get(path) === current) {
          this.entries.delete(path);
          instance.closeSync();
        }
      }),
    };
  }

  /** Paths with open instances (for tests and diagnostics). */
  openPaths(): string[] {
    return [...this.entries.keys()];
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** The pool sinks use when the pipeline provides none. */
export const defaultDuckdbPool = new DuckdbInstancePool();
