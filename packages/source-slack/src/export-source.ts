/**
 * The `slack-export` source: reads a workspace export (zip or directory) and emits users, then
 * channels, then each conversation's messages in day-file order. Each conversation is a partition
 * (`export:<channel id>`) whose checkpoint is the last file and index emitted, so a restart resumes
 * after the last message the sink durably wrote. Exports are static: `follow` mode ends like
 * `until-caught-up` once everything is read.
 */
import { isAbsolute, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import {
  defineSource,
  type Json,
  type PluginContext,
  type SourceInstance,
  type SourceItem,
  type SourceReadOptions,
} from '@sluice/core';
import {
  dayFiles,
  type ExportArchive,
  type ExportConversation,
  listExportConversations,
  openSlackExport,
} from './export-archive.js';
import { isSlackTs, normalizeChannel, normalizeMessage, normalizeUser, type SlackObject } from './normalize.js';

export const SlackExportConfigSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'Export zip file or unpacked directory (relative to the policy).' }),
    channels: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Allow-list of channel names or IDs; all conversations when absent.',
      }),
    ),
    includeDirectMessages: Type.Optional(
      Type.Boolean({ description: 'Read mpims.json / dms.json conversations when present (default true).' }),
    ),
  },
  { additionalProperties: false },
);
export type SlackExportConfig = Static<typeof SlackExportConfigSchema>;

/** The per-conversation checkpoint: the last day file and message index emitted. */
export interface ExportCheckpoint {
  file: string;
  index: number;
}

export function exportPartition(channelId: string): string {
  return `export:${channelId}`;
}

function asExportCheckpoint(value: Json | undefined): ExportCheckpoint | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { file, index } = value as { file?: unknown; index?: unknown };
  return typeof file === 'string' && typeof index === 'number' ? { file, index } : null;
}

export interface SlackExportSourceOptions {
  tenant: string;
  /** Absolute path of the export. */
  path: string;
  channels?: readonly string[];
  includeDirectMessages?: boolean;
}

/** Reads a Slack export as canonical records. */
export class SlackExportSource implements SourceInstance {
  private readonly options: SlackExportSourceOptions;

  constructor(options: SlackExportSourceOptions) {
    this.options = options;
  }

  async *read(options: SourceReadOptions): AsyncGenerator<SourceItem> {
    const { tenant } = this.options;
    const archive = await openSlackExport(this.options.path);
    const paths = new Set(archive.list());
    if (paths.has('users.json')) {
      const users = await archive.readJson('users.json');
      for (const raw of Array.isArray(users) ? users : []) {
        if (options.signal.aborted) return;
        if (typeof raw !== 'object' || raw === null || typeof (raw as SlackObject).id !== 'string') continue;
        yield { record: normalizeUser(raw as SlackObject, { tenant, fallbackVersion: 0 }) };
      }
    }
    const conversations = this.selected(await listExportConversations(archive));
    for (const conversation of conversations) {
      if (options.signal.aborted) return;
      yield {
        record: normalizeChannel(conversation.raw, {
          tenant,
          version: channelVersion(conversation.raw),
          isPrivate: conversation.kind !== 'public',
        }),
      };
    }
    for (const conversation of conversations) {
      if (conversation.folder === null) continue;
      yield* this.readConversation(archive, conversation, options);
      if (options.signal.aborted) return;
    }
  }

  private selected(all: ExportConversation[]): ExportConversation[] {
    const allow = this.options.channels ? new Set(this.options.channels.map((c) => c.replace(/^#/, ''))) : null;
    const includeDms = this.options.includeDirectMessages ?? true;
    return all.filter((c) => {
      if (!includeDms && (c.kind === 'mpim' || c.kind === 'im')) return false;
      return allow === null || allow.has(c.id) || (c.name !== null && allow.has(c.name));
    });
  }

  private async *readConversation(
    archive: ExportArchive,
    conversation: ExportConversation,
    options: SourceReadOptions,
  ): AsyncGenerator<SourceItem> {
    const partition = exportPartition(conversation.id);
    const resume = asExportCheckpoint(options.checkpoints.get(partition));
    const folder = conversation.folder as string;
    for (const [file, messages] of dayFiles(await archive.readFolder(folder), folder)) {
      if (resume && file < resume.file) continue;
      for (let index = 0; index < messages.length; index++) {
        if (resume && file === resume.file && index <= resume.index) continue;
        if (options.signal.aborted) return;
        const raw = messages[index] as SlackObject;
        // Export day files hold join/leave notices and the odd malformed entry: only real messages count.
        if (raw.type !== undefined && raw.type !== 'message') continue;
        if (!isSlackTs(raw.ts)) continue;
        yield {
          record: normalizeMessage(raw, { tenant: this.options.tenant, channelId: conversation.id }),
          position: { partition, checkpoint: { file, index } },
        };
      }
    }
  }
}

/** Exports carry no change time for channels: the latest of creation and topic/purpose changes. */
function channelVersion(raw: SlackObject): number {
  const seconds = [
    raw.created,
    (raw.topic as SlackObject | undefined)?.last_set,
    (raw.purpose as SlackObject | undefined)?.last_set,
  ]
    .map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0))
    .reduce((a, b) => Math.max(a, b), 0);
  return Math.trunc(seconds) * 1_000_000;
}

/**
 * The `slack-export` source plugin.
 * @example
 * // policy: { "source": { "use": "slack-export", "with": { "path": "./export.zip", "channels": ["general"] } } }
 */
export const slackExportSource = defineSource({
  type: 'slack-export',
  version: '0.1.0',
  summary: 'Reads a Slack workspace export (zip or directory): users, channels and messages.',
  configSchema: SlackExportConfigSchema,
  create(config: SlackExportConfig, ctx: PluginContext) {
    const path = isAbsolute(config.path) ? config.path : resolve(ctx.baseDir, config.path);
    return new SlackExportSource({
      tenant: ctx.tenant,
      path,
      ...(config.channels ? { channels: config.channels } : {}),
      ...(config.includeDirectMessages !== undefined ? { includeDirectMessages: config.includeDirectMessages } : {}),
    });
  },
});
