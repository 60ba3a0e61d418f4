/**
 * Hand-built canonical records for tests of sinks and plugins (`@sluice/testkit/records`), shaped like
 * the schemas in `@sluice/core`: each builder fills the required fields and lets a test override any.
 */
import type { AuditRecord, ChannelRecord, MessageRecord, UserRecord } from '@sluice/core';

export function user(tenant: string, id: string, version: number, over: Partial<UserRecord> = {}): UserRecord {
  return {
    kind: 'user',
    tenant,
    key: id,
    version,
    op: 'upsert',
    user_id: id,
    team_id: 'T1',
    real_name: `Person ${id}`,
    email_domain: 'example.com',
    tz: 'Europe/Paris',
    is_bot: false,
    updated_at: '2024-03-01T10:00:00.000Z',
    ...over,
  };
}

export function channel(tenant: string, id: string, version: number, over: Partial<ChannelRecord> = {}): ChannelRecord {
  return {
    kind: 'channel',
    tenant,
    key: id,
    version,
    op: 'upsert',
    channel_id: id,
    name: `chan-${id.toLowerCase()}`,
    is_private: false,
    created_at: '2023-01-01T00:00:00Z',
    num_members: 12,
    topic: 'Topic',
    ...over,
  };
}

export function message(
  tenant: string,
  channelId: string,
  ts: string,
  version: number,
  over: Partial<MessageRecord> = {},
): MessageRecord {
  return {
    kind: 'message',
    tenant,
    key: `${channelId}:${ts}`,
    version,
    op: 'upsert',
    channel_id: channelId,
    ts,
    user_id: 'U1',
    posted_at: new Date(Number(ts.split('.')[0]) * 1000).toISOString(),
    text: `hello ${ts}`,
    reply_count: 0,
    reactions: [{ name: 'tada', count: 2, users: ['U1', 'U2'] }],
    mentions: ['U2'],
    blocks: [{ type: 'rich_text', elements: [] }],
    ...over,
  };
}

export function audit(tenant: string, id: string, at: string, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    kind: 'audit',
    tenant,
    key: id,
    version: 1,
    op: 'upsert',
    at,
    actor: 'pipeline',
    action: 'channel_left',
    subject: 'C1',
    details: { count: 3, ids: ['C1'] },
    ...over,
  };
}

/** A delete (tombstone) of an existing record: same envelope, newer version. */
export function deletion<R extends { op: 'upsert' | 'delete'; version: number }>(record: R, version: number): R {
  return { ...record, op: 'delete', version };
}
