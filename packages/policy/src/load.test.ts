import { ConfigError } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from './load.js';
import { pipelineConfigFromPolicy } from './presets.js';

const base = {
  version: 1,
  tenant: 'acme',
  source: { use: 'jsonl', with: { path: 'in.jsonl' } },
  sink: { use: 'duckdb' },
};

function issuesOf(text: string, env: Record<string, string> = {}) {
  try {
    parsePolicy(text, 'policy.json', { env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('parsePolicy', () => {
  it('accepts a minimal policy and applies the defaults', () => {
    const { policy } = parsePolicy(JSON.stringify(base), 'policy.json');
    expect(policy.tenant).toBe('acme');
    const config = pipelineConfigFromPolicy(policy);
    expect(config.transforms.map((t) => t.use)).toEqual(['tokenize-pii', 'redact-user-profile']);
  });

  it('points at the line and column of a JSON syntax error', () => {
    const [issue] = issuesOf('{\n  "version": 1,\n}');
    expect(issue).toMatchObject({ path: '', code: 'json_syntax' });
    expect(issue!.message).toMatch(/line 3, column 1/);
  });

  it('rejects unknown keys with a suggestion, at their JSON pointer', () => {
    const issues = issuesOf(JSON.stringify({ ...base, capture: { mesages: 'metadata' } }));
    expect(issues).toEqual([
      expect.objectContaining({ path: '/capture/mesages', code: 'unknown_key', hint: 'did you mean "messages"?' }),
    ]);
  });

  it('reports wrong types, bad enum values and missing fields, one issue each', () => {
    const { sink: _sink, ...noSink } = base;
    const issues = issuesOf(JSON.stringify({ ...noSink, retention: { days: '30' }, capture: { users: 'all' } }));
    expect(issues.map((i) => [i.path, i.code])).toEqual(
      expect.arrayContaining([
        ['/sink', 'required'],
        ['/retention/days', 'type'],
        ['/capture/users', 'enum'],
      ]),
    );
    expect(issues).toHaveLength(3);
  });

  it('resolves ${env:NAME} references and reports missing ones without echoing values', () => {
    const text = JSON.stringify({
      ...base,
      source: { use: 'slack', with: { botToken: '${env:SLACK_BOT_TOKEN}', team: '${env:TEAM:-T1}' } },
    });
    const { policy } = parsePolicy(text, 'p.json', { env: { SLACK_BOT_TOKEN: 'xoxb-secret' } });
    expect(policy.source.with).toEqual({ botToken: 'xoxb-secret', team: 'T1' });
    const issues = issuesOf(text);
    expect(issues).toEqual([expect.objectContaining({ path: '/source/with/botToken', code: 'env_missing' })]);
  });

  it('warns loudly when raw text is captured', () => {
    const { warnings } = parsePolicy(JSON.stringify({ ...base, capture: { messages: 'full' } }), 'p.json');
    expect(warnings.join('\n')).toMatch(/stored in clear/);
  });

  it('runs the capture presets after the policy transforms so they have the last word', () => {
    const { policy } = parsePolicy(
      JSON.stringify({
        ...base,
        capture: { users: 'domain', messages: 'metadata' },
        transforms: [{ use: './plugins/acct.js' }],
      }),
      'p.json',
    );
    expect(pipelineConfigFromPolicy(policy).transforms.map((t) => [t.use, t.path])).toEqual([
      ['./plugins/acct.js', '/transforms/0'],
      ['drop-text', '/capture/messages'],
      ['redact-email-domain', '/capture/users'],
      ['redact-user-profile', '/capture/users'],
    ]);
  });

  it('checks values that come from the environment against the schema, without echoing them', () => {
    const text = JSON.stringify({
      ...base,
      keys: { provider: 'cloud-kms', keyName: '${env:KMS_KEY:-projects/p/locations/l/keyRings/r/cryptoKeys/k}' },
    });
    expect(parsePolicy(text, 'p.json', { env: {} }).policy.keys).toMatchObject({ provider: 'cloud-kms' });
    const issues = issuesOf(text, { KMS_KEY: 'not-a-key-name-s3cr3t' });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: '/keys/keyName',
          code: 'pattern',
          message: expect.stringContaining('environment'),
        }),
      ]),
    );
    expect(JSON.stringify(issues)).not.toContain('s3cr3t');
  });
});
