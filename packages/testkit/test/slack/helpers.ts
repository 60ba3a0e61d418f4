/**
 * Shared fixtures for the Slack simulator tests: a tiny hand-written workspace with known timestamps
 * (so time-range assertions can name exact messages) and a quiet logger for the official clients.
 */

import { type Logger, LogLevel } from '@slack/web-api';
import type { SlackChannelInfo, SlackMessage, SlackUser } from '../../src/slack/index.js';
import { SlackWorkspace } from '../../src/slack/index.js';

export function user(id: string, name: string, email: string): SlackUser {
  return {
    id,
    team_id: 'T0TEST0001',
    name,
    deleted: false,
    real_name: name,
    is_bot: false,
    is_app_user: false,
    updated: 1_700_000_000,
    profile: {
      real_name: name,
      real_name_normalized: name,
      display_name: name,
      display_name_normalized: name,
      title: 'Engineer',
      phone: '+1 415 555 0100',
      email,
      status_text: '',
      status_emoji: '',
      team: 'T0TEST0001',
    },
  };
}

export function channel(id: string, name: string, isPrivate = false): SlackChannelInfo {
  return {
    id,
    name,
    is_private: isPrivate,
    created: 1_600_000_000,
    creator: 'U0ALICE001',
    is_archived: false,
    is_general: name === 'general',
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    previous_names: [],
  };
}

/** `1700000000.000100`, `...000200`, ... : message n has ts `1700000000 + n` seconds. */
export function tsOf(n: number): string {
  return `${1_700_000_000 + n}.000100`;
}

function msg(n: number, userId: string, text: string, extra: Partial<SlackMessage> = {}): SlackMessage {
  return { type: 'message', ts: tsOf(n), user: userId, text, ...extra };
}

/**
 * #general (bot member): messages 1..20, message 5 has replies at 21..27.
 * #random (public, bot not member), #secret (private, bot member), #hidden (private, bot not member).
 */
export function smallWorkspace(): SlackWorkspace {
  const general: SlackMessage[] = [];
  for (let n = 1; n <= 20; n++) general.push(msg(n, n % 2 ? 'U0ALICE001' : 'U0BOB00001', `message ${n}`));
  for (let n = 21; n <= 27; n++) {
    general.push(msg(n, n % 2 ? 'U0BOB00001' : 'U0CAROL001', `reply ${n}`, { thread_ts: tsOf(5) }));
  }
  return SlackWorkspace.fromSeed(
    {
      team: { id: 'T0TEST0001', name: 'Test Team', domain: 'test-team' },
      users: [
        user('U0ALICE001', 'alice', 'alice@example.com'),
        user('U0BOB00001', 'bob', 'bob@example.com'),
        user('U0CAROL001', 'carol', 'carol@example.com'),
      ],
      channels: [
        {
          info: channel('C0GENERAL1', 'general'),
          members: ['U0ALICE001', 'U0BOB00001', 'U0CAROL001'],
          messages: general,
        },
        { info: channel('C0RANDOM01', 'random'), members: ['U0ALICE001'], messages: [msg(1, 'U0ALICE001', 'hi')] },
        {
          info: channel('C0SECRET01', 'secret', true),
          members: ['U0ALICE001'],
          messages: [msg(2, 'U0ALICE001', 'psst')],
        },
        { info: channel('C0HIDDEN01', 'hidden', true), members: ['U0BOB00001'], messages: [] },
      ],
    },
    { botMemberOf: ['C0GENERAL1', 'C0SECRET01'] },
  );
}

/** A logger for the official clients that keeps test output clean. */
export const quietLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};
