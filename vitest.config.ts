import { defineConfig } from 'vitest/config';

// One suite for the whole workspace. Tests import sibling packages through their built `dist`
// (the same code users get), so `pnpm build` runs first; see scripts/bootstrap.mjs.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    env: { SLUICE_LOG_LEVEL: 'silent' },
  },
});
