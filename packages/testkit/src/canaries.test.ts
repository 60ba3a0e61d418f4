import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDetector } from '@sluice/pii';
import { describe, expect, it } from 'vitest';
import { assertNoCanaries, collectFiles, createCanaryGenerator } from './canaries.js';

describe('canary generator', () => {
  it('is deterministic for a seed and never repeats a canary', () => {
    const a = createCanaryGenerator(42);
    const b = createCanaryGenerator(42);
    const people = [a.person()];
    expect([b.person()]).toEqual(people);
    for (let i = 0; i < 20; i++) a.sentence(people);
    const values = a.issued.map((c) => c.value);
    expect(new Set(values).size).toBe(values.length);
    expect(createCanaryGenerator(43).person()).not.toEqual(people[0]);
  });

  it('makes canaries the detector finds, so a leak test cannot pass vacuously', () => {
    for (const seed of [1, 2, 3]) {
      const g = createCanaryGenerator(seed);
      const people = [g.person(), g.person()];
      const detector = createDetector({ directory: { names: people.flatMap((p) => [p.realName, p.displayName]) } });
      for (let i = 0; i < 8; i++) {
        const text = g.sentence(people);
        const found = new Set(detector.detect(text).map((e) => text.slice(e.start, e.end)));
        const missed = g.issued.filter((c) => text.includes(c.value) && !found.has(c.value));
        expect(missed).toEqual([]);
      }
    }
  });
});

describe('assertNoCanaries and collectFiles', () => {
  it('lists where each canary was found, masked', () => {
    expect(() => assertNoCanaries({ a: 'clean' }, ['ada@example.com'])).not.toThrow();
    let message = '';
    try {
      assertNoCanaries({ 'out.jsonl': 'x ada@example.com', logs: '..ada@example.com' }, ['ada@example.com', 'zzz']);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('out.jsonl@2');
    expect(message).toContain('logs@2');
    expect(message).not.toContain('ada@example.com');
  });

  it('reads nested text files and binary files (latin1 and utf8)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-collect-'));
    try {
      await mkdir(join(dir, 'sub'));
      await writeFile(join(dir, 'sub', 'out.jsonl'), '{"text":"Zoë"}\n');
      await writeFile(
        join(dir, 'db.duckdb'),
        Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('canary-1 Zoë', 'utf8')]),
      );
      const files = await collectFiles(dir);
      expect(Object.keys(files).sort()).toEqual(['db.duckdb', 'db.duckdb (utf8)', join('sub', 'out.jsonl')]);
      expect(() => assertNoCanaries(files, ['canary-1'])).toThrow(/db\.duckdb@3/);
      expect(() => assertNoCanaries(files, ['Zoë'])).toThrow(/db\.duckdb \(utf8\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
