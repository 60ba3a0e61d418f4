/**
 * Reading a Slack workspace export, zipped or unpacked: `users.json`, `channels.json`, `groups.json`,
 * `mpims.json`, `dms.json` and one folder per conversation holding `YYYY-MM-DD.json` day files. Both
 * layouts are accepted: folders named after the channel (classic exports) or after its ID (newer and
 * Enterprise Grid exports), with or without a top-level folder inside the zip. A zip is listed from its
 * central directory and decompressed one conversation at a time, so memory holds one channel's files.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FatalError } from '@sluice/core';
import { unzipSync } from 'fflate';
import type { SlackObject } from './normalize.js';

/** A conversation listed in the export, with where its day files live. */
export interface ExportConversation {
  id: string;
  name: string | null;
  kind: 'public' | 'private' | 'mpim' | 'im';
  /** Folder (relative to the export root) holding the day files, or null when there is none. */
  folder: string | null;
  raw: SlackObject;
}

/** Read access to an export, whatever its container. Paths are relative to the export root, `/`-separated. */
export interface ExportArchive {
  /** Every file path in the export. */
  list(): readonly string[];
  readJson(path: string): Promise<unknown>;
  /** Reads every file directly inside a folder at once (one decompression pass for zips). */
  readFolder(folder: string): Promise<Map<string, Uint8Array>>;
}

/** The export cannot be read (missing, not an export, malformed JSON): fatal, the run stops. */
export class SlackExportError extends FatalError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('source_read_failed', message, options);
  }
}

const decoder = new TextDecoder();

function parseJson(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new SlackExportError(`export file ${path} is not valid JSON`, { cause });
  }
}

/** Where the export root sits: the folder holding users.json or channels.json (zips often add one level). */
function findRoot(paths: readonly string[]): string {
  let best: string | null = null;
  for (const p of paths) {
    const match = /^(.*?)(?:^|\/)(users|channels)\.json$/.exec(p);
    if (!match) continue;
    const root = match[1] ?? '';
    if (best === null || root.length < best.length) best = root;
  }
  if (best === null) throw new SlackExportError('not a Slack export: no users.json or channels.json found');
  return best === '' ? '' : `${best}/`;
}

class ZipArchive implements ExportArchive {
  private readonly data: Uint8Array;
  private readonly root: string;
  private readonly paths: string[];

  constructor(data: Uint8Array) {
    this.data = data;
    const all: string[] = [];
    // The filter sees each entry's name before decompression; returning false lists without inflating.
    unzipSync(data, {
      filter: (file) => {
        if (!file.name.endsWith('/')) all.push(file.name);
        return false;
      },
    });
    this.root = findRoot(all);
    this.paths = all.filter((p) => p.startsWith(this.root)).map((p) => p.slice(this.root.length));
  }

  list(): readonly string[] {
    return this.paths;
  }

  async readJson(path: string): Promise<unknown> {
    const full = this.root + path;
    const out = unzipSync(this.data, { filter: (file) => file.name === full });
    const bytes = out[full];
    if (!bytes) throw new SlackExportError(`export has no ${path}`);
    return parseJson(bytes, path);
  }

  async readFolder(folder: string): Promise<Map<string, Uint8Array>> {
    const prefix = `${this.root}${folder}/`;
    const out = unzipSync(this.data, {
      filter: (file) => file.name.startsWith(prefix) && !file.name.slice(prefix.length).includes('/'),
    });
    return new Map(Object.entries(out).map(([name, bytes]) => [name.slice(prefix.length), bytes]));
  }
}

class DirectoryArchive implements ExportArchive {
  private readonly dir: string;
  private readonly paths: string[];

  constructor(dir: string, paths: string[]) {
    this.dir = dir;
    this.paths = paths;
  }

  static async open(dir: string): Promise<DirectoryArchive> {
    const paths: string[] = [];
    const walk = async (rel: string, depth: number): Promise<void> => {
      if (depth > 3) return;
      for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
        const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (entry.isDirectory()) await walk(path, depth + 1);
        else if (entry.isFile()) paths.push(path);
      }
    };
    await walk('', 0);
    const root = findRoot(paths);
    return new DirectoryArchive(
      join(dir, root),
      paths.filter((p) => p.startsWith(root)).map((p) => p.slice(root.length)),
    );
  }

  list(): readonly string[] {
    return this.paths;
  }

  async readJson(path: string): Promise<unknown> {
    return parseJson(await readFile(join(this.dir, path)), path);
  }

  async readFolder(folder: string): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    const prefix = `${folder}/`;
    for (const p of this.paths) {
      const name = p.slice(prefix.length);
      if (p.startsWith(prefix) && !name.includes('/')) out.set(name, await readFile(join(this.dir, p)));
    }
    return out;
  }
}

/**
 * Opens an export: a `.zip` file or an unpacked directory.
 * @example
 * const archive = await openSlackExport('./export.zip');
 * const conversations = await listExportConversations(archive); // [{ id: 'C…', name: 'general', kind: 'public', … }]
 */
export async function openSlackExport(path: string): Promise<ExportArchive> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (cause) {
    throw new SlackExportError(`cannot open the export at ${path}`, { cause });
  }
  if (info.isDirectory()) return DirectoryArchive.open(path);
  return new ZipArchive(new Uint8Array(await readFile(path)));
}

const LIST_FILES: ReadonlyArray<[string, ExportConversation['kind']]> = [
  ['channels.json', 'public'],
  ['groups.json', 'private'],
  ['mpims.json', 'mpim'],
  ['dms.json', 'im'],
];

/** Lists the export's conversations and finds each one's folder (by name, else by ID). */
export async function listExportConversations(archive: ExportArchive): Promise<ExportConversation[]> {
  const paths = new Set(archive.list());
  const folders = new Set<string>();
  for (const p of paths) {
    const slash = p.indexOf('/');
    if (slash > 0 && /^\d{4}-\d{2}-\d{2}\.json$/.test(p.slice(slash + 1))) folders.add(p.slice(0, slash));
  }
  const out: ExportConversation[] = [];
  const seen = new Set<string>();
  for (const [file, kind] of LIST_FILES) {
    if (!paths.has(file)) continue;
    const list = await archive.readJson(file);
    if (!Array.isArray(list)) throw new SlackExportError(`${file} is not an array`);
    for (const item of list) {
      if (typeof item !== 'object' || item === null) continue;
      const raw = item as SlackObject;
      const id = typeof raw.id === 'string' ? raw.id : null;
      if (id === null || seen.has(id)) continue;
      seen.add(id);
      const name = typeof raw.name === 'string' ? raw.name : null;
      const folder = name !== null && folders.has(name) ? name : folders.has(id) ? id : null;
      out.push({ id, name, kind, folder, raw });
    }
  }
  return out;
}

/** Day files of a folder, sorted by date: `[fileName, messages]`. */
export function dayFiles(files: ReadonlyMap<string, Uint8Array>, folder: string): Array<[string, SlackObject[]]> {
  return [...files.entries()]
    .filter(([name]) => /^\d{4}-\d{2}-\d{2}\.json$/.test(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, bytes]) => {
      const parsed = parseJson(bytes, `${folder}/${name}`);
      if (!Array.isArray(parsed)) throw new SlackExportError(`${folder}/${name} is not an array of messages`);
      return [name, parsed.filter((m): m is SlackObject => typeof m === 'object' && m !== null)];
    });
}
