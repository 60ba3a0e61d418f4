import type { ChannelRecord, MessageRecord, PluginContext, SluiceRecord, UserRecord } from '@sluice/core';
import { createMemoryStateStore, createServiceRegistry, silentLogger } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { dropText } from './drop-text.js';
import { redactEmailDomain } from './redact-email-domain.js';
import { redactUserProfile } from './redact-user-profile.js';

const ctx: PluginContext = {
  tenant: 't',
  componentId: 'x',
  baseDir: '.',
  logger: silentLogger(),
  state: createMemoryStateStore(),
  services: createServiceRegistry(),
  signal: new AbortController().signal,
  audit: async () => undefined,
};

const user: UserRecord = {
  kind: 'user',
  tenant: 't',
  key: 'U1',
  version: 1,
  op: 'upsert',
  user_id: 'U1',
  team_id: 'T1',
  name: 'mgonzalez',
  real_name: 'Maria Gonzalez',
  display_name: 'maria',
  title: 'Head of Payroll',
  email: 'maria.gonzalez@acme.example',
  phone: '+1 415 555 0100',
  tz: 'Europe/Madrid',
  is_bot: false,
};

const message: MessageRecord = {
  kind: 'message',
  tenant: 't',
  key: 'C1:1.000001',
  version: 1,
  op: 'upsert',
  channel_id: 'C1',
  ts: '1.000001',
  user_id: 'U1',
  posted_at: '1970-01-01T00:00:01.000Z',
  text: 'mail maria.gonzalez@acme.example',
  blocks: [{ type: 'rich_text' }],
  attachments: [{ text: 'x' }],
  files: [{ id: 'F1', title: 'payroll.xlsx' }],
  user_profile: { real_name: 'Maria Gonzalez' },
  reactions: [{ name: 'tada', count: 1, users: ['U2'] }],
  mentions: ['U2'],
};

const channel: ChannelRecord = {
  kind: 'channel',
  tenant: 't',
  key: 'C1',
  version: 1,
  op: 'upsert',
  channel_id: 'C1',
  name: 'payroll',
  topic: 'ask Maria at +1 415 555 0100',
  purpose: 'salaries',
};

async function apply(def: { create: (c: never, ctx: PluginContext) => unknown }, config: object, r: SluiceRecord) {
  const fn = (await def.create(config as never, ctx)) as (r: SluiceRecord, c: PluginContext) => SluiceRecord | null;
  return fn(r, ctx);
}

describe('capture transforms', () => {
  it('drop-text keeps metadata and removes every text-bearing field', async () => {
    const out = (await apply(dropText, {}, message)) as MessageRecord;
    expect(out).toMatchObject({ text: null, blocks: null, attachments: null, files: null, user_profile: null });
    expect(out).toMatchObject({ user_id: 'U1', channel_id: 'C1', mentions: ['U2'], reactions: message.reactions });
    expect(await apply(dropText, {}, channel)).toMatchObject({ topic: null, purpose: null, name: 'payroll' });
  });

  it('redact-user-profile keeps only IDs, or IDs and the email domain', async () => {
    const withDomain = { ...user, email_domain: 'acme.example' };
    const ids = (await apply(redactUserProfile, { keep: 'ids' }, withDomain)) as UserRecord;
    expect(ids).toMatchObject({ user_id: 'U1', team_id: 'T1', real_name: null, email: null, email_domain: null });
    expect(JSON.stringify(ids)).not.toMatch(/Maria|maria|Payroll|555/);
    const domain = (await apply(redactUserProfile, { keep: 'domain' }, withDomain)) as UserRecord;
    expect(domain).toMatchObject({ email: null, email_domain: 'acme.example', title: null });
    expect(await apply(redactUserProfile, { keep: 'ids' }, message)).toMatchObject({ user_profile: null });
  });

  it('redact-email-domain derives the domain and removes the address', async () => {
    expect(await apply(redactEmailDomain, {}, user)).toMatchObject({ email: null, email_domain: 'acme.example' });
    expect(await apply(redactEmailDomain, { text: true }, message)).toMatchObject({ text: 'mail @acme.example' });
    expect(await apply(redactEmailDomain, {}, message)).toMatchObject({ text: message.text });
  });
});
