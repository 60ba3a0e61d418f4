import { firstValueFrom, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batchRecords } from './batching.js';

describe('batchRecords', () => {
  const collect = (
    options: { maxRecords: number; maxBytes: number; maxMs: number },
    push: (s: Subject<number>) => void,
  ) => {
    const input = new Subject<number>();
    const out = firstValueFrom(
      input.pipe(
        batchRecords(options, (n) => n),
        toArray(),
      ),
    );
    push(input);
    return out;
  };

  it('flushes on count', async () => {
    const batches = await collect({ maxRecords: 3, maxBytes: 1e9, maxMs: 1e6 }, (s) => {
      for (let i = 1; i <= 7; i++) s.next(1);
      s.complete();
    });
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
  });

  it('flushes on bytes', async () => {
    const batches = await collect({ maxRecords: 100, maxBytes: 10, maxMs: 1e6 }, (s) => {
      for (const n of [4, 4, 4, 1, 9, 2]) s.next(n);
      s.complete();
    });
    expect(batches).toEqual([[4, 4, 4], [1, 9], [2]]);
  });

  it('flushes on time after the first record of a batch', async () => {
    const batches = await collect({ maxRecords: 100, maxBytes: 1e9, maxMs: 20 }, (s) => {
      s.next(1);
      s.next(1);
      setTimeout(() => {
        s.next(1);
        s.complete();
      }, 60);
    });
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
  });
});
