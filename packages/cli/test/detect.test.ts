import { describe, expect, it } from 'vitest';
import { sluice } from './cli-io.js';

describe('sluice detect', () => {
  it('writes one JSON line of entities per input line, offsets in UTF-16', async () => {
    const input = `${JSON.stringify({ text: '🎉 mail ada@example.com' })}\n\n${JSON.stringify({ text: 'call +1 415 555 0100' })}\n`;
    const run = await sluice(['detect'], input);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { entities: Array<{ type: string; start: number; end: number }> });
    expect(lines).toHaveLength(2);
    expect(lines[0]?.entities).toEqual([expect.objectContaining({ type: 'EMAIL_ADDRESS', start: 8, end: 23 })]);
    expect(lines[1]?.entities[0]?.type).toBe('PHONE_NUMBER');
  });

  it('reports only the requested entity types and honours --region', async () => {
    const input = `${JSON.stringify({ text: 'ada@example.com 020 7946 0958' })}\n`;
    const us = await sluice(['detect', '--entities', 'PHONE_NUMBER'], input);
    expect(JSON.parse(us.stdout)).toMatchObject({ entities: [] });
    const gb = await sluice(['detect', '--entities', 'PHONE_NUMBER', '--region', 'gb'], input);
    expect(JSON.parse(gb.stdout).entities).toEqual([expect.objectContaining({ type: 'PHONE_NUMBER', start: 16 })]);
  });

  it('exits 2 on an unknown entity type or a bad region, without reading stdin', async () => {
    const bad = await sluice(['detect', '--entities', 'EMAIL_ADDRESS,NAME'], '{"text":"x"}\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"NAME"');
    expect(bad.stdout).toBe('');
    expect((await sluice(['detect', '--region', 'GBR'])).code).toBe(2);
    expect((await sluice(['detect', 'extra'])).code).toBe(2);
  });
});
