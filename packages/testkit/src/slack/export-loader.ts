/**
 * Seeds a simulated workspace from a Slack export (the "Export data" zip an admin downloads, or the
 * directory it unpacks to): `users.json`, `channels.json` (public), `groups.json` (private, in
 * exports that include them) and one `<channel name>/<YYYY-MM-DD>.json` array of messages per
 * channel per day. Exports do not say which channels an app was in, so by default the bot is made a
 * member of every channel (pass `botMemberOf` to choose). DMs and MPIMs are not simulated.
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { SlackSimExportError } from './errors.js';
import type { SlackChannelInfo, SlackMessage, SlackUser, WorkspaceSeed } from './types.js';
import { type BotIdentity, SlackWorkspace } from './workspace.js';

export interface LoadSlackExportOptions {
  /** Channel ids or names the bot is a member of (default: all channels). */
  botMemberOf?: readonly string[] | 'all';
  /** Identity of the simulated bot. */
  bot?: Partial<BotIdentity>;
  /** Team name and domain (exports carry only the team id, on users). */
  team?: { id?: string; name?: string; domain?: string };
}

/** A file tree abstraction over a directory or an unpacked zip. */
interface ExportFiles {
  list(dir: string): Promise<string[]>;
  read(path: string): Promise<string | undefined>;
}

function directoryFiles(root: string): ExportFiles {
  return {
    list: async (dir) => {
      try {
        const entries = await readdir(join(root, dir), { withFileTypes: true });
        return entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
      } catch {
        return [];
      }
    },
    read: async (path) => {
      try {
        return await readFile(join(root, path), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}

function zipFiles(data: Uint8Array, label: string): ExportFiles {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(data);
  } catch (cause) {
    throw new SlackSimExportError(label, 'not a readable zip file', { cause });
  }
  // Some tools wrap the export in one top-level folder; strip it when users.json is not at the root.
  let prefix = '';
  if (!('users.json' in entries)) {
    const nested = Object.keys(entries).find((name) => /^[^/]+\/users\.json$/.test(name));
    if (nested) prefix = nested.slice(0, -'users.json'.length);
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, content] of Object.entries(entries)) {
    if (name.startsWith(prefix) && !name.endsWith('/')) files.set(name.slice(prefix.length), content);
  }
  return {
    list: async (dir) => {
      const base = dir === '' ? '' : `${dir.replace(/\/$/, '')}/`;
      const out = new Set<string>();
      for (const name of files.keys()) {
        if (!name.startsWith(base)) continue;
        const rest = name.slice(base.length);
        const slash = rest.indexOf('/');
        out.add(slash < 0 ? rest : rest.slice(0, slash + 1));
      }
      return [...out];
    },
    read: async (path) => {
      const content = files.get(path);
      return content === undefined ? undefined : strFromU8(content);
    },
  };
}

async function readJson<T>(files: ExportFiles, path: string, required: boolean): Promise<T | undefined> {
  const text = await files.read(path);
  if (text === undefined) {
    if (required) throw new SlackSimExportError(path, 'missing from the export');
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new SlackSimExportError(path, 'is not valid JSON', { cause });
  }
}

interface ExportChannel {
  id: string;
  name: string;
  created?: number;
  creator?: string;
  is_archived?: boolean;
  is_general?: boolean;
  members?: string[];
  topic?: SlackChannelInfo['topic'];
  purpose?: SlackChannelInfo['purpose'];
  [key: string]: unknown;
}

function toChannelInfo(raw: ExportChannel, isPrivate: boolean, file: string): SlackChannelInfo {
  if (typeof raw.id !== 'string' || typeof raw.name !== 'string') {
    throw new SlackSimExportError(file, 'every channel needs a string id and name');
  }
  const { members: _members, pins: _pins, ...rest } = raw;
  return {
    ...rest,
    id: raw.id,
    name: raw.name,
    is_private: isPrivate,
    created: raw.created ?? 0,
    creator: raw.creator ?? '',
    is_archived: raw.is_archived ?? false,
    is_general: raw.is_general ?? false,
    topic: raw.topic ?? { value: '', creator: '', last_set: 0 },
    purpose: raw.purpose ?? { value: '', creator: '', last_set: 0 },
    previous_names: Array.isArray(raw.previous_names) ? (raw.previous_names as string[]) : [],
  };
}

/**
 * Loads a Slack export from a directory, a `.zip` path, or zip bytes.
 *
 * @example
 * ```ts
 * const workspace = await loadSlackExport('packages/testkit/fixtures/slack/export-small');
 * const sim = await startSlackSimulator({ workspace });
 * ```
 */
export async function loadSlackExport(
  source: string | Uint8Array,
  options: LoadSlackExportOptions = {},
): Promise<SlackWorkspace> {
  let files: ExportFiles;
  if (typeof source === 'string') {
    const info = await stat(source).catch((cause: unknown) => {
      throw new SlackSimExportError(source, 'cannot be read', { cause });
    });
    files = info.isDirectory() ? directoryFiles(source) : zipFiles(await readFile(source), source);
  } else {
    files = zipFiles(source, '<zip bytes>');
  }
  const users = (await readJson<SlackUser[]>(files, 'users.json', true)) ?? [];
  if (!Array.isArray(users)) throw new SlackSimExportError('users.json', 'must be an array of users');
  const publicChannels = (await readJson<ExportChannel[]>(files, 'channels.json', true)) ?? [];
  const privateChannels = (await readJson<ExportChannel[]>(files, 'groups.json', false)) ?? [];
  const seed: WorkspaceSeed = {
    team: { id: options.team?.id ?? users.find((u) => u.team_id)?.team_id ?? 'T0SIMTEAM1', ...options.team },
    users,
    channels: [],
  };
  const channelSets: Array<[ExportChannel[], boolean, string]> = [
    [publicChannels, false, 'channels.json'],
    [privateChannels, true, 'groups.json'],
  ];
  for (const [list, isPrivate, file] of channelSets) {
    for (const raw of list) {
      const info = toChannelInfo(raw, isPrivate, file);
      const messages: SlackMessage[] = [];
      const dayFiles = (await files.list(info.name)).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort();
      for (const day of dayFiles) {
        const path = `${info.name}/${day}`;
        const dayMessages = await readJson<SlackMessage[]>(files, path, true);
        if (!Array.isArray(dayMessages)) throw new SlackSimExportError(path, 'must be an array of messages');
        for (const message of dayMessages) {
          if (message && typeof message.ts === 'string') messages.push({ ...message, type: 'message' });
        }
      }
      seed.channels.push({ info, members: raw.members ?? [], messages });
    }
  }
  const botMemberOf =
    options.botMemberOf === undefined || options.botMemberOf === 'all'
      ? seed.channels.map((c) => c.info.id)
      : [...options.botMemberOf];
  return SlackWorkspace.fromSeed(seed, {
    botMemberOf,
    ...(options.bot ? { bot: options.bot } : {}),
  });
}
