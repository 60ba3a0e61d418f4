// `pnpm bench`: runs every packages/*/bench/*.bench.mjs (against the built packages) in sequence.
// Each benchmark prints its own baseline from the same run and a ratio; nothing here asserts timings.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];
const files = readdirSync(join(root, 'packages'))
  .flatMap((pkg) => {
    const dir = join(root, 'packages', pkg, 'bench');
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.bench.mjs'))
          .map((f) => join(dir, f))
      : [];
  })
  .filter((f) => !only || f.includes(only));
console.log(`node ${process.version}, ${process.platform}/${process.arch}; ${files.length} benchmarks`);
let failed = 0;
for (const file of files) {
  console.log(`\n# ${file.slice(root.length + 1)}`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit', cwd: dirname(file) });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
