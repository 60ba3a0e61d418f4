/**
 * Reading and rewriting JSONL record files. JSONL is append-only and delivery at-least-once, so a file
 * may hold several versions of a key and the same version twice; `readLatest` gives what users should
 * see (the newest version of each key, tombstones removed) and `compactJsonl` shrinks files to it
 * (keeping tombstones, so a late replay of an older version still loses). Rewrites are atomic: a temp
 * file is fsynced and renamed over the original, then the directory is fsynced.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SluiceRecord } from '@sluice/core';

/** A parsed line: the record envelope plus whatever fields it carries. */
type RecordLine = Record<string, unknown> & { key: string; version: number; op: 'upsert' | 'delete' };

export interface ReadLatestOptions {
  /** Yield tombstones (records with `op: 'delete'`) too; default false. */
  includeTombstones?: boolean;
  /** Called for each line that is not a record (e.g. torn by a crash mid-append); it is skipped. */
  onInvalidLine?: (lineNumber: number) => void;
}

/** Whether a line is a non-empty record line (used for counting). */
export function isRecordLine(line: string): boolean {
  return parseLine(line) !== null;
}

function parseLine(line: string): RecordLine | null {
  if (line.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.key !== 'string' || typeof v.version !== 'number') return null;
  if (v.op !== 'upsert' && v.op !== 'delete') return null;
  return v as RecordLine;
}

/** Whether `candidate` replaces `current`: a higher version, or a delete at the same version. */
function supersedes(candidate: RecordLine, current: RecordLine | undefined): boolean {
  if (current === undefined) return true;
  if (candidate.version !== current.version) return candidate.version > current.version;
  return candidate.op === 'delete' && current.op !== 'delete';
}

async function latestByKey(file: string, onInvalidLine?: (lineNumber: number) => void) {
  const latest = new Map<string, RecordLine>();
  let lines = 0;
  const input = createReadStream(file, { encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const line of reader) {
    lineNumber++;
    if (line === '') continue;
    const record = parseLine(line);
    if (record === null) {
      onInvalidLine?.(lineNumber);
      continue;
    }
    lines++;
    if (supersedes(record, latest.get(record.key))) latest.set(record.key, record);
  }
  return { latest, lines };
}

/**
 * Yields the newest version of each key in a JSONL file (in first-seen key order), without tombstones:
 * what a consumer should query, exactly once per record.
 * @example
 * for await (const record of readLatest('/data/acme/message.jsonl')) console.log(record.key);
 */
export async function* readLatest(file: string, options: ReadLatestOptions = {}): AsyncGenerator<SluiceRecord> {
  const { latest } = await latestByKey(file, options.onInvalidLine);
  for (const record of latest.values()) {
    if (record.op === 'delete' && !options.includeTombstones) continue;
    yield record as unknown as SluiceRecord;
  }
}

export interface CompactResult {
  files: number;
  /** Record lines before and after. */
  before: number;
  after: number;
}

/**
 * Compacts every `<dir>/<tenant>/<kind>.jsonl` to the newest version of each key, keeping tombstones.
 * Run it when no sink is writing to `dir` (a sink's appends to a renamed-over file would be lost).
 */
export async function compactJsonl(dir: string): Promise<CompactResult> {
  const result: CompactResult = { files: 0, before: 0, after: 0 };
  const tenants = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const tenant of tenants) {
    if (!tenant.isDirectory()) continue;
    const files = await readdir(join(dir, tenant.name));
    for (const name of files) {
      if (!name.endsWith('.jsonl')) continue;
      const file = join(dir, tenant.name, name);
      const { latest, lines } = await latestByKey(file);
      await replaceFile(
        file,
        [...latest.values()].map((r) => JSON.stringify(r)),
      );
      result.files++;
      result.before += lines;
      result.after += latest.size;
    }
  }
  return result;
}

/** Rewrites a file keeping the record lines `keep` accepts; returns how many it removed (0 if absent). */
export async function rewriteFile(file: string, keep: (record: Record<string, unknown>) => boolean): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return 0;
  }
  const kept: string[] = [];
  let removed = 0;
  for (const line of text.split('\n')) {
    const record = parseLine(line);
    if (record === null) continue;
    if (keep(record)) kept.push(line);
    else removed++;
  }
  if (removed > 0) await replaceFile(file, kept);
  return removed;
}

/** Atomically replaces a file's content with the given lines. */
async function replaceFile(file: string, lines: readonly string[]): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, file);
  await fsyncDir(dirname(file));
}

/** Fsyncs a directory so a created, renamed or removed entry survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
