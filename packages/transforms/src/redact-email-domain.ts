/**
 * `redact-email-domain`: keeps only the domain of email addresses. On user records the address is
 * removed and `email_domain` kept; with `text: true`, addresses in free text become `@domain`.
 */

import { Type } from '@sinclair/typebox';
import { defineTransform, type SluiceRecord } from '@sluice/core';

const Config = Type.Object(
  {
    text: Type.Optional(
      Type.Boolean({ default: false, description: 'Also reduce email addresses in message text to their domain.' }),
    ),
  },
  { additionalProperties: false },
);

// Local part and domain of an address; deliberately simple: detection proper lives in @sluice/pii.
const EMAIL = /[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;

export function emailDomain(email: string | null | undefined): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  return at > 0 && at < email.length - 1 ? email.slice(at + 1).toLowerCase() : null;
}

export const redactEmailDomain = defineTransform({
  type: 'redact-email-domain',
  version: '0.1.0',
  summary: 'Keeps only the domain of email addresses (user profiles; optionally message text).',
  configSchema: Config,
  describe: (config) => [
    { kinds: ['user'], fields: ['email'], effect: 'dropped', note: 'domain kept in email_domain' },
    ...(config.text
      ? [
          {
            kinds: ['message'] as const,
            fields: ['text'],
            effect: 'modified' as const,
            note: 'emails reduced to @domain',
          },
        ]
      : []),
  ],
  create: (config) =>
    function keepEmailDomain(record: SluiceRecord): SluiceRecord {
      if (record.kind === 'user') {
        return { ...record, email: null, email_domain: record.email_domain ?? emailDomain(record.email) };
      }
      if (config.text && record.kind === 'message' && typeof record.text === 'string') {
        return { ...record, text: record.text.replace(EMAIL, (_m, domain: string) => `@${domain.toLowerCase()}`) };
      }
      return record;
    },
});
