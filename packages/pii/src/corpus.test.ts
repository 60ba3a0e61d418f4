import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDetectorOptions, formatCorpus, generateCorpus, parseCorpus } from './corpus.js';
import { createDetector } from './detector.js';
import { ENTITY_TYPES, type EntityType } from './entities.js';
import { evaluate } from './evaluate.js';

const committed = readFileSync(new URL('../corpus/slack-pii.jsonl', import.meta.url), 'utf8');

describe('corpus', () => {
  it('is exactly what the seeded generator produces (regenerate with scripts/make-corpus.mjs)', () => {
    // Compared without printing the whole file on failure.
    const generated = formatCorpus(generateCorpus());
    expect(generated.length).toBe(committed.length);
    expect(generated === committed).toBe(true);
  });

  it('has 2,000-5,000 sentences, every type, hard negatives and in-bounds gold spans', () => {
    const corpus = parseCorpus(committed);
    expect(corpus.length).toBeGreaterThanOrEqual(2000);
    expect(corpus.length).toBeLessThanOrEqual(5000);
    const seen = new Set<EntityType>();
    for (const entry of corpus) {
      let last = 0;
      for (const span of entry.entities) {
        seen.add(span.type);
        expect(span.start).toBeGreaterThanOrEqual(last);
        expect(span.end).toBeLessThanOrEqual(entry.text.length);
        last = span.end;
      }
    }
    expect([...seen].sort()).toEqual([...ENTITY_TYPES].sort());
    expect(corpus.filter((e) => e.entities.length === 0).length).toBeGreaterThan(100);
    expect(corpus.some((e) => /[\uD800-\uDBFF]/.test(e.text))).toBe(true);
  });

  it('generates differently for another seed', () => {
    expect(formatCorpus(generateCorpus({ seed: 1, size: 20 }))).not.toBe(formatCorpus(generateCorpus({ size: 20 })));
  });
});

describe('evaluate', () => {
  it('counts exact span matches only', () => {
    const corpus = [
      {
        text: 'a@b.com x',
        entities: [
          { type: 'EMAIL_ADDRESS' as const, start: 0, end: 7 },
          { type: 'PERSON' as const, start: 8, end: 9 },
        ],
      },
    ];
    const result = evaluate(
      {
        detect: () => [
          { type: 'EMAIL_ADDRESS', start: 0, end: 6 },
          { type: 'URL', start: 8, end: 9 },
        ],
      },
      corpus,
    );
    expect(result.byType.EMAIL_ADDRESS).toMatchObject({ tp: 0, fp: 1, fn: 1, precision: 0, recall: 0 });
    expect(result.byType.PERSON).toMatchObject({ tp: 0, fp: 0, fn: 1, precision: 1, recall: 0 });
    expect(result.byType.URL).toMatchObject({ tp: 0, fp: 1, fn: 0, precision: 0, recall: 1 });
  });

  it('shows structured types at >= 0.95 precision and recall on the committed corpus', () => {
    const result = evaluate(createDetector(corpusDetectorOptions()), parseCorpus(committed));
    for (const type of ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS'] as const) {
      const score = result.byType[type];
      expect(score, type).toBeDefined();
      expect(score!.precision, `${type} precision`).toBeGreaterThanOrEqual(0.95);
      expect(score!.recall, `${type} recall`).toBeGreaterThanOrEqual(0.95);
    }
  });
});
