#!/usr/bin/env node
// Regenerates corpus/slack-pii.jsonl from the seeded generator in the built package. Run after
// `pnpm exec tsc -b packages/pii`; the corpus test fails when the committed file and the generator differ.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatCorpus, generateCorpus } from '../dist/index.js';

const target = fileURLToPath(new URL('../corpus/slack-pii.jsonl', import.meta.url));
const entries = generateCorpus();
writeFileSync(target, formatCorpus(entries));
console.log(`wrote ${entries.length} sentences to ${target}`);
