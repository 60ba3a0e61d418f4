/**
 * `jsonl` source: reads canonical records, one JSON object per line, from a file. The checkpoint is the
 * line number, so a restart skips what was committed. Useful for fixtures, replays and the demo.
 * A line that is not JSON becomes an invalid record that the core dead-letters (without its content).
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Type } from '@sinclair/typebox';
import { defineSource, type SluiceRecord, type SourceItem } from '@sluice/core';

const Config = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'File of canonical records, relative to the policy.' }),
    tenant: Type.Optional(Type.String({ description: "Overrides each record's tenant (default: the policy's)." })),
  },
  { additionalProperties: false },
);

export const jsonlSource = defineSource({
  type: 'jsonl',
  version: '0.1.0',
  summary: 'Reads canonical records from a JSON Lines file, checkpointed by line number.',
  configSchema: Config,
  create(config, ctx) {
    const file = resolve(ctx.baseDir, config.path);
    const tenant = config.tenant ?? ctx.tenant;
    return {
      async *read({ checkpoints, signal }): AsyncGenerator<SourceItem> {
        const committed = checkpoints.get('file');
        const skip = typeof committed === 'number' ? committed : 0;
        const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
        let line = 0;
        try {
          for await (const text of lines) {
            line++;
            if (signal.aborted) return;
            if (line <= skip || text.trim() === '') continue;
            let record: SluiceRecord;
            try {
              record = { ...(JSON.parse(text) as SluiceRecord), tenant };
            } catch {
              record = { kind: 'invalid', key: `line:${line}` } as unknown as SluiceRecord;
            }
            yield { record, position: { partition: 'file', checkpoint: line } };
          }
        } finally {
          lines.close();
        }
      },
    };
  },
});
