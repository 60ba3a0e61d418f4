/**
 * Normalisation of Slack API, event and export objects into canonical records, with hand-written
 * fixtures shaped like Slack's documented payloads. Every record is checked against the record schema.
 */
import { validateRecord } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import {
  auditRecord,
  deletedMessageRecord,
  extractMentions,
  normalizeChannel,
  normalizeMessage,
  normalizeUser,
} from './normalize.js';

const ctx = { tenant: 'acme', channelId: 'C0GENERAL', teamId: 'T0ACME' };

describe('normalizeMessage', () => {
  it('keys by channel and ts, versions by ts, parses mentions from mrkdwn and rich text', () => {
    const record = normalizeMessage(
      {
        type: 'message',
        ts: '1700000000.000100',
        user: 'U0ALICE',
        text: 'hi <@U0BOB> and <@W0CAROL|carol>',
        blocks: [
          {
            type: 'rich_text',
            elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: 'U0DAN' }] }],
          },
        ],
      },
      ctx,
    );
    expect(record.key).toBe('C0GENERAL:1700000000.000100');
    expect(record.version).toBe(1_700_000_000_000_100);
    expect(record.posted_at).toBe('2023-11-14T22:13:20.000Z');
    expect(record.mentions).toEqual(['U0BOB', 'W0CAROL', 'U0DAN']);
    expect(record.team_id).toBe('T0ACME');
    expect(record.deleted).toBe(false);
    expect(validateRecord(record)).toBeNull();
  });

  it('versions an edited message by its edit time and records the editor', () => {
    const record = normalizeMessage(
      {
        type: 'message',
        ts: '1700000000.000100',
        user: 'U1',
        text: 'v2',
        edited: { user: 'U1', ts: '1700000500.000000' },
      },
      ctx,
    );
    expect(record.version).toBe(1_700_000_500_000_000);
    expect(record.edited_at).toBe(new Date(1_700_000_500_000).toISOString());
    expect(record.edited_by).toBe('U1');
  });

  it('keeps reactions, thread fields, subtype, bot id, attachments and the export user_profile', () => {
    const record = normalizeMessage(
      {
        type: 'message',
        subtype: 'bot_message',
        ts: '1700000000.000100',
        bot_id: 'B0BOT',
        text: 'deploy done',
        thread_ts: '1700000000.000100',
        reply_count: 2,
        reply_users: ['U1', 'U2'],
        latest_reply: '1700000100.000000',
        reactions: [{ name: 'tada', count: 2, users: ['U1', 'U2'] }],
        attachments: [{ fallback: 'x', text: 'attached' }],
        user_profile: { real_name: 'Alice A', display_name: 'alice' },
      },
      ctx,
    );
    expect(record).toMatchObject({
      subtype: 'bot_message',
      bot_id: 'B0BOT',
      user_id: null,
      thread_ts: '1700000000.000100',
      reply_count: 2,
      reply_users: ['U1', 'U2'],
      latest_reply: '1700000100.000000',
      reactions: [{ name: 'tada', count: 2, users: ['U1', 'U2'] }],
      attachments: [{ fallback: 'x', text: 'attached' }],
      user_profile: { real_name: 'Alice A', display_name: 'alice' },
    });
    // A thread parent changes when a reply arrives: its version follows latest_reply.
    expect(record.version).toBe(1_700_000_100_000_000);
    expect(validateRecord(record)).toBeNull();
  });

  it('keeps file metadata and text-bearing fields but drops download URLs', () => {
    const record = normalizeMessage(
      {
        type: 'message',
        subtype: 'file_share',
        ts: '1700000000.000100',
        user: 'U1',
        files: [
          {
            id: 'F1',
            name: 'salaries.csv',
            title: 'Salaries',
            mimetype: 'text/csv',
            size: 120,
            preview: 'name,salary',
            url_private: 'https://files.slack.com/secret',
            permalink: 'https://x.slack.com/files/F1',
          },
        ],
      },
      ctx,
    );
    expect(record.files).toEqual([
      { id: 'F1', name: 'salaries.csv', title: 'Salaries', mimetype: 'text/csv', size: 120, preview: 'name,salary' },
    ]);
  });

  it('reads old-export thread replies lists and the singular `file`', () => {
    const record = normalizeMessage(
      {
        type: 'message',
        ts: '1500000000.000100',
        user: 'U1',
        text: 'old',
        thread_ts: '1500000000.000100',
        replies: [
          { user: 'U2', ts: '1500000010.000000' },
          { user: 'U3', ts: '1500000020.000000' },
          { user: 'U2', ts: '1500000030.000000' },
        ],
        file: { id: 'F9', name: 'a.txt', url_private: 'https://x' },
      },
      ctx,
    );
    expect(record.reply_count).toBe(3);
    expect(record.reply_users).toEqual(['U2', 'U3']);
    expect(record.latest_reply).toBe('1500000030.000000');
    expect(record.files).toEqual([{ id: 'F9', name: 'a.txt' }]);
  });

  it('turns a tombstoned thread parent into a deleted record without content', () => {
    const record = normalizeMessage(
      {
        type: 'message',
        subtype: 'tombstone',
        ts: '1700000000.000100',
        user: 'USLACKBOT',
        text: 'This message was deleted.',
        thread_ts: '1700000000.000100',
        reply_count: 1,
      },
      { ...ctx, minVersion: 1_700_000_900_000_000 },
    );
    expect(record.deleted).toBe(true);
    expect(record.text).toBeNull();
    expect(record.version).toBe(1_700_000_900_000_000);
    expect(record.reply_count).toBe(1);
    expect(validateRecord(record)).toBeNull();
  });

  it('rejects a message without a ts', () => {
    expect(() => normalizeMessage({ type: 'message', text: 'x' }, ctx)).toThrow(TypeError);
  });
});

describe('deletedMessageRecord', () => {
  it('is an upsert marked deleted with every text-bearing field null', () => {
    const record = deletedMessageRecord({
      tenant: 'acme',
      channelId: 'C1',
      ts: '1700000000.000100',
      version: 1_700_000_999_000_000,
    });
    expect(record).toMatchObject({
      op: 'upsert',
      deleted: true,
      key: 'C1:1700000000.000100',
      version: 1_700_000_999_000_000,
      text: null,
      blocks: null,
      attachments: null,
      files: null,
      user_profile: null,
    });
    expect(validateRecord(record)).toBeNull();
  });
});

describe('extractMentions', () => {
  it('finds nothing in plain text and ignores channel links', () => {
    expect(extractMentions('see <#C123|general> and <!here>', undefined)).toEqual([]);
  });
});

describe('normalizeUser', () => {
  const member = {
    id: 'U0ALICE',
    team_id: 'T0ACME',
    name: 'alice',
    real_name: 'Alice Example',
    tz: 'Europe/Berlin',
    deleted: false,
    is_bot: false,
    updated: 1_700_000_000,
    profile: { display_name: 'ali', title: 'CFO', phone: '+1 415 555 0100', email: 'Alice@Example.COM' },
  };

  it('maps profile fields, derives the email domain and versions by `updated`', () => {
    const record = normalizeUser(member, { tenant: 'acme', fallbackVersion: 1 });
    expect(record).toMatchObject({
      key: 'U0ALICE',
      version: 1_700_000_000_000_000,
      real_name: 'Alice Example',
      display_name: 'ali',
      email: 'Alice@Example.COM',
      email_domain: 'example.com',
      phone: '+1 415 555 0100',
      is_bot: false,
      updated_at: '2023-11-14T22:13:20.000Z',
    });
    expect(validateRecord(record)).toBeNull();
  });

  it('leaves email and domain null when Slack did not send one', () => {
    const { email: _e, ...profile } = member.profile;
    const record = normalizeUser({ ...member, profile }, { tenant: 'acme', fallbackVersion: 1 });
    expect(record.email).toBeNull();
    expect(record.email_domain).toBeNull();
  });

  it('flags bots', () => {
    const record = normalizeUser(
      { id: 'U0BOT', name: 'deploybot', is_bot: true, profile: { bot_id: 'B1' } },
      { tenant: 'acme', fallbackVersion: 42 },
    );
    expect(record.is_bot).toBe(true);
    expect(record.version).toBe(42);
  });
});

describe('normalizeChannel', () => {
  it('maps topic and purpose values and privacy', () => {
    const record = normalizeChannel(
      {
        id: 'G0SECRET',
        name: 'hr',
        is_private: true,
        is_member: true,
        created: 1_600_000_000,
        creator: 'U1',
        topic: { value: 'Payroll', creator: 'U1', last_set: 0 },
        purpose: { value: 'HR things', creator: 'U1', last_set: 0 },
        members: ['U1', 'U2'],
      },
      { tenant: 'acme', version: 5 },
    );
    expect(record).toMatchObject({
      key: 'G0SECRET',
      is_private: true,
      is_member: true,
      topic: 'Payroll',
      purpose: 'HR things',
      num_members: 2,
      created_at: '2020-09-13T12:26:40.000Z',
    });
    expect(validateRecord(record)).toBeNull();
  });
});

describe('auditRecord', () => {
  it('is a valid audit record keyed by action, subject and time', () => {
    const record = auditRecord({ tenant: 'acme', action: 'channel_left', subject: 'C1', at: 1_700_000_000_000_000 });
    expect(record.key).toBe('channel_left:C1:1700000000000000');
    expect(validateRecord(record)).toBeNull();
  });
});
