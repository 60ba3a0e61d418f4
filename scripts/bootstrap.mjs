// The two quickstart commands, `npm run demo` and `npm test`, on a machine with only Node >= 20 and npm:
// find pnpm (or install the pinned version locally under .tools/), install the workspace, build, then
// run the demo or the whole test suite. Every step is idempotent and fast when already done.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '10.34.9';
const task = process.argv[2];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`\n${[command, ...args].join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

function findPnpm() {
  const local = join(root, '.tools', 'node_modules', '.bin', 'pnpm');
  for (const candidate of ['pnpm', local]) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.trim().startsWith('10.')) return candidate;
  }
  // pnpm 11+ crashes on Node 20 and corepack cannot download here: install the pinned version locally.
  console.log(`installing pnpm@${PNPM_VERSION} into .tools/ (once)`);
  run('npm', [
    'install',
    '--prefix',
    join(root, '.tools'),
    `pnpm@${PNPM_VERSION}`,
    '--no-audit',
    '--no-fund',
    '--silent',
  ]);
  if (!existsSync(local)) throw new Error('pnpm installation failed');
  return local;
}

const pnpm = findPnpm();
// No TTY in CI or under npm: never stop to ask before re-linking node_modules.
run(pnpm, ['install', '--frozen-lockfile', '--prefer-offline', '--config.confirmModulesPurge=false']);
run(pnpm, ['run', 'build']);

if (task === 'test') {
  run(pnpm, ['exec', 'tsc', '-p', 'tsconfig.test.json']);
  run(pnpm, ['exec', 'vitest', 'run', ...process.argv.slice(3)]);
} else if (task === 'demo') {
  run(process.execPath, [join(root, 'examples', 'demo', 'run-demo.mjs'), ...process.argv.slice(3)]);
} else {
  console.error('usage: node scripts/bootstrap.mjs test|demo');
  process.exit(2);
}
