// Writes schemas/policy.schema.json and schemas/records/*.schema.json from the TypeScript sources
// (via the built packages). Snapshot tests fail when a committed file differs from this output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECORD_KINDS, recordJsonSchema } from '../packages/core/dist/index.js';
import { policyJsonSchema } from '../packages/policy/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const write = (rel, doc) => {
  const file = join(root, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote ${rel}`);
};
write('schemas/policy.schema.json', policyJsonSchema());
for (const kind of RECORD_KINDS) write(`schemas/records/${kind}.schema.json`, recordJsonSchema(kind));
