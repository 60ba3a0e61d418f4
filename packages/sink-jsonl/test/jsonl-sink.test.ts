/**
 * Behaviour of the JSONL sink on a temp directory: appends fsynced before the ack, tenant segmentation,
 * torn-line recovery, retention and deletion, and `readLatest` / `compactJsonl` giving each record once.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createServiceRegistry,
  FatalError,
  PermanentError,
  type PluginContext,
  RetryableError,
  type SluiceRecord,
  silentLogger,
} from '@sluice/core';
import { audit, channel, deletion, message, user } from '@sluice/testkit/records';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compactJsonl, JsonlSink, jsonlFile, jsonlSink, readLatest } from '../src/index.js';

let dir: string;
const open_: JsonlSink[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-jsonl-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of open_.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openSink(tenant = 'acme'): Promise<JsonlSink> {
  const sink = await JsonlSink.open({ dir, tenant });
  open_.push(sink);
  return sink;
}

function lines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function latest(file: string, includeTombstones = false): Promise<SluiceRecord[]> {
  const out: SluiceRecord[] = [];
  for await (const r of readLatest(file, { includeTombstones })) out.push(r);
  return out;
}

/** FileHandle.prototype, to watch fsync calls. */
async function fileHandlePrototype(): Promise<FileHandle> {
  const handle = await open(join(dir, 'probe'), 'w');
  await handle.close();
  return Object.getPrototypeOf(handle) as FileHandle;
}

describe('JsonlSink writes', () => {
  it('appends one line per record to <dir>/<tenant>/<kind>.jsonl, batch after batch', async () => {
    const sink = await openSink();
    await sink.write([user('acme', 'U1', 1), message('acme', 'C1', '1700000000.000100', 1)]);
    await sink.write([user('acme', 'U2', 1), audit('acme', 'A1', '2024-01-01T00:00:00Z')]);
    expect(lines(join(dir, 'acme', 'user.jsonl')).map((r) => r.key)).toEqual(['U1', 'U2']);
    expect(lines(jsonlFile(dir, 'acme', 'message')).map((r) => r.key)).toEqual(['C1:1700000000.000100']);
    expect(lines(jsonlFile(dir, 'acme', 'audit'))[0]).toEqual(audit('acme', 'A1', '2024-01-01T00:00:00Z'));
    expect(existsSync(jsonlFile(dir, 'acme', 'channel'))).toBe(false);
  });

  it('fsyncs every touched file before write resolves, and fails retryably when fsync fails', async () => {
    const sink = await openSink();
    const proto = await fileHandlePrototype();
    const realSync = proto.sync;
    const synced: number[] = [];
    const spy = vi.spyOn(proto, 'sync').mockImplementation(async function (this: FileHandle) {
      synced.push(this.fd);
      return realSync.call(this);
    });
    await sink.write([user('acme', 'U1', 1), channel('acme', 'C1', 1)]); // creates both files
    synced.length = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    spy.mockImplementation(async function (this: FileHandle) {
      synced.push(this.fd);
      await gate;
      return realSync.call(this);
    });
    let resolved = false;
    const pending = sink.write([user('acme', 'U2', 1), channel('acme', 'C2', 1)]).then(() => {
      resolved = true;
    });
    await vi.waitFor(() => expect(synced).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false); // not acked while fsync is outstanding
    release();
    await pending;
    expect(new Set(synced).size).toBe(2); // user.jsonl and channel.jsonl

    spy.mockRejectedValue(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    const error = await sink.write([user('acme', 'U3', 1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).code).toBe('sink_write_failed');
    expect((error as RetryableError).cause).toMatchObject({ code: 'EIO' });

    spy.mockRestore();
    await sink.write([user('acme', 'U3', 1)]); // the core's retry
    expect((await latest(jsonlFile(dir, 'acme', 'user'))).map((r) => r.key)).toEqual(['U1', 'U2', 'U3']);
  });

  it('writes a delete as its envelope only, with no content', async () => {
    const sink = await openSink();
    const m = message('acme', 'C1', '1700000000.000100', 1, { text: 'secret' });
    await sink.write([m, deletion(m, 2)]);
    expect(lines(jsonlFile(dir, 'acme', 'message'))[1]).toEqual({
      kind: 'message',
      tenant: 'acme',
      key: m.key,
      version: 2,
      op: 'delete',
    });
  });

  it('rejects a record of another tenant and writes the rest', async () => {
    const sink = await openSink();
    const result = await sink.write([user('acme', 'U1', 1), user('globex', 'U9', 1)]);
    expect(result?.rejected?.map((r) => r.index)).toEqual([1]);
    expect(result?.rejected?.[0]?.error).toBeInstanceOf(PermanentError);
    expect(existsSync(join(dir, 'globex'))).toBe(false);
    expect(lines(jsonlFile(dir, 'acme', 'user')).map((r) => r.tenant)).toEqual(['acme']);
  });

  it('closes off a line torn by a crash before appending, and readers skip it', async () => {
    const sink = await openSink();
    await sink.write([user('acme', 'U1', 1)]);
    await sink.close();
    appendFileSync(jsonlFile(dir, 'acme', 'user'), '{"kind":"user","tenant":"acme","key":"U2","ver');
    const again = await openSink();
    await again.write([user('acme', 'U2', 1)]);
    const invalid: number[] = [];
    const records: SluiceRecord[] = [];
    for await (const r of readLatest(jsonlFile(dir, 'acme', 'user'), { onInvalidLine: (n) => invalid.push(n) })) {
      records.push(r);
    }
    expect(records.map((r) => r.key)).toEqual(['U1', 'U2']);
    expect(invalid).toEqual([2]);
  });

  it('refuses a tenant name that would escape the directory', async () => {
    await expect(JsonlSink.open({ dir, tenant: '../etc' })).rejects.toBeInstanceOf(FatalError);
  });

  it('fails with a FatalError when written after close', async () => {
    const sink = await openSink();
    await sink.close();
    await expect(sink.write([user('acme', 'U1', 1)])).rejects.toBeInstanceOf(FatalError);
  });
});

describe('readLatest and compactJsonl', () => {
  it('yields the newest version of each key once, hides tombstones and ignores late older versions', async () => {
    const sink = await openSink();
    const c1 = channel('acme', 'C1', 1, { name: 'one' });
    const c2 = channel('acme', 'C2', 5, { name: 'two' });
    await sink.write([c1, c2]);
    await sink.write([{ ...c1, version: 3, name: 'three' }, c2]); // a replayed batch, partly newer
    await sink.write([deletion(c2, 6)]);
    await sink.write([c2, c1]); // late redelivery of older versions
    const file = jsonlFile(dir, 'acme', 'channel');
    expect(lines(file)).toHaveLength(7);
    expect(await latest(file)).toEqual([{ ...c1, version: 3, name: 'three' }]);
    expect((await latest(file, true)).map((r) => [r.key, r.version, r.op])).toEqual([
      ['C1', 3, 'upsert'],
      ['C2', 6, 'delete'],
    ]);
  });

  it('prefers a delete over an upsert of the same version', async () => {
    const sink = await openSink();
    const u = user('acme', 'U1', 4);
    await sink.write([deletion(u, 4), u]);
    expect(await latest(jsonlFile(dir, 'acme', 'user'))).toEqual([]);
  });

  it('compacts files to the latest version of each key, keeping tombstones', async () => {
    const acme = await openSink('acme');
    const globex = await openSink('globex');
    const u = user('acme', 'U1', 1);
    await acme.write([u, { ...u, version: 2 }, u, user('acme', 'U2', 1), deletion(user('acme', 'U2', 1), 2)]);
    await globex.write([user('globex', 'U1', 1), user('globex', 'U1', 1)]);
    await acme.close();
    await globex.close();
    const before = await latest(jsonlFile(dir, 'acme', 'user'), true);
    expect(await compactJsonl(dir)).toEqual({ files: 2, before: 7, after: 3 });
    expect(await latest(jsonlFile(dir, 'acme', 'user'), true)).toEqual(before);
    expect(lines(jsonlFile(dir, 'acme', 'user')).map((r) => [r.key, r.version])).toEqual([
      ['U1', 2],
      ['U2', 2],
    ]);
  });
});

describe('JsonlSink tenants and retention', () => {
  it("deleteTenant removes one tenant's directory only and counts its lines", async () => {
    const acme = await openSink('acme');
    const globex = await openSink('globex');
    await acme.write([user('acme', 'U1', 1), user('acme', 'U1', 2), channel('acme', 'C1', 1)]);
    await globex.write([user('globex', 'U1', 1)]);
    expect(await globex.deleteTenant('acme')).toEqual({ deleted: 3 });
    expect(existsSync(join(dir, 'acme'))).toBe(false);
    expect(lines(jsonlFile(dir, 'globex', 'user'))).toHaveLength(1);
    expect(await acme.deleteTenant('acme')).toEqual({ deleted: 0 });
  });

  it('removes messages by posted_at and audit events by at, keeping other kinds', async () => {
    const sink = await openSink();
    await sink.write([
      message('acme', 'C1', '1600000000.000100', 1),
      message('acme', 'C1', '1700000000.000100', 1),
      audit('acme', 'A1', '2020-06-01T00:00:00Z'),
      audit('acme', 'A2', '2024-06-01T00:00:00Z'),
      user('acme', 'U1', 1, { updated_at: '2019-01-01T00:00:00Z' }),
    ]);
    expect(await sink.applyRetention('acme', new Date('2022-01-01T00:00:00Z'))).toEqual({
      deleted: 2,
      messages: 1,
      audit: 1,
    });
    expect(lines(jsonlFile(dir, 'acme', 'message')).map((r) => r.ts)).toEqual(['1700000000.000100']);
    expect(lines(jsonlFile(dir, 'acme', 'audit')).map((r) => r.key)).toEqual(['A2']);
    expect(lines(jsonlFile(dir, 'acme', 'user'))).toHaveLength(1);
    // Appends after the rewrite land in the new file.
    await sink.write([message('acme', 'C1', '1700000001.000100', 1)]);
    expect(lines(jsonlFile(dir, 'acme', 'message'))).toHaveLength(2);
  });
});

describe('jsonl plugin', () => {
  it('resolves dir against baseDir', async () => {
    const ctx = {
      tenant: 'acme',
      componentId: 'sink',
      baseDir: dir,
      logger: silentLogger(),
      services: createServiceRegistry(),
    } as unknown as PluginContext;
    const sink = (await jsonlSink.create({ dir: 'out' }, ctx)) as JsonlSink;
    open_.push(sink);
    await sink.write([user('acme', 'U1', 1)]);
    expect(lines(join(dir, 'out', 'acme', 'user.jsonl'))).toHaveLength(1);
    expect(jsonlSink.type).toBe('jsonl');
  });
});
