import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detectJsonLines } from './jsonl.js';

async function run(input: string): Promise<{ lines: number; out: unknown[] }> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  const { lines } = await detectJsonLines(Readable.from([input]), output, { directory: { names: ['Maria Gonzalez'] } });
  output.end();
  const text = Buffer.concat(chunks).toString('utf8');
  return {
    lines,
    out: text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown),
  };
}

describe('detectJsonLines', () => {
  it('writes the text and its entities per line, in order', async () => {
    const { lines, out } = await run('{"text":"mail a@b.com"}\n{"text":"hi Maria Gonzalez","id":7}\n');
    expect(lines).toBe(2);
    expect(out).toEqual([
      { text: 'mail a@b.com', entities: [{ type: 'EMAIL_ADDRESS', start: 5, end: 12, score: 0.95 }] },
      { text: 'hi Maria Gonzalez', entities: [{ type: 'PERSON', start: 3, end: 17, score: 0.85 }] },
    ]);
  });

  it('reports malformed lines without echoing them and keeps going', async () => {
    const { lines, out } = await run('{"text": "a@b.com"\n[1,2]\n{"txt":"bob@acme.io"}\n\n{"text":"ok"}\r\n');
    expect(lines).toBe(4);
    expect(out).toHaveLength(4);
    const [bad1, bad2, bad3, good] = out as { error?: string; text?: string }[];
    for (const bad of [bad1, bad2, bad3]) {
      expect(typeof bad?.error).toBe('string');
      expect(JSON.stringify(bad)).not.toContain('@');
    }
    expect(good).toEqual({ text: 'ok', entities: [] });
  });

  it('ignores a UTF-8 byte order mark on the first line', async () => {
    const { out } = await run('\ufeff{"text":"a@b.com"}\n');
    expect(out).toEqual([{ text: 'a@b.com', entities: [{ type: 'EMAIL_ADDRESS', start: 0, end: 7, score: 0.95 }] }]);
  });

  it('rejects when the output stream fails instead of hanging', async () => {
    const output = new PassThrough({ highWaterMark: 1 });
    const input = Readable.from(Array.from({ length: 50 }, () => '{"text":"a@b.com"}\n'));
    const done = detectJsonLines(input, output);
    setImmediate(() => output.destroy(new Error('EPIPE')));
    await expect(done).rejects.toThrow('EPIPE');
  });

  it('waits for a slow writer (back-pressure) and loses no line', async () => {
    const output = new PassThrough({ highWaterMark: 16 });
    const received: string[] = [];
    const input = Readable.from(Array.from({ length: 200 }, (_, i) => `{"text":"row ${i} a${i}@b.com"}\n`));
    const consume = (async () => {
      for await (const chunk of output) {
        received.push(String(chunk));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const { lines } = await detectJsonLines(input, output);
    output.end();
    await consume;
    expect(lines).toBe(200);
    expect(received.join('').trim().split('\n')).toHaveLength(200);
  });
});
