import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_KINDS, recordJsonSchema } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { policyJsonSchema } from './schema.js';

const root = join(import.meta.dirname, '..', '..', '..');
const committed = (rel: string) => JSON.parse(readFileSync(join(root, rel), 'utf8')) as unknown;

describe('published schemas', () => {
  it('schemas/policy.schema.json matches the TypeScript source (run `pnpm schemas` after a change)', () => {
    expect(committed('schemas/policy.schema.json')).toEqual(policyJsonSchema());
  });

  it.each(RECORD_KINDS)('schemas/records/%s.schema.json matches the record definition', (kind) => {
    expect(committed(`schemas/records/${kind}.schema.json`)).toEqual(recordJsonSchema(kind));
  });
});
