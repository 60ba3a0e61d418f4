/**
 * PII and secret detection for Slack text: Presidio entity names, validators, directory-based PERSON
 * matching, Slack mrkdwn awareness and UTF-16 offsets. Tokenization is built on top of these spans.
 */
export {
  CORPUS_DIRECTORY,
  CORPUS_PHONE_REGIONS,
  type CorpusEntry,
  type CorpusOptions,
  corpusDetectorOptions,
  formatCorpus,
  type GoldSpan,
  generateCorpus,
  parseCorpus,
} from './corpus.js';
export { createDetector, type Detector, type DetectorOptions, resolveOverlaps } from './detector.js';
export { type DetectedEntity, ENTITY_TYPES, type EntityType, isEntityType } from './entities.js';
export { type Evaluation, evaluate, type SpanDetector, type TypeScore } from './evaluate.js';
export { type DetectJsonLinesOptions, detectJsonLines } from './jsonl.js';
export { NameMatcher, type NameMatcherOptions, type PersonDirectory } from './name-matcher.js';
