/**
 * Tests for the token text format: its alphabet is safe in Slack mrkdwn, JSON and SQL, and
 * `findTokens` finds every token again wherever it was pasted.
 */
import { describe, expect, it } from 'vitest';
import { findTokens, formatToken, parseToken } from './token-format.js';

const BODY = 'abcdefghijklmnopqrstuvwxyz234567';
const TOKEN = formatToken('EMAIL_ADDRESS', 3, 'h', BODY);

describe('token format', () => {
  it('says entity type, key version and mode', () => {
    expect(TOKEN).toBe(`[EMAIL-ADDRESS.v3.h.${BODY}]`);
    expect(parseToken(TOKEN)).toEqual({
      token: TOKEN,
      entityType: 'EMAIL_ADDRESS',
      keyVersion: 3,
      mode: 'h',
      body: BODY,
    });
  });

  it('uses only ASCII outside mrkdwn, emoji, JSON and SQL control characters', () => {
    expect(TOKEN).toMatch(/^[\x21-\x7e]+$/);
    for (const forbidden of ['<', '>', '|', '*', '_', '~', '`', ':', '"', "'", '\\', ' ']) {
      expect(TOKEN).not.toContain(forbidden);
    }
  });

  it('is found again inside a Slack mailto link, JSON and a SQL literal', () => {
    const other = formatToken('PHONE_NUMBER', 1, 'r', `${BODY}ab`);
    const texts = [
      `<mailto:${TOKEN}|${TOKEN}> call ${other}`,
      JSON.stringify({ text: `${TOKEN} and ${other}` }),
      `INSERT INTO t VALUES ('${TOKEN}', '${other}')`,
      `*bold ${TOKEN}*~${other}~`,
    ];
    for (const text of texts) {
      const found = findTokens(text);
      expect(found.map((t) => t.token)).toEqual(text.startsWith('<mailto') ? [TOKEN, TOKEN, other] : [TOKEN, other]);
      for (const token of found) expect(text.slice(token.index, token.index + token.token.length)).toBe(token.token);
    }
    expect(findTokens(texts[0]!)[2]).toMatchObject({ entityType: 'PHONE_NUMBER', keyVersion: 1, mode: 'r' });
  });

  it('does not parse lookalikes', () => {
    for (const text of [
      `[email-address.v1.h.${BODY}]`,
      `[EMAIL_ADDRESS.v1.h.${BODY}]`,
      `[EMAIL-ADDRESS.v0.h.${BODY}]`,
      `[EMAIL-ADDRESS.v1.x.${BODY}]`,
      `[EMAIL-ADDRESS.v1.h.${BODY.toUpperCase()}]`,
      `[EMAIL-ADDRESS.v1.h.abc]`,
      `${TOKEN} `,
    ]) {
      expect(parseToken(text)).toBeUndefined();
    }
    expect(findTokens('no tokens [here]')).toEqual([]);
  });
});
