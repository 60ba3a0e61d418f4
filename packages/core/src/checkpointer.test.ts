import { describe, expect, it } from 'vitest';
import { CappedCheckpointer } from './checkpointer.js';

/** Small seeded PRNG so property tests are reproducible. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('CappedCheckpointer', () => {
  it('never commits past a record that is not acked, whatever the ack order', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = prng(seed);
      const cp = new CappedCheckpointer(1_000);
      const n = 1 + Math.floor(rand() * 60);
      const tickets = Array.from({ length: n }, (_, i) => cp.track({ partition: 'p', checkpoint: i }));
      const acked = new Set<number>();
      const order = [...tickets.keys()].sort(() => rand() - 0.5);
      let committed = -1;
      for (const i of order) {
        cp.ack(tickets[i]!);
        acked.add(i);
        const advanced = cp.takeAdvanced().get('p');
        if (advanced !== undefined) committed = advanced as number;
        // Every record up to the committed one is acked, and the next one is not.
        for (let j = 0; j <= committed; j++) expect(acked.has(j)).toBe(true);
        if (committed + 1 < n) expect(acked.has(committed + 1)).toBe(false);
      }
      expect(committed).toBe(n - 1);
      expect(cp.size).toBe(0);
    }
  });

  it('keeps partitions independent', () => {
    const cp = new CappedCheckpointer(10);
    const a0 = cp.track({ partition: 'a', checkpoint: 'a0' });
    const b0 = cp.track({ partition: 'b', checkpoint: 'b0' });
    const a1 = cp.track({ partition: 'a', checkpoint: 'a1' });
    cp.ack(a1);
    cp.ack(b0);
    expect(Object.fromEntries(cp.takeAdvanced())).toEqual({ b: 'b0' });
    cp.ack(a0);
    expect(Object.fromEntries(cp.takeAdvanced())).toEqual({ a: 'a1' });
  });

  it('blocks acquire at the cap and releases on ack', async () => {
    const cp = new CappedCheckpointer(2);
    expect(cp.acquire()).toBeUndefined();
    const t1 = cp.track({ partition: 'p', checkpoint: 1 });
    cp.track(undefined);
    const wait = cp.acquire();
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait!.then(() => {
      released = true;
    });
    await Promise.resolve();
    expect(released).toBe(false);
    cp.ack(t1);
    await wait;
    expect(released).toBe(true);
  });

  it('treats a second ack of the same record as a no-op', () => {
    const cp = new CappedCheckpointer(5);
    const t = cp.track({ partition: 'p', checkpoint: 0 });
    cp.track({ partition: 'p', checkpoint: 1 });
    cp.ack(t);
    cp.ack(t);
    expect(cp.size).toBe(1);
  });
});
