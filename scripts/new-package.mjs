// Scaffolds packages/<name> with the workspace's conventions. Used once per package; kept for contributors.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const [name, summary, depsJson = '{}', devJson = '{}', refsCsv = ''] = process.argv.slice(2);
const dir = `packages/${name}`;
if (existsSync(dir)) throw new Error(`${dir} exists`);
mkdirSync(`${dir}/src`, { recursive: true });
const pkg = {
  name: `@sluice/${name}`,
  version: '0.1.0',
  description: summary,
  license: 'Apache-2.0',
  type: 'module',
  engines: { node: '>=20' },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
  files: ['dist', 'src', '!src/**/*.test.ts'],
  publishConfig: { access: 'public' },
  scripts: { build: 'tsc -b' },
  dependencies: JSON.parse(depsJson),
  devDependencies: JSON.parse(devJson),
};
writeFileSync(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
const refs = refsCsv ? refsCsv.split(',').map((r) => ({ path: `../${r}` })) : [];
const ts = {
  extends: '../../tsconfig.base.json',
  compilerOptions: { rootDir: 'src', outDir: 'dist', composite: true, tsBuildInfoFile: 'dist/.tsbuildinfo' },
  include: ['src'],
  exclude: ['src/**/*.test.ts', 'src/**/*.test-d.ts'],
  references: refs,
};
writeFileSync(`${dir}/tsconfig.json`, `${JSON.stringify(ts, null, 2)}\n`);
writeFileSync(`${dir}/src/index.ts`, `/**\n * ${summary}\n */\nexport {};\n`);
