/**
 * `drop-text`: removes every text-bearing field of every record (message text, blocks, attachments,
 * files, embedded profiles, channel topic and purpose). What remains is metadata: IDs, times,
 * reactions, mentions, thread fields. This is the `metadata` capture level.
 */

import { Type } from '@sinclair/typebox';
import { defineTransform, type SluiceRecord } from '@sluice/core';
import { nullFields, TEXT_FIELDS } from './fields.js';

export const dropText = defineTransform({
  type: 'drop-text',
  version: '0.1.0',
  summary: 'Removes all free text (message text, blocks, attachments, files, topics), keeping metadata.',
  configSchema: Type.Object({}, { additionalProperties: false }),
  describe: () => [
    { sensitivities: ['text'], effect: 'dropped' },
    { kinds: ['message'], fields: ['user_profile'], effect: 'dropped' },
  ],
  create: () =>
    function dropTextFields(record: SluiceRecord): SluiceRecord {
      const fields = record.kind === 'message' ? [...TEXT_FIELDS.message, 'user_profile'] : TEXT_FIELDS[record.kind];
      return fields.length ? nullFields(record, fields) : record;
    },
});
