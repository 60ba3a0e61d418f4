/**
 * The JSON Lines sink: appends each record as one line to `<dir>/<tenant>/<kind>.jsonl` and fsyncs every
 * file it touched before `write` resolves, which is the point where the core acknowledges the records.
 * Files are append-only, so delivery is at-least-once: a batch written but not acked before a crash is
 * written again on the next run. Consumers dedupe on (key, version), as `readLatest` does.
 */
import { type FileHandle, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  FatalError,
  isSluiceError,
  PermanentError,
  RECORD_KINDS,
  type RecordKind,
  RetryableError,
  type SinkInstance,
  type SinkWriteResult,
  type SluiceRecord,
} from '@sluice/core';
import { fsyncDir, isRecordLine, rewriteFile } from './files.js';

export interface JsonlSinkOptions {
  /** Root directory; each tenant gets a subdirectory. */
  dir: string;
  /** The tenant this sink writes for: records of any other tenant are rejected. */
  tenant: string;
  /** Component id for errors (`sink`). */
  component?: string;
}

/** Counts returned by `applyRetention`; `deleted` is their sum. */
export interface JsonlRetentionResult {
  deleted: number;
  messages: number;
  audit: number;
}

/** Event-time field per kind that retention applies to. */
const RETENTION_FIELDS: Readonly<Partial<Record<RecordKind, string>>> = { message: 'posted_at', audit: 'at' };

const TENANT_DIR = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The file of a tenant's records of one kind. */
export function jsonlFile(dir: string, tenant: string, kind: RecordKind): string {
  return join(dir, tenantDir(tenant), `${kind}.jsonl`);
}

/** A tenant's directory name; refuses names that could escape the root (`..`, slashes). */
function tenantDir(tenant: string): string {
  if (!TENANT_DIR.test(tenant) || tenant.includes('..')) {
    throw new FatalError('plugin_error', `tenant name '${tenant}' cannot be used as a directory name`);
  }
  return tenant;
}

/**
 * An open JSONL sink. Use `JsonlSink.open` (or the `jsonl` plugin in a policy).
 * @example
 * const sink = await JsonlSink.open({ dir: '/tmp/sluice-jsonl', tenant: 'acme' });
 * await sink.write([{ kind: 'channel', tenant: 'acme', key: 'C1', version: 1, op: 'upsert', channel_id: 'C1' }]);
 * await sink.close();
 */
export class JsonlSink implements SinkInstance {
  readonly dir: string;
  readonly tenant: string;
  private readonly component: string;
  private readonly handles = new Map<RecordKind, FileHandle>();
  /** Serialises writes, rewrites and deletes: appends of one batch must not interleave with another. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(options: JsonlSinkOptions) {
    this.dir = resolve(options.dir);
    this.tenant = options.tenant;
    this.component = options.component ?? 'sink';
  }

  static async open(options: JsonlSinkOptions): Promise<JsonlSink> {
    tenantDir(options.tenant);
    const sink = new JsonlSink(options);
    try {
      await mkdir(join(sink.dir, options.tenant), { recursive: true });
    } catch (error) {
      throw new FatalError('sink_write_failed', `cannot create JSONL directory under ${sink.dir}`, {
        cause: error,
        component: sink.component,
      });
    }
    return sink;
  }

  /**
   * Appends the batch, one line per record, and resolves after every touched file is fsynced. A delete
   * is written as its envelope only (kind, tenant, key, version, op): the tombstone carries no content.
   */
  write(batch: readonly SluiceRecord[]): Promise<SinkWriteResult | undefined> {
    return this.exclusive(async () => {
      if (this.closed) throw new FatalError('sink_write_failed', 'JSONL sink is closed', { component: this.component });
      const rejected: Array<{ index: number; error: unknown }> = [];
      const lines = new Map<RecordKind, string[]>();
      batch.forEach((record, index) => {
        const line = this.serialize(record);
        if (line instanceof PermanentError) {
          rejected.push({ index, error: line });
          return;
        }
        const kindLines = lines.get(record.kind) ?? [];
        kindLines.push(line);
        lines.set(record.kind, kindLines);
      });
      try {
        const touched: FileHandle[] = [];
        for (const [kind, kindLines] of lines) {
          const handle = await this.handle(kind);
          await writeAll(handle, Buffer.from(`${kindLines.join('\n')}\n`));
          touched.push(handle);
        }
        await Promise.all(touched.map((h) => h.sync()));
      } catch (error) {
        // Drop cached handles: the next attempt reopens (and repairs a torn last line).
        await this.closeHandles();
        throw new RetryableError('sink_write_failed', 'appending to JSONL files failed; will retry', {
          cause: error,
          component: this.component,
        });
      }
      return rejected.length > 0 ? { rejected } : undefined;
    });
  }

  /** Removes the tenant's directory; returns the number of lines (record versions) it held. */
  deleteTenant(tenant: string): Promise<{ deleted: number }> {
    return this.exclusive(async () => {
      const dir = join(this.dir, tenantDir(tenant));
      if (tenant === this.tenant) await this.closeHandles();
      let deleted = 0;
      const files = await readdir(dir).catch(() => [] as string[]);
      for (const file of files) {
        if (!file.endsWith('.jsonl')) continue;
        const text = await readFile(join(dir, file), 'utf8');
        deleted += text.split('\n').filter(isRecordLine).length;
      }
      await rm(dir, { recursive: true, force: true });
      await fsyncDir(this.dir);
      return { deleted };
    });
  }

  /**
   * Rewrites the tenant's message and audit files without the lines whose event time (`posted_at`,
   * `at`) is before `olderThan`. The rewrite is atomic (temp file, fsync, rename).
   */
  applyRetention(tenant: string, olderThan: Date): Promise<JsonlRetentionResult> {
    return this.exclusive(async () => {
      if (tenant === this.tenant) await this.closeHandles();
      const cutoff = olderThan.getTime();
      const result: JsonlRetentionResult = { deleted: 0, messages: 0, audit: 0 };
      for (const kind of RECORD_KINDS) {
        const field = RETENTION_FIELDS[kind];
        if (field === undefined) continue;
        const removed = await rewriteFile(jsonlFile(this.dir, tenant, kind), (record) => {
          const at = record[field];
          return !(typeof at === 'string' && Date.parse(at) < cutoff);
        });
        if (kind === 'message') result.messages = removed;
        if (kind === 'audit') result.audit = removed;
      }
      result.deleted = result.messages + result.audit;
      return result;
    });
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      this.closed = true;
      await this.closeHandles();
    });
  }

  /** One JSON line for a record, or why it cannot be stored. */
  private serialize(record: SluiceRecord): string | PermanentError {
    const reject = (why: string) =>
      new PermanentError('sink_record_rejected', `JSONL sink rejected a record: ${why}`, {
        component: this.component,
      });
    const r = record as Partial<Record<string, unknown>>;
    if (typeof r.kind !== 'string' || !(RECORD_KINDS as readonly string[]).includes(r.kind)) {
      return reject('unknown record kind');
    }
    // Fail closed: a file tree segmented per tenant never stores another tenant's record.
    if (r.tenant !== this.tenant) return reject(`record tenant is not the sink's tenant (${this.tenant})`);
    if (typeof r.key !== 'string' || r.key === '') return reject('key is missing');
    if (typeof r.version !== 'number' || !Number.isSafeInteger(r.version) || r.version < 0) {
      return reject('version is not a non-negative integer');
    }
    if (r.op === 'delete') {
      return JSON.stringify({ kind: r.kind, tenant: r.tenant, key: r.key, version: r.version, op: 'delete' });
    }
    if (r.op !== 'upsert') return reject('op is neither upsert nor delete');
    try {
      return JSON.stringify(record);
    } catch (error) {
      return new PermanentError('sink_record_rejected', 'JSONL sink rejected a record: it is not serialisable', {
        cause: error,
        component: this.component,
      });
    }
  }

  /** The append handle of a kind's file; a torn last line (crash mid-append) is closed off first. */
  private async handle(kind: RecordKind): Promise<FileHandle> {
    const cached = this.handles.get(kind);
    if (cached) return cached;
    const file = jsonlFile(this.dir, this.tenant, kind);
    await mkdir(join(this.dir, this.tenant), { recursive: true });
    const existed = await stat(file).then(
      (s) => s.size,
      () => -1,
    );
    const handle = await open(file, 'a+');
    if (existed > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, existed - 1);
      if (last[0] !== 0x0a) await writeAll(handle, Buffer.from('\n'));
    }
    if (existed < 0) await fsyncDir(join(this.dir, this.tenant));
    this.handles.set(kind, handle);
    return handle;
  }

  private async closeHandles(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      if (isSluiceError(error)) throw error;
      throw new RetryableError('sink_write_failed', 'JSONL file operation failed; will retry', {
        cause: error,
        component: this.component,
      });
    });
  }
}

/** Writes the whole buffer: a single `write` may write less than asked. */
async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}
