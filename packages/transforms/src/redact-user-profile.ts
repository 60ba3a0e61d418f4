/**
 * `redact-user-profile`: keeps only what the users capture level allows. `ids`: user ID and team ID
 * (and flags such as is_bot); `domain`: the same plus the email domain. Profiles embedded in messages
 * (exports carry `user_profile`) are removed at both levels.
 */

import { Type } from '@sinclair/typebox';
import { defineTransform, type SluiceRecord } from '@sluice/core';
import { nullFields, PII_FIELDS } from './fields.js';

const Config = Type.Object(
  {
    keep: Type.Union([Type.Literal('ids'), Type.Literal('domain')], {
      description: 'ids: user and team IDs only. domain: also the email domain.',
    }),
  },
  { additionalProperties: false },
);

export const redactUserProfile = defineTransform({
  type: 'redact-user-profile',
  version: '0.1.0',
  summary: 'Removes names, titles, emails and phones from user records (and profiles embedded in messages).',
  configSchema: Config,
  describe: (config) => [
    { kinds: ['user'], sensitivities: ['pii'], effect: 'dropped' },
    ...(config.keep === 'ids'
      ? [{ kinds: ['user'] as const, fields: ['email_domain'], effect: 'dropped' as const }]
      : []),
    { kinds: ['message'], fields: ['user_profile'], effect: 'dropped' },
  ],
  create: (config) => {
    const userFields = config.keep === 'ids' ? [...PII_FIELDS.user, 'email_domain'] : PII_FIELDS.user;
    return function redactProfile(record: SluiceRecord): SluiceRecord {
      if (record.kind === 'user') return nullFields(record, userFields);
      if (record.kind === 'message' && record.user_profile != null) return { ...record, user_profile: null };
      return record;
    };
  },
});
