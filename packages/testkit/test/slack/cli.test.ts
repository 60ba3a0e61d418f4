/**
 * `sluice sim slack` helpers: argument parsing, the workspace they select, and the banner (checked
 * against a running simulator reached with the REAL `@slack/web-api` WebClient).
 */

import { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import {
  formatSimulatorBanner,
  parseSimSlackArgs,
  startSimulatorFromArgs,
  workspaceForSimArgs,
} from '../../src/slack/index.js';
import { quietLogger } from './helpers.js';

describe('sluice sim slack helpers', () => {
  it('parses flags, with defaults, and rejects bad input', () => {
    expect(parseSimSlackArgs([])).toEqual({ profile: 'tier3', port: 0, timeScale: 1, seed: 1 });
    expect(
      parseSimSlackArgs(['--synthetic', '1000', '--profile=non-marketplace', '--port', '3999', '--time-scale', '60']),
    ).toEqual({ synthetic: 1000, profile: 'non-marketplace', port: 3999, timeScale: 60, seed: 1 });
    expect(parseSimSlackArgs(['--export', './dump'])).toMatchObject({ exportPath: './dump' });
    expect(() => parseSimSlackArgs(['--profile', 'tier9'])).toThrow(RangeError);
    expect(() => parseSimSlackArgs(['--export', 'a', '--synthetic', '5'])).toThrow(RangeError);
    expect(() => parseSimSlackArgs(['--time-scale', '0'])).toThrow(RangeError);
    expect(() => parseSimSlackArgs(['--port'])).toThrow(RangeError);
    expect(() => parseSimSlackArgs(['--what'])).toThrow(RangeError);
  });

  it('builds a synthetic workspace of the requested size', async () => {
    const ws = await workspaceForSimArgs(parseSimSlackArgs(['--synthetic', '800']), Date.UTC(2026, 0, 1));
    expect(ws.messageCount()).toBe(800);
  });

  it('starts from argv and prints a banner with the API URL and simulator tokens', async () => {
    const sim = await startSimulatorFromArgs(['--synthetic', '300', '--time-scale', '60']);
    try {
      const banner = formatSimulatorBanner(sim);
      expect(banner).toContain(sim.apiUrl);
      expect(banner).toContain('SLACK_BOT_TOKEN=');
      expect(banner).toContain('SLACK_APP_TOKEN=');
      expect(banner).toMatch(/simulator tokens/);
      expect(sim.timeScale).toBe(60);
      const auth = await new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, logger: quietLogger }).auth.test();
      expect(auth.team_id).toBe(sim.teamId);
    } finally {
      await sim.close();
    }
  });
});
