/**
 * Scoring a detector against a gold corpus. Matching is exact: a prediction counts as a true positive only
 * when a gold span has the same type, start and end; anything else is a false positive, and every gold
 * span left unmatched is a false negative. Partial overlaps therefore count twice (one FP, one FN), which
 * is the strict reading a tokenizer needs: a span one character short leaks that character.
 */
import type { CorpusEntry, GoldSpan } from './corpus.js';
import type { DetectedEntity, EntityType } from './entities.js';

/** Counts and rates for one entity type. Rates with an empty denominator are 1 (nothing to get wrong). */
export interface TypeScore {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Per-type scores plus the micro-average over all types. */
export interface Evaluation {
  readonly byType: Partial<Record<EntityType, TypeScore>>;
  readonly overall: TypeScore;
  readonly sentences: number;
}

function score(tp: number, fp: number, fn: number): TypeScore {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}

/** Anything with a `detect` method returning spans: ours, or an adapter around another library. */
export interface SpanDetector {
  detect(text: string): readonly Pick<DetectedEntity, 'type' | 'start' | 'end'>[];
}

/**
 * Runs `detector` over every corpus entry and scores it per type with exact span matching.
 *
 * @example
 * const result = evaluate(createDetector(corpusDetectorOptions()), generateCorpus({ size: 50 }));
 * result.byType.EMAIL_ADDRESS?.precision; // 1
 */
export function evaluate(detector: SpanDetector, corpus: readonly CorpusEntry[]): Evaluation {
  const counts = new Map<EntityType, { tp: number; fp: number; fn: number }>();
  const bump = (type: EntityType): { tp: number; fp: number; fn: number } => {
    let c = counts.get(type);
    if (c === undefined) {
      c = { tp: 0, fp: 0, fn: 0 };
      counts.set(type, c);
    }
    return c;
  };
  const key = (s: Pick<GoldSpan, 'type' | 'start' | 'end'>): string => `${s.type}:${s.start}:${s.end}`;
  for (const entry of corpus) {
    const gold = new Set(entry.entities.map(key));
    const predicted = detector.detect(entry.text);
    const hit = new Set<string>();
    for (const p of predicted) {
      const k = key(p);
      if (gold.has(k) && !hit.has(k)) {
        hit.add(k);
        bump(p.type).tp++;
      } else {
        bump(p.type).fp++;
      }
    }
    for (const g of entry.entities) if (!hit.has(key(g))) bump(g.type).fn++;
  }
  const byType: Partial<Record<EntityType, TypeScore>> = {};
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [type, c] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    byType[type] = score(c.tp, c.fp, c.fn);
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
  }
  return { byType, overall: score(tp, fp, fn), sentences: corpus.length };
}
