/**
 * `mergeAsyncIterables`: every item of every input once, inputs pulled only on demand (one item
 * ahead at most), errors propagated, and inputs closed when the consumer stops early.
 */
import { describe, expect, it } from 'vitest';
import { mergeAsyncIterables } from './merge.js';

async function* counted(name: string, n: number, pulled: string[]): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) {
    pulled.push(`${name}${i}`);
    await new Promise((r) => setTimeout(r, 1));
    yield `${name}${i}`;
  }
}

describe('mergeAsyncIterables', () => {
  it('yields every item of every input exactly once', async () => {
    const pulled: string[] = [];
    const out: string[] = [];
    for await (const item of mergeAsyncIterables([counted('a', 5, pulled), counted('b', 3, pulled)])) out.push(item);
    expect(out.sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2']);
  });

  it('pulls each input at most one item ahead of the consumer', async () => {
    const pulled: string[] = [];
    const merged = mergeAsyncIterables([counted('a', 100, pulled), counted('b', 100, pulled)]);
    const first = await merged.next();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    // One item delivered, at most one more requested from each input.
    expect(pulled.length).toBeLessThanOrEqual(3);
    await merged.return(undefined);
  });

  it('propagates an input error and closes the other inputs', async () => {
    let closed = false;
    async function* failing(): AsyncGenerator<string> {
      yield 'x';
      throw new RangeError('broken input');
    }
    async function* endless(): AsyncGenerator<string> {
      try {
        while (true) {
          await new Promise((r) => setTimeout(r, 5));
          yield 'y';
        }
      } finally {
        closed = true;
      }
    }
    const consume = async () => {
      for await (const _ of mergeAsyncIterables([failing(), endless()])) {
        // drain
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(RangeError);
    await new Promise((r) => setTimeout(r, 30));
    expect(closed).toBe(true);
  });
});
