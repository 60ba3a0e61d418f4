/**
 * Writes a simulated workspace as a Slack export directory (or zip): the same layout
 * `loadSlackExport` reads and Slack's "Export data" produces, one channel and one UTC day at a time so
 * a large synthetic workspace never has to be rendered in memory at once. Useful to produce realistic
 * export fixtures for export-reader tests.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { strToU8, type Zippable, zipSync } from 'fflate';
import type { SlackMessage } from './types.js';
import type { ChannelState, SlackWorkspace } from './workspace.js';

export interface WriteSlackExportOptions {
  /** Write a single zip file at `target` instead of a directory. */
  zip?: boolean;
  /** Leave out the bot user from users.json (real exports include bots; default false). */
  omitBot?: boolean;
}

export interface WriteSlackExportResult {
  files: number;
  messages: number;
}

function dayOf(ts: number): string {
  return new Date(Math.floor(ts / 1000)).toISOString().slice(0, 10);
}

function channelEntry(state: ChannelState): Record<string, unknown> {
  const { is_private: _isPrivate, previous_names: _previous, ...info } = state.info;
  return { ...info, members: [...state.members], pins: [] };
}

/** Every message of a channel as `[ts, parentTs]`, ascending; broadcasts once (they live in both lists). */
function channelTimeline(state: ChannelState): Array<[number, number | undefined]> {
  const out: Array<[number, number | undefined]> = [];
  for (const ts of state.top) out.push([ts, state.broadcastParent.get(ts)]);
  for (const [parent, replies] of state.threads) {
    for (const ts of replies) if (!state.broadcastParent.has(ts)) out.push([ts, parent]);
  }
  out.sort((a, b) => a[0] - b[0]);
  return out;
}

/**
 * Writes `workspace` as a Slack export to `target` (a directory, created if needed, or a zip path).
 *
 * @example
 * ```ts
 * await writeSlackExport(generateSyntheticWorkspace({ seed: 1, totalMessages: 500 }), '/tmp/export');
 * const again = await loadSlackExport('/tmp/export');
 * ```
 */
export async function writeSlackExport(
  workspace: SlackWorkspace,
  target: string,
  options: WriteSlackExportOptions = {},
): Promise<WriteSlackExportResult> {
  const zipEntries: Zippable = {};
  let files = 0;
  let messages = 0;
  if (!options.zip) await mkdir(target, { recursive: true });
  const put = async (path: string, value: unknown) => {
    const text = JSON.stringify(value, null, 4);
    files += 1;
    if (options.zip) {
      zipEntries[path] = strToU8(text);
    } else {
      const full = join(target, path);
      await mkdir(join(full, '..'), { recursive: true });
      await writeFile(full, text);
    }
  };
  const users = workspace
    .listUsers()
    .filter((id) => !(options.omitBot && id === workspace.bot.userId))
    .map((id) => workspace.getUser(id));
  await put('users.json', users);
  const states = workspace.listChannels().map((id) => workspace.getChannel(id) as ChannelState);
  await put('channels.json', states.filter((s) => !s.info.is_private).map(channelEntry));
  await put('groups.json', states.filter((s) => s.info.is_private).map(channelEntry));
  for (const state of states) {
    let day = '';
    let batch: SlackMessage[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await put(`${state.info.name}/${day}.json`, batch);
      messages += batch.length;
      batch = [];
    };
    for (const [ts, parent] of channelTimeline(state)) {
      const messageDay = dayOf(ts);
      if (messageDay !== day) {
        await flush();
        day = messageDay;
      }
      batch.push(state.render(ts, parent));
    }
    await flush();
  }
  if (options.zip) {
    await mkdir(join(target, '..'), { recursive: true });
    await writeFile(target, zipSync(zipEntries));
  }
  return { files, messages };
}
