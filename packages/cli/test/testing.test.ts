/**
 * `runPolicyOnRecords` (the plugin authors' helper) with the real runtime: fixture records through the
 * default tokenized policy, then the canary check of @sluice/testkit over everything the run left.
 */
import { assertNoCanaries, createCanaryGenerator } from '@sluice/testkit/canaries';
import { describe, expect, it } from 'vitest';
import { runPolicyOnRecords } from '../src/testing.js';

describe('runPolicyOnRecords', () => {
  it('runs fixture records through a policy and returns what was stored and every file', async () => {
    const canaries = createCanaryGenerator(7);
    const records = Array.from({ length: 5 }, (_, i) => ({
      kind: 'message',
      key: `C1:${1_700_000_000 + i}.000100`,
      version: 1,
      op: 'upsert',
      channel_id: 'C1',
      ts: `${1_700_000_000 + i}.000100`,
      posted_at: new Date((1_700_000_000 + i) * 1000).toISOString(),
      text: canaries.sentence([]),
    }));
    const run = await runPolicyOnRecords({ records, policy: { capture: { messages: 'tokenized' } } });
    expect(run.stored).toHaveLength(5);
    expect(run.stored.every((r) => r.kind === 'message' && /\[EMAIL-ADDRESS\.v1\.h\./.test(r.text ?? ''))).toBe(true);
    expect(run.deadLetters).toEqual([]);
    assertNoCanaries(run.files, canaries.values());

    const clear = await runPolicyOnRecords({ records, policy: { capture: { messages: 'full' } } });
    expect(() => assertNoCanaries(clear.files, canaries.values())).toThrow();
  });
});
